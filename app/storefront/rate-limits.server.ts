/**
 * Rate limits for the storefront's write routes (redeem, referral landing, birthday), counted in PostgreSQL so
 * every app instance sees the same count: a fixed window per key, one upsert per request.
 */
import type { Db } from "../database/transaction";
import type { PrismaClient } from "../generated/prisma/client";

export interface RateLimit {
  /** What is limited, e.g. "redeem:customer". */
  name: string;
  limit: number;
  windowSeconds: number;
}

/** A shopper redeems a few times a minute at most; a script redeeming faster is stopped. */
export const REDEEM_PER_CUSTOMER: RateLimit = { name: "redeem:customer", limit: 10, windowSeconds: 60 };
/** Wider than per customer: shoppers behind one address (an office, a mobile carrier) share it. */
export const REDEEM_PER_IP: RateLimit = { name: "redeem:ip", limit: 30, windowSeconds: 60 };
export const REFERRAL_PER_CUSTOMER: RateLimit = { name: "referral:customer", limit: 10, windowSeconds: 3600 };
export const REFERRAL_PER_IP: RateLimit = { name: "referral:ip", limit: 20, windowSeconds: 3600 };
/** New friend codes one referrer's link makes a day (a visitor coming back gets their code again, uncounted). */
export const FRIEND_CODES_PER_REFERRER: RateLimit = { name: "friend-codes:referrer", limit: 10, windowSeconds: 86_400 };

/** A birthday is set once and rarely changed: a few tries an hour cover typos. */
export const BIRTHDAY_PER_CUSTOMER: RateLimit = { name: "birthday:customer", limit: 10, windowSeconds: 3600 };
export const BIRTHDAY_PER_IP: RateLimit = { name: "birthday:ip", limit: 30, windowSeconds: 3600 };

/** Feedback from the widget: a few answers a day from one customer, more from one address. */
export const FEEDBACK_PER_CUSTOMER: RateLimit = { name: "feedback:customer", limit: 3, windowSeconds: 86_400 };
export const FEEDBACK_PER_IP: RateLimit = { name: "feedback:ip", limit: 20, windowSeconds: 3600 };

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts this request against each limit (subject: a customer GID or an IP); refused when any is over. */
export async function takeRateLimits(db: PrismaClient, shopDomain: string, checks: { limit: RateLimit; subject: string | null }[], now: Date): Promise<RateLimitVerdict> {
  let retryAfterSeconds = 0;
  for (const { limit, subject } of checks) {
    if (!subject) continue;
    const windowMs = limit.windowSeconds * 1000;
    const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
    const [{ hits }] = await db.$queryRaw<{ hits: number }[]>`
      INSERT INTO "RateLimitWindow" ("key", "windowStart", "hits") VALUES (${rateLimitKey(limit, shopDomain, subject)}, ${windowStart}, 1)
      ON CONFLICT ("key", "windowStart") DO UPDATE SET "hits" = "RateLimitWindow"."hits" + 1
      RETURNING "hits"`;
    if (hits > limit.limit) {
      retryAfterSeconds = Math.max(retryAfterSeconds, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000));
    }
  }
  return retryAfterSeconds > 0 ? { allowed: false, retryAfterSeconds } : { allowed: true };
}

const RATE_LIMITS = [REDEEM_PER_CUSTOMER, REDEEM_PER_IP, REFERRAL_PER_CUSTOMER, REFERRAL_PER_IP, FRIEND_CODES_PER_REFERRER, BIRTHDAY_PER_CUSTOMER, BIRTHDAY_PER_IP, FEEDBACK_PER_CUSTOMER, FEEDBACK_PER_IP];

function rateLimitKey(limit: RateLimit, shopDomain: string, subject: string): string {
  return `${limit.name}:${shopDomain}:${subject}`;
}

/** Windows that have ended count nothing: the periodic upkeep deletes them. */
export async function deleteEndedRateLimitWindows(db: PrismaClient, now: Date): Promise<number> {
  const longest = Math.max(...RATE_LIMITS.map((limit) => limit.windowSeconds));
  const { count } = await db.rateLimitWindow.deleteMany({ where: { windowStart: { lt: new Date(now.getTime() - longest * 1000) } } });
  return count;
}

/** shop/redact: the shop's windows (their keys name customers and addresses) go with the shop. */
export async function deleteShopRateLimitWindows(db: Db, shopDomain: string): Promise<number> {
  const { count } = await db.rateLimitWindow.deleteMany({
    where: { OR: RATE_LIMITS.map((limit) => ({ key: { startsWith: rateLimitKey(limit, shopDomain, "") } })) },
  });
  return count;
}
