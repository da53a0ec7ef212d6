/**
 * The report rows behind the dashboard, kept up to date when orders are written, so that a period's
 * metrics read a few thousand aggregate rows instead of scanning and grouping its orders.
 *
 * - ReportOrder: one row per counted order, with the days of its customer's previous two counted
 *   orders (`prevDay`, `prev2Day`), its revenue, the customer's membership and first month.
 * - ReportWindow (runs of 2 and 3 consecutive orders of one customer by first and last day),
 *   ReportDay (orders, revenue, and the runs ending and starting on each day), ReportCohort
 *   (customers by first month and month ordered) and ReportCustomer (each customer's days ordered
 *   on, a multirange: the customers of two windows of days apart) are aggregates of ReportOrder.
 *
 * For a period P, with N1 orders in P, N2 runs of 2 and N3 runs of 3 lying wholly in P: a customer
 * with k ≥ 1 orders in P has k, k−1 and max(k−2, 0) of them, so customers = N1 − N2 and customers
 * with 2 or more = N2 − N3. Returning customers = runs of 2 that start before P and end in it (one
 * per customer who ordered in P and before it). metrics.server.ts turns these into running sums of
 * ReportDay plus the few runs that span the whole period.
 *
 * The touched customers' ReportOrder rows are recomputed from their orders (under the customers'
 * locks), compared with the stored ones, and the aggregates take exactly the difference: each changed
 * row's old contribution out, its new one in. A redelivered or out-of-order webhook therefore converges
 * on the same rows, and orders of different customers on the same day only meet at the day's row, for
 * the moment of an increment at the end of their transactions (never a scan of the day's orders).
 */
import { allowLongStatements } from "../database-timeouts.server";
import { shopReportsLockKey, subjectLockKey } from "../database/lock-keys";
import type { Tx } from "../database/transaction";
import { Prisma, type PrismaClient } from "../generated/prisma/client";
import { customersOrdersSql } from "../orders/customer-orders-sql.server";
import { countedOrderSql, memberSql } from "../orders/vocabulary.server";
import { customerWindow, fromScaled, ORDER_SALES_SQL, toScaled, type Period } from "./metrics";
import { sumClosedPointsDays } from "./points-days.server";

/** The local date of an order, DST-correct: "placedAt" is UTC without a zone. */
const localDay = (timezone: string) => Prisma.sql`(o."placedAt" AT TIME ZONE 'UTC' AT TIME ZONE ${timezone})::date`;

/**
 * The shop's counted orders (isCountedOrder, see METRIC_DEFINITIONS.countedOrders) with their chain
 * links, of these customers only, or of every customer (null). For a batch's customers, an order's
 * sales are worked out from its lines and refunds only when it is one of `changedOrders`: an order's
 * sales change only when it is stored again or a refund of it with money returned is (both pass
 * through the upkeep with the order named), so the others keep their report row's.
 */
function countedOrderRows(shopId: string, timezone: string, customers: string[] | null, changedOrders: readonly string[] = []): Prisma.Sql {
  // A batch's customers: their orders and their Customer rows looked up one customer at a time
  // (customer-orders-sql.server.ts), whatever the statistics; the whole shop: one scan and one join.
  const orders = customers ? customersOrdersSql(shopId, customers) : Prisma.sql`"Order" o`;
  const customer = customers
    ? Prisma.sql`LEFT JOIN LATERAL (SELECT * FROM "Customer" WHERE "shopId" = ${shopId} AND "shopifyId" = c.customer OFFSET 0) AS cu ON true`
    : Prisma.sql`LEFT JOIN "Customer" cu ON cu."shopId" = ${shopId} AND cu."shopifyId" = c.customer`;
  const sales = Prisma.raw(ORDER_SALES_SQL("o"));
  const revenue = customers
    ? Prisma.sql`CASE WHEN o."shopifyId" = ANY(${[...changedOrders]}::text[]) THEN ${sales}
        ELSE COALESCE((SELECT r.revenue FROM "ReportOrder" r WHERE r."shopId" = ${shopId} AND r."orderShopifyId" = o."shopifyId"), ${sales}) END`
    : sales;
  return Prisma.sql`
  WITH counted AS (
    SELECT o."shopifyId" AS order_id, o."customerShopifyId" AS customer, o."placedAt" AS placed_at,
           ${localDay(timezone)} AS day,
           ${revenue} AS revenue
      FROM ${orders}
     WHERE o."shopId" = ${shopId} AND ${countedOrderSql("o")}
  )
  SELECT c.order_id, c.customer,
         ${memberSql("cu")} AS member,
         c.day,
         date_trunc('month', MIN(c.day) OVER (PARTITION BY c.customer))::date AS first_month,
         LAG(c.day) OVER chain AS prev_day,
         LAG(c.day, 2) OVER chain AS prev2_day,
         c.revenue,
         c.placed_at
    FROM counted c
    ${customer}
  WINDOW chain AS (PARTITION BY c.customer ORDER BY c.placed_at, c.order_id)`;
}

interface ReportOrderRow {
  order_id: string;
  customer: string;
  member: boolean;
  day: string;
  first_month: string;
  prev_day: string | null;
  prev2_day: string | null;
  revenue: string;
  /** As text without a zone (TIMESTAMP_TEXT), as stored. */
  placed_at: string;
}

const TIMESTAMP_TEXT = Prisma.raw(`'YYYY-MM-DD"T"HH24:MI:SS.MS'`);

const ROW_COLUMNS = Prisma.sql`order_id, customer, member, to_char(day, 'YYYY-MM-DD') AS day, to_char(first_month, 'YYYY-MM-DD') AS first_month,
  to_char(prev_day, 'YYYY-MM-DD') AS prev_day, to_char(prev2_day, 'YYYY-MM-DD') AS prev2_day, revenue::text AS revenue,
  to_char(placed_at, ${TIMESTAMP_TEXT}) AS placed_at`;

/**
 * A pair of windows of `lapsedDays` days ending on startDay and on endDay, whose customers in both
 * are kept in ReportRetention (metrics.server.ts counts them the first time a period asks).
 */
export interface RetentionKey {
  lapsedDays: number;
  startDay: string;
  endDay: string;
}

/** The key's two windows of days (customerWindow: who is a customer at the end of each day). */
export function retentionWindows(key: RetentionKey): [Period, Period] {
  return [customerWindow(key.startDay, key.lapsedDays), customerWindow(key.endDay, key.lapsedDays)];
}

/** Whether days (YYYY-MM-DD) hold one in each of the key's two windows. */
function inBothWindows(days: Iterable<string>, key: RetentionKey): boolean {
  const [a, b] = retentionWindows(key);
  let start = false;
  let end = false;
  for (const day of days) {
    if (day >= a.from && day <= a.to) start = true;
    if (day >= b.from && day <= b.to) end = true;
  }
  return start && end;
}

interface MaintainedState {
  timezone: string;
  retention: RetentionKey[];
}

/**
 * The shop's time zone when its report rows are maintained in it (else null: a rebuild is due), and
 * the retention counts kept for it. Read under the shop's shared reports lock, so no count is added
 * or dropped (both take the lock exclusively) until the caller's transaction ends.
 */
async function maintainedState(tx: Tx, shopId: string): Promise<MaintainedState | null> {
  const [row] = await tx.$queryRaw<{ timezone: string; retention: RetentionKey[] }[]>`
    SELECT s."ianaTimezone" AS timezone,
           COALESCE((SELECT json_agg(json_build_object('lapsedDays', k."lapsedDays", 'startDay', to_char(k."startDay", 'YYYY-MM-DD'),
                                                       'endDay', to_char(k."endDay", 'YYYY-MM-DD')))
                       FROM "ReportRetention" k WHERE k."shopId" = s.id), '[]'::json) AS retention
      FROM "Shop" s JOIN "ReportState" r ON r."shopId" = s.id AND r.timezone = s."ianaTimezone"
     WHERE s.id = ${shopId}`;
  return row ? { timezone: row.timezone, retention: row.retention } : null;
}

/**
 * Brings the report rows in line with these orders, in the caller's transaction (the one that wrote
 * them). Idempotent; safe in any order. Call it after the order (and its line items) are stored.
 */
export async function recordOrderForReports(tx: Tx, shopId: string, orderShopifyId: string): Promise<void> {
  await recordOrdersForReports(tx, shopId, [orderShopifyId]);
}

/** The batch form, for the history import: one pass for a batch of orders. */
export async function recordOrdersForReports(tx: Tx, shopId: string, orderShopifyIds: string[]): Promise<void> {
  if (orderShopifyIds.length === 0) return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(hashtextextended(${shopReportsLockKey(shopId)}, 0))`;
  const state = await maintainedState(tx, shopId);
  if (!state) return;
  // The customers the orders belong to now, and those they were counted for before (a changed buyer).
  const customers = await tx.$queryRaw<{ customer: string }[]>`
    SELECT o."customerShopifyId" AS customer FROM unnest(${orderShopifyIds}::text[]) AS orders(shopify_id)
      -- Each order by its unique key (as in customer-orders-sql.server.ts: not the shop's whole list when statistics are stale).
      CROSS JOIN LATERAL (SELECT * FROM "Order" WHERE "shopId" = ${shopId} AND "shopifyId" = orders.shopify_id OFFSET 0) AS o
     WHERE o."customerShopifyId" IS NOT NULL
    UNION
    SELECT "customerShopifyId" FROM "ReportOrder" WHERE "shopId" = ${shopId} AND "orderShopifyId" = ANY(${orderShopifyIds}::text[])`;
  await recomputeCustomers(tx, shopId, state, customers.map((row) => row.customer), orderShopifyIds);
}

/** A customer's membership changed (customers/update): their rows move between members and non-members. */
export async function recordCustomerForReports(tx: Tx, shopId: string, customerShopifyId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(hashtextextended(${shopReportsLockKey(shopId)}, 0))`;
  const state = await maintainedState(tx, shopId);
  if (!state) return;
  await recomputeCustomers(tx, shopId, state, [customerShopifyId]);
}

/** `state`: the shop's, as read under its shared reports lock (the time zone its rows are kept in, its retention counts). */
async function recomputeCustomers(tx: Tx, shopId: string, state: MaintainedState, customers: string[], changedOrders: readonly string[] = []): Promise<void> {
  if (customers.length === 0) return;
  const sorted = [...new Set(customers)].sort();
  // The same keys as the order sync's locks, so a customer's orders are chained one transaction at a time.
  const keys = sorted.map((customer) => subjectLockKey(shopId, customer));
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(${keys}::text[]) AS k ORDER BY k`;

  const desired = await tx.$queryRaw<ReportOrderRow[]>`SELECT ${ROW_COLUMNS} FROM (${countedOrderRows(shopId, state.timezone, sorted, changedOrders)}) AS rows`;
  const existing = await tx.$queryRaw<ReportOrderRow[]>`
    SELECT "orderShopifyId" AS order_id, "customerShopifyId" AS customer, member, to_char(day, 'YYYY-MM-DD') AS day,
           to_char("firstMonth", 'YYYY-MM-DD') AS first_month, to_char("prevDay", 'YYYY-MM-DD') AS prev_day,
           to_char("prev2Day", 'YYYY-MM-DD') AS prev2_day, revenue::text AS revenue, to_char("placedAt", ${TIMESTAMP_TEXT}) AS placed_at
      FROM "ReportOrder" WHERE "shopId" = ${shopId} AND "customerShopifyId" = ANY(${sorted}::text[])`;

  const same = (a: ReportOrderRow, b: ReportOrderRow) =>
    a.customer === b.customer && a.member === b.member && a.day === b.day && a.first_month === b.first_month &&
    a.prev_day === b.prev_day && a.prev2_day === b.prev2_day && Number(a.revenue) === Number(b.revenue) && a.placed_at === b.placed_at;
  const before = new Map(existing.map((row) => [row.order_id, row]));
  const after = new Map(desired.map((row) => [row.order_id, row]));
  const removed = existing.filter((row) => !after.has(row.order_id));
  const changed = desired.filter((row) => !before.has(row.order_id) || !same(before.get(row.order_id)!, row));
  // Customers whose ReportOrder rows change (a changed buyer's old one too) get their days again.
  const rowsChanged = new Set([...removed, ...changed].map((row) => row.customer));
  for (const row of changed) if (before.has(row.order_id)) rowsChanged.add(before.get(row.order_id)!.customer);
  if (removed.length === 0 && changed.length === 0) return;

  const deltas = new AggregateDeltas();
  for (const row of [...removed, ...changed.flatMap((row) => (before.has(row.order_id) ? [before.get(row.order_id)!] : []))]) deltas.add(row, -1);
  for (const row of changed) deltas.add(row, 1);
  deltas.addCohortPresence(existing, desired);

  if (removed.length > 0) {
    await tx.$executeRaw`DELETE FROM "ReportOrder" WHERE "shopId" = ${shopId} AND "orderShopifyId" = ANY(${removed.map((row) => row.order_id)}::text[])`;
  }
  if (changed.length > 0) await writeReportOrders(tx, shopId, changed);
  await writeReportCustomers(tx, shopId, state.retention, existing, desired, rowsChanged);

  await applyAggregateDeltas(tx, shopId, deltas);
}

/**
 * The ReportCustomer rows of the customers whose ReportOrder rows changed (`changed`): their days
 * again from their counted orders, no row for those left without one; and each kept retention
 * count moved by the difference those customers make to it (their days before: `existing`). One
 * statement; the counts' rows are written in key order, as the day rows are (no deadlock).
 */
async function writeReportCustomers(
  tx: Tx,
  shopId: string,
  retention: RetentionKey[],
  existing: ReportOrderRow[],
  desired: ReportOrderRow[],
  changed: Set<string>,
): Promise<void> {
  if (changed.size === 0) return;
  const daysOf = (rows: ReportOrderRow[]) => {
    const days = new Map<string, string[]>();
    for (const row of rows) if (changed.has(row.customer)) (days.get(row.customer) ?? days.set(row.customer, []).get(row.customer)!).push(row.day);
    return days;
  };
  const [before, after] = [daysOf(existing), daysOf(desired)];
  const gone = [...changed].filter((customer) => !after.has(customer));
  const rows = [...after].flatMap(([customer, days]) => days.map((day) => ({ customer, day })));
  const moved = retention
    .map((key) => {
      let delta = 0;
      for (const customer of changed) delta += Number(inBothWindows(after.get(customer) ?? [], key)) - Number(inBothWindows(before.get(customer) ?? [], key));
      return { key, delta };
    })
    .filter(({ delta }) => delta !== 0)
    .sort((a, b) => (retentionOrder(a.key) < retentionOrder(b.key) ? -1 : 1));
  await tx.$executeRaw`
    WITH gone AS (
      DELETE FROM "ReportCustomer" WHERE "shopId" = ${shopId} AND "customerShopifyId" = ANY(${gone}::text[])
    ), retention AS (
      -- Only counts the transaction saw under its shared lock, whose rows stay until it ends: an
      -- insert here is always the conflict's update (the EXISTS makes sure no delta becomes a count).
      INSERT INTO "ReportRetention" ("shopId", "lapsedDays", "startDay", "endDay", customers)
      SELECT ${shopId}, k.lapsed_days, k.start_day, k.end_day, k.delta
        FROM unnest(${moved.map(({ key }) => key.lapsedDays)}::int[], ${moved.map(({ key }) => key.startDay)}::date[],
                    ${moved.map(({ key }) => key.endDay)}::date[], ${moved.map(({ delta }) => delta)}::int[]) WITH ORDINALITY
             AS k(lapsed_days, start_day, end_day, delta, position)
       WHERE EXISTS (SELECT 1 FROM "ReportRetention" r WHERE r."shopId" = ${shopId} AND r."lapsedDays" = k.lapsed_days
                        AND r."startDay" = k.start_day AND r."endDay" = k.end_day)
       ORDER BY k.position
      ON CONFLICT ("shopId", "lapsedDays", "startDay", "endDay") DO UPDATE SET customers = "ReportRetention".customers + EXCLUDED.customers
    )
    INSERT INTO "ReportCustomer" ("shopId", "customerShopifyId", "firstDay", "lastDay", days)
    SELECT ${shopId}, d.customer, MIN(d.day), MAX(d.day), range_agg(daterange(d.day, d.day + 1))
      FROM unnest(${rows.map((row) => row.customer)}::text[], ${rows.map((row) => row.day)}::date[]) AS d(customer, day)
     GROUP BY d.customer
     ORDER BY d.customer
    ON CONFLICT ("shopId", "customerShopifyId") DO UPDATE SET "firstDay" = EXCLUDED."firstDay", "lastDay" = EXCLUDED."lastDay", days = EXCLUDED.days`;
}

const retentionOrder = (key: RetentionKey) => `${String(key.lapsedDays).padStart(5, "0")}|${key.startDay}|${key.endDay}`;

async function writeReportOrders(tx: Tx, shopId: string, rows: ReportOrderRow[]): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "ReportOrder" ("shopId", "orderShopifyId", "customerShopifyId", member, day, "firstMonth", "prevDay", "prev2Day", revenue, "placedAt")
    SELECT ${shopId}, r.order_id, r.customer, r.member, r.day::date, r.first_month::date, r.prev_day::date, r.prev2_day::date, r.revenue::numeric,
           r.placed_at::timestamp(3)
      FROM unnest(${rows.map((row) => row.order_id)}::text[], ${rows.map((row) => row.customer)}::text[], ${rows.map((row) => row.member)}::boolean[],
                  ${rows.map((row) => row.day)}::text[], ${rows.map((row) => row.first_month)}::text[], ${rows.map((row) => row.prev_day)}::text[],
                  ${rows.map((row) => row.prev2_day)}::text[], ${rows.map((row) => row.revenue)}::text[], ${rows.map((row) => row.placed_at)}::text[])
           AS r(order_id, customer, member, day, first_month, prev_day, prev2_day, revenue, placed_at)
    ON CONFLICT ("shopId", "orderShopifyId") DO UPDATE SET
      "customerShopifyId" = EXCLUDED."customerShopifyId", member = EXCLUDED.member, day = EXCLUDED.day, "firstMonth" = EXCLUDED."firstMonth",
      "prevDay" = EXCLUDED."prevDay", "prev2Day" = EXCLUDED."prev2Day", revenue = EXCLUDED.revenue, "placedAt" = EXCLUDED."placedAt"`;
}

const monthStart = (day: string) => `${day.slice(0, 7)}-01`;

interface DayDelta {
  orders: number;
  revenue: bigint;
  pairsEnding: number;
  triplesEnding: number;
  pairsStarting: number;
  triplesStarting: number;
  pairsFromEarlierMonths: number;
  triplesFromEarlierMonths: number;
}

const emptyDay = (): DayDelta => ({
  orders: 0, revenue: 0n, pairsEnding: 0, triplesEnding: 0, pairsStarting: 0, triplesStarting: 0, pairsFromEarlierMonths: 0, triplesFromEarlierMonths: 0,
});

/**
 * What the aggregate rows gain and lose from ReportOrder rows coming (sign 1) and going (sign −1):
 * a row counts in its day (an order and its revenue), and, when its customer ordered before, in the
 * run of 2 (and of 3) it ends: the window from that earlier day, the runs ending on its day and
 * starting on the earlier one. Keys are "day|member" and "start|end|member".
 */
class AggregateDeltas {
  readonly days = new Map<string, DayDelta>();
  readonly windows = new Map<string, { pairs: number; triples: number }>();
  readonly cohorts = new Map<string, number>();

  private day(day: string, member: boolean): DayDelta {
    const key = `${day}|${member}`;
    let delta = this.days.get(key);
    if (!delta) this.days.set(key, (delta = emptyDay()));
    return delta;
  }

  private window(start: string, end: string, member: boolean) {
    const key = `${start}|${end}|${member}`;
    let delta = this.windows.get(key);
    if (!delta) this.windows.set(key, (delta = { pairs: 0, triples: 0 }));
    return delta;
  }

  add(row: ReportOrderRow, sign: 1 | -1): void {
    const own = this.day(row.day, row.member);
    own.orders += sign;
    own.revenue += BigInt(sign) * toScaled(row.revenue);
    const earlierMonth = (start: string) => start < monthStart(row.day);
    if (row.prev_day) {
      this.window(row.prev_day, row.day, row.member).pairs += sign;
      own.pairsEnding += sign;
      if (earlierMonth(row.prev_day)) own.pairsFromEarlierMonths += sign;
      this.day(row.prev_day, row.member).pairsStarting += sign;
    }
    if (row.prev2_day) {
      this.window(row.prev2_day, row.day, row.member).triples += sign;
      own.triplesEnding += sign;
      if (earlierMonth(row.prev2_day)) own.triplesFromEarlierMonths += sign;
      this.day(row.prev2_day, row.member).triplesStarting += sign;
    }
  }

  /** Cohorts count customers, not orders: a customer ordering in a month counts once there. */
  addCohortPresence(before: ReportOrderRow[], after: ReportOrderRow[]): void {
    const presence = (rows: ReportOrderRow[]) => new Set(rows.map((row) => `${row.customer}|${row.first_month}|${monthStart(row.day)}`));
    const [was, is] = [presence(before), presence(after)];
    const count = (entry: string, sign: number) => {
      const key = entry.slice(entry.indexOf("|") + 1);
      this.cohorts.set(key, (this.cohorts.get(key) ?? 0) + sign);
    };
    for (const entry of is) if (!was.has(entry)) count(entry, 1);
    for (const entry of was) if (!is.has(entry)) count(entry, -1);
  }
}

/**
 * Adds the deltas to the aggregate rows, sorted by key (row locks in one order: no deadlock), then
 * drops rows that came to nothing. Each row's lock is held only from here to the commit.
 */
async function applyAggregateDeltas(tx: Tx, shopId: string, deltas: AggregateDeltas): Promise<void> {
  const windows = [...deltas.windows].filter(([, d]) => d.pairs !== 0 || d.triples !== 0).sort(([a], [b]) => (a < b ? -1 : 1));
  if (windows.length > 0) {
    const keys = windows.map(([key]) => key.split("|"));
    await tx.$executeRaw`
      INSERT INTO "ReportWindow" ("shopId", "startDay", "endDay", member, pairs, triples)
      SELECT ${shopId}, k.start_day, k.end_day, k.member, k.pairs, k.triples
        FROM unnest(${keys.map((k) => k[0])}::date[], ${keys.map((k) => k[1])}::date[], ${keys.map((k) => k[2] === "true")}::boolean[],
                    ${windows.map(([, d]) => d.pairs)}::int[], ${windows.map(([, d]) => d.triples)}::int[]) WITH ORDINALITY
             AS k(start_day, end_day, member, pairs, triples, position)
       ORDER BY k.position
      ON CONFLICT ("shopId", "endDay", "startDay", member) DO UPDATE
        SET pairs = "ReportWindow".pairs + EXCLUDED.pairs, triples = "ReportWindow".triples + EXCLUDED.triples`;
    const shrunk = windows.filter(([, d]) => d.pairs < 0 || d.triples < 0).map(([key]) => key.split("|"));
    if (shrunk.length > 0) {
      await tx.$executeRaw`
        DELETE FROM "ReportWindow" w
         USING unnest(${shrunk.map((k) => k[0])}::date[], ${shrunk.map((k) => k[1])}::date[], ${shrunk.map((k) => k[2] === "true")}::boolean[]) AS k(start_day, end_day, member)
         WHERE w."shopId" = ${shopId} AND w."startDay" = k.start_day AND w."endDay" = k.end_day AND w.member = k.member AND w.pairs = 0 AND w.triples = 0`;
    }
  }

  const days = [...deltas.days].filter(([, d]) => Object.values(d).some((value) => value !== 0 && value !== 0n)).sort(([a], [b]) => (a < b ? -1 : 1));
  if (days.length > 0) {
    const keys = days.map(([key]) => key.split("|"));
    const column = (name: Exclude<keyof DayDelta, "revenue">) => days.map(([, d]) => d[name]);
    await tx.$executeRaw`
      INSERT INTO "ReportDay" ("shopId", day, member, orders, revenue, "pairsEnding", "triplesEnding", "pairsStarting", "triplesStarting",
                               "pairsFromEarlierMonths", "triplesFromEarlierMonths")
      SELECT ${shopId}, k.day, k.member, k.orders, k.revenue, k.pairs_ending, k.triples_ending, k.pairs_starting, k.triples_starting,
             k.pairs_from_earlier_months, k.triples_from_earlier_months
        FROM unnest(${keys.map((k) => k[0])}::date[], ${keys.map((k) => k[1] === "true")}::boolean[], ${column("orders")}::int[],
                    ${days.map(([, d]) => fromScaled(d.revenue))}::numeric[], ${column("pairsEnding")}::int[], ${column("triplesEnding")}::int[],
                    ${column("pairsStarting")}::int[], ${column("triplesStarting")}::int[],
                    ${column("pairsFromEarlierMonths")}::int[], ${column("triplesFromEarlierMonths")}::int[]) WITH ORDINALITY
             AS k(day, member, orders, revenue, pairs_ending, triples_ending, pairs_starting, triples_starting,
                  pairs_from_earlier_months, triples_from_earlier_months, position)
       ORDER BY k.position
      ON CONFLICT ("shopId", day, member) DO UPDATE SET
        orders = "ReportDay".orders + EXCLUDED.orders, revenue = "ReportDay".revenue + EXCLUDED.revenue,
        "pairsEnding" = "ReportDay"."pairsEnding" + EXCLUDED."pairsEnding", "triplesEnding" = "ReportDay"."triplesEnding" + EXCLUDED."triplesEnding",
        "pairsStarting" = "ReportDay"."pairsStarting" + EXCLUDED."pairsStarting",
        "triplesStarting" = "ReportDay"."triplesStarting" + EXCLUDED."triplesStarting",
        "pairsFromEarlierMonths" = "ReportDay"."pairsFromEarlierMonths" + EXCLUDED."pairsFromEarlierMonths",
        "triplesFromEarlierMonths" = "ReportDay"."triplesFromEarlierMonths" + EXCLUDED."triplesFromEarlierMonths"`;
    // A day keeps its row while it has orders or runs starting on it (runs ending on it need its orders).
    const shrunk = days.filter(([, d]) => d.orders < 0 || d.pairsStarting < 0 || d.triplesStarting < 0).map(([key]) => key.split("|"));
    if (shrunk.length > 0) {
      await tx.$executeRaw`
        DELETE FROM "ReportDay" d
         USING unnest(${shrunk.map((k) => k[0])}::date[], ${shrunk.map((k) => k[1] === "true")}::boolean[]) AS k(day, member)
         WHERE d."shopId" = ${shopId} AND d.day = k.day AND d.member = k.member AND d.orders = 0 AND d."pairsStarting" = 0 AND d."triplesStarting" = 0`;
    }
  }

  const cohorts = [...deltas.cohorts].filter(([, delta]) => delta !== 0).sort(([a], [b]) => (a < b ? -1 : 1));
  if (cohorts.length > 0) {
    const keys = cohorts.map(([key]) => key.split("|"));
    await tx.$executeRaw`
      INSERT INTO "ReportCohort" ("shopId", "firstMonth", month, customers)
      SELECT ${shopId}, k.first_month, k.month, k.customers
        FROM unnest(${keys.map((k) => k[0])}::date[], ${keys.map((k) => k[1])}::date[], ${cohorts.map(([, delta]) => delta)}::int[]) WITH ORDINALITY
             AS k(first_month, month, customers, position)
       ORDER BY k.position
      ON CONFLICT ("shopId", "firstMonth", month) DO UPDATE SET customers = "ReportCohort".customers + EXCLUDED.customers`;
    const shrunk = cohorts.filter(([, delta]) => delta < 0).map(([key]) => key.split("|"));
    if (shrunk.length > 0) {
      await tx.$executeRaw`
        DELETE FROM "ReportCohort" c
         USING unnest(${shrunk.map((k) => k[0])}::date[], ${shrunk.map((k) => k[1])}::date[]) AS k(first_month, month)
         WHERE c."shopId" = ${shopId} AND c."firstMonth" = k.first_month AND c.month = k.month AND c.customers = 0`;
    }
  }
}

/**
 * Rebuilds the shop's report rows from its orders in the shop's current time zone: the first time
 * (reports start from what is already stored) and after the shop's time zone changes. Webhooks wait
 * for it (an exclusive lock against their shared one). About a minute at 1M orders: requests never
 * run it (background-rebuild.server.ts does).
 */
export async function rebuildReports(db: PrismaClient, shopId: string, now = new Date()): Promise<void> {
  await rebuild(db, shopId, now, { onlyIfStale: false });
}

/** Rebuilds unless the rows are maintained in the shop's current time zone (checked under the lock). */
export async function ensureReports(db: PrismaClient, shopId: string, now = new Date()): Promise<boolean> {
  if (await reportsReady(db, shopId)) return false;
  return rebuild(db, shopId, now, { onlyIfStale: true });
}

/** Whether the shop's report rows are maintained in its current time zone (the dashboard can read them). */
export async function reportsReady(db: PrismaClient | Tx, shopId: string): Promise<boolean> {
  const [row] = await db.$queryRaw<{ current: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM "Shop" s JOIN "ReportState" r ON r."shopId" = s.id AND r.timezone = s."ianaTimezone" WHERE s.id = ${shopId}) AS current`;
  return Boolean(row?.current);
}

/** The installed shops whose report rows need a rebuild. */
export async function shopsWithStaleReports(db: PrismaClient): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT s.id FROM "Shop" s LEFT JOIN "ReportState" r ON r."shopId" = s.id
     WHERE s."uninstalledAt" IS NULL AND (r."shopId" IS NULL OR r.timezone <> s."ianaTimezone") ORDER BY s.id`;
  return rows.map((row) => row.id);
}

const REBUILD_TIMEOUT_MS = 30 * 60_000;

async function rebuild(db: PrismaClient, shopId: string, now: Date, options: { onlyIfStale: boolean }): Promise<boolean> {
  return db.$transaction(
    async (tx) => {
      // About a minute at 1M orders, and a second rebuild of the shop waits for the first's lock.
      await allowLongStatements(tx, REBUILD_TIMEOUT_MS);
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${shopReportsLockKey(shopId)}, 0))`;
      // Another process may have rebuilt while this one waited for the lock.
      if (options.onlyIfStale && (await reportsReady(tx, shopId))) return false;
      const shop = await tx.shop.findUniqueOrThrow({ where: { id: shopId }, select: { ianaTimezone: true } });
      await deleteShopReportRows(tx, shopId);
      await tx.$executeRaw`
        INSERT INTO "ReportOrder" ("shopId", "orderShopifyId", "customerShopifyId", member, day, "firstMonth", "prevDay", "prev2Day", revenue, "placedAt")
        SELECT ${shopId}, order_id, customer, member, day, first_month, prev_day, prev2_day, revenue, placed_at FROM (${countedOrderRows(shopId, shop.ianaTimezone, null)}) AS rows`;
      await tx.$executeRaw`
        INSERT INTO "ReportWindow" ("shopId", "endDay", "startDay", member, pairs, triples)
        SELECT ${shopId}, end_day, start_day, member, SUM(pairs), SUM(triples) FROM (
          SELECT day AS end_day, "prevDay" AS start_day, member, 1 AS pairs, 0 AS triples FROM "ReportOrder" WHERE "shopId" = ${shopId} AND "prevDay" IS NOT NULL
          UNION ALL
          SELECT day, "prev2Day", member, 0, 1 FROM "ReportOrder" WHERE "shopId" = ${shopId} AND "prev2Day" IS NOT NULL
        ) AS runs GROUP BY end_day, start_day, member`;
      await tx.$executeRaw`
        INSERT INTO "ReportDay" ("shopId", day, member, orders, revenue, "pairsEnding", "triplesEnding", "pairsStarting", "triplesStarting",
                                 "pairsFromEarlierMonths", "triplesFromEarlierMonths")
        SELECT ${shopId}, o.day, o.member, o.orders, o.revenue, COALESCE(e.pairs, 0), COALESCE(e.triples, 0), COALESCE(st.pairs, 0), COALESCE(st.triples, 0),
               COALESCE(e.pairs_from_earlier_months, 0), COALESCE(e.triples_from_earlier_months, 0)
          FROM (SELECT day, member, COUNT(*)::int AS orders, SUM(revenue) AS revenue FROM "ReportOrder" WHERE "shopId" = ${shopId} GROUP BY day, member) o
          LEFT JOIN (SELECT "endDay" AS day, member, SUM(pairs)::int AS pairs, SUM(triples)::int AS triples,
                            SUM(pairs) FILTER (WHERE "startDay" < date_trunc('month', "endDay"))::int AS pairs_from_earlier_months,
                            SUM(triples) FILTER (WHERE "startDay" < date_trunc('month', "endDay"))::int AS triples_from_earlier_months
                       FROM "ReportWindow" WHERE "shopId" = ${shopId} GROUP BY 1, 2) e ON e.day = o.day AND e.member = o.member
          LEFT JOIN (SELECT "startDay" AS day, member, SUM(pairs)::int AS pairs, SUM(triples)::int AS triples FROM "ReportWindow"
                      WHERE "shopId" = ${shopId} GROUP BY 1, 2) st ON st.day = o.day AND st.member = o.member`;
      await tx.$executeRaw`
        INSERT INTO "ReportCohort" ("shopId", "firstMonth", month, customers)
        SELECT ${shopId}, "firstMonth", date_trunc('month', day)::date, COUNT(DISTINCT "customerShopifyId")
          FROM "ReportOrder" WHERE "shopId" = ${shopId} GROUP BY 2, 3`;
      await tx.$executeRaw`
        INSERT INTO "ReportCustomer" ("shopId", "customerShopifyId", "firstDay", "lastDay", days)
        SELECT ${shopId}, "customerShopifyId", MIN(day), MAX(day), range_agg(daterange(day, day + 1))
          FROM "ReportOrder" WHERE "shopId" = ${shopId} GROUP BY "customerShopifyId"`;
      await tx.$executeRaw`
        INSERT INTO "ReportState" ("shopId", timezone, "rebuiltAt", "pointsThrough") VALUES (${shopId}, ${shop.ianaTimezone}, ${now}, NULL)
        ON CONFLICT ("shopId") DO UPDATE SET timezone = EXCLUDED.timezone, "rebuiltAt" = EXCLUDED."rebuiltAt", "pointsThrough" = NULL`;
      // The ledger's closed days, summed in this time zone.
      await sumClosedPointsDays(tx, shopId);
      return true;
    },
    { timeout: REBUILD_TIMEOUT_MS, maxWait: 60_000 },
  );
}

async function deleteShopReportRows(tx: Tx, shopId: string): Promise<void> {
  await tx.$executeRaw`DELETE FROM "ReportOrder" WHERE "shopId" = ${shopId}`;
  await tx.$executeRaw`DELETE FROM "ReportDay" WHERE "shopId" = ${shopId}`;
  await tx.$executeRaw`DELETE FROM "ReportWindow" WHERE "shopId" = ${shopId}`;
  await tx.$executeRaw`DELETE FROM "ReportCohort" WHERE "shopId" = ${shopId}`;
  await tx.$executeRaw`DELETE FROM "ReportCustomer" WHERE "shopId" = ${shopId}`;
  await tx.$executeRaw`DELETE FROM "ReportPointsDay" WHERE "shopId" = ${shopId}`;
  await tx.$executeRaw`DELETE FROM "ReportRetention" WHERE "shopId" = ${shopId}`;
}
