import { createHmac } from "node:crypto";

/** "demo-loyalty.myshopify.com" → "demo-loyalty", the shop's name in admin.shopify.com/store/<handle>. */
export function storeHandle(shop: string): string {
  return shop.replace(/\.myshopify\.com$/, "");
}

/** The `host` parameter: base64 of the admin's address for the shop, as App Bridge expects it. */
export function adminHostParam(shop: string): string {
  return Buffer.from(`admin.shopify.com/store/${storeHandle(shop)}`).toString("base64");
}

/**
 * Hex HMAC-SHA256 of the query without `hmac`, keys sorted and form-encoded with %20 for spaces:
 * how Shopify signs the admin's launch URLs and how @shopify/shopify-api checks them.
 */
export function signAdminQuery(query: URLSearchParams, apiSecret: string): string {
  const signed = new URLSearchParams([...query].filter(([key]) => key !== "hmac").sort(([a], [b]) => a.localeCompare(b)));
  return createHmac("sha256", apiSecret).update(signed.toString().replace(/\+/g, "%20")).digest("hex");
}

export interface EmbeddedAppLaunch {
  appUrl: string;
  /** The app path to open, e.g. "/app" or "/app/settings". */
  appPath: string;
  search?: URLSearchParams;
  shop: string;
  apiSecret: string;
  idToken: string;
  locale: string;
  now: Date;
}

/** The iframe URL the admin opens an embedded app at, with the signed launch parameters. */
export function embeddedAppUrl(launch: EmbeddedAppLaunch): URL {
  const url = new URL(`${launch.appUrl.replace(/\/+$/, "")}${launch.appPath}`);
  const query = new URLSearchParams(launch.search);
  for (const key of ["embedded", "hmac", "host", "id_token", "locale", "session", "shop", "timestamp"]) query.delete(key);
  query.set("embedded", "1");
  query.set("host", adminHostParam(launch.shop));
  query.set("id_token", launch.idToken);
  query.set("locale", launch.locale);
  query.set("shop", launch.shop);
  query.set("timestamp", String(Math.floor(launch.now.getTime() / 1000)));
  query.set("hmac", signAdminQuery(query, launch.apiSecret));
  query.sort();
  url.search = query.toString();
  return url;
}
