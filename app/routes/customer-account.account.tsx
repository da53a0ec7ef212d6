/**
 * GET /customer-account/account: the loyalty page of the customer account UI extension
 * (extensions/customer-account): the signed-in customer's balance, history, redeemed codes, referral
 * link and the rewards they can afford, the same account the storefront widget shows (storefrontAccount).
 */
import type { LoaderFunctionArgs } from "@remix-run/node";

import db, { pool } from "../db.server";
import { storefrontAccount } from "../loyalty/storefront-account.server";
import { storefrontTiers } from "../loyalty/tiers.server";
import { accountError, verifiedAccountCustomer } from "../storefront/customer-account.server";

export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const customer = await verifiedAccountCustomer(request, context);
  if (customer instanceof Response) return customer;
  const account = await storefrontAccount(pool, customer.shop, customer.customerGid);
  if (!account) return accountError(request, 404, "This shop's rewards program is not available.");
  const tiers = await storefrontTiers(db, customer.shop, customer.customerGid, new Date());
  return customer.cors(Response.json({ ...account, ...tiers }, { headers: { "Cache-Control": "private, no-store" } }));
};

// The loader also answers a preflight (OPTIONS), through verifiedAccountCustomer; other methods get a readable 405.
export const action = async ({ request, context }: LoaderFunctionArgs) => {
  const customer = await verifiedAccountCustomer(request, context);
  if (customer instanceof Response) return customer;
  return accountError(request, 405, "Read the account with a GET.", { Allow: "GET" });
};
