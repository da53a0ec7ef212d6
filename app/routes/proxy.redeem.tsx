/**
 * POST /proxy/redeem (storefront /apps/loyalty/redeem): a signed-in customer redeems points for a
 * reward and gets the discount code (or, for store credit, the credit on their account). The customer is only ever the signed `logged_in_customer_id`;
 * the body names the reward and the click's idempotency key. A success carries the whole account
 * as GET /proxy/customer answers it, so the panel shows the new code and history without asking again.
 */
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";

import db, { pool } from "../db.server";
import { redeemReward } from "../loyalty/redemption.server";
import { storefrontAccount } from "../loyalty/storefront-account.server";
import { proxyError, verifiedShopper } from "../storefront/app-proxy.server";
import { REDEEM_PER_CUSTOMER, REDEEM_PER_IP, takeRateLimits } from "../storefront/rate-limits.server";
import { shopifyAccessFor } from "../storefront/shop-admin.server";

const RedeemBody = z.object({
  rewardId: z.string().min(1).max(64),
  idempotencyKey: z.string().regex(/^[\w-]{8,100}$/),
});

export const loader = () => proxyError(405, "Redeem with a POST.", { Allow: "POST" });

export const action = async ({ request, context }: ActionFunctionArgs) => {
  if (request.method !== "POST") return proxyError(405, "Redeem with a POST.", { Allow: "POST" });
  const shopper = await verifiedShopper(request, context);
  if (shopper instanceof Response) return shopper;
  if (!shopper.customerGid) return proxyError(401, "Sign in to redeem your points.");

  const now = new Date();
  const verdict = await takeRateLimits(
    db,
    shopper.shop,
    [
      { limit: REDEEM_PER_CUSTOMER, subject: shopper.customerGid },
      { limit: REDEEM_PER_IP, subject: shopper.ip },
    ],
    now,
  );
  if (!verdict.allowed) {
    return Response.json(
      { error: `Too many attempts. Try again in ${verdict.retryAfterSeconds} seconds.`, retryAfter: verdict.retryAfterSeconds },
      { status: 429, headers: { "Retry-After": String(verdict.retryAfterSeconds), "Cache-Control": "no-store" } },
    );
  }

  const body = RedeemBody.safeParse(await request.json().catch(() => null));
  if (!body.success) return proxyError(400, "Choose a reward to redeem.");
  const outcome = await redeemReward(db, shopifyAccessFor(shopper.shop), {
    shopDomain: shopper.shop,
    customerGid: shopper.customerGid,
    rewardId: body.data.rewardId,
    idempotencyKey: body.data.idempotencyKey,
    now,
  });
  if (!outcome.ok) {
    return Response.json({ error: outcome.error, ...(outcome.points ? { points: outcome.points } : {}) }, { status: outcome.status, headers: { "Cache-Control": "no-store" } });
  }
  const account = await storefrontAccount(pool, shopper.shop, shopper.customerGid, now);
  return Response.json(
    { code: outcome.code, ...(outcome.storeCredit ? { storeCredit: outcome.storeCredit } : {}), reward: outcome.reward, endsAt: outcome.endsAt, points: outcome.points, account },
    { headers: { "Cache-Control": "no-store" } },
  );
};
