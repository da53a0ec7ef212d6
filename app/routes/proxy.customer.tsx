/**
 * GET /proxy/customer, reached from the storefront as /apps/loyalty/customer through Shopify's app
 * proxy: the widget's program and account data. The proxy's signature is the only credential, and
 * the signed `logged_in_customer_id` the only identity (empty: a guest).
 */
import type { LoaderFunctionArgs } from "@remix-run/node";

import db from "../db.server";
import { storefrontAccount } from "../loyalty/storefront-account.server";
import { authenticate } from "../shopify.server";

const CUSTOMER_CACHE = "private, no-store";
// Guests all see the program's rules; a minute stale is fine.
const GUEST_CACHE = "public, max-age=60";

function error(status: number, message: string) {
  return Response.json({ error: message }, { status, headers: { "Cache-Control": "no-store" } });
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  try {
    await authenticate.public.appProxy(request);
  } catch (thrown) {
    // The library answers a missing or forged signature with a bare 400.
    if (thrown instanceof Response && thrown.status === 400) return error(401, "Unsigned request.");
    throw thrown;
  }
  const query = new URL(request.url).searchParams;
  const shop = query.get("shop") ?? "";
  const ids = query.getAll("logged_in_customer_id");
  const customerId = ids[0] ?? "";
  // Shopify sets it once, empty for a guest; anything else did not come from the proxy.
  if (ids.length > 1 || (customerId && !/^[1-9]\d*$/.test(customerId))) return error(400, "Invalid customer.");
  const customerGid = customerId ? `gid://shopify/Customer/${customerId}` : null;

  const account = await storefrontAccount(db, shop, customerGid);
  if (!account) return error(404, "This shop's rewards program is not available.");
  return Response.json(account, { headers: { "Cache-Control": customerGid ? CUSTOMER_CACHE : GUEST_CACHE } });
};
