/**
 * What the storefront widget shows a shopper (GET /apps/loyalty/customer through the app proxy): the
 * program's ways to earn for everyone, and a signed-in customer's balance, recent history and
 * referral link. The shape is the widget's contract (extensions/loyalty-widget/assets/loyalty-widget.js).
 */
import type { PrismaClient } from "../generated/prisma/client";
import { pointsBalance } from "./ledger.server";
import type { PointsReason } from "./points-rules";
import { activeRewards } from "./rewards.server";

/** The storefront path the app proxy serves (shopify.app.toml: [app_proxy] prefix/subpath). */
export const APP_PROXY_PATH = "/apps/loyalty";
export const HISTORY_LIMIT = 10;

export interface StorefrontAccount {
  customer: { id: string; firstName: string | null } | null;
  points: { balance: number; pending: number };
  referral: { code: string; url: string } | null;
  rewards: { id: string; name: string; cost: number; affordable: boolean }[];
  history: { at: string; points: number; reason: string }[];
  waysToEarn: { title: string; points: string }[];
  program: { pointsName: string };
}

interface ProgramForStorefront {
  pointsName: string;
  welcomePoints: number;
  secondPurchaseBonus: number;
  pointsPerCurrencyUnit: number;
  referrerPoints: number;
}

interface ShopAndCustomerRow extends ProgramForStorefront {
  id: string;
  currencyCode: string;
  uninstalledAt: Date | null;
  customerId: string | null;
  firstName: string | null;
  referralCode: string | null;
  deletedAt: Date | null;
  redactedAt: Date | null;
}

const count = new Intl.NumberFormat("en-US");

/** "100 points"; "1 point" (a plural name ending in "s" loses it for one). */
export function pointsText(points: number, pointsName: string): string {
  const name = Math.abs(points) === 1 && pointsName.length > 1 && pointsName.endsWith("s") ? pointsName.slice(0, -1) : pointsName;
  return `${count.format(points)} ${name}`;
}

function oneUnitOf(currencyCode: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currencyCode, minimumFractionDigits: 0, maximumFractionDigits: 0 }).format(1);
  } catch {
    return `1 ${currencyCode}`;
  }
}

/** The rules the merchant has switched on (a rule at 0 points earns nothing and is not shown). */
export function waysToEarn(settings: ProgramForStorefront, currencyCode: string): StorefrontAccount["waysToEarn"] {
  const ways: StorefrontAccount["waysToEarn"] = [];
  const way = (title: string, points: number) => points > 0 && ways.push({ title, points: pointsText(points, settings.pointsName) });
  way("Create an account", settings.welcomePoints);
  way(`Every ${oneUnitOf(currencyCode)} you spend`, settings.pointsPerCurrencyUnit);
  way("Your second order", settings.secondPurchaseBonus);
  way("A friend's first order", settings.referrerPoints);
  return ways;
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
  }
}

/**
 * The widget's data for one shop and shopper. `customerGid` is the signed-in customer (null: a
 * guest). A customer the app has not stored yet (just signed up, webhook still on its way), or one
 * deleted or redacted, gets a zero balance and no referral link rather than an error.
 * Returns null when the shop has not installed the app.
 */
export async function storefrontAccount(db: PrismaClient, shopDomain: string, customerGid: string | null, now = new Date()): Promise<StorefrontAccount | null> {
  // The shop, its program and the customer in one query: it runs on every panel opening.
  const [row] = await db.$queryRaw<ShopAndCustomerRow[]>`
    SELECT s.id, s."currencyCode", s."uninstalledAt",
           p."pointsName", p."welcomePoints", p."secondPurchaseBonus", p."pointsPerCurrencyUnit", p."referrerPoints",
           c.id AS "customerId", c."firstName", c."referralCode", c."deletedAt", c."redactedAt"
      FROM "Shop" s
      JOIN "ProgramSettings" p ON p."shopId" = s.id
      LEFT JOIN "Customer" c ON c."shopId" = s.id AND c."shopifyId" = ${customerGid}
     WHERE s.domain = ${shopDomain}`;
  if (!row || row.uninstalledAt) return null;
  const shop = { id: row.id, currencyCode: row.currencyCode };
  const settings = row;
  const program = { waysToEarn: waysToEarn(settings, shop.currencyCode), program: { pointsName: settings.pointsName } };
  const empty = { points: { balance: 0, pending: 0 }, referral: null, rewards: [], history: [] };
  if (!customerGid) return { customer: null, ...empty, ...program };
  const customer = row.customerId
    ? { id: row.customerId, firstName: row.firstName, referralCode: row.referralCode ?? "", deletedAt: row.deletedAt, redactedAt: row.redactedAt }
    : null;

  if (!customer || customer.deletedAt || customer.redactedAt) {
    return { customer: { id: customerGid, firstName: customer?.firstName ?? null }, ...empty, ...program };
  }

  const [balance, entries, rewards] = await Promise.all([
    pointsBalance(db, customer.id, now),
    // The history with each order's name, in one query.
    db.$queryRaw<{ points: number; reason: PointsReason; note: string | null; createdAt: Date; orderName: string | null }[]>`
      SELECT e.points, e.reason, e.note, e."createdAt", o.name AS "orderName"
        FROM "PointsLedgerEntry" e
        LEFT JOIN "Order" o ON e.source = 'ORDER' AND o."shopId" = e."shopId" AND o."shopifyId" = e."sourceId"
       WHERE e."customerId" = ${customer.id}
       ORDER BY e."createdAt" DESC, e.id DESC
       LIMIT ${HISTORY_LIMIT}`,
    activeRewards(db, shop.id),
  ]);

  return {
    customer: { id: customerGid, firstName: customer.firstName },
    points: { balance: balance.available, pending: balance.pending },
    referral: { code: customer.referralCode, url: `https://${shopDomain}${APP_PROXY_PATH}/r/${encodeURIComponent(customer.referralCode)}` },
    rewards: rewards.map((reward) => ({ id: reward.id, name: reward.name, cost: reward.pointsCost, affordable: reward.pointsCost <= balance.available })),
    history: entries.map((entry) => ({ at: entry.createdAt.toISOString(), points: entry.points, reason: historyReason(entry, entry.orderName) })),
    ...program,
  };
}
