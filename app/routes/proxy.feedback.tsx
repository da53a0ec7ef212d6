/**
 * POST /proxy/feedback (storefront /apps/loyalty/feedback): "Tell us how we're doing" from the widget.
 * The customer is only ever the signed `logged_in_customer_id`; the body is `{ score, comment? }`
 * (sendFeedbackForShopper).
 */
import type { ActionFunctionArgs } from "@remix-run/node";

import { proxyError, verifiedShopper } from "../storefront/app-proxy.server";
import { sendFeedbackForShopper } from "../storefront/feedback-request.server";

export const loader = () => proxyError(405, "Send feedback with a POST.", { Allow: "POST" });

export const action = async ({ request, context }: ActionFunctionArgs) => {
  if (request.method !== "POST") return proxyError(405, "Send feedback with a POST.", { Allow: "POST" });
  const shopper = await verifiedShopper(request, context);
  if (shopper instanceof Response) return shopper;
  if (!shopper.customerGid) return proxyError(401, "Sign in to send feedback.");
  return sendFeedbackForShopper(request, { shop: shopper.shop, customerGid: shopper.customerGid, ip: shopper.ip });
};
