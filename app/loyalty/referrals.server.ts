/**
 * Referrals: every customer has a code (Customer.referralCode, link /apps/loyalty/r/<code>); a friend
 * who arrives through it is recorded here, and the referrer earns points when the friend's first
 * order is paid. A refused referral is kept with its reason.
 */
import { randomInt } from "node:crypto";

import { referrerLockKey } from "../database/lock-keys";
import type { Tx } from "../database/transaction";
import type { PrismaClient } from "../generated/prisma/client";
import { byPlacement } from "../orders/placement";
import { sharedContactReason } from "./contact-keys.server";
import { appendLedgerEntries } from "./ledger.server";
import { isCompletedPurchase } from "../orders/vocabulary";

const REFERRAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/** 8 characters from 32 (40 bits): short enough to type, too many to guess; unique per shop by index. */
export function newReferralCode(): string {
  return Array.from({ length: 8 }, () => REFERRAL_ALPHABET[randomInt(REFERRAL_ALPHABET.length)]).join("");
}

export type ReferralRefusal =
  | "unknown_code"
  | "self_referral"
  | "same_address"
  | "existing_customer"
  | "already_referred"
  | "monthly_limit"
  | "daily_code_limit";

export interface ReferralParty {
  shopifyId: string | null;
  email: string | null;
  addressKey: string | null;
}

/** Why a friend cannot be referred by this referrer, or null when they can. */
export function whyReferralIsRefused(args: {
  referrer: ReferralParty;
  friend: ReferralParty;
  friendHasOrders: boolean;
  friendAlreadyReferred: boolean;
}): ReferralRefusal | null {
  const { referrer, friend } = args;
  const same = (a: string | null, b: string | null) => a !== null && b !== null && a.toLowerCase() === b.toLowerCase();
  if (same(referrer.shopifyId, friend.shopifyId) || same(referrer.email, friend.email) || same(referrer.addressKey, friend.addressKey)) {
    return "self_referral";
  }
  if (args.friendHasOrders) return "existing_customer";
  if (args.friendAlreadyReferred) return "already_referred";
  return null;
}

/** Whether the referrer has had their month's rewards (calendar month, UTC). */
export function monthlyLimitReached(rewardsThisMonth: number, limit: number): boolean {
  return rewardsThisMonth >= limit;
}

export function startOfMonth(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export type ReferralOutcome =
  | { status: "recorded"; referralId: string }
  | { status: "refused"; reason: ReferralRefusal; referralId: string | null };

/**
 * A friend followed a referral link (the storefront's /apps/loyalty/r/<code> route calls this). The friend is a known
 * customer (signed in) or just an email.
 */
export async function recordReferral(
  db: PrismaClient,
  args: { shopId: string; code: string; friend: { customerShopifyId?: string | null; email?: string | null; addressKey?: string | null }; now: Date },
): Promise<ReferralOutcome> {
  const referrer = await db.customer.findUnique({ where: { shopId_referralCode: { shopId: args.shopId, referralCode: args.code.toUpperCase() } } });
  if (!referrer || referrer.redactedAt || referrer.deletedAt) return { status: "refused", reason: "unknown_code", referralId: null };

  const friendCustomer = args.friend.customerShopifyId
    ? await db.customer.findUnique({ where: { shopId_shopifyId: { shopId: args.shopId, shopifyId: args.friend.customerShopifyId } } })
    : args.friend.email
      ? await db.customer.findFirst({ where: { shopId: args.shopId, email: args.friend.email.toLowerCase() } })
      : null;
  const friend: ReferralParty = {
    shopifyId: friendCustomer?.shopifyId ?? args.friend.customerShopifyId ?? null,
    email: (args.friend.email ?? friendCustomer?.email ?? null)?.toLowerCase() ?? null,
    addressKey: args.friend.addressKey ?? friendCustomer?.addressKey ?? null,
  };
  const friendHasOrders = friend.shopifyId
    ? (await db.order.count({ where: { shopId: args.shopId, customerShopifyId: friend.shopifyId } })) > 0 ||
      (friend.email !== null && (await db.order.count({ where: { shopId: args.shopId, email: friend.email } })) > 0)
    : friend.email !== null && (await db.order.count({ where: { shopId: args.shopId, email: friend.email } })) > 0;
  const friendAlreadyReferred =
    (await db.referral.count({
      where: {
        shopId: args.shopId,
        status: { in: ["PENDING", "REWARDED"] },
        OR: [...(friendCustomer ? [{ friendId: friendCustomer.id }] : []), ...(friend.email ? [{ friendEmail: friend.email }] : [])],
      },
    })) > 0;

  const reason = whyReferralIsRefused({
    referrer: { shopifyId: referrer.shopifyId, email: referrer.email, addressKey: referrer.addressKey },
    friend,
    friendHasOrders,
    friendAlreadyReferred: friendCustomer || friend.email ? friendAlreadyReferred : false,
  });
  const referral = await db.referral.create({
    data: {
      shopId: args.shopId,
      referrerId: referrer.id,
      friendId: friendCustomer?.id ?? null,
      friendEmail: friend.email,
      status: reason ? "REFUSED" : "PENDING",
      refusalReason: reason,
      createdAt: args.now,
    },
  });
  return reason ? { status: "refused", reason, referralId: referral.id } : { status: "recorded", referralId: referral.id };
}

/** The key for `base`, or `base:2`, `base:3`… when the ledger already holds it (a reward taken back and given again). */
function unusedKey(base: string, keys: ReadonlySet<string>): string {
  if (!keys.has(base)) return base;
  for (let generation = 2; ; generation++) if (!keys.has(`${base}:${generation}`)) return `${base}:${generation}`;
}

/**
 * Called when a customer's orders change (inside the order's transaction, holding the customer's
 * lock), so that a referral follows the friend's orders as they are now, whatever order their
 * webhooks arrived in:
 * - the friend's first completed purchase rewards the referrer, within the referrer's monthly limit;
 * - the reward names the friend's first completed purchase, and moves when an earlier one completes
 *   or that one is cancelled;
 * - when the friend has no completed purchase left (their only order cancelled), the reward is taken
 *   back and the referral waits again for a first purchase.
 */
export async function rewardReferralOnFirstPurchase(
  tx: Tx,
  shop: { id: string; settings: { referrerPoints: number; referralMonthlyRewardLimit: number; pendingDays: number } },
  friend: { id: string; shopifyId: string; email?: string | null },
  orders: { shopifyId: string; financialStatus: string; cancelledAt: Date | null; placedAt: Date }[],
  now: Date,
): Promise<void> {
  if (orders.length === 0) return;
  const [referral] = (await referralsOfFriends(tx, shop.id, [friend])).values();
  if (referral) await followFriendsOrders(tx, shop, friend, orders, referral, now);
}

/** The referral a friend's orders decide: one pending for them (or their email), or the one they were rewarded for. */
interface FriendsReferral {
  id: string;
  referrerId: string;
  createdAt: Date;
  status: string;
  rewardOrderShopifyId: string | null;
  friendId: string | null;
}

/**
 * Each friend's referral (`FriendsReferral`), in one query for all of them (asked for every customer
 * of every batch of paid orders: raw SQL, not Prisma's per-query compiler); by friend id, only those with one.
 */
async function referralsOfFriends(tx: Tx, shopId: string, friends: { id: string; email?: string | null }[]): Promise<Map<string, FriendsReferral>> {
  if (friends.length === 0) return new Map();
  const rows = await tx.$queryRaw<(FriendsReferral & { friend: string })[]>`
    SELECT f.id AS friend, r.id, r."referrerId", r."createdAt", r.status, r."rewardOrderShopifyId", r."friendId"
      FROM unnest(${friends.map((friend) => friend.id)}::text[], ${friends.map((friend) => friend.email ?? null)}::text[]) AS f(id, email)
      CROSS JOIN LATERAL (
        SELECT id, "referrerId", "createdAt", status::text AS status, "rewardOrderShopifyId", "friendId" FROM "Referral"
         WHERE "shopId" = ${shopId} AND (status = 'PENDING' OR (status = 'REWARDED' AND "friendId" = f.id))
           AND ("friendId" = f.id OR ("friendId" IS NULL AND "friendEmail" = f.email))
         ORDER BY status DESC, "createdAt" LIMIT 1
      ) r`;
  return new Map(rows.map(({ friend, ...referral }) => [friend, referral]));
}

/**
 * `rewardReferralOnFirstPurchase` for the customers of a batch, one after the other as before, with
 * their referrals read in one query: only a friend with a referral sends more. When two friends
 * found the same referral (one email, no friend yet), the later one asks again, after the earlier
 * one's turn may have claimed it.
 */
export async function rewardReferralsOnFirstPurchase(
  tx: Tx,
  shop: { id: string; settings: { referrerPoints: number; referralMonthlyRewardLimit: number; pendingDays: number } },
  friends: { friend: { id: string; shopifyId: string; email?: string | null }; orders: { shopifyId: string; financialStatus: string; cancelledAt: Date | null; placedAt: Date }[] }[],
  now: Date,
): Promise<void> {
  const withOrders = friends.filter(({ orders }) => orders.length > 0);
  const referrals = await referralsOfFriends(tx, shop.id, withOrders.map(({ friend }) => friend));
  const followed = new Set<string>();
  for (const { friend, orders } of withOrders) {
    const referral = referrals.get(friend.id);
    if (!referral) continue;
    if (followed.has(referral.id)) {
      await rewardReferralOnFirstPurchase(tx, shop, friend, orders, now);
      continue;
    }
    followed.add(referral.id);
    await followFriendsOrders(tx, shop, friend, orders, referral, now);
  }
}

/** The rest of `rewardReferralOnFirstPurchase`, once the friend's referral is found. */
async function followFriendsOrders(
  tx: Tx,
  shop: { id: string; settings: { referrerPoints: number; referralMonthlyRewardLimit: number; pendingDays: number } },
  friend: { id: string; shopifyId: string; email?: string | null },
  orders: { shopifyId: string; financialStatus: string; cancelledAt: Date | null; placedAt: Date }[],
  referral: FriendsReferral,
  now: Date,
): Promise<void> {
  const completed = orders.filter(isCompletedPurchase).sort(byPlacement);
  const first = completed[0];
  // A friend known only by email is this customer from their first order on, paid or not.
  if (referral.friendId === null) {
    await tx.$executeRaw`UPDATE "Referral" SET "friendId" = ${friend.id}, "updatedAt" = ${now} WHERE id = ${referral.id}`;
  }

  if (referral.status === "REWARDED") {
    if (first && first.shopifyId === referral.rewardOrderShopifyId) return;
    if (first) {
      await tx.$executeRaw`UPDATE "Referral" SET "rewardOrderShopifyId" = ${first.shopifyId}, "updatedAt" = ${now} WHERE id = ${referral.id}`;
      return;
    }
    const given = await referralEntries(tx, shop.id, referral.id);
    const held = given.reduce((sum, entry) => sum + entry.points, 0);
    await tx.$executeRaw`
      UPDATE "Referral" SET status = 'PENDING', "rewardOrderShopifyId" = NULL, "rewardedAt" = NULL, "updatedAt" = ${now} WHERE id = ${referral.id}`;
    if (held !== 0) {
      await appendLedgerEntries(tx, shop.id, referral.referrerId, [
        {
          key: unusedKey(`referral:${referral.id}:reward:reversal`, new Set(given.map((entry) => entry.key))),
          points: -held,
          reason: "REFERRAL",
          source: "REFERRAL",
          sourceId: referral.id,
          availableAt: now,
          note: "The friend's first order was cancelled",
        },
      ]);
    }
    return;
  }

  const refuse = (refusalReason: ReferralRefusal) =>
    tx.referral.update({ where: { id: referral.id }, data: { status: "REFUSED", refusalReason, friendId: friend.id } });
  if (!first) return;
  // Shopify stamps orders to the second: compare at that resolution.
  const referredAt = Math.floor(referral.createdAt.getTime() / 1000) * 1000;
  if (orders.some((order) => order.placedAt.getTime() < referredAt)) {
    await refuse("existing_customer");
    return;
  }
  // The referrer under another name: an email, phone or shipping/billing address of theirs on the friend's side.
  const self = await sharedContactReason(tx, referral.referrerId, friend.id);
  if (self) {
    await refuse(self);
    return;
  }
  // Rewards per referrer per month are counted under the referrer's lock, so two friends paying at once cannot both slip under the limit.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${referrerLockKey(shop.id, referral.referrerId)}, 0))`;
  const rewardsThisMonth = await tx.referral.count({
    where: { referrerId: referral.referrerId, status: "REWARDED", rewardedAt: { gte: startOfMonth(now) } },
  });
  if (monthlyLimitReached(rewardsThisMonth, shop.settings.referralMonthlyRewardLimit)) {
    await refuse("monthly_limit");
    return;
  }
  await tx.referral.update({
    where: { id: referral.id },
    data: { status: "REWARDED", friendId: friend.id, rewardOrderShopifyId: first.shopifyId, rewardedAt: now },
  });
  if (shop.settings.referrerPoints > 0) {
    const given = await referralEntries(tx, shop.id, referral.id);
    const held = given.reduce((sum, entry) => sum + entry.points, 0);
    if (held > 0) return;
    await appendLedgerEntries(tx, shop.id, referral.referrerId, [
      {
        key: unusedKey(`referral:${referral.id}:reward`, new Set(given.map((entry) => entry.key))),
        points: shop.settings.referrerPoints - held,
        reason: "REFERRAL",
        source: "REFERRAL",
        sourceId: referral.id,
        availableAt: new Date(now.getTime() + shop.settings.pendingDays * 86_400_000),
      },
    ]);
  }
}

/** The referrer's ledger entries for one referral (its reward, and any taking back). */
async function referralEntries(tx: Tx, shopId: string, referralId: string): Promise<{ key: string; points: number }[]> {
  return tx.$queryRaw<{ key: string; points: number }[]>`
    SELECT key, points FROM "PointsLedgerEntry" WHERE "shopId" = ${shopId} AND source = 'REFERRAL' AND "sourceId" = ${referralId}`;
}
