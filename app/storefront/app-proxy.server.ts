/**
 * What every app proxy route (storefront /apps/loyalty/*) starts with: Shopify's signature verified,
 * and the shopper read only from the signed query (shop, logged_in_customer_id).
 *
 * The signature is checked by `@shopify/shopify-api`'s validator (`utils.validateHmac`, signator
 * "appProxy"), as `authenticate.public.appProxy` does, but without it: that also loads the shop's
 * offline session from the database on every call, which these routes never use, and the widget opens
 * on every storefront page. The checks are the library's: one signature, compared in constant time, a
 * timestamp within 90 s, no repeated shop, and the `_data` a Remix navigation drops.
 */
import { isIP } from "node:net";

import { env } from "../env.server";
import { shopifySignatures } from "../shopify/signatures.server";

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
const SINGLE_VALUE_PARAMS = ["hmac", "shop", "signature", "timestamp"];

export function proxyError(status: number, message: string, headers: Record<string, string> = {}) {
  return Response.json({ error: message }, { status, headers: { "Cache-Control": "no-store", ...headers } });
}

/**
 * True when Shopify's app proxy signed this URL's query with `secret`, within the library's 90 s clock
 * tolerance. The app refuses a repeated single-value parameter and a missing or stale timestamp before
 * the library is asked (it refuses them too, by throwing).
 */
export async function isSignedByAppProxy(url: URL, secret: string, nowSeconds = Math.trunc(Date.now() / 1000)): Promise<boolean> {
  const query = new URLSearchParams(url.search);
  // An empty `index` is Remix's, not the proxy's (the library drops it too).
  if (!query.get("index")) query.delete("index");
  if (SINGLE_VALUE_PARAMS.some((key) => query.getAll(key).length > 1)) return false;
  const signature = query.get("signature");
  const timestamp = Number(query.get("timestamp") ?? "");
  if (!signature || !query.get("timestamp") || !Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > SIGNATURE_CLOCK_TOLERANCE_SECONDS) return false;
  const signed = async (candidate: URLSearchParams) => {
    try {
      return await shopifySignatures(secret).utils.validateHmac(candidate, { signator: "appProxy" });
    } catch {
      // InvalidHmacError: a query no proxy sends (a repeated single-value parameter, no timestamp).
      return false;
    }
  };
  if (await signed(query)) return true;
  // Remix strips `_data` from a client navigation's URL before the loader sees it, though Shopify signed it.
  const route = `routes%2F${url.pathname.replace(/^\//, "").replace(/\/$/, "").replaceAll("/", ".")}`;
  return (
    (await signed(new URLSearchParams(`?_data=${route}&${query}`))) ||
    (await signed(new URLSearchParams(`?_data=${route}._index&${url.search.replace(/^\?/, "")}`)))
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
export async function verifiedShopper(request: Request, connection: ConnectionContext = {}): Promise<ProxyShopper | Response> {
  const url = new URL(request.url);
  if (!(await isSignedByAppProxy(url, env().SHOPIFY_API_SECRET))) return proxyError(401, "Unsigned request.");
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
