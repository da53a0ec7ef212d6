/**
 * What every app proxy route (storefront /apps/loyalty/*) starts with: Shopify's signature verified,
 * and the shopper read only from the signed query (shop, logged_in_customer_id).
 *
 * The signature is checked here rather than through `authenticate.public.appProxy`: the library also
 * loads the shop's offline session from the database on every call, which these routes never use,
 * and the widget opens on every storefront page. The checks are the library's: one signature, a
 * timestamp within 90 s, no repeated shop, and the `_data` a Remix navigation drops. Not through its
 * `utils.validateHmac` either: it sorts the parameters with `localeCompare`, not in byte order as
 * Shopify signs them, so it refuses a genuine request whose parameter names differ in case (`Tag`
 * and `tag`), and it costs several times this check (bench/signatures.bench.ts).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

import { env } from "../env.server";

export interface ProxyShopper {
  shop: string;
  /** The signed-in customer's GID; null for a guest. */
  customerGid: string | null;
  /**
   * The shopper's address as the trusted proxies in front of the app report it (see clientAddress), for
   * per-address limits; "unknown" when nothing says, so such requests share one limit rather than none.
   */
  ip: string;
}

/** How far a signature's timestamp may be from the app's clock (the library's tolerance). */
export const SIGNATURE_CLOCK_TOLERANCE_SECONDS = 90;
// Shopify sends these once; a second copy did not come from the proxy.
const SINGLE_VALUE_PARAMS = new Set(["hmac", "shop", "signature", "timestamp"]);

export function proxyError(status: number, message: string, headers: Record<string, string> = {}) {
  return Response.json({ error: message }, { status, headers: { "Cache-Control": "no-store", ...headers } });
}

/**
 * Shopify's app proxy signature: every query parameter but `signature` written `key=value`, repeated
 * values joined by commas, sorted and concatenated with no separator, HMAC-SHA256 in hex with the app's
 * secret. Null when the query cannot be a proxy's (a single-value parameter repeated).
 */
export function appProxySignature(query: URLSearchParams, secret: string): string | null {
  const values = new Map<string, string>();
  for (const [key, value] of query) {
    if (key === "signature") continue;
    const existing = values.get(key);
    if (existing === undefined) values.set(key, value);
    else if (SINGLE_VALUE_PARAMS.has(key)) return null;
    else values.set(key, `${existing},${value}`);
  }
  // Byte order of the `key=value` strings, as Shopify's documented check sorts them.
  const message = [...values]
    .map(([key, value]) => `${key}=${value}`)
    .sort()
    .join("");
  return createHmac("sha256", secret).update(message).digest("hex");
}

function signatureMatches(query: URLSearchParams, signature: string, secret: string): boolean {
  const expected = appProxySignature(query, secret);
  if (expected === null) return false;
  const given = Buffer.from(signature);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** True when Shopify's app proxy signed this URL's query with `secret`, within the clock tolerance. */
export function isSignedByAppProxy(url: URL, secret: string, nowSeconds = Math.trunc(Date.now() / 1000)): boolean {
  const query = new URLSearchParams(url.search);
  // An empty `index` is Remix's, not the proxy's (the library drops it too).
  if (!query.get("index")) query.delete("index");
  const signatures = query.getAll("signature");
  const timestamps = query.getAll("timestamp");
  if (signatures.length !== 1 || !signatures[0] || timestamps.length !== 1) return false;
  const timestamp = Number(timestamps[0]);
  if (!timestamps[0] || !Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > SIGNATURE_CLOCK_TOLERANCE_SECONDS) return false;
  const signature = signatures[0];
  if (signatureMatches(query, signature, secret)) return true;
  // Remix strips `_data` from a client navigation's URL before the loader sees it, though Shopify signed it.
  const route = `routes%2F${url.pathname.replace(/^\//, "").replace(/\/$/, "").replaceAll("/", ".")}`;
  return (
    signatureMatches(new URLSearchParams(`?_data=${route}&${query}`), signature, secret) ||
    signatureMatches(new URLSearchParams(`?_data=${route}._index&${url.search.replace(/^\?/, "")}`), signature, secret)
  );
}

/** What the HTTP server passes to loaders (server/app-server.ts): the address of the connection's peer. */
export interface ConnectionContext {
  socketAddress?: unknown;
}

/**
 * The client's address as the deployment's trusted proxies define it. Each trusted proxy appends the
 * address it was connected from to X-Forwarded-For, so the chain X-Forwarded-For + the socket's peer
 * is read from the right: 0 hops is the peer itself, 1 hop (Shopify's app proxy connecting to the app,
 * which sets X-Forwarded-For to the shopper's address) the rightmost entry, 2 with a load balancer in
 * front of the app, and so on. Entries left of that are whatever the client wrote: never trusted.
 */
export function clientAddress(forwardedFor: string | null, socketAddress: string | null | undefined, trustedHops: number): string {
  const chain: (string | null)[] = [
    ...(forwardedFor ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean),
    socketAddress ?? null,
  ];
  // A shorter chain than configured came through fewer proxies: its leftmost address is the furthest known.
  const address = chain[Math.max(0, chain.length - 1 - trustedHops)];
  return address ? canonicalAddress(address) : "unknown";
}

/** One spelling per address: IPv4 written as IPv6 (::ffff:a.b.c.d) as plain IPv4, IPv6 lowercased; other text bounded. */
function canonicalAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  return isIP(address) === 6 ? address.toLowerCase() : address.slice(0, 64);
}

/** The verified shopper, or the response that refuses the request (401 unsigned, 400 malformed). */
export function verifiedShopper(request: Request, connection: ConnectionContext = {}): ProxyShopper | Response {
  const url = new URL(request.url);
  if (!isSignedByAppProxy(url, env().SHOPIFY_API_SECRET)) return proxyError(401, "Unsigned request.");
  const query = url.searchParams;
  const ids = query.getAll("logged_in_customer_id");
  const customerId = ids[0] ?? "";
  // Shopify sets it once, empty for a guest; anything else did not come from the proxy.
  if (ids.length > 1 || (customerId && !/^[1-9]\d*$/.test(customerId))) return proxyError(400, "Invalid customer.");
  return {
    shop: query.get("shop") ?? "",
    customerGid: customerId ? `gid://shopify/Customer/${customerId}` : null,
    ip: clientAddress(
      request.headers.get("x-forwarded-for"),
      typeof connection.socketAddress === "string" ? connection.socketAddress : null,
      env().TRUSTED_PROXY_HOPS,
    ),
  };
}
