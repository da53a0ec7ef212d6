/**
 * The same totals as metrics.server.ts, computed from scratch: one plain SQL query that groups the
 * period's counted orders by customer. Too slow for the dashboard on a large shop; it is the check
 * the aggregates are tested against and the benchmark's reference.
 */
import { Prisma, type PrismaClient } from "../generated/prisma/client";
import { countedOrderSql, memberSql } from "../orders/vocabulary.server";
import { addDecimals, ORDER_SALES_SQL, type Period, type PeriodTotals } from "./metrics";
import type { SegmentTotals } from "./metrics.server";

export async function referenceTotals(db: PrismaClient, shopId: string, timezone: string, period: Period): Promise<SegmentTotals> {
  const rows = await db.$queryRaw<{ member: boolean; orders: number; revenue: string; customers: number; repeaters: number; returning: number }[]>`
    WITH bounds AS (
      -- The period's first and last local midnights as UTC instants (DST-correct).
      SELECT (${period.from}::date::timestamp AT TIME ZONE ${timezone}) AT TIME ZONE 'UTC' AS starts,
             ((${period.to}::date + 1)::timestamp AT TIME ZONE ${timezone}) AT TIME ZONE 'UTC' AS ends
    ),
    counted AS (
      SELECT o.id, o."shopId", o."shopifyId", o."customerShopifyId" AS customer
        FROM "Order" o, bounds
       WHERE o."shopId" = ${shopId} AND o."placedAt" >= bounds.starts AND o."placedAt" < bounds.ends
         AND ${countedOrderSql("o")}
    ),
    by_customer AS (
      SELECT c.customer, COUNT(*) AS orders,
             COALESCE(SUM(${Prisma.raw(ORDER_SALES_SQL("c"))}), 0) AS revenue
        FROM counted c GROUP BY c.customer
    )
    SELECT ${memberSql("cu")} AS member,
           SUM(b.orders)::int AS orders, SUM(b.revenue)::text AS revenue, COUNT(*)::int AS customers,
           (COUNT(*) FILTER (WHERE b.orders >= 2))::int AS repeaters,
           (COUNT(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM "Order" e, bounds
               WHERE e."shopId" = ${shopId} AND e."customerShopifyId" = b.customer AND e."placedAt" < bounds.starts
                 AND ${countedOrderSql("e")})))::int AS returning
      FROM by_customer b LEFT JOIN "Customer" cu ON cu."shopId" = ${shopId} AND cu."shopifyId" = b.customer
     GROUP BY 1`;
  const empty: PeriodTotals = { orders: 0, revenue: "0.0000", customers: 0, repeatCustomers: 0, returningCustomers: 0 };
  const segment = (member: boolean): PeriodTotals => {
    const row = rows.find((candidate) => candidate.member === member);
    return row
      ? { orders: Number(row.orders), revenue: row.revenue, customers: Number(row.customers), repeatCustomers: Number(row.repeaters), returningCustomers: Number(row.returning) }
      : empty;
  };
  const members = segment(true);
  const nonMembers = segment(false);
  return {
    members,
    nonMembers,
    all: {
      orders: members.orders + nonMembers.orders,
      revenue: addDecimals(members.revenue, nonMembers.revenue),
      customers: members.customers + nonMembers.customers,
      repeatCustomers: members.repeatCustomers + nonMembers.repeatCustomers,
      returningCustomers: members.returningCustomers + nonMembers.returningCustomers,
    },
  };
}

/**
 * The period's customer retention counts from scratch (METRIC_DEFINITIONS.customerRetentionRate):
 * the customers with a counted order in the lapsed threshold's days up to the day before the period,
 * in those up to its last day, and in both, read from the orders themselves.
 */
export async function referenceRetentionCounts(
  db: PrismaClient,
  shopId: string,
  timezone: string,
  period: Period,
  lapsedDays: number,
): Promise<{ customersAtStart: number; customersAtEnd: number; retainedCustomers: number }> {
  const [row] = await db.$queryRaw<{ at_start: number; at_end: number; both: number }[]>`
    WITH days AS (
      SELECT o."customerShopifyId" AS customer, (o."placedAt" AT TIME ZONE 'UTC' AT TIME ZONE ${timezone})::date AS day
        FROM "Order" o WHERE o."shopId" = ${shopId} AND ${countedOrderSql("o")}
    ), marks AS (
      SELECT customer,
             bool_or(day BETWEEN ${period.from}::date - ${lapsedDays}::int AND ${period.from}::date - 1) AS at_start,
             bool_or(day BETWEEN ${period.to}::date - (${lapsedDays}::int - 1) AND ${period.to}::date) AS at_end
        FROM days GROUP BY customer
    )
    SELECT COUNT(*) FILTER (WHERE at_start)::int AS at_start, COUNT(*) FILTER (WHERE at_end)::int AS at_end,
           COUNT(*) FILTER (WHERE at_start AND at_end)::int AS both FROM marks`;
  return { customersAtStart: Number(row.at_start), customersAtEnd: Number(row.at_end), retainedCustomers: Number(row.both) };
}
