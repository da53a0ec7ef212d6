/**
 * RFM segments, stored per customer (CustomerSegment) and recomputed for a whole shop in one
 * statement by the "customer-segments" job (app/jobs/catalog.server.ts): woken when the webhook inbox
 * or the history import has applied orders, and hourly. Every customer with a counted order
 * (isCountedOrder) is scored 1 to 5 on recency (their last counted order), frequency (counted orders)
 * and monetary value (their counted orders' sales, as the dashboard's Sales), by quintile within the
 * shop, and placed in a segment by RF_GRID (segments.ts). docs/metrics.md has the rules.
 */
import { allowLongStatements } from "../database-timeouts.server";
import type { Db } from "../database/transaction";
import { Prisma, type PrismaClient } from "../generated/prisma/client";
import { countedOrderSql } from "../orders/vocabulary.server";
import { ratio } from "../reports/metrics";
import { RF_GRID, SEGMENTS, type Segment } from "./segments";

/** How long a whole shop's recompute may run (250,000 customers take seconds, not minutes). */
const RECOMPUTE_TIMEOUT_MS = 10 * 60_000;

/** The scheduled recompute's period: a shop computed longer ago than this is recomputed. */
export const SEGMENTS_EVERY_MS = 60 * 60_000;

/**
 * The least time between two recomputes of one shop: a shop receiving orders all day wakes the job
 * after every inbox batch, and recomputing its every customer each time would keep a core busy.
 */
export const SEGMENTS_MIN_GAP_MS = 30_000;

/**
 * How long a recompute of the shop should wait so that it starts no sooner than SEGMENTS_MIN_GAP_MS
 * after the last one (0 when it may run now). The wakes that arrive meanwhile are one more round,
 * which waits in turn: orders are taken in within the gap, never left for the hourly run.
 */
export async function segmentsWaitMs(db: Db, shopId: string, now: Date): Promise<number> {
  const state = await db.segmentState.findUnique({ where: { shopId }, select: { computedAt: true } });
  if (!state) return 0;
  return Math.max(0, Math.min(SEGMENTS_MIN_GAP_MS, state.computedAt.getTime() + SEGMENTS_MIN_GAP_MS - now.getTime()));
}

/** RF_GRID as SQL rows (r, f, segment); the names are bound values. */
function gridSql(): Prisma.Sql {
  const rows: Prisma.Sql[] = [];
  for (const [recency, row] of Object.entries(RF_GRID)) {
    row.forEach((segment, index) => rows.push(Prisma.sql`(${Number(recency)}::int, ${index + 1}::int, ${segment}::text)`));
  }
  return Prisma.join(rows);
}

/**
 * Recomputes every segment of the shop in one statement: scores and segments of the customers with
 * a counted order are written where they changed, the rows of customers left with none are removed,
 * and the shop's SegmentState records when and for how many. Returns that count.
 *
 * Quintiles: NTILE(5) over the shop's customers ordered by the measure (ties broken by the
 * customer's GID, so a run is repeatable); customers with equal values then share the lowest score
 * any of them drew, so a score is only ever raised by a strictly better value.
 */
export async function recomputeShopSegments(db: PrismaClient, shopId: string, now: Date): Promise<number> {
  return db.$transaction(
    async (tx) => {
      await allowLongStatements(tx, RECOMPUTE_TIMEOUT_MS);
      const [state] = await tx.$queryRaw<{ customers: number }[]>`
        WITH counted AS MATERIALIZED (
          SELECT o.id, o."shopifyId" AS order_id, o."customerShopifyId" AS customer, o."placedAt" AS placed_at
            FROM "Order" o
           WHERE o."shopId" = ${shopId} AND ${countedOrderSql("o")}
        ), line_sales AS (
          -- ORDER_SALES_SQL (reports/metrics.ts) for every counted order at once, as grouped joins
          -- (a third of the time of its per-order subqueries over a million orders): the lines after
          -- their discounts, less money returned without refund lines.
          SELECT li."orderId" AS id, SUM(li.price * li.quantity - li.discount) AS sales
            FROM "OrderLineItem" li JOIN counted c ON c.id = li."orderId"
           GROUP BY li."orderId"
        ), returned AS (
          SELECT r."orderShopifyId" AS order_id, SUM(GREATEST(r.discrepancy, 0)) AS amount
            FROM "OrderRefund" r WHERE r."shopId" = ${shopId}
           GROUP BY r."orderShopifyId"
        ), per_customer AS (
          SELECT c.customer, MAX(c.placed_at) AS last_order_at, COUNT(*)::int AS orders,
                 SUM(COALESCE(l.sales, 0) - COALESCE(rt.amount, 0)) AS revenue
            FROM counted c
            LEFT JOIN line_sales l ON l.id = c.id
            LEFT JOIN returned rt ON rt.order_id = c.order_id
           GROUP BY c.customer
        ), tiles AS (
          SELECT p.*,
                 NTILE(5) OVER (ORDER BY p.last_order_at, p.customer) AS r_tile,
                 NTILE(5) OVER (ORDER BY p.orders, p.customer) AS f_tile,
                 NTILE(5) OVER (ORDER BY p.revenue, p.customer) AS m_tile
            FROM per_customer p
        ), scored AS (
          SELECT t.customer, t.last_order_at, t.orders, t.revenue,
                 FLOOR(EXTRACT(EPOCH FROM (${now}::timestamptz AT TIME ZONE 'UTC') - t.last_order_at) / 86400)::int AS recency_days,
                 MIN(t.r_tile) OVER (PARTITION BY t.last_order_at)::int AS r,
                 MIN(t.f_tile) OVER (PARTITION BY t.orders)::int AS f,
                 MIN(t.m_tile) OVER (PARTITION BY t.revenue)::int AS m
            FROM tiles t
        ), grid (r, f, segment) AS (VALUES ${gridSql()}
        ), removed AS (
          DELETE FROM "CustomerSegment" cs
           WHERE cs."shopId" = ${shopId} AND NOT EXISTS (SELECT 1 FROM per_customer p WHERE p.customer = cs."customerShopifyId")
        ), written AS (
          INSERT INTO "CustomerSegment" AS cs ("shopId", "customerShopifyId", "lastOrderAt", "recencyDays", orders, revenue,
                                               "recencyScore", "frequencyScore", "monetaryScore", segment)
          SELECT ${shopId}, s.customer, s.last_order_at, GREATEST(s.recency_days, 0), s.orders, s.revenue, s.r, s.f, s.m, g.segment
            FROM scored s JOIN grid g ON g.r = s.r AND g.f = s.f
          ON CONFLICT ("shopId", "customerShopifyId") DO UPDATE
             SET "lastOrderAt" = EXCLUDED."lastOrderAt", "recencyDays" = EXCLUDED."recencyDays", orders = EXCLUDED.orders,
                 revenue = EXCLUDED.revenue, "recencyScore" = EXCLUDED."recencyScore", "frequencyScore" = EXCLUDED."frequencyScore",
                 "monetaryScore" = EXCLUDED."monetaryScore", segment = EXCLUDED.segment
           WHERE (cs."lastOrderAt", cs."recencyDays", cs.orders, cs.revenue, cs."recencyScore", cs."frequencyScore", cs."monetaryScore", cs.segment)
                 IS DISTINCT FROM (EXCLUDED."lastOrderAt", EXCLUDED."recencyDays", EXCLUDED.orders, EXCLUDED.revenue,
                                   EXCLUDED."recencyScore", EXCLUDED."frequencyScore", EXCLUDED."monetaryScore", EXCLUDED.segment)
        )
        INSERT INTO "SegmentState" ("shopId", "computedAt", customers)
        SELECT ${shopId}, ${now}, (SELECT COUNT(*)::int FROM per_customer)
        -- The customer base is counted again for these segments (base-figures.server.ts).
        ON CONFLICT ("shopId") DO UPDATE SET "computedAt" = EXCLUDED."computedAt", customers = EXCLUDED.customers, figures = NULL
        RETURNING customers`;
      return state.customers;
    },
    { timeout: RECOMPUTE_TIMEOUT_MS, maxWait: 60_000 },
  );
}

/**
 * The shops the job recomputes now: those woken (orders were applied), and every installed shop
 * with orders whose segments are missing or older than SEGMENTS_EVERY_MS.
 */
export async function shopsForSegments(db: PrismaClient, now: Date, woken: readonly string[]): Promise<{ id: string; domain: string }[]> {
  const staleBefore = new Date(now.getTime() - SEGMENTS_EVERY_MS);
  return db.$queryRaw<{ id: string; domain: string }[]>`
    SELECT s.id, s.domain FROM "Shop" s
      LEFT JOIN "SegmentState" st ON st."shopId" = s.id
     WHERE s."uninstalledAt" IS NULL
       AND (s.id = ANY(${[...woken]}::text[])
            OR ((st."shopId" IS NULL OR st."computedAt" < ${staleBefore}) AND EXISTS (SELECT 1 FROM "Order" o WHERE o."shopId" = s.id)))
     ORDER BY s.id`;
}

export interface SegmentFigures {
  segment: Segment;
  customers: number;
  /** Their counted orders' sales, all time, 2 decimals. */
  revenue: string;
  /** Customers of the segment with 2 or more counted orders ÷ its customers; null for an empty segment. */
  repeatRate: number | null;
}

export interface ShopSegments {
  /** When the segments were last recomputed (ISO), or null before the first run. */
  computedAt: string | null;
  customers: number;
  segments: SegmentFigures[];
}

/** Each segment's customers, revenue and repeat rate, counted from the stored segments (every segment listed, in SEGMENTS order). */
export async function segmentFigures(db: Db, shopId: string): Promise<SegmentFigures[]> {
  const rows = await db.$queryRaw<{ segment: string; customers: number; revenue: string; repeat: number }[]>`
    SELECT segment, COUNT(*)::int AS customers, ROUND(SUM(revenue), 2)::text AS revenue, COUNT(*) FILTER (WHERE orders >= 2)::int AS repeat
      FROM "CustomerSegment" WHERE "shopId" = ${shopId} GROUP BY segment`;
  const bySegment = new Map(rows.map((row) => [row.segment, row]));
  return SEGMENTS.map((segment) => {
    const row = bySegment.get(segment);
    if (!row) return { segment, customers: 0, revenue: "0.00", repeatRate: null };
    return { segment, customers: row.customers, revenue: row.revenue, repeatRate: ratio(row.repeat, row.customers) };
  });
}
