/**
 * Sends due follow-ups, from as many processes as wanted:
 * - a claim takes due rows with `FOR UPDATE SKIP LOCKED` and marks them SENDING with a lease and a
 *   claim token in the same statement, so two workers never take the same row;
 * - a SENDING row whose lease has passed (its worker crashed mid-send) is claimed again;
 * - every claim counts as an attempt; a failure is retried with back-off, and after the shop's
 *   maxAttempts (or an SMTP 5xx, which will not change) it ends FAILED with the reason;
 * - a row's result is written only by the worker holding its claim token.
 */
import { randomUUID } from "node:crypto";

import type { Tx } from "../database/transaction";
import type { Prisma, PrismaClient } from "../generated/prisma/client";
import { logger } from "../logger.server";
import { adminQuery, type AdminGraphql } from "../shopify/admin-graphql.server";
import { createFollowUpDiscount, DiscountRefusedError, newDiscountCode } from "../shopify/discount-codes.server";
import { FOLLOW_UP_MARKETING_CONSENT_QUERY } from "../shopify/operations";
import { followUpSender, isPermanentMailError, type MailTransport } from "./mail.server";
import { isQuietTime, kindEnabled, MARKETING_KINDS, nextSendableTime, retryDelayMs, whyNotSend, type FollowUpKind } from "./rules";
import { followUpSettings, recordMarketingConsent, rulesOf } from "./schedule.server";
import { renderEmail, templateFor } from "./templates";
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
  kind: FollowUpKind;
  customerShopifyId: string;
  productShopifyId: string | null;
  variantShopifyId: string | null;
  productTitle: string | null;
  attempts: number;
  discountCode: string | null;
  discountShopifyId: string | null;
  discountEndsAt: Date | null;
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
    RETURNING f.id, f."shopId", f.kind::text AS kind, f."customerShopifyId", f."productShopifyId", f."variantShopifyId", f."productTitle",
              f.attempts, f."discountCode", f."discountShopifyId", f."discountEndsAt", f."claimToken"`;
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
}

const subjectKey = (shopId: string, customerShopifyId: string) => `${shopId} ${customerShopifyId}`;

async function loadContext(options: DispatchOptions, claimed: ClaimedFollowUp[], now: Date): Promise<BatchContext> {
  const { db } = options;
  const shopIds = [...new Set(claimed.map((followUp) => followUp.shopId))];
  const customerIds = [...new Set(claimed.map((followUp) => followUp.customerShopifyId))];
  const [shops, customers, unsubscribes] = await Promise.all([
    db.shop.findMany({ where: { id: { in: shopIds }, uninstalledAt: null }, select: { id: true, domain: true, name: true, contactEmail: true, ianaTimezone: true } }),
    db.customer.findMany({
      where: { shopId: { in: shopIds }, shopifyId: { in: customerIds } },
      select: { id: true, shopId: true, shopifyId: true, email: true, firstName: true, redactedAt: true, deletedAt: true },
    }),
    db.followUpUnsubscribe.findMany({ where: { shopId: { in: shopIds }, customerShopifyId: { in: customerIds } } }),
  ]);
  const context: BatchContext = {
    shops: new Map(),
    customers: new Map(customers.map((customer) => [subjectKey(customer.shopId, customer.shopifyId), customer])),
    unsubscribed: new Set(unsubscribes.map((row) => subjectKey(row.shopId, row.customerShopifyId))),
    points: new Map(),
    tiers: new Map(),
    consent: new Map(),
  };
  for (const shop of shops) {
    context.shops.set(shop.id, { domain: shop.domain, name: shop.name ?? shop.domain, contactEmail: shop.contactEmail, timezone: shop.ianaTimezone, settings: await followUpSettings(db, shop.id) });
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

  // Consent is asked of Shopify right before sending: it is the record, and webhooks may lag.
  for (const shopId of shopIds) {
    const shop = context.shops.get(shopId);
    const wanted = [...new Set(claimed.filter((f) => f.shopId === shopId && MARKETING_KINDS.has(f.kind)).map((f) => f.customerShopifyId))];
    if (!shop || wanted.length === 0) continue;
    try {
      const graphql = await options.adminGraphqlFor(shop.domain);
      const { nodes } = await adminQuery(graphql, FOLLOW_UP_MARKETING_CONSENT_QUERY, { variables: { ids: wanted } });
      for (const [index, id] of wanted.entries()) {
        const state = nodes[index]?.defaultEmailAddress?.marketingState ?? "NOT_SUBSCRIBED";
        context.consent.set(subjectKey(shopId, id), state);
        const updatedAt = nodes[index]?.defaultEmailAddress?.marketingUpdatedAt;
        await recordMarketingConsent(db, shopId, id, state, updatedAt ? new Date(updatedAt) : null, now);
      }
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

  const incentive =
    followUp.kind === "NEXT_PURCHASE"
      ? { percent: settings.nextPurchaseDiscountPercent, days: settings.nextPurchaseCodeValidDays, prefix: "THANKS" }
      : followUp.kind === "WIN_BACK" && settings.winBackDiscountPercent > 0
        ? { percent: settings.winBackDiscountPercent, days: settings.winBackCodeValidDays, prefix: "COMEBACK" }
        : null;
  let code: { code: string; endsAt: Date } | null = null;
  if (incentive && incentive.percent > 0) code = await ensureDiscount(options, shop, followUp, incentive, now);

  const token = unsubscribeToken({ shopId: followUp.shopId, customerShopifyId: followUp.customerShopifyId }, options.secret);
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
    template: templateFor(followUp.kind, settings.templates),
    values: {
      first_name: customer.firstName,
      shop_name: shop.name,
      points_balance: String(context.points.get(customer.id) ?? 0),
      tier: context.tiers.get(customer.id) ?? null,
      code: code?.code ?? null,
      discount: code && incentive ? `${incentive.percent}%` : null,
      code_expires: code ? new Intl.DateTimeFormat("en", { dateStyle: "long", timeZone: shop.timezone }).format(code.endsAt) : null,
      product: followUp.productTitle,
      reorder_link: reorderLink,
    },
    branding: { shopName: shop.name, brandColor: settings.brandColor, logoUrl: settings.logoUrl },
    unsubscribeUrl: unsubscribe,
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
  incentive: { percent: number; days: number; prefix: string },
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
    title: `${followUp.kind === "WIN_BACK" ? "Win-back" : "Next purchase"} ${code}`,
    customerShopifyId: followUp.customerShopifyId,
    percent: incentive.percent,
    startsAt: now,
    endsAt,
  });
  await options.db.followUp.updateMany({
    where: { id: followUp.id, claimToken: followUp.claimToken },
    data: { discountShopifyId: discountId ?? `existing:${code}` },
  });
  return { code, endsAt };
}

