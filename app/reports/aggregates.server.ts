/**
 * The report rows behind the dashboard, kept up to date when orders are written, so that a period's
 * metrics read a few thousand aggregate rows instead of scanning and grouping its orders.
 *
 * - ReportOrder: one row per counted order, with the days of its customer's previous two counted
 *   orders (`prevDay`, `prev2Day`), its revenue, the customer's membership and first month.
 * - ReportWindow (runs of 2 and 3 consecutive orders of one customer by first and last day),
 *   ReportDay (orders, revenue, and the runs ending and starting on each day) and ReportCohort
 *   (customers by first month and month ordered) are aggregates of ReportOrder.
 *
 * For a period P, with N1 orders in P, N2 runs of 2 and N3 runs of 3 lying wholly in P: a customer
 * with k ≥ 1 orders in P has k, k−1 and max(k−2, 0) of them, so customers = N1 − N2 and customers
 * with 2 or more = N2 − N3. Returning customers = runs of 2 that start before P and end in it (one
 * per customer who ordered in P and before it). metrics.server.ts turns these into running sums of
 * ReportDay plus the few runs that span the whole period.
 *
 * Writes recompute, never increment: the touched customers' ReportOrder rows are recomputed from
 * their orders, and every aggregate key those rows touched (old and new) is recomputed from
 * ReportOrder under an advisory lock held to commit. A redelivered or out-of-order webhook therefore
 * converges on the same rows.
 */
import type { Prisma, PrismaClient } from "../generated/prisma/client";

type Tx = Prisma.TransactionClient;

/** The local date of an order, DST-correct: "placedAt" is UTC without a zone. */
const LOCAL_DAY = (timezoneParam: string) => `(o."placedAt" AT TIME ZONE 'UTC' AT TIME ZONE ${timezoneParam})::date`;

/** Counted orders (see METRIC_DEFINITIONS.countedOrders) with their chain links; $1 shop, $2 time zone. */
const COUNTED_ORDERS = (customerFilter: string) => `
  WITH counted AS (
    SELECT o."shopifyId" AS order_id, o."customerShopifyId" AS customer, o."placedAt" AS placed_at,
           ${LOCAL_DAY("$2")} AS day,
           COALESCE((SELECT SUM(li.price * li.quantity - li.discount) FROM "OrderLineItem" li WHERE li."orderId" = o.id), 0) AS revenue
      FROM "Order" o
     WHERE o."shopId" = $1 AND o."customerShopifyId" IS NOT NULL AND o."cancelledAt" IS NULL AND NOT o.test ${customerFilter}
  )
  SELECT c.order_id, c.customer,
         COALESCE(cu."hasAccount", false) AS member,
         c.day,
         date_trunc('month', MIN(c.day) OVER (PARTITION BY c.customer))::date AS first_month,
         LAG(c.day) OVER chain AS prev_day,
         LAG(c.day, 2) OVER chain AS prev2_day,
         c.revenue
    FROM counted c
    LEFT JOIN "Customer" cu ON cu."shopId" = $1 AND cu."shopifyId" = c.customer
  WINDOW chain AS (PARTITION BY c.customer ORDER BY c.placed_at, c.order_id)`;

interface ReportOrderRow {
  order_id: string;
  customer: string;
  member: boolean;
  day: string;
  first_month: string;
  prev_day: string | null;
  prev2_day: string | null;
  revenue: string;
}

const ROW_COLUMNS = `order_id, customer, member, to_char(day, 'YYYY-MM-DD') AS day, to_char(first_month, 'YYYY-MM-DD') AS first_month,
  to_char(prev_day, 'YYYY-MM-DD') AS prev_day, to_char(prev2_day, 'YYYY-MM-DD') AS prev2_day, revenue::text AS revenue`;

const shopLockKey = (shopId: string) => `${shopId}:reports`;

/** The shop's time zone when its report rows are maintained in it, else null (a rebuild is due). */
async function maintainedTimezone(tx: Tx, shopId: string): Promise<string | null> {
  const [row] = await tx.$queryRaw<{ timezone: string }[]>`
    SELECT s."ianaTimezone" AS timezone FROM "Shop" s JOIN "ReportState" r ON r."shopId" = s.id AND r.timezone = s."ianaTimezone"
     WHERE s.id = ${shopId}`;
  return row?.timezone ?? null;
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
  await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(hashtextextended(${shopLockKey(shopId)}, 0))`;
  if (!(await maintainedTimezone(tx, shopId))) return;
  // The customers the orders belong to now, and those they were counted for before (a changed buyer).
  const customers = await tx.$queryRaw<{ customer: string }[]>`
    SELECT "customerShopifyId" AS customer FROM "Order"
     WHERE "shopId" = ${shopId} AND "shopifyId" = ANY(${orderShopifyIds}::text[]) AND "customerShopifyId" IS NOT NULL
    UNION
    SELECT "customerShopifyId" FROM "ReportOrder" WHERE "shopId" = ${shopId} AND "orderShopifyId" = ANY(${orderShopifyIds}::text[])`;
  await recomputeCustomers(tx, shopId, customers.map((row) => row.customer));
}

/** A customer's membership changed (customers/update): their rows move between members and non-members. */
export async function recordCustomerForReports(tx: Tx, shopId: string, customerShopifyId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(hashtextextended(${shopLockKey(shopId)}, 0))`;
  if (!(await maintainedTimezone(tx, shopId))) return;
  await recomputeCustomers(tx, shopId, [customerShopifyId]);
}

async function recomputeCustomers(tx: Tx, shopId: string, customers: string[]): Promise<void> {
  if (customers.length === 0) return;
  const timezone = (await maintainedTimezone(tx, shopId))!;
  const sorted = [...new Set(customers)].sort();
  // The same keys as the order sync's locks, so a customer's orders are chained one transaction at a time.
  await tx.$executeRawUnsafe(
    `SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || c, 0)) FROM unnest($2::text[]) AS c ORDER BY c`,
    shopId,
    sorted,
  );

  const desired = await tx.$queryRawUnsafe<ReportOrderRow[]>(
    `SELECT ${ROW_COLUMNS} FROM (${COUNTED_ORDERS(`AND o."customerShopifyId" = ANY($3::text[])`)}) AS rows`,
    shopId,
    timezone,
    sorted,
  );
  const existing = await tx.$queryRaw<ReportOrderRow[]>`
    SELECT "orderShopifyId" AS order_id, "customerShopifyId" AS customer, member, to_char(day, 'YYYY-MM-DD') AS day,
           to_char("firstMonth", 'YYYY-MM-DD') AS first_month, to_char("prevDay", 'YYYY-MM-DD') AS prev_day,
           to_char("prev2Day", 'YYYY-MM-DD') AS prev2_day, revenue::text AS revenue
      FROM "ReportOrder" WHERE "shopId" = ${shopId} AND "customerShopifyId" = ANY(${sorted}::text[])`;

  const same = (a: ReportOrderRow, b: ReportOrderRow) =>
    a.customer === b.customer && a.member === b.member && a.day === b.day && a.first_month === b.first_month &&
    a.prev_day === b.prev_day && a.prev2_day === b.prev2_day && Number(a.revenue) === Number(b.revenue);
  const before = new Map(existing.map((row) => [row.order_id, row]));
  const after = new Map(desired.map((row) => [row.order_id, row]));
  const removed = existing.filter((row) => !after.has(row.order_id));
  const changed = desired.filter((row) => !before.has(row.order_id) || !same(before.get(row.order_id)!, row));
  if (removed.length === 0 && changed.length === 0) return;

  const touched = new Set<string>();
  for (const row of [...removed, ...changed, ...changed.map((row) => before.get(row.order_id)).filter((row) => row !== undefined)]) {
    for (const key of aggregateKeys(row)) touched.add(key);
  }

  if (removed.length > 0) {
    await tx.$executeRaw`DELETE FROM "ReportOrder" WHERE "shopId" = ${shopId} AND "orderShopifyId" = ANY(${removed.map((row) => row.order_id)}::text[])`;
  }
  if (changed.length > 0) await writeReportOrders(tx, shopId, changed);

  await recomputeAggregates(tx, shopId, [...touched].sort());
}

async function writeReportOrders(tx: Tx, shopId: string, rows: ReportOrderRow[]): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "ReportOrder" ("shopId", "orderShopifyId", "customerShopifyId", member, day, "firstMonth", "prevDay", "prev2Day", revenue)
    SELECT ${shopId}, r.order_id, r.customer, r.member, r.day::date, r.first_month::date, r.prev_day::date, r.prev2_day::date, r.revenue::numeric
      FROM unnest(${rows.map((row) => row.order_id)}::text[], ${rows.map((row) => row.customer)}::text[], ${rows.map((row) => row.member)}::boolean[],
                  ${rows.map((row) => row.day)}::text[], ${rows.map((row) => row.first_month)}::text[], ${rows.map((row) => row.prev_day)}::text[],
                  ${rows.map((row) => row.prev2_day)}::text[], ${rows.map((row) => row.revenue)}::text[])
           AS r(order_id, customer, member, day, first_month, prev_day, prev2_day, revenue)
    ON CONFLICT ("shopId", "orderShopifyId") DO UPDATE SET
      "customerShopifyId" = EXCLUDED."customerShopifyId", member = EXCLUDED.member, day = EXCLUDED.day, "firstMonth" = EXCLUDED."firstMonth",
      "prevDay" = EXCLUDED."prevDay", "prev2Day" = EXCLUDED."prev2Day", revenue = EXCLUDED.revenue`;
}

/**
 * The aggregate keys a ReportOrder row counts in: "d|day|member" (its own day, and the start days of
 * its runs, which count them as starting), "w|start|end|member", "c|firstMonth|month".
 */
function aggregateKeys(row: ReportOrderRow): string[] {
  const keys = [`d|${row.day}|${row.member}`, `c|${row.first_month}|${row.day.slice(0, 7)}-01`];
  if (row.prev_day) keys.push(`w|${row.prev_day}|${row.day}|${row.member}`, `d|${row.prev_day}|${row.member}`);
  if (row.prev2_day) keys.push(`w|${row.prev2_day}|${row.day}|${row.member}`, `d|${row.prev2_day}|${row.member}`);
  return keys;
}

/** Recomputes each aggregate key from ReportOrder, holding the key's lock to commit (sorted: no deadlock). */
async function recomputeAggregates(tx: Tx, shopId: string, keys: string[]): Promise<void> {
  await tx.$executeRawUnsafe(
    `SELECT pg_advisory_xact_lock(hashtextextended($1 || ':report:' || k, 0)) FROM unnest($2::text[]) AS k ORDER BY k`,
    shopId,
    keys,
  );
  const parts = keys.map((key) => key.split("|"));
  const days = parts.filter((p) => p[0] === "d");
  const windows = parts.filter((p) => p[0] === "w");
  const cohorts = parts.filter((p) => p[0] === "c");

  if (windows.length > 0) {
    await tx.$executeRaw`
      WITH k AS (SELECT * FROM unnest(${windows.map((p) => p[1])}::date[], ${windows.map((p) => p[2])}::date[], ${windows.map((p) => p[3] === "true")}::boolean[])
                   AS k(start_day, end_day, member)),
      fresh AS (
        SELECT k.start_day, k.end_day, k.member,
               (SELECT COUNT(*) FROM "ReportOrder" r WHERE r."shopId" = ${shopId} AND r.day = k.end_day AND r."prevDay" = k.start_day AND r.member = k.member)::int AS pairs,
               (SELECT COUNT(*) FROM "ReportOrder" r WHERE r."shopId" = ${shopId} AND r.day = k.end_day AND r."prev2Day" = k.start_day AND r.member = k.member)::int AS triples
          FROM k
      ),
      gone AS (DELETE FROM "ReportWindow" w USING fresh f
                WHERE w."shopId" = ${shopId} AND w."endDay" = f.end_day AND w."startDay" = f.start_day AND w.member = f.member AND f.pairs = 0 AND f.triples = 0)
      INSERT INTO "ReportWindow" ("shopId", "endDay", "startDay", member, pairs, triples)
      SELECT ${shopId}, end_day, start_day, member, pairs, triples FROM fresh WHERE pairs > 0 OR triples > 0
      ON CONFLICT ("shopId", "endDay", "startDay", member) DO UPDATE SET pairs = EXCLUDED.pairs, triples = EXCLUDED.triples`;
  }
  // After the windows: a day's run counters are sums of the window rows ending and starting on it.
  if (days.length > 0) {
    await tx.$executeRaw`
      WITH k AS (SELECT * FROM unnest(${days.map((p) => p[1])}::date[], ${days.map((p) => p[2] === "true")}::boolean[]) AS k(day, member)),
      fresh AS (
        SELECT k.day, k.member,
               (SELECT COUNT(*) FROM "ReportOrder" r WHERE r."shopId" = ${shopId} AND r.day = k.day AND r.member = k.member)::int AS orders,
               (SELECT COALESCE(SUM(r.revenue), 0) FROM "ReportOrder" r WHERE r."shopId" = ${shopId} AND r.day = k.day AND r.member = k.member) AS revenue,
               e.pairs AS pairs_ending, e.triples AS triples_ending, st.pairs AS pairs_starting, st.triples AS triples_starting,
               e.pairs_from_earlier_months, e.triples_from_earlier_months
          FROM k
          CROSS JOIN LATERAL (SELECT COALESCE(SUM(w.pairs), 0)::int AS pairs, COALESCE(SUM(w.triples), 0)::int AS triples,
                                     COALESCE(SUM(w.pairs) FILTER (WHERE w."startDay" < date_trunc('month', k.day)), 0)::int AS pairs_from_earlier_months,
                                     COALESCE(SUM(w.triples) FILTER (WHERE w."startDay" < date_trunc('month', k.day)), 0)::int AS triples_from_earlier_months
                                FROM "ReportWindow" w
                               WHERE w."shopId" = ${shopId} AND w."endDay" = k.day AND w.member = k.member) e
          CROSS JOIN LATERAL (SELECT COALESCE(SUM(w.pairs), 0)::int AS pairs, COALESCE(SUM(w.triples), 0)::int AS triples FROM "ReportWindow" w
                               WHERE w."shopId" = ${shopId} AND w."startDay" = k.day AND w.member = k.member) st
      ),
      gone AS (DELETE FROM "ReportDay" d USING fresh f
                WHERE d."shopId" = ${shopId} AND d.day = f.day AND d.member = f.member AND f.orders = 0 AND f.pairs_starting = 0 AND f.triples_starting = 0)
      INSERT INTO "ReportDay" ("shopId", day, member, orders, revenue, "pairsEnding", "triplesEnding", "pairsStarting", "triplesStarting",
                               "pairsFromEarlierMonths", "triplesFromEarlierMonths")
      SELECT ${shopId}, day, member, orders, revenue, pairs_ending, triples_ending, pairs_starting, triples_starting,
             pairs_from_earlier_months, triples_from_earlier_months FROM fresh
       WHERE orders > 0 OR pairs_starting > 0 OR triples_starting > 0
      ON CONFLICT ("shopId", day, member) DO UPDATE SET orders = EXCLUDED.orders, revenue = EXCLUDED.revenue,
        "pairsEnding" = EXCLUDED."pairsEnding", "triplesEnding" = EXCLUDED."triplesEnding",
        "pairsStarting" = EXCLUDED."pairsStarting", "triplesStarting" = EXCLUDED."triplesStarting",
        "pairsFromEarlierMonths" = EXCLUDED."pairsFromEarlierMonths", "triplesFromEarlierMonths" = EXCLUDED."triplesFromEarlierMonths"`;
  }
  if (cohorts.length > 0) {
    await tx.$executeRaw`
      WITH k AS (SELECT * FROM unnest(${cohorts.map((p) => p[1])}::date[], ${cohorts.map((p) => p[2])}::date[]) AS k(first_month, month)),
      fresh AS (
        SELECT k.first_month, k.month,
               (SELECT COUNT(DISTINCT r."customerShopifyId") FROM "ReportOrder" r
                 WHERE r."shopId" = ${shopId} AND r."firstMonth" = k.first_month
                   AND r.day >= k.month AND r.day < (k.month + interval '1 month'))::int AS customers
          FROM k
      ),
      gone AS (DELETE FROM "ReportCohort" c USING fresh f
                WHERE c."shopId" = ${shopId} AND c."firstMonth" = f.first_month AND c.month = f.month AND f.customers = 0)
      INSERT INTO "ReportCohort" ("shopId", "firstMonth", month, customers)
      SELECT ${shopId}, first_month, month, customers FROM fresh WHERE customers > 0
      ON CONFLICT ("shopId", "firstMonth", month) DO UPDATE SET customers = EXCLUDED.customers`;
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

async function rebuild(db: PrismaClient, shopId: string, now: Date, options: { onlyIfStale: boolean }): Promise<boolean> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${shopLockKey(shopId)}, 0))`;
      // Another process may have rebuilt while this one waited for the lock.
      if (options.onlyIfStale && (await reportsReady(tx, shopId))) return false;
      const shop = await tx.shop.findUniqueOrThrow({ where: { id: shopId }, select: { ianaTimezone: true } });
      await deleteShopReportRows(tx, shopId);
      await tx.$executeRawUnsafe(
        `INSERT INTO "ReportOrder" ("shopId", "orderShopifyId", "customerShopifyId", member, day, "firstMonth", "prevDay", "prev2Day", revenue)
         SELECT $1, order_id, customer, member, day, first_month, prev_day, prev2_day, revenue FROM (${COUNTED_ORDERS("")}) AS rows`,
        shopId,
        shop.ianaTimezone,
      );
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
        INSERT INTO "ReportState" ("shopId", timezone, "rebuiltAt") VALUES (${shopId}, ${shop.ianaTimezone}, ${now})
        ON CONFLICT ("shopId") DO UPDATE SET timezone = EXCLUDED.timezone, "rebuiltAt" = EXCLUDED."rebuiltAt"`;
      return true;
    },
    { timeout: 30 * 60_000, maxWait: 60_000 },
  );
}

async function deleteShopReportRows(tx: Tx, shopId: string): Promise<void> {
  await tx.$executeRaw`DELETE FROM "ReportOrder" WHERE "shopId" = ${shopId}`;
  await tx.$executeRaw`DELETE FROM "ReportDay" WHERE "shopId" = ${shopId}`;
  await tx.$executeRaw`DELETE FROM "ReportWindow" WHERE "shopId" = ${shopId}`;
  await tx.$executeRaw`DELETE FROM "ReportCohort" WHERE "shopId" = ${shopId}`;
}

/** shop/redact: the report rows have no foreign key to Shop, so erasure deletes them by shopId. */
export async function deleteShopReports(tx: Tx, shopId: string): Promise<void> {
  await deleteShopReportRows(tx, shopId);
  await tx.$executeRaw`DELETE FROM "ReportState" WHERE "shopId" = ${shopId}`;
}
