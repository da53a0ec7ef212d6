/**
 * A friend follows a customer's referral link (storefront /apps/loyalty/r/<code>): the referral is
 * recorded by the rules in referrals.server.ts and, when it is accepted, the friend gets a first-order
 * code and is sent to the store with it applied (Shopify's /discount/<code>?redirect=/ link).
 */
import { newDiscountCode } from "../follow-ups/discounts.server";
import type { PrismaClient } from "../generated/prisma/client";
import { adminQuery, type AdminGraphql } from "../shopify/admin-graphql.server";
import {
  DISCOUNT_BY_CODE_QUERY,
  DISCOUNT_CODE_BASIC_CREATE_MUTATION,
  type DiscountByCode,
  type DiscountCodeBasicCreate,
} from "../shopify/operations";
import type { ShopifyAccess } from "./redemption.server";
import { recordReferral, type ReferralOutcome } from "./referrals.server";

/** How long a referred friend's code lasts. */
export const FRIEND_CODE_VALID_DAYS = 30;

export interface ReferralLanding {
  outcome: ReferralOutcome | null;
  /** The friend's code, when one was made. */
  code: string | null;
  /** Where the friend is sent on the storefront. */
  location: string;
}

export function discountLink(code: string, redirect = "/"): string {
  return `/discount/${encodeURIComponent(code)}?redirect=${encodeURIComponent(redirect)}`;
}

export async function welcomeReferredFriend(
  db: PrismaClient,
  shopify: ShopifyAccess,
  args: { shopDomain: string; referralCode: string; friendGid: string | null; now: Date },
): Promise<ReferralLanding> {
  const home = { outcome: null, code: null, location: "/" };
  const shop = await db.shop.findUnique({ where: { domain: args.shopDomain }, include: { settings: true } });
  if (!shop?.settings || shop.uninstalledAt || !/^[A-Za-z0-9]{1,32}$/.test(args.referralCode)) return home;

  const outcome = await recordReferral(db, { shopId: shop.id, code: args.referralCode, friend: { customerShopifyId: args.friendGid }, now: args.now });
  const percent = shop.settings.referralFriendDiscountPercent;
  if (outcome.status !== "recorded" || percent <= 0) return { ...home, outcome };

  const code = newDiscountCode("FRIEND");
  // Kept before Shopify is asked, so a lost answer is settled by looking the code up.
  await db.referralDiscount.create({ data: { referralId: outcome.referralId, shopId: shop.id, code } });
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
    return { ...home, outcome };
  }
  await db.referralDiscount.update({ where: { referralId: outcome.referralId }, data: { discountShopifyId: discountId } });
  return { outcome, code, location: discountLink(code) };
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
    const { discountCodeBasicCreate: result } = await adminQuery<DiscountCodeBasicCreate>(graphql, DISCOUNT_CODE_BASIC_CREATE_MUTATION, {
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
    if (result.codeDiscountNode) return result.codeDiscountNode.id;
    if (!result.userErrors.some((error) => error.code === "TAKEN")) return null;
  } catch {
    // No answer: whether the code was made is looked up below.
  }
  try {
    const { codeDiscountNodeByCode } = await adminQuery<DiscountByCode>(graphql, DISCOUNT_BY_CODE_QUERY, {
      variables: { code: input.code },
      signal: AbortSignal.timeout(shopify.timeoutMs),
    });
    return codeDiscountNodeByCode?.id ?? null;
  } catch {
    return null;
  }
}
