/**
 * The session storage the app hands `@shopify/shopify-app-remix` (`PrismaSessionStorage` on the app's
 * generated Prisma client), on a real database: sessions stored, read back and replaced; and a write
 * the database refuses reaches the caller as the database's own error. Unpatched, the library tested
 * `error instanceof Prisma.PrismaClientKnownRequestError`, which is undefined with the generated client,
 * so every failed write surfaced as "Right-hand side of 'instanceof' is not an object" and hid the real
 * cause (a timeout, a refused value). `patches/@shopify+shopify-app-session-storage-prisma+11.0.0.patch`
 * recognises Prisma's unique-key error by its code instead.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { PrismaClient } from "../../app/generated/prisma/client";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let db: PrismaClient;
let storage: PrismaSessionStorage<PrismaClient>;

function session(id: string, shop: string, accessToken = "shpat_test"): Session {
  return new Session({ id, shop, state: "state", isOnline: false, scope: "read_orders", accessToken });
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 2 }) });
  storage = new PrismaSessionStorage(db);
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("session storage on the generated client", () => {
  it("stores, reads back and replaces a session, and finds it by shop", async () => {
    expect(await storage.storeSession(session("offline_a.myshopify.com", "a.myshopify.com", "first"))).toBe(true);
    expect(await storage.storeSession(session("offline_a.myshopify.com", "a.myshopify.com", "second"))).toBe(true);

    const loaded = await storage.loadSession("offline_a.myshopify.com");
    expect(loaded?.accessToken).toBe("second");
    expect((await storage.findSessionsByShop("a.myshopify.com")).map((found) => found.id)).toEqual(["offline_a.myshopify.com"]);
  });

  it("stores the same new session from many requests at once (the unique-key retry) and keeps one row", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => storage.storeSession(session("offline_b.myshopify.com", "b.myshopify.com"))),
    );
    expect(results).toEqual(Array(8).fill(true));
    expect(await db.session.count({ where: { shop: "b.myshopify.com" } })).toBe(1);
  });

  it("passes the database's refusal to the caller instead of a TypeError", async () => {
    // PostgreSQL refuses a NUL character in text: a real error from the database, not one made up here.
    const refused = await storage.storeSession(session("offline_c.myshopify.com", "c\u0000.myshopify.com")).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(Error);
    expect(refused).not.toBeInstanceOf(TypeError);
    expect(String((refused as Error).message)).not.toMatch(/instanceof/);
    expect(String((refused as Error).message)).toMatch(/0x00|invalid byte sequence/i);
    expect(await db.session.count({ where: { id: "offline_c.myshopify.com" } })).toBe(0);
  });
});
