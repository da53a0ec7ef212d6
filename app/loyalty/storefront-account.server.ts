/**
 * What the storefront widget shows a shopper (GET /apps/loyalty/customer through the app proxy): the
 * program's ways to earn and reward catalogue for everyone, and a signed-in customer's balance, the
 * codes they redeemed, recent history, referral link and the ways to earn still open to them.
 * The shape is the widget's contract (storefront-widget/loyalty-widget.js).
 */
import type pg from "pg";

import { sharesOneSession } from "../embedded-database.server";
import { completedPurchaseSql } from "../orders/vocabulary.server";
import { comingPointsExpiry, type PointsReason } from "./points-rules";
import { rewardLimitText } from "./rewards.server";
import { SURVEY_SCALES, type SurveyType } from "../surveys/scores";
import { tierRefusalText } from "./tier-rules";
import type { StorefrontTiers } from "./tiers.server";

/** The storefront path the app proxy serves (shopify.app.toml: [app_proxy] prefix/subpath). */
export const APP_PROXY_PATH = "/apps/loyalty";
export const HISTORY_LIMIT = 10;
/** Redeemed codes shown: every unused one first, then the latest used or expired. */
export const MY_REWARDS_LIMIT = 10;

export type WayToEarn = "welcome" | "spend" | "second_order" | "referral" | "birthday";
/** A redeemed code as the shopper sees it: "expired" from its end date, "used" once an order carried it; "credited": store credit on their account. */
export type MyRewardStatus = "unused" | "used" | "expired" | "credited";

export interface StorefrontAccount {
  customer: { id: string; firstName: string | null } | null;
  points: { balance: number; pending: number };
  /** The spendable points that expire next and when (ISO), absent when nothing will expire. */
  expiring?: { points: number; expiresAt: string };
  referral: { code: string; url: string } | null;
  /**
   * The active catalogue, cheapest first; a guest sees it too, nothing affordable. `image`: a free
   * product's picture; `note`: its limits ("Once every 30 days"); `needs`: the balance it takes when a
   * minimum balance asks more than its cost; `tier`: the tier it is for (tier-only rewards), `locked`: why
   * a signed-in customer below that tier cannot redeem it. Each is absent when there is none.
   */
  rewards: { id: string; name: string; cost: number; affordable: boolean; image?: string; note?: string; needs?: number; tier?: string; locked?: string }[];
  /** Unused codes and store credit (soonest ending first), then used and expired ones (newest first). `credit`: store credit's amount, shown instead of a code. */
  myRewards: { code: string; name: string; endsAt: string; status: MyRewardStatus; credit?: string }[];
  history: { at: string; points: number; reason: string }[];
  /** For a guest every rule switched on; for a customer only what they can still earn. */
  waysToEarn: { kind: WayToEarn; title: string; points: string }[];
  /** pendingDays: days after an order before its points can be spent (0: at once); timezone: the shop's, for every date shown. */
  program: { pointsName: string; pendingDays: number; timezone: string };
  /**
   * The birthday a signed-in customer gave, as an ISO month-day ("--MM-DD"; null: not given yet),
   * present only when the program gives birthday points; set with POST /apps/loyalty/birthday or
   * /customer-account/birthday.
   */
  birthday?: string | null;
  /** The feedback entry's scale (the shop's survey type: NPS 0–10, CSAT 1–5), for a signed-in customer; sent with POST /apps/loyalty/feedback. */
  feedback?: { min: number; max: number };
  /** Present when the shop has VIP tiers (tiers.server.ts `storefrontTiers`): the ladder, and the customer's tier and progress. */
  tiers?: StorefrontTiers["tiers"];
  tier?: StorefrontTiers["tier"];
  firstTier?: StorefrontTiers["firstTier"];
}

interface ProgramForStorefront {
  pointsName: string;
  welcomePoints: number;
  secondPurchaseBonus: number;
  pointsPerCurrencyUnit: number;
  referrerPoints: number;
  birthdayPoints: number;
}

const count = new Intl.NumberFormat("en-US");

/** "100 points"; "1 point" (a plural name ending in "s" loses it for one). */
export function pointsText(points: number, pointsName: string): string {
  const name = Math.abs(points) === 1 && pointsName.length > 1 && pointsName.endsWith("s") ? pointsName.slice(0, -1) : pointsName;
  return `${count.format(points)} ${name}`;
}

/** "$5.00" for a decimal amount in a currency. */
function moneyText(amount: string, currencyCode: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currencyCode }).format(Number(amount));
  } catch {
    return `${amount} ${currencyCode}`;
  }
}

function oneUnitOf(currencyCode: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currencyCode, minimumFractionDigits: 0, maximumFractionDigits: 0 }).format(1);
  } catch {
    return `1 ${currencyCode}`;
  }
}

/** What a signed-in customer has already done; a guest (null) can still do everything. */
export interface CustomerProgress {
  welcomeEarned: boolean;
  /** Completed purchases (isCompletedPurchase), counted up to 2. */
  completedPurchases: number;
}

/**
 * The rules the merchant has switched on (a rule at 0 points earns nothing and is not shown) that
 * this shopper can still earn: the welcome points once, the second-order bonus before a second purchase.
 */
export function waysToEarn(settings: ProgramForStorefront, currencyCode: string, progress: CustomerProgress | null = null): StorefrontAccount["waysToEarn"] {
  const ways: StorefrontAccount["waysToEarn"] = [];
  const way = (kind: WayToEarn, title: string, points: number, open = true) => points > 0 && open && ways.push({ kind, title, points: pointsText(points, settings.pointsName) });
  way("welcome", "Create an account", settings.welcomePoints, !progress?.welcomeEarned);
  way("spend", `Every ${oneUnitOf(currencyCode)} you spend`, settings.pointsPerCurrencyUnit);
  way("second_order", "Your second order", settings.secondPurchaseBonus, (progress?.completedPurchases ?? 0) < 2);
  way("referral", "A friend's first order", settings.referrerPoints);
  way("birthday", "Your birthday", settings.birthdayPoints);
  return ways;
}

/** A redemption's state as the shopper reads it: an issued code past its end is expired, whatever the upkeep has done yet. */
export function myRewardStatus(status: "ISSUED" | "USED" | "EXPIRED" | "CREDITED", endsAt: Date, now: Date): MyRewardStatus {
  if (status === "USED") return "used";
  if (status === "CREDITED") return endsAt <= now ? "expired" : "credited";
  return status === "EXPIRED" || endsAt <= now ? "expired" : "unused";
}

/** "--MM-DD" (ISO 8601's month and day without a year), or null for no birthday. */
export function isoMonthDay(month: number | null, day: number | null): string | null {
  return month === null || day === null ? null : `--${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** The history line a customer reads for a ledger entry. */
export function historyReason(entry: { reason: PointsReason; note: string | null }, orderName: string | null): string {
  const order = orderName ? `order ${orderName}` : "an order";
  switch (entry.reason) {
    case "WELCOME":
      return "Welcome points";
    case "SPEND":
      return orderName ? `Order ${orderName}` : "Points for an order";
    case "SECOND_PURCHASE":
      return "Second order bonus";
    case "SECOND_PURCHASE_REVERSAL":
      return "Second order bonus taken back";
    case "REFUND":
      return `Refund on ${order}`;
    case "CANCELLATION":
      return orderName ? `Order ${orderName} cancelled` : "Cancelled order";
    case "REFERRAL":
      return "A friend's first order";
    case "REDEMPTION":
      return entry.note || "Points redeemed";
    // The merchant's reason is written for the customer to read (adjustPoints).
    case "ADJUSTMENT":
      return entry.note || "Points adjusted";
    case "EXPIRY":
      return "Points expired";
    case "BIRTHDAY":
      return "Birthday points";
    case "IMPORTED":
      return "Points from our previous rewards program";
    case "SURVEY":
      return "Thanks for your feedback";
    case "TIER_BONUS":
      return orderName ? `Tier bonus on order ${orderName}` : "Tier bonus on an order";
    case "TIER_ENTRY":
      return entry.note || "Tier reward";
  }
}

/** What this module needs of the database: the pool's query method and its settings (`pool` from db.server). */
export type SqlQuery = Pick<pg.Pool, "query" | "options">;

/**
 * The widget's data for one shop and shopper. `customerGid` is the signed-in customer (null: a
 * guest). A customer the app has not stored yet (just signed up, webhook still on its way), or one
 * deleted or redacted, gets a zero balance and no referral link rather than an error.
 * Returns null when the shop has not installed the app.
 */
export async function storefrontAccount(sql: SqlQuery, shopDomain: string, customerGid: string | null, now = new Date()): Promise<StorefrontAccount | null> {
  // Everything in one statement, sent as plain SQL: it runs on every panel opening of every shopper.
  const name = sharesOneSession(sql.options.connectionString) ? {} : { name: "storefront-account" };
  const { rows } = await sql.query<AccountRow>({ ...name, text: ACCOUNT_SQL, values: [shopDomain, customerGid, now.toISOString(), HISTORY_LIMIT, MY_REWARDS_LIMIT] });
  const [row] = rows;
  if (!row || row.uninstalled) return null;
  const known = customerGid !== null && row.customerStored && !row.customerGone;
  const balance = known ? Number(row.available ?? 0) : 0;
  const shared = {
    rewards: (row.rewards ?? []).map((reward) => {
      const needs = Math.max(reward.cost, reward.minimumBalance ?? 0);
      const note = rewardLimitText(reward, row.pointsName);
      // A tier-only reward says so to everyone; a customer below its tier cannot afford it, whatever their balance.
      const locked = reward.minTier ? tierRefusalText(reward.minTier, known ? row.heldTier : null) : null;
      return {
        id: reward.id,
        name: reward.name,
        cost: reward.cost,
        affordable: needs <= balance && !locked,
        ...(reward.minTier ? { tier: reward.minTier.name } : {}),
        ...(locked && known ? { locked } : {}),
        ...(reward.image ? { image: reward.image } : {}),
        ...(note ? { note } : {}),
        ...(needs > reward.cost ? { needs } : {}),
      };
    }),
    waysToEarn: waysToEarn(row, row.currencyCode, known ? { welcomeEarned: row.welcomeEarned ?? false, completedPurchases: row.completedPurchases } : null),
    program: { pointsName: row.pointsName, pendingDays: row.pendingDays, timezone: row.ianaTimezone },
  };
  const empty = { points: { balance: 0, pending: 0 }, referral: null, myRewards: [], history: [] };
  if (!customerGid) return { customer: null, ...empty, ...shared };
  if (!known) return { customer: { id: customerGid, firstName: row.firstName }, ...empty, ...shared };

  const referralCode = row.referralCode ?? "";
  return {
    customer: { id: customerGid, firstName: row.firstName },
    points: { balance, pending: Number(row.pending ?? 0) },
    referral: { code: referralCode, url: `https://${shopDomain}${APP_PROXY_PATH}/r/${encodeURIComponent(referralCode)}` },
    myRewards: (row.myRewards ?? []).map((mine) => ({
      code: mine.code,
      name: mine.name,
      endsAt: mine.endsAt,
      status: myRewardStatus(mine.status, new Date(mine.endsAt), now),
      ...(mine.creditAmount !== null ? { credit: moneyText(mine.creditAmount, mine.creditCurrency ?? row.currencyCode) } : {}),
    })),
    history: (row.history ?? []).map((entry) => ({ at: entry.at, points: entry.points, reason: historyReason(entry, entry.orderName) })),
    ...shared,
    ...(row.birthdayPoints > 0 ? { birthday: isoMonthDay(row.birthdayMonth, row.birthdayDay) } : {}),
    ...expiringOf(row, balance),
    feedback: { min: SURVEY_SCALES[row.feedbackType ?? "NPS"].min, max: SURVEY_SCALES[row.feedbackType ?? "NPS"].max },
  };
}

/** The coming expiry, by the expiry rule's own definition of the last activity (`quietBalances` in ledger.server.ts). */
function expiringOf(row: AccountRow, spendable: number): { expiring?: { points: number; expiresAt: string } } {
  const stamps = [row.lastEntryAt, row.lastOrderAt].flatMap((stamp) => (stamp ? [new Date(stamp).getTime()] : []));
  if (stamps.length === 0) return {};
  const coming = comingPointsExpiry({ lastActivityAt: new Date(Math.max(...stamps)), spendable }, row.expiryMonths);
  return coming ? { expiring: { points: coming.points, expiresAt: coming.expiresAt.toISOString() } } : {};
}

interface AccountRow extends ProgramForStorefront {
  currencyCode: string;
  ianaTimezone: string;
  pendingDays: number;
  uninstalled: boolean;
  customerStored: boolean;
  customerGone: boolean;
  firstName: string | null;
  referralCode: string | null;
  birthdayMonth: number | null;
  birthdayDay: number | null;
  /** The shop's survey type; null before its follow-up settings exist (NPS, the default). */
  feedbackType: SurveyType | null;
  /** SUM of an integer column: PostgreSQL's bigint, which pg hands over as a string. */
  available: string | null;
  pending: string | null;
  welcomeEarned: boolean | null;
  expiryMonths: number | null;
  lastEntryAt: string | null;
  lastOrderAt: string | null;
  completedPurchases: number;
  myRewards: { code: string; name: string; endsAt: string; status: "ISSUED" | "USED" | "EXPIRED" | "CREDITED"; creditAmount: string | null; creditCurrency: string | null }[] | null;
  history: { at: string; points: number; reason: PointsReason; note: string | null; orderName: string | null }[] | null;
  rewards:
    | {
        id: string;
        name: string;
        cost: number;
        image: string | null;
        limitPerCustomer: number | null;
        limitPeriodDays: number | null;
        minimumBalance: number | null;
        minTier: { name: string; threshold: number } | null;
      }[]
    | null;
  /** The customer's tier as last computed (null: none, or a guest). */
  heldTier: { name: string; threshold: number } | null;
}

// $1 shop domain, $2 customer GID (null: a guest), $3 now (ISO, UTC), $4 history length, $5 redeemed
// codes shown. Every table
// is reached through the shop's id, so one shop's domain never reads another's rows. Dates are
// stored as UTC timestamps without a zone: compared and printed in UTC, whatever the process's zone.
const ACCOUNT_SQL = `
  SELECT s."currencyCode", s."ianaTimezone", s."uninstalledAt" IS NOT NULL AS uninstalled,
         p."pointsName", p."welcomePoints", p."secondPurchaseBonus", p."pointsPerCurrencyUnit", p."referrerPoints", p."birthdayPoints", p."pendingDays", p."expiryMonths",
         c.id IS NOT NULL AS "customerStored", (c."deletedAt" IS NOT NULL OR c."redactedAt" IS NOT NULL) AS "customerGone",
         c."firstName", c."referralCode", c."birthdayMonth", c."birthdayDay", balance.available, balance.pending, balance."welcomeEarned", balance."lastEntryAt",
         (SELECT to_char(MAX(o."placedAt"), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM "Order" o
           WHERE p."expiryMonths" IS NOT NULL AND o."shopId" = s.id AND o."customerShopifyId" = c."shopifyId") AS "lastOrderAt", purchases.count AS "completedPurchases",
         mine.list AS "myRewards", history.entries AS history, rewards.list AS rewards,
         (SELECT f."surveyType"::text FROM "FollowUpSettings" f WHERE f."shopId" = s.id) AS "feedbackType",
         (SELECT json_build_object('name', t.name, 'threshold', t.threshold) FROM "CustomerTier" ct JOIN "Tier" t ON t.id = ct."tierId"
           WHERE ct."customerId" = c.id AND ct."shopId" = s.id) AS "heldTier"
    FROM "Shop" s
    JOIN "ProgramSettings" p ON p."shopId" = s.id
    LEFT JOIN "Customer" c ON c."shopId" = s.id AND c."shopifyId" = $2
    LEFT JOIN LATERAL (
      SELECT SUM(e.points) FILTER (WHERE e."availableAt" <= ($3::timestamptz AT TIME ZONE 'UTC')) AS available,
             SUM(e.points) FILTER (WHERE e."availableAt" > ($3::timestamptz AT TIME ZONE 'UTC')) AS pending,
             bool_or(e.reason = 'WELCOME') AS "welcomeEarned",
             to_char(MAX(e."createdAt"), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastEntryAt"
        FROM "PointsLedgerEntry" e
       WHERE e."shopId" = s.id AND e."customerId" = c.id
    ) balance ON true
    LEFT JOIN LATERAL (
      SELECT COUNT(*)::int AS count
        FROM (SELECT 1 FROM "Order" o
               WHERE o."shopId" = s.id AND o."customerShopifyId" = c."shopifyId" AND ${completedPurchaseSql("o").text}
               LIMIT 2) two
    ) purchases ON true
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object(
               'code', m.code, 'name', m.name, 'status', m.status,
               'endsAt', to_char(m."endsAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'creditAmount', m."creditAmount"::text, 'creditCurrency', m."creditCurrency"
             ) ORDER BY m.unused DESC, CASE WHEN m.unused THEN m."endsAt" END, m."createdAt" DESC) AS list
        FROM (SELECT r.code, w.name, r.status, r."endsAt", r."createdAt", r."creditAmount", r."creditCurrency",
                     r.status IN ('ISSUED', 'CREDITED') AND r."endsAt" > ($3::timestamptz AT TIME ZONE 'UTC') AS unused
                FROM "Redemption" r
                JOIN "Reward" w ON w.id = r."rewardId"
               WHERE r."shopId" = s.id AND r."customerId" = c.id AND r.status IN ('ISSUED', 'USED', 'EXPIRED', 'CREDITED')
               ORDER BY unused DESC, r."createdAt" DESC
               LIMIT $5) m
    ) mine ON true
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object(
               'at', to_char(h."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'points', h.points,
               'reason', h.reason, 'note', h.note, 'orderName', h."orderName"
             ) ORDER BY h."createdAt" DESC, h.id DESC) AS entries
        FROM (SELECT e.id, e.points, e.reason, e.note, e."createdAt", o.name AS "orderName"
                FROM "PointsLedgerEntry" e
                LEFT JOIN "Order" o ON e.source = 'ORDER' AND o."shopId" = e."shopId" AND o."shopifyId" = e."sourceId"
               WHERE e."shopId" = s.id AND e."customerId" = c.id
               ORDER BY e."createdAt" DESC, e.id DESC
               LIMIT $4) h
    ) history ON true
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object(
               'id', r.id, 'name', r.name, 'cost', r."pointsCost", 'image', r."productImageUrl",
               'limitPerCustomer', r."limitPerCustomer", 'limitPeriodDays', r."limitPeriodDays", 'minimumBalance', r."minimumBalance",
               'minTier', CASE WHEN t.id IS NULL THEN NULL ELSE json_build_object('name', t.name, 'threshold', t.threshold) END
             ) ORDER BY r."pointsCost", r."createdAt") AS list
        FROM "Reward" r
        LEFT JOIN "Tier" t ON t.id = r."minTierId" AND t."shopId" = s.id
       WHERE r."shopId" = s.id AND r.active
    ) rewards ON true
   WHERE s.domain = $1`;
