/**
 * Customer retention and churn, and what the loyalty program earns, on crafted shops whose answers
 * are worked out by hand: orders written through the order sync (so the report rows are maintained
 * as in production), ledger entries, reward, referral and follow-up codes.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { PrismaClient } from "../../app/generated/prisma/client";
import { shopProgram, type ShopProgram } from "../../app/loyalty/program.server";
import { parseAmount } from "../../app/orders/money";
import type { OrderSnapshot } from "../../app/orders/payloads";
import { syncOrder } from "../../app/orders/sync.server";
import { ensureReports, rebuildReports } from "../../app/reports/aggregates.server";
import { customerRetention, shopReport } from "../../app/reports/metrics.server";
import { referenceRetentionCounts } from "../../app/reports/reference.server";
import { connectionLimitOf } from "../../app/embedded-database.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let db: PrismaClient;

beforeAll(async () => {
  database = await createTestDatabase();
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 1 }) });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

let shopCount = 0;

/** A UTC shop whose program earns nothing by itself (the ledger entries are the test's own). */
async function newShop(settings: { healthSlippingDays?: number; healthLapsedDays?: number } = {}) {
  const domain = `retention-${++shopCount}.myshopify.com`;
  const shop = await db.shop.create({
    data: {
      domain,
      ianaTimezone: "UTC",
      currencyCode: "USD",
      installedAt: new Date("2027-01-01T00:00:00Z"),
      settings: { create: { welcomePoints: 0, secondPurchaseBonus: 0, pointsPerCurrencyUnit: 0, referrerPoints: 0, ...settings } },
    },
  });
  await ensureReports(db, shop.id);
  return { ...(await shopProgram(db, domain))!, domain, currencyCode: "USD", ianaTimezone: "UTC" };
}

interface CraftedOrder {
  id: number;
  customer: number;
  member?: boolean;
  placedAt: string;
  price?: string;
  discount?: string;
  codes?: string[];
  cancelled?: boolean;
}

function snapshot(order: CraftedOrder): OrderSnapshot {
  const price = parseAmount(order.price ?? "10.00");
  const discount = parseAmount(order.discount ?? "0");
  const orderId = `gid://shopify/Order/${order.id}`;
  const placedAt = new Date(order.placedAt);
  return {
    shopifyId: orderId,
    name: `#${order.id}`,
    email: null,
    currencyCode: "USD",
    financialStatus: "paid",
    subtotal: price - discount,
    shipping: 0,
    tax: 0,
    totalDiscounts: discount,
    total: price - discount,
    discountCodes: order.codes ?? [],
    test: false,
    cancelledAt: order.cancelled ? placedAt : null,
    cancelReason: order.cancelled ? "customer" : null,
    placedAt,
    shopifyUpdatedAt: placedAt,
    customer: {
      shopifyId: `gid://shopify/Customer/${order.customer}`,
      email: `c${order.customer}@example.com`,
      firstName: null,
      lastName: null,
      phone: null,
      addressKey: null,
      hasAccount: order.member ?? false,
      shopifyCreatedAt: new Date("2025-01-01T00:00:00Z"),
      shopifyUpdatedAt: placedAt,
    },
    lineItems: [
      { shopifyId: `gid://shopify/LineItem/${order.id}`, productShopifyId: null, variantShopifyId: null, title: "Beans", quantity: 1, price, discount },
    ],
    refunds: [],
  };
}

async function sync(shop: ShopProgram, orders: CraftedOrder[]) {
  for (const order of orders) await db.$transaction((tx) => syncOrder(tx, shop, snapshot(order), new Date("2027-01-01T00:00:00Z")));
}

describe("customer retention and churn", () => {
  // Lapsed after 30 days: at the end of a day D, a customer has a counted order in D − 29 … D.
  // March 2026 (31 days): at its start (end of Feb 28) the days are Jan 30 … Feb 28; at its end, Mar 2 … Mar 31.
  const ORDERS: CraftedOrder[] = [
    { id: 1, customer: 1, placedAt: "2026-02-15T12:00:00Z" }, // C1: start and end (Mar 20) → kept
    { id: 2, customer: 1, placedAt: "2026-03-20T12:00:00Z" },
    { id: 3, customer: 2, placedAt: "2026-02-05T12:00:00Z" }, // C2: start only → lost
    { id: 4, customer: 3, placedAt: "2026-01-05T12:00:00Z" }, // C3: before the start's days → neither
    { id: 5, customer: 4, placedAt: "2026-03-25T12:00:00Z" }, // C4: first order in March → new
    { id: 6, customer: 5, placedAt: "2026-02-01T12:00:00Z" }, // C5: start, lapsed Mar 3, back Mar 31 → at both ends
    { id: 7, customer: 5, placedAt: "2026-03-31T23:00:00Z" },
    { id: 8, customer: 6, placedAt: "2026-03-01T12:00:00Z" }, // C6: Mar 1 is outside the end's days → neither
    { id: 9, customer: 7, placedAt: "2026-02-20T12:00:00Z", cancelled: true }, // C7: a cancelled order does not count…
    { id: 10, customer: 7, placedAt: "2026-03-15T12:00:00Z" }, // …so C7 is new at the end
    { id: 11, customer: 8, placedAt: "2026-01-31T12:00:00Z" }, // C8: start only → lost
  ];

  it("counts who is a customer at each end of the period, by the lapsed threshold", async () => {
    const shop = await newShop({ healthSlippingDays: 10, healthLapsedDays: 30 });
    await sync(shop, ORDERS);

    // March, longer than the threshold (the two ends' days do not touch): start {C1, C2, C5, C8} = 4,
    // end {C1, C4, C5, C7} = 4, both {C1, C5} = 2, so new = 4 − 2 = 2 and (4 − 2) ÷ 4 = 0.5; churn 0.5.
    expect(await customerRetention(db, shop.id, { from: "2026-03-01", to: "2026-03-31" }, 30)).toEqual({
      customersAtStart: 4,
      customersAtEnd: 4,
      retainedCustomers: 2,
      newCustomers: 2,
      customerRetentionRate: 0.5,
      churnRate: 0.5,
    });
    // Mar 1 … Mar 10, shorter than the threshold (the ends' days overlap): start the same 4; end days
    // Feb 9 … Mar 10: {C1 (Feb 15), C6 (Mar 1)} = 2; both {C1} = 1; new 1; (2 − 1) ÷ 4 = 0.25, churn 0.75.
    expect(await customerRetention(db, shop.id, { from: "2026-03-01", to: "2026-03-10" }, 30)).toEqual({
      customersAtStart: 4,
      customersAtEnd: 2,
      retainedCustomers: 1,
      newCustomers: 1,
      customerRetentionRate: 0.25,
      churnRate: 0.75,
    });
    // With a 60-day threshold, Mar 1 … Mar 10: start days Dec 31 … Feb 28: {C1, C2, C3, C5, C8} = 5;
    // end days Jan 10 … Mar 10: {C1, C2, C5, C6, C8} = 5 (C3's Jan 5 is out); both {C1, C2, C5, C8} = 4;
    // new {C6} = 1; (5 − 1) ÷ 5 = 0.8, churn 0.2.
    expect(await customerRetention(db, shop.id, { from: "2026-03-01", to: "2026-03-10" }, 60)).toMatchObject({
      customersAtStart: 5,
      customersAtEnd: 5,
      newCustomers: 1,
      customerRetentionRate: 0.8,
      churnRate: 0.2,
    });

    // The report uses the shop's own threshold (30 here), for the period and the one before it.
    const report = await shopReport(db, { id: shop.id, domain: shop.domain, currencyCode: "USD", ianaTimezone: "UTC" }, { from: "2026-03-01", to: "2026-03-31" });
    expect(report.lapsedDays).toBe(30);
    expect([report.customerRetentionRate, report.churnRate]).toEqual([0.5, 0.5]);
    // The previous period, Jan 29 … Feb 28: start days Dec 30 … Jan 28 hold C3 only; end days Jan 30 …
    // Feb 28 hold C1, C2, C5, C8; C3 is not among them: 0 kept of 1, rate 0, churn 1.
    expect(report.previousRetention).toMatchObject({ customersAtStart: 1, customersAtEnd: 4, newCustomers: 4, customerRetentionRate: 0, churnRate: 1 });
  });

  it("keeps each period's count exact while orders arrive concurrently with its first reading", async () => {
    const shop = await newShop({ healthLapsedDays: 30 });
    // Several connections on the PostgreSQL server (one session on the embedded database).
    const pool = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: connectionLimitOf(database.url, 8) }) });
    try {
      const random = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const next = random(7);
      const crafted = (id: number): CraftedOrder => ({
        id,
        customer: 1 + Math.floor(next() * 25),
        placedAt: new Date(Date.parse("2026-01-01T12:00:00Z") + Math.floor(next() * 120) * 86_400_000).toISOString(),
        cancelled: next() < 0.1,
      });
      await sync(shop, Array.from({ length: 60 }, (_, index) => crafted(index + 1)));
      const periods = [
        { from: "2026-03-01", to: "2026-03-31" },
        { from: "2026-02-10", to: "2026-04-20" },
        { from: "2026-01-20", to: "2026-03-05" },
      ];
      const later = Array.from({ length: 60 }, (_, index) => crafted(index + 61));
      // Three lanes of order syncs (each a transaction at a time) beside the periods' first readings.
      const lane = async (orders: CraftedOrder[]) => {
        for (const order of orders) await pool.$transaction((tx) => syncOrder(tx, shop, snapshot(order), new Date("2027-01-01T00:00:00Z")));
      };
      await Promise.all([
        ...[0, 1, 2].map((index) => lane(later.filter((_, position) => position % 3 === index))),
        ...periods.map(async (period, index) => {
          await new Promise((resolve) => setTimeout(resolve, 20 * index));
          return customerRetention(pool, shop.id, period, 30);
        }),
      ]);
      // Three counts per period (customers at its start, at its end, and in both), none shared here.
      expect(await db.reportRetention.count({ where: { shopId: shop.id } })).toBe(3 * periods.length);
      for (const period of periods) {
        const { customersAtStart, customersAtEnd, retainedCustomers } = await customerRetention(db, shop.id, period, 30);
        expect({ customersAtStart, customersAtEnd, retainedCustomers }).toEqual(await referenceRetentionCounts(db, shop.id, "UTC", period, 30));
      }
    } finally {
      await pool.$disconnect();
    }
  });

  it("has no rate without customers at the start", async () => {
    const shop = await newShop({ healthLapsedDays: 30 });
    await sync(shop, [{ id: 1, customer: 1, placedAt: "2026-03-05T12:00:00Z" }]);
    expect(await customerRetention(db, shop.id, { from: "2026-03-01", to: "2026-03-31" }, 30)).toMatchObject({
      customersAtStart: 0,
      customersAtEnd: 1,
      newCustomers: 1,
      customerRetentionRate: null,
      churnRate: null,
    });
  });
});

describe("what the program earns", () => {
  it("adds up points, their value, the app's codes and the follow-ups, for March 2026", async () => {
    const shop = await newShop();
    const member = await db.customer.create({
      data: { shopId: shop.id, shopifyId: "gid://shopify/Customer/101", referralCode: "M101", hasAccount: true },
    });
    let key = 0;
    const entry = (createdAt: string, reason: string, points: number) => ({
      shopId: shop.id,
      customerId: member.id,
      points,
      reason: reason as never,
      source: "ADJUSTMENT" as const,
      key: `test:${++key}`,
      availableAt: new Date(createdAt),
      createdAt: new Date(createdAt),
    });
    await db.pointsLedgerEntry.createMany({
      data: [
        entry("2025-09-10T12:00:00Z", "SPEND", 100), // before the chart's months: the opening balance
        entry("2026-02-10T12:00:00Z", "SPEND", 300),
        entry("2026-02-20T12:00:00Z", "REDEMPTION", -200),
        entry("2026-03-05T12:00:00Z", "WELCOME", 50),
        entry("2026-03-06T12:00:00Z", "ADJUSTMENT", -30), // taken away by hand: not issued, not redeemed
        entry("2026-03-08T12:00:00Z", "SPEND", 150),
        entry("2026-03-10T12:00:00Z", "REDEMPTION", -100),
        entry("2026-03-12T12:00:00Z", "REDEMPTION", 40), // a failed code's points given back
        entry("2026-03-15T12:00:00Z", "REFUND", -20),
        entry("2026-03-31T23:00:00Z", "EXPIRY", -60),
        entry("2026-04-01T01:00:00Z", "SPEND", 500), // after the period
      ],
    });
    // Entries dated in the past, as no transaction writes them: the report rows (the ledger's day sums too) are built again over them.
    await rebuildReports(db, shop.id);
    // Amount-off rewards: 5.00 for 500 points (0.01 a point) beats 10.00 for 2,000 (0.005); the
    // inactive one (1.00 a point) and the percentage one do not count.
    const reward = await db.reward.create({ data: { shopId: shop.id, name: "$5 off", kind: "AMOUNT_OFF", pointsCost: 500, amountOff: "5.00" } });
    await db.reward.create({ data: { shopId: shop.id, name: "$10 off", kind: "AMOUNT_OFF", pointsCost: 2000, amountOff: "10.00" } });
    await db.reward.create({ data: { shopId: shop.id, name: "Old", kind: "AMOUNT_OFF", pointsCost: 100, amountOff: "100.00", active: false } });
    await db.reward.create({ data: { shopId: shop.id, name: "10%", kind: "PERCENTAGE_OFF", pointsCost: 1, percentageOff: 10 } });
    await db.redemption.create({
      data: { shopId: shop.id, customerId: member.id, rewardId: reward.id, idempotencyKey: "r1", status: "ISSUED", points: 500, code: "REWARD-AAA", endsAt: new Date("2026-06-01T00:00:00Z") },
    });
    await db.referralDiscount.create({ data: { referralId: "referral-1", shopId: shop.id, code: "FRIEND-BBB" } });
    const followUp = (key: string, kind: "THANK_YOU" | "WIN_BACK", sentAt: string, discountCode: string | null = null) => ({
      shopId: shop.id, kind, status: "SENT" as const, key, customerShopifyId: "gid://shopify/Customer/101", dueAt: new Date(sentAt), sentAt: new Date(sentAt), discountCode,
    });
    await db.followUp.createMany({
      data: [
        followUp("win-back:1", "WIN_BACK", "2026-03-03T10:00:00Z", "WB-CCC"),
        followUp("thank-you:1", "THANK_YOU", "2026-03-20T10:00:00Z"),
        followUp("thank-you:0", "THANK_YOU", "2026-02-25T10:00:00Z"), // sent before the period
        { ...followUp("thank-you:9", "THANK_YOU", "2026-03-21T10:00:00Z"), status: "FAILED" as const }, // never sent
      ],
    });
    await sync(shop, [
      // The win-back's code typed in lower case: 40.00 less 5.00 = 35.00.
      { id: 1, customer: 101, member: true, placedAt: "2026-03-04T15:00:00Z", price: "40.00", discount: "5.00", codes: ["wb-ccc"] },
      // A reward's code and a referred friend's code on one order: 40.00 under each.
      { id: 2, customer: 102, placedAt: "2026-03-10T12:00:00Z", price: "40.00", codes: ["REWARD-AAA", "FRIEND-BBB"] },
      { id: 3, customer: 101, member: true, placedAt: "2026-03-25T12:00:00Z", price: "10.00" },
      { id: 4, customer: 101, member: true, placedAt: "2026-04-05T12:00:00Z", price: "15.00", codes: ["REWARD-AAA"] }, // after the period
      { id: 5, customer: 103, placedAt: "2026-03-12T12:00:00Z", codes: ["SOMEONE-ELSES"] }, // not the app's code
      { id: 6, customer: 102, placedAt: "2026-03-15T12:00:00Z", codes: ["REWARD-AAA"], cancelled: true }, // not a counted order
    ]);

    const report = await shopReport(db, { id: shop.id, domain: shop.domain, currencyCode: "USD", ianaTimezone: "UTC" }, { from: "2026-03-01", to: "2026-03-31" });
    // March: issued 50 + 150 = 200; redeemed 100 − 40 = 60; expired 60; rate 60 ÷ 200 = 0.3.
    expect([report.pointsIssued, report.pointsRedeemed, report.pointsExpired, report.redemptionRate]).toEqual([200, 60, 60, 0.3]);
    expect(report.pointValue).toEqual({ amountOff: "5.0000", pointsCost: 500, rewardName: "$5 off" });
    // Six months on the chart (Oct … Mar). Outstanding: 100 from September through January; February
    // +300 − 200 → 200; March +50 − 30 + 150 − 100 + 40 − 20 − 60 = +30 → 230. At 0.01 a point.
    expect(report.pointsByMonth).toEqual([
      { month: "2025-10-01", issued: 0, redeemed: 0, expired: 0, outstanding: 100, outstandingValue: "1.00" },
      { month: "2025-11-01", issued: 0, redeemed: 0, expired: 0, outstanding: 100, outstandingValue: "1.00" },
      { month: "2025-12-01", issued: 0, redeemed: 0, expired: 0, outstanding: 100, outstandingValue: "1.00" },
      { month: "2026-01-01", issued: 0, redeemed: 0, expired: 0, outstanding: 100, outstandingValue: "1.00" },
      { month: "2026-02-01", issued: 300, redeemed: 200, expired: 0, outstanding: 200, outstandingValue: "2.00" },
      { month: "2026-03-01", issued: 200, redeemed: 60, expired: 60, outstanding: 230, outstandingValue: "2.30" },
    ]);
    // Orders of March with the app's codes: #2 (reward and referral, 40.00), #1 (follow-up, 35.00).
    expect(report.attributedRevenue).toEqual({
      reward: { orders: 1, revenue: "40.00" },
      referral: { orders: 1, revenue: "40.00" },
      followUp: { orders: 1, revenue: "35.00" },
    });
    // The win-back (Mar 3) is followed by #1 and #3 within 30 days (to Apr 2): 45.00; the March
    // thank-you (Mar 20) by #3 and #4 (to Apr 19): 25.00. February's send and the failed one are not counted.
    expect(report.followUps).toEqual([
      { kind: "THANK_YOU", sent: 1, ordersWithin30Days: 2, revenue: "25.00" },
      { kind: "NEXT_PURCHASE", sent: 0, ordersWithin30Days: 0, revenue: "0.00" },
      { kind: "REPLENISHMENT", sent: 0, ordersWithin30Days: 0, revenue: "0.00" },
      { kind: "WIN_BACK", sent: 1, ordersWithin30Days: 2, revenue: "45.00" },
    ]);
    // Repeat purchase in March: the member ordered twice (#1, #3): 1 of 1; non-members 102 (#2) and 103 (#5) once: 0 of 2.
    expect([report.members.repeatPurchaseRate, report.nonMembers.repeatPurchaseRate]).toEqual([1, 0]);
  });
});
