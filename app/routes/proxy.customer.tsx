/**
 * GET /proxy/customer, reached from the storefront as /apps/loyalty/customer through Shopify's app
 * proxy: the widget's program and account data. The proxy's signature is the only credential, and
 * the signed `logged_in_customer_id` the only identity (empty: a guest).
 */
import type { LoaderFunctionArgs } from "@remix-run/node";

import db, { pool } from "../db.server";
import { storefrontAccount } from "../loyalty/storefront-account.server";
import { storefrontTiers } from "../loyalty/tiers.server";
import { proxyError, verifiedShopper } from "../storefront/app-proxy.server";

const CUSTOMER_CACHE = "private, no-store";
// Guests all see the program's rules; a minute stale is fine.
const GUEST_CACHE = "public, max-age=60";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shopper = verifiedShopper(request);
  if (shopper instanceof Response) return shopper;
  const account = await storefrontAccount(pool, shopper.shop, shopper.customerGid);
  if (!account) return proxyError(404, "This shop's rewards program is not available.");
  const tiers = await storefrontTiers(db, shopper.shop, shopper.customerGid, new Date());
  return Response.json({ ...account, ...tiers }, { headers: { "Cache-Control": shopper.customerGid ? CUSTOMER_CACHE : GUEST_CACHE } });
};
