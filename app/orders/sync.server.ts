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
  orderSpendEntries,
  secondPurchaseEntries,
  welcomeEntries,
  type EarningSettings,
  type OrderForPoints,
} from "../loyalty/points-rules";
import { scheduleFollowUpsForOrder } from "../follow-ups/schedule.server";
import { recordOrderDiscountCodes } from "../loyalty/order-discount-codes.server";
import { rewardReferralOnFirstPurchase } from "../loyalty/referrals.server";
import { recordCustomerForReports, recordOrderForReports } from "../reports/aggregates.server";
import { formatAmount, parseAmount } from "./money";
import type { CustomerSnapshot, OrderSnapshot, RefundSnapshot } from "./payloads";

type Tx = Prisma.TransactionClient;

export interface ShopProgram {
  id: string;
  domain: string;
  installedAt: Date;
  settings: EarningSettings & { referrerPoints: number; referralMonthlyRewardLimit: number };
  /** Second-purchase bonuses wait until the history import has told us every past order. */
  historyComplete: boolean;
}

/** The installed shop and its program, or null when the shop is unknown or erased. */
export async function shopProgram(db: Tx | import("../generated/prisma/client").PrismaClient, domain: string): Promise<ShopProgram | null> {
  const shop = await db.shop.findUnique({ where: { domain }, include: { settings: true, historyImport: { select: { status: true } } } });
  if (!shop?.settings) return null;
  return {
    id: shop.id,
    domain: shop.domain,
    installedAt: shop.installedAt,
    settings: shop.settings,
    historyComplete: shop.historyImport?.status === "done",
  };
}

/** Serialises every transaction touching one of these (customer or order GIDs) until commit. */
async function lockSubjects(tx: Tx, shopId: string, subjects: string[]): Promise<void> {
  for (const subject of subjects) {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${shopId}:${subject}`}, 0))`;
  }
}

const REFERRAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/** 8 characters from 32 (40 bits): short enough to type, too many to guess; unique per shop by index. */
export function newReferralCode(): string {
  return Array.from({ length: 8 }, () => REFERRAL_ALPHABET[randomInt(REFERRAL_ALPHABET.length)]).join("");
}

/**
 * Stores what Shopify says about a customer unless we already hold a newer version. A customer seen
 * first inside an order (no timestamps) is created with what the order knows.
 */
async function storeCustomer(tx: Tx, shopId: string, snapshot: CustomerSnapshot) {
  const existing = await tx.customer.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: snapshot.shopifyId } } });
  const fields = {
    email: snapshot.email,
    firstName: snapshot.firstName,
    lastName: snapshot.lastName,
    phone: snapshot.phone,
    addressKey: snapshot.addressKey,
    hasAccount: snapshot.hasAccount,
    shopifyCreatedAt: snapshot.shopifyCreatedAt,
    shopifyUpdatedAt: snapshot.shopifyUpdatedAt,
  };
  if (!existing) {
    return tx.customer.create({ data: { shopId, shopifyId: snapshot.shopifyId, referralCode: newReferralCode(), ...fields } });
  }
  if (existing.redactedAt || existing.deletedAt) return existing;
  const newer =
    snapshot.shopifyUpdatedAt !== null && (existing.shopifyUpdatedAt === null || snapshot.shopifyUpdatedAt >= existing.shopifyUpdatedAt);
  if (!newer) return existing;
  return tx.customer.update({ where: { id: existing.id }, data: fields });
}

/** customers/create and customers/update: store the customer, then welcome points if they made an account. */
export async function syncCustomer(tx: Tx, shop: ShopProgram, snapshot: CustomerSnapshot, now: Date): Promise<void> {
  await lockSubjects(tx, shop.id, [snapshot.shopifyId]);
  const customer = await storeCustomer(tx, shop.id, snapshot);
  await recordCustomerForReports(tx, shop.id, snapshot.shopifyId);
  if (customer.redactedAt || customer.deletedAt) return;
  await appendLedgerEntries(tx, shop.id, customer.id, welcomeEntries({ customer, settings: shop.settings, installedAt: shop.installedAt, now }));
}

/** customers/delete: Shopify deletes only customers without orders; their ledger stays for the shop's totals. */
export async function markCustomerDeleted(tx: Tx, shop: ShopProgram, customerShopifyId: string, at: Date): Promise<void> {
  await lockSubjects(tx, shop.id, [customerShopifyId]);
  await tx.customer.updateMany({
    where: { shopId: shop.id, shopifyId: customerShopifyId },
    data: { deletedAt: at, email: null, firstName: null, lastName: null, phone: null, addressKey: null },
  });
}

/** orders/create, orders/paid, orders/updated, orders/cancelled: one handler, the payload is the whole order. */
export async function syncOrder(tx: Tx, shop: ShopProgram, snapshot: OrderSnapshot, now: Date): Promise<"stored" | "stale"> {
  await lockSubjects(tx, shop.id, [...(snapshot.customer ? [snapshot.customer.shopifyId] : []), snapshot.shopifyId]);
  const existing = await tx.order.findUnique({
    where: { shopId_shopifyId: { shopId: shop.id, shopifyId: snapshot.shopifyId } },
    select: { id: true, shopifyUpdatedAt: true },
  });
  // Same second is not older: Shopify stamps to the second, and a later event may share it.
  if (existing && existing.shopifyUpdatedAt > snapshot.shopifyUpdatedAt) return "stale";

  const customer = snapshot.customer ? await storeCustomer(tx, shop.id, snapshot.customer) : null;
  const fields = {
    name: snapshot.name,
    customerShopifyId: snapshot.customer?.shopifyId ?? null,
    email: snapshot.email,
    currencyCode: snapshot.currencyCode,
    financialStatus: snapshot.financialStatus,
    subtotal: formatAmount(snapshot.subtotal),
    shipping: formatAmount(snapshot.shipping),
    tax: formatAmount(snapshot.tax),
    totalDiscounts: formatAmount(snapshot.totalDiscounts),
    total: formatAmount(snapshot.total),
    discountCodes: snapshot.discountCodes,
    test: snapshot.test,
    cancelledAt: snapshot.cancelledAt,
    cancelReason: snapshot.cancelReason,
    placedAt: snapshot.placedAt,
    shopifyUpdatedAt: snapshot.shopifyUpdatedAt,
  };
  const order = existing
    ? await tx.order.update({ where: { id: existing.id }, data: fields, select: { id: true } })
    : await tx.order.create({ data: { shopId: shop.id, shopifyId: snapshot.shopifyId, ...fields }, select: { id: true } });
  if (existing) await tx.orderLineItem.deleteMany({ where: { orderId: order.id } });
  await tx.orderLineItem.createMany({
    data: snapshot.lineItems.map((line) => ({
      orderId: order.id,
      shopifyId: line.shopifyId,
      productShopifyId: line.productShopifyId,
      variantShopifyId: line.variantShopifyId,
      title: line.title,
      quantity: line.quantity,
      price: formatAmount(line.price),
      discount: formatAmount(line.discount),
    })),
  });
  await storeRefunds(tx, shop.id, snapshot.refunds);
  await recordOrderForReports(tx, shop.id, snapshot.shopifyId);
  await recordOrderDiscountCodes(tx, shop.id, snapshot, customer, now);

  if (customer && !customer.redactedAt) {
    await settleCustomerPoints(tx, shop, customer, now, [snapshot.shopifyId]);
    await appendLedgerEntries(tx, shop.id, customer.id, welcomeEntries({ customer, settings: shop.settings, installedAt: shop.installedAt, now }));
  }
  await scheduleFollowUpsForOrder(tx, shop.id, snapshot.shopifyId, now);
  return "stored";
}

/** refunds/create: the refund is kept even when its order has not arrived yet; the order picks it up. */
export async function syncRefund(tx: Tx, shop: ShopProgram, refund: RefundSnapshot, now: Date): Promise<void> {
  const order = await tx.order.findUnique({
    where: { shopId_shopifyId: { shopId: shop.id, shopifyId: refund.orderShopifyId } },
    select: { customerShopifyId: true },
  });
  await lockSubjects(tx, shop.id, [...(order?.customerShopifyId ? [order.customerShopifyId] : []), refund.orderShopifyId]);
  await storeRefunds(tx, shop.id, [refund]);
  if (!order?.customerShopifyId) return;
  const customer = await tx.customer.findUnique({ where: { shopId_shopifyId: { shopId: shop.id, shopifyId: order.customerShopifyId } } });
  if (customer && !customer.redactedAt) await settleCustomerPoints(tx, shop, customer, now, [refund.orderShopifyId]);
}

async function storeRefunds(tx: Tx, shopId: string, refunds: RefundSnapshot[]): Promise<void> {
  if (refunds.length === 0) return;
  // A refund never changes once issued: the first copy to arrive is the copy.
  await tx.orderRefund.createMany({
    data: refunds.map((refund) => ({
      shopId,
      shopifyId: refund.shopifyId,
      orderShopifyId: refund.orderShopifyId,
      subtotal: formatAmount(refund.subtotal),
      shipping: formatAmount(refund.shipping),
      tax: formatAmount(refund.tax),
      total: formatAmount(refund.total),
      refundedAt: refund.refundedAt,
    })),
    skipDuplicates: true,
  });
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
  const orders = await tx.order.findMany({
    where: { shopId: shop.id, customerShopifyId: customer.shopifyId },
    select: { shopifyId: true, financialStatus: true, cancelledAt: true, placedAt: true, subtotal: true, shipping: true, tax: true },
  });
  const touched = orders.filter((order) => orderShopifyIds.includes(order.shopifyId));
  const refunds = touched.length
    ? await tx.orderRefund.findMany({ where: { shopId: shop.id, orderShopifyId: { in: touched.map((order) => order.shopifyId) } } })
    : [];
  const existing = await ledgerEntriesOf(tx, customer.id, { source: "ORDER" });

  const planned = touched.flatMap((order) => {
    const forPoints: OrderForPoints = {
      shopifyId: order.shopifyId,
      financialStatus: order.financialStatus,
      cancelledAt: order.cancelledAt,
      placedAt: order.placedAt,
      subtotal: parseAmount(order.subtotal.toFixed(4)),
      shipping: parseAmount(order.shipping.toFixed(4)),
      tax: parseAmount(order.tax.toFixed(4)),
      refunds: refunds
        .filter((refund) => refund.orderShopifyId === order.shopifyId)
        .map((refund) => ({
          shopifyId: refund.shopifyId,
          subtotal: parseAmount(refund.subtotal.toFixed(4)),
          shipping: parseAmount(refund.shipping.toFixed(4)),
          tax: parseAmount(refund.tax.toFixed(4)),
          refundedAt: refund.refundedAt,
        })),
    };
    const prefix = `order:${order.shopifyId}:`;
    return orderSpendEntries({
      order: forPoints,
      existing: existing.filter((entry) => entry.key.startsWith(prefix) && (entry.reason === "SPEND" || entry.reason === "REFUND" || entry.reason === "CANCELLATION")),
      settings: shop.settings,
      installedAt: shop.installedAt,
      now,
    });
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
  await rewardReferralOnFirstPurchase(tx, shop, customer, orders, now);
}

/**
 * After the history import, settles every customer with an order since install: their second-purchase
 * bonus waited for the history to be known.
 */
export async function settleCustomersAfterImport(db: import("../generated/prisma/client").PrismaClient, domain: string, now: Date): Promise<void> {
  const shop = await shopProgram(db, domain);
  if (!shop) return;
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
  }
}
