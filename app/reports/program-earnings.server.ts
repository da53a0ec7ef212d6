/**
 * What the loyalty program earns (the dashboard's "What the program earns", `npm run report`): points
 * issued, redeemed and expired, the redemption rate, points outstanding at each month's end and their
 * money value, the orders and sales that used a code the app created (reward, referral, follow-up),
 * and what each kind of follow-up was followed by. Definitions: METRIC_DEFINITIONS in metrics.ts.
 *
 * The points come from the ledger's day sums (points-days.server.ts); attribution and follow-up
 * results are one grouped statement each, on indexes made for them: the orders holding a code, and
 * FollowUp by shop and send time with the recipients' report rows by customer and time (their
 * counted orders and sales; the caller keeps the report rows current, as for every period figure).
 */
import type { PrismaClient } from "../generated/prisma/client";
import { Prisma } from "../generated/prisma/client";
import { countedOrderSql } from "../orders/vocabulary.server";
import { ORDER_SALES_SQL, addDays, addMonths, moneyValueOfPoints, monthOf, ratio, roundMoney, type Period } from "./metrics";
import { midnight, pointsSums } from "./points-days.server";

export interface PointsMonth {
  /** First day of the month (shop's time zone). */
  month: string;
  issued: number;
  redeemed: number;
  expired: number;
  /** Every balance summed at the end of the month (or at `to` for the month still running). */
  outstanding: number;
  /** outstanding × the money rate, 2 decimals; null without a rate. */
  outstandingValue: string | null;
}

export interface AttributedSource {
  orders: number;
  /** 2 decimals. */
  revenue: string;
}

export interface FollowUpResult {
  kind: "THANK_YOU" | "NEXT_PURCHASE" | "REPLENISHMENT" | "WIN_BACK";
  sent: number;
  /** Counted orders by the recipients within 30 days after a send. */
  ordersWithin30Days: number;
  /** 2 decimals. */
  revenue: string;
}

export interface ProgramEarnings {
  pointsIssued: number;
  pointsRedeemed: number;
  pointsExpired: number;
  /** pointsRedeemed ÷ pointsIssued, 4 decimals; null when none were issued. */
  redemptionRate: number | null;
  /** What one point is worth when outstanding points are valued: the best active amount-off reward. */
  pointValue: { amountOff: string; pointsCost: number; rewardName: string } | null;
  pointsByMonth: PointsMonth[];
  attributedRevenue: { reward: AttributedSource; referral: AttributedSource; followUp: AttributedSource };
  followUps: FollowUpResult[];
}

const FOLLOW_UP_KINDS: FollowUpResult["kind"][] = ["THANK_YOU", "NEXT_PURCHASE", "REPLENISHMENT", "WIN_BACK"];

/** Local midnight at the start of `day` (YYYY-MM-DD) in the shop's time zone (points-days.server.ts). */
const localMidnight = (day: string, timezone: string) => midnight(Prisma.sql`${day}::date`, timezone);

interface ShopForEarnings {
  id: string;
  ianaTimezone: string;
}

/**
 * `outstandingNow`: every balance summed today (pointsLiability in ledger.server.ts, which the report
 * reads anyway); the months' outstanding points are worked back from it.
 */
export async function programEarnings(db: PrismaClient, shop: ShopForEarnings, period: Period, months: number, outstandingNow: number): Promise<ProgramEarnings> {
  const [periodPoints, pointsByMonth, pointValue, attributedRevenue, followUps] = await Promise.all([
    pointsInPeriod(db, shop, period),
    pointsMonths(db, shop, period.to, months, outstandingNow),
    bestPointValue(db, shop.id),
    attributed(db, shop, period),
    followUpResults(db, shop, period),
  ]);
  return {
    ...periodPoints,
    redemptionRate: ratio(periodPoints.pointsRedeemed, periodPoints.pointsIssued),
    pointValue,
    pointsByMonth: pointsByMonth.map((month) => ({
      ...month,
      outstandingValue: pointValue ? moneyValueOfPoints(month.outstanding, pointValue.amountOff, pointValue.pointsCost) : null,
    })),
    attributedRevenue,
    followUps,
  };
}

async function pointsInPeriod(db: PrismaClient, shop: ShopForEarnings, period: Period) {
  const [sums] = await pointsSums(db, shop, [period]);
  return { pointsIssued: sums.issued, pointsRedeemed: sums.redeemed, pointsExpired: sums.expired };
}

/**
 * The `months` months up to `to`'s month, each a range of days (points-days.server.ts: the summed
 * days, then the ledger's entries since); the outstanding points at a month's end are the shop's
 * outstanding points now less everything written after that end, so no history before the chart is read.
 */
async function pointsMonths(
  db: PrismaClient,
  shop: ShopForEarnings,
  to: string,
  months: number,
  outstandingNow: number,
): Promise<Omit<PointsMonth, "outstandingValue">[]> {
  const first = addMonths(monthOf(to), -(months - 1));
  const starts = Array.from({ length: months }, (_, index) => addMonths(first, index));
  // Each month ends the day before the next one's start, the last on `to` (a month still running).
  const ends = starts.map((start, index) => (index === months - 1 ? to : addDays(starts[index + 1], -1)));
  const sums = await pointsSums(db, shop, [...starts.map((start, index) => ({ from: start, to: ends[index] })), { from: addDays(to, 1), to: null }]);
  const after = sums[months];
  // Walk back from the end of `to`: a month's end holds what the next month's end holds less that month's net.
  let outstanding = outstandingNow - after.net;
  const result: Omit<PointsMonth, "outstandingValue">[] = [];
  for (let index = months - 1; index >= 0; index--) {
    const month = sums[index];
    result.unshift({ month: starts[index], issued: month.issued, redeemed: month.redeemed, expired: month.expired, outstanding });
    outstanding -= month.net;
  }
  return result;
}

async function bestPointValue(db: PrismaClient, shopId: string): Promise<ProgramEarnings["pointValue"]> {
  const [row] = await db.$queryRaw<{ name: string; amount_off: string; points_cost: number }[]>`
    SELECT name, "amountOff"::text AS amount_off, "pointsCost" AS points_cost FROM "Reward"
     WHERE "shopId" = ${shopId} AND active AND kind = 'AMOUNT_OFF' AND "amountOff" > 0 AND "pointsCost" > 0
     ORDER BY "amountOff" / "pointsCost" DESC, id LIMIT 1`;
  return row ? { amountOff: row.amount_off, pointsCost: Number(row.points_cost), rewardName: row.name } : null;
}

/** Every spelling of the `codes` CTE's (upper-case) codes an order may carry, as the `spellings` CTE's one array. */
const CODE_SPELLINGS = Prisma.sql`spellings AS (
      SELECT array_agg(DISTINCT spelling) AS any_of FROM codes, LATERAL (VALUES (code), (lower(code))) AS s(spelling)
    )`;

/**
 * Counted orders of the period carrying a code the app created, matched whatever their case. The
 * period's orders holding any discount code are read by a partial index of them, each of their codes
 * is looked up in the shop's codes (one hash of them), and an order counts once per kind of code.
 * (Asking the discount codes' GIN index for every spelling of every code the app made costs the
 * codes times the matches: seconds with ten thousand win-back codes.)
 */
async function attributed(db: PrismaClient, shop: ShopForEarnings, period: Period): Promise<ProgramEarnings["attributedRevenue"]> {
  const rows = await db.$queryRaw<{ source: string; orders: number; revenue: string }[]>`
    WITH codes AS (
      SELECT upper(code) AS code, 'reward' AS source FROM "Redemption" WHERE "shopId" = ${shop.id}
      UNION SELECT upper(code), 'referral' FROM "ReferralDiscount" WHERE "shopId" = ${shop.id}
      UNION SELECT upper("discountCode"), 'followUp' FROM "FollowUp" WHERE "shopId" = ${shop.id} AND "discountCode" IS NOT NULL
    ), coded AS (
      SELECT DISTINCT o.id, codes.source, ${Prisma.raw(ORDER_SALES_SQL("o"))} AS revenue
        FROM "Order" o
        CROSS JOIN LATERAL unnest(o."discountCodes") AS used(code)
        JOIN codes ON codes.code = upper(used.code)
       WHERE o."shopId" = ${shop.id} AND o."discountCodes" <> '{}' AND ${countedOrderSql("o")}
         AND o."placedAt" >= ${localMidnight(period.from, shop.ianaTimezone)}
         AND o."placedAt" < ${localMidnight(addDays(period.to, 1), shop.ianaTimezone)}
    )
    SELECT source, COUNT(*)::int AS orders, COALESCE(SUM(revenue), 0)::text AS revenue
      FROM coded
     GROUP BY source`;
  const of = (source: string): AttributedSource => {
    const row = rows.find((candidate) => candidate.source === source);
    return { orders: Number(row?.orders ?? 0), revenue: roundMoney(row?.revenue ?? "0") };
  };
  return { reward: of("reward"), referral: of("referral"), followUp: of("followUp") };
}

/** Sends of the period by kind, and the distinct counted orders their recipients placed within 30 days after a send. */
async function followUpResults(db: PrismaClient, shop: ShopForEarnings, period: Period): Promise<FollowUpResult[]> {
  const rows = await db.$queryRaw<{ kind: string; sent: number; orders: number; revenue: string }[]>`
    WITH sent AS (
      SELECT kind, "customerShopifyId" AS customer, "sentAt" AS sent_at FROM "FollowUp"
       WHERE "shopId" = ${shop.id} AND status = 'SENT' AND "sentAt" >= ${localMidnight(period.from, shop.ianaTimezone)}
         AND "sentAt" < ${localMidnight(addDays(period.to, 1), shop.ianaTimezone)}
    ), followed AS (
      -- The recipients' counted orders with their sales, from their report rows by (customer, time) alone.
      SELECT DISTINCT s.kind, r."orderShopifyId" AS order_id, r.revenue
        FROM sent s JOIN "ReportOrder" r ON r."shopId" = ${shop.id} AND r."customerShopifyId" = s.customer
         AND r."placedAt" > s.sent_at AND r."placedAt" <= s.sent_at + interval '30 days'
    )
    SELECT k.kind, (SELECT COUNT(*)::int FROM sent WHERE sent.kind::text = k.kind) AS sent,
           COUNT(f.order_id)::int AS orders, COALESCE(SUM(f.revenue), 0)::text AS revenue
      FROM unnest(${FOLLOW_UP_KINDS}::text[]) AS k(kind) LEFT JOIN followed f ON f.kind::text = k.kind
     GROUP BY k.kind`;
  return FOLLOW_UP_KINDS.map((kind) => {
    const row = rows.find((candidate) => candidate.kind === kind);
    return { kind, sent: Number(row?.sent ?? 0), ordersWithin30Days: Number(row?.orders ?? 0), revenue: roundMoney(row?.revenue ?? "0") };
  });
}

/**
 * A campaign's orders: counted orders carrying the code sent to one of its recipients, placed within
 * `days` days after that email was sent, matched whatever their case like `attributed`, with the
 * same Sales. A campaign's codes are few, so its orders are found through the discount codes' GIN
 * index by every spelling of them. Campaign codes also count in the program's follow-up figure above.
 */
export async function campaignAttribution(db: PrismaClient, shopId: string, campaignId: string, days: number): Promise<AttributedSource> {
  const [row] = await db.$queryRaw<{ orders: number; revenue: string }[]>`
    WITH codes AS (
      SELECT upper("discountCode") AS code, "sentAt" AS sent_at FROM "FollowUp"
       WHERE "shopId" = ${shopId} AND "campaignId" = ${campaignId} AND status = 'SENT' AND "discountCode" IS NOT NULL
    ), ${CODE_SPELLINGS}, coded AS (
      SELECT o.id, o."discountCodes", o."placedAt", ${Prisma.raw(ORDER_SALES_SQL("o"))} AS revenue
        FROM "Order" o, spellings
       WHERE o."shopId" = ${shopId} AND o."discountCodes" && spellings.any_of AND ${countedOrderSql("o")}
    )
    SELECT COUNT(*)::int AS orders, COALESCE(SUM(o.revenue), 0)::text AS revenue
      FROM coded o
     WHERE EXISTS (SELECT 1 FROM codes, unnest(o."discountCodes") AS used(code)
                    -- Shopify stamps an order to the second: an order in the second of the send is after it.
                    WHERE codes.code = upper(used.code) AND o."placedAt" >= date_trunc('second', codes.sent_at)
                      AND o."placedAt" < codes.sent_at + make_interval(days => ${days}::int))`;
  return { orders: Number(row?.orders ?? 0), revenue: roundMoney(row?.revenue ?? "0") };
}
