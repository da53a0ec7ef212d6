/**
 * The dashboard's metrics on crafted orders whose answers are worked out by hand (refunds,
 * cancellations, test and guest orders, local-midnight edges across a DST change, an empty period),
 * written through the order sync itself so the report rows are maintained as in production; then
 * randomized shops where the aggregates must equal a from-scratch computation over the orders.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { PrismaClient } from "../../app/generated/prisma/client";
import { parseAmount } from "../../app/orders/money";
import type { OrderSnapshot } from "../../app/orders/payloads";
import { shopProgram, type ShopProgram } from "../../app/loyalty/program.server";
import { syncCustomer, syncOrder } from "../../app/orders/sync.server";
import { ensureReports, rebuildReports } from "../../app/reports/aggregates.server";
import { addDays, addMonths, periodMetrics, previousPeriod, type Period } from "../../app/reports/metrics";
import { cohortRetention, customerRetention, monthlyRates, periodTotals, shopReport } from "../../app/reports/metrics.server";
import { referenceRetentionCounts, referenceTotals } from "../../app/reports/reference.server";
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

const TIMEZONE = "America/New_York";
let shopCount = 0;

async function newShop(timezone = TIMEZONE): Promise<ShopProgram & { currencyCode: string; ianaTimezone: string }> {
  const domain = `reports-${++shopCount}.myshopify.com`;
  const shop = await db.shop.create({
    data: { domain, ianaTimezone: timezone, currencyCode: "USD", installedAt: new Date("2027-01-01T00:00:00Z"), settings: { create: {} } },
  });
  await ensureReports(db, shop.id);
  return { ...(await shopProgram(db, domain))!, currencyCode: "USD", ianaTimezone: timezone };
}

interface CraftedOrder {
  id: number;
  customer: number | null;
  member?: boolean;
  placedAt: string;
  lines: { price: string; quantity: number; discount?: string }[];
  shipping?: string;
  tax?: string;
  cancelled?: boolean;
  test?: boolean;
  refunded?: string;
  updatedAt?: string;
}

function snapshot(order: CraftedOrder): OrderSnapshot {
  const subtotal = order.lines.reduce((sum, line) => sum + parseAmount(line.price) * line.quantity - parseAmount(line.discount ?? "0"), 0);
  const shipping = parseAmount(order.shipping ?? "0");
  const tax = parseAmount(order.tax ?? "0");
  const orderId = `gid://shopify/Order/${order.id}`;
  const updatedAt = new Date(order.updatedAt ?? order.placedAt);
  return {
    shopifyId: orderId,
    name: `#${order.id}`,
    email: null,
    currencyCode: "USD",
    financialStatus: order.refunded ? "refunded" : "paid",
    subtotal,
    shipping,
    tax,
    totalDiscounts: order.lines.reduce((sum, line) => sum + parseAmount(line.discount ?? "0"), 0),
    total: subtotal + shipping + tax,
    discountCodes: [],
    test: order.test ?? false,
    cancelledAt: order.cancelled ? updatedAt : null,
    cancelReason: order.cancelled ? "customer" : null,
    placedAt: new Date(order.placedAt),
    shopifyUpdatedAt: updatedAt,
    customer:
      order.customer === null
        ? null
        : {
            shopifyId: `gid://shopify/Customer/${order.customer}`,
            email: `c${order.customer}@example.com`,
            firstName: null,
            lastName: null,
            phone: null,
            addressKey: null,
            hasAccount: order.member ?? false,
            shopifyCreatedAt: new Date("2025-01-01T00:00:00Z"),
            shopifyUpdatedAt: updatedAt,
          },
    lineItems: order.lines.map((line, index) => ({
      shopifyId: `gid://shopify/LineItem/${order.id * 10 + index}`,
      productShopifyId: null,
      variantShopifyId: null,
      title: "Beans",
      quantity: line.quantity,
      price: parseAmount(line.price),
      discount: parseAmount(line.discount ?? "0"),
    })),
    refunds: order.refunded
      ? [{ shopifyId: `gid://shopify/Refund/${order.id}`, orderShopifyId: orderId, subtotal: parseAmount(order.refunded), discrepancy: 0, shipping: 0, tax: 0, total: parseAmount(order.refunded), refundedAt: updatedAt }]
      : [],
  };
}

async function sync(shop: ShopProgram, order: CraftedOrder) {
  await db.$transaction((tx) => syncOrder(tx, shop, snapshot(order), new Date("2027-01-01T00:00:00Z")));
}

// America/New_York: EST (UTC−5) until 2026-03-08 02:00, EDT (UTC−4) after.
const CRAFTED: CraftedOrder[] = [
  // A, a member: one order in February, two in March (one with a discount, shipping and tax), one test order.
  { id: 1, customer: 1, member: true, placedAt: "2026-02-20T15:00:00Z", lines: [{ price: "50.00", quantity: 1 }] },
  { id: 2, customer: 1, member: true, placedAt: "2026-03-05T15:00:00Z", lines: [{ price: "50.00", quantity: 2, discount: "10.00" }], shipping: "15.00", tax: "8.00" },
  { id: 3, customer: 1, member: true, placedAt: "2026-03-20T15:00:00Z", lines: [{ price: "40.00", quantity: 1 }] },
  { id: 4, customer: 1, member: true, placedAt: "2026-03-25T15:00:00Z", lines: [{ price: "1000.00", quantity: 1 }], test: true },
  // B: one order in March, refunded in full later (AOV takes orders as created).
  { id: 5, customer: 2, placedAt: "2026-03-10T15:00:00Z", lines: [{ price: "100.00", quantity: 2 }], refunded: "200.00", updatedAt: "2026-03-12T15:00:00Z" },
  // C: a cancelled order, and one at 23:30 on March 31 local time (already April 1 in UTC).
  { id: 6, customer: 3, placedAt: "2026-03-15T15:00:00Z", lines: [{ price: "500.00", quantity: 1 }], cancelled: true, updatedAt: "2026-03-16T15:00:00Z" },
  { id: 7, customer: 3, placedAt: "2026-04-01T03:30:00Z", lines: [{ price: "30.00", quantity: 1 }] },
  // D: 00:10 on April 1 local (out), 00:05 on March 1 local (in), 23:50 on February 28 local (before: D returns).
  { id: 8, customer: 4, placedAt: "2026-04-01T04:10:00Z", lines: [{ price: "70.00", quantity: 1 }] },
  { id: 9, customer: 4, placedAt: "2026-03-01T05:05:00Z", lines: [{ price: "20.00", quantity: 1 }] },
  { id: 10, customer: 4, placedAt: "2026-03-01T04:50:00Z", lines: [{ price: "60.00", quantity: 1 }] },
  // A guest checkout.
  { id: 11, customer: null, placedAt: "2026-03-12T15:00:00Z", lines: [{ price: "999.00", quantity: 1 }] },
];
const MARCH: Period = { from: "2026-03-01", to: "2026-03-31" };

describe("metrics on crafted orders", () => {
  let shop: Awaited<ReturnType<typeof newShop>>;
  beforeAll(async () => {
    shop = await newShop();
    // Out of order and twice over: redeliveries and disorder converge.
    for (const order of [...CRAFTED].reverse()) await sync(shop, order);
    for (const order of CRAFTED) await sync(shop, order);
  });

  it("counts March as worked out by hand", async () => {
    // Counted: A #2 (100 − 10 = 90; shipping and tax excluded) and #3 (40), B #5 (200, refunded later),
    // C #7 (30, 23:30 local on the 31st), D #9 (20, 00:05 local on the 1st). Sales 380 over 5 orders, 4 customers.
    const report = await shopReport(db, { ...shop, id: shop.id }, MARCH);
    expect(report.summary).toMatchObject({
      orders: 5,
      customers: 4,
      revenue: "380.00",
      averageOrderValue: "76.00",
      purchaseFrequency: 1.25,
      repeatPurchaseRate: 0.25, // A only
      returningCustomerRate: 0.5, // A (February) and D (23:50 on February 28, local)
    });
    // Members (A): 130 over 2 orders; non-members (B, C, D): 250 over 3.
    expect(report.members).toMatchObject({ orders: 2, customers: 1, averageOrderValue: "65.00", purchaseFrequency: 2 });
    expect(report.nonMembers).toMatchObject({ orders: 3, customers: 3, averageOrderValue: "83.33", purchaseFrequency: 1 });
  });

  it("compares against the 31 days before", async () => {
    const report = await shopReport(db, shop, MARCH);
    // 29 Jan – 28 Feb: A #1 (50) and D #10 (60).
    expect(report.previous).toMatchObject({ from: "2026-01-29", to: "2026-02-28", orders: 2, customers: 2, averageOrderValue: "55.00", repeatPurchaseRate: 0, returningCustomerRate: 0 });
    expect(report.changes.averageOrderValue).toBeCloseTo((76 - 55) / 55, 4);
    expect(report.changes.orders).toBe(1.5);
  });

  it("shows an empty period as empty, not as zero rates", async () => {
    const report = await shopReport(db, shop, { from: "2025-01-01", to: "2025-01-31" });
    expect(report.summary).toMatchObject({
      orders: 0,
      customers: 0,
      revenue: "0.00",
      averageOrderValue: null,
      purchaseFrequency: null,
      repeatPurchaseRate: null,
      returningCustomerRate: null,
    });
  });

  it("puts an order in the shop's local day, on both sides of midnight", async () => {
    const day = async (from: string) => (await shopReport(db, shop, { from, to: from })).summary.orders;
    expect(await day("2026-03-31")).toBe(1); // #7, 03:30 UTC on April 1
    expect(await day("2026-04-01")).toBe(1); // #8
    expect(await day("2026-02-28")).toBe(1); // #10, 04:50 UTC on March 1
  });

  it("follows a cancellation and a membership change", async () => {
    const other = await newShop();
    for (const order of CRAFTED) await sync(other, order);
    await sync(other, { ...CRAFTED[2], cancelled: true, updatedAt: "2026-03-21T15:00:00Z" });
    const afterCancel = await shopReport(db, other, MARCH);
    expect(afterCancel.summary).toMatchObject({ orders: 4, customers: 4, revenue: "340.00", repeatPurchaseRate: 0, returningCustomerRate: 0.5 });

    // B makes a storefront account: B's order moves to the members.
    await db.$transaction((tx) =>
      syncCustomer(tx, other, { ...snapshot(CRAFTED[4]).customer!, hasAccount: true, shopifyUpdatedAt: new Date("2026-06-01T00:00:00Z") }, new Date("2027-01-01")),
    );
    const afterJoin = await shopReport(db, other, MARCH);
    expect(afterJoin.members).toMatchObject({ orders: 2, customers: 2, revenue: "290.00" });
    expect(afterJoin.summary.orders).toBe(4);
  });

  it("charts each month's rates and the cohorts' later orders", async () => {
    const months = await monthlyRates(db, shop.id, "2026-04-30", 3);
    expect(months.map((m) => m.month)).toEqual(["2026-02-01", "2026-03-01", "2026-04-01"]);
    expect(months[1]).toMatchObject({ customers: 4, repeatPurchaseRate: 0.25, returningCustomerRate: 0.5 });
    expect(months[2]).toMatchObject({ customers: 1, repeatPurchaseRate: 0, returningCustomerRate: 1 }); // D's #8

    const cohorts = await cohortRetention(db, shop.id, "2026-04-30", 3);
    // February: A and D (D's first order is 23:50 on February 28 local); both ordered in March, D in April.
    expect(cohorts[0]).toEqual({ month: "2026-02-01", customers: 2, retention: [1, 0.5] });
    // March: B and C; C's 23:30 order on March 31 is March's, so nobody orders in April.
    expect(cohorts[1]).toEqual({ month: "2026-03-01", customers: 2, retention: [0] });
    expect(cohorts[2]).toEqual({ month: "2026-04-01", customers: 0, retention: [] });
  });

  it("agrees with the from-scratch query and with a rebuild", async () => {
    const [fromAggregates] = await periodTotals(db, shop.id, [MARCH]);
    expect(fromAggregates).toEqual(normalise(await referenceTotals(db, shop.id, TIMEZONE, MARCH)));
    const before = await reportRows(shop.id);
    await rebuildReports(db, shop.id);
    expect(await reportRows(shop.id)).toEqual(before);
  });
});

describe("aggregates against a from-scratch computation on random shops", () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every period, members and non-members`, async () => {
      const random = mulberry32(seed);
      const timezone = ["America/New_York", "Europe/London", "Australia/Sydney"][seed % 3];
      const shop = await newShop(timezone);
      const start = Date.parse("2025-01-01T00:00:00Z");
      const span = 730 * 86_400_000;
      const orders: CraftedOrder[] = [];
      for (let id = 1; id <= 260; id++) {
        const customer = random() < 0.1 ? null : 1 + Math.floor(random() * 60);
        // Some orders land within minutes of a UTC midnight, where local and UTC days differ.
        const placedAt = new Date(random() < 0.2 ? start + Math.floor(random() * 730) * 86_400_000 + Math.floor((random() - 0.5) * 3_600_000) : start + Math.floor(random() * span));
        orders.push({
          id,
          customer,
          member: customer !== null && customer % 3 === 0,
          placedAt: placedAt.toISOString(),
          lines: [{ price: (1 + Math.floor(random() * 20000) / 100).toFixed(2), quantity: 1 + Math.floor(random() * 3), discount: random() < 0.3 ? "1.25" : "0" }],
          cancelled: random() < 0.08,
          test: random() < 0.04,
          updatedAt: new Date(placedAt.getTime() + 1000).toISOString(),
        });
      }
      const shuffled = [...orders].sort(() => random() - 0.5);
      const periods: Period[] = [];
      for (let i = 0; i < 12; i++) {
        const from = addDays("2025-01-01", Math.floor(random() * 700));
        periods.push({ from, to: addDays(from, Math.floor(random() * 400)) });
      }
      // Half the orders, then the retention of some periods asked for (its counts are kept from here),
      // then the rest, redeliveries, moves and cancellations: the kept counts follow them.
      for (const order of shuffled.slice(0, 130)) await sync(shop, order);
      for (const lapsedDays of [7, 45, 180]) for (const period of periods.slice(0, 8)) await customerRetention(db, shop.id, period, lapsedDays);
      for (const order of shuffled.slice(130)) await sync(shop, order);
      // Redeliver some, and move a few orders to another customer or cancel them, later.
      for (const order of shuffled.slice(0, 40)) {
        const later = new Date(Date.parse(order.updatedAt!) + 60_000).toISOString();
        await sync(shop, random() < 0.5 ? { ...order, customer: 1 + Math.floor(random() * 60), updatedAt: later } : { ...order, cancelled: true, updatedAt: later });
      }

      periods.push({ from: "2024-01-01", to: "2027-12-31" }, previousPeriod({ from: "2025-01-01", to: "2025-01-01" }));
      // Calendar months and a month to date, which read the day rows' month counters.
      for (let i = 0; i < 6; i++) {
        const month = `${2025 + Math.floor(i / 3)}-${String(1 + Math.floor(random() * 12)).padStart(2, "0")}-01`;
        periods.push({ from: month, to: addDays(addMonths(month, 1), -1) }, { from: month, to: addDays(month, Math.floor(random() * 27)) });
      }
      // Each way of reading the runs that span a period, and the cheaper-of-the-two the dashboard uses.
      for (const reading of ["auto", "spans", "runs"] as const) {
        const fromAggregates = await periodTotals(db, shop.id, periods, reading);
        for (const [index, period] of periods.entries()) {
          const expected = normalise(await referenceTotals(db, shop.id, timezone, period));
          expect(fromAggregates[index], `${reading}: ${period.from} – ${period.to}`).toEqual(expected);
          expect(periodMetrics(fromAggregates[index].all)).toEqual(periodMetrics(expected.all));
        }
      }
      // Retention (the kept counts, the customers' days) against the orders themselves, with thresholds
      // shorter and longer than the periods (the two ends' days apart, touching and overlapping).
      for (const lapsedDays of [7, 45, 180]) {
        for (const period of periods.slice(0, 8)) {
          const { customersAtStart, customersAtEnd, retainedCustomers } = await customerRetention(db, shop.id, period, lapsedDays);
          expect({ customersAtStart, customersAtEnd, retainedCustomers }, `${lapsedDays} days: ${period.from} – ${period.to}`).toEqual(
            await referenceRetentionCounts(db, shop.id, timezone, period, lapsedDays),
          );
        }
      }
      const incremental = await reportRows(shop.id);
      await rebuildReports(db, shop.id);
      expect(await reportRows(shop.id)).toEqual(incremental);
    }, 180_000); // about 300 order syncs: up to a minute on the embedded database
  }
});

function normalise<T extends { all: { revenue: string }; members: { revenue: string }; nonMembers: { revenue: string } }>(totals: T): T {
  const fix = <U extends { revenue: string }>(t: U) => ({ ...t, revenue: Number(t.revenue).toFixed(4) });
  return { ...totals, all: fix(totals.all), members: fix(totals.members), nonMembers: fix(totals.nonMembers) };
}

async function reportRows(shopId: string) {
  const [orders, days, windows, cohorts, customers] = await Promise.all([
    db.$queryRaw`SELECT "orderShopifyId", "customerShopifyId", member, day::text, "firstMonth"::text, "prevDay"::text, "prev2Day"::text, revenue::text FROM "ReportOrder" WHERE "shopId" = ${shopId} ORDER BY 1`,
    db.$queryRaw`SELECT day::text, member, orders, revenue::text, "pairsEnding", "triplesEnding", "pairsStarting", "triplesStarting", "pairsFromEarlierMonths", "triplesFromEarlierMonths" FROM "ReportDay" WHERE "shopId" = ${shopId} ORDER BY 1, 2`,
    db.$queryRaw`SELECT "endDay"::text, "startDay"::text, member, pairs, triples FROM "ReportWindow" WHERE "shopId" = ${shopId} ORDER BY 1, 2, 3`,
    db.$queryRaw`SELECT "firstMonth"::text, month::text, customers FROM "ReportCohort" WHERE "shopId" = ${shopId} ORDER BY 1, 2`,
    db.$queryRaw`SELECT "customerShopifyId", "firstDay"::text, "lastDay"::text, days::text FROM "ReportCustomer" WHERE "shopId" = ${shopId} ORDER BY 1`,
  ]);
  return { orders, days, windows, cohorts, customers };
}

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
