/**
 * What every app proxy route (storefront /apps/loyalty/*) starts with: Shopify's signature verified,
 * and the shopper read only from the signed query (shop, logged_in_customer_id).
 */
import { authenticate } from "../shopify.server";

export interface ProxyShopper {
  shop: string;
  /** The signed-in customer's GID; null for a guest. */
  customerGid: string | null;
  /** The shopper's address as Shopify's proxy forwards it, for per-address limits. */
  ip: string | null;
}

export function proxyError(status: number, message: string, headers: Record<string, string> = {}) {
  return Response.json({ error: message }, { status, headers: { "Cache-Control": "no-store", ...headers } });
}

/** The verified shopper, or the response that refuses the request (401 unsigned, 400 malformed). */
export async function verifiedShopper(request: Request): Promise<ProxyShopper | Response> {
  try {
    await authenticate.public.appProxy(request);
  } catch (thrown) {
    // The library answers a missing or forged signature with a bare 400.
    if (thrown instanceof Response && thrown.status === 400) return proxyError(401, "Unsigned request.");
    throw thrown;
  }
  const query = new URL(request.url).searchParams;
  const ids = query.getAll("logged_in_customer_id");
  const customerId = ids[0] ?? "";
  // Shopify sets it once, empty for a guest; anything else did not come from the proxy.
  if (ids.length > 1 || (customerId && !/^[1-9]\d*$/.test(customerId))) return proxyError(400, "Invalid customer.");
  const forwarded = request.headers.get("x-forwarded-for");
  return {
    shop: query.get("shop") ?? "",
    customerGid: customerId ? `gid://shopify/Customer/${customerId}` : null,
    ip: forwarded?.split(",")[0]?.trim() || null,
  };
}
