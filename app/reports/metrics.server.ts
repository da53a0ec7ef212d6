/**
 * A period's report from the aggregates (aggregates.server.ts): what the dashboard, its CSV and
 * `npm run report` all show. The arithmetic and definitions are in metrics.ts.
 */
import type { PrismaClient } from "../generated/prisma/client";
import { pointsLiability } from "../loyalty/ledger.server";
import { ensureReports } from "./aggregates.server";
import {
  EMPTY_TOTALS,
  addMonths,
  change,
  customerLifetimeValue,
  monthOf,
  periodMetrics,
  ratio,
  addDecimals,
  previousPeriod,
  trailingYears,
  addDays,
  type Period,
  type PeriodMetrics,
  type PeriodTotals,
} from "./metrics";

export interface SegmentTotals {
  all: PeriodTotals;
  members: PeriodTotals;
  nonMembers: PeriodTotals;
}

interface TotalsRow {
  idx: number;
  member: boolean;
  orders: number;
  revenue: string;
  n2: number;
  n3: number;
  returning: number;
}

function addTotals(a: PeriodTotals, b: PeriodTotals): PeriodTotals {
  return {
    orders: a.orders + b.orders,
    revenue: addDecimals(a.revenue, b.revenue),
    customers: a.customers + b.customers,
    repeatCustomers: a.repeatCustomers + b.repeatCustomers,
    returningCustomers: a.returningCustomers + b.returningCustomers,
  };
}

/** Each period's totals, members and non-members apart, in one query over the aggregates. */
export async function periodTotals(db: PrismaClient, shopId: string, periods: Period[]): Promise<SegmentTotals[]> {
  const rows = await db.$queryRaw<TotalsRow[]>`
    WITH p AS (SELECT * FROM unnest(${periods.map((_, index) => index)}::int[], ${periods.map((p) => p.from)}::date[], ${periods.map((p) => p.to)}::date[])
                 AS p(idx, from_day, to_day)),
    days AS (
      SELECT p.idx, d.member, SUM(d.orders)::int AS orders, SUM(d.revenue) AS revenue
        FROM p JOIN "ReportDay" d ON d."shopId" = ${shopId} AND d.day BETWEEN p.from_day AND p.to_day
       GROUP BY p.idx, d.member
    ),
    runs AS (
      SELECT p.idx, w.member,
             COALESCE(SUM(w.pairs) FILTER (WHERE w."startDay" >= p.from_day), 0)::int AS n2,
             COALESCE(SUM(w.triples) FILTER (WHERE w."startDay" >= p.from_day), 0)::int AS n3,
             COALESCE(SUM(w.pairs) FILTER (WHERE w."startDay" < p.from_day), 0)::int AS returning
        FROM p JOIN "ReportWindow" w ON w."shopId" = ${shopId} AND w."endDay" BETWEEN p.from_day AND p.to_day
       GROUP BY p.idx, w.member
    )
    SELECT COALESCE(days.idx, runs.idx) AS idx, COALESCE(days.member, runs.member) AS member,
           COALESCE(days.orders, 0) AS orders, COALESCE(days.revenue, 0)::text AS revenue,
           COALESCE(runs.n2, 0) AS n2, COALESCE(runs.n3, 0) AS n3, COALESCE(runs.returning, 0) AS returning
      FROM days FULL JOIN runs ON runs.idx = days.idx AND runs.member = days.member`;
  const result = periods.map<SegmentTotals>(() => ({ all: EMPTY_TOTALS, members: EMPTY_TOTALS, nonMembers: EMPTY_TOTALS }));
  for (const row of rows) {
    const totals: PeriodTotals = {
      orders: Number(row.orders),
      revenue: row.revenue,
      customers: Number(row.orders) - Number(row.n2),
      repeatCustomers: Number(row.n2) - Number(row.n3),
      returningCustomers: Number(row.returning),
    };
    const entry = result[Number(row.idx)];
    if (row.member) entry.members = totals;
    else entry.nonMembers = totals;
    entry.all = addTotals(entry.all, totals);
  }
  return result;
}

/** Customers who ordered in `earlier` and again in `later` (later starts the day after earlier ends). */
async function retainedCustomers(db: PrismaClient, shopId: string, earlier: Period, later: Period): Promise<number> {
  const [row] = await db.$queryRaw<{ retained: number }[]>`
    SELECT COALESCE(SUM(pairs), 0)::int AS retained FROM "ReportWindow"
     WHERE "shopId" = ${shopId} AND "endDay" BETWEEN ${later.from}::date AND ${later.to}::date
       AND "startDay" BETWEEN ${earlier.from}::date AND ${earlier.to}::date`;
  return Number(row?.retained ?? 0);
}

export interface LifetimeValue {
  value: string | null;
  retention: number | null;
  lifespanYears: number | null;
}

async function lifetimeValue(db: PrismaClient, shopId: string, to: string): Promise<LifetimeValue> {
  const { year, priorYear } = trailingYears(to);
  const [[yearTotals, priorTotals], retained] = await Promise.all([
    periodTotals(db, shopId, [year, priorYear]),
    retainedCustomers(db, shopId, priorYear, year),
  ]);
  return customerLifetimeValue({
    yearRevenue: yearTotals.all.revenue,
    yearCustomers: yearTotals.all.customers,
    priorYearCustomers: priorTotals.all.customers,
    retainedCustomers: retained,
  });
}

/** The headline numbers for a period (what `npm run report --json` prints at the top level). */
export interface ReportSummary extends PeriodMetrics {
  shop: string;
  currencyCode: string;
  timezone: string;
  from: string;
  to: string;
}

export interface ShopReport {
  summary: ReportSummary;
  previous: PeriodMetrics & { from: string; to: string };
  /** Relative change against the previous period (0.1 = +10%); null without a previous value. */
  changes: Record<"orders" | "customers" | "revenue" | "averageOrderValue" | "purchaseFrequency" | "repeatPurchaseRate" | "returningCustomerRate", number | null>;
  customerLifetimeValue: LifetimeValue;
  previousCustomerLifetimeValue: LifetimeValue;
  members: PeriodMetrics;
  nonMembers: PeriodMetrics;
  pointsLiability: { points: number; customersInDebt: number };
}

interface ShopForReport {
  id: string;
  domain: string;
  currencyCode: string;
  ianaTimezone: string;
}

/** The period's report, from the aggregates (rebuilt first if they are not maintained yet). */
export async function shopReport(db: PrismaClient, shop: ShopForReport, period: Period): Promise<ShopReport> {
  await ensureReports(db, shop.id);
  const previous = previousPeriod(period);
  const [[current, before], clv, previousClv, liability] = await Promise.all([
    periodTotals(db, shop.id, [period, previous]),
    lifetimeValue(db, shop.id, period.to),
    lifetimeValue(db, shop.id, previous.to),
    pointsLiability(db, shop.id),
  ]);
  const metrics = periodMetrics(current.all);
  const previousMetrics = periodMetrics(before.all);
  const keys = ["orders", "customers", "revenue", "averageOrderValue", "purchaseFrequency", "repeatPurchaseRate", "returningCustomerRate"] as const;
  return {
    summary: { shop: shop.domain, currencyCode: shop.currencyCode, timezone: shop.ianaTimezone, from: period.from, to: period.to, ...metrics },
    previous: { ...previousMetrics, ...previous },
    changes: Object.fromEntries(keys.map((key) => [key, change(metrics[key], previousMetrics[key])])) as ShopReport["changes"],
    customerLifetimeValue: clv,
    previousCustomerLifetimeValue: previousClv,
    members: periodMetrics(current.members),
    nonMembers: periodMetrics(current.nonMembers),
    pointsLiability: liability,
  };
}

export interface MonthPoint {
  month: string;
  customers: number;
  repeatPurchaseRate: number | null;
  returningCustomerRate: number | null;
}

/** Each calendar month's repeat purchase and returning customer rates, the 12 months up to `to`'s month. */
export async function monthlyRates(db: PrismaClient, shopId: string, to: string, months = 12): Promise<MonthPoint[]> {
  const last = monthOf(to);
  const periods = Array.from({ length: months }, (_, index) => {
    const from = addMonths(last, index - months + 1);
    return { from, to: addDays(addMonths(from, 1), -1) };
  });
  const totals = await periodTotals(db, shopId, periods);
  return periods.map((period, index) => {
    const metrics = periodMetrics(totals[index].all);
    return {
      month: period.from,
      customers: metrics.customers,
      repeatPurchaseRate: metrics.repeatPurchaseRate,
      returningCustomerRate: metrics.returningCustomerRate,
    };
  });
}

export interface CohortRow {
  /** First day of the cohort's month. */
  month: string;
  customers: number;
  /** Share of the cohort ordering in each later month: index 0 is the month after the first order. */
  retention: (number | null)[];
}

/** The cohorts of the 12 months up to `to`'s month, each with its share ordering again in every later month up to then. */
export async function cohortRetention(db: PrismaClient, shopId: string, to: string, months = 12): Promise<CohortRow[]> {
  const last = monthOf(to);
  const first = addMonths(last, -(months - 1));
  const cells = await db.$queryRaw<{ first_month: string; month: string; customers: number }[]>`
    SELECT to_char("firstMonth", 'YYYY-MM-DD') AS first_month, to_char(month, 'YYYY-MM-DD') AS month, customers
      FROM "ReportCohort" WHERE "shopId" = ${shopId} AND "firstMonth" BETWEEN ${first}::date AND ${last}::date AND month <= ${last}::date`;
  const byKey = new Map(cells.map((cell) => [`${cell.first_month}|${cell.month}`, Number(cell.customers)]));
  return Array.from({ length: months }, (_, index) => {
    const month = addMonths(first, index);
    const size = byKey.get(`${month}|${month}`) ?? 0;
    const later = months - 1 - index;
    return {
      month,
      customers: size,
      retention: Array.from({ length: later }, (_, offset) => {
        const count = byKey.get(`${month}|${addMonths(month, offset + 1)}`) ?? 0;
        return ratio(count, size);
      }),
    };
  });
}
