/**
 * GET /proxy/r/<code> (storefront /apps/loyalty/r/<code>): a friend arrives through a customer's
 * referral link. The referral is recorded and the friend sent to the store with their first-order
 * code applied; a refused referral (their own link, an existing customer…) just goes to the store.
 */
import type { LoaderFunctionArgs } from "@remix-run/node";

import db from "../db.server";
import { welcomeReferredFriend } from "../loyalty/referral-landing.server";
import { verifiedShopper } from "../storefront/app-proxy.server";
import { REFERRAL_PER_CUSTOMER, REFERRAL_PER_IP, takeRateLimits } from "../storefront/rate-limits.server";
import { shopifyAccessFor } from "../storefront/shop-admin.server";

const NO_STORE = { "Cache-Control": "no-store" };

export const loader = async ({ request, params, context }: LoaderFunctionArgs) => {
  const shopper = await verifiedShopper(request, context);
  if (shopper instanceof Response) return shopper;
  const now = new Date();
  const verdict = await takeRateLimits(
    db,
    shopper.shop,
    [
      { limit: REFERRAL_PER_CUSTOMER, subject: shopper.customerGid },
      { limit: REFERRAL_PER_IP, subject: shopper.ip },
    ],
    now,
  );
  if (!verdict.allowed) {
    const minutes = Math.ceil(verdict.retryAfterSeconds / 60);
    // Shopify renders a Liquid answer inside the shop's theme: the friend reads it on the store.
    return new Response(
      `<h1>Too many visits</h1><p>This link was opened too many times from here. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}, or <a href="/">visit the store</a>.</p>`,
      { status: 429, headers: { "Content-Type": "application/liquid", "Retry-After": String(verdict.retryAfterSeconds), ...NO_STORE } },
    );
  }
  const landing = await welcomeReferredFriend(db, shopifyAccessFor(shopper.shop), {
    shopDomain: shopper.shop,
    referralCode: params.code ?? "",
    friendGid: shopper.customerGid,
    now,
  });
  return new Response(null, { status: 302, headers: { Location: landing.location, ...NO_STORE } });
};
