/**
 * Who marketing email reaches: reachableByMarketingEmailSql (a campaign's audience count and its
 * recipients). And who the win-back reaches, counted with the sweep's own rule (countWinBackAudienceNow): for each
 * choice of past customers if it were turned on now, how many reached the lapse point in the last
 * 30 days (what "from now on" writes to in a month), and with it on, who is in its window now.
 * With rhythm timing each count is the rhythm sweep's own.
 */
import { Prisma, type PrismaClient } from "../generated/prisma/client";
import { WIN_BACK_CATCH_UP_DAYS, winBackWindow } from "./rules";
import { countWinBackAudienceNow, countWinBackAudiences, followUpSettings, winBackAudienceOf } from "./schedule.server";
import { WIN_BACK_PAST_DAYS_CHOICES } from "./settings";

export async function winBackReach(db: PrismaClient, shopId: string, settings: Awaited<ReturnType<typeof followUpSettings>>, now: Date) {
  const audience = winBackAudienceOf(settings);
  const asIfOnNow = (pastDays: number) => winBackWindow(now, { afterDays: settings.winBackAfterDays, startedAt: now, pastDays });
  const { to } = asIfOnNow(0);
  const froms = [...WIN_BACK_PAST_DAYS_CHOICES.map((days) => asIfOnNow(days).from), new Date(to.getTime() - WIN_BACK_CATCH_UP_DAYS * 86_400_000)];
  // Rhythm timing has no one lapse day to count back from: each choice is the sweep's own count as if turned on now.
  const rhythmCounts = () =>
    Promise.all([
      ...WIN_BACK_PAST_DAYS_CHOICES.map((pastDays) => countWinBackAudienceNow(db, shopId, now, { ...audience, startedAt: now, pastDays })),
      countWinBackAudienceNow(db, shopId, now, { ...audience, startedAt: null, pastDays: 0 }),
    ]);
  const [counts, inWindowNow, state] = await Promise.all([
    audience.timing === "RHYTHM" ? rhythmCounts() : countWinBackAudiences(db, shopId, to, froms),
    settings.winBackEnabled ? countWinBackAudienceNow(db, shopId, now, audience) : Promise.resolve(0),
    db.nextOrderState.findUnique({ where: { shopId }, select: { medianGapDays: true } }),
  ]);
  const choices = WIN_BACK_PAST_DAYS_CHOICES.map((days, index) => ({ days, customers: counts[index] }));
  const lapsedLast30Days = counts[WIN_BACK_PAST_DAYS_CHOICES.length];
  return {
    afterDays: settings.winBackAfterDays,
    timing: audience.timing,
    graceFactor: audience.graceFactor,
    /** The shop's median gap between a customer's orders (days), or null while it has too few. */
    shopMedianGapDays: state?.medianGapDays ?? null,
    pastDays: settings.winBackPastDays,
    startedAt: settings.winBackStartedAt?.toISOString() ?? null,
    discountPercent: settings.winBackDiscountPercent,
    choices,
    lapsedLast30Days,
    /** With win-back on: customers in its window right now (scheduled by the next sweep, or already). */
    inWindowNow,
  };
}

export type WinBackReach = Awaited<ReturnType<typeof winBackReach>>;

/**
 * A customer (row alias `c`) a marketing email may go to now, as whyNotSend (rules.ts) decides at
 * sending time: not erased nor deleted, an email address, not unsubscribed from the app's emails, and
 * email marketing consent "subscribed" as last recorded (refreshMarketingConsent asks Shopify first).
 * Shopify's other states (not subscribed, pending, unsubscribed, and invalid: the address bounced)
 * are not consent.
 */
export function reachableByMarketingEmailSql(alias: string): Prisma.Sql {
  const c = Prisma.raw(`"${alias.replace(/[^A-Za-z_]/g, "")}"`);
  return Prisma.sql`(${c}."redactedAt" IS NULL AND ${c}."deletedAt" IS NULL AND COALESCE(${c}.email, '') <> ''
    AND NOT EXISTS (SELECT 1 FROM "FollowUpUnsubscribe" u WHERE u."shopId" = ${c}."shopId" AND u."customerShopifyId" = ${c}."shopifyId")
    AND EXISTS (SELECT 1 FROM "MarketingConsent" m WHERE m."shopId" = ${c}."shopId" AND m."customerShopifyId" = ${c}."shopifyId" AND m.state = 'subscribed'))`;
}
