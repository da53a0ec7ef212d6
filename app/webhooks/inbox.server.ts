/**
 * Accepting a webhook delivery: verify its HMAC, check its payload, store it in the inbox with one
 * INSERT, answer 200. Nothing else runs while Shopify waits: no session lookup, no Prisma, no handler.
 * The inbox processor (inbox-processor.server.ts) applies it moments later, woken by `deliveryAccepted`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type pg from "pg";

import { WEBHOOK_TOPICS, type PayloadIssue } from "./topics.server";

const log = (message: string, fields: Record<string, unknown>) => console.warn(JSON.stringify({ level: "warn", message, ...fields }));

/** The app's secret signs every delivery; a body whose HMAC does not match it is not Shopify's. */
export function hmacMatches(body: Buffer, header: string, secret: string): boolean {
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(header, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

const listeners = new Set<() => void>();

/** Calls `listener` after each delivery this process stores; returns the unsubscribe. */
export function onDeliveryAccepted(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const INSERT_DELIVERY = `
  INSERT INTO "WebhookEvent" (id, "shopDomain", "eventId", "webhookId", topic, "triggeredAt", "receivedAt", body, "nextAttemptAt")
  VALUES (gen_random_uuid()::text, $1, $2, $3, $4, $5::timestamptz AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', $6, now() AT TIME ZONE 'UTC')
  ON CONFLICT ("shopDomain", "eventId", topic) DO NOTHING`;

/**
 * A delivery Shopify sent to one of the app's webhook routes. 401: no HMAC or a wrong one; 400: not
 * JSON, no shop, or a topic the app does not handle; 422 (and a log line): a payload without what its
 * topic needs. Only a 200 means the delivery is stored; a redelivery of a stored event is a 200 too.
 */
export async function acceptWebhook(request: Request, options: { pool: pg.Pool; secret: string; customShopDomain?: string }): Promise<Response> {
  const topic = request.headers.get("x-shopify-topic") ?? "";
  const hmac = request.headers.get("x-shopify-hmac-sha256");
  if (!hmac) {
    log("webhook refused: no HMAC header", { topic });
    return new Response("Missing X-Shopify-Hmac-Sha256", { status: 401 });
  }
  const body = Buffer.from(await request.arrayBuffer());
  if (!hmacMatches(body, hmac, options.secret)) {
    log("webhook refused: HMAC does not match", { topic });
    return new Response("Unauthorized", { status: 401 });
  }
  const shop = (request.headers.get("x-shopify-shop-domain") ?? "").toLowerCase();
  if (!SHOP_DOMAIN.test(shop) && shop !== options.customShopDomain) {
    log("webhook refused: no shop domain", { topic });
    return new Response("Missing X-Shopify-Shop-Domain", { status: 400 });
  }
  const handler = WEBHOOK_TOPICS[topic];
  if (!handler) {
    log("webhook refused: unexpected topic", { topic, shop });
    return new Response(`Unexpected topic ${topic}`, { status: 400 });
  }
  const rawBody = body.toString("utf8");
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    log("webhook refused: body is not JSON", { topic, shop });
    return new Response("Body is not JSON", { status: 400 });
  }
  const reading = handler.read(payload, rawBody);
  if (!reading.ok) return refusePayload(topic, shop, reading.issues);

  const webhookId = request.headers.get("x-shopify-webhook-id") ?? "";
  // Older API versions send no event id; the webhook id then names the delivery.
  const eventId = request.headers.get("x-shopify-event-id") || webhookId;
  if (!eventId) return new Response("Missing X-Shopify-Event-Id", { status: 400 });
  const triggered = request.headers.get("x-shopify-triggered-at");
  const triggeredAt = triggered && !Number.isNaN(Date.parse(triggered)) ? triggered : null;
  await options.pool.query({ name: "accept-webhook", text: INSERT_DELIVERY, values: [shop, eventId, webhookId, topic, triggeredAt, rawBody] });
  for (const listener of listeners) listener();
  return new Response(null, { status: 200 });
}

/** A verified delivery whose payload lacks what the topic needs: 422 and a log line, nothing written. */
export function refusePayload(topic: string, shop: string, issues: PayloadIssue[]): Response {
  const problems = issues.slice(0, 5).map((issue) => `${(issue.path ?? []).map(String).join(".") || "payload"}: ${issue.message}`);
  log("webhook refused: unexpected payload", { topic, shop, problems });
  return new Response(`Unexpected payload: ${problems.join("; ")}`, { status: 422 });
}
