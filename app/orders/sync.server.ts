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
import { scheduleFollowUpsForOrder, type FollowUpSettings } from "../follow-ups/schedule.server";
import { Prisma } from "../generated/prisma/client";
import { forgetContactKeys, recordContactKeys } from "../loyalty/contact-keys.server";
import { recordOrderDiscountCodes } from "../loyalty/order-discount-codes.server";
import type { ShopProgram } from "../loyalty/program.server";
import { newReferralCode } from "../loyalty/referrals.server";
import { awardWelcomePoints, settleCustomerPoints } from "../loyalty/settlement.server";
import { recordCustomerForReports, recordOrderForReports } from "../reports/aggregates.server";
import { financialStatusProgressSql } from "./financial-status";
import { formatAmount } from "./money";
import type { CustomerSnapshot, OrderSnapshot, RefundSnapshot } from "./payloads";

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
  /** The shop's follow-up settings, read once per batch. */
  followUpSettings(shopId: string): Promise<FollowUpSettings>;
}

/** What the points rules and referrals read of a stored customer. */
export interface StoredCustomer {
  id: string;
  shopifyId: string;
  email: string | null;
  hasAccount: boolean;
  shopifyCreatedAt: Date | null;
  redactedAt: Date | null;
  deletedAt: Date | null;
}

/**
 * Stores what Shopify says about a customer unless we already hold a newer version (or erased them),
 * in one statement. A customer seen first inside an order (no timestamps) is created with what the order knows.
 */
async function storeCustomer(tx: Tx, shopId: string, snapshot: CustomerSnapshot): Promise<StoredCustomer> {
  const [customer] = await tx.$queryRaw<StoredCustomer[]>`
    WITH stored AS (
      INSERT INTO "Customer" (id, "shopId", "shopifyId", "referralCode", email, "firstName", "lastName", phone, "addressKey", "hasAccount",
                              "shopifyCreatedAt", "shopifyUpdatedAt", "createdAt", "updatedAt")
      VALUES (gen_random_uuid()::text, ${shopId}, ${snapshot.shopifyId}, ${newReferralCode()}, ${snapshot.email}, ${snapshot.firstName},
              ${snapshot.lastName}, ${snapshot.phone}, ${snapshot.addressKey}, ${snapshot.hasAccount},
              ${snapshot.shopifyCreatedAt?.toISOString() ?? null}::timestamptz AT TIME ZONE 'UTC',
              ${snapshot.shopifyUpdatedAt?.toISOString() ?? null}::timestamptz AT TIME ZONE 'UTC',
              now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
      ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET
        email = EXCLUDED.email, "firstName" = EXCLUDED."firstName", "lastName" = EXCLUDED."lastName", phone = EXCLUDED.phone,
        "addressKey" = EXCLUDED."addressKey", "hasAccount" = EXCLUDED."hasAccount", "shopifyCreatedAt" = EXCLUDED."shopifyCreatedAt",
        "shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt", "updatedAt" = EXCLUDED."updatedAt"
      WHERE "Customer"."redactedAt" IS NULL AND "Customer"."deletedAt" IS NULL AND EXCLUDED."shopifyUpdatedAt" IS NOT NULL
        AND ("Customer"."shopifyUpdatedAt" IS NULL OR "Customer"."shopifyUpdatedAt" <= EXCLUDED."shopifyUpdatedAt")
      RETURNING id, "shopifyId", email, "hasAccount", "shopifyCreatedAt", "redactedAt", "deletedAt"
    )
    SELECT * FROM stored
    UNION ALL
    SELECT id, "shopifyId", email, "hasAccount", "shopifyCreatedAt", "redactedAt", "deletedAt" FROM "Customer"
     WHERE "shopId" = ${shopId} AND "shopifyId" = ${snapshot.shopifyId} AND NOT EXISTS (SELECT 1 FROM stored)`;
  return customer;
}

/** customers/create and customers/update: store the customer, then welcome points if they made an account. */
export async function syncCustomer(tx: Tx, shop: ShopProgram, snapshot: CustomerSnapshot, now: Date, batch?: OrderBatch): Promise<void> {
  if (!batch) await lockSubjects(tx, shop.id, [snapshot.shopifyId]);
  const customer = await storeCustomer(tx, shop.id, snapshot);
  await recordCustomerForReports(tx, shop.id, snapshot.shopifyId);
  if (customer.redactedAt || customer.deletedAt) return;
  await recordContactKeys(tx, customer.id, snapshot.contactKeys ?? []);
  await awardWelcomePoints(tx, shop, customer, snapshot, now);
}

/** customers/delete: Shopify deletes only customers without orders; their ledger stays for the shop's totals. */
export async function markCustomerDeleted(tx: Tx, shop: ShopProgram, customerShopifyId: string, at: Date, batch?: OrderBatch): Promise<void> {
  if (!batch) await lockSubjects(tx, shop.id, [customerShopifyId]);
  await tx.customer.updateMany({
    where: { shopId: shop.id, shopifyId: customerShopifyId },
    data: { deletedAt: at, email: null, firstName: null, lastName: null, phone: null, addressKey: null },
  });
  const deleted = await tx.customer.findUnique({ where: { shopId_shopifyId: { shopId: shop.id, shopifyId: customerShopifyId } }, select: { id: true } });
  if (deleted) await forgetContactKeys(tx, deleted.id);
}

/** The stored version is further along its money than a same-second one arriving (see financial-status.ts). */
const SAME_SECOND_STORED_AHEAD = Prisma.raw(
  `${financialStatusProgressSql('"Order"."financialStatus"')} > ${financialStatusProgressSql('EXCLUDED."financialStatus"')}`,
);

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
  const lines = snapshot.lineItems;
  // The order and its line items in one statement. Same second is not older: Shopify stamps to the
  // second, and a later event may share it; an older version returns no row and changes nothing.
  const [order] = await tx.$queryRaw<{ id: string }[]>`
    WITH stored AS (
      INSERT INTO "Order" (id, "shopId", "shopifyId", name, "customerShopifyId", email, "currencyCode", "financialStatus", subtotal, shipping,
                           tax, "totalDiscounts", total, "discountCodes", test, "cancelledAt", "cancelReason", "placedAt", "shopifyUpdatedAt",
                           "createdAt", "updatedAt")
      VALUES (gen_random_uuid()::text, ${shop.id}, ${snapshot.shopifyId}, ${snapshot.name}, ${snapshot.customer?.shopifyId ?? null}, ${snapshot.email},
              ${snapshot.currencyCode}, ${snapshot.financialStatus}, ${formatAmount(snapshot.subtotal)}::numeric, ${formatAmount(snapshot.shipping)}::numeric,
              ${formatAmount(snapshot.tax)}::numeric, ${formatAmount(snapshot.totalDiscounts)}::numeric, ${formatAmount(snapshot.total)}::numeric,
              ${snapshot.discountCodes}::text[], ${snapshot.test}, ${snapshot.cancelledAt?.toISOString() ?? null}::timestamptz AT TIME ZONE 'UTC',
              ${snapshot.cancelReason}, ${snapshot.placedAt.toISOString()}::timestamptz AT TIME ZONE 'UTC',
              ${snapshot.shopifyUpdatedAt.toISOString()}::timestamptz AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
      ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET
        name = EXCLUDED.name, "customerShopifyId" = EXCLUDED."customerShopifyId", email = EXCLUDED.email, "currencyCode" = EXCLUDED."currencyCode",
        "financialStatus" = CASE WHEN "Order"."shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt"
                                  AND ${SAME_SECOND_STORED_AHEAD} THEN "Order"."financialStatus" ELSE EXCLUDED."financialStatus" END,
        subtotal = EXCLUDED.subtotal, shipping = EXCLUDED.shipping, tax = EXCLUDED.tax,
        "totalDiscounts" = EXCLUDED."totalDiscounts", total = EXCLUDED.total, "discountCodes" = EXCLUDED."discountCodes", test = EXCLUDED.test,
        "cancelledAt" = COALESCE(EXCLUDED."cancelledAt", "Order"."cancelledAt"),
        "cancelReason" = CASE WHEN EXCLUDED."cancelledAt" IS NULL THEN "Order"."cancelReason" ELSE EXCLUDED."cancelReason" END, "placedAt" = EXCLUDED."placedAt",
        "shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt", "updatedAt" = EXCLUDED."updatedAt"
      WHERE "Order"."shopifyUpdatedAt" <= EXCLUDED."shopifyUpdatedAt"
      RETURNING id
    ),
    replaced AS (DELETE FROM "OrderLineItem" WHERE "orderId" IN (SELECT id FROM stored)),
    added AS (
      INSERT INTO "OrderLineItem" (id, "orderId", "shopifyId", "productShopifyId", "variantShopifyId", title, quantity, price, discount)
      SELECT gen_random_uuid()::text, stored.id, l.gid, l.product, l.variant, l.title, l.quantity, l.price, l.discount
        FROM stored, unnest(${lines.map((line) => line.shopifyId)}::text[], ${lines.map((line) => line.productShopifyId)}::text[],
                            ${lines.map((line) => line.variantShopifyId)}::text[], ${lines.map((line) => line.title)}::text[],
                            ${lines.map((line) => line.quantity)}::int[], ${lines.map((line) => formatAmount(line.price))}::numeric[],
                            ${lines.map((line) => formatAmount(line.discount))}::numeric[])
             AS l(gid, product, variant, title, quantity, price, discount)
    )
    SELECT id FROM stored`;
  if (!order) return "stale";

  const customer = snapshot.customer ? await storeCustomer(tx, shop.id, snapshot.customer) : null;
  if (customer && !customer.redactedAt && !customer.deletedAt) {
    // Before the points are settled: a referral reward compares the friend's keys with the referrer's.
    await recordContactKeys(tx, customer.id, [...(snapshot.contactKeys ?? []), ...(snapshot.customer?.contactKeys ?? [])]);
  }
  await storeRefunds(tx, shop.id, snapshot.refunds);
  await recordOrderDiscountCodes(tx, shop.id, snapshot, customer, now);

  if (customer && !customer.redactedAt) {
    if (batch) batch.settleLater(shop, customer, snapshot.shopifyId);
    else await settleCustomerPoints(tx, shop, customer, now, [snapshot.shopifyId]);
    if (snapshot.customer) await awardWelcomePoints(tx, shop, customer, snapshot.customer, now);
  }
  await scheduleFollowUpsForOrder(tx, shop.id, snapshot.shopifyId, now, batch?.followUpSettings(shop.id));
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

async function storeRefunds(tx: Tx, shopId: string, refunds: RefundSnapshot[]): Promise<void> {
  if (refunds.length === 0) return;
  // A refund never changes once issued: the first copy to arrive is the copy.
  await tx.$executeRaw`
    INSERT INTO "OrderRefund" (id, "shopId", "shopifyId", "orderShopifyId", subtotal, discrepancy, shipping, tax, total, "refundedAt", "createdAt")
    SELECT gen_random_uuid()::text, ${shopId}, r.gid, r.order_gid, r.subtotal, r.discrepancy, r.shipping, r.tax, r.total,
           r.at::timestamptz AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
      FROM unnest(${refunds.map((refund) => refund.shopifyId)}::text[], ${refunds.map((refund) => refund.orderShopifyId)}::text[],
                  ${refunds.map((refund) => formatAmount(refund.subtotal))}::numeric[], ${refunds.map((refund) => formatAmount(refund.discrepancy))}::numeric[],
                  ${refunds.map((refund) => formatAmount(refund.shipping))}::numeric[],
                  ${refunds.map((refund) => formatAmount(refund.tax))}::numeric[], ${refunds.map((refund) => formatAmount(refund.total))}::numeric[],
                  ${refunds.map((refund) => refund.refundedAt.toISOString())}::text[])
           AS r(gid, order_gid, subtotal, discrepancy, shipping, tax, total, at)
    ON CONFLICT ("shopId", "shopifyId") DO NOTHING`;
}

