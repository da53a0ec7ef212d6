/**
 * Keeps the app's copy of the shop's customers and orders in step with Shopify's webhooks, and the
 * points ledger in step with them, in the caller's transaction (the one that records the event id).
 *
 * Deliveries arrive repeated, concurrently and out of order, so:
 * - each customer and order is locked (a transaction-scoped advisory lock) before it is read, so two
 *   deliveries about the same customer or order run one after the other;
 * - a version older than the stored one (`updated_at`) changes nothing;
 * - points are recomputed from the stored state by the pure rules in loyalty/points-rules.ts, and the
 *   ledger's unique keys make a recomputation that finds nothing new a no-op.
 */
import { randomInt } from "node:crypto";

import { Prisma } from "../generated/prisma/client";
import { appendLedgerEntries, ledgerEntriesOf } from "../loyalty/ledger.server";
import {
  eligibleAmount,
  orderKeys,
  orderSpendEntries,
  secondPurchaseEntries,
  welcomeEntries,
  type EarningSettings,
  type OrderForPoints,
} from "../loyalty/points-rules";
import { scheduleFollowUpsForOrder } from "../follow-ups/schedule.server";
import { forgetContactKeys, recordContactKeys } from "../loyalty/contact-keys.server";
import { recordOrderDiscountCodes } from "../loyalty/order-discount-codes.server";
import { rewardReferralOnFirstPurchase } from "../loyalty/referrals.server";
import { recordCustomerForReports, recordOrderForReports } from "../reports/aggregates.server";
import { formatAmount, parseAmount } from "./money";
import type { CustomerSnapshot, OrderSnapshot, RefundSnapshot } from "./payloads";
import { storeCustomer, storeOrder, storeRefunds, type StoredCustomer } from "./store.server";

import type { Tx } from "../database/transaction";

export interface ShopProgram {
  id: string;
  domain: string;
  installedAt: Date;
  settings: EarningSettings & { referrerPoints: number; referralMonthlyRewardLimit: number };
  /** Second-purchase bonuses wait until the history import has told us every past order (its settle phase on). */
  historyComplete: boolean;
}

type ProgramSettingsRow = ShopProgram["settings"];

/** The installed shop and its program, or null when the shop is unknown or erased. */
export async function shopProgram(db: Tx | import("../generated/prisma/client").PrismaClient, domain: string): Promise<ShopProgram | null> {
  // Every delivery asks this first: one raw query rather than Prisma's compiled include.
  const [row] = await db.$queryRaw<{ id: string; domain: string; installedAt: Date; settings: ProgramSettingsRow | null; historyKnown: boolean | null }[]>`
    SELECT s.id, s.domain, s."installedAt", to_jsonb(p) AS settings, h.phase IN ('settle', 'done') AS "historyKnown"
      FROM "Shop" s
      LEFT JOIN "ProgramSettings" p ON p."shopId" = s.id
      LEFT JOIN "HistoryImport" h ON h."shopId" = s.id
     WHERE s.domain = ${domain}`;
  if (!row?.settings) return null;
  return {
    id: row.id,
    domain: row.domain,
    installedAt: row.installedAt,
    settings: row.settings,
    historyComplete: row.historyKnown === true,
  };
}

/** Serialises every transaction touching one of these (customer or order GIDs) until commit. */
async function lockSubjects(tx: Tx, shopId: string, subjects: string[]): Promise<void> {
  // One statement, locks taken in the order given: customer before order, everywhere.
  await tx.$executeRaw`
    SELECT pg_advisory_xact_lock(hashtextextended(${shopId} || ':' || subject, 0))
      FROM unnest(${subjects}::text[]) WITH ORDINALITY AS s(subject, position) ORDER BY position`;
}

const REFERRAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/** 8 characters from 32 (40 bits): short enough to type, too many to guess; unique per shop by index. */
export function newReferralCode(): string {
  return Array.from({ length: 8 }, () => REFERRAL_ALPHABET[randomInt(REFERRAL_ALPHABET.length)]).join("");
}

export type { StoredCustomer } from "./store.server";

/** customers/create and customers/update: store the customer, then welcome points if they made an account. */
export async function syncCustomer(tx: Tx, shop: ShopProgram, snapshot: CustomerSnapshot, now: Date): Promise<void> {
  await lockSubjects(tx, shop.id, [snapshot.shopifyId]);
  const customer = await storeCustomer(tx, shop.id, snapshot);
  await recordCustomerForReports(tx, shop.id, snapshot.shopifyId);
  if (customer.redactedAt || customer.deletedAt) return;
  await recordContactKeys(tx, customer.id, snapshot.contactKeys ?? []);
  await awardWelcomePoints(tx, shop, customer, snapshot, now);
}

/**
 * Welcome points when this version, or the stored one, says the customer has an account: a version
 * older than the stored one changes nothing stored, but the account it shows was made all the same
 * (an enabled customers/create arriving after a newer "disabled" update still welcomes them).
 */
async function awardWelcomePoints(tx: Tx, shop: ShopProgram, customer: StoredCustomer, snapshot: CustomerSnapshot, now: Date): Promise<void> {
  const everEnabled = {
    shopifyId: customer.shopifyId,
    hasAccount: customer.hasAccount || snapshot.hasAccount,
    shopifyCreatedAt: customer.shopifyCreatedAt ?? snapshot.shopifyCreatedAt,
  };
  await appendLedgerEntries(tx, shop.id, customer.id, welcomeEntries({ customer: everEnabled, settings: shop.settings, installedAt: shop.installedAt, now }));
}

/** customers/delete: Shopify deletes only customers without orders; their ledger stays for the shop's totals. */
export async function markCustomerDeleted(tx: Tx, shop: ShopProgram, customerShopifyId: string, at: Date): Promise<void> {
  await lockSubjects(tx, shop.id, [customerShopifyId]);
  await tx.customer.updateMany({
    where: { shopId: shop.id, shopifyId: customerShopifyId },
    data: { deletedAt: at, email: null, firstName: null, lastName: null, phone: null, addressKey: null },
  });
  const deleted = await tx.customer.findUnique({ where: { shopId_shopifyId: { shopId: shop.id, shopifyId: customerShopifyId } }, select: { id: true } });
  if (deleted) await forgetContactKeys(tx, deleted.id);
}

/**
 * orders/create, orders/paid, orders/updated, orders/cancelled: one handler, the payload is the whole order.
 * A cancellation, once stored, stays (Shopify cannot undo one), and on an equal `updated_at` the
 * financial status only moves forward; refunds are kept by their own ids and only ever added.
 */
export async function syncOrder(tx: Tx, shop: ShopProgram, snapshot: OrderSnapshot, now: Date): Promise<"stored" | "stale"> {
  await lockSubjects(tx, shop.id, [...(snapshot.customer ? [snapshot.customer.shopifyId] : []), snapshot.shopifyId]);
  // Same second is not older (store.server.ts): an older version changes nothing.
  if ((await storeOrder(tx, shop.id, snapshot)) === "stale") return "stale";

  const customer = snapshot.customer ? await storeCustomer(tx, shop.id, snapshot.customer) : null;
  if (customer && !customer.redactedAt && !customer.deletedAt) {
    // Before the points are settled: a referral reward compares the friend's keys with the referrer's.
    await recordContactKeys(tx, customer.id, [...(snapshot.contactKeys ?? []), ...(snapshot.customer?.contactKeys ?? [])]);
  }
  await storeRefunds(tx, shop.id, snapshot.refunds);
  await recordOrderDiscountCodes(tx, shop.id, snapshot, customer, now);

  if (customer && !customer.redactedAt) {
    await settleCustomerPoints(tx, shop, customer, now, [snapshot.shopifyId]);
    if (snapshot.customer) await awardWelcomePoints(tx, shop, customer, snapshot.customer, now);
  }
  await scheduleFollowUpsForOrder(tx, shop.id, snapshot.shopifyId, now);
  // Last: the report rows of the day are shared by every order of the shop that day, and their row
  // locks are held from here to the commit.
  await recordOrderForReports(tx, shop.id, snapshot.shopifyId);
  return "stored";
}

/** refunds/create: the refund is kept even when its order has not arrived yet; the order picks it up. */
export async function syncRefund(tx: Tx, shop: ShopProgram, refund: RefundSnapshot, now: Date): Promise<void> {
  const [order] = await tx.$queryRaw<{ customerShopifyId: string | null }[]>`
    SELECT "customerShopifyId" FROM "Order" WHERE "shopId" = ${shop.id} AND "shopifyId" = ${refund.orderShopifyId}`;
  await lockSubjects(tx, shop.id, [...(order?.customerShopifyId ? [order.customerShopifyId] : []), refund.orderShopifyId]);
  await storeRefunds(tx, shop.id, [refund]);
  if (!order?.customerShopifyId) return;
  const [customer] = await tx.$queryRaw<StoredCustomer[]>`
    SELECT id, "shopifyId", email, "hasAccount", "shopifyCreatedAt", "redactedAt", "deletedAt" FROM "Customer"
     WHERE "shopId" = ${shop.id} AND "shopifyId" = ${order.customerShopifyId}`;
  if (customer && !customer.redactedAt) await settleCustomerPoints(tx, shop, customer, now, [refund.orderShopifyId]);
  // Money returned without refund lines lowers the order's sales.
  if (refund.discrepancy !== 0) await recordOrderForReports(tx, shop.id, refund.orderShopifyId);
}

/**
 * Brings a customer's ledger in line with their stored orders: spend, refunds and cancellation for
 * the orders named, then the second-purchase bonus and a pending referral, which depend on all of them.
 * The caller holds the customer's lock.
 */
export async function settleCustomerPoints(
  tx: Tx,
  shop: ShopProgram,
  customer: { id: string; shopifyId: string },
  now: Date,
  orderShopifyIds: string[],
): Promise<void> {
  // Amounts as text: exact decimals for parseAmount, never floats.
  const orders = await tx.$queryRaw<
    { shopifyId: string; financialStatus: string; cancelledAt: Date | null; placedAt: Date; subtotal: string; shipping: string; tax: string; earnedOn: string | null }[]
  >`
    SELECT "shopifyId", "financialStatus", "cancelledAt", "placedAt", subtotal::text AS subtotal, shipping::text AS shipping, tax::text AS tax,
           "pointsEarnedOn"::text AS "earnedOn"
      FROM "Order" WHERE "shopId" = ${shop.id} AND "customerShopifyId" = ${customer.shopifyId}`;
  const touched = orders.filter((order) => orderShopifyIds.includes(order.shopifyId));
  const refunds = touched.length
    ? await tx.$queryRaw<{ shopifyId: string; orderShopifyId: string; subtotal: string; shipping: string; tax: string; refundedAt: Date }[]>`
        SELECT "shopifyId", "orderShopifyId", subtotal::text AS subtotal, shipping::text AS shipping, tax::text AS tax, "refundedAt"
          FROM "OrderRefund" WHERE "shopId" = ${shop.id} AND "orderShopifyId" = ANY(${touched.map((order) => order.shopifyId)}::text[])`
    : [];
  const existing = await ledgerEntriesOf(tx, customer.id, "ORDER");

  const earnedOn: { shopifyId: string; amount: string }[] = [];
  const planned = touched.flatMap((order) => {
    const forPoints: OrderForPoints = {
      shopifyId: order.shopifyId,
      financialStatus: order.financialStatus,
      cancelledAt: order.cancelledAt,
      placedAt: order.placedAt,
      subtotal: parseAmount(order.subtotal),
      shipping: parseAmount(order.shipping),
      tax: parseAmount(order.tax),
      refunds: refunds
        .filter((refund) => refund.orderShopifyId === order.shopifyId)
        .map((refund) => ({
          shopifyId: refund.shopifyId,
          subtotal: parseAmount(refund.subtotal),
          shipping: parseAmount(refund.shipping),
          tax: parseAmount(refund.tax),
          refundedAt: refund.refundedAt,
        })),
      earnedOn: order.earnedOn === null ? null : parseAmount(order.earnedOn),
    };
    const prefix = `order:${order.shopifyId}:`;
    const entries = orderSpendEntries({
      order: forPoints,
      existing: existing.filter((entry) => entry.key.startsWith(prefix) && (entry.reason === "SPEND" || entry.reason === "REFUND" || entry.reason === "CANCELLATION")),
      settings: shop.settings,
      installedAt: shop.installedAt,
      now,
    });
    const eligible = eligibleAmount(forPoints, shop.settings);
    const earns = entries.some((entry) => entry.key === orderKeys.spend(order.shopifyId) || entry.key === orderKeys.editSpend(order.shopifyId, eligible));
    if (earns || (forPoints.earnedOn === null && existing.some((entry) => entry.key === orderKeys.spend(order.shopifyId)))) {
      earnedOn.push({ shopifyId: order.shopifyId, amount: formatAmount(eligible) });
    }
    return entries;
  });
  if (shop.historyComplete) {
    planned.push(
      ...secondPurchaseEntries({
        orders,
        existing: existing.filter((entry) => entry.reason === "SECOND_PURCHASE" || entry.reason === "SECOND_PURCHASE_REVERSAL"),
        settings: shop.settings,
        installedAt: shop.installedAt,
        now,
      }),
    );
  }
  await appendLedgerEntries(tx, shop.id, customer.id, planned);
  if (earnedOn.length > 0) {
    await tx.$executeRaw`
      UPDATE "Order" o SET "pointsEarnedOn" = e.amount
        FROM unnest(${earnedOn.map((e) => e.shopifyId)}::text[], ${earnedOn.map((e) => e.amount)}::numeric[]) AS e(gid, amount)
       WHERE o."shopId" = ${shop.id} AND o."shopifyId" = e.gid`;
  }
  await rewardReferralOnFirstPurchase(tx, shop, customer, orders, now);
}

/**
 * After the history import, settles every customer with an order since install (with any order, when
 * history earns points): their second-purchase bonus waited for the history to be known. Each customer
 * is one transaction under their lock; `afterEach` lets a long run show it is alive.
 */
export async function settleCustomersAfterImport(
  db: import("../generated/prisma/client").PrismaClient,
  domain: string,
  now: Date,
  afterEach?: () => Promise<void> | void,
): Promise<{ historyEarnedPoints: boolean } | null> {
  const shop = await shopProgram(db, domain);
  if (!shop) return null;
  const since = shop.settings.historyEarnsPoints ? new Date(0) : shop.installedAt;
  const customers = await db.$queryRaw<{ id: string; shopifyId: string }[]>`
    SELECT DISTINCT c.id, c."shopifyId" FROM "Customer" c
      JOIN "Order" o ON o."shopId" = c."shopId" AND o."customerShopifyId" = c."shopifyId"
     WHERE c."shopId" = ${shop.id} AND c."redactedAt" IS NULL AND o."placedAt" >= ${since}`;
  for (const customer of customers) {
    await db.$transaction(async (tx) => {
      await lockSubjects(tx, shop.id, [customer.shopifyId]);
      const orderIds = shop.settings.historyEarnsPoints
        ? (await tx.order.findMany({ where: { shopId: shop.id, customerShopifyId: customer.shopifyId }, select: { shopifyId: true } })).map((o) => o.shopifyId)
        : [];
      await settleCustomerPoints(tx, shop, customer, now, orderIds);
    });
    await afterEach?.();
  }
  return { historyEarnedPoints: shop.settings.historyEarnsPoints };
}
