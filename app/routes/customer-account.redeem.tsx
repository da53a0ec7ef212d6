/**
 * POST /customer-account/redeem: the customer account page's Redeem button. The customer is only ever
 * the session token's `sub`, the shop its `dest`; the body names the reward and the click's idempotency
 * key. The same redemption as the storefront widget's (redeemForShopper), with the same limits.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";

import { accountError, verifiedAccountCustomer } from "../storefront/customer-account.server";
import { redeemForShopper } from "../storefront/redeem-request.server";

// A preflight (OPTIONS) reaches the loader: verifiedAccountCustomer answers it.
export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const customer = await verifiedAccountCustomer(request, context);
  if (customer instanceof Response) return customer;
  return accountError(request, 405, "Redeem with a POST.", { Allow: "POST" });
};

export const action = async ({ request, context }: ActionFunctionArgs) => {
  const customer = await verifiedAccountCustomer(request, context);
  if (customer instanceof Response) return customer;
  if (request.method !== "POST") return accountError(request, 405, "Redeem with a POST.", { Allow: "POST" });
  return customer.cors(await redeemForShopper(request, customer));
};
