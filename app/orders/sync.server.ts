/**
 * Keeps the app's copy of the shop's customers and orders in step with Shopify's webhooks, and the
 * points ledger in step with them, in the caller's transaction (the one that records the event id).
 *
 * Deliveries arrive repeated, concurrently and out of order, so:
 * - each customer and order is locked (a transaction-scoped advisory lock) before it is read, so two
 *   deliveries about the same customer or order run one after the other;
 * - a version older than the stored one (`updated_at`) changes nothing;
 * - points are then settled from the stored state by loyalty/settlement.server.ts (the pure rules in
 *   loyalty/points-rules.ts), and the ledger's unique keys make a settlement that finds nothing new a no-op.
 */
import { lockSubjects } from "../database/subject-locks.server";
import type { Tx } from "../database/transaction";
import { scheduleFollowUpsForOrder } from "../follow-ups/schedule.server";
import { forgetContactKeys, recordContactKeys } from "../loyalty/contact-keys.server";
import { forgetCustomerWrites } from "../shop-tools/outbox.server";
import { recordOrderDiscountCodes } from "../loyalty/order-discount-codes.server";
import type { ShopProgram } from "../loyalty/program.server";
import { awardWelcomePoints, settleCustomerPoints } from "../loyalty/settlement.server";
import { recordCustomerForReports, recordOrderForReports } from "../reports/aggregates.server";
import type { CustomerSnapshot, OrderSnapshot, RefundSnapshot } from "./payloads";
import { storeCustomer, storeOrder, storeRefunds, type StoredCustomer } from "./store.server";

/**
 * A batch of deliveries applied in one transaction (webhooks/inbox-processor.server.ts). It locked
 * every customer and order its deliveries name before applying them, and settles the points of the
 * customers whose orders it stored and brings their report rows up to date once, at its end, for all
 * of them together: both are recomputed from what is stored, so once for the batch ends where once
 * per order would.
 */
export interface OrderBatch {
  /** Settles the customer's points for this order with the batch's other customers, at its end. */
  settleLater(shop: ShopProgram, customer: StoredCustomer, orderShopifyId: string): void;
  reportOrderLater(shopId: string, orderShopifyId: string): void;
  /**
   * Keeps the customer's contact keys with the batch's other customers', written in one statement
   * before the points are settled (the referral check compares them) or before a delivery forgets them.
   */
  recordContactKeysLater(customerId: string, keys: string[]): void;
  /** Plans the order's follow-ups with the batch's other orders, at its end, in the order they were stored. */
  scheduleFollowUpsLater(shopId: string, orderShopifyId: string): void;
  /** Does now what the batch kept for its end (before a delivery that changes what that work reads). */
  finish(): Promise<void>;
}

export type { StoredCustomer } from "./store.server";

/** customers/create and customers/update: store the customer, then welcome points if they made an account. */
export async function syncCustomer(tx: Tx, shop: ShopProgram, snapshot: CustomerSnapshot, now: Date, batch?: OrderBatch): Promise<void> {
  if (!batch) await lockSubjects(tx, shop.id, [snapshot.shopifyId]);
  const customer = await storeCustomer(tx, shop.id, snapshot);
  await recordCustomerForReports(tx, shop.id, snapshot.shopifyId);
  if (customer.redactedAt || customer.deletedAt) return;
  if (batch) batch.recordContactKeysLater(customer.id, snapshot.contactKeys ?? []);
  else await recordContactKeys(tx, customer.id, snapshot.contactKeys ?? []);
  await awardWelcomePoints(tx, shop, customer, snapshot, now);
}

/** customers/delete: Shopify deletes only customers without orders; their ledger stays for the shop's totals. */
export async function markCustomerDeleted(tx: Tx, shop: ShopProgram, customerShopifyId: string, at: Date, batch?: OrderBatch): Promise<void> {
  if (!batch) await lockSubjects(tx, shop.id, [customerShopifyId]);
  await tx.customer.updateMany({
    where: { shopId: shop.id, shopifyId: customerShopifyId },
    data: { deletedAt: at, email: null, firstName: null, lastName: null, phone: null, addressKey: null, birthdayMonth: null, birthdayDay: null, birthdaySetAt: null },
  });
  const deleted = await tx.customer.findUnique({ where: { shopId_shopifyId: { shopId: shop.id, shopifyId: customerShopifyId } }, select: { id: true } });
  if (!deleted) return;
  // What the batch kept for its end about them (their keys, their orders' follow-ups) is done first.
  await batch?.finish();
  await forgetContactKeys(tx, deleted.id);
  // Their Shopify record is gone: nothing more is written to it or sent to Flow about them.
  await forgetCustomerWrites(tx, deleted.id);
}

/** The subjects an order's sync locks, customer first. */
export function orderSubjects(snapshot: OrderSnapshot): string[] {
  return [...(snapshot.customer ? [snapshot.customer.shopifyId] : []), snapshot.shopifyId];
}

/**
 * orders/create, orders/paid, orders/updated, orders/cancelled: one handler, the payload is the whole order.
 * A cancellation, once stored, stays (Shopify cannot undo one), and on an equal `updated_at` the
 * financial status only moves forward; refunds are kept by their own ids and only ever added.
 */
export async function syncOrder(tx: Tx, shop: ShopProgram, snapshot: OrderSnapshot, now: Date, batch?: OrderBatch): Promise<"stored" | "stale"> {
  if (!batch) await lockSubjects(tx, shop.id, orderSubjects(snapshot));
  // Same second is not older (store.server.ts): an older version changes nothing.
  if ((await storeOrder(tx, shop.id, snapshot)) === "stale") return "stale";

  const customer = snapshot.customer ? await storeCustomer(tx, shop.id, snapshot.customer) : null;
  if (customer && !customer.redactedAt && !customer.deletedAt) {
    // Before the points are settled: a referral reward compares the friend's keys with the referrer's.
    const keys = [...(snapshot.contactKeys ?? []), ...(snapshot.customer?.contactKeys ?? [])];
    if (batch) batch.recordContactKeysLater(customer.id, keys);
    else await recordContactKeys(tx, customer.id, keys);
  }
  await storeRefunds(tx, shop.id, snapshot.refunds);
  await recordOrderDiscountCodes(tx, shop.id, snapshot, customer, now);

  if (customer && !customer.redactedAt) {
    if (batch) batch.settleLater(shop, customer, snapshot.shopifyId);
    else await settleCustomerPoints(tx, shop, customer, now, [snapshot.shopifyId]);
    if (snapshot.customer) await awardWelcomePoints(tx, shop, customer, snapshot.customer, now);
  }
  if (batch) batch.scheduleFollowUpsLater(shop.id, snapshot.shopifyId);
  else await scheduleFollowUpsForOrder(tx, shop.id, snapshot.shopifyId, now);
  // Last: the report rows of the day are shared by every order of the shop that day, and their row
  // locks are held from here to the commit.
  if (batch) batch.reportOrderLater(shop.id, snapshot.shopifyId);
  else await recordOrderForReports(tx, shop.id, snapshot.shopifyId);
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
