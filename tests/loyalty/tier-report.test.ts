/**
 * The VIP tiers' report (the dashboard's "VIP tiers" and `npm run report -- --json` `tiers`) on a
 * hand-worked shop: members per tier (customers without one as "No tier"), their average order value
 * over counted orders (Sales ÷ orders) and their repeat rate (members with 2 or more counted orders ÷
 * members). A cancelled order and a test order count for nothing; another shop's customers never do.
 */
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { PrismaClient } from "../../app/generated/prisma/client";
import { saveTier, saveTierProgram, tierReport } from "../../app/loyalty/tiers.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { storeOrder } from "../support/factories";

let database: TestDatabase;
let db: PrismaClient;
let shopId: string;
let otherShopId: string;
let orderNumber = 0;
const START = new Date("2026-06-01T12:00:00Z").getTime();

/** An order of `lines` lines at 10.00 each: its Sales are 10.00 × lines. */
const order = (shop: string, customer: string, day: number, lines: number, extra: { cancelled?: boolean; test?: boolean } = {}) =>
  storeOrder(db, {
    shopId: shop,
    id: ++orderNumber,
    customerShopifyId: customer,
    placedAt: new Date(START + day * 86_400_000),
    lines: Array.from({ length: lines }, (_, index) => ({ productShopifyId: `gid://shopify/Product/${index + 1}`, title: `Item ${index + 1}` })),
    ...extra,
  });

async function customer(shop: string, name: string, tierId: string | null) {
  const created = await db.customer.create({
    data: { shopId: shop, shopifyId: `gid://shopify/Customer/${name}-${randomUUID().slice(0, 8)}`, firstName: name, referralCode: randomUUID().slice(0, 8) },
  });
  if (tierId) await db.customerTier.create({ data: { customerId: created.id, shopId: shop, tierId, computedAt: new Date() } });
  return created.shopifyId;
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 1 }) });
  shopId = (await db.shop.create({ data: { domain: `${randomUUID()}.myshopify.com`, settings: { create: {} } } })).id;
  otherShopId = (await db.shop.create({ data: { domain: `${randomUUID()}.myshopify.com`, settings: { create: {} } } })).id;
  expect(await saveTierProgram(db, shopId, { tierBasis: "AMOUNT_SPENT", tierWindowMonths: "", tierRetentionDays: "0" })).toEqual({ ok: true });
  expect(await saveTier(db, shopId, null, { name: "Silver", threshold: "100", multiplierPercent: "100", entryRewardPoints: "0", benefits: "" })).toEqual({ ok: true });
  expect(await saveTier(db, shopId, null, { name: "Gold", threshold: "500", multiplierPercent: "150", entryRewardPoints: "0", benefits: "" })).toEqual({ ok: true });
  const tier = async (name: string) => (await db.tier.findFirstOrThrow({ where: { shopId, name } })).id;
  const [silver, gold] = [await tier("Silver"), await tier("Gold")];

  // Gold: Ana 100.00 + 300.00 (a repeat customer), Ben 200.00.
  const ana = await customer(shopId, "ana", gold);
  await order(shopId, ana, 0, 10);
  await order(shopId, ana, 30, 30);
  await order(shopId, await customer(shopId, "ben", gold), 5, 20);
  // Silver: Cy 50.00 three times (a repeat customer).
  const cy = await customer(shopId, "cy", silver);
  for (const day of [1, 2, 3]) await order(shopId, cy, day, 5);
  // No tier: Dee never ordered; Eve ordered 30.00, and a cancelled 1,000.00 and a test order count for nothing.
  await customer(shopId, "dee", null);
  const eve = await customer(shopId, "eve", null);
  await order(shopId, eve, 4, 3);
  await order(shopId, eve, 6, 100, { cancelled: true });
  await order(shopId, eve, 7, 100, { test: true });
  // Another shop's customer with orders: never in this shop's report.
  const zed = await customer(otherShopId, "zed", null);
  await order(otherShopId, zed, 1, 50);
  await order(otherShopId, zed, 2, 50);
}, 60_000);
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("the VIP tiers' report", () => {
  it("gives members, average order value and repeat rate per tier, worked by hand", async () => {
    expect(await tierReport(db, shopId)).toEqual([
      // Dee and Eve: Eve's one counted order of 30.00; neither ordered twice.
      { tier: "No tier", members: 2, averageOrderValue: "30.00", repeatRate: 0 },
      // Cy: 150.00 over 3 orders; he ordered twice or more.
      { tier: "Silver", members: 1, averageOrderValue: "50.00", repeatRate: 1 },
      // Ana and Ben: 600.00 over 3 orders; Ana alone ordered twice.
      { tier: "Gold", members: 2, averageOrderValue: "200.00", repeatRate: 0.5 },
    ]);
  });
});
