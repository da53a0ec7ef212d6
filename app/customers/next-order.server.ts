/**
 * Predicted next orders, stored per customer (NextOrderPrediction) with the shop's median gap
 * (NextOrderState), recomputed for a whole shop in one statement by the customer-segments job
 * (app/jobs/catalog.server.ts) right after the segments: woken when orders are applied, and hourly.
 * The model is next-order.ts's (docs/metrics.md, "Predicted next order"); the SQL here is the same
 * arithmetic over every customer at once.
 */
import { allowLongStatements } from "../database-timeouts.server";
import type { Db } from "../database/transaction";
import type { PrismaClient } from "../generated/prisma/client";
import { countedOrderSql } from "../orders/vocabulary.server";
import { MIN_EXPECTED_GAP_DAYS, MIN_SHOP_GAPS, nextOrderOutlook, PRIOR_GAPS, type NextOrderOutlook } from "./next-order";

/** How long a whole shop's recompute may run (a million orders take seconds). */
const RECOMPUTE_TIMEOUT_MS = 10 * 60_000;

/**
 * Recomputes every prediction of the shop: customers with 2 or more counted orders get (or keep) a
 * row, changed rows are rewritten, rows of customers left with fewer are removed, and NextOrderState
 * records the shop's gaps, their median and how many customers were predicted. Returns that count.
 * Gaps are between consecutive counted orders of one customer by placedAt, in fractional days.
 */
export async function recomputeShopPredictions(db: PrismaClient, shopId: string, now: Date): Promise<number> {
  return db.$transaction(
    async (tx) => {
      await allowLongStatements(tx, RECOMPUTE_TIMEOUT_MS);
      const [state] = await tx.$queryRaw<{ customers: number }[]>`
        WITH counted AS MATERIALIZED (
          SELECT o."customerShopifyId" AS customer, o."placedAt" AS placed_at,
                 EXTRACT(EPOCH FROM o."placedAt" - LAG(o."placedAt") OVER (PARTITION BY o."customerShopifyId" ORDER BY o."placedAt"))::float8 / 86400 AS gap
            FROM "Order" o
           WHERE o."shopId" = ${shopId} AND ${countedOrderSql("o")}
        ), shop AS (
          SELECT COUNT(gap)::int AS gaps,
                 CASE WHEN COUNT(gap) >= ${MIN_SHOP_GAPS}::int THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) END AS median
            FROM counted
        ), per_customer AS (
          SELECT customer, COUNT(*)::int AS orders, MIN(placed_at) AS first_at, MAX(placed_at) AS last_at,
                 EXTRACT(EPOCH FROM MAX(placed_at) - MIN(placed_at))::float8 / 86400 AS span
            FROM counted GROUP BY customer HAVING COUNT(*) >= 2
        ), predicted AS (
          -- expectedGapDays (next-order.ts): the span over its gaps, shrunk toward the shop's median by PRIOR_GAPS of it.
          SELECT p.customer, p.orders, p.first_at, p.last_at, p.span / (p.orders - 1) AS mean_gap,
                 GREATEST(${MIN_EXPECTED_GAP_DAYS}::float8,
                          CASE WHEN s.median IS NULL THEN p.span / (p.orders - 1)
                               ELSE (p.span + ${PRIOR_GAPS}::float8 * s.median) / (p.orders - 1 + ${PRIOR_GAPS}::float8) END) AS expected_gap
            FROM per_customer p CROSS JOIN shop s
        ), removed AS (
          DELETE FROM "NextOrderPrediction" n
           WHERE n."shopId" = ${shopId} AND NOT EXISTS (SELECT 1 FROM per_customer p WHERE p.customer = n."customerShopifyId")
        ), written AS (
          INSERT INTO "NextOrderPrediction" AS n ("shopId", "customerShopifyId", orders, "firstOrderAt", "lastOrderAt", "meanGapDays", "expectedGapDays", "expectedNextAt")
          SELECT ${shopId}, p.customer, p.orders, p.first_at, p.last_at, p.mean_gap, p.expected_gap, p.last_at + p.expected_gap * interval '1 day'
            FROM predicted p
          ON CONFLICT ("shopId", "customerShopifyId") DO UPDATE
             SET orders = EXCLUDED.orders, "firstOrderAt" = EXCLUDED."firstOrderAt", "lastOrderAt" = EXCLUDED."lastOrderAt",
                 "meanGapDays" = EXCLUDED."meanGapDays", "expectedGapDays" = EXCLUDED."expectedGapDays", "expectedNextAt" = EXCLUDED."expectedNextAt"
           WHERE (n.orders, n."firstOrderAt", n."lastOrderAt", n."meanGapDays", n."expectedGapDays")
                 IS DISTINCT FROM (EXCLUDED.orders, EXCLUDED."firstOrderAt", EXCLUDED."lastOrderAt", EXCLUDED."meanGapDays", EXCLUDED."expectedGapDays")
        )
        INSERT INTO "NextOrderState" ("shopId", "computedAt", gaps, "medianGapDays", customers)
        SELECT ${shopId}, ${now}, s.gaps, s.median, (SELECT COUNT(*)::int FROM per_customer) FROM shop s
        ON CONFLICT ("shopId") DO UPDATE
           SET "computedAt" = EXCLUDED."computedAt", gaps = EXCLUDED.gaps, "medianGapDays" = EXCLUDED."medianGapDays", customers = EXCLUDED.customers
        RETURNING customers`;
      return state.customers;
    },
    { timeout: RECOMPUTE_TIMEOUT_MS, maxWait: 60_000 },
  );
}

export interface CustomerNextOrder {
  /** "own": 2 or more counted orders, their own expected gap; "shop": one order, the shop's median gap. */
  basis: "own" | "shop";
  orders: number;
  /** Their own mean gap (days); null on the shop's basis. */
  meanGapDays: number | null;
  expectedGapDays: number;
  /** The shop's median gap (days), or null with too few gaps. */
  shopMedianGapDays: number | null;
  expectedAt: string;
  overdue: boolean;
  overdueDays: number;
  chanceOfGapThisLong: number;
  /** When the predictions were last recomputed. */
  computedAt: string;
}

function outlookJson(outlook: NextOrderOutlook) {
  return {
    expectedAt: outlook.expectedAt.toISOString(),
    overdue: outlook.overdue,
    overdueDays: outlook.overdueDays,
    chanceOfGapThisLong: outlook.chanceOfGapThisLong,
  };
}

/**
 * The customer's next order as last predicted: their own for 2 or more counted orders; for one
 * order, their last counted order plus the shop's median gap; null before the first recompute, with
 * no counted order, with one order in a shop without a median, or with a second order the recompute
 * has not taken in yet.
 */
export async function customerNextOrder(
  db: Db,
  shopId: string,
  customer: { shopifyId: string; orders: number; lastOrderAt: Date | null },
  now: Date,
): Promise<CustomerNextOrder | null> {
  const { shopifyId: customerShopifyId, orders, lastOrderAt } = customer;
  const [prediction, state] = await Promise.all([
    db.nextOrderPrediction.findUnique({ where: { shopId_customerShopifyId: { shopId, customerShopifyId } } }),
    db.nextOrderState.findUnique({ where: { shopId } }),
  ]);
  if (!state) return null;
  const shopMedianGapDays = state.medianGapDays;
  if (prediction) {
    return {
      basis: "own",
      orders: prediction.orders,
      meanGapDays: prediction.meanGapDays,
      expectedGapDays: prediction.expectedGapDays,
      shopMedianGapDays,
      computedAt: state.computedAt.toISOString(),
      ...outlookJson(nextOrderOutlook(prediction.lastOrderAt, prediction.expectedGapDays, now)),
    };
  }
  // A second order not yet taken in by the recompute: no guess until it is (within a minute of the order).
  if (orders !== 1 || !lastOrderAt || shopMedianGapDays === null) return null;
  const expectedGapDays = Math.max(MIN_EXPECTED_GAP_DAYS, shopMedianGapDays);
  return {
    basis: "shop",
    orders: 1,
    meanGapDays: null,
    expectedGapDays,
    shopMedianGapDays,
    computedAt: state.computedAt.toISOString(),
    ...outlookJson(nextOrderOutlook(lastOrderAt, expectedGapDays, now)),
  };
}
