/**
 * Sends due follow-ups, from as many processes as wanted:
 * - a claim takes due rows with `FOR UPDATE SKIP LOCKED` and marks them SENDING with a lease and a
 *   claim token in the same statement, so two workers never take the same row;
 * - a SENDING row whose lease has passed (its worker crashed mid-send) is claimed again;
 * - every claim counts as an attempt; a failure is retried with back-off, and after the shop's
 *   maxAttempts (or an SMTP 5xx, which will not change) it ends FAILED with the reason;
 * - a row's result is written only by the worker holding its claim token.
 * A merchant's campaign is sent the same way: one row per recipient (kind CAMPAIGN, key
 * `campaign:<campaign>:<customer>`), due at the campaign's pace (app/campaigns/pacing.ts); a row of a
 * cancelled campaign is cancelled instead of sent.
 */
import { randomUUID } from "node:crypto";

import type { Tx } from "../database/transaction";
import type { Prisma, PrismaClient } from "../generated/prisma/client";
import { logger } from "../logger.server";
import { formatMoney } from "../orders/money";
import type { AdminGraphql } from "../shopify/admin-graphql.server";
import { createFollowUpDiscount, DiscountRefusedError, newDiscountCode } from "../shopify/discount-codes.server";
import { followUpSender, isPermanentMailError, type MailTransport } from "./mail.server";
import { checkPointsExpiryReminders } from "./points-expiry-reminders.server";
import { isQuietTime, kindEnabled, MARKETING_KINDS, nextSendableTime, retryDelayMs, whyNotSend, type SendKind } from "./rules";
import { followUpSettings, refreshMarketingConsent, rulesOf } from "./schedule.server";
import { surveyAnswerUrl, surveyToken } from "../surveys/survey-token.server";
import { formatExpiryDate, renderEmail, surveyLinks, templateFor, type Template } from "./templates";
import { unsubscribeToken, unsubscribeUrl } from "./unsubscribe-token.server";
import { customerTiers } from "../loyalty/tiers.server";

export interface DispatchOptions {
  db: PrismaClient;
  transport: MailTransport;
  /** The Admin API for a shop (discount codes, marketing consent): unauthenticated.admin(shop).admin.graphql in the app. */
  adminGraphqlFor: (shopDomain: string) => Promise<AdminGraphql>;
  /** The app's public URL: unsubscribe links point at it. */
  appUrl: string;
  /** The app secret: signs unsubscribe tokens. */
  secret: string;
  /** Sender address when the shop set none. */
  defaultFromAddress: string;
  now?: () => Date;
  /** How long a claim holds a row before another worker may take it over. */
  leaseMs?: number;
  batchSize?: number;
  /** Messages in flight at once per worker. */
  concurrency?: number;
}

interface ClaimedFollowUp {
  id: string;
  shopId: string;
  kind: SendKind;
  campaignId: string | null;
  customerShopifyId: string;
  productShopifyId: string | null;
  variantShopifyId: string | null;
  productTitle: string | null;
  attempts: number;
  discountCode: string | null;
  discountShopifyId: string | null;
  discountEndsAt: Date | null;
  pointsExpireAt: Date | null;
  claimToken: string;
}

const DEFAULT_LEASE_MS = 5 * 60_000;

/** Takes up to `limit` due follow-ups for this worker: SENDING, leased until now + leaseMs. */
export async function claimDueFollowUps(db: PrismaClient, now: Date, limit: number, leaseMs = DEFAULT_LEASE_MS): Promise<ClaimedFollowUp[]> {
  const token = randomUUID();
  const leaseUntil = new Date(now.getTime() + leaseMs);
  return db.$queryRaw<ClaimedFollowUp[]>`
    WITH due AS (
      SELECT id FROM "FollowUp"
       WHERE (status = 'SCHEDULED' AND "dueAt" <= ${now}) OR (status = 'SENDING' AND "leaseUntil" <= ${now})
       ORDER BY "dueAt"
       LIMIT ${limit}
       FOR UPDATE SKIP LOCKED)
    UPDATE "FollowUp" f
       SET status = 'SENDING', "leaseUntil" = ${leaseUntil}, "claimToken" = ${token}, attempts = f.attempts + 1, "updatedAt" = ${now}
      FROM due WHERE f.id = due.id
    RETURNING f.id, f."shopId", f.kind::text AS kind, f."campaignId", f."customerShopifyId", f."productShopifyId", f."variantShopifyId", f."productTitle",
              f.attempts, f."discountCode", f."discountShopifyId", f."discountEndsAt", f."pointsExpireAt", f."claimToken"`;
}

type Outcome =
  | { status: "SENT"; toEmail: string; subject: string; messageId: string }
  | { status: "CANCELLED"; reason: string }
  | { status: "DEFERRED"; until: Date }
  | { status: "FAILED" | "RETRY"; error: string };

/** Claims one batch and sends it; returns how many rows it claimed (0: nothing is due). */
export async function dispatchDueFollowUps(options: DispatchOptions): Promise<number> {
  const { db } = options;
  const clock = options.now ?? (() => new Date());
  const now = clock();
  const claimed = await claimDueFollowUps(db, now, options.batchSize ?? 50, options.leaseMs);
  if (claimed.length === 0) return 0;

  const context = await loadContext(options, claimed, now);
  const queue = [...claimed];
  const workers = Array.from({ length: Math.min(options.concurrency ?? 8, queue.length) }, async () => {
    for (let followUp = queue.shift(); followUp; followUp = queue.shift()) {
      let outcome: Outcome;
      try {
        outcome = await sendOne(options, context, followUp, clock());
      } catch (error) {
        const reason = describe(error);
        const permanent = isPermanentMailError(error) || error instanceof DiscountRefusedError;
        const maxAttempts = context.shops.get(followUp.shopId)?.settings.maxAttempts ?? 5;
        outcome = permanent || followUp.attempts >= maxAttempts ? { status: "FAILED", error: reason } : { status: "RETRY", error: reason };
      }
      await record(db, followUp, outcome, clock());
    }
  });
  await Promise.all(workers);
  return claimed.length;
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 500);
}

async function record(db: PrismaClient, followUp: ClaimedFollowUp, outcome: Outcome, now: Date): Promise<void> {
  const mine = { id: followUp.id, claimToken: followUp.claimToken, status: "SENDING" as const };
  const released = { leaseUntil: null, claimToken: null };
  switch (outcome.status) {
    case "SENT":
      await db.followUp.updateMany({
        where: mine,
        data: { ...released, status: "SENT", sentAt: now, toEmail: outcome.toEmail, subject: outcome.subject, messageId: outcome.messageId, lastError: null },
      });
      return;
    case "CANCELLED":
      await db.followUp.updateMany({ where: mine, data: { ...released, status: "CANCELLED", cancelledAt: now, cancelReason: outcome.reason } });
      return;
    case "DEFERRED":
      // Quiet hours are not an attempt.
      await db.followUp.updateMany({ where: mine, data: { ...released, status: "SCHEDULED", dueAt: outcome.until, attempts: { decrement: 1 } } });
      return;
    case "RETRY":
      await db.followUp.updateMany({
        where: mine,
        data: { ...released, status: "SCHEDULED", dueAt: new Date(now.getTime() + retryDelayMs(followUp.attempts)), lastError: outcome.error },
      });
      return;
    case "FAILED":
      await db.followUp.updateMany({ where: mine, data: { ...released, status: "FAILED", lastError: outcome.error } });
      return;
  }
}

interface ShopContext {
  domain: string;
  name: string;
  currencyCode: string;
  contactEmail: string | null;
  timezone: string;
  settings: Awaited<ReturnType<typeof followUpSettings>>;
}

interface BatchContext {
  shops: Map<string, ShopContext>;
  customers: Map<string, { id: string; email: string | null; firstName: string | null; redactedAt: Date | null; deletedAt: Date | null }>;
  unsubscribed: Set<string>;
  points: Map<string, number>;
  /** The customer's VIP tier name by customer id (absent: none, and a paragraph naming {{tier}} is left out). */
  tiers: Map<string, string>;
  /** Marketing consent as Shopify holds it now, for the batch's marketing follow-ups (null: could not ask). */
  consent: Map<string, string | null>;
  campaigns: Map<string, CampaignToSend>;
  /** Each points expiry reminder's points expiring now, or why it no longer applies, by follow-up id. */
  expiry: Map<string, { points: number; expiresAt: Date } | { reason: string }>;
}

interface CampaignToSend {
  cancelled: boolean;
  template: Template;
  incentive: Incentive | null;
}

/** A code's value: whole percent, or an amount off the order in the shop's currency (decimal string). */
type Incentive = { days: number; prefix: string; title: string } & ({ percent: number } | { amount: string });

const subjectKey = (shopId: string, customerShopifyId: string) => `${shopId} ${customerShopifyId}`;

async function loadContext(options: DispatchOptions, claimed: ClaimedFollowUp[], now: Date): Promise<BatchContext> {
  const { db } = options;
  const shopIds = [...new Set(claimed.map((followUp) => followUp.shopId))];
  const customerIds = [...new Set(claimed.map((followUp) => followUp.customerShopifyId))];
  const campaignIds = [...new Set(claimed.flatMap((followUp) => (followUp.campaignId ? [followUp.campaignId] : [])))];
  const [shops, customers, unsubscribes, campaigns] = await Promise.all([
    db.shop.findMany({ where: { id: { in: shopIds }, uninstalledAt: null }, select: { id: true, domain: true, name: true, contactEmail: true, ianaTimezone: true, currencyCode: true } }),
    db.customer.findMany({
      where: { shopId: { in: shopIds }, shopifyId: { in: customerIds } },
      select: { id: true, shopId: true, shopifyId: true, email: true, firstName: true, redactedAt: true, deletedAt: true },
    }),
    db.followUpUnsubscribe.findMany({ where: { shopId: { in: shopIds }, customerShopifyId: { in: customerIds } } }),
    campaignIds.length > 0 ? db.campaign.findMany({ where: { id: { in: campaignIds } } }) : Promise.resolve([]),
  ]);
  const context: BatchContext = {
    shops: new Map(),
    customers: new Map(customers.map((customer) => [subjectKey(customer.shopId, customer.shopifyId), customer])),
    unsubscribed: new Set(unsubscribes.map((row) => subjectKey(row.shopId, row.customerShopifyId))),
    points: new Map(),
    tiers: new Map(),
    consent: new Map(),
    campaigns: new Map(
      campaigns.map((campaign) => [
        campaign.id,
        {
          cancelled: campaign.status === "CANCELLED",
          template: { subject: campaign.subject, body: campaign.body },
          incentive:
            campaign.discountKind === "NONE" || !campaign.discountValue || !campaign.discountValidDays
              ? null
              : {
                  days: campaign.discountValidDays,
                  prefix: "OFFER",
                  title: `Campaign ${campaign.name}`.slice(0, 200),
                  ...(campaign.discountKind === "PERCENTAGE" ? { percent: Number(campaign.discountValue) } : { amount: campaign.discountValue.toFixed(2) }),
                },
        },
      ]),
    ),
    expiry: new Map(),
  };
  for (const shop of shops) {
    context.shops.set(shop.id, {
      domain: shop.domain,
      name: shop.name ?? shop.domain,
      currencyCode: shop.currencyCode,
      contactEmail: shop.contactEmail,
      timezone: shop.ianaTimezone,
      settings: await followUpSettings(db, shop.id),
    });
  }
  const ledgerCustomers = customers.map((customer) => customer.id);
  if (ledgerCustomers.length > 0) {
    const balances = await db.pointsLedgerEntry.groupBy({ by: ["customerId"], where: { customerId: { in: ledgerCustomers } }, _sum: { points: true } });
    for (const balance of balances) context.points.set(balance.customerId, balance._sum.points ?? 0);
    for (const shopId of shopIds) {
      const held = await customerTiers(db, shopId, customers.filter((customer) => customer.shopId === shopId).map((customer) => customer.id));
      for (const [customerId, tier] of held) if (tier) context.tiers.set(customerId, tier.name);
    }
  }

  // A points expiry reminder is checked against the ledger as it is now: spent or earned points cancel it.
  for (const shopId of shopIds) {
    const reminders = claimed
      .filter((f) => f.shopId === shopId && f.kind === "POINTS_EXPIRY")
      .map((f) => ({ id: f.id, customerId: context.customers.get(subjectKey(shopId, f.customerShopifyId))?.id ?? null, pointsExpireAt: f.pointsExpireAt }));
    for (const [id, answer] of await checkPointsExpiryReminders(db, shopId, reminders, now)) context.expiry.set(id, answer);
  }

  // Consent is asked of Shopify right before sending: it is the record, and webhooks may lag.
  for (const shopId of shopIds) {
    const shop = context.shops.get(shopId);
    const wanted = [...new Set(claimed.filter((f) => f.shopId === shopId && MARKETING_KINDS.has(f.kind)).map((f) => f.customerShopifyId))];
    if (!shop || wanted.length === 0) continue;
    try {
      const states = await refreshMarketingConsent(db, await options.adminGraphqlFor(shop.domain), shopId, wanted, now);
      for (const [id, state] of states) context.consent.set(subjectKey(shopId, id), state);
    } catch (error) {
      logger.warn("follow-ups: could not read marketing consent", { shop: shop.domain, error: describe(error) });
      for (const id of wanted) context.consent.set(subjectKey(shopId, id), null);
    }
  }
  return context;
}

const DAY = 86_400_000;

async function sendOne(options: DispatchOptions, context: BatchContext, followUp: ClaimedFollowUp, now: Date): Promise<Outcome> {
  const shop = context.shops.get(followUp.shopId);
  if (!shop) return { status: "CANCELLED", reason: "shop uninstalled" };
  const { settings } = shop;
  const rules = rulesOf(settings, shop.timezone);
  if (isQuietTime(now, shop.timezone, rules.quietHours)) {
    return { status: "DEFERRED", until: nextSendableTime(now, shop.timezone, rules.quietHours) };
  }
  const campaign = followUp.campaignId ? context.campaigns.get(followUp.campaignId) : undefined;
  if (followUp.kind === "CAMPAIGN" && (!campaign || campaign.cancelled)) return { status: "CANCELLED", reason: "campaign cancelled" };
  const key = subjectKey(followUp.shopId, followUp.customerShopifyId);
  const customer = context.customers.get(key) ?? null;
  const marketing = MARKETING_KINDS.has(followUp.kind);
  const consentState = marketing ? context.consent.get(key) : "subscribed";
  if (consentState === null) throw new Error("could not read the customer's marketing consent from Shopify");
  const reason = whyNotSend({
    kind: followUp.kind,
    enabled: kindEnabled(followUp.kind, rules),
    customer,
    consentState: consentState ?? null,
    unsubscribed: context.unsubscribed.has(key),
  });
  if (reason || !customer?.email) return { status: "CANCELLED", reason: reason ?? "no email address" };
  const checked = followUp.kind === "POINTS_EXPIRY" ? (context.expiry.get(followUp.id) ?? { reason: "no points left to expire" }) : null;
  if (checked && "reason" in checked) return { status: "CANCELLED", reason: checked.reason };
  const expiry = checked;

  const incentive: Incentive | null =
    followUp.kind === "NEXT_PURCHASE" && settings.nextPurchaseDiscountPercent > 0
      ? { percent: settings.nextPurchaseDiscountPercent, days: settings.nextPurchaseCodeValidDays, prefix: "THANKS", title: "Next purchase" }
      : followUp.kind === "WIN_BACK" && settings.winBackDiscountPercent > 0
        ? { percent: settings.winBackDiscountPercent, days: settings.winBackCodeValidDays, prefix: "COMEBACK", title: "Win-back" }
        : (campaign?.incentive ?? null);
  let code: { code: string; endsAt: Date } | null = null;
  if (incentive) code = await ensureDiscount(options, shop, followUp, incentive, now);

  const token = unsubscribeToken({ shopId: followUp.shopId, customerShopifyId: followUp.customerShopifyId, campaignId: followUp.campaignId }, options.secret);
  const unsubscribe = unsubscribeUrl(options.appUrl, token);
  const shopUrl = `https://${shop.domain}`;
  const variantNumber = followUp.variantShopifyId?.split("/").pop();
  const reorderLink =
    followUp.kind === "REPLENISHMENT" && variantNumber
      ? `${shopUrl}/cart/${variantNumber}:1`
      : code
        ? `${shopUrl}/discount/${encodeURIComponent(code.code)}`
        : shopUrl;
  const email = renderEmail({
    kind: followUp.kind,
    template: campaign ? campaign.template : templateFor(followUp.kind as Exclude<SendKind, "CAMPAIGN">, settings.templates),
    values: {
      first_name: customer.firstName,
      shop_name: shop.name,
      points_balance: String(context.points.get(customer.id) ?? 0),
      tier: context.tiers.get(customer.id) ?? null,
      code: code?.code ?? null,
      discount: code && incentive ? ("percent" in incentive ? `${incentive.percent}%` : formatMoney(incentive.amount, shop.currencyCode)) : null,
      code_expires: code ? new Intl.DateTimeFormat("en", { dateStyle: "long", timeZone: shop.timezone }).format(code.endsAt) : null,
      product: followUp.productTitle,
      reorder_link: reorderLink,
      points_expiring: expiry ? String(expiry.points) : null,
      expiry_date: expiry ? formatExpiryDate(expiry.expiresAt, shop.timezone) : null,
    },
    branding: { shopName: shop.name, brandColor: settings.brandColor, logoUrl: settings.logoUrl },
    unsubscribeUrl: unsubscribe,
    survey:
      followUp.kind === "SURVEY"
        ? surveyLinks(settings.surveyType, shop.name, settings.surveyPoints, (score) =>
            surveyAnswerUrl(options.appUrl, surveyToken({ shopId: followUp.shopId, followUpId: followUp.id, type: settings.surveyType }, options.secret), score),
          )
        : null,
  });
  const messageId = `<follow-up.${followUp.id}@${new URL(options.appUrl).hostname}>`;
  await options.transport.send({
    ...followUpSender(settings, shop, options.defaultFromAddress),
    to: customer.email,
    subject: email.subject,
    html: email.html,
    text: email.text,
    messageId,
    headers: {
      "List-Unsubscribe": `<${unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "X-Follow-Up-Id": followUp.id,
      "X-Follow-Up-Kind": followUp.kind,
      ...(followUp.campaignId ? { "X-Campaign-Id": followUp.campaignId } : {}),
      ...(marketing ? {} : { "Auto-Submitted": "auto-generated" }),
    },
  });
  return { status: "SENT", toEmail: customer.email, subject: email.subject, messageId };
}

/**
 * The follow-up's code, created once: the code is stored before Shopify is asked, so a retry after
 * a crash asks for the same code (and finds it taken) instead of minting a second one.
 */
async function ensureDiscount(
  options: DispatchOptions,
  shop: ShopContext,
  followUp: ClaimedFollowUp,
  incentive: Incentive,
  now: Date,
): Promise<{ code: string; endsAt: Date }> {
  if (followUp.discountCode && followUp.discountShopifyId && followUp.discountEndsAt) {
    return { code: followUp.discountCode, endsAt: followUp.discountEndsAt };
  }
  const code = followUp.discountCode ?? newDiscountCode(incentive.prefix);
  const endsAt = followUp.discountEndsAt ?? new Date(now.getTime() + incentive.days * DAY);
  await options.db.followUp.updateMany({
    where: { id: followUp.id, claimToken: followUp.claimToken },
    data: { discountCode: code, discountEndsAt: endsAt },
  });
  const graphql = await options.adminGraphqlFor(shop.domain);
  const discountId = await createFollowUpDiscount(graphql, {
    code,
    title: `${incentive.title} ${code}`,
    customerShopifyId: followUp.customerShopifyId,
    startsAt: now,
    endsAt,
    ...("percent" in incentive ? { percent: incentive.percent } : { amount: incentive.amount }),
  });
  await options.db.followUp.updateMany({
    where: { id: followUp.id, claimToken: followUp.claimToken },
    data: { discountShopifyId: discountId ?? `existing:${code}` },
  });
  return { code, endsAt };
}

