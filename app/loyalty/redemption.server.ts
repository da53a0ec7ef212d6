/**
 * Redeeming points for a reward: the points leave the ledger and a discount code for that customer is
 * made in Shopify.
 *
 * - The points are taken in a transaction holding the customer's lock (the one order sync takes), after
 *   the balance is read under it: concurrent redemptions are served one at a time and none overdraws.
 * - The code is chosen and stored before Shopify is asked. A lost answer is settled by looking the code
 *   up (codeDiscountNodeByCode), so a retry never makes a second code.
 * - If Shopify refuses, or neither the create nor the look-up answers, the points come back through a
 *   compensating ledger entry and the shopper is told why.
 * - The same idempotency key twice is one redemption, answered with its code; after a failure (its
 *   points given back) the same key tries again.
 */
import { subjectLockKey } from "../database/lock-keys";
import type { Tx } from "../database/transaction";
import type { Prisma, PrismaClient, Redemption, Reward } from "../generated/prisma/client";
import { AdminApiError, adminQuery, type AdminGraphql } from "../shopify/admin-graphql.server";
import { newDiscountCode } from "../shopify/discount-codes.server";
import {
  DISCOUNT_BY_CODE_QUERY,
  DISCOUNT_CODE_BASIC_CREATE_MUTATION,
  DISCOUNT_DELETE_MUTATION,
  REWARD_FREE_SHIPPING_CREATE_MUTATION,
} from "../shopify/operations";
import { appendLedgerEntries, pointsBalance } from "./ledger.server";
import { pointsText } from "./storefront-account.server";

const DAY_MS = 86_400_000;
/** An order placed just before a code's end can reach us later than that: expiry waits this long. */
export const EXPIRY_GRACE_MS = DAY_MS;
/** A redemption still creating its code after this long was abandoned (its process stopped). */
export const ABANDONED_AFTER_MS = 5 * 60_000;
/** How long after a failure Shopify might still make a code it did not answer for in time. */
export const LATE_CODE_WATCH_MS = DAY_MS;

export type RedeemOutcome =
  | { ok: true; code: string; reward: string; endsAt: string; points: { balance: number; pending: number } }
  | { ok: false; status: 400 | 404 | 409 | 502 | 504; error: string; points?: { balance: number; pending: number } };

export interface RedeemRequest {
  shopDomain: string;
  customerGid: string;
  rewardId: string;
  idempotencyKey: string;
  now: Date;
}

export interface ShopifyAccess {
  /** The Admin API through the shop's offline session. */
  graphql: () => Promise<AdminGraphql>;
  /** How long to wait for each Admin API call before treating its answer as lost. */
  timeoutMs: number;
}

/** Holds the customer's lock until the transaction ends: the same lock orders/sync.server.ts takes. */
async function lockCustomer(tx: Tx, shopId: string, customerGid: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${subjectLockKey(shopId, customerGid)}, 0))`;
}

class Refusal extends Error {
  constructor(
    public readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export async function redeemReward(db: PrismaClient, shopify: ShopifyAccess, request: RedeemRequest): Promise<RedeemOutcome> {
  const shop = await db.shop.findUnique({ where: { domain: request.shopDomain }, include: { settings: true } });
  if (!shop?.settings || shop.uninstalledAt) return { ok: false, status: 404, error: "This shop's rewards program is not available." };
  const customer = await db.customer.findUnique({ where: { shopId_shopifyId: { shopId: shop.id, shopifyId: request.customerGid } } });
  if (!customer || customer.deletedAt || customer.redactedAt) {
    return { ok: false, status: 409, error: `You have no ${shop.settings.pointsName} to redeem yet.` };
  }
  const pointsName = shop.settings.pointsName;

  let redemption: Redemption & { reward: Reward };
  try {
    redemption = await db.$transaction(async (tx) => {
      await lockCustomer(tx, shop.id, customer.shopifyId);
      const earlier = await tx.redemption.findUnique({
        where: { customerId_idempotencyKey: { customerId: customer.id, idempotencyKey: request.idempotencyKey } },
        include: { reward: true },
      });
      if (earlier && earlier.rewardId !== request.rewardId) throw new Refusal(409, "This request was already used for another reward. Try again.");
      // A failed attempt gave its points back: the shopper's retry is a fresh attempt.
      if (earlier && earlier.status !== "FAILED") return earlier;
      const reward = await tx.reward.findFirst({ where: { id: request.rewardId, shopId: shop.id, active: true } });
      if (!reward) throw new Refusal(404, "This reward is no longer available.");
      const spendable = await spendablePoints(tx, customer.id, request.now);
      if (spendable < reward.pointsCost) {
        throw new Refusal(409, `You need ${pointsText(reward.pointsCost - spendable, pointsName)} more for this reward.`);
      }
      const attempt = {
        status: "CREATING" as const,
        points: reward.pointsCost,
        // A retry keeps the code: if Shopify made it after all, the retry finds it rather than a second one
        // (unless the upkeep has claimed that late code for deletion).
        code: earlier && !earlier.discountShopifyId ? earlier.code : newDiscountCode("REWARD"),
        endsAt: new Date(request.now.getTime() + reward.codeValidDays * DAY_MS),
        failure: null,
      };
      const created = earlier
        ? await tx.redemption.update({ where: { id: earlier.id }, data: { ...attempt, attempt: earlier.attempt + 1, discountShopifyId: null }, include: { reward: true } })
        : await tx.redemption.create({
            data: { shopId: shop.id, customerId: customer.id, rewardId: reward.id, idempotencyKey: request.idempotencyKey, ...attempt, createdAt: request.now },
            include: { reward: true },
          });
      await appendLedgerEntries(tx, shop.id, customer.id, [
        {
          key: `redemption:${created.id}:${created.attempt}`,
          points: -reward.pointsCost,
          reason: "REDEMPTION",
          source: "REDEMPTION",
          sourceId: created.id,
          availableAt: request.now,
          note: `Redeemed: ${reward.name}`,
        },
      ]);
      return created;
    });
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, status: error.status, error: error.message, points: await balanceOf(db, customer.id, request.now) };
    throw error;
  }

  const settled = redemption.status === "CREATING" ? await createRewardCode(db, shopify, redemption, customer.shopifyId, request.now) : redemption;
  const points = await balanceOf(db, customer.id, request.now);
  if (settled.status === "FAILED") {
    return { ok: false, status: 502, error: `${settled.failure ?? "Shopify could not create your code."} Your ${pointsName} are back.`, points };
  }
  return { ok: true, code: settled.code, reward: redemption.reward.name, endsAt: settled.endsAt.toISOString(), points };
}

/**
 * Points the customer may spend now. A deduction counts at once whatever its date: a concurrent
 * redemption whose clock read a little later must still be seen as spent.
 */
async function spendablePoints(tx: Tx, customerId: string, now: Date): Promise<number> {
  const [row] = await tx.$queryRaw<{ spendable: bigint | null }[]>`
    SELECT SUM(points) FILTER (WHERE "availableAt" <= ${now} OR points < 0) AS spendable
      FROM "PointsLedgerEntry" WHERE "customerId" = ${customerId}`;
  return Number(row?.spendable ?? 0);
}

async function balanceOf(db: PrismaClient, customerId: string, now: Date) {
  const balance = await pointsBalance(db, customerId, now);
  return { balance: balance.available, pending: balance.pending };
}

/** The Admin API input for a reward's code: single use, for this customer only, ending with the redemption. */
export function rewardDiscountInput(reward: Reward, redemption: Pick<Redemption, "code" | "endsAt">, customerGid: string, now: Date) {
  const common = {
    title: `Reward: ${reward.name}`,
    code: redemption.code,
    startsAt: now.toISOString(),
    endsAt: redemption.endsAt.toISOString(),
    usageLimit: 1,
    appliesOncePerCustomer: true,
    context: { customers: { add: [customerGid] } },
    ...(reward.minimumSubtotal !== null ? { minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: reward.minimumSubtotal.toString() } } } : {}),
  };
  if (reward.kind === "FREE_SHIPPING") {
    return {
      mutation: "freeShipping" as const,
      input: { ...common, destination: { all: true }, combinesWith: { orderDiscounts: true, productDiscounts: true, shippingDiscounts: false } },
    };
  }
  const value =
    reward.kind === "PERCENTAGE_OFF"
      ? { percentage: (reward.percentageOff ?? 0) / 100 }
      : { discountAmount: { amount: (reward.amountOff ?? 0).toString(), appliesOnEachItem: false } };
  return {
    mutation: "basic" as const,
    input: { ...common, customerGets: { value, items: { all: true } }, combinesWith: { orderDiscounts: false, productDiscounts: true, shippingDiscounts: true } },
  };
}

type CreateAnswer = { created: string } | { taken: true } | { refused: string };

async function askShopifyToCreate(graphql: AdminGraphql, reward: Reward, redemption: Redemption, customerGid: string, now: Date, signal: AbortSignal): Promise<CreateAnswer> {
  const { mutation, input } = rewardDiscountInput(reward, redemption, customerGid, now);
  const result =
    mutation === "basic"
      ? (await adminQuery(graphql, DISCOUNT_CODE_BASIC_CREATE_MUTATION, { variables: { basicCodeDiscount: input }, signal })).discountCodeBasicCreate
      : (await adminQuery(graphql, REWARD_FREE_SHIPPING_CREATE_MUTATION, { variables: { freeShippingCodeDiscount: input }, signal }))
          .discountCodeFreeShippingCreate;
  const userErrors = result?.userErrors ?? [];
  if (userErrors.some((error) => error.code === "TAKEN")) return { taken: true };
  if (userErrors.length > 0 || !result?.codeDiscountNode) {
    return { refused: `Shopify refused the discount code: ${userErrors.map((error) => error.message).join("; ") || "no discount returned"}.` };
  }
  return { created: result.codeDiscountNode.id };
}

/** The code's discount in Shopify, null when there is none; throws when Shopify does not answer. */
async function findCode(graphql: AdminGraphql, code: string, timeoutMs: number): Promise<string | null> {
  const { codeDiscountNodeByCode } = await adminQuery(graphql, DISCOUNT_BY_CODE_QUERY, { variables: { code }, signal: AbortSignal.timeout(timeoutMs) });
  return codeDiscountNodeByCode?.id ?? null;
}

/**
 * Makes the redemption's code in Shopify, or finds it when an earlier attempt made it, or gives the
 * points back. Safe to run twice at once for one redemption: each outcome is written only over CREATING.
 */
export async function createRewardCode(
  db: PrismaClient,
  shopify: ShopifyAccess,
  redemption: Redemption & { reward: Reward },
  customerGid: string,
  now: Date,
  { create = true }: { create?: boolean } = {},
): Promise<Redemption> {
  let graphql: AdminGraphql;
  try {
    graphql = await shopify.graphql();
  } catch {
    return giveBack(db, redemption, customerGid, "The shop cannot create codes right now.", now);
  }
  let answer: CreateAnswer | null = null;
  let failedAnswer = false;
  try {
    if (create) answer = await askShopifyToCreate(graphql, redemption.reward, redemption, customerGid, now, AbortSignal.timeout(shopify.timeoutMs));
  } catch (error) {
    // An error answer (an outage) or none (a timeout, a dropped connection): whether the code exists is found below.
    failedAnswer = error instanceof AdminApiError;
  }
  if (answer && "created" in answer) return markIssued(db, redemption, answer.created);
  if (answer && "refused" in answer) return giveBack(db, redemption, customerGid, answer.refused, now);
  try {
    const found = await findCode(graphql, redemption.code, shopify.timeoutMs);
    if (found) return markIssued(db, redemption, found);
  } catch {
    // Shopify answers neither: the code is taken as not made.
  }
  return giveBack(db, redemption, customerGid, answer || failedAnswer || !create ? "Shopify could not create your code." : "Shopify did not answer in time.", now);
}

async function markIssued(db: PrismaClient, redemption: Redemption, discountShopifyId: string): Promise<Redemption> {
  await db.redemption.updateMany({ where: { id: redemption.id, status: "CREATING", attempt: redemption.attempt }, data: { status: "ISSUED", discountShopifyId } });
  return db.redemption.findUniqueOrThrow({ where: { id: redemption.id } });
}

/** The compensating entry: the points the redemption took come back, once. */
async function giveBack(db: PrismaClient, redemption: Redemption & { reward: Reward }, customerGid: string, failure: string, now: Date): Promise<Redemption> {
  return db.$transaction(async (tx) => {
    await lockCustomer(tx, redemption.shopId, customerGid);
    const { count } = await tx.redemption.updateMany({ where: { id: redemption.id, status: "CREATING", attempt: redemption.attempt }, data: { status: "FAILED", failure } });
    if (count === 1) {
      await appendLedgerEntries(tx, redemption.shopId, redemption.customerId, [
        {
          key: `redemption:${redemption.id}:${redemption.attempt}:returned`,
          points: redemption.points,
          reason: "REDEMPTION",
          source: "REDEMPTION",
          sourceId: redemption.id,
          availableAt: now,
          note: `Points returned: ${redemption.reward.name}`,
        },
      ]);
    }
    return tx.redemption.findUniqueOrThrow({ where: { id: redemption.id } });
  });
}

/**
 * An order that used a redemption's code marks it used (called from order sync, in its transaction).
 * Codes are matched case-insensitively, as Shopify matches them at checkout.
 */
export async function markRedemptionsUsed(tx: Tx, shopId: string, order: { shopifyId: string; discountCodes: string[] }, now: Date): Promise<number> {
  if (order.discountCodes.length === 0) return 0;
  const codes = order.discountCodes.map((code) => code.toUpperCase());
  const redemptions = await tx.redemption.findMany({ where: { shopId, code: { in: codes }, status: { in: ["ISSUED", "EXPIRED"] } } });
  for (const redemption of redemptions) {
    await tx.redemption.update({ where: { id: redemption.id }, data: { status: "USED", usedOrderShopifyId: order.shopifyId, usedAt: now } });
    // An order that reached us after the code expired: the points given back on expiry go again.
    const returned = await tx.pointsLedgerEntry.findUnique({ where: { shopId_key: { shopId, key: `redemption:${redemption.id}:expired` } } });
    if (returned) {
      await appendLedgerEntries(tx, shopId, redemption.customerId, [
        {
          key: `redemption:${redemption.id}:used-after-expiry`,
          points: -returned.points,
          reason: "REDEMPTION",
          source: "REDEMPTION",
          sourceId: redemption.id,
          availableAt: now,
          note: "Expired code used after all: points taken again",
        },
      ]);
    }
  }
  return redemptions.length;
}

/**
 * The periodic upkeep: codes past their end (and the grace for late orders) expire, their points
 * coming back where the reward says so; redemptions left creating by a stopped process are settled.
 * Each step writes only over the state it read, so two instances running it at once do no harm.
 */
export async function expireAndSettleRedemptions(
  db: PrismaClient,
  shopifyFor: (shopDomain: string) => ShopifyAccess,
  now: Date,
): Promise<{ expired: number; settled: number; lateCodesDeleted: number }> {
  const due = await db.redemption.findMany({
    where: { status: "ISSUED", endsAt: { lt: new Date(now.getTime() - EXPIRY_GRACE_MS) } },
    include: { reward: true, customer: { select: { shopifyId: true } } },
    take: 500,
  });
  let expired = 0;
  for (const redemption of due) {
    await db.$transaction(async (tx) => {
      await lockCustomer(tx, redemption.shopId, redemption.customer.shopifyId);
      const { count } = await tx.redemption.updateMany({ where: { id: redemption.id, status: "ISSUED" }, data: { status: "EXPIRED", expiredAt: now } });
      if (count === 0) return;
      expired += 1;
      if (!redemption.reward.returnPointsOnExpiry) return;
      await appendLedgerEntries(tx, redemption.shopId, redemption.customerId, [
        {
          key: `redemption:${redemption.id}:expired`,
          points: redemption.points,
          reason: "REDEMPTION",
          source: "REDEMPTION",
          sourceId: redemption.id,
          availableAt: now,
          note: `Unused code expired, points returned: ${redemption.reward.name}`,
        },
      ]);
    });
  }

  const abandoned = await db.redemption.findMany({
    where: { status: "CREATING", createdAt: { lt: new Date(now.getTime() - ABANDONED_AFTER_MS) } },
    include: { reward: true, customer: { select: { shopifyId: true } }, shop: { select: { domain: true } } },
    take: 100,
  });
  // Nobody is waiting for these codes any more: one Shopify made is kept, none is made now.
  for (const redemption of abandoned) {
    await createRewardCode(db, shopifyFor(redemption.shop.domain), redemption, redemption.customer.shopifyId, now, { create: false });
  }

  // Shopify may make a code after the app gave up and gave the points back: such a code goes.
  const failed = await db.redemption.findMany({
    where: { status: "FAILED", discountShopifyId: null, updatedAt: { gt: new Date(now.getTime() - LATE_CODE_WATCH_MS) } },
    include: { shop: { select: { domain: true } }, customer: { select: { shopifyId: true } } },
    take: 100,
  });
  let lateCodesDeleted = 0;
  for (const redemption of failed) {
    try {
      const shopify = shopifyFor(redemption.shop.domain);
      const graphql = await shopify.graphql();
      const found = await findCode(graphql, redemption.code, shopify.timeoutMs);
      if (!found) continue;
      // Claimed under the customer's lock: a retry of this redemption now takes a new code, and one
      // already retrying (no longer FAILED) keeps this one.
      const claimed = await db.$transaction(async (tx) => {
        await lockCustomer(tx, redemption.shopId, redemption.customer.shopifyId);
        const { count } = await tx.redemption.updateMany({
          where: { id: redemption.id, status: "FAILED", attempt: redemption.attempt, discountShopifyId: null },
          data: { discountShopifyId: found },
        });
        return count === 1;
      });
      if (!claimed) continue;
      try {
        await adminQuery(graphql, DISCOUNT_DELETE_MUTATION, { variables: { id: found }, signal: AbortSignal.timeout(shopify.timeoutMs) });
        lateCodesDeleted += 1;
      } catch (error) {
        // Unclaimed, so the next run tries again.
        await db.redemption.updateMany({ where: { id: redemption.id, status: "FAILED", discountShopifyId: found }, data: { discountShopifyId: null } });
        throw error;
      }
    } catch {
      // Tried again on the next run.
    }
  }
  return { expired, settled: abandoned.length, lateCodesDeleted };
}
