/**
 * The Customers page's queries on a real database: pages of 25 newest first, search by name or email
 * (a `%` typed is a percent sign), counted orders only, the soonest scheduled follow-up, the health
 * mark from the thresholds and clock given, and never another shop's customers.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { customerDetail, searchCustomers } from "../../app/customers/directory.server";
import { PrismaClient } from "../../app/generated/prisma/client";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { storeOrder } from "../support/factories";

let database: TestDatabase;
let db: PrismaClient;
let shopId: string;
let otherShopId: string;
const now = new Date("2026-12-01T12:00:00Z");
const thresholds = { slippingDays: 30, lapsedDays: 90 };
const DAY = 86_400_000;

async function shop(domain: string) {
  return db.shop.create({ data: { domain, ianaTimezone: "UTC", currencyCode: "USD", installedAt: now, settings: { create: {} } } });
}

function order(shop: string, customer: string, id: number, daysAgo: number, extra: { cancelled?: boolean; test?: boolean } = {}) {
  return storeOrder(db, { shopId: shop, id, customerShopifyId: customer, placedAt: new Date(now.getTime() - daysAgo * DAY), ...extra });
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 2 }) });
  shopId = (await shop("directory.myshopify.com")).id;
  otherShopId = (await shop("directory-other.myshopify.com")).id;
  for (let i = 1; i <= 30; i++) {
    await db.customer.create({
      data: {
        shopId,
        shopifyId: `gid://shopify/Customer/${i}`,
        firstName: i === 7 ? "Zoë" : `Person`,
        lastName: i === 7 ? "100% Organic" : `Number ${i}`,
        email: `person${i}@example.com`,
        referralCode: `R${i}`,
        createdAt: new Date(now.getTime() - (31 - i) * DAY),
      },
    });
  }
  await db.customer.create({
    data: { shopId: otherShopId, shopifyId: "gid://shopify/Customer/1", firstName: "Person", lastName: "Elsewhere", email: "person1@example.com", referralCode: "R1" },
  });
  const seven = "gid://shopify/Customer/7";
  await order(shopId, seven, 1, 40);
  await order(shopId, seven, 2, 5, { cancelled: true });
  await order(shopId, seven, 3, 3, { test: true });
  await order(otherShopId, "gid://shopify/Customer/1", 4, 1);
  const base = { shopId, customerShopifyId: seven, status: "SCHEDULED" as const };
  await db.followUp.create({ data: { ...base, kind: "WIN_BACK", key: "w7", dueAt: new Date(now.getTime() + 20 * DAY) } });
  await db.followUp.create({ data: { ...base, kind: "REPLENISHMENT", key: "r7", dueAt: new Date(now.getTime() + 2 * DAY) } });
  await db.followUp.create({ data: { ...base, kind: "THANK_YOU", key: "t7", dueAt: new Date(now.getTime() + 1 * DAY), status: "CANCELLED" } });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("the Customers page's queries", () => {
  it("pages through the shop's customers, newest first", async () => {
    const first = await searchCustomers(db, shopId, { query: "", page: 1 }, thresholds, now);
    expect(first.customers).toHaveLength(25);
    expect(first.hasNext).toBe(true);
    expect(first.customers[0].email).toBe("person30@example.com");
    const second = await searchCustomers(db, shopId, { query: "", page: 2 }, thresholds, now);
    expect(second.customers.map((customer) => customer.email)).toEqual([5, 4, 3, 2, 1].map((i) => `person${i}@example.com`));
    expect(second.hasNext).toBe(false);
  });

  it("searches names and emails, case-insensitively, with % and _ taken literally", async () => {
    const byName = await searchCustomers(db, shopId, { query: "number 2", page: 1 }, thresholds, now);
    expect(byName.customers.map((customer) => customer.name).sort()).toEqual(
      ["Person Number 2", ...Array.from({ length: 10 }, (_, i) => `Person Number ${20 + i}`)].sort(),
    );
    const byEmail = await searchCustomers(db, shopId, { query: "PERSON12@", page: 1 }, thresholds, now);
    expect(byEmail.customers.map((customer) => customer.email)).toEqual(["person12@example.com"]);
    const percent = await searchCustomers(db, shopId, { query: "100%", page: 1 }, thresholds, now);
    expect(percent.customers.map((customer) => customer.name)).toEqual(["Zoë 100% Organic"]);
    const underscore = await searchCustomers(db, shopId, { query: "person_", page: 1 }, thresholds, now);
    expect(underscore.customers).toEqual([]);
  });

  it("counts orders as the reports do, shows the soonest scheduled follow-up and the health mark", async () => {
    const [zoe] = (await searchCustomers(db, shopId, { query: "organic", page: 1 }, thresholds, now)).customers;
    // The cancelled and the test order do not count: the last counted order was 40 days ago.
    expect(zoe).toMatchObject({ orders: 1, health: "slipping", nextFollowUp: { kind: "REPLENISHMENT" } });
    expect(zoe.lastOrderAt).toBe(new Date(now.getTime() - 40 * DAY).toISOString());
    const later = new Date(now.getTime() + 60 * DAY);
    const [lapsed] = (await searchCustomers(db, shopId, { query: "organic", page: 1 }, thresholds, later)).customers;
    expect(lapsed.health).toBe("lapsed");
    const [noOrders] = (await searchCustomers(db, shopId, { query: "person1@", page: 1 }, thresholds, now)).customers;
    expect(noOrders).toMatchObject({ orders: 0, health: "no-orders", nextFollowUp: null });
  });

  it("never shows another shop's customers", async () => {
    const found = await searchCustomers(db, shopId, { query: "elsewhere", page: 1 }, thresholds, now);
    expect(found.customers).toEqual([]);
    const stranger = await db.customer.findFirstOrThrow({ where: { shopId: otherShopId } });
    await expect(customerDetail(db, shopId, stranger.id, thresholds, now)).resolves.toBeNull();
    // The same Shopify id in this shop is this shop's customer, without the other shop's order.
    const own = (await searchCustomers(db, shopId, { query: "person1@", page: 1 }, thresholds, now)).customers[0];
    expect((await customerDetail(db, shopId, own.id, thresholds, now))?.orders).toBe(0);
  });
});
