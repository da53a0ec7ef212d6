/**
 * POST /customer-account/birthday: the customer account page's birthday form. The customer is only ever
 * the session token's `sub`, the shop its `dest`; the body is `{ month, day }`. The same save as the
 * storefront widget's (setBirthdayForShopper), with the same limits.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";

import { setBirthdayForShopper } from "../storefront/birthday-request.server";
import { accountError, verifiedAccountCustomer } from "../storefront/customer-account.server";

// A preflight (OPTIONS) reaches the loader: verifiedAccountCustomer answers it.
export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const customer = await verifiedAccountCustomer(request, context);
  if (customer instanceof Response) return customer;
  return accountError(request, 405, "Save your birthday with a POST.", { Allow: "POST" });
};

export const action = async ({ request, context }: ActionFunctionArgs) => {
  const customer = await verifiedAccountCustomer(request, context);
  if (customer instanceof Response) return customer;
  if (request.method !== "POST") return accountError(request, 405, "Save your birthday with a POST.", { Allow: "POST" });
  return customer.cors(await setBirthdayForShopper(request, customer));
};
