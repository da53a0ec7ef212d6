/**
 * Each business word of app/orders/vocabulary.ts means the same in TypeScript and in SQL: orders in
 * every combination of payment state, cancellation, test flag and buyer are stored, each SQL fragment
 * picks them out of the database, and the TypeScript predicate must pick the very same ones. The
 * words' known answers are checked too, and the two pairs that differ on purpose are shown to differ.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Prisma, PrismaClient } from "../../app/generated/prisma/client";
import { FINANCIAL_STATUS_PROGRESS } from "../../app/orders/financial-status";
import { holdsPayment, isCompletedPurchase, isCountedOrder, isKeptPurchase, isMember, wasPaid } from "../../app/orders/vocabulary";
import { completedPurchaseSql, countedOrderSql, holdingPaymentSql, keptPurchaseSql, memberSql, paidSql } from "../../app/orders/vocabulary.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let db: PrismaClient;
let shopId: string;

interface StoredOrder {
  shopifyId: string;
  financialStatus: string;
  cancelledAt: Date | null;
  test: boolean;
  customerShopifyId: string | null;
}
const orders: StoredOrder[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 1 }) });
  const shop = await db.shop.create({ data: { domain: "vocabulary.myshopify.com" } });
  shopId = shop.id;
  let n = 0;
  for (const financialStatus of Object.keys(FINANCIAL_STATUS_PROGRESS)) {
    for (const cancelledAt of [null, new Date("2027-01-02T00:00:00Z")]) {
      for (const test of [false, true]) {
        for (const customerShopifyId of [null, "gid://shopify/Customer/1"]) {
          orders.push({ shopifyId: `gid://shopify/Order/${++n}`, financialStatus, cancelledAt, test, customerShopifyId });
        }
      }
    }
  }
  await db.order.createMany({
    data: orders.map((order) => ({
      ...order,
      shopId,
      name: order.shopifyId,
      currencyCode: "USD",
      subtotal: "10",
      shipping: "0",
      tax: "0",
      totalDiscounts: "0",
      total: "10",
      placedAt: new Date("2027-01-01T00:00:00Z"),
      shopifyUpdatedAt: new Date("2027-01-01T00:00:00Z"),
    })),
  });
  await db.customer.createMany({
    data: [
      { shopId, shopifyId: "gid://shopify/Customer/1", referralCode: "MEMBER", hasAccount: true },
      { shopId, shopifyId: "gid://shopify/Customer/2", referralCode: "GUEST", hasAccount: false },
    ],
  });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

async function orderIdsWhere(condition: Prisma.Sql): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`SELECT o."shopifyId" AS id FROM "Order" o WHERE o."shopId" = ${shopId} AND ${condition} ORDER BY o."shopifyId"`;
  return rows.map((row) => row.id);
}

const ids = (predicate: (order: StoredOrder) => boolean) => orders.filter(predicate).map((order) => order.shopifyId).sort();

describe("the business words, in TypeScript and in SQL", () => {
  it.each([
    ["paid", paidSql("o"), (order: StoredOrder) => wasPaid(order.financialStatus)],
    ["holding a payment", holdingPaymentSql("o"), (order: StoredOrder) => holdsPayment(order.financialStatus)],
    ["completed purchase", completedPurchaseSql("o"), isCompletedPurchase],
    ["counted order", countedOrderSql("o"), isCountedOrder],
    ["kept purchase", keptPurchaseSql("o"), isKeptPurchase],
  ] as const)("%s: the SQL picks exactly the orders the predicate does", async (_word, sql, predicate) => {
    const picked = ids(predicate);
    expect(picked.length).toBeGreaterThan(0);
    expect(picked.length).toBeLessThan(orders.length);
    expect(await orderIdsWhere(sql)).toEqual(picked);
  });

  it("counts the counted orders the Prisma filter finds", async () => {
    const { COUNTED_ORDER_WHERE } = await import("../../app/orders/vocabulary.server");
    const found = await db.order.findMany({ where: { ...COUNTED_ORDER_WHERE, shopId }, select: { shopifyId: true }, orderBy: { shopifyId: "asc" } });
    expect(found.map((order) => order.shopifyId)).toEqual(ids(isCountedOrder));
  });

  it("a member is a customer with a storefront account, in SQL as in TypeScript (no customer row: no member)", async () => {
    const rows = await db.$queryRaw<{ gid: string; member: boolean }[]>`
      SELECT g.gid, ${memberSql("cu")} AS member
        FROM unnest(${["gid://shopify/Customer/1", "gid://shopify/Customer/2", "gid://shopify/Customer/3"]}::text[]) AS g(gid)
        LEFT JOIN "Customer" cu ON cu."shopId" = ${shopId} AND cu."shopifyId" = g.gid ORDER BY g.gid`;
    expect(rows).toEqual([
      { gid: "gid://shopify/Customer/1", member: true },
      { gid: "gid://shopify/Customer/2", member: false },
      { gid: "gid://shopify/Customer/3", member: false },
    ]);
    expect([isMember({ hasAccount: true }), isMember({ hasAccount: false }), isMember(null)]).toEqual([true, false, false]);
  });

  it("gives the known answers, and keeps apart the words that differ on purpose", () => {
    const order = (financialStatus: string, extra: Partial<StoredOrder> = {}) => ({ financialStatus, cancelledAt: null, test: false, customerShopifyId: "gid://shopify/Customer/1", ...extra });
    // Paid: the money came in, even if given back since; a partial payment is not paid yet.
    expect(["pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided"].filter(wasPaid)).toEqual(["paid", "partially_refunded", "refunded"]);
    // Holding a payment: a partial payment does, a full refund no longer does.
    expect(["pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided"].filter(holdsPayment)).toEqual(["partially_paid", "paid", "partially_refunded"]);
    // A refunded order stays a counted order (reports) and a completed purchase (points), but is no kept purchase (follow-ups).
    expect([isCountedOrder(order("refunded")), isCompletedPurchase(order("refunded")), isKeptPurchase(order("refunded"))]).toEqual([true, true, false]);
    // A guest checkout is no counted order (reports are per customer), but is a kept purchase.
    expect([isCountedOrder(order("paid", { customerShopifyId: null })), isKeptPurchase(order("paid", { customerShopifyId: null }))]).toEqual([false, true]);
    // Cancelled: none of them.
    const cancelled = order("paid", { cancelledAt: new Date() });
    expect([isCountedOrder(cancelled), isCompletedPurchase(cancelled), isKeptPurchase(cancelled)]).toEqual([false, false, false]);
  });

  it("refuses an alias that is not a plain SQL name", () => {
    expect(() => countedOrderSql('o"; DROP TABLE "Order"; --')).toThrow(/Not an SQL alias/);
  });
});
