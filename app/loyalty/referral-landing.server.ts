/**
 * A friend follows a customer's referral link (storefront /apps/loyalty/r/<code>).
 *
 * The GET is a page that writes nothing (link previews and crawlers open links too): it tells the
 * friend what the link gives them, or why it gives them nothing (an unknown code, their own link, an
 * account that already has orders). The page then asks for the code with a POST carrying its visitor
 * id, and that claim records the referral and makes the code: one code per visitor (the same code
 * again on every later visit) and at most FRIEND_CODES_PER_REFERRER_PER_DAY new codes per referrer.
 *
 * The visitor id is signed by the app and kept by the page in a first-party cookie that only the
 * page's script reads: Shopify's app proxy strips Cookie from the request and Set-Cookie from the
 * response, so no cookie can travel through the proxy (and none can be HttpOnly).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

import type { PrismaClient } from "../generated/prisma/client";
import { adminQuery, type AdminGraphql } from "../shopify/admin-graphql.server";
import { newDiscountCode } from "../shopify/discount-codes.server";
import {
  DISCOUNT_BY_CODE_QUERY,
  DISCOUNT_CODE_BASIC_CREATE_MUTATION,
} from "../shopify/operations";
import { FRIEND_CODES_PER_REFERRER, takeRateLimits } from "../storefront/rate-limits.server";
import type { ShopifyAccess } from "./redemption.server";
import { recordReferral, type ReferralRefusal } from "./referrals.server";

/** How long a referred friend's code lasts. */
export const FRIEND_CODE_VALID_DAYS = 30;

const REFERRAL_CODE = /^[A-Za-z0-9]{1,32}$/;

export function discountLink(code: string, redirect = "/"): string {
  return `/discount/${encodeURIComponent(code)}?redirect=${encodeURIComponent(redirect)}`;
}

/** What the landing page shows before anything is claimed. */
export type LandingView =
  | { kind: "unknown_code" }
  | { kind: "own_link"; referrerPoints: number; percent: number }
  | { kind: "existing_customer" }
  | { kind: "offer"; percent: number };

/** The page for this code and shopper; reads only. */
export async function referralLandingFor(db: PrismaClient, args: { shopDomain: string; referralCode: string; friendGid: string | null }): Promise<LandingView> {
  const shop = await db.shop.findUnique({ where: { domain: args.shopDomain }, include: { settings: true } });
  if (!shop?.settings || shop.uninstalledAt || !REFERRAL_CODE.test(args.referralCode)) return { kind: "unknown_code" };
  const referrer = await db.customer.findUnique({ where: { shopId_referralCode: { shopId: shop.id, referralCode: args.referralCode.toUpperCase() } } });
  if (!referrer || referrer.redactedAt || referrer.deletedAt) return { kind: "unknown_code" };
  const percent = shop.settings.referralFriendDiscountPercent;
  if (args.friendGid) {
    if (args.friendGid === referrer.shopifyId) return { kind: "own_link", referrerPoints: shop.settings.referrerPoints, percent };
    if ((await db.order.count({ where: { shopId: shop.id, customerShopifyId: args.friendGid } })) > 0) return { kind: "existing_customer" };
  }
  return { kind: "offer", percent };
}

export type FriendCodeClaim =
  | { status: "code"; code: string; percent: number; discountUrl: string; visitor: string; again: boolean }
  | { status: "welcome"; visitor: string }
  | { status: "refused"; reason: ReferralRefusal; visitor: string };

/** A visitor id and its signature: the app made it, for this shop. */
export function newVisitorToken(secret: string, shopDomain: string): string {
  const id = randomBytes(12).toString("base64url");
  return `${id}.${visitorSignature(secret, shopDomain, id)}`;
}

/** The visitor id inside a token the app signed for this shop, or null. */
export function visitorIdOf(token: unknown, secret: string, shopDomain: string): string | null {
  if (typeof token !== "string") return null;
  const match = /^([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const given = Buffer.from(match[2]);
  const wanted = Buffer.from(visitorSignature(secret, shopDomain, match[1]));
  return given.length === wanted.length && timingSafeEqual(given, wanted) ? match[1] : null;
}

function visitorSignature(secret: string, shopDomain: string, id: string): string {
  return createHmac("sha256", secret).update(`referral-visitor:${shopDomain}:${id}`).digest("base64url");
}

/**
 * The friend asks for their code (the landing page's POST). The same visitor, or the same signed-in
 * friend, gets the code they already have; otherwise the referral is recorded by the rules in
 * referrals.server.ts and, within the referrer's daily allowance, a new single-use code is made.
 */
export async function claimFriendCode(
  db: PrismaClient,
  shopify: ShopifyAccess,
  args: { shopDomain: string; referralCode: string; friendGid: string | null; visitorToken: unknown; secret: string; now: Date },
): Promise<FriendCodeClaim> {
  const visitorId = visitorIdOf(args.visitorToken, args.secret, args.shopDomain);
  const visitor = visitorId ? (args.visitorToken as string) : newVisitorToken(args.secret, args.shopDomain);
  const shop = await db.shop.findUnique({ where: { domain: args.shopDomain }, include: { settings: true } });
  if (!shop?.settings || shop.uninstalledAt || !REFERRAL_CODE.test(args.referralCode)) return { status: "refused", reason: "unknown_code", visitor };
  const percent = shop.settings.referralFriendDiscountPercent;

  const earlier = await earlierFriendCode(db, shop.id, { visitorId, friendGid: args.friendGid, since: new Date(args.now.getTime() - FRIEND_CODE_VALID_DAYS * 86_400_000) });
  if (earlier) return { status: "code", code: earlier, percent, discountUrl: discountLink(earlier), visitor, again: true };

  const outcome = await recordReferral(db, { shopId: shop.id, code: args.referralCode, friend: { customerShopifyId: args.friendGid }, now: args.now });
  if (outcome.status !== "recorded") return { status: "refused", reason: outcome.reason, visitor };
  if (percent <= 0) return { status: "welcome", visitor };

  const { referrerId } = await db.referral.findUniqueOrThrow({ where: { id: outcome.referralId }, select: { referrerId: true } });
  const allowance = await takeRateLimits(db, args.shopDomain, [{ limit: FRIEND_CODES_PER_REFERRER, subject: referrerId }], args.now);
  if (!allowance.allowed) {
    await db.referral.update({ where: { id: outcome.referralId }, data: { status: "REFUSED", refusalReason: "daily_code_limit" } });
    return { status: "refused", reason: "daily_code_limit", visitor };
  }

  const code = newDiscountCode("FRIEND");
  // Kept before Shopify is asked, so a lost answer is settled by looking the code up.
  await db.referralDiscount.create({ data: { referralId: outcome.referralId, shopId: shop.id, code, visitorId: visitorId ?? visitorIdOf(visitor, args.secret, args.shopDomain) } });
  const discountId = await createFriendCode(shopify, {
    code,
    percent,
    friendGid: args.friendGid,
    startsAt: args.now,
    endsAt: new Date(args.now.getTime() + FRIEND_CODE_VALID_DAYS * 86_400_000),
  });
  if (!discountId) {
    // No code: the friend still arrives, and the referral still counts when they order.
    await db.referralDiscount.delete({ where: { referralId: outcome.referralId } });
    return { status: "welcome", visitor };
  }
  await db.referralDiscount.update({ where: { referralId: outcome.referralId }, data: { discountShopifyId: discountId } });
  return { status: "code", code, percent, discountUrl: discountLink(code), visitor, again: false };
}

/** The code this visitor (or signed-in friend) already got, while its referral still waits for their order. */
async function earlierFriendCode(db: PrismaClient, shopId: string, who: { visitorId: string | null; friendGid: string | null; since: Date }): Promise<string | null> {
  const [row] = await db.$queryRaw<{ code: string }[]>`
    SELECT d.code FROM "ReferralDiscount" d
      JOIN "Referral" r ON r.id = d."referralId"
      LEFT JOIN "Customer" f ON f.id = r."friendId"
     WHERE d."shopId" = ${shopId} AND d."discountShopifyId" IS NOT NULL AND d."createdAt" >= ${who.since} AND r.status = 'PENDING'
       AND ((${who.visitorId}::text IS NOT NULL AND d."visitorId" = ${who.visitorId}::text)
            OR (${who.friendGid}::text IS NOT NULL AND f."shopifyId" = ${who.friendGid}::text))
     ORDER BY d."createdAt" DESC LIMIT 1`;
  return row?.code ?? null;
}

/** The discount's GID, or null when Shopify refused or neither the create nor the look-up answered. */
async function createFriendCode(
  shopify: ShopifyAccess,
  input: { code: string; percent: number; friendGid: string | null; startsAt: Date; endsAt: Date },
): Promise<string | null> {
  let graphql: AdminGraphql;
  try {
    graphql = await shopify.graphql();
  } catch {
    return null;
  }
  try {
    const { discountCodeBasicCreate: result } = await adminQuery(graphql, DISCOUNT_CODE_BASIC_CREATE_MUTATION, {
      variables: {
        basicCodeDiscount: {
          title: "Referred friend's first order",
          code: input.code,
          startsAt: input.startsAt.toISOString(),
          endsAt: input.endsAt.toISOString(),
          usageLimit: 1,
          appliesOncePerCustomer: true,
          context: input.friendGid ? { customers: { add: [input.friendGid] } } : { all: "ALL" },
          customerGets: { value: { percentage: input.percent / 100 }, items: { all: true } },
          combinesWith: { orderDiscounts: false, productDiscounts: false, shippingDiscounts: true },
        },
      },
      signal: AbortSignal.timeout(shopify.timeoutMs),
    });
    if (result?.codeDiscountNode) return result.codeDiscountNode.id;
    if (!(result?.userErrors ?? []).some((error) => error.code === "TAKEN")) return null;
  } catch {
    // No answer: whether the code was made is looked up below.
  }
  try {
    const { codeDiscountNodeByCode } = await adminQuery(graphql, DISCOUNT_BY_CODE_QUERY, {
      variables: { code: input.code },
      signal: AbortSignal.timeout(shopify.timeoutMs),
    });
    return codeDiscountNodeByCode?.id ?? null;
  } catch {
    return null;
  }
}
