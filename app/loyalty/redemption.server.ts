/**
 * Redeeming points for a reward: the points leave the ledger and a discount code for that customer is
 * made in Shopify, or (a store credit reward) store credit is added to the customer's account.
 *
 * - The points are taken in a transaction holding the customer's lock (the one order sync takes), after
 *   the balance is read under it: concurrent redemptions are served one at a time and none overdraws.
 * - The code is chosen and stored before Shopify is asked. A lost answer is settled by looking the code
 *   up (codeDiscountNodeByCode), so a retry never makes a second code.
 * - If Shopify refuses, or neither the create nor the look-up answers, the points come back through a
 *   compensating ledger entry and the shopper is told why.
 * - The same idempotency key twice is one redemption, answered with its code; after a failure (its
 *   points given back) the same key tries again.
 * - Store credit has no code to look up: the credit's expiry, chosen to the second and unique among the
 *   customer's credit redemptions, with its amount, is what finds it (customer.storeCreditAccounts).
 *   A lost answer is settled by that look-up, a retry looks before crediting again, and the upkeep
 *   takes back (debits) a credit Shopify applied after the app had given the points back.
 * - A reward's per-customer limit and minimum balance are checked under the customer's lock, so two
 *   redemptions at once cannot both slip under a limit.
 */
import { subjectLockKey } from "../database/lock-keys";
import type { Tx } from "../database/transaction";
import { Prisma, type PrismaClient, type Redemption, type Reward } from "../generated/prisma/client";
import { AdminApiError, adminQuery, BACKGROUND, type AdminGraphql } from "../shopify/admin-graphql.server";
import type { CurrencyCode } from "../types/admin.types";
import { newDiscountCode } from "../shopify/discount-codes.server";
import {
  CUSTOMER_STORE_CREDITS_QUERY,
  DISCOUNT_BY_CODE_QUERY,
  DISCOUNT_CODE_BASIC_CREATE_MUTATION,
  DISCOUNT_DELETE_MUTATION,
  REWARD_FREE_SHIPPING_CREATE_MUTATION,
  REWARD_STORE_CREDIT_MUTATION,
  STORE_CREDIT_DEBIT_MUTATION,
} from "../shopify/operations";
import { appendLedgerEntries, pointsBalance } from "./ledger.server";
import { pointsText } from "./storefront-account.server";
import { flowCustomerId } from "../shop-tools/flow-triggers";
import { enqueueFlowTrigger } from "../shop-tools/outbox.server";
import { tierRefusal } from "./tiers.server";

const DAY_MS = 86_400_000;
/** An order placed just before a code's end can reach us later than that: expiry waits this long. */
export const EXPIRY_GRACE_MS = DAY_MS;
/** A redemption still creating its code after this long was abandoned (its process stopped). */
export const ABANDONED_AFTER_MS = 5 * 60_000;
/** How long after a failure Shopify might still make a code it did not answer for in time. */
export const LATE_CODE_WATCH_MS = DAY_MS;

export type RedeemOutcome =
  | {
      ok: true;
      /** The discount code; null for store credit, which needs none. */
      code: string | null;
      /** Store credit added to the customer's account (a decimal amount in the shop's currency); `reference` names it in My rewards. */
      storeCredit?: { amount: string; currencyCode: string; reference: string };
      reward: string;
      endsAt: string;
      points: { balance: number; pending: number };
    }
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

/** A store credit redemption is one that names an amount to credit (whatever its reward became since). */
const isStoreCredit = (redemption: Pick<Redemption, "creditAmount">) => redemption.creditAmount !== null;

function dayText(date: Date, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone }).format(date);
  } catch {
    return new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" }).format(date);
  }
}

const timesText = (times: number) => (times === 1 ? "once" : times === 2 ? "twice" : `${times} times`);

/**
 * Why this customer may not redeem the reward now (its per-customer limit, its minimum balance), or
 * null. Runs under the customer's lock: the redemptions it counts cannot change until the caller commits.
 */
export async function limitRefusal(
  tx: Tx,
  reward: Pick<Reward, "id" | "limitPerCustomer" | "limitPeriodDays" | "minimumBalance">,
  customerId: string,
  spendable: number,
  context: { now: Date; pointsName: string; timeZone: string },
): Promise<string | null> {
  if (reward.minimumBalance !== null && spendable < reward.minimumBalance) {
    return `This reward needs a balance of at least ${pointsText(reward.minimumBalance, context.pointsName)}; you have ${pointsText(spendable, context.pointsName)}.`;
  }
  if (reward.limitPerCustomer === null) return null;
  const since = reward.limitPeriodDays === null ? null : new Date(context.now.getTime() - reward.limitPeriodDays * DAY_MS);
  // A failed attempt gave its points back and does not count; one still being made does.
  const counted = await tx.redemption.findMany({
    where: { customerId, rewardId: reward.id, status: { not: "FAILED" }, ...(since ? { createdAt: { gt: since } } : {}) },
    select: { createdAt: true },
    orderBy: { createdAt: "desc" },
    take: reward.limitPerCustomer,
  });
  if (counted.length < reward.limitPerCustomer) return null;
  if (reward.limitPeriodDays === null) return `You can redeem this reward ${timesText(reward.limitPerCustomer)} only, and you have.`;
  const again = new Date(counted[counted.length - 1].createdAt.getTime() + reward.limitPeriodDays * DAY_MS);
  const period = reward.limitPeriodDays === 1 ? "day" : `${reward.limitPeriodDays} days`;
  return `You can redeem this reward ${timesText(reward.limitPerCustomer)} every ${period}. You can redeem it again on ${dayText(again, context.timeZone)}.`;
}

/**
 * A store credit's expiry: the reward's days from now, to the second (as Shopify keeps it), moved on a
 * second at a time until no other credit redemption of this customer has it. With the amount it
 * identifies the credit in Shopify.
 */
async function uniqueCreditExpiry(tx: Tx, customerId: string, from: Date): Promise<Date> {
  let candidate = new Date(Math.floor(from.getTime() / 1000) * 1000);
  for (;;) {
    const taken = await tx.redemption.findFirst({
      where: { customerId, creditAmount: { not: null }, endsAt: candidate },
      select: { id: true },
    });
    if (!taken) return candidate;
    candidate = new Date(candidate.getTime() + 1000);
  }
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
      const belowTier = await tierRefusal(tx, shop.id, customer.id, reward.minTierId);
      if (belowTier) throw new Refusal(409, belowTier);
      const spendable = await spendablePoints(tx, customer.id, request.now);
      const limited = await limitRefusal(tx, reward, customer.id, spendable, { now: request.now, pointsName, timeZone: shop.ianaTimezone });
      if (limited) throw new Refusal(409, limited);
      if (spendable < reward.pointsCost) {
        throw new Refusal(409, `You need ${pointsText(reward.pointsCost - spendable, pointsName)} more for this reward.`);
      }
      if (reward.kind === "STORE_CREDIT" && reward.storeCreditAmount === null) throw new Refusal(404, "This reward is no longer available.");
      if (reward.kind === "FREE_PRODUCT" && reward.productVariantId === null) throw new Refusal(404, "This reward is no longer available.");
      // A retry keeps the code (or the credit's expiry): if Shopify made it after all, the retry finds it
      // rather than making a second one (unless the upkeep has claimed that late one to undo it).
      const keepsEarlier = earlier !== null && !earlier.discountShopifyId && !earlier.creditShopifyId && isStoreCredit(earlier) === (reward.kind === "STORE_CREDIT");
      const endsAt = new Date(request.now.getTime() + reward.codeValidDays * DAY_MS);
      const credit =
        reward.kind === "STORE_CREDIT"
          ? {
              creditAmount: reward.storeCreditAmount,
              creditCurrency: shop.currencyCode,
              // A new expiry differs from every credit redemption of the customer's, this one's earlier one included.
              endsAt: keepsEarlier ? earlier.endsAt : await uniqueCreditExpiry(tx, customer.id, endsAt),
            }
          : { creditAmount: null, creditCurrency: null, endsAt };
      const attempt = {
        status: "CREATING" as const,
        points: reward.pointsCost,
        code: keepsEarlier ? earlier.code : newDiscountCode(reward.kind === "STORE_CREDIT" ? "CREDIT" : "REWARD"),
        ...credit,
        failure: null,
      };
      const created = earlier
        ? await tx.redemption.update({
            where: { id: earlier.id },
            data: { ...attempt, attempt: earlier.attempt + 1, discountShopifyId: null, creditShopifyId: null },
            include: { reward: true },
          })
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

  const settled = redemption.status === "CREATING" ? await settleRedemption(db, shopify, redemption, customer.shopifyId, request.now) : redemption;
  const points = await balanceOf(db, customer.id, request.now);
  if (settled.status === "FAILED") {
    const fallback = isStoreCredit(settled) ? "Shopify could not add your store credit." : "Shopify could not create your code.";
    return { ok: false, status: 502, error: `${settled.failure ?? fallback} Your ${pointsName} are back.`, points };
  }
  const common = { reward: redemption.reward.name, endsAt: settled.endsAt.toISOString(), points };
  if (isStoreCredit(settled)) {
    return { ok: true, code: null, storeCredit: { amount: decimalText(settled.creditAmount!), currencyCode: settled.creditCurrency ?? shop.currencyCode, reference: settled.code }, ...common };
  }
  return { ok: true, code: settled.code, ...common };
}

/** A decimal as Shopify writes money: no trailing zeros past the cents ("5", "4.5" become "5.00", "4.50"). */
function decimalText(value: Prisma.Decimal): string {
  return value.toFixed(2);
}

/** Makes what the redemption gives in Shopify (its code, or its store credit), or gives the points back. */
export async function settleRedemption(
  db: PrismaClient,
  shopify: ShopifyAccess,
  redemption: Redemption & { reward: Reward },
  customerGid: string,
  now: Date,
  options: { create?: boolean } = {},
): Promise<Redemption> {
  return isStoreCredit(redemption) ? giveStoreCredit(db, shopify, redemption, customerGid, now, options) : createRewardCode(db, shopify, redemption, customerGid, now, options);
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
  if (reward.kind === "FREE_PRODUCT") {
    // The admin refuses a free-product reward without its variant (rewards.server.ts); a row edited by hand is refused here.
    if (!reward.productVariantId) throw new Error(`reward ${reward.id} is a free product without a product variant`);
    // 100% off the chosen variant only, with at least one of it in the cart.
    return {
      mutation: "basic" as const,
      input: {
        ...common,
        minimumRequirement: { quantity: { greaterThanOrEqualToQuantity: "1" } },
        customerGets: { value: { percentage: 1 }, items: { products: { productVariantsToAdd: [reward.productVariantId] } } },
        combinesWith: { orderDiscounts: true, productDiscounts: false, shippingDiscounts: true },
      },
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
  let throttled = false;
  try {
    if (create) answer = await askShopifyToCreate(graphql, redemption.reward, redemption, customerGid, now, AbortSignal.timeout(shopify.timeoutMs));
  } catch (error) {
    // An error answer (an outage, still throttled after its attempts) or none (a timeout, a dropped
    // connection): whether the code exists is found below.
    failedAnswer = error instanceof AdminApiError;
    throttled = throttledAnswer(error);
  }
  if (answer && "created" in answer) return markIssued(db, redemption, answer.created);
  if (answer && "refused" in answer) return giveBack(db, redemption, customerGid, answer.refused, now);
  try {
    const found = await findCode(graphql, redemption.code, shopify.timeoutMs);
    if (found) return markIssued(db, redemption, found);
  } catch {
    // Shopify answers neither: the code is taken as not made.
  }
  const why = throttled ? "Shopify is too busy right now." : answer || failedAnswer || !create ? "Shopify could not create your code." : "Shopify did not answer in time.";
  return giveBack(db, redemption, customerGid, why, now);
}

// ---- store credit ----

type CreditAnswer = { credited: string } | { refused: string };

/** A store credit redemption's currency, as the Admin API's enum (the shop's currency, recorded when it was made). */
function creditCurrencyOf(redemption: Pick<Redemption, "creditCurrency">): CurrencyCode {
  if (!redemption.creditCurrency) throw new Error("a store credit redemption without its currency");
  return redemption.creditCurrency as CurrencyCode;
}

/** The Admin API variables for a redemption's store credit: its amount, in its currency, expiring at its end. */
export function rewardStoreCreditInput(redemption: Pick<Redemption, "creditAmount" | "creditCurrency" | "endsAt">, customerGid: string) {
  return {
    id: customerGid,
    creditInput: {
      creditAmount: { amount: decimalText(redemption.creditAmount!), currencyCode: creditCurrencyOf(redemption) },
      expiresAt: redemption.endsAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
      notify: false,
    },
  };
}

async function askShopifyToCredit(graphql: AdminGraphql, redemption: Redemption, customerGid: string, signal: AbortSignal): Promise<CreditAnswer> {
  const { storeCreditAccountCredit: result } = await adminQuery(graphql, REWARD_STORE_CREDIT_MUTATION, {
    variables: rewardStoreCreditInput(redemption, customerGid),
    signal,
  });
  const userErrors = result?.userErrors ?? [];
  if (userErrors.length > 0 || !result?.storeCreditAccountTransaction) {
    return { refused: `Shopify refused the store credit: ${userErrors.map((error) => error.message).join("; ") || "no credit returned"}.` };
  }
  return { credited: result.storeCreditAccountTransaction.id };
}

/** The redemption's credit in Shopify (by expiry and amount): its transaction and account, null when there is none; throws when Shopify does not answer. */
async function findCredit(graphql: AdminGraphql, redemption: Redemption, customerGid: string, timeoutMs: number): Promise<{ transactionId: string; accountId: string } | null> {
  const expiresAt = redemption.endsAt.toISOString().replace(/\.\d{3}Z$/, "Z");
  const { customer } = await adminQuery(graphql, CUSTOMER_STORE_CREDITS_QUERY, {
    variables: { customerId: customerGid, query: `type:credit AND expires_at:>='${expiresAt}' AND expires_at:<='${expiresAt}'` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  for (const account of customer?.storeCreditAccounts.nodes ?? []) {
    const match = account.transactions.nodes.find(
      (transaction) =>
        transaction?.id &&
        transaction.expiresAt &&
        Date.parse(transaction.expiresAt) === redemption.endsAt.getTime() &&
        transaction.amount?.currencyCode === redemption.creditCurrency &&
        new Prisma.Decimal(transaction.amount.amount).equals(redemption.creditAmount!),
    );
    if (match?.id) return { transactionId: match.id, accountId: account.id };
  }
  return null;
}

const throttledAnswer = (error: unknown) => error instanceof AdminApiError && error.errors.some((entry) => entry.extensions?.code === "THROTTLED");

/**
 * Adds the redemption's store credit in Shopify, or finds it when an earlier attempt (or a lost answer)
 * added it, or gives the points back. A retry looks before crediting: no second credit for one redemption.
 */
async function giveStoreCredit(
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
    return giveBack(db, redemption, customerGid, "The shop cannot add store credit right now.", now);
  }
  // An earlier attempt of this redemption may have been credited after all.
  if (!create || redemption.attempt > 1) {
    try {
      const found = await findCredit(graphql, redemption, customerGid, shopify.timeoutMs);
      if (found) return markCredited(db, redemption, found.transactionId);
    } catch (error) {
      // Without knowing, crediting again could credit twice.
      return giveBack(db, redemption, customerGid, throttledAnswer(error) ? "Shopify is too busy right now." : "Shopify did not answer in time.", now);
    }
    if (!create) return giveBack(db, redemption, customerGid, "Shopify could not add your store credit.", now);
  }
  let answer: CreditAnswer | null = null;
  let failure: unknown = null;
  try {
    answer = await askShopifyToCredit(graphql, redemption, customerGid, AbortSignal.timeout(shopify.timeoutMs));
  } catch (error) {
    failure = error;
  }
  if (answer && "credited" in answer) return markCredited(db, redemption, answer.credited);
  if (answer && "refused" in answer) return giveBack(db, redemption, customerGid, answer.refused, now);
  // An error answer or none: whether the credit was added is found below.
  try {
    const found = await findCredit(graphql, redemption, customerGid, shopify.timeoutMs);
    if (found) return markCredited(db, redemption, found.transactionId);
  } catch {
    // Shopify answers neither: the credit is taken as not added (the upkeep undoes it if it was).
  }
  const why = throttledAnswer(failure) ? "Shopify is too busy right now." : failure instanceof AdminApiError ? "Shopify could not add your store credit." : "Shopify did not answer in time.";
  return giveBack(db, redemption, customerGid, why, now);
}

async function markCredited(db: PrismaClient, redemption: Redemption, creditShopifyId: string): Promise<Redemption> {
  return markRedeemed(db, redemption, { status: "CREDITED", creditShopifyId });
}

async function markIssued(db: PrismaClient, redemption: Redemption, discountShopifyId: string): Promise<Redemption> {
  return markRedeemed(db, redemption, { status: "ISSUED", discountShopifyId });
}

/** The redemption is done in Shopify: recorded once (only over CREATING), with its "reward redeemed" Flow trigger. */
async function markRedeemed(
  db: PrismaClient,
  redemption: Redemption,
  outcome: { status: "CREDITED"; creditShopifyId: string } | { status: "ISSUED"; discountShopifyId: string },
): Promise<Redemption> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.redemption.updateMany({ where: { id: redemption.id, status: "CREATING", attempt: redemption.attempt }, data: outcome });
    if (count === 1) await enqueueRewardRedeemed(tx, redemption);
    return tx.redemption.findUniqueOrThrow({ where: { id: redemption.id } });
  });
}

async function enqueueRewardRedeemed(tx: Tx, redemption: Redemption): Promise<void> {
  const customer = await tx.customer.findUnique({ where: { id: redemption.customerId }, select: { shopifyId: true, redactedAt: true, deletedAt: true } });
  const reward = await tx.reward.findUnique({ where: { id: redemption.rewardId }, select: { name: true } });
  if (!customer || customer.redactedAt || customer.deletedAt || !reward) return;
  const [row] = await tx.$queryRaw<{ balance: number }[]>`SELECT COALESCE(SUM(points), 0)::int AS balance FROM "PointsLedgerEntry" WHERE "customerId" = ${redemption.customerId}`;
  await enqueueFlowTrigger(
    tx,
    redemption.shopId,
    "reward-redeemed",
    { customer_id: flowCustomerId(customer.shopifyId), Reward: reward.name, "Points spent": redemption.points, "Points balance": row?.balance ?? 0 },
    `redemption:${redemption.id}:${redemption.attempt}`,
  );
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
): Promise<{ expired: number; settled: number; lateCodesDeleted: number; lateCreditsTakenBack: number }> {
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
    await settleRedemption(db, shopifyFor(redemption.shop.domain), redemption, redemption.customer.shopifyId, now, { create: false });
  }

  // Shopify may make a code after the app gave up and gave the points back: such a code goes.
  const failed = await db.redemption.findMany({
    where: { status: "FAILED", discountShopifyId: null, creditAmount: null, updatedAt: { gt: new Date(now.getTime() - LATE_CODE_WATCH_MS) } },
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
        await adminQuery(graphql, DISCOUNT_DELETE_MUTATION, { variables: { id: found }, signal: AbortSignal.timeout(shopify.timeoutMs), ...BACKGROUND });
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
  const lateCreditsTakenBack = await takeBackLateCredits(db, shopifyFor, now);
  return { expired, settled: abandoned.length, lateCodesDeleted, lateCreditsTakenBack };
}

/**
 * Shopify may add a credit after the app gave up and gave the points back: that credit is debited again,
 * claimed first under the customer's lock so a retry of the redemption then picks a new expiry.
 */
async function takeBackLateCredits(db: PrismaClient, shopifyFor: (shopDomain: string) => ShopifyAccess, now: Date): Promise<number> {
  const failed = await db.redemption.findMany({
    where: { status: "FAILED", creditAmount: { not: null }, creditShopifyId: null, updatedAt: { gt: new Date(now.getTime() - LATE_CODE_WATCH_MS) } },
    include: { shop: { select: { domain: true } }, customer: { select: { shopifyId: true } } },
    take: 100,
  });
  let takenBack = 0;
  for (const redemption of failed) {
    try {
      const shopify = shopifyFor(redemption.shop.domain);
      const graphql = await shopify.graphql();
      const found = await findCredit(graphql, redemption, redemption.customer.shopifyId, shopify.timeoutMs);
      if (!found) continue;
      const claimed = await db.$transaction(async (tx) => {
        await lockCustomer(tx, redemption.shopId, redemption.customer.shopifyId);
        const { count } = await tx.redemption.updateMany({
          where: { id: redemption.id, status: "FAILED", attempt: redemption.attempt, creditShopifyId: null },
          data: { creditShopifyId: found.transactionId },
        });
        return count === 1;
      });
      if (!claimed) continue;
      try {
        const { storeCreditAccountDebit } = await adminQuery(graphql, STORE_CREDIT_DEBIT_MUTATION, {
          variables: { id: found.accountId, debitInput: { debitAmount: { amount: decimalText(redemption.creditAmount!), currencyCode: creditCurrencyOf(redemption) } } },
          signal: AbortSignal.timeout(shopify.timeoutMs),
          ...BACKGROUND,
        });
        const debitErrors = storeCreditAccountDebit?.userErrors ?? [];
        if (debitErrors.length > 0 || !storeCreditAccountDebit?.storeCreditAccountTransaction) {
          throw new Error(debitErrors.map((error) => error.message).join("; ") || "no debit returned");
        }
        takenBack += 1;
      } catch (error) {
        // Unclaimed, so the next run tries again (a credit already spent stays refused until then).
        await db.redemption.updateMany({ where: { id: redemption.id, status: "FAILED", creditShopifyId: found.transactionId }, data: { creditShopifyId: null } });
        throw error;
      }
    } catch {
      // Tried again on the next run.
    }
  }
  return takenBack;
}
