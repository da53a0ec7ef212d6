/**
 * GET /customer-account/orders/<order id>: the order status block of the customer account UI extension,
 * "This order earned N points" (or pending, or none), for the signed-in customer's own order.
 */
import type { LoaderFunctionArgs } from "@remix-run/node";

import { pool } from "../db.server";
import { orderPoints } from "../loyalty/order-points.server";
import { accountError, verifiedAccountCustomer } from "../storefront/customer-account.server";

export const loader = async ({ request, params, context }: LoaderFunctionArgs) => {
  const customer = await verifiedAccountCustomer(request, context);
  if (customer instanceof Response) return customer;
  // The numeric id of the order's GID (gid://shopify/Order/<id>), as the extension's order API gives it.
  if (!/^[1-9]\d{0,19}$/.test(params.orderId ?? "")) return accountError(request, 400, "No such order.");
  const points = await orderPoints(pool, customer.shop, customer.customerGid, `gid://shopify/Order/${params.orderId}`);
  if (!points) return accountError(request, 404, "This shop's rewards program is not available.");
  return customer.cors(Response.json(points, { headers: { "Cache-Control": "private, no-store" } }));
};
