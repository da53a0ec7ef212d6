/**
 * RFM segments on a real database: a ten-customer shop whose quintiles and segments are worked out by
 * hand below, recomputed after a new order by the customer-segments job, woken by the inbox when it
 * applies an order, and never mixed with another shop's customers.
 *
 * The shop, on 2026-12-01 12:00 UTC (customer: counted orders, last order days ago, revenue):
 *
 *   C1: 3 orders,  1 day,   300      C6:  4 orders,  40 days, 400
 *   C2: 5 orders,  2 days,  500      C7:  2 orders,  60 days,  60
 *   C3: 1 order,   3 days,   20      C8:  1 order,  100 days,  10
 *   C4: 2 orders, 10 days,   80      C9:  6 orders, 200 days, 600
 *   C5: 1 order,  20 days,   40      C10: 1 order,  300 days,  30
 *
 * (plus a cancelled order of C10 placed today, a test order of C3 and a guest checkout: none counts;
 * and 5.00 of C6's 400 given back without refund lines, which lowers their revenue to 395, as Sales).
 *
 * NTILE(5) over 10 customers puts 2 in each tile, in ascending order of the measure (ties by GID,
 * and "gid://shopify/Customer/10" sorts before ".../3").
 * - Recency, oldest first: C10 C9 | C8 C7 | C6 C5 | C4 C3 | C2 C1, so R = 1 1 2 2 3 3 4 4 5 5.
 * - Frequency: C10 C3 | C5 C8 | C4 C7 | C1 C6 | C2 C9; the four one-order customers drew 1 and 2 and
 *   share the lowest, 1: F(C3, C5, C8, C10) = 1, F(C4, C7) = 3, F(C1, C6) = 4, F(C2, C9) = 5.
 * - Monetary: C8 C3 | C10 C5 | C7 C4 | C1 C6 | C2 C9, so M(C8, C3) = 1, M(C10, C5) = 2, M(C7, C4) = 3,
 *   M(C1, C6) = 4, M(C2, C9) = 5.
 * Segments by the RF grid: C1 R5F4 and C2 R5F5 Champions, C3 R4F1 New, C4 R4F3 Potential loyalists,
 * C5 R3F1 Hibernating, C6 R3F4 Loyal, C7 R2F3 At risk, C8 R2F1 Hibernating, C9 R1F5 Can't lose them,
 * C10 R1F1 Lost.
 */
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { segmentOf, SEGMENTS } from "../../app/customers/segments";
import { shopSegments } from "../../app/customers/base-figures.server";
import { recomputeShopSegments, SEGMENTS_MIN_GAP_MS } from "../../app/customers/segments.server";
import { searchCustomers } from "../../app/customers/directory.server";
import { Prisma, PrismaClient } from "../../app/generated/prisma/client";
import { countedOrderSql } from "../../app/orders/vocabulary.server";
import { ORDER_SALES_SQL } from "../../app/reports/metrics";
import { jobDefinition, type JobContext, type ShopRoundJob } from "../../app/jobs/catalog.server";
import { onWake } from "../../app/jobs/wake.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { storeOrder } from "../support/factories";
import { paidOrderPayload } from "../support/webhooks";

let database: TestDatabase;
let db: PrismaClient;
let shopId: string;
let otherShopId: string;
const now = new Date("2026-12-01T12:00:00Z");
const DAY = 86_400_000;
const customer = (n: number) => `gid://shopify/Customer/${n}`;

const SHOP: [customer: number, orders: number, lastDaysAgo: number, revenue: number][] = [
  [1, 3, 1, 300],
  [2, 5, 2, 500],
  [3, 1, 3, 20],
  [4, 2, 10, 80],
  [5, 1, 20, 40],
  [6, 4, 40, 400],
  [7, 2, 60, 60],
  [8, 1, 100, 10],
  [9, 6, 200, 600],
  [10, 1, 300, 30],
];

let orderNumber = 0;
/** A counted order of `price` (one line), placed `daysAgo` before now. */
async function order(shop: string, customerShopifyId: string | null, daysAgo: number, price: number, extra: { cancelled?: boolean; test?: boolean } = {}) {
  const id = ++orderNumber;
  const placedAt = new Date(now.getTime() - daysAgo * DAY);
  await db.order.create({
    data: {
      shopId: shop,
      shopifyId: `gid://shopify/Order/${id}`,
      name: `#${id}`,
      customerShopifyId,
      currencyCode: "USD",
      financialStatus: "paid",
      subtotal: String(price),
      shipping: "0",
      tax: "0",
      totalDiscounts: "0",
      total: String(price),
      discountCodes: [],
      test: extra.test ?? false,
      cancelledAt: extra.cancelled ? placedAt : null,
      placedAt,
      shopifyUpdatedAt: placedAt,
      lineItems: { create: [{ shopifyId: `gid://shopify/LineItem/${id}`, title: "Coffee", quantity: 1, price: String(price), discount: "0" }] },
    },
  });
}

async function shop(domain: string) {
  return db.shop.create({ data: { domain, ianaTimezone: "UTC", currencyCode: "USD", installedAt: now, settings: { create: {} } } });
}

async function stored(shop: string) {
  const rows = await db.customerSegment.findMany({ where: { shopId: shop }, orderBy: { customerShopifyId: "asc" } });
  return Object.fromEntries(rows.map((row) => [row.customerShopifyId, row]));
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 2 }) });
  shopId = (await shop("segments.myshopify.com")).id;
  otherShopId = (await shop("segments-other.myshopify.com")).id;
  for (const [n, orders, lastDaysAgo, revenue] of SHOP) {
    for (let k = 0; k < orders; k++) await order(shopId, customer(n), lastDaysAgo + 5 * k, revenue / orders);
    await db.customer.create({ data: { shopId, shopifyId: customer(n), email: `c${n}@example.com`, referralCode: `S${n}`, createdAt: new Date(now.getTime() - n * 1000) } });
  }
  await order(shopId, customer(10), 0, 999, { cancelled: true });
  await order(shopId, customer(3), 0, 999, { test: true });
  await order(shopId, null, 0, 999);
  const sixes = await db.order.findFirstOrThrow({ where: { shopId, customerShopifyId: customer(6) } });
  await db.orderRefund.create({
    data: { shopId, shopifyId: "gid://shopify/Refund/1", orderShopifyId: sixes.shopifyId, subtotal: "5", discrepancy: "5", shipping: "0", tax: "0", total: "5", refundedAt: now },
  });
  // The other shop: one big spender who happens to share C1's GID, and one of its own.
  await order(otherShopId, customer(1), 0, 5000);
  await order(otherShopId, customer(11), 400, 1);
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("the RF grid", () => {
  it("names a segment for every cell and uses every segment", () => {
    const used = new Set<string>();
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) used.add(segmentOf(r, f));
    expect([...used].sort()).toEqual([...SEGMENTS].sort());
    expect(() => segmentOf(0, 3)).toThrow(/Recency score must be 1 to 5/);
  });
});

describe("recomputing a shop's segments", () => {
  it("scores by quintile and places each customer as worked out by hand", async () => {
    expect(await recomputeShopSegments(db, shopId, now)).toBe(10);
    const rows = await stored(shopId);
    const expected: Record<number, [r: number, f: number, m: number, segment: string]> = {
      1: [5, 4, 4, "Champions"],
      2: [5, 5, 5, "Champions"],
      3: [4, 1, 1, "New"],
      4: [4, 3, 3, "Potential loyalists"],
      5: [3, 1, 2, "Hibernating"],
      6: [3, 4, 4, "Loyal"],
      7: [2, 3, 3, "At risk"],
      8: [2, 1, 1, "Hibernating"],
      9: [1, 5, 5, "Can't lose them"],
      10: [1, 1, 2, "Lost"],
    };
    expect(Object.keys(rows)).toHaveLength(10);
    for (const [n, orders, lastDaysAgo, revenue] of SHOP) {
      const row = rows[customer(n)];
      expect({ n, r: row.recencyScore, f: row.frequencyScore, m: row.monetaryScore, segment: row.segment }).toEqual({
        n,
        r: expected[n][0],
        f: expected[n][1],
        m: expected[n][2],
        segment: expected[n][3],
      });
      expect({ n, orders: row.orders, days: row.recencyDays, revenue: row.revenue.toFixed(2) }).toEqual({
        n,
        orders,
        days: lastDaysAgo,
        revenue: (n === 6 ? revenue - 5 : revenue).toFixed(2),
      });
    }
    // The revenue is the dashboard's Sales of each customer's counted orders, summed by its one definition.
    const sales = await db.$queryRaw<{ customer: string; revenue: string }[]>`
      SELECT o."customerShopifyId" AS customer, SUM(${Prisma.raw(ORDER_SALES_SQL("o"))})::text AS revenue
        FROM "Order" o WHERE o."shopId" = ${shopId} AND ${countedOrderSql("o")} GROUP BY 1`;
    expect(Object.fromEntries(sales.map((row) => [row.customer, Number(row.revenue)]))).toEqual(
      Object.fromEntries(Object.values(rows).map((row) => [row.customerShopifyId, Number(row.revenue)])),
    );
  });

  it("sums customers, revenue and repeat rate per segment, every segment listed", async () => {
    const summary = await shopSegments(db, shopId);
    expect(summary.customers).toBe(10);
    expect(summary.computedAt).toBe(now.toISOString());
    expect(summary.segments).toEqual([
      { segment: "Champions", customers: 2, revenue: "800.00", repeatRate: 1 },
      { segment: "Loyal", customers: 1, revenue: "395.00", repeatRate: 1 },
      { segment: "Potential loyalists", customers: 1, revenue: "80.00", repeatRate: 1 },
      { segment: "New", customers: 1, revenue: "20.00", repeatRate: 0 },
      { segment: "At risk", customers: 1, revenue: "60.00", repeatRate: 1 },
      { segment: "Can't lose them", customers: 1, revenue: "600.00", repeatRate: 1 },
      { segment: "Hibernating", customers: 2, revenue: "50.00", repeatRate: 0 },
      { segment: "Lost", customers: 1, revenue: "30.00", repeatRate: 0 },
    ]);
  });

  it("never reads or writes another shop's customers", async () => {
    expect((await shopSegments(db, otherShopId)).customers).toBe(0);
    expect(await recomputeShopSegments(db, otherShopId, now)).toBe(2);
    // Two customers alone: tiles 1 and 2 of 5; the other shop's C1 is its own.
    const other = await stored(otherShopId);
    expect(Object.keys(other).sort()).toEqual([customer(1), customer(11)]);
    expect(other[customer(1)].revenue.toFixed(2)).toBe("5000.00");
    expect(other[customer(1)].orders).toBe(1);
    const mine = await stored(shopId);
    expect(mine[customer(1)].revenue.toFixed(2)).toBe("300.00");
    expect(mine[customer(11)]).toBeUndefined();
    const filtered = await searchCustomers(db, otherShopId, { query: "", page: 1, segment: "Champions" }, { slippingDays: 30, lapsedDays: 90 }, now);
    expect(filtered.customers).toEqual([]);
  });

  it("filters the Customers list by segment and shows each customer's segment", async () => {
    const thresholds = { slippingDays: 30, lapsedDays: 90 };
    const champions = await searchCustomers(db, shopId, { query: "", page: 1, segment: "Champions" }, thresholds, now);
    expect(champions.customers.map((c) => c.email).sort()).toEqual(["c1@example.com", "c2@example.com"]);
    expect(champions.customers.every((c) => c.segment === "Champions")).toBe(true);
    const everyone = await searchCustomers(db, shopId, { query: "", page: 1 }, thresholds, now);
    expect(everyone.customers.find((c) => c.email === "c10@example.com")?.segment).toBe("Lost");
  });
});

describe("the customer-segments job", () => {
  it("recomputes a woken shop after a new order", async () => {
    const job = jobDefinition("customer-segments") as ShopRoundJob;
    const context = { db, now: () => now } as unknown as JobContext;
    // Just computed: the schedule leaves the shop alone until it is woken.
    expect((await job.shops(context, new Set())).map((s) => s.id)).not.toContain(shopId);
    // C10 comes back today with a second order. Recency: C9 C8 | C7 C6 | C5 C4 | C3 C2 | C1 C10;
    // frequency: C3 C5 | C8 C10 | C4 C7 | …, the two-order customers C10, C4, C7 drew 2, 3, 3: F = 2.
    // R5 F2: Potential loyalists.
    await order(shopId, customer(10), 0, 70);
    const shops = await job.shops(context, new Set([shopId]));
    expect(shops).toEqual([{ id: shopId, domain: "segments.myshopify.com" }]);
    // Computed moments ago: a woken run waits out the gap between two recomputes of a shop.
    const later = { ...context, now: () => new Date(now.getTime() + 1000), stopping: () => false } as JobContext;
    const started = Date.now();
    const waitingRound = job.round({ ...later, now: () => new Date(now.getTime() + SEGMENTS_MIN_GAP_MS - 600) }, shops[0]);
    expect(await waitingRound).toBe("10 customers placed in segments, 7 next orders predicted");
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    // A stopping process does not wait for it.
    expect(await job.round({ ...later, stopping: () => true }, shops[0])).toMatch(/^stopped before recomputing/);
    const row = (await stored(shopId))[customer(10)];
    expect({ r: row.recencyScore, f: row.frequencyScore, segment: row.segment, orders: row.orders, days: row.recencyDays, revenue: row.revenue.toFixed(2) }).toEqual({
      r: 5,
      f: 2,
      segment: "Potential loyalists",
      orders: 2,
      days: 0,
      revenue: "100.00",
    });
    // A customer whose only order is cancelled leaves the segments.
    await db.order.updateMany({ where: { shopId, customerShopifyId: customer(3) }, data: { cancelledAt: now } });
    expect(await recomputeShopSegments(db, shopId, now)).toBe(9);
    expect((await stored(shopId))[customer(3)]).toBeUndefined();
  });

  it("is woken for the shop when the inbox applies an order", async () => {
    const woken: (string | undefined)[] = [];
    const unsubscribe = onWake("customer-segments", (id) => woken.push(id));
    try {
      const { processDueDeliveries } = await import("../../app/webhooks/inbox-processor.server");
      const payload = paidOrderPayload(`gid://shopify/Order/${Date.now()}`, customer(12));
      await db.webhookEvent.create({ data: { shopDomain: "segments.myshopify.com", eventId: randomUUID(), webhookId: randomUUID(), topic: "orders/paid", body: JSON.stringify(payload) } });
      const outcome = await processDueDeliveries(db, () => new Date(), 5, 10);
      expect(outcome.applied).toBe(1);
      expect(woken).toEqual([shopId]);
    } finally {
      unsubscribe();
    }
  });
});
