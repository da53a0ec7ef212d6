/**
 * The webhook inbox: a delivery is stored and answered, then applied once by the inbox processor in
 * the app (or by `npm run worker`); a delivery whose handler fails keeps its error, writes nothing,
 * and is applied when a later attempt succeeds.
 */
import { createHmac } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { acceptWebhook } from "../../app/webhooks/inbox.server";
import { startTestApp, type TestApp } from "../support/test-app";
import { deliveryProcessed, paidOrderPayload, sendWebhook } from "../support/webhooks";

let app: TestApp;
let shopId: string;
beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
});
afterAll(async () => {
  await app?.close();
});

let sequence = 0;
const gid = (type: string) => `gid://shopify/${type}/${Date.now()}${++sequence}`;



async function spendPoints(customerShopifyId: string): Promise<number> {
  const customer = await app.db.customer.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } } });
  if (!customer) return 0;
  const { _sum } = await app.db.pointsLedgerEntry.aggregate({ where: { customerId: customer.id, reason: "SPEND" }, _sum: { points: true } });
  return _sum.points ?? 0;
}

describe("the webhook inbox", () => {
  it("applies a stored delivery once and keeps only its key, however often Shopify repeats it", async () => {
    const orderId = gid("Order");
    const customerId = gid("Customer");
    const payload = paidOrderPayload(orderId, customerId);
    for (let delivery = 0; delivery < 3; delivery++) {
      expect((await sendWebhook(app, "orders/paid", payload, { eventId: `inbox-once-${orderId}` })).status).toBe(200);
    }
    const rows = await app.db.webhookEvent.findMany({ where: { eventId: `inbox-once-${orderId}` } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ topic: "orders/paid", attempts: 0, body: null, lastError: null });
    expect(rows[0].processedAt).toBeInstanceOf(Date);
    expect(await app.db.order.count({ where: { shopId, shopifyId: orderId } })).toBe(1);
    expect(await spendPoints(customerId)).toBeGreaterThan(0);
  });

  it("keeps a delivery whose handler fails, with its error and nothing written, and applies it when a retry succeeds", async () => {
    const orderId = gid("Order");
    const customerId = gid("Customer");
    // A real failure inside the handler's transaction, after the order row is written: PostgreSQL refuses the line item.
    await app.db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_sabotaged_line() RETURNS trigger AS $$
      BEGIN IF NEW.title = 'Sabotaged' THEN RAISE EXCEPTION 'line item refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await app.db.$executeRawUnsafe(`CREATE TRIGGER refuse_sabotaged_line BEFORE INSERT ON "OrderLineItem" FOR EACH ROW EXECUTE FUNCTION refuse_sabotaged_line()`);
    try {
      const eventId = `inbox-retry-${orderId}`;
      const response = await fetch(new URL("/webhooks/orders/paid", app.appUrl), signedDelivery("orders/paid", paidOrderPayload(orderId, customerId, "Sabotaged"), eventId));
      expect(response.status).toBe(200);
      const failed = await waitFor(() => app.db.webhookEvent.findFirst({ where: { eventId, attempts: { gt: 0 } } }));
      expect(failed.processedAt).toBeNull();
      expect(failed.body).toContain(orderId);
      expect(failed.lastError).toContain("line item refused for the test");
      expect(failed.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() - 1000);
      expect(await app.db.order.count({ where: { shopId, shopifyId: orderId } })).toBe(0);
      expect(await spendPoints(customerId)).toBe(0);

      await app.db.$executeRawUnsafe(`DROP TRIGGER refuse_sabotaged_line ON "OrderLineItem"`);
      await deliveryProcessed(app, "orders/paid", eventId);
      expect(await app.db.order.count({ where: { shopId, shopifyId: orderId } })).toBe(1);
      expect(await app.db.orderLineItem.count({ where: { order: { shopifyId: orderId } } })).toBeGreaterThan(0);
      expect(await spendPoints(customerId)).toBeGreaterThan(0);
    } finally {
      await app.db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS refuse_sabotaged_line ON "OrderLineItem"`);
      await app.db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS refuse_sabotaged_line()`);
    }
  });

  it("hears bulk_operations/finish for each of the history import's Bulk Operations", async () => {
    await app.devStore.webhooks.idle();
    const operations = await app.db.webhookEvent.findMany({ where: { topic: "bulk_operations/finish" } });
    // Customers, then orders: one finished operation each, applied.
    expect(operations).toHaveLength(2);
    expect(operations.every((operation) => operation.processedAt !== null)).toBe(true);
  });

  it("stores every one of many deliveries that arrive at once, each answered only once its row is stored", async () => {
    const orders = Array.from({ length: 40 }, () => gid("Order"));
    const answers = await Promise.all(
      orders.map((orderId) => fetch(new URL("/webhooks/orders/paid", app.appUrl), signedDelivery("orders/paid", paidOrderPayload(orderId, gid("Customer")), `inbox-burst-${orderId}`))),
    );
    expect(answers.map((answer) => answer.status)).toEqual(orders.map(() => 200));
    // A 200 means stored: every row is there the moment the last answer arrives.
    const stored = await app.db.webhookEvent.findMany({ where: { eventId: { in: orders.map((orderId) => `inbox-burst-${orderId}`) } } });
    expect(stored).toHaveLength(orders.length);
    for (const orderId of orders) await deliveryProcessed(app, "orders/paid", `inbox-burst-${orderId}`);
    expect(await app.db.order.count({ where: { shopId, shopifyId: { in: orders } } })).toBe(orders.length);
  });

  it("stores deliveries that arrive together with one INSERT, and fails only the one the database refuses", async () => {
    // PostgreSQL refuses one row of the inbox; the deliveries stored in the same INSERT must still be stored.
    await app.db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_inbox_row() RETURNS trigger AS $$
      BEGIN IF NEW."eventId" = 'inbox-refused-row' THEN RAISE EXCEPTION 'inbox row refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await app.db.$executeRawUnsafe(`CREATE TRIGGER refuse_inbox_row BEFORE INSERT ON "WebhookEvent" FOR EACH ROW EXECUTE FUNCTION refuse_inbox_row()`);
    // The route's own acceptance on a real pool, so that all twelve arrive in the same turn of the event loop.
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    // Each INSERT's values (seven per row: the six of the delivery and its kept snapshot; a row's event id among them).
    const inserts: unknown[][] = [];
    const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
    pool.query = ((config: pg.QueryConfig) => {
      inserts.push(config.values ?? []);
      return query(config);
    }) as typeof pool.query;
    try {
      const eventIds = Array.from({ length: 12 }, (_, n) => (n === 5 ? "inbox-refused-row" : `inbox-beside-${gid("Event")}`));
      const outcomes = await Promise.allSettled(
        eventIds.map((eventId) => {
          const { body, headers } = signedDelivery("orders/paid", paidOrderPayload(gid("Order"), gid("Customer")), eventId);
          const request = new Request(new URL("/webhooks/orders/paid", app.appUrl), { method: "POST", body, headers });
          return acceptWebhook(request, { pool, secret: process.env.SHOPIFY_API_SECRET!, topics: ["orders/paid"] });
        }),
      );
      expect(outcomes.map((outcome) => (outcome.status === "fulfilled" ? outcome.value.status : String(outcome.reason)))).toEqual(
        eventIds.map((eventId) => (eventId === "inbox-refused-row" ? "error: inbox row refused for the test" : 200)),
      );
      expect(await app.db.webhookEvent.count({ where: { eventId: { in: eventIds } } })).toBe(eventIds.length - 1);
      // Deliveries read in the same turn share an INSERT (the signature check is asynchronous, so
      // "the same turn" may split twelve into more than one); the INSERT the database refused is then
      // tried row by row, each of its rows once, and no row of an INSERT that succeeded is written again.
      const rowsOf = (values: unknown[]) => values.length / 7;
      const insertsOf = (eventId: string) => inserts.filter((values) => values.includes(eventId));
      const refused = insertsOf("inbox-refused-row").find((values) => rowsOf(values) > 1);
      expect(refused, "the refused row was stored together with others").toBeDefined();
      for (const eventId of eventIds) {
        const tried = insertsOf(eventId);
        if (refused!.includes(eventId)) expect(tried.map(rowsOf)).toEqual([rowsOf(refused!), 1]);
        else expect(tried).toHaveLength(1);
      }
    } finally {
      await pool.end();
      await app.db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS refuse_inbox_row ON "WebhookEvent"`);
      await app.db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS refuse_inbox_row()`);
    }
  });

  it("stores nothing for a delivery it refuses", async () => {
    const forged = signedDelivery("orders/paid", paidOrderPayload(gid("Order"), gid("Customer")), "inbox-forged", "another-secret");
    expect((await fetch(new URL("/webhooks/orders/paid", app.appUrl), forged)).status).toBe(401);
    const unknownTopic = signedDelivery("products/create", { id: 1 }, "inbox-unknown-topic");
    expect((await fetch(new URL("/webhooks/orders/paid", app.appUrl), unknownTopic)).status).toBe(400);
    expect(await app.db.webhookEvent.count({ where: { eventId: { in: ["inbox-forged", "inbox-unknown-topic"] } } })).toBe(0);
  });
});

function signedDelivery(topic: string, payload: unknown, eventId: string, secret = process.env.SHOPIFY_API_SECRET!): RequestInit & { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  return {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": topic,
      "X-Shopify-Shop-Domain": app.devStore.config.shop,
      "X-Shopify-API-Version": "2026-10",
      "X-Shopify-Webhook-Id": `${eventId}-webhook`,
      "X-Shopify-Event-Id": eventId,
      "X-Shopify-Triggered-At": new Date().toISOString(),
      "X-Shopify-Hmac-Sha256": hmac(body, secret),
    },
  };
}

/** As Shopify signs: base64 of HMAC-SHA256 over the exact body. */
function hmac(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body).digest("base64");
}

async function waitFor<T>(find: () => Promise<T | null>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
