/**
 * The webhook HMAC check the inbox runs (`validateWebhook`, node:crypto, with every rule of
 * `@shopify/shopify-api`'s `webhooks.validate`), and the library's own validators beside it as the
 * reference the tests hold it to. `shopifyApp` in shopify.server.ts keeps its `shopifyApi` instance to
 * itself and would load a session from the database on every call, so the reference is an instance of
 * its own, made once per secret.
 */
// The adapter that reads a web `Request` (the one `shopifyApp` loads too; a module runs only once).
import "@shopify/shopify-api/adapters/web-api";
import { createHmac, timingSafeEqual } from "node:crypto";
import {
  LogSeverity,
  shopifyApi,
  WebhookType,
  WebhookValidationErrorReason,
  type Shopify,
  type WebhookValidation,
} from "@shopify/shopify-api";

import { API_VERSION } from "./api-version";

export type ShopifySignatures = Pick<Shopify, "webhooks" | "utils">;

const instances = new Map<string, ShopifySignatures>();

/** The library's validators for the app whose Client secret is `apiSecretKey`. */
export function shopifySignatures(apiSecretKey: string): ShopifySignatures {
  let instance = instances.get(apiSecretKey);
  if (!instance) {
    instance = shopifyApi({
      apiSecretKey,
      // The validators read only the secret; the constructor also demands a key and a host they never use.
      apiKey: "signature-checks",
      hostName: "signature-checks.invalid",
      apiVersion: API_VERSION,
      isEmbeddedApp: true,
      // Refusals are logged by the app, with their reason; the library's debug lines add nothing.
      logger: { level: LogSeverity.Error, log: async () => undefined },
      _logDisabledFutureFlags: false,
    });
    instances.set(apiSecretKey, instance);
  }
  return instance;
}

// The headers every delivery carries, by the names `webhooks.validate` reports missing ones with
// (@shopify/shopify-api's WEBHOOK_HEADER_NAMES): the classic X-Shopify-* set and Shopify's newer
// Events set, whose HMAC header the library looks for first.
const WEBHOOKS_HEADERS = {
  hmac: "X-Shopify-Hmac-Sha256",
  required: ["X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-API-Version", "X-Shopify-Webhook-Id"],
} as const;
const EVENTS_HEADERS = {
  hmac: "shopify-hmac-sha256",
  required: ["shopify-hmac-sha256", "shopify-topic", "shopify-shop-domain", "shopify-api-version", "shopify-webhook-id"],
} as const;

/**
 * `webhooks.validate`'s verdict, computed with `node:crypto` for a delivery whose body is already read
 * (under the route's size cap): the same reasons in the same order (an empty body, then the HMAC of
 * `rawBody` against the header of the delivery's kind, compared in constant time, then the headers
 * every delivery carries), the same fields, the same names for missing headers. The library's check
 * cost about 20 times as much CPU per delivery (WebCrypto on libuv's pool, every header's name
 * normalised for each lookup): see docs/decisions/libraries.md.
 * `tests/app/webhook-signature.property.test.ts` holds the two to the same answers.
 */
export function validateWebhook(apiSecretKey: string, rawBody: string, headers: { get(name: string): string | null }): WebhookValidation {
  const events = Boolean(headers.get(EVENTS_HEADERS.hmac));
  const names = events ? EVENTS_HEADERS : WEBHOOKS_HEADERS;
  if (rawBody.length === 0) return { valid: false, reason: WebhookValidationErrorReason.MissingBody };
  const hmac = headers.get(names.hmac);
  if (!hmac) return { valid: false, reason: WebhookValidationErrorReason.MissingHmac };
  // Over the text, as the library signs it (UTF-8), and compared as base64 text, as it compares.
  const expected = Buffer.from(createHmac("sha256", apiSecretKey).update(rawBody, "utf8").digest("base64"));
  const given = Buffer.from(hmac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: WebhookValidationErrorReason.InvalidHmac };
  const missingHeaders = names.required.filter((name) => !headers.get(name));
  if (missingHeaders.length > 0) return { valid: false, reason: WebhookValidationErrorReason.MissingHeaders, missingHeaders };
  const [, topic, domain, apiVersion, webhookId] = names.required.map((name) => headers.get(name)!);
  const fields = { hmac, topic: topicForStorage(topic), domain, apiVersion, webhookId };
  const optional = (name: string) => headers.get(name) || undefined;
  if (events) {
    return { valid: true, webhookType: WebhookType.Events, ...fields, ...defined({ handle: optional("shopify-handle"), action: optional("shopify-action"), triggeredAt: optional("shopify-triggered-at") }) };
  }
  return {
    valid: true,
    webhookType: WebhookType.Webhooks,
    ...fields,
    ...defined({ name: optional("X-Shopify-Name"), triggeredAt: optional("X-Shopify-Triggered-At"), eventId: optional("X-Shopify-Event-Id") }),
  };
}

/** The library's form of a topic in its results (orders/paid is ORDERS_PAID). */
const topicForStorage = (topic: string) => topic.toUpperCase().replace(/\/|\./g, "_");

/** The fields that have a value: the library sets an optional field only when its header is there. */
function defined<T extends Record<string, string | undefined>>(fields: T): Partial<Record<keyof T, string>> {
  const present: Partial<Record<keyof T, string>> = {};
  for (const key of Object.keys(fields) as (keyof T)[]) if (fields[key] !== undefined) present[key] = fields[key];
  return present;
}

/**
 * The library's own `webhooks.validate`, kept as the reference `validateWebhook` is held to (tests) and
 * measured against (bench/signatures.bench.ts). The library is handed only Shopify's own headers (the
 * only ones it reads; it normalises the name of every header it is given, for each one it looks up), and
 * in a shape every runtime adapter reads: the library reads the request through whichever adapter the
 * process loaded last (web-api in the app, node where Shopify's test helpers are loaded too), so a plain
 * object of the headers that also has the `entries()` of a `Headers`.
 */
export function validateWebhookWithLibrary(apiSecretKey: string, rawBody: string, request: Request): Promise<WebhookValidation> {
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) {
    if (name.startsWith("x-shopify-") || name.startsWith("shopify-")) headers[name] = value;
  }
  Object.defineProperty(headers, "entries", { value: () => Object.entries(headers)[Symbol.iterator](), enumerable: false });
  return shopifySignatures(apiSecretKey).webhooks.validate({ rawBody, rawRequest: { method: request.method, url: request.url, headers } });
}
