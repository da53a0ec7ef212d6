/**
 * The suggested use-up interval, on crafted orders in a real database: the median days between a
 * customer's purchases of a product, from counted orders only, once there are enough repeats; and
 * the replenishment page's product list with it, for one shop only.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { replenishmentProducts } from "../../app/follow-ups/listing.server";
import { setReplenishmentInterval, suggestedReplenishmentIntervals } from "../../app/follow-ups/schedule.server";
import { PrismaClient } from "../../app/generated/prisma/client";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { storeOrder } from "../support/factories";

let database: TestDatabase;
let db: PrismaClient;
let shopId: string;
let otherShopId: string;
const DAY = 86_400_000;
const START = new Date("2026-01-01T12:00:00Z").getTime();
let orderCount = 0;

const TEA = "gid://shopify/Product/1";
const SOAP = "gid://shopify/Product/2";
const CANDLE = "gid://shopify/Product/3";
const MUG = "gid://shopify/Product/4";

const TITLES: Record<string, string> = { [TEA]: "Breakfast Tea", [SOAP]: "Olive Soap", [CANDLE]: "Candle", [MUG]: "Mug" };

function order(
  shop: string,
  customer: string | null,
  day: number,
  products: string[],
  extra: { test?: boolean; cancelled?: boolean; financialStatus?: string } = {},
) {
  const lines = products.map((product) => ({ productShopifyId: product, title: TITLES[product] }));
  return storeOrder(db, { shopId: shop, id: ++orderCount, customerShopifyId: customer, placedAt: new Date(START + day * DAY), lines, ...extra });
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 1 }) });
  shopId = (await db.shop.create({ data: { domain: "suggestions.myshopify.com" } })).id;
  otherShopId = (await db.shop.create({ data: { domain: "other-suggestions.myshopify.com" } })).id;

  // Tea: gaps of 28, 30, 30 (ann), 32, 35 (ben), 90 (cat) days: median of six is (30 + 32) / 2 = 31.
  for (const day of [0, 28, 58, 88]) await order(shopId, "ann", day, [TEA]);
  for (const day of [10, 42, 77]) await order(shopId, "ben", day, [TEA, TEA]); // twice in one order: one purchase
  await order(shopId, "cat", 5, [TEA, SOAP]);
  await order(shopId, "cat", 95, [TEA]);
  // What does not count: a test order, a cancelled one, a refunded one, a guest, a same-day top-up.
  await order(shopId, "ann", 88.5, [TEA]); // half a day after day 88
  await order(shopId, "ann", 100, [TEA], { test: true });
  await order(shopId, "ben", 80, [TEA], { cancelled: true });
  await order(shopId, "cat", 96, [TEA], { financialStatus: "refunded" });
  for (const day of [1, 3, 5, 7, 9, 11]) await order(shopId, null, day, [TEA]);
  // Soap: four repeats, one short of a suggestion.
  for (const day of [0, 20, 40, 60, 80]) await order(shopId, "dan", day, [SOAP]);
  // Candles, in another shop only: never this shop's.
  for (const customer of ["eve", "fay", "gus"]) for (const day of [0, 7, 14]) await order(otherShopId, customer, day, [CANDLE, TEA]);
  // A mug many buy once and a few buy again: not used up, whatever its gaps.
  for (const customer of ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "m11", "m12", "m13"]) await order(shopId, customer, 3, [MUG]);
  for (const customer of ["m1", "m2", "m3"]) for (const day of [40, 80]) await order(shopId, customer, day, [MUG]);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("the suggested use-up interval", () => {
  it("is the median days between a customer's counted purchases of a product, once there are five repeats", async () => {
    const suggestions = await suggestedReplenishmentIntervals(db, shopId);
    expect(suggestions.filter((suggestion) => suggestion.suggestedDays !== null)).toEqual([
      {
        productShopifyId: TEA,
        title: "Breakfast Tea",
        orders: 10,
        customers: 3,
        repeatCustomers: 3,
        repeats: 6,
        suggestedDays: 31,
        why: "median of 6 repeat purchases by 3 of 3 customers (100%)",
      },
    ]);
  });

  it("suggests nothing for a product few customers buy again, and says so with the counts it shows", async () => {
    const [mug] = await suggestedReplenishmentIntervals(db, shopId, [MUG]);
    // Six repeat purchases, but by 3 of 13 customers: bought again by chance, not used up.
    expect(mug).toMatchObject({ orders: 19, customers: 13, repeatCustomers: 3, repeats: 6, suggestedDays: null });
    expect(mug.why).toBe("Few customers buy it again: 3 of 13 (23%); a suggestion needs 3 or more and 25%");
    const [soap] = await suggestedReplenishmentIntervals(db, shopId, [SOAP]);
    expect(soap).toMatchObject({ customers: 2, repeatCustomers: 1, suggestedDays: null });
    expect(soap.why).toBe("Few customers buy it again: 1 of 2 (50%); a suggestion needs 3 or more and 25%");
  });

  it("reads only the shop's own orders, and only the products asked for", async () => {
    expect((await suggestedReplenishmentIntervals(db, otherShopId)).map((s) => [s.productShopifyId, s.suggestedDays])).toEqual([
      [TEA, 7],
      [CANDLE, 7],
    ]);
    expect((await suggestedReplenishmentIntervals(db, shopId, [SOAP])).map((s) => s.productShopifyId)).toEqual([SOAP]);
  });

  it("lists the shop's products most ordered first, with the interval set and the suggestion", async () => {
    await setReplenishmentInterval(db, shopId, SOAP, { intervalDays: 45, leadDays: 5 });
    await expect(setReplenishmentInterval(db, shopId, SOAP, { intervalDays: 10, leadDays: 10 })).rejects.toThrow(/shorter than the interval/);
    const { products, hasNextPage } = await replenishmentProducts(db, shopId, 1);
    expect(hasNextPage).toBe(false);
    expect(products.map(({ productShopifyId, orders, customers, repeatCustomers, intervalDays, leadDays, suggestedDays, repeats }) => ({ productShopifyId, orders, customers, repeatCustomers, intervalDays, leadDays, suggestedDays, repeats }))).toEqual([
      { productShopifyId: MUG, orders: 19, customers: 13, repeatCustomers: 3, intervalDays: null, leadDays: null, suggestedDays: null, repeats: 6 },
      { productShopifyId: TEA, orders: 10, customers: 3, repeatCustomers: 3, intervalDays: null, leadDays: null, suggestedDays: 31, repeats: 6 },
      { productShopifyId: SOAP, orders: 6, customers: 2, repeatCustomers: 1, intervalDays: 45, leadDays: 5, suggestedDays: null, repeats: 4 },
    ]);
  });
});
