/**
 * What the HMAC does not cover: the topic and shop headers, the body's size, and whether what a
 * genuinely signed body says can be stored. Every delivery here is signed with the app's secret, as a
 * captured or replayed Shopify delivery is; each is either refused at once (4xx, nothing stored,
 * nothing changed) or accepted and then applied.
 */
import { randomUUID } from "node:crypto";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import fc from "fast-check";
import { parse } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MAX_ENTRY_POINTS } from "../../app/loyalty/points-rules";
import { WEBHOOK_SUBSCRIPTIONS } from "../../app/webhooks/subscriptions";
import { WEBHOOK_TOPICS } from "../../app/webhooks/topics.server";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { compliancePayload, deliveryProcessed, samplePayload, sendWebhook } from "../support/webhooks";

let app: TestApp;
let shopId: string;
beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
});
afterAll(async () => {
  await app?.close();
});

const shop = () => app.devStore.config.shop;
let sequence = 0;
const gid = (type: string) => `gid://shopify/${type}/${Date.now()}${++sequence}`;
type Json = Record<string, unknown>;

function paidOrder(overrides: { orderId?: string; customerId?: string; name?: string; title?: string; quantity?: number; price?: string; amount?: string; createdAt?: string; firstName?: string } = {}) {
  const sample = samplePayload<Json & { line_items: Json[]; customer: Json }>("orders/paid");
  const now = new Date().toISOString();
  const amount = overrides.amount;
  const money = (value: string) => ({ shop_money: { amount: value, currency_code: "USD" }, presentment_money: { amount: value, currency_code: "USD" } });
  return {
    ...sample,
    admin_graphql_api_id: overrides.orderId ?? gid("Order"),
    name: overrides.name ?? sample.name,
    financial_status: "paid",
    created_at: overrides.createdAt ?? now,
    updated_at: overrides.createdAt ?? now,
    cancelled_at: null,
    refunds: [],
    ...(amount ? { subtotal_price_set: money(amount), total_price_set: money(amount) } : {}),
    line_items: sample.line_items.map((line, index) => ({
      ...line,
      title: overrides.title ?? line.title,
      ...(index === 0 && overrides.quantity !== undefined ? { quantity: overrides.quantity } : {}),
      ...(index === 0 && overrides.price !== undefined ? { price_set: money(overrides.price) } : {}),
    })),
    customer: { ...sample.customer, admin_graphql_api_id: overrides.customerId ?? gid("Customer"), first_name: overrides.firstName ?? "Ada", state: "disabled" },
  };
}

async function storedEvent(eventId: string) {
  return app.db.webhookEvent.findFirst({ where: { eventId } });
}

async function spendPoints(customerShopifyId: string): Promise<number> {
  const customer = await app.db.customer.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } } });
  if (!customer) return 0;
  const { _sum } = await app.db.pointsLedgerEntry.aggregate({ where: { customerId: customer.id, reason: "SPEND" }, _sum: { points: true } });
  return _sum.points ?? 0;
}

describe("topic and shop: the headers the HMAC does not cover", () => {
  it("declares in one place the same topics per route as shopify.app.toml", () => {
    const toml = parse(readFileSync("shopify.app.toml", "utf8")) as { webhooks: { subscriptions: { uri: string; topics?: string[]; compliance_topics?: string[] }[] } };
    const declared = Object.fromEntries(toml.webhooks.subscriptions.map((entry) => [entry.uri, [...(entry.topics ?? []), ...(entry.compliance_topics ?? [])].sort()]));
    const bound = Object.fromEntries(Object.entries(WEBHOOK_SUBSCRIPTIONS).map(([uri, topics]) => [uri, [...topics].sort()]));
    expect(bound).toEqual(declared);
    // And a handler for each of them, none for anything else.
    expect(Object.keys(WEBHOOK_TOPICS).sort()).toEqual(Object.values(declared).flat().sort());
  });

  it("refuses at every route each topic that is not its own, with a genuine signed body, storing nothing", async () => {
    const everyTopic = Object.values(WEBHOOK_SUBSCRIPTIONS).flat();
    const misrouted: string[] = [];
    for (const [uri, topics] of Object.entries(WEBHOOK_SUBSCRIPTIONS)) {
      for (const topic of everyTopic.filter((candidate) => !(topics as readonly string[]).includes(candidate))) {
        const eventId = `misrouted-${randomUUID()}`;
        const response = await sendWebhook(app, topic, { ...samplePayload<Json>(topic), shop_domain: shop() }, { uri, eventId });
        if (response.status !== 400) misrouted.push(`${topic} at ${uri}: ${response.status}`);
      }
    }
    expect(misrouted).toEqual([]);
    expect(await app.db.webhookEvent.count({ where: { eventId: { startsWith: "misrouted-" } } })).toBe(0);
    expect(await app.db.shop.count({ where: { domain: shop() } })).toBe(1);
  });

  it("does not erase the shop for a customers/data_request body re-sent as shop/redact", async () => {
    expect((await sendWebhook(app, "orders/paid", paidOrder())).status).toBe(200);
    const orders = await app.db.order.count({ where: { shopId } });
    const customers = await app.db.customer.count({ where: { shopId } });
    expect(orders).toBeGreaterThan(0);
    const dataRequest = compliancePayload<Json>(app, "customers/data_request");
    const response = await sendWebhook(app, "shop/redact", dataRequest, { eventId: "replayed-data-request" });
    expect(response.status).toBe(422);
    expect(await storedEvent("replayed-data-request")).toBeNull();
    expect(await app.db.order.count({ where: { shopId } })).toBe(orders);
    expect(await app.db.customer.count({ where: { shopId } })).toBe(customers);
  });

  it("refuses a shop/redact body re-sent as customers/redact or customers/data_request", async () => {
    const shopRedact = compliancePayload<Json>(app, "shop/redact");
    expect((await sendWebhook(app, "customers/redact", shopRedact)).status).toBe(422);
    expect((await sendWebhook(app, "customers/data_request", shopRedact)).status).toBe(422);
    const redact = compliancePayload<Json>(app, "customers/redact");
    expect((await sendWebhook(app, "customers/data_request", redact)).status).toBe(422);
    expect(await app.db.complianceRequest.count()).toBe(0);
  });

  it("refuses a compliance request that names another shop than its header", async () => {
    const otherShop = { ...samplePayload<Json>("shop/redact"), shop_domain: "another-shop.myshopify.com" };
    expect((await sendWebhook(app, "shop/redact", otherShop, { eventId: "redact-other-shop" })).status).toBe(422);
    const otherCustomerShop = { ...samplePayload<Json>("customers/data_request"), shop_domain: "another-shop.myshopify.com" };
    expect((await sendWebhook(app, "customers/data_request", otherCustomerShop)).status).toBe(422);
    expect(await storedEvent("redact-other-shop")).toBeNull();
    expect(await app.db.shop.count({ where: { domain: shop() } })).toBe(1);
    expect(await app.db.complianceRequest.count()).toBe(0);
  });

  it("refuses a compliance request whose shop_id is not the header's shop's, and accepts the shop's own", async () => {
    expect((await sendWebhook(app, "orders/paid", paidOrder())).status).toBe(200);
    const orders = await app.db.order.count({ where: { shopId } });
    const customers = await app.db.customer.count({ where: { shopId } });
    expect(orders).toBeGreaterThan(0);
    const own = compliancePayload<Json & { shop_id: number }>(app, "shop/redact");
    // The shop's own domain, another shop's id: a captured shop/redact of another shop, re-addressed.
    const response = await sendWebhook(app, "shop/redact", { ...own, shop_id: own.shop_id + 1 }, { eventId: "redact-other-shop-id" });
    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/shop_id/);
    const request = { ...compliancePayload<Json>(app, "customers/data_request"), shop_id: 954889 };
    expect((await sendWebhook(app, "customers/data_request", request)).status).toBe(422);
    expect(await storedEvent("redact-other-shop-id")).toBeNull();
    expect(await app.db.complianceRequest.count()).toBe(0);
    expect(await app.db.order.count({ where: { shopId } })).toBe(orders);
    expect(await app.db.customer.count({ where: { shopId } })).toBe(customers);
    // The shop's own id is accepted (stored at install from the Admin API's shop.id).
    expect((await app.db.shop.findUniqueOrThrow({ where: { id: shopId } })).shopifyId).toBe(String(own.shop_id));
    expect((await sendWebhook(app, "customers/data_request", { ...request, shop_id: own.shop_id })).status).toBe(200);
    expect(await app.db.complianceRequest.count({ where: { topic: "customers/data_request" } })).toBe(1);
    await app.db.complianceRequest.deleteMany();
  });

  it("does not uninstall the shop for an orders/paid body re-sent as app/uninstalled", async () => {
    const order = paidOrder();
    expect((await sendWebhook(app, "app/uninstalled", order, { uri: "/webhooks/orders/paid" })).status).toBe(400);
    expect((await sendWebhook(app, "app/uninstalled", order, { eventId: "replayed-order-as-uninstall" })).status).toBe(422);
    // Another shop's own app/uninstalled body, with this shop's header.
    const otherShop = { ...samplePayload<Json>("app/uninstalled"), myshopify_domain: "another-shop.myshopify.com", domain: "another-shop.com" };
    expect((await sendWebhook(app, "app/uninstalled", otherShop)).status).toBe(422);
    expect(await storedEvent("replayed-order-as-uninstall")).toBeNull();
    expect(await app.db.session.count({ where: { shop: shop() } })).toBe(1);
    expect((await app.db.shop.findUniqueOrThrow({ where: { domain: shop() } })).uninstalledAt).toBeNull();
  });
});

describe("the body's size", () => {
  const LIMIT = 2 * 1024 * 1024;

  /** POSTs a signed-looking delivery whose body is written in 64 KB chunks up to `total` bytes, as long as the app reads. */
  function streamDelivery(options: { total: number; contentLength?: number }): Promise<{ status: number; bytesSent: number }> {
    return new Promise((resolve, reject) => {
      const url = new URL("/webhooks/orders/paid", app.appUrl);
      const headers: Record<string, string | number> = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/paid",
        "X-Shopify-Shop-Domain": TEST_APP.shop,
        "X-Shopify-Event-Id": randomUUID(),
        "X-Shopify-Hmac-Sha256": createHmac("sha256", "wrong").update("x").digest("base64"),
      };
      if (options.contentLength !== undefined) headers["Content-Length"] = options.contentLength;
      const request = http.request(url, { method: "POST", headers });
      const chunk = Buffer.alloc(64 * 1024, "a");
      let bytesSent = 0;
      let answered = false;
      request.on("response", (response) => {
        answered = true;
        response.resume();
        resolve({ status: response.statusCode ?? 0, bytesSent });
        request.destroy();
      });
      request.on("error", (error) => (answered ? undefined : reject(error)));
      const write = () => {
        while (!answered && bytesSent < options.total) {
          bytesSent += chunk.length;
          if (!request.write(chunk)) return request.once("drain", write);
        }
        if (!answered) request.end();
      };
      write();
    });
  }

  it("answers 413 to a declared Content-Length over the limit before reading the body", async () => {
    // Only the first chunks are ever sent: the answer must come without the rest.
    const { status, bytesSent } = await streamDelivery({ total: 64 * 1024 * 1024, contentLength: 64 * 1024 * 1024 });
    expect(status).toBe(413);
    expect(bytesSent).toBeLessThan(16 * 1024 * 1024);
  });

  it("answers 413 to a chunked body once it passes the limit, without reading the rest", async () => {
    const { status, bytesSent } = await streamDelivery({ total: 256 * 1024 * 1024 });
    expect(status).toBe(413);
    expect(bytesSent).toBeGreaterThan(LIMIT);
    expect(bytesSent).toBeLessThan(64 * 1024 * 1024);
  });

  it("still accepts a large genuine order under the limit", async () => {
    const order: Json = paidOrder();
    const line = (order.line_items as Json[])[0];
    // About 1 MB: a thousand lines.
    order.line_items = Array.from({ length: 1000 }, (_, n) => ({ ...line, admin_graphql_api_id: `gid://shopify/LineItem/${Date.now()}${n}`, quantity: 1 }));
    expect(JSON.stringify(order).length).toBeGreaterThan(900_000);
    expect((await sendWebhook(app, "orders/paid", order)).status).toBe(200);
    expect(await app.db.orderLineItem.count({ where: { order: { shopifyId: order.admin_graphql_api_id as string } } })).toBe(1000);
  });
});

describe("what a signed body says, stored", () => {
  it("stores a name with a NUL character and a lone surrogate, cleaned", async () => {
    const customerId = gid("Customer");
    const orderId = gid("Order");
    const response = await sendWebhook(app, "orders/paid", paidOrder({ orderId, customerId, name: "#10\u000001", title: "Mug \ud800 blue", firstName: "Zo\u0000\udfffe" }));
    expect(response.status).toBe(200);
    const order = await app.db.order.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: orderId } }, include: { lineItems: true } });
    expect(order.name).toBe("#1001");
    expect(order.lineItems.map((line) => line.title)).toContain("Mug \ufffd blue");
    const customer = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customerId } } });
    expect(customer.firstName).toBe("Zo\ufffde");
  });

  it("records a data request whose customer email holds a NUL and a lone surrogate", async () => {
    const request = compliancePayload<Json & { customer: Json }>(app, "customers/data_request");
    request.customer = { ...request.customer, email: "jo\u0000hn\ud83d@example.com" };
    expect((await sendWebhook(app, "customers/data_request", request)).status).toBe(200);
    const [stored] = await app.db.complianceRequest.findMany({ where: { topic: "customers/data_request" } });
    expect((stored.payload as { customer: { email: string } }).customer.email).toBe("john\ufffd@example.com");
    await app.db.complianceRequest.deleteMany();
  });

  it("refuses a quantity past Shopify's 32-bit Int with 422, and stores one at its top (of a cent-priced line)", async () => {
    const eventId = `quantity-${randomUUID()}`;
    expect((await sendWebhook(app, "orders/paid", paidOrder({ quantity: 2 ** 31 }), { eventId })).status).toBe(422);
    expect(await storedEvent(eventId)).toBeNull();
    const orderId = gid("Order");
    expect((await sendWebhook(app, "orders/paid", paidOrder({ orderId, quantity: 2 ** 31 - 1, price: "0.01" }))).status).toBe(200);
    expect(await app.db.orderLineItem.count({ where: { order: { shopifyId: orderId }, quantity: 2 ** 31 - 1 } })).toBe(1);
  });

  it("gives an order worth three billion the most points an entry holds, and refuses one past ten billion", async () => {
    const customerId = gid("Customer");
    expect((await sendWebhook(app, "orders/paid", paidOrder({ customerId, amount: "3000000000.00" }))).status).toBe(200);
    expect(await spendPoints(customerId)).toBe(MAX_ENTRY_POINTS);
    const eventId = `amount-${randomUUID()}`;
    expect((await sendWebhook(app, "orders/paid", paidOrder({ amount: "10000000000.01" }), { eventId })).status).toBe(422);
    expect(await storedEvent(eventId)).toBeNull();
  });

  it.each(["9999-12-31T00:00:00Z", "+275760-09-13T00:00:00.000Z", "-271821-04-20T00:00:00.000Z", "1969-07-20T20:17:00Z"])(
    "refuses an order dated %s with 422",
    async (createdAt) => {
      const eventId = `date-${randomUUID()}`;
      expect((await sendWebhook(app, "orders/paid", paidOrder({ createdAt }), { eventId })).status).toBe(422);
      expect(await storedEvent(eventId)).toBeNull();
    },
  );

  it("stores a delivery whose X-Shopify-Triggered-At is not a time with no trigger time", async () => {
    const eventId = `triggered-${randomUUID()}`;
    expect((await sendWebhook(app, "orders/paid", paidOrder(), { eventId, triggeredAt: "1" })).status).toBe(200);
    expect(await storedEvent(eventId)).toMatchObject({ triggeredAt: null, lastError: null });
  });
});

describe("hostile but signed payloads, generated", () => {
  // Text as Shopify may relay it from shoppers: any code point, NULs, lone surrogates, quotes, backslashes.
  const hostileText = fc.string({
    unit: fc.oneof(fc.constantFrom("\u0000", "\ud800", "\udbff", "\udc00", "\udfff", "\ud83d\ude00", "\\", '"', "\\u0000"), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })),
    maxLength: 40,
  });
  const hostileQuantity = fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 53, -1, 1.5, 1e300));
  const hostileAmount = fc.oneof(
    fc.integer({ min: 0, max: 10_000_00 }).map((cents) => (cents / 100).toFixed(2)),
    fc.constantFrom("3000000000.00", "9999999999.9999", "10000000000.00", "99999999999999.9999", "123456789012345678901234567890", "1e5", "-0.00", "0.00001"),
  );
  const hostileDate = fc.oneof(
    fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }).map((date) => date.toISOString()),
    fc.constantFrom("9999-12-31T00:00:00Z", "+275760-09-13T00:00:00.000Z", "-271821-04-20T00:00:00.000Z", "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z", "not a date", "1"),
  );
  const hostileTrigger = fc.oneof(fc.constant(new Date().toISOString()), fc.constantFrom("1", "", "9999-99-99T99:99:99Z", "-271821-04-20T00:00:00.000Z", "yesterday"));

  it("either refuses a delivery at once (4xx, nothing stored) or applies it", async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({ name: hostileText, title: hostileText, firstName: hostileText, email: hostileText, quantity: hostileQuantity, amount: hostileAmount, createdAt: hostileDate, triggeredAt: hostileTrigger, topic: fc.constantFrom("orders/paid", "orders/create", "orders/updated", "customers/update") }),
        async (variant) => {
          const eventId = `generated-${randomUUID()}`;
          const orderId = gid("Order");
          const customerId = gid("Customer");
          const order = paidOrder({ orderId, customerId, name: variant.name, title: variant.title, firstName: variant.firstName, quantity: variant.quantity, amount: variant.amount, createdAt: variant.createdAt });
          const payload = variant.topic.startsWith("orders/")
            ? { ...order, email: variant.email }
            : { ...samplePayload<Json>("customers/create"), admin_graphql_api_id: customerId, first_name: variant.firstName, last_name: variant.name, email: variant.email, created_at: variant.createdAt, updated_at: variant.createdAt };
          const body = JSON.stringify(payload);
          const response = await sendWebhook(app, variant.topic, null, { rawBody: body, eventId, triggeredAt: variant.triggeredAt }).catch((error: Error) => error);
          if (response instanceof Error) throw response;
          if (response.status !== 200) {
            expect(response.status).toBeGreaterThanOrEqual(400);
            expect(response.status).toBeLessThan(500);
            expect(await storedEvent(eventId)).toBeNull();
            refused += 1;
            return;
          }
          // sendWebhook waited for the inbox: applied, not failing.
          await deliveryProcessed(app, variant.topic, eventId);
          expect(await storedEvent(eventId)).toMatchObject({ lastError: null, body: null, attempts: 0 });
          const stored = variant.topic.startsWith("orders/")
            ? await app.db.order.count({ where: { shopId, shopifyId: orderId } })
            : await app.db.customer.count({ where: { shopId, shopifyId: customerId } });
          expect(stored).toBe(1);
          accepted += 1;
        },
      ),
      { numRuns: 60, seed: 20261207 },
    );
    // The generators reach both sides.
    expect(accepted).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(5);
    expect(await app.db.webhookEvent.count({ where: { processedAt: null } })).toBe(0);
  }, 240_000);
});
