/**
 * /proxy/r/<code> (storefront /apps/loyalty/r/<code>): a friend arrives through a customer's referral
 * link. GET is the landing page (Liquid in the shop's theme) saying what the friend gets, or why the
 * link gives them nothing; it writes nothing. POST is that page claiming the friend's code.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";

import db from "../db.server";
import { env } from "../env.server";
import { claimFriendCode, referralLandingFor } from "../loyalty/referral-landing.server";
import { verifiedShopper, type ProxyShopper } from "../storefront/app-proxy.server";
import { REFERRAL_PER_CUSTOMER, REFERRAL_PER_IP, takeRateLimits } from "../storefront/rate-limits.server";
import { claimMessage, referralLandingPage } from "../storefront/referral-landing-page";
import { shopifyAccessFor } from "../storefront/shop-admin.server";

const NO_STORE = { "Cache-Control": "no-store" };
// The storefront path the shopper used (the merchant may change the proxy's prefix and subpath).
const PROXY_PATH = /^\/(apps|a|community|tools)\/[\w-]{1,64}$/;

/** Counts the visit; the seconds to wait when over the per-customer or per-address limit. */
async function overLimit(shopper: ProxyShopper, now: Date): Promise<number | null> {
  const verdict = await takeRateLimits(
    db,
    shopper.shop,
    [
      { limit: REFERRAL_PER_CUSTOMER, subject: shopper.customerGid },
      { limit: REFERRAL_PER_IP, subject: shopper.ip },
    ],
    now,
  );
  return verdict.allowed ? null : verdict.retryAfterSeconds;
}

const liquid = (markup: string, status: number, headers: Record<string, string> = {}) =>
  // Shopify renders a Liquid answer inside the shop's theme: the friend reads it on the store.
  new Response(markup, { status, headers: { "Content-Type": "application/liquid", ...NO_STORE, ...headers } });

export const loader = async ({ request, params, context }: LoaderFunctionArgs) => {
  const shopper = verifiedShopper(request, context);
  if (shopper instanceof Response) return shopper;
  const retryAfter = await overLimit(shopper, new Date());
  if (retryAfter !== null) {
    const minutes = Math.ceil(retryAfter / 60);
    return liquid(
      `<h1>Too many visits</h1><p>This link was opened too many times from here. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}, or <a href="/">visit the store</a>.</p>`,
      429,
      { "Retry-After": String(retryAfter) },
    );
  }
  const code = params.code ?? "";
  const view = await referralLandingFor(db, { shopDomain: shopper.shop, referralCode: code, friendGid: shopper.customerGid });
  const prefix = new URL(request.url).searchParams.get("path_prefix") ?? "";
  const claimUrl = `${PROXY_PATH.test(prefix) ? prefix : "/apps/loyalty"}/r/${encodeURIComponent(code)}`;
  return liquid(referralLandingPage(view, claimUrl), view.kind === "unknown_code" ? 404 : 200);
};

export const action = async ({ request, params, context }: ActionFunctionArgs) => {
  const shopper = verifiedShopper(request, context);
  if (shopper instanceof Response) return shopper;
  if (request.method !== "POST") return Response.json({ error: "Claim with a POST." }, { status: 405, headers: { Allow: "GET, POST", ...NO_STORE } });
  const now = new Date();
  const retryAfter = await overLimit(shopper, now);
  if (retryAfter !== null) {
    return Response.json(
      { status: "limited", message: `Too many tries from here. Try again in ${Math.ceil(retryAfter / 60)} minutes.`, retryAfter },
      { status: 429, headers: { "Retry-After": String(retryAfter), ...NO_STORE } },
    );
  }
  const body = (await request.json().catch(() => null)) as { visitor?: unknown } | null;
  const claim = await claimFriendCode(db, shopifyAccessFor(shopper.shop), {
    shopDomain: shopper.shop,
    referralCode: params.code ?? "",
    friendGid: shopper.customerGid,
    visitorToken: body?.visitor,
    secret: env().SHOPIFY_API_SECRET,
    now,
  });
  return Response.json({ ...claim, message: claimMessage(claim) }, { status: claim.status === "refused" && claim.reason === "unknown_code" ? 404 : 200, headers: NO_STORE });
};
