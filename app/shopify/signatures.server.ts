/**
 * Shopify's own checks of what Shopify signs (webhook HMACs, app proxy signatures), from
 * `@shopify/shopify-api`. `shopifyApp` in shopify.server.ts keeps its `shopifyApi` instance to itself
 * and would load a session from the database on every call, so the webhook inbox and the app proxy
 * routes use an instance of their own, made once per secret.
 */
// The adapter that reads a web `Request` (the one `shopifyApp` loads too; a module runs only once).
import "@shopify/shopify-api/adapters/web-api";
import { LogSeverity, shopifyApi, type Shopify, type WebhookValidation } from "@shopify/shopify-api";

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

/**
 * `webhooks.validate` for a delivery whose body is already read (under the route's size cap): the
 * HMAC of `rawBody` against X-Shopify-Hmac-Sha256 in constant time, and the headers every delivery
 * carries. The library is handed only Shopify's own headers (the only ones it reads; it normalises the
 * name of every header it is given, for each one it looks up), and in a shape every runtime adapter
 * reads: the library reads the request through whichever adapter the process loaded last (web-api in
 * the app, node where Shopify's test helpers are loaded too), so a plain object of the headers that
 * also has the `entries()` of a `Headers`.
 */
export function validateWebhook(apiSecretKey: string, rawBody: string, request: Request): Promise<WebhookValidation> {
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) {
    if (name.startsWith("x-shopify-") || name.startsWith("shopify-")) headers[name] = value;
  }
  Object.defineProperty(headers, "entries", { value: () => Object.entries(headers)[Symbol.iterator](), enumerable: false });
  return shopifySignatures(apiSecretKey).webhooks.validate({ rawBody, rawRequest: { method: request.method, url: request.url, headers } });
}
