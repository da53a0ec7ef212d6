/**
 * POST /proxy/redeem (storefront /apps/loyalty/redeem): a signed-in customer redeems points for a
 * reward and gets the discount code (or, for store credit, the credit on their account). The customer
 * is only ever the signed `logged_in_customer_id`; the body names the reward and the click's
 * idempotency key (redeemForShopper).
 */
import type { ActionFunctionArgs } from "@remix-run/node";

import { proxyError, verifiedShopper } from "../storefront/app-proxy.server";
import { redeemForShopper } from "../storefront/redeem-request.server";

export const loader = () => proxyError(405, "Redeem with a POST.", { Allow: "POST" });

export const action = async ({ request, context }: ActionFunctionArgs) => {
  if (request.method !== "POST") return proxyError(405, "Redeem with a POST.", { Allow: "POST" });
  const shopper = await verifiedShopper(request, context);
  if (shopper instanceof Response) return shopper;
  if (!shopper.customerGid) return proxyError(401, "Sign in to redeem your points.");
  return redeemForShopper(request, { shop: shopper.shop, customerGid: shopper.customerGid, ip: shopper.ip });
};
