/**
 * Predicted next orders and rhythm-timed win-backs on a real database, against answers worked by hand.
 *
 * The shop "rhythm", on 2026-12-01 12:00 UTC (each customer's counted orders, in days before then):
 *
 *   A: 130, 100, 70        gaps 30, 30       span 60, 2 gaps, own mean 30
 *   B: 20, 10              gap 10            span 10, 1 gap,  own mean 10
 *   C: 205, 185, 155, 95   gaps 20, 30, 60   span 110, 3 gaps, own mean 36.67
 *   D: 300, 200            gap 100           span 100, 1 gap
 *   H: 80, 70              gap 10            span 10, 1 gap
 *   E: 50                  one order
 *
 * (plus a cancelled order of E 5 days ago, a test order of B 3 days ago and a guest checkout: none counts).
 * The shop's 8 gaps sorted: 10 10 20 30 30 30 60 100, median (30 + 30) / 2 = 30 days.
 * Expected gap = (span + 2 × 30) / (gaps + 2):
 *   A (60 + 60) / 4 = 30      next 70 − 30 = 40 days ago: overdue by 40, e^(−70/30) = 0.0970
 *   B (10 + 60) / 3 = 23.33   next 10 days ago + 23.33 = in 13.33 days: on rhythm, e^(−10/23.33) = 0.6514
 *   C (110 + 60) / 5 = 34     next 95 − 34 = 61 days ago
 *   D (100 + 60) / 3 = 53.33  next 200 − 53.33 = 146.67 days ago: overdue by 146
 *   H (10 + 60) / 3 = 23.33   next 70 − 23.33 = 46.67 days ago
 *   E one order: the shop's 30 days, next 50 − 30 = 20 days ago: overdue by 20
 *
 * Win-back, on since before the window (catch-up: lapses in the last 30 days):
 * - fixed, 60 days: last purchase 60 to 90 days ago: A (70) and H (70); not C (95), E (50).
 * - rhythm, grace 1.5: lapse = last + max(14, 1.5 × expected gap): A 70 − 45 = 25 days ago (in),
 *   B in 25 days, C 95 − 51 = 44 ago, D 200 − 80 = 120 ago, H 70 − 35 = 35 ago (all out), E (one
 *   order, the shop's gap) 50 − 45 = 5 days ago (in): A and E.
 *
 * The shop "tiny" has 2 gaps, too few for a median: F (60, 20 days ago: gap 40), F2 (50, 40: gap 10),
 * G (one order, 75 days ago). Predictions are their own means (40, 10); G has none. Rhythm win-back:
 * F lapses 20 − 60 = in 40 days; F2 at 40 − max(14, 15) = 25 days ago (in); G falls back to the fixed
 * 60 days: 75 − 60 = 15 days ago (in).
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { expectedGapDays, nextOrderOutlook, shopMedianGap } from "../../app/customers/next-order";
import { customerNextOrder, recomputeShopPredictions } from "../../app/customers/next-order.server";
import { customerDataReport } from "../../app/customers/privacy.server";
import { winBackLapseDays } from "../../app/follow-ups/rules";
import { sweepWinBacks } from "../../app/follow-ups/schedule.server";
import { parseFollowUpSettings } from "../../app/follow-ups/settings";
import { PrismaClient } from "../../app/generated/prisma/client";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let db: PrismaClient;
let rhythmShop: string;
let tinyShop: string;
const now = new Date("2026-12-01T12:00:00Z");
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);

let orderNumber = 0;
async function order(shopId: string, customer: string | null, days: number, extra: { cancelled?: boolean; test?: boolean } = {}) {
  const id = ++orderNumber;
  const placedAt = daysAgo(days);
  await db.order.create({
    data: {
      shopId,
      shopifyId: `gid://shopify/Order/${id}`,
      name: `#${id}`,
      customerShopifyId: customer,
      currencyCode: "USD",
      financialStatus: "paid",
      subtotal: "20",
      shipping: "0",
      tax: "0",
      totalDiscounts: "0",
      total: "20",
      discountCodes: [],
      test: extra.test ?? false,
      cancelledAt: extra.cancelled ? placedAt : null,
      placedAt,
      shopifyUpdatedAt: placedAt,
      lineItems: { create: [{ shopifyId: `gid://shopify/LineItem/${id}`, title: "Coffee", quantity: 1, price: "20", discount: "0" }] },
    },
  });
}

const gid = (name: string) => `gid://shopify/Customer/${name}`;

async function shopWith(domain: string, customers: Record<string, number[]>): Promise<string> {
  const shop = await db.shop.create({ data: { domain, ianaTimezone: "UTC", currencyCode: "USD", installedAt: daysAgo(400), settings: { create: {} } } });
  for (const [name, days] of Object.entries(customers)) {
    await db.customer.create({ data: { shopId: shop.id, shopifyId: gid(name), email: `${name.toLowerCase()}@example.com`, referralCode: `${domain}-${name}` } });
    for (const day of days) await order(shop.id, gid(name), day);
  }
  return shop.id;
}

async function predictions(shopId: string) {
  const rows = await db.nextOrderPrediction.findMany({ where: { shopId } });
  return Object.fromEntries(
    rows.map((row) => [
      row.customerShopifyId.replace("gid://shopify/Customer/", ""),
      { orders: row.orders, mean: round(row.meanGapDays), expected: round(row.expectedGapDays), next: round((row.expectedNextAt.getTime() - now.getTime()) / DAY) },
    ]),
  );
}

const round = (value: number) => Math.round(value * 100) / 100;

async function winBacks(shopId: string) {
  const rows = await db.followUp.findMany({ where: { shopId, kind: "WIN_BACK" } });
  return rows.map((row) => row.customerShopifyId.replace("gid://shopify/Customer/", "")).sort();
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 2 }) });
  rhythmShop = await shopWith("rhythm.myshopify.com", { A: [130, 100, 70], B: [20, 10], C: [205, 185, 155, 95], D: [300, 200], H: [80, 70], E: [50] });
  await order(rhythmShop, gid("E"), 5, { cancelled: true });
  await order(rhythmShop, gid("B"), 3, { test: true });
  await order(rhythmShop, null, 1);
  tinyShop = await shopWith("tiny.myshopify.com", { F: [60, 20], F2: [50, 40], G: [75] });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("the model, pure", () => {
  it("shrinks a customer's own mean gap toward the shop's median by two gaps' weight", () => {
    expect(shopMedianGap([30, 30, 10, 20, 30, 60, 100, 10])).toBe(30);
    expect(shopMedianGap([40, 10])).toBeNull();
    expect(expectedGapDays(10, 1, 30)).toBeCloseTo(23.333, 3);
    expect(expectedGapDays(110, 3, 30)).toBe(34);
    expect(expectedGapDays(40, 1, null)).toBe(40);
    // Two orders in one hour are not a rhythm of an hour.
    expect(expectedGapDays(0.04, 1, null)).toBe(1);
    const outlook = nextOrderOutlook(daysAgo(70), 30, now);
    expect(outlook).toMatchObject({ overdue: true, overdueDays: 40 });
    expect(outlook.chanceOfGapThisLong).toBeCloseTo(Math.exp(-70 / 30), 6);
  });
});

describe("recomputing a shop's predictions", () => {
  it("predicts each repeat customer's next order as worked out by hand, from counted orders only", async () => {
    expect(await recomputeShopPredictions(db, rhythmShop, now)).toBe(5);
    expect(await predictions(rhythmShop)).toEqual({
      A: { orders: 3, mean: 30, expected: 30, next: -40 },
      B: { orders: 2, mean: 10, expected: 23.33, next: 13.33 },
      C: { orders: 4, mean: 36.67, expected: 34, next: -61 },
      D: { orders: 2, mean: 100, expected: 53.33, next: -146.67 },
      H: { orders: 2, mean: 10, expected: 23.33, next: -46.67 },
    });
    expect(await db.nextOrderState.findUniqueOrThrow({ where: { shopId: rhythmShop } })).toMatchObject({ gaps: 8, medianGapDays: 30, customers: 5 });
  });

  it("tells the customer page who is overdue, and gives a one-order customer the shop's gap", async () => {
    const a = await customerNextOrder(db, rhythmShop, { shopifyId: gid("A"), orders: 3, lastOrderAt: daysAgo(70) }, now);
    expect(a).toMatchObject({ basis: "own", overdue: true, overdueDays: 40, expectedAt: daysAgo(40).toISOString(), shopMedianGapDays: 30 });
    expect(a!.chanceOfGapThisLong).toBeCloseTo(0.097, 3);
    const b = await customerNextOrder(db, rhythmShop, { shopifyId: gid("B"), orders: 2, lastOrderAt: daysAgo(10) }, now);
    expect(b).toMatchObject({ basis: "own", overdue: false, overdueDays: 0 });
    expect(b!.chanceOfGapThisLong).toBeCloseTo(0.6514, 3);
    const e = await customerNextOrder(db, rhythmShop, { shopifyId: gid("E"), orders: 1, lastOrderAt: daysAgo(50) }, now);
    expect(e).toMatchObject({ basis: "shop", expectedGapDays: 30, overdue: true, overdueDays: 20, expectedAt: daysAgo(20).toISOString() });
  });

  it("hands the prediction over in the customer's data request", async () => {
    const report = await db.$transaction((tx) => customerDataReport(tx, rhythmShop, gid("A")));
    expect(report).toMatchObject({ nextOrder: { expectedAt: daysAgo(40).toISOString(), expectedGapDays: 30, basedOnOrders: 3 } });
    expect(await db.$transaction((tx) => customerDataReport(tx, rhythmShop, gid("E")))).toMatchObject({ nextOrder: null });
  });

  it("uses a small shop's own means, and guesses nothing for a one-order customer there", async () => {
    expect(await recomputeShopPredictions(db, tinyShop, now)).toBe(2);
    expect(await predictions(tinyShop)).toEqual({
      F: { orders: 2, mean: 40, expected: 40, next: 20 },
      F2: { orders: 2, mean: 10, expected: 10, next: -30 },
    });
    expect(await db.nextOrderState.findUniqueOrThrow({ where: { shopId: tinyShop } })).toMatchObject({ gaps: 2, medianGapDays: null });
    expect(await customerNextOrder(db, tinyShop, { shopifyId: gid("G"), orders: 1, lastOrderAt: daysAgo(75) }, now)).toBeNull();
    // Another shop's predictions are not this one's.
    expect(await customerNextOrder(db, tinyShop, { shopifyId: gid("A"), orders: 3, lastOrderAt: daysAgo(70) }, now)).toBeNull();
  });

  it("follows a new order and a cancelled one", async () => {
    // B orders again today: 3 orders over 20 days, and a 9th gap for the shop (10 10 10 20 30 30 30 60 100: median 30).
    await order(rhythmShop, gid("B"), 0);
    await recomputeShopPredictions(db, rhythmShop, now);
    expect((await predictions(rhythmShop)).B).toEqual({ orders: 3, mean: 10, expected: 20, next: 20 });
    // H's last order cancelled: H has one counted order left and no prediction.
    const hLast = await db.order.findFirstOrThrow({ where: { shopId: rhythmShop, customerShopifyId: gid("H"), placedAt: daysAgo(70) } });
    await db.order.update({ where: { id: hLast.id }, data: { cancelledAt: now } });
    expect(await recomputeShopPredictions(db, rhythmShop, now)).toBe(4);
    expect((await predictions(rhythmShop)).H).toBeUndefined();
    // Back as they were for the win-back below.
    await db.order.update({ where: { id: hLast.id }, data: { cancelledAt: null } });
    await db.order.deleteMany({ where: { shopId: rhythmShop, customerShopifyId: gid("B"), placedAt: now } });
    await recomputeShopPredictions(db, rhythmShop, now);
    expect((await predictions(rhythmShop)).B.expected).toBe(23.33);
  });
});

describe("win-back timing", () => {
  async function turnOn(shopId: string, timing: "FIXED" | "RHYTHM") {
    await db.followUp.deleteMany({ where: { shopId } });
    await db.followUpSettings.upsert({
      where: { shopId },
      create: { shopId, winBackEnabled: true, winBackAfterDays: 60, winBackTiming: timing, winBackGraceFactor: 1.5 },
      update: { winBackEnabled: true, winBackAfterDays: 60, winBackTiming: timing, winBackGraceFactor: 1.5 },
    });
  }

  it("writes after a fixed number of days by default", async () => {
    expect((await db.followUpSettings.create({ data: { shopId: tinyShop } })).winBackTiming).toBe("FIXED");
    await db.followUpSettings.delete({ where: { shopId: tinyShop } });
    await turnOn(rhythmShop, "FIXED");
    expect(await sweepWinBacks(db, now)).toBe(2);
    expect(await winBacks(rhythmShop)).toEqual(["A", "H"]);
  });

  it("writes when a customer is overdue against their own rhythm, the shop's for one order", async () => {
    await turnOn(rhythmShop, "RHYTHM");
    await db.followUpSettings.updateMany({ where: { shopId: tinyShop }, data: { winBackEnabled: false } });
    expect(await sweepWinBacks(db, now)).toBe(2);
    expect(await winBacks(rhythmShop)).toEqual(["A", "E"]);
    // The pure rule the SQL follows, on the same numbers.
    const rhythm = { afterDays: 60, startedAt: null, pastDays: 0, timing: "RHYTHM" as const, graceFactor: 1.5 };
    expect(winBackLapseDays(rhythm, { customerExpectedGapDays: 30, shopMedianGapDays: 30 })).toBe(45);
    expect(winBackLapseDays(rhythm, { customerExpectedGapDays: null, shopMedianGapDays: 30 })).toBe(45);
    expect(winBackLapseDays(rhythm, { customerExpectedGapDays: 5, shopMedianGapDays: 30 })).toBe(14);
    expect(winBackLapseDays(rhythm, { customerExpectedGapDays: null, shopMedianGapDays: null })).toBe(60);
    expect(winBackLapseDays({ ...rhythm, timing: "FIXED" }, { customerExpectedGapDays: 30, shopMedianGapDays: 30 })).toBe(60);
    // A second sweep adds nothing: one win-back per lapse.
    expect(await sweepWinBacks(db, now)).toBe(0);
  });

  it("falls back to the customer's own gap, then the fixed days, in a shop too small for a median", async () => {
    await db.followUpSettings.updateMany({ where: { shopId: rhythmShop }, data: { winBackEnabled: false } });
    await turnOn(tinyShop, "RHYTHM");
    await recomputeShopPredictions(db, tinyShop, now);
    expect(await sweepWinBacks(db, now)).toBe(2);
    expect(await winBacks(tinyShop)).toEqual(["F2", "G"]);
  });

  it("is a setting with clear errors", () => {
    const base = { brandColor: "#2c6ecb", quietHoursStart: "21", quietHoursEnd: "8", thankYouDelayMinutes: "30", nextPurchaseDelayDays: "14", nextPurchaseDiscountPercent: "10", nextPurchaseCodeValidDays: "30", replenishmentLeadDays: "7", winBackAfterDays: "60", winBackDiscountPercent: "15", winBackCodeValidDays: "30" };
    const templates = Object.fromEntries(["THANK_YOU", "NEXT_PURCHASE", "REPLENISHMENT", "WIN_BACK"].map((kind) => [kind, { subject: "Hello", body: "Hi {{first_name}}" }]));
    const parsed = parseFollowUpSettings({ ...base, templates });
    expect(parsed.ok && { timing: parsed.values.winBackTiming, grace: parsed.values.winBackGraceFactor }).toEqual({ timing: "FIXED", grace: 1.5 });
    const rhythm = parseFollowUpSettings({ ...base, templates, winBackTiming: "RHYTHM", winBackGraceFactor: "2.25" });
    expect(rhythm.ok && { timing: rhythm.values.winBackTiming, grace: rhythm.values.winBackGraceFactor }).toEqual({ timing: "RHYTHM", grace: 2.25 });
    const bad = parseFollowUpSettings({ ...base, templates, winBackTiming: "WEEKLY", winBackGraceFactor: "0.5" });
    expect(bad.ok ? null : bad.errors).toEqual({
      winBackTiming: "must be a fixed number of days or the customer's own rhythm",
      winBackGraceFactor: "is at least 1 (the day their next order was expected)",
    });
  });
});
