/**
 * Campaigns in the database: counting an audience after consent, sending (one CAMPAIGN follow-up per
 * recipient, due at the campaign's pace, sent by the follow-up workers), cancelling, the test send, and
 * what a campaign did (sent, failed, unsubscribed, the orders its codes brought).
 *
 * Exactly once per recipient: the recipient's row is keyed `campaign:<campaign>:<customer>` (unique
 * per shop), and the workers claim rows with a claim token and a lease (dispatch.server.ts); the email's
 * Message-ID is the row's, so a receiver can tell a resend after a crash mid-send.
 */
import { healthThresholdsOfShop } from "../customers/directory.server";
import type { Db } from "../database/transaction";
import { Prisma, type PrismaClient } from "../generated/prisma/client";
import { reachableByMarketingEmailSql } from "../follow-ups/audience.server";
import type { MailTransport } from "../follow-ups/mail.server";
import { followUpSettings, refreshMarketingConsent } from "../follow-ups/schedule.server";
import { deliverTest, testAddress, testUnsubscribeUrl } from "../follow-ups/test-send.server";
import { logger } from "../logger.server";
import { campaignAttribution } from "../reports/program-earnings.server";
import type { AdminGraphql } from "../shopify/admin-graphql.server";
import { parseAudience } from "./audience";
import type { CampaignInput } from "./form";
import { campaignSendTimes } from "./pacing";
import { previewCampaignEmail } from "./preview";

const DAY = 86_400_000;
/** Consent the app heard from Shopify this recently is not asked again for a count. Dispatch always asks. */
const CONSENT_FRESH_MS = 60 * 60_000;
/**
 * At most this many customers' consent is asked of Shopify while the merchant waits (ten queries). A
 * larger audience is counted from the consent last recorded (consent.server.ts: the install's history
 * import, Shopify's consent webhooks, earlier sends and counts), and each recipient's is asked once more
 * right before their email goes out.
 */
export const CONSENT_ASKED_AT_ONCE = 1_000;

export const campaignKey = (campaignId: string, customerShopifyId: string) => `campaign:${campaignId}:${customerShopifyId}`;

/** The customers of an audience before consent: in the shop, not erased nor deleted, with an address. */
async function audienceSql(db: Db, shopId: string, audienceValue: string, now: Date): Promise<Prisma.Sql> {
  const audience = parseAudience(audienceValue);
  if (!audience) throw new Error(`unknown audience ${audienceValue}`);
  const base = Prisma.sql`c."shopId" = ${shopId} AND c."redactedAt" IS NULL AND c."deletedAt" IS NULL AND COALESCE(c.email, '') <> ''`;
  if (audience.kind === "all") return Prisma.sql`SELECT c.* FROM "Customer" c WHERE ${base}`;
  const segmentJoin = Prisma.sql`JOIN "CustomerSegment" s ON s."shopId" = c."shopId" AND s."customerShopifyId" = c."shopifyId"`;
  if (audience.kind === "segment") return Prisma.sql`SELECT c.* FROM "Customer" c ${segmentJoin} WHERE ${base} AND s.segment = ${audience.segment}`;
  // Health colours as customerHealth (app/customers/health.ts) gives them, from the last counted order the segments hold.
  const thresholds = await healthThresholdsOfShop(db, shopId);
  const slipping = new Date(now.getTime() - thresholds.slippingDays * DAY);
  const lapsed = new Date(now.getTime() - thresholds.lapsedDays * DAY);
  const band =
    audience.health === "recent"
      ? Prisma.sql`s."lastOrderAt" > ${slipping}`
      : audience.health === "slipping"
        ? Prisma.sql`s."lastOrderAt" <= ${slipping} AND s."lastOrderAt" > ${lapsed}`
        : Prisma.sql`s."lastOrderAt" <= ${lapsed}`;
  return Prisma.sql`SELECT c.* FROM "Customer" c ${segmentJoin} WHERE ${base} AND ${band}`;
}

export interface AudienceCount {
  /** Customers of the audience with an email address. */
  customers: number;
  /** Of those, the ones a marketing email may go to (consent, not unsubscribed). */
  reachable: number;
  /** False when Shopify could not be asked and the consent last recorded was used. */
  consentFromShopify: boolean;
  /** Customers counted by the consent last recorded, without asking: the audience is too large to ask about now. */
  consentAsRecorded: number;
}

/** Asks Shopify for the audience's consent (unless heard within the hour) and counts who may receive the campaign. */
export async function countCampaignAudience(db: PrismaClient, graphql: AdminGraphql, shopId: string, audience: string, now: Date): Promise<AudienceCount> {
  const audienceRows = await audienceSql(db, shopId, audience, now);
  // Shopify is asked about everyone whose consent the app has not heard in the last hour (a count
  // repeated while the merchant edits, or the send right after it, asks again for none of them).
  const customers = await db.$queryRaw<{ id: string; stale: boolean }[]>`
    SELECT a."shopifyId" AS id, (m."updatedAt" IS NULL OR m."updatedAt" < ${new Date(now.getTime() - CONSENT_FRESH_MS)}) AS stale
      FROM (${audienceRows}) a
      LEFT JOIN "MarketingConsent" m ON m."shopId" = a."shopId" AND m."customerShopifyId" = a."shopifyId"`;
  const stale = customers.filter((customer) => customer.stale).map((customer) => customer.id);
  const asked = stale.length <= CONSENT_ASKED_AT_ONCE ? stale : [];
  let consentFromShopify = true;
  try {
    await refreshMarketingConsent(db, graphql, shopId, asked, now);
  } catch (error) {
    consentFromShopify = false;
    logger.warn("campaigns: could not read marketing consent", { error: error instanceof Error ? error.message : String(error) });
  }
  const [{ reachable }] = await db.$queryRaw<{ reachable: number }[]>`
    SELECT COUNT(*)::int AS reachable FROM (${audienceRows}) c WHERE ${reachableByMarketingEmailSql("c")}`;
  return { customers: customers.length, reachable, consentFromShopify, consentAsRecorded: stale.length - asked.length };
}

export class CampaignRefusedError extends Error {}

/**
 * Sends a campaign: consent asked of Shopify, then in one transaction the campaign and one follow-up
 * per reachable recipient, due `ratePerMinute` a minute from now outside the shop's quiet hours.
 * Returns the campaign's id and its recipients. `sendKey` is the form's: sent twice, it sends once.
 */
export async function sendCampaign(
  db: PrismaClient,
  graphql: AdminGraphql,
  shopId: string,
  input: CampaignInput,
  sendKey: string,
  now: Date,
): Promise<{ id: string; recipients: number }> {
  // A form sent again (a resubmit, a retried request) finds the campaign it made.
  const sent = () => db.campaign.findUnique({ where: { shopId_sendKey: { shopId, sendKey } }, select: { id: true, recipients: true } });
  const earlier = await sent();
  if (earlier) return earlier;
  try {
    return await scheduleCampaign(db, graphql, shopId, input, sendKey, now);
  } catch (error) {
    // The same form sent twice at once: the other request made it.
    const other = (error as { code?: string }).code === "P2002" ? await sent() : null;
    if (other) return other;
    throw error;
  }
}

async function scheduleCampaign(db: PrismaClient, graphql: AdminGraphql, shopId: string, input: CampaignInput, sendKey: string, now: Date): Promise<{ id: string; recipients: number }> {
  const count = await countCampaignAudience(db, graphql, shopId, input.audience, now);
  if (count.reachable === 0) throw new CampaignRefusedError("No customer in this audience can receive marketing email: nothing was sent");
  const [shop, settings] = await Promise.all([db.shop.findUniqueOrThrow({ where: { id: shopId }, select: { ianaTimezone: true } }), followUpSettings(db, shopId)]);
  return db.$transaction(async (tx) => {
    const audienceRows = await audienceSql(tx, shopId, input.audience, now);
    const recipients = await tx.$queryRaw<{ id: string }[]>`
      SELECT c."shopifyId" AS id FROM (${audienceRows}) c WHERE ${reachableByMarketingEmailSql("c")} ORDER BY c."shopifyId"`;
    const dueAt = campaignSendTimes(recipients.length, input.ratePerMinute, now, shop.ianaTimezone, { start: settings.quietHoursStart, end: settings.quietHoursEnd });
    const campaign = await tx.campaign.create({
      data: {
        shopId,
        name: input.name,
        audience: input.audience,
        subject: input.subject,
        body: input.body,
        discountKind: input.discountKind,
        discountValue: input.discountValue,
        discountValidDays: input.discountValidDays,
        ratePerMinute: input.ratePerMinute,
        attributionDays: input.attributionDays,
        recipients: recipients.length,
        sendKey,
        sentAt: now,
      },
    });
    await tx.$executeRaw`
      INSERT INTO "FollowUp" (id, "shopId", kind, key, "customerShopifyId", "campaignId", "dueAt", "updatedAt")
      SELECT gen_random_uuid()::text, ${shopId}, 'CAMPAIGN'::"FollowUpKind", 'campaign:' || ${campaign.id} || ':' || r.customer, r.customer, ${campaign.id}, r.due_at::timestamp, ${now}
        FROM unnest(${recipients.map((recipient) => recipient.id)}::text[], ${dueAt.map((at) => at.toISOString())}::text[]) AS r(customer, due_at)
      ON CONFLICT ("shopId", key) DO NOTHING`;
    return { id: campaign.id, recipients: recipients.length };
  });
}

/** Cancels a campaign of this shop being sent: what has not started sending never will. False when there is none. */
export async function cancelCampaign(db: PrismaClient, shopId: string, campaignId: string, now: Date): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.campaign.updateMany({ where: { id: campaignId, shopId, status: "SENDING" }, data: { status: "CANCELLED", cancelledAt: now } });
    if (count === 0) return false;
    await tx.followUp.updateMany({
      where: { campaignId, shopId, status: "SCHEDULED" },
      data: { status: "CANCELLED", cancelledAt: now, cancelReason: "campaign cancelled" },
    });
    return true;
  });
}

export type CampaignState = "sending" | "sent" | "cancelled";

export interface CampaignSummary {
  id: string;
  name: string;
  audience: string;
  subject: string;
  state: CampaignState;
  recipients: number;
  sent: number;
  failed: number;
  /** Not sent: the customer unsubscribed, withdrew consent or was erased meanwhile, or the campaign was cancelled. */
  skipped: number;
  /** Still to send (due later, or being sent right now). */
  waiting: number;
  sentAt: string;
}

async function summaries(db: PrismaClient, shopId: string, campaignIds: string[] | null): Promise<CampaignSummary[]> {
  const campaigns = await db.campaign.findMany({
    where: { shopId, ...(campaignIds ? { id: { in: campaignIds } } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take: 100,
  });
  const counts = campaigns.length
    ? await db.followUp.groupBy({ by: ["campaignId", "status"], where: { shopId, campaignId: { in: campaigns.map((campaign) => campaign.id) } }, _count: { _all: true } })
    : [];
  return campaigns.map((campaign) => {
    const of = (...statuses: string[]) =>
      counts.filter((row) => row.campaignId === campaign.id && statuses.includes(row.status)).reduce((sum, row) => sum + row._count._all, 0);
    const waiting = of("SCHEDULED", "SENDING");
    return {
      id: campaign.id,
      name: campaign.name,
      audience: campaign.audience,
      subject: campaign.subject,
      state: campaign.status === "CANCELLED" ? "cancelled" : waiting > 0 ? "sending" : "sent",
      recipients: campaign.recipients,
      sent: of("SENT"),
      failed: of("FAILED"),
      skipped: of("CANCELLED"),
      waiting,
      sentAt: campaign.sentAt.toISOString(),
    };
  });
}

export function listCampaigns(db: PrismaClient, shopId: string): Promise<CampaignSummary[]> {
  return summaries(db, shopId, null);
}

/** A campaign of this shop with what it did; null for none (another shop's is none). */
export async function campaignReport(db: PrismaClient, shopId: string, campaignId: string) {
  const campaign = await db.campaign.findFirst({ where: { id: campaignId, shopId } });
  if (!campaign) return null;
  const [[summary], unsubscribed, attributed, failures] = await Promise.all([
    summaries(db, shopId, [campaign.id]),
    db.followUpUnsubscribe.count({ where: { shopId, campaignId: campaign.id } }),
    campaignAttribution(db, shopId, campaign.id, campaign.attributionDays),
    db.followUp.groupBy({ by: ["lastError"], where: { shopId, campaignId: campaign.id, status: "FAILED" }, _count: { _all: true } }),
  ]);
  return {
    ...summary,
    body: campaign.body,
    discountKind: campaign.discountKind,
    discountValue: campaign.discountValue?.toString() ?? null,
    discountValidDays: campaign.discountValidDays,
    ratePerMinute: campaign.ratePerMinute,
    attributionDays: campaign.attributionDays,
    cancelledAt: campaign.cancelledAt?.toISOString() ?? null,
    unsubscribed,
    orders: attributed.orders,
    revenue: attributed.revenue,
    failures: failures.map((row) => ({ reason: row.lastError ?? "unknown", count: row._count._all })),
  };
}

/** The campaign as the preview shows it, sent to the merchant's own address, marked as a test. */
export async function sendTestCampaign(input: {
  db: PrismaClient;
  transport: MailTransport;
  shopId: string;
  campaign: CampaignInput;
  appUrl: string;
  defaultFromAddress: string;
  now: Date;
}): Promise<{ to: string }> {
  const { db, shopId, now } = input;
  const [shop, settings] = await Promise.all([
    db.shop.findUniqueOrThrow({ where: { id: shopId }, select: { name: true, domain: true, email: true, contactEmail: true, ianaTimezone: true, currencyCode: true } }),
    followUpSettings(db, shopId),
  ]);
  const to = testAddress(shop);
  if (!to) throw new CampaignRefusedError("The shop has no email address to send a test to");
  const name = shop.name ?? shop.domain;
  const email = previewCampaignEmail(
    input.campaign,
    { name, domain: shop.domain, timezone: shop.ianaTimezone, currencyCode: shop.currencyCode },
    settings,
    testUnsubscribeUrl(input.appUrl),
    now,
  );
  await deliverTest({ ...input, settings, shop: { name, contactEmail: shop.contactEmail }, to, kind: "CAMPAIGN", email, messageIdPart: "campaign-test" });
  return { to };
}
