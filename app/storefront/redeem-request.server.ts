/**
 * A signed-in shopper's redeem request, however the shopper was verified (the app proxy's signature
 * for the storefront widget, a customer account session token for the account page): the limits
 * counted, the body read, the reward redeemed and the answer both clients read.
 */
import { z } from "zod";

import db, { pool } from "../db.server";
import { redeemReward } from "../loyalty/redemption.server";
import { storefrontAccount } from "../loyalty/storefront-account.server";

import { REDEEM_PER_CUSTOMER, REDEEM_PER_IP, takeRateLimits } from "./rate-limits.server";
import { shopifyAccessFor } from "./shop-admin.server";

const RedeemBody = z.object({
  rewardId: z.string().min(1).max(64),
  idempotencyKey: z.string().regex(/^[\w-]{8,100}$/),
});

export interface RedeemingShopper {
  shop: string;
  customerGid: string;
  /** The shopper's address for the per-address limit ("unknown" when nothing says). */
  ip: string;
}

const NO_STORE = { "Cache-Control": "no-store" };

/**
 * Redeems the reward the body names for `shopper`. A success carries the code and the whole account
 * (as GET /proxy/customer answers it), so the client shows the new code and history without asking again;
 * a refusal carries the error and, when points were given back, the balance.
 */
export async function redeemForShopper(request: Request, shopper: RedeemingShopper, now = new Date()): Promise<Response> {
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
      { status: 429, headers: { "Retry-After": String(verdict.retryAfterSeconds), ...NO_STORE } },
    );
  }

  const body = RedeemBody.safeParse(await request.json().catch(() => null));
  if (!body.success) return Response.json({ error: "Choose a reward to redeem." }, { status: 400, headers: NO_STORE });
  const outcome = await redeemReward(db, shopifyAccessFor(shopper.shop), {
    shopDomain: shopper.shop,
    customerGid: shopper.customerGid,
    rewardId: body.data.rewardId,
    idempotencyKey: body.data.idempotencyKey,
    now,
  });
  if (!outcome.ok) {
    return Response.json({ error: outcome.error, ...(outcome.points ? { points: outcome.points } : {}) }, { status: outcome.status, headers: NO_STORE });
  }
  const account = await storefrontAccount(pool, shopper.shop, shopper.customerGid, now);
  return Response.json(
    { code: outcome.code, ...(outcome.storeCredit ? { storeCredit: outcome.storeCredit } : {}), reward: outcome.reward, endsAt: outcome.endsAt, points: outcome.points, account },
    { headers: NO_STORE },
  );
}
