/**
 * POST /proxy/birthday (storefront /apps/loyalty/birthday): a signed-in customer gives or changes their
 * birthday (month and day) in the widget. The customer is only ever the signed `logged_in_customer_id`;
 * the body is `{ month, day }` (setBirthdayForShopper).
 */
import type { ActionFunctionArgs } from "@remix-run/node";

import { proxyError, verifiedShopper } from "../storefront/app-proxy.server";
import { setBirthdayForShopper } from "../storefront/birthday-request.server";

export const loader = () => proxyError(405, "Save your birthday with a POST.", { Allow: "POST" });

export const action = async ({ request, context }: ActionFunctionArgs) => {
  if (request.method !== "POST") return proxyError(405, "Save your birthday with a POST.", { Allow: "POST" });
  const shopper = await verifiedShopper(request, context);
  if (shopper instanceof Response) return shopper;
  if (!shopper.customerGid) return proxyError(401, "Sign in to save your birthday.");
  return setBirthdayForShopper(request, { shop: shopper.shop, customerGid: shopper.customerGid, ip: shopper.ip });
};
