/**
 * The inbox applies a batch of orders/paid deliveries in a number of SQL statements that does not
 * grow with the batch: the orders and their customers are stored in one upsert each, and the points,
 * referral checks, follow-ups and report rows are worked out for the whole batch at its end
 * (docs/decisions/apply-path.md). The statements are counted on the connection itself (pg's
 * `Client.query`, under Prisma's driver adapter), and the batch must still do each order's work:
 * every customer earns their order's points.
 *
 * The app's own inbox lanes are off (PROCESS_WEBHOOKS_IN_APP=false): the test drives the processor.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { BatchOutcome } from "../../app/webhooks/inbox-processor.server";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { paidOrderPayload } from "../support/webhooks";

let app: TestApp;
let shopId: string;
let processDueDeliveries: (limit: number) => Promise<BatchOutcome>;

// The statements pg clients send on behalf of the batch being counted (not the app's background jobs in this process).
const counted = new AsyncLocalStorage<{ statements: number }>();
const query = pg.Client.prototype.query;

beforeAll(async () => {
  process.env.PROCESS_WEBHOOKS_IN_APP = "false";
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const batch = counted.getStore();
    if (batch) batch.statements += 1;
    return (query as (...args: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  const processor = await import("../../app/webhooks/inbox-processor.server");
  processDueDeliveries = (limit) => processor.processDueDeliveries(app.db, () => new Date(), 5, limit);
  // What the install left in the inbox (bulk_operations/finish…), out of the way.
  while ((await processDueDeliveries(100)).taken > 0);
}, 120_000);
afterAll(async () => {
  pg.Client.prototype.query = query;
  delete process.env.PROCESS_WEBHOOKS_IN_APP;
  await app?.close();
});

let sequence = 0;
const gid = (type: string) => `gid://shopify/${type}/${Date.now()}${++sequence}`;

/** `count` paid orders, each of a new customer, in the inbox as the route stores them; their customers. */
async function storePaidOrders(count: number): Promise<string[]> {
  const customers = Array.from({ length: count }, () => gid("Customer"));
  await app.db.webhookEvent.createMany({
    data: customers.map((customerId) => ({
      shopDomain: TEST_APP.shop,
      eventId: randomUUID(),
      webhookId: randomUUID(),
      topic: "orders/paid",
      body: JSON.stringify(paidOrderPayload(gid("Order"), customerId)),
    })),
  });
  return customers;
}

/** One batch of up to `limit` deliveries: its outcome and the statements it sent. */
async function countedBatch(limit: number): Promise<{ outcome: BatchOutcome; statements: number }> {
  const batch = { statements: 0 };
  const outcome = await counted.run(batch, () => processDueDeliveries(limit));
  return { outcome, statements: batch.statements };
}

async function spendPointsOf(customerShopifyIds: string[]): Promise<number[]> {
  const rows = await app.db.$queryRaw<{ shopifyId: string; points: bigint | null }[]>`
    SELECT c."shopifyId", SUM(e.points) AS points FROM "Customer" c
      LEFT JOIN "PointsLedgerEntry" e ON e."customerId" = c.id AND e.reason = 'SPEND'
     WHERE c."shopId" = ${shopId} AND c."shopifyId" = ANY(${customerShopifyIds}::text[])
     GROUP BY c."shopifyId"`;
  const points = new Map(rows.map((row) => [row.shopifyId, Number(row.points ?? 0)]));
  return customerShopifyIds.map((customer) => points.get(customer) ?? 0);
}

describe("a batch of paid orders", () => {
  it("sends as many statements for 100 orders as for 10, and every customer earns their points", async () => {
    const few = await storePaidOrders(10);
    const small = await countedBatch(100);
    expect(small.outcome).toMatchObject({ taken: 10, applied: 10, failed: 0, busy: 0 });

    const many = await storePaidOrders(100);
    const large = await countedBatch(100);
    expect(large.outcome).toMatchObject({ taken: 100, applied: 100, failed: 0, busy: 0 });

    // Counted on the batch's connection (a batch sends at least its claim, locks, upserts, mark and commit)…
    expect(small.statements).toBeGreaterThan(10);
    // …and ten times the orders send the same statements: none is sent per order.
    expect(large.statements).toBe(small.statements);
    // Shopify's sample order: 404.95 of goods after discounts (shipping and tax earn nothing), 1 point a dollar, rounded down.
    expect(await spendPointsOf(few)).toEqual(few.map(() => 404));
    expect(await spendPointsOf(many)).toEqual(many.map(() => 404));
    expect(await app.db.order.count({ where: { shopId, customerShopifyId: { in: [...few, ...many] } } })).toBe(110);
  }, 120_000);
});
