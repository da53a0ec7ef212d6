/**
 * Points settlement: brings a customer's ledger in line with what the app has stored of them (their
 * orders, refunds and account), by the pure rules in points-rules.ts, in the caller's transaction and
 * under the customer's lock. The ledger's unique keys make a settlement that finds nothing new a no-op.
 */
import { lockSubjects } from "../database/subject-locks.server";
import type { Tx } from "../database/transaction";
import type { PrismaClient } from "../generated/prisma/client";
import { customersOrdersSql } from "../orders/customer-orders-sql.server";
import { formatAmount, parseAmount } from "../orders/money";
import { appendCustomersLedgerEntries, appendLedgerEntries, settlementEntriesByCustomer } from "./ledger.server";
import {
  eligibleAmount,
  orderKeys,
  orderSpendEntries,
  secondPurchaseEntries,
  welcomeEntries,
  type OrderForPoints,
  type PlannedEntry,
} from "./points-rules";
import { shopProgram, type ShopProgram } from "./program.server";
import { rewardReferralsOnFirstPurchase } from "./referrals.server";
import { recomputeCustomerTiers } from "./tiers.server";

/**
 * Welcome points when this version, or the stored one, says the customer has an account: a version
 * older than the stored one changes nothing stored, but the account it shows was made all the same
 * (an enabled customers/create arriving after a newer "disabled" update still welcomes them).
 */
export function welcomePointsEntries(
  shop: Pick<ShopProgram, "settings" | "installedAt">,
  customer: { shopifyId: string; hasAccount: boolean; shopifyCreatedAt: Date | null },
  snapshot: { hasAccount: boolean; shopifyCreatedAt: Date | null },
  now: Date,
): PlannedEntry[] {
  const everEnabled = {
    shopifyId: customer.shopifyId,
    hasAccount: customer.hasAccount || snapshot.hasAccount,
    shopifyCreatedAt: customer.shopifyCreatedAt ?? snapshot.shopifyCreatedAt,
  };
  return welcomeEntries({ customer: everEnabled, settings: shop.settings, installedAt: shop.installedAt, now });
}

/** `welcomePointsEntries` written at once. */
export async function awardWelcomePoints(
  tx: Tx,
  shop: ShopProgram,
  customer: { id: string; shopifyId: string; hasAccount: boolean; shopifyCreatedAt: Date | null },
  snapshot: { hasAccount: boolean; shopifyCreatedAt: Date | null },
  now: Date,
): Promise<void> {
  await appendLedgerEntries(tx, shop.id, customer.id, welcomePointsEntries(shop, customer, snapshot, now));
}

/**
 * Brings a customer's ledger in line with their stored orders: spend, refunds and cancellation for
 * the orders named, then the second-purchase bonus and a pending referral, which depend on all of them.
 * The caller holds the customer's lock.
 */
export async function settleCustomerPoints(
  tx: Tx,
  shop: ShopProgram,
  customer: SettledCustomer,
  now: Date,
  orderShopifyIds: string[],
): Promise<void> {
  await settleCustomersPoints(tx, shop, [{ customer, orderShopifyIds }], now);
}

/** A customer as settlement reads them; the email finds a referral made before they were a customer. */
export type SettledCustomer = { id: string; shopifyId: string; email?: string | null };

type SettledOrder = {
  id: string;
  customerShopifyId: string;
  shopifyId: string;
  financialStatus: string;
  cancelledAt: Date | null;
  placedAt: Date;
  subtotal: string;
  shipping: string;
  tax: string;
  earnedOn: string | null;
};

/**
 * `settleCustomerPoints` for several customers of one shop at once (a batch of deliveries), with
 * one query for their orders, one for the refunds, one for their ledger and one write for every
 * customer's new entries. The caller holds every customer's lock.
 */
export async function settleCustomersPoints(
  tx: Tx,
  shop: ShopProgram,
  settlements: { customer: SettledCustomer; orderShopifyIds: string[] }[],
  now: Date,
): Promise<void> {
  if (settlements.length === 0) return;
  // One settlement per customer: a second one would plan from the ledger as it was before the first.
  const merged = new Map<string, { customer: SettledCustomer; orderShopifyIds: string[] }>();
  for (const { customer, orderShopifyIds } of settlements) {
    const known = merged.get(customer.id);
    merged.set(customer.id, { customer: known?.customer ?? customer, orderShopifyIds: [...(known?.orderShopifyIds ?? []), ...orderShopifyIds] });
  }
  settlements = [...merged.values()];
  // Amounts as text: exact decimals for parseAmount, never floats.
  const allOrders = await tx.$queryRaw<SettledOrder[]>`
    SELECT id, "customerShopifyId", "shopifyId", "financialStatus", "cancelledAt", "placedAt", subtotal::text AS subtotal, shipping::text AS shipping,
           tax::text AS tax, "pointsEarnedOn"::text AS "earnedOn"
      FROM ${customersOrdersSql(shop.id, settlements.map(({ customer }) => customer.shopifyId))}`;
  const ordersByCustomer = new Map<string, SettledOrder[]>();
  for (const order of allOrders) {
    const orders = ordersByCustomer.get(order.customerShopifyId);
    if (orders) orders.push(order);
    else ordersByCustomer.set(order.customerShopifyId, [order]);
  }
  const ordersOf = (customer: SettledCustomer) => ordersByCustomer.get(customer.shopifyId) ?? [];
  const touchedOf = (settlement: (typeof settlements)[number]) =>
    ordersOf(settlement.customer).filter((order) => settlement.orderShopifyIds.includes(order.shopifyId));
  const allTouched = settlements.flatMap(touchedOf);
  const allRefunds = allTouched.length
    ? await tx.$queryRaw<{ shopifyId: string; orderShopifyId: string; subtotal: string; shipping: string; tax: string; refundedAt: Date }[]>`
        SELECT "shopifyId", "orderShopifyId", subtotal::text AS subtotal, shipping::text AS shipping, tax::text AS tax, "refundedAt"
          FROM "OrderRefund" WHERE "shopId" = ${shop.id} AND "orderShopifyId" = ANY(${allTouched.map((order) => order.shopifyId)}::text[])`
    : [];
  const ledgers = await settlementEntriesByCustomer(tx, settlements.map(({ customer }) => customer.id), allTouched.map((order) => order.shopifyId));

  const planned: { customerId: string; entry: PlannedEntry }[] = [];
  const earnedOn: { id: string; amount: string }[] = [];
  for (const settlement of settlements) {
    const { customer } = settlement;
    const orders = ordersOf(customer);
    const existing = ledgers.get(customer.id) ?? [];
    const entries = touchedOf(settlement).flatMap((order) => {
      const forPoints: OrderForPoints = {
        shopifyId: order.shopifyId,
        financialStatus: order.financialStatus,
        cancelledAt: order.cancelledAt,
        placedAt: order.placedAt,
        subtotal: parseAmount(order.subtotal),
        shipping: parseAmount(order.shipping),
        tax: parseAmount(order.tax),
        refunds: allRefunds
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
      const spent = orderSpendEntries({
        order: forPoints,
        existing: existing.filter((entry) => entry.key.startsWith(prefix) && (entry.reason === "SPEND" || entry.reason === "REFUND" || entry.reason === "CANCELLATION")),
        settings: shop.settings,
        installedAt: shop.installedAt,
        now,
      });
      const eligible = eligibleAmount(forPoints, shop.settings);
      const earns = spent.some((entry) => entry.key === orderKeys.spend(order.shopifyId) || entry.key === orderKeys.editSpend(order.shopifyId, eligible));
      if (earns || (forPoints.earnedOn === null && existing.some((entry) => entry.key === orderKeys.spend(order.shopifyId)))) {
        earnedOn.push({ id: order.id, amount: formatAmount(eligible) });
      }
      return spent;
    });
    if (shop.historyComplete) {
      entries.push(
        ...secondPurchaseEntries({
          orders,
          existing: existing.filter((entry) => entry.reason === "SECOND_PURCHASE" || entry.reason === "SECOND_PURCHASE_REVERSAL"),
          settings: shop.settings,
          installedAt: shop.installedAt,
          now,
        }),
      );
    }
    planned.push(...entries.map((entry) => ({ customerId: customer.id, entry })));
  }
  await appendCustomersLedgerEntries(tx, shop.id, planned);
  if (earnedOn.length > 0) {
    // By primary key (the orders were just read): one index probe per order, whatever the statistics
    // say of the shop's orders (by shop and GID, stale ones made it a hash join over the whole shop).
    await tx.$executeRaw`
      UPDATE "Order" o SET "pointsEarnedOn" = e.amount
        FROM unnest(${earnedOn.map((e) => e.id)}::text[], ${earnedOn.map((e) => e.amount)}::numeric[]) AS e(id, amount)
       WHERE o.id = e.id`;
  }
  await rewardReferralsOnFirstPurchase(tx, shop, settlements.map(({ customer }) => ({ friend: customer, orders: ordersOf(customer) })), now);
  // Last: the tier reads the points just settled (and refunds and cancellations move it).
  await recomputeCustomerTiers(tx, shop.id, settlements.map(({ customer }) => customer), now, shop.ladder);
}

/**
 * After the history import, settles every customer with an order since install (with any order, when
 * history earns points): their second-purchase bonus waited for the history to be known. Each customer
 * is one transaction under their lock; `afterEach` lets a long run show it is alive.
 */
export async function settleCustomersAfterImport(
  db: PrismaClient,
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
