/**
 * What the merchant's follow-up pages list: the shop's follow-ups by state, a page at a time, and the
 * products seen in its orders with their use-up intervals and the interval its history suggests.
 * Every query is scoped to one shop.
 */
import type { PrismaClient } from "../generated/prisma/client";
import { FOLLOW_UP_TABS, STATUSES_BY_TAB as STATUSES, type FollowUpKind, type FollowUpStatus, type FollowUpTab } from "./rules";
import { PRODUCT_PURCHASE, suggestedReplenishmentIntervals } from "./schedule.server";

export const PAGE_SIZE = 25;

export interface FollowUpRow {
  id: string;
  kind: FollowUpKind;
  status: FollowUpStatus;
  dueAt: string;
  customer: string;
  product: string | null;
  attempts: number;
  /** Why it failed, or why it was cancelled. */
  reason: string | null;
  sentAt: string | null;
  cancelledAt: string | null;
}

/** One page of a tab, optionally of one kind only; the counts per tab follow the kind. */
export async function listFollowUps(db: PrismaClient, shopId: string, tab: FollowUpTab, page: number, kind: FollowUpKind | null = null) {
  // A campaign's sends are listed on its own page (app.campaigns.$id).
  const ofKind = kind ? { kind } : { kind: { not: "CAMPAIGN" as const } };
  const where = { shopId, ...ofKind, status: { in: STATUSES[tab] } };
  const orderBy =
    tab === "scheduled"
      ? [{ dueAt: "asc" as const }, { id: "asc" as const }]
      : tab === "sent"
        ? [{ sentAt: "desc" as const }, { id: "asc" as const }]
        : [{ updatedAt: "desc" as const }, { id: "asc" as const }];
  const [rows, counts] = await Promise.all([
    db.followUp.findMany({ where, orderBy, skip: (page - 1) * PAGE_SIZE, take: PAGE_SIZE + 1 }),
    db.followUp.groupBy({ by: ["status"], where: { shopId, ...ofKind }, _count: { _all: true } }),
  ]);
  const shown = rows.slice(0, PAGE_SIZE);
  const customers = await db.customer.findMany({
    where: { shopId, shopifyId: { in: [...new Set(shown.map((row) => row.customerShopifyId))] } },
    select: { shopifyId: true, firstName: true, lastName: true, email: true, redactedAt: true },
  });
  const byId = new Map(customers.map((customer) => [customer.shopifyId, customer]));
  const countOf = (tab: FollowUpTab) => counts.filter((count) => STATUSES[tab].includes(count.status)).reduce((sum, count) => sum + count._count._all, 0);
  return {
    rows: shown.map((row): FollowUpRow => {
      const customer = byId.get(row.customerShopifyId);
      const name = [customer?.firstName, customer?.lastName].filter(Boolean).join(" ");
      return {
        id: row.id,
        kind: row.kind as FollowUpKind,
        status: row.status,
        dueAt: row.dueAt.toISOString(),
        customer: customer?.redactedAt ? "Customer data erased" : [name, customer?.email ?? row.toEmail].filter(Boolean).join(" · ") || `Customer ${row.customerShopifyId.split("/").pop()}`,
        product: row.productTitle,
        attempts: row.attempts,
        reason: row.status === "CANCELLED" ? row.cancelReason : row.lastError,
        sentAt: row.sentAt?.toISOString() ?? null,
        cancelledAt: row.cancelledAt?.toISOString() ?? null,
      };
    }),
    hasNextPage: rows.length > PAGE_SIZE,
    counts: Object.fromEntries(FOLLOW_UP_TABS.map((tab) => [tab, countOf(tab)])) as Record<FollowUpTab, number>,
  };
}

/**
 * Products customers bought in kept purchases (`PRODUCT_PURCHASE`: the orders a reminder can follow),
 * most ordered first, each with its use-up interval and lead time if set, and the interval its repeat
 * purchases suggest, or why there is none; the counts shown and the suggestion's are the same counts.
 */
export async function replenishmentProducts(db: PrismaClient, shopId: string, page: number) {
  const offset = (page - 1) * PAGE_SIZE;
  const products = await db.$queryRaw<{ product: string; title: string; orders: number; customers: number }[]>`
    SELECT li."productShopifyId" AS product,
           (ARRAY_AGG(li.title ORDER BY o."placedAt" DESC))[1] AS title,
           COUNT(DISTINCT o.id)::int AS orders,
           COUNT(DISTINCT o."customerShopifyId")::int AS customers
      FROM "Order" o JOIN "OrderLineItem" li ON li."orderId" = o.id
     WHERE o."shopId" = ${shopId} AND ${PRODUCT_PURCHASE}
     GROUP BY li."productShopifyId"
     ORDER BY orders DESC, product
     LIMIT ${PAGE_SIZE + 1} OFFSET ${offset}`;
  const shown = products.slice(0, PAGE_SIZE);
  const ids = shown.map((product) => product.product);
  const [intervals, suggestions] = await Promise.all([
    db.replenishmentInterval.findMany({ where: { shopId, productShopifyId: { in: ids } } }),
    suggestedReplenishmentIntervals(db, shopId, ids),
  ]);
  const intervalOf = new Map(intervals.map((interval) => [interval.productShopifyId, interval]));
  const suggestionOf = new Map(suggestions.map((suggestion) => [suggestion.productShopifyId, suggestion]));
  return {
    products: shown.map((product) => ({
      productShopifyId: product.product,
      title: product.title,
      orders: product.orders,
      customers: product.customers,
      intervalDays: intervalOf.get(product.product)?.intervalDays ?? null,
      leadDays: intervalOf.get(product.product)?.leadDays ?? null,
      repeatCustomers: suggestionOf.get(product.product)?.repeatCustomers ?? 0,
      suggestedDays: suggestionOf.get(product.product)?.suggestedDays ?? null,
      repeats: suggestionOf.get(product.product)?.repeats ?? 0,
      why: suggestionOf.get(product.product)?.why ?? "",
    })),
    hasNextPage: products.length > PAGE_SIZE,
  };
}
