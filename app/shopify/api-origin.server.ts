import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";

/**
 * Sends every call @shopify/shopify-api makes to https://{shop}.myshopify.com (OAuth, Admin API) to
 * another origin, naming the shop in a header: how the app reaches the local dev store. Never used
 * in production (env.server refuses SHOPIFY_API_ORIGIN there).
 */
export function sendShopifyCallsTo(origin: string): void {
  const target = new URL(origin);
  const platformFetch = globalThis.fetch;
  setAbstractFetchFunc((input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!url.hostname.endsWith(".myshopify.com")) return platformFetch(input, init);
    const headers = new Headers(init?.headers);
    headers.set("x-shopify-shop-domain", url.hostname);
    url.protocol = target.protocol;
    url.host = target.host;
    return platformFetch(url, { ...init, headers });
  });
}
