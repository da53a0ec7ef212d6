/**
 * The inbox checks a delivery's HMAC and headers with node:crypto (`validateWebhook`), by the rules of
 * @shopify/shopify-api's `webhooks.validate`, at a twentieth of its cost. Held here to the library's
 * answer for any delivery: a right, wrong, empty or missing HMAC, in either of Shopify's header sets (or
 * both), any of the headers every delivery carries missing or empty, any body (empty, non-ASCII). Same
 * verdict, same reason, same missing headers named, same fields read.
 */
import { createHmac } from "node:crypto";

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { validateWebhook, validateWebhookWithLibrary } from "../../app/shopify/signatures.server";

const SECRET = "webhook-signature-secret";
const sign = (body: string, secret = SECRET) => createHmac("sha256", secret).update(body, "utf8").digest("base64");

/**
 * A header's value: present with a value, present but empty, or absent. Present most often: a valid
 * delivery needs every one of its headers, and the runs must reach both kinds of valid delivery.
 */
const headerValue = (value: fc.Arbitrary<string>) =>
  fc.oneof({ arbitrary: value, weight: 4 }, { arbitrary: fc.constant(""), weight: 1 }, { arbitrary: fc.constant(undefined), weight: 1 });

/** What an HMAC header carries: the body's own signature, another secret's, one of another body, junk, or nothing. */
const hmacHeader = fc.constantFrom("right", "other-secret", "other-body", "junk", "empty", "absent");

const delivery = fc.record({
  body: fc.oneof(fc.constant(""), fc.string(), fc.string({ unit: "grapheme" }), fc.json()),
  classic: hmacHeader,
  events: fc.constantFrom("absent", "absent", "right", "other-secret", "empty"),
  topic: headerValue(fc.constantFrom("orders/paid", "customers/redact", "app/uninstalled")),
  shop: headerValue(fc.constantFrom("a-shop.myshopify.com", "Other.MyShopify.com")),
  apiVersion: headerValue(fc.constant("2026-10")),
  webhookId: headerValue(fc.uuid()),
  eventId: headerValue(fc.uuid()),
  triggeredAt: headerValue(fc.constant("2026-10-01T12:00:00.123Z")),
  name: headerValue(fc.constant("loyalty")),
  eventsTopic: headerValue(fc.constant("orders/paid")),
  eventsShop: headerValue(fc.constant("a-shop.myshopify.com")),
  eventsApiVersion: headerValue(fc.constant("2026-10")),
  eventsWebhookId: headerValue(fc.uuid()),
  handle: headerValue(fc.constant("loyalty-orders")),
  action: headerValue(fc.constant("create")),
});

function hmacValue(kind: string, body: string): string | undefined {
  switch (kind) {
    case "right":
      return sign(body);
    case "other-secret":
      return sign(body, "another-secret");
    case "other-body":
      return sign(`${body} `);
    case "junk":
      return "not-a-signature";
    case "empty":
      return "";
    default:
      return undefined;
  }
}

type Delivery = typeof delivery extends fc.Arbitrary<infer T> ? T : never;

function requestOf(d: Delivery): Request {
  const headers = new Headers({ "Content-Type": "application/json" });
  const set = (name: string, value: string | undefined) => value !== undefined && headers.set(name, value);
  set("X-Shopify-Hmac-Sha256", hmacValue(d.classic, d.body));
  set("X-Shopify-Topic", d.topic);
  set("X-Shopify-Shop-Domain", d.shop);
  set("X-Shopify-API-Version", d.apiVersion);
  set("X-Shopify-Webhook-Id", d.webhookId);
  set("X-Shopify-Event-Id", d.eventId);
  set("X-Shopify-Triggered-At", d.triggeredAt);
  set("X-Shopify-Name", d.name);
  set("shopify-hmac-sha256", hmacValue(d.events, d.body));
  set("shopify-topic", d.eventsTopic);
  set("shopify-shop-domain", d.eventsShop);
  set("shopify-api-version", d.eventsApiVersion);
  set("shopify-webhook-id", d.eventsWebhookId);
  set("shopify-handle", d.handle);
  set("shopify-action", d.action);
  set("shopify-triggered-at", d.triggeredAt);
  return new Request("https://app.example/webhooks/orders/paid", { method: "POST", headers, body: d.body });
}

describe("the inbox's webhook check", () => {
  it("answers as @shopify/shopify-api's webhooks.validate does, for any delivery", async () => {
    const verdicts = new Set<string>();
    await fc.assert(
      fc.asyncProperty(delivery, async (d) => {
        const request = requestOf(d);
        const library = await validateWebhookWithLibrary(SECRET, d.body, request);
        const app = validateWebhook(SECRET, d.body, request.headers);
        expect(app).toEqual(library);
        verdicts.add(library.valid ? `valid ${library.webhookType}` : library.reason);
      }),
      { numRuns: 2_000 },
    );
    // The runs reached every answer, so the agreement above is not only on refusals.
    expect([...verdicts].sort()).toEqual(["invalid_hmac", "missing_body", "missing_headers", "missing_hmac", "valid events", "valid webhooks"]);
  });

  it("accepts Shopify's signature of a delivery and reads its headers (a known answer)", () => {
    const body = JSON.stringify({ id: 820982911946154500, note: "café ☕" });
    const request = new Request("https://app.example/webhooks/orders/paid", {
      method: "POST",
      headers: {
        "X-Shopify-Hmac-Sha256": createHmac("sha256", SECRET).update(Buffer.from(body, "utf8")).digest("base64"),
        "X-Shopify-Topic": "orders/paid",
        "X-Shopify-Shop-Domain": "a-shop.myshopify.com",
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
      },
      body,
    });
    expect(validateWebhook(SECRET, body, request.headers)).toEqual({
      valid: true,
      webhookType: "webhooks",
      hmac: request.headers.get("x-shopify-hmac-sha256"),
      topic: "ORDERS_PAID",
      domain: "a-shop.myshopify.com",
      apiVersion: "2026-10",
      webhookId: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
      eventId: "98880550-7158-44d4-b7cd-2c97c8a091b5",
    });
    expect(validateWebhook("another-secret", body, request.headers)).toEqual({ valid: false, reason: "invalid_hmac" });
    expect(validateWebhook(SECRET, `${body} `, request.headers)).toEqual({ valid: false, reason: "invalid_hmac" });
  });
});
