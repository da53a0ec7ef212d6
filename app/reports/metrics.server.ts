/**
 * A period's report from the aggregates (aggregates.server.ts): what the dashboard, its CSV and
 * `npm run report` all show. The arithmetic and definitions are in metrics.ts.
 */
import { customersInDebt } from "../customers/base-figures.server";
import { healthThresholdsOfShop } from "../customers/directory.server";
import { shopReportsLockKey } from "../database/lock-keys";
import type { Db } from "../database/transaction";
import { Prisma, type PrismaClient } from "../generated/prisma/client";
import { reportsReady, retentionWindows, type RetentionKey } from "./aggregates.server";
import { pointsOutstanding } from "./points-days.server";
import { programEarnings, type ProgramEarnings } from "./program-earnings.server";
import {
  EMPTY_TOTALS,
  addMonths,
  change,
  customerLifetimeValue,
  monthOf,
  retentionMetrics,
  type RetentionMetrics,
  periodMetrics,
  ratio,
  addDecimals,
  previousPeriod,
  trailingYears,
  addDays,
  chartMonths,
  type Period,
  type PeriodMetrics,
  type PeriodTotals,
} from "./metrics";

export interface SegmentTotals {
  all: PeriodTotals;
  members: PeriodTotals;
  nonMembers: PeriodTotals;
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

/**
 * One segment's run counts for a period P = [from, to], where a run is 2 (pair) or 3 (triple)
 * consecutive counted orders of one customer, from its first order's day to its last's:
 * - ending: runs ending in P; crossing: runs starting before P and ending in it or after;
 * - spanning: runs starting before P and ending after it (a customer silent through all of P).
 * Runs ending in P and starting before it are then crossing − spanning.
 */
interface RunCounts {
  orders: number;
  revenue: string;
  pairsEnding: number;
  triplesEnding: number;
  pairsCrossing: number;
  triplesCrossing: number;
  pairsSpanning: number;
  triplesSpanning: number;
}

type Segmented<T> = { members: T; nonMembers: T };

interface DayCountersRow {
  idx: number;
  member: boolean;
  orders: number;
  revenue: string;
  pairs_ending: number;
  triples_ending: number;
  pairs_crossing: number;
  triples_crossing: number;
  /** Only for a period from the first of a month to a day in it: its runs that start before it. */
  pairs_from_earlier_months: number;
  triples_from_earlier_months: number;
  /** Window rows each way of reading the spanning runs would touch, roughly: the runs on that side. */
  runs_in_period: number;
  runs_starting_before: number;
  runs_ending_after: number;
}

const NO_RUNS: RunCounts = {
  orders: 0,
  revenue: "0",
  pairsEnding: 0,
  triplesEnding: 0,
  pairsCrossing: 0,
  triplesCrossing: 0,
  pairsSpanning: 0,
  triplesSpanning: 0,
};

/**
 * How the runs spanning a period are read: "auto" takes the month counters of ReportDay for a period
 * within one month that starts on its first, and otherwise the cheaper of "spans" (the window rows
 * starting before P and ending after it) and "runs" (the window rows ending in P: spanning =
 * crossing − those starting before P). All are exact; tests run each.
 */
export type SpanReading = "auto" | "spans" | "runs";

/**
 * Each period's run counts. The running sums of ReportDay give everything but the spanning runs;
 * those are zero for a period reaching the shop's last order (the usual "up to today"), and
 * otherwise a read of the fewer window rows of the two ways.
 */
async function runCounts(db: PrismaClient, shopId: string, periods: Period[], reading: SpanReading): Promise<Segmented<RunCounts>[]> {
  const rows = await db.$queryRaw<DayCountersRow[]>`
    WITH p AS (SELECT * FROM unnest(${periods.map((_, index) => index)}::int[], ${periods.map((p) => p.from)}::date[], ${periods.map((p) => p.to)}::date[])
                 AS p(idx, from_day, to_day))
    SELECT p.idx, d.member,
           COALESCE(SUM(d.orders) FILTER (WHERE d.day BETWEEN p.from_day AND p.to_day), 0)::int AS orders,
           COALESCE(SUM(d.revenue) FILTER (WHERE d.day BETWEEN p.from_day AND p.to_day), 0)::text AS revenue,
           COALESCE(SUM(d."pairsEnding") FILTER (WHERE d.day BETWEEN p.from_day AND p.to_day), 0)::int AS pairs_ending,
           COALESCE(SUM(d."triplesEnding") FILTER (WHERE d.day BETWEEN p.from_day AND p.to_day), 0)::int AS triples_ending,
           COALESCE(SUM(d."pairsStarting" - d."pairsEnding") FILTER (WHERE d.day < p.from_day), 0)::int AS pairs_crossing,
           COALESCE(SUM(d."triplesStarting" - d."triplesEnding") FILTER (WHERE d.day < p.from_day), 0)::int AS triples_crossing,
           COALESCE(SUM(d."pairsEnding" + d."triplesEnding") FILTER (WHERE d.day BETWEEN p.from_day AND p.to_day), 0)::int AS runs_in_period,
           COALESCE(SUM(d."pairsStarting" + d."triplesStarting") FILTER (WHERE d.day < p.from_day), 0)::int AS runs_starting_before,
           COALESCE(SUM(d."pairsEnding" + d."triplesEnding") FILTER (WHERE d.day > p.to_day), 0)::int AS runs_ending_after,
           COALESCE(SUM(d."pairsFromEarlierMonths") FILTER (WHERE d.day BETWEEN p.from_day AND p.to_day), 0)::int AS pairs_from_earlier_months,
           COALESCE(SUM(d."triplesFromEarlierMonths") FILTER (WHERE d.day BETWEEN p.from_day AND p.to_day), 0)::int AS triples_from_earlier_months
      FROM p JOIN "ReportDay" d ON d."shopId" = ${shopId}
     GROUP BY p.idx, d.member`;

  const result = periods.map<Segmented<RunCounts>>(() => ({ members: NO_RUNS, nonMembers: NO_RUNS }));
  const spanReads: Promise<void>[] = [];
  for (const row of rows) {
    const counts: RunCounts = {
      orders: Number(row.orders),
      revenue: row.revenue,
      pairsEnding: Number(row.pairs_ending),
      triplesEnding: Number(row.triples_ending),
      pairsCrossing: Number(row.pairs_crossing),
      triplesCrossing: Number(row.triples_crossing),
      pairsSpanning: 0,
      triplesSpanning: 0,
    };
    const period = periods[Number(row.idx)];
    if (row.member) result[Number(row.idx)].members = counts;
    else result[Number(row.idx)].nonMembers = counts;
    // Nothing ends after the period (or nothing started before it): no run spans it.
    const spanCost = Math.min(Number(row.runs_starting_before), Number(row.runs_ending_after));
    if (spanCost === 0) continue;
    if (reading === "auto" && withinOneMonth(period)) {
      // Runs ending in a month's days that start before the month are the day counters' own.
      counts.pairsSpanning = counts.pairsCrossing - Number(row.pairs_from_earlier_months);
      counts.triplesSpanning = counts.triplesCrossing - Number(row.triples_from_earlier_months);
      continue;
    }
    const viaRuns = reading === "runs" || (reading === "auto" && Number(row.runs_in_period) < spanCost);
    spanReads.push(
      (viaRuns ? spanningViaRunsInPeriod(db, shopId, period, row.member, counts) : spanningRuns(db, shopId, period, row.member)).then((spanning) => {
        counts.pairsSpanning = spanning.pairs;
        counts.triplesSpanning = spanning.triples;
      }),
    );
  }
  await Promise.all(spanReads);
  return result;
}

/** From the first of a month to a day in the same month. */
function withinOneMonth(period: Period): boolean {
  return period.from.endsWith("-01") && period.to.slice(0, 7) === period.from.slice(0, 7) && period.to >= period.from;
}

async function spanningRuns(db: PrismaClient, shopId: string, period: Period, member: boolean) {
  const [row] = await db.$queryRaw<{ pairs: number; triples: number }[]>`
    SELECT COALESCE(SUM(pairs), 0)::int AS pairs, COALESCE(SUM(triples), 0)::int AS triples FROM "ReportWindow"
     WHERE "shopId" = ${shopId} AND "startDay" < ${period.from}::date AND "endDay" > ${period.to}::date AND member = ${member}`;
  return { pairs: Number(row.pairs), triples: Number(row.triples) };
}

async function spanningViaRunsInPeriod(db: PrismaClient, shopId: string, period: Period, member: boolean, counts: RunCounts) {
  const [row] = await db.$queryRaw<{ pairs: number; triples: number }[]>`
    SELECT COALESCE(SUM(pairs), 0)::int AS pairs, COALESCE(SUM(triples), 0)::int AS triples FROM "ReportWindow"
     WHERE "shopId" = ${shopId} AND "endDay" BETWEEN ${period.from}::date AND ${period.to}::date AND "startDay" < ${period.from}::date AND member = ${member}`;
  return { pairs: counts.pairsCrossing - Number(row.pairs), triples: counts.triplesCrossing - Number(row.triples) };
}

/**
 * A period's totals from its run counts: N1 orders, N2 pairs and N3 triples lying wholly in P give
 * customers = N1 − N2 and repeat customers = N2 − N3 (aggregates.server.ts); returning customers are
 * the pairs ending in P that start before it, one per customer who ordered before P and in it.
 */
function totalsOf(counts: RunCounts): PeriodTotals {
  if (counts.orders === 0) return EMPTY_TOTALS;
  const returning = counts.pairsCrossing - counts.pairsSpanning;
  const pairsInside = counts.pairsEnding - returning;
  const triplesInside = counts.triplesEnding - (counts.triplesCrossing - counts.triplesSpanning);
  return {
    orders: counts.orders,
    revenue: counts.revenue,
    customers: counts.orders - pairsInside,
    repeatCustomers: pairsInside - triplesInside,
    returningCustomers: returning,
  };
}

/** Each period's totals, members and non-members apart, from the aggregates. */
export async function periodTotals(db: PrismaClient, shopId: string, periods: Period[], reading: SpanReading = "auto"): Promise<SegmentTotals[]> {
  const counts = await runCounts(db, shopId, periods, reading);
  return counts.map(({ members, nonMembers }) => {
    const memberTotals = members === NO_RUNS ? EMPTY_TOTALS : totalsOf(members);
    const nonMemberTotals = nonMembers === NO_RUNS ? EMPTY_TOTALS : totalsOf(nonMembers);
    return { all: addTotals(addTotals(EMPTY_TOTALS, memberTotals), nonMemberTotals), members: memberTotals, nonMembers: nonMemberTotals };
  });
}

/**
 * Customers who ordered in `earlier` and again in `later` (later starts the day after earlier ends):
 * the pairs from E to L, which are those ending in L from before L less those from before E, i.e.
 * (crossing(L) − spanning(L)) − (spanning(E) − spanning(E through L)).
 */
async function retainedCustomers(db: PrismaClient, shopId: string, earlier: Period, later: Period): Promise<number> {
  const [e, l, both] = await runCounts(db, shopId, [earlier, later, { from: earlier.from, to: later.to }], "auto");
  let retained = 0;
  for (const segment of ["members", "nonMembers"] as const) {
    retained += l[segment].pairsCrossing - l[segment].pairsSpanning - (e[segment].pairsSpanning - both[segment].pairsSpanning);
  }
  return retained;
}

/**
 * The period's customer retention (METRIC_DEFINITIONS.customerRetentionRate): customers at its start
 * (a counted order in the `lapsedDays` days up to the day before it), at its end (in those up to its
 * last day), and those who are both, each a count of customers in two windows of days (the same
 * window twice for the first two), kept per shop (keptRetentionCounts).
 */
export async function customerRetention(db: PrismaClient, shopId: string, period: Period, lapsedDays: number): Promise<RetentionMetrics> {
  const [start, end] = [addDays(period.from, -1), period.to];
  const [customersAtStart, customersAtEnd, retainedCustomers] = await keptRetentionCounts(db, shopId, [
    { lapsedDays, startDay: start, endDay: start },
    { lapsedDays, startDay: end, endDay: end },
    { lapsedDays, startDay: start, endDay: end },
  ]);
  return retentionMetrics({ customersAtStart, customersAtEnd, retainedCustomers });
}

const keyText = (key: RetentionKey) => `${key.lapsedDays}|${key.startDay}|${key.endDay}`;

/**
 * Customers with a counted order in both windows of each key (RetentionKey: `lapsedDays` days ending
 * on startDay, and on endDay), in the order given. Kept in ReportRetention once counted and kept exact
 * there by the report upkeep (aggregates.server.ts). Those not kept yet are counted from each
 * customer's days (ReportCustomer, by its index only, in one pass) under the shop's exclusive reports
 * lock: every transaction that changed report rows has committed, and none changes them until the
 * counts are stored, so the upkeep moves them from there. While the rows await a rebuild (a time zone
 * change) nothing is kept.
 */
async function keptRetentionCounts(db: PrismaClient, shopId: string, keys: RetentionKey[]): Promise<number[]> {
  const read = async (tx: Db) => {
    const rows = await tx.$queryRaw<{ lapsed_days: number; start_day: string; end_day: string; customers: number }[]>`
      SELECT r."lapsedDays" AS lapsed_days, to_char(r."startDay", 'YYYY-MM-DD') AS start_day, to_char(r."endDay", 'YYYY-MM-DD') AS end_day, r.customers
        FROM "ReportRetention" r
        JOIN unnest(${keys.map((key) => key.lapsedDays)}::int[], ${keys.map((key) => key.startDay)}::date[], ${keys.map((key) => key.endDay)}::date[])
             AS k(lapsed_days, start_day, end_day)
          ON r."lapsedDays" = k.lapsed_days AND r."startDay" = k.start_day AND r."endDay" = k.end_day
       WHERE r."shopId" = ${shopId}`;
    return new Map(rows.map((row) => [keyText({ lapsedDays: Number(row.lapsed_days), startDay: row.start_day, endDay: row.end_day }), Number(row.customers)]));
  };
  const kept = await read(db);
  if (keys.every((key) => kept.has(keyText(key)))) return keys.map((key) => kept.get(keyText(key))!);
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${shopReportsLockKey(shopId)}, 0))`;
    const counts = await read(tx);
    const missing = [...new Map(keys.filter((key) => !counts.has(keyText(key))).map((key) => [keyText(key), key])).values()];
    if (missing.length > 0) {
      const windows = missing.map((key) => {
        const [a, b] = retentionWindows(key);
        return { key, a, b };
      });
      const columns = windows.map(
        ({ a, b }, index) => Prisma.sql`COUNT(*) FILTER (WHERE "lastDay" >= ${b.from}::date AND "firstDay" <= ${a.to}::date
          AND days && daterange(${a.from}::date, ${a.to}::date, '[]') AND days && daterange(${b.from}::date, ${b.to}::date, '[]'))::int AS ${Prisma.raw(`c${index}`)}`,
      );
      const [row] = await tx.$queryRaw<Record<string, number>[]>`
        SELECT ${Prisma.join(columns)} FROM "ReportCustomer"
         WHERE "shopId" = ${shopId} AND "lastDay" >= ${windows.map(({ b }) => b.from).sort()[0]}::date`;
      windows.forEach(({ key }, index) => counts.set(keyText(key), Number(row[`c${index}`])));
      if (await reportsReady(tx, shopId)) {
        // The newest KEPT_RETENTION_COUNTS stay (the periods shown over the last few days); older ones go.
        await tx.$executeRaw`
          DELETE FROM "ReportRetention" WHERE "shopId" = ${shopId} AND ("lapsedDays", "startDay", "endDay") NOT IN (
            SELECT "lapsedDays", "startDay", "endDay" FROM "ReportRetention" WHERE "shopId" = ${shopId}
             ORDER BY "createdAt" DESC, "endDay" DESC LIMIT ${Math.max(0, KEPT_RETENTION_COUNTS - missing.length)})`;
        await tx.$executeRaw`
          INSERT INTO "ReportRetention" ("shopId", "lapsedDays", "startDay", "endDay", customers)
          SELECT ${shopId}, k.lapsed_days, k.start_day, k.end_day, k.customers
            FROM unnest(${missing.map((key) => key.lapsedDays)}::int[], ${missing.map((key) => key.startDay)}::date[], ${missing.map((key) => key.endDay)}::date[],
                        ${missing.map((key) => counts.get(keyText(key))!)}::int[]) AS k(lapsed_days, start_day, end_day, customers)`;
      }
    }
    return keys.map((key) => counts.get(keyText(key))!);
  });
}

/** Retention counts kept per shop: three per period shown (two shared with the period before), over a few days. */
const KEPT_RETENTION_COUNTS = 64;

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
  /** The lapsed threshold (days) that says who is a customer at a moment (Program page). */
  lapsedDays: number;
  customerRetentionRate: number | null;
  churnRate: number | null;
  retention: RetentionMetrics;
  previousRetention: RetentionMetrics;
}

/** The report with what the program earns (program-earnings.server.ts), as the dashboard and `npm run report` show it. */
export type ShopReportWithEarnings = ShopReport & ProgramEarnings;

/**
 * Every balance summed (from the ledger's day sums, points-days.server.ts) and the customers below
 * zero (as the customer-segments job last counted them, base-figures.server.ts): the dashboard's and
 * the home page's points outstanding.
 */
export async function pointsLiabilityNow(db: PrismaClient, shop: { id: string; ianaTimezone: string }): Promise<{ points: number; customersInDebt: number }> {
  const [points, inDebt] = await Promise.all([pointsOutstanding(db, shop), customersInDebt(db, shop.id)]);
  return { points, customersInDebt: inDebt };
}

interface ShopForReport {
  id: string;
  domain: string;
  currencyCode: string;
  ianaTimezone: string;
}

/** The period's report, from the aggregates (the caller makes sure they are maintained: ensureReports). */
export async function shopReport(db: PrismaClient, shop: ShopForReport, period: Period): Promise<ShopReportWithEarnings> {
  const previous = previousPeriod(period);
  const { lapsedDays } = await healthThresholdsOfShop(db, shop.id);
  const liabilityNow = pointsLiabilityNow(db, shop);
  const [[current, before], clv, previousClv, liability, retention, previousRetention, earnings] = await Promise.all([
    periodTotals(db, shop.id, [period, previous]),
    lifetimeValue(db, shop.id, period.to),
    lifetimeValue(db, shop.id, previous.to),
    liabilityNow,
    customerRetention(db, shop.id, period, lapsedDays),
    customerRetention(db, shop.id, previous, lapsedDays),
    liabilityNow.then((now) => programEarnings(db, shop, period, chartMonths(period), now.points)),
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
    lapsedDays,
    customerRetentionRate: retention.customerRetentionRate,
    churnRate: retention.churnRate,
    retention,
    previousRetention,
    ...earnings,
  };
}

export interface MonthPoint {
  month: string;
  customers: number;
  repeatPurchaseRate: number | null;
  returningCustomerRate: number | null;
  /** The month is not over on `today`: its figures count its days up to and including this one. */
  toDate: string | null;
}

/** The day of the shop's first counted order (its history's start), or null without one. */
export async function firstCountedDay(db: PrismaClient, shopId: string): Promise<string | null> {
  const [row] = await db.$queryRaw<{ day: string | null }[]>`SELECT to_char(min(day), 'YYYY-MM-DD') AS day FROM "ReportDay" WHERE "shopId" = ${shopId}`;
  return row?.day ?? null;
}

/**
 * Each calendar month's repeat purchase and returning customer rates (each month a period of its own),
 * the `months` months up to `to`'s month; a month not over on `today` says so.
 */
export async function monthlyRates(db: PrismaClient, shopId: string, to: string, months = 12, today?: string): Promise<MonthPoint[]> {
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
      toDate: today !== undefined && period.to > today ? today : null,
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
