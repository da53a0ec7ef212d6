import { createHmac } from "node:crypto";
import type http from "node:http";

import { legacyResourceId } from "../store/gid";
import type { AppProxyConfiguration } from "./app-configuration";

/** The parameters Shopify sets on every proxied request; a shopper's own values for them are dropped. */
const PROXY_PARAMS = ["shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"];

/** Request headers that describe the shopper's connection to the storefront, not the request. */
const NOT_FORWARDED = new Set(["cookie", "host", "connection", "keep-alive", "transfer-encoding", "upgrade", "content-length", "proxy-connection", "te", "trailer"]);

/**
 * Hex HMAC-SHA256 of the query without `signature`: each key as `key=value` (a repeated key's values
 * joined with ","), sorted, concatenated with no separator. Shopify's documented app proxy signature.
 */
export function signAppProxyQuery(query: URLSearchParams, apiSecret: string): string {
  const values = new Map<string, string[]>();
  for (const [key, value] of query) {
    if (key === "signature") continue;
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  const message = [...values].map(([key, list]) => `${key}=${list.join(",")}`).sort().join("");
  return createHmac("sha256", apiSecret).update(message).digest("hex");
}

/** /apps/loyalty/points?x=1 → the app's /proxy/points?x=1&shop=…&logged_in_customer_id=…&path_prefix=…&timestamp=…&signature=… */
export function appProxyTarget(options: {
  proxy: AppProxyConfiguration;
  appUrl: string;
  storefrontUrl: URL;
  shop: string;
  /** The signed-in customer's gid, or null for a guest. */
  customerId: string | null;
  apiSecret: string;
  now: Date;
}): URL | null {
  const { proxy, storefrontUrl } = options;
  const pathPrefix = `/${proxy.prefix}/${proxy.subpath}`;
  const { pathname } = storefrontUrl;
  if (pathname !== pathPrefix && !pathname.startsWith(`${pathPrefix}/`)) return null;

  const target = new URL(`${options.appUrl.replace(/\/+$/, "")}${proxy.appPath}${pathname.slice(pathPrefix.length)}`);
  const query = new URLSearchParams(storefrontUrl.searchParams);
  for (const key of PROXY_PARAMS) query.delete(key);
  query.append("shop", options.shop);
  query.append("logged_in_customer_id", options.customerId ? String(legacyResourceId(options.customerId)) : "");
  query.append("path_prefix", pathPrefix);
  query.append("timestamp", String(Math.floor(options.now.getTime() / 1000)));
  query.append("signature", signAppProxyQuery(query, options.apiSecret));
  target.search = query.toString();
  return target;
}

/** The shopper's request as Shopify forwards it: method, body and headers, without cookies. */
export function forwardedRequestInit(req: http.IncomingMessage, body: Buffer | null): RequestInit {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const clientIp = req.socket.remoteAddress;
  if (clientIp) headers.set("x-forwarded-for", clientIp);
  return {
    method: req.method,
    headers,
    body: body && body.length > 0 && req.method !== "GET" && req.method !== "HEAD" ? new Uint8Array(body) : undefined,
    redirect: "manual",
  };
}
