import path from "node:path";

import { describe, expect, it } from "vitest";

import { compileWebhookFilter } from "../../dev-store/webhooks/filter";
import { keepIncludedFields } from "../../dev-store/webhooks/include-fields";
import {
  readWebhookSubscriptions,
  WebhookConfigurationError,
  webhookSubscriptionsFromToml,
} from "../../dev-store/webhooks/subscriptions";

const APP_URL = "http://localhost:3000";

describe("the app's webhook subscriptions", () => {
  it("reads topics and compliance topics from shopify.app.toml, resolving uris against the app URL", () => {
    const { apiVersion, subscriptions, subscribedTo } = readWebhookSubscriptions({
      appTomlPath: path.resolve("shopify.app.toml"),
      appUrl: `${APP_URL}/`,
    });

    expect(apiVersion).toBe("2026-10");
    const byTopic = new Map(subscriptions.map((subscription) => [subscription.topic, subscription]));
    expect(byTopic.get("app/uninstalled")).toMatchObject({ uri: "http://localhost:3000/webhooks/app/uninstalled", compliance: false });
    for (const topic of ["customers/data_request", "customers/redact", "shop/redact"]) {
      expect(byTopic.get(topic)).toMatchObject({ uri: "http://localhost:3000/webhooks/compliance", compliance: true });
    }
    expect(subscriptions.every(({ uri }) => uri.startsWith("http://localhost:3000/webhooks/"))).toBe(true);
    expect(subscribedTo("inventory_levels/update")).toEqual([]);
  });

  it("keeps absolute https uris as they are", () => {
    const { subscriptions } = webhookSubscriptionsFromToml(
      { webhooks: { api_version: "2026-10", subscriptions: [{ topics: ["orders/paid"], uri: "https://hooks.example.com/shopify" }] } },
      APP_URL,
    );
    expect(subscriptions[0].uri).toBe("https://hooks.example.com/shopify");
  });

  it.each([
    [{ subscriptions: [{ topics: ["orders/paid"], uri: "/webhooks" }] }, /api_version/],
    [{ api_version: "2026-10", subscriptions: [{ uri: "/webhooks" }] }, /needs topics or compliance_topics/],
    [{ api_version: "2026-10", subscriptions: [{ compliance_topics: ["orders/paid"], uri: "/webhooks" }] }, /not a compliance topic/],
    [{ api_version: "2026-10", subscriptions: [{ topics: ["orders/paid"], uri: "pubsub://project:topic" }] }, /HTTP only/],
    [{ api_version: "2026-10", subscriptions: [{ topics: ["orders/paid"], uri: "/webhooks", filter: "status:(active" }] }, /filter/],
  ])("refuses a configuration Shopify would not deploy: %j", (webhooks, message) => {
    expect(() => webhookSubscriptionsFromToml({ webhooks }, APP_URL)).toThrow(WebhookConfigurationError);
    expect(() => webhookSubscriptionsFromToml({ webhooks }, APP_URL)).toThrow(message);
  });
});

describe("webhook filters (Shopify search syntax)", () => {
  const product = {
    id: 9554194432293,
    title: "T-Shirt",
    status: "active",
    vendor: "My Store",
    product_type: "Shirts",
    published_at: "2026-01-10T09:00:00Z",
    variants: [
      { id: 1, price: "8.00", taxable: true },
      { id: 2, price: "29.99", taxable: false },
    ],
  };

  it.each([
    ["variants.price:>=10.00", true],
    ["variants.price:>30", false],
    ["id:* AND status:active AND (product_type:Music OR product_type:Shirts)", true],
    ["status:active product_type:Music", false],
    ["status:ACTIVE", true],
    ['vendor:"My Store"', true],
    ["title:T-Sh*", true],
    ["NOT status:draft", true],
    ["-status:active", false],
    ["variants.taxable:false", true],
    ["published_at:<2026-02-01", true],
    ["compare_at_price:*", false],
    ["status:draft OR variants.price:<9", true],
  ])("%s → %s", (filter, expected) => {
    expect(compileWebhookFilter(filter)(product)).toBe(expected);
  });

  it.each(["status:", "AND status:active", "(status:active", "status:active)", 'title:"open'])("rejects %s", (filter) => {
    expect(() => compileWebhookFilter(filter)).toThrow();
  });
});

describe("include_fields", () => {
  const order = {
    id: 1,
    email: "maya@example.com",
    customer: { id: 7, email: "maya@example.com", tags: "vip" },
    line_items: [
      { id: 10, price: "4.00", sku: "CB-1" },
      { id: 11, price: "9.00", sku: "CB-2" },
    ],
  };

  it("keeps only the listed paths, inside nested objects and lists", () => {
    expect(keepIncludedFields(order, ["id", "customer.id", "line_items.sku", "missing"])).toEqual({
      id: 1,
      customer: { id: 7 },
      line_items: [{ sku: "CB-1" }, { sku: "CB-2" }],
    });
  });

  it("keeps a whole object once its parent path is listed", () => {
    expect(keepIncludedFields(order, ["customer", "customer.id"])).toEqual({ customer: order.customer });
    expect(keepIncludedFields(order, ["customer.id", "customer"])).toEqual({ customer: order.customer });
  });

  it("leaves the payload whole without include_fields", () => {
    expect(keepIncludedFields(order, null)).toBe(order);
  });
});
