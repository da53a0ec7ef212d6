/**
 * Follow-up rows in the database: what an order schedules and cancels (from the stored order, in the
 * order sync's transaction), the win-back sweep, unsubscribes, the merchant's cancel, settings and
 * use-up intervals. The rules themselves are in rules.ts.
 */
import type { Db } from "../database/transaction";
import { Prisma, type PrismaClient } from "../generated/prisma/client";
import { customersOrdersSql } from "../orders/customer-orders-sql.server";
import { holdingPaymentSql, keptPurchaseSql, newestOrderFirstSql } from "../orders/vocabulary.server";
import { marketingConsentUpsert } from "./consent.server";
import { adminQuery, BACKGROUND, type AdminGraphql } from "../shopify/admin-graphql.server";
import { FOLLOW_UP_MARKETING_CONSENT_QUERY } from "../shopify/operations";
import {
  CUSTOMER_ORDERS_CHANGED,
  MARKETING_KINDS,
  nextSendableTime,
  planOrderFollowUps,
  replenishmentSuggestion,
  surveyDueAt,
  WIN_BACK_RHYTHM_MIN_DAYS,
  winBackLapseWindow,
  winBackWindow,
  type CustomerOrderFacts,
  type ExistingFollowUp,
  type FollowUpKind,
  type FollowUpRules,
  type OrderFacts,
  type WinBackAudience,
} from "./rules";

/** The shop's follow-up settings, made with the defaults on first use. */
export async function followUpSettings(db: Db, shopId: string) {
  const settings = await db.followUpSettings.findUnique({ where: { shopId } });
  if (settings) return settings;
  // ON CONFLICT DO NOTHING: two first orders of a new shop, applied side by side, both get the defaults.
  await db.followUpSettings.createMany({ data: [{ shopId }], skipDuplicates: true });
  return db.followUpSettings.findUniqueOrThrow({ where: { shopId } });
}

export type FollowUpSettings = Awaited<ReturnType<typeof followUpSettings>>;

export function rulesOf(settings: FollowUpSettings, timezone: string): FollowUpRules {
  return {
    timezone,
    quietHours: { start: settings.quietHoursStart, end: settings.quietHoursEnd },
    thankYouEnabled: settings.thankYouEnabled,
    thankYouDelayMinutes: settings.thankYouDelayMinutes,
    nextPurchaseEnabled: settings.nextPurchaseEnabled,
    nextPurchaseDelayDays: settings.nextPurchaseDelayDays,
    replenishmentEnabled: settings.replenishmentEnabled,
    replenishmentLeadDays: settings.replenishmentLeadDays,
    winBackEnabled: settings.winBackEnabled,
    winBackAfterDays: settings.winBackAfterDays,
    pointsExpiryEnabled: settings.pointsExpiryEnabled,
    pointsExpiryLeadDays: settings.pointsExpiryLeadDays,
    surveyEnabled: settings.surveyEnabled,
    surveyDelayDays: settings.surveyDelayDays,
  };
}

/**
 * (Re)derives what one stored order schedules and cancels: call it after the order (and its refunds)
 * are written, in the same transaction, holding the customer's lock as the order sync does. Safe to
 * call any number of times: existing follow-ups are never duplicated nor moved.
 */
export async function scheduleFollowUpsForOrder(
  tx: Db,
  shopId: string,
  orderShopifyId: string,
  now: Date,
  /** The shop's settings when the caller already read them. */
  knownSettings?: Promise<FollowUpSettings>,
): Promise<void> {
  await scheduleFollowUpsForOrders(tx, shopId, [orderShopifyId], now, knownSettings);
}

type StoredOrderFacts = {
  shopifyId: string;
  customerShopifyId: string | null;
  placedAt: Date;
  financialStatus: string;
  cancelledAt: Date | null;
  test: boolean;
  imported: boolean;
  installedAt: Date;
  ianaTimezone: string;
  reachable: boolean;
  lines: OrderFacts["lines"];
};

/**
 * `scheduleFollowUpsForOrder` for several stored orders of one shop (a batch of deliveries, at its
 * end), with the result of planning them one after the other in the order given: the orders, the
 * customers' orders and the use-up intervals are read once for all of them, and each round plans
 * the next order of every customer at once (one read of their follow-ups, one statement per kind of
 * write), so a customer's second order in the batch is planned after their first one's follow-ups
 * are written, as it would be alone. The caller holds every customer's lock.
 */
export async function scheduleFollowUpsForOrders(
  tx: Db,
  shopId: string,
  orderShopifyIds: string[],
  now: Date,
  knownSettings?: Promise<FollowUpSettings>,
): Promise<void> {
  if (orderShopifyIds.length === 0) return;
  // This runs for every order the shop receives: plain SQL, not Prisma's per-query compiler.
  const stored = await tx.$queryRaw<StoredOrderFacts[]>`
    SELECT o."shopifyId", o."customerShopifyId", o."placedAt", o."financialStatus", o."cancelledAt", o.test, o.imported,
           s."installedAt", s."ianaTimezone",
           (c.id IS NOT NULL AND c."redactedAt" IS NULL AND c."deletedAt" IS NULL) AS reachable,
           COALESCE((SELECT json_agg(json_build_object('productShopifyId', l."productShopifyId", 'variantShopifyId', l."variantShopifyId", 'title', l.title))
                       FROM "OrderLineItem" l WHERE l."orderId" = o.id), '[]'::json) AS lines
      FROM unnest(${[...new Set(orderShopifyIds)]}::text[]) AS orders(shopify_id)
      -- Each order by its unique key (as in customer-orders-sql.server.ts: not the shop's whole list when statistics are stale).
      CROSS JOIN LATERAL (SELECT * FROM "Order" WHERE "shopId" = ${shopId} AND "shopifyId" = orders.shopify_id OFFSET 0) AS o
      JOIN "Shop" s ON s.id = o."shopId"
      LEFT JOIN "Customer" c ON c."shopId" = o."shopId" AND c."shopifyId" = o."customerShopifyId"`;
  const orderById = new Map(stored.map((order) => [order.shopifyId, order]));
  // Each customer's orders in the order given; round k plans the k-th of each.
  const queues = new Map<string, StoredOrderFacts[]>();
  for (const id of orderShopifyIds) {
    const order = orderById.get(id);
    if (!order?.customerShopifyId) continue;
    const queue = queues.get(order.customerShopifyId) ?? [];
    queues.set(order.customerShopifyId, [...queue, order]);
  }
  if (queues.size === 0) return;
  const customerShopifyIds = [...queues.keys()];
  const productIds = [...new Set(stored.flatMap((order) => order.lines.flatMap((line) => (line.productShopifyId ? [line.productShopifyId] : []))))];
  const settings = await (knownSettings ?? followUpSettings(tx, shopId));
  const customerOrders = await tx.$queryRaw<(CustomerOrderFacts & { customerShopifyId: string })[]>`
    SELECT o."customerShopifyId", o."shopifyId", o."placedAt", o."financialStatus", o."cancelledAt", o.test, o.imported,
           COALESCE(l."productShopifyIds", '{}') AS "productShopifyIds", COALESCE(l.lines, '[]'::json) AS lines
      FROM ${customersOrdersSql(shopId, customerShopifyIds)}
      -- Each order's lines aggregated on their own (one row per order): no grouping of every order's lines together.
      CROSS JOIN LATERAL (
        SELECT array_agg(l."productShopifyId") AS "productShopifyIds",
               json_agg(json_build_object('productShopifyId', l."productShopifyId", 'variantShopifyId', l."variantShopifyId", 'title', l.title)) AS lines
          FROM "OrderLineItem" l WHERE l."orderId" = o.id AND l."productShopifyId" IS NOT NULL) AS l`;
  const ordersOf = new Map<string, CustomerOrderFacts[]>();
  for (const { customerShopifyId, ...order } of customerOrders) ordersOf.set(customerShopifyId, [...(ordersOf.get(customerShopifyId) ?? []), order]);
  const intervals = productIds.length
    ? await tx.$queryRaw<{ productShopifyId: string; intervalDays: number; leadDays: number | null }[]>`
        SELECT "productShopifyId", "intervalDays", "leadDays" FROM "ReplenishmentInterval"
         WHERE "shopId" = ${shopId} AND "productShopifyId" = ANY(${productIds}::text[])`
    : [];
  const intervalOf = new Map(intervals.map((interval) => [interval.productShopifyId, { intervalDays: interval.intervalDays, leadDays: interval.leadDays }]));

  for (let round = 0; ; round++) {
    const orders = [...queues.values()].flatMap((queue) => (round < queue.length ? [queue[round]] : []));
    if (orders.length === 0) return;
    const existing = await tx.$queryRaw<(ExistingFollowUp & { customerShopifyId: string })[]>`
      SELECT "customerShopifyId", key, kind::text AS kind, status::text AS status, "orderShopifyId", "orderPlacedAt", "productShopifyId", "cancelReason"
        FROM "FollowUp" WHERE "shopId" = ${shopId} AND "customerShopifyId" = ANY(${orders.map((order) => order.customerShopifyId!)}::text[])`;
    const existingOf = new Map<string, ExistingFollowUp[]>();
    for (const { customerShopifyId, ...followUp } of existing) existingOf.set(customerShopifyId, [...(existingOf.get(customerShopifyId) ?? []), followUp]);

    const cancel: { key: string; reason: string }[] = [];
    const revive: string[] = [];
    const create: (ReturnType<typeof planOrderFollowUps>["create"][number] & { customerShopifyId: string })[] = [];
    for (const order of orders) {
      const customerShopifyId = order.customerShopifyId!;
      const plan = planOrderFollowUps({
        order: { ...order, customerShopifyId },
        customerOrders: ordersOf.get(customerShopifyId) ?? [],
        existing: existingOf.get(customerShopifyId) ?? [],
        rules: rulesOf(settings, order.ianaTimezone),
        intervals: intervalOf,
        installedAt: order.installedAt,
        now,
      });
      cancel.push(...plan.cancel);
      // Someone Shopify erased or deleted is never written to; cancellations still apply.
      if (!order.reachable) continue;
      revive.push(...plan.revive);
      create.push(...plan.create.map((followUp) => ({ ...followUp, customerShopifyId })));
    }

    if (cancel.length > 0) {
      await tx.$executeRaw`
        UPDATE "FollowUp" f SET status = 'CANCELLED', "cancelledAt" = ${now}, "cancelReason" = c.reason, "updatedAt" = ${now}
          FROM unnest(${cancel.map((entry) => entry.key)}::text[], ${cancel.map((entry) => entry.reason)}::text[]) AS c(key, reason)
         WHERE f."shopId" = ${shopId} AND f.key = c.key AND f.status = 'SCHEDULED'`;
    }
    if (revive.length > 0) {
      // Only what the planner itself cancelled because of another order (never the merchant's cancel, an unsubscribe or
      // missing consent), and not a reminder whose moment long passed; consent is checked again at send time, as for a new one.
      await tx.$executeRaw`
        UPDATE "FollowUp" SET status = 'SCHEDULED', "cancelledAt" = NULL, "cancelReason" = NULL, "updatedAt" = ${now}
         WHERE "shopId" = ${shopId} AND key = ANY(${revive}::text[]) AND status = 'CANCELLED'
           AND "cancelReason" = ANY(${Object.values(CUSTOMER_ORDERS_CHANGED)}::text[])
           AND (kind <> 'REPLENISHMENT' OR "dueAt" >= ${new Date(now.getTime() - 86_400_000)})`;
    }
    if (create.length > 0) {
      await tx.$executeRaw`
        INSERT INTO "FollowUp" (id, "shopId", kind, key, "customerShopifyId", "dueAt", "orderShopifyId", "orderPlacedAt",
                                "productShopifyId", "variantShopifyId", "productTitle", "createdAt", "updatedAt")
        SELECT gen_random_uuid()::text, ${shopId}, f.kind::"FollowUpKind", f.key, f.customer_id,
               f.due_at::timestamptz AT TIME ZONE 'UTC', f.order_id, f.placed_at::timestamptz AT TIME ZONE 'UTC',
               f.product_id, f.variant_id, f.title, ${now}, ${now}
          FROM unnest(${create.map((f) => f.kind)}::text[], ${create.map((f) => f.key)}::text[], ${create.map((f) => f.customerShopifyId)}::text[],
                      ${create.map((f) => f.dueAt.toISOString())}::text[],
                      ${create.map((f) => f.orderShopifyId)}::text[], ${create.map((f) => f.orderPlacedAt.toISOString())}::text[],
                      ${create.map((f) => f.productShopifyId)}::text[], ${create.map((f) => f.variantShopifyId)}::text[],
                      ${create.map((f) => f.productTitle)}::text[])
               WITH ORDINALITY AS f(kind, key, customer_id, due_at, order_id, placed_at, product_id, variant_id, title, position)
         ORDER BY f.position
        ON CONFLICT ("shopId", key) DO NOTHING`;
    }
  }
}

/**
 * The win-back's audience: each customer of the shop whose last kept purchase was placed in
 * [from, to), still reachable (not erased nor deleted), with that order. The sweep inserts these
 * rows; the admin counts them. One definition for both.
 */
function winBackAudienceSql(shopId: string, window: { from: Date; to: Date }): Prisma.Sql {
  return Prisma.sql`
    SELECT last.customer, last.order_id, last."placedAt"
      FROM (SELECT DISTINCT ON (o."customerShopifyId") o."customerShopifyId" AS customer, o."shopifyId" AS order_id, o."placedAt"
              FROM "Order" o
             WHERE o."shopId" = ${shopId} AND o."customerShopifyId" IS NOT NULL AND o."placedAt" >= ${window.from}
               AND ${keptPurchaseSql("o")}
             ORDER BY o."customerShopifyId", ${newestOrderFirstSql("o")}) last
      JOIN "Customer" c ON c."shopId" = ${shopId} AND c."shopifyId" = last.customer
     WHERE last."placedAt" < ${window.to} AND c."redactedAt" IS NULL AND c."deletedAt" IS NULL`;
}

/**
 * Rhythm timing's audience: each customer of the shop whose lapse moment (last kept purchase +
 * winBackLapseDays: their expected gap from NextOrderPrediction, else the shop's median gap from
 * NextOrderState, times the grace factor, at least WIN_BACK_RHYTHM_MIN_DAYS; else afterDays) falls in
 * [from, to), still reachable, with that order. Only orders that could lapse in the window are read:
 * none older than its start less the longest lapse any customer of the shop has.
 */
function rhythmAudienceSql(shopId: string, lapses: { from: Date; to: Date }, audience: WinBackAudience): Prisma.Sql {
  const grace = audience.graceFactor ?? 1;
  const lapseDays = (gap: Prisma.Sql) =>
    Prisma.sql`CASE WHEN ${gap} IS NULL THEN ${audience.afterDays}::float8 ELSE GREATEST(${WIN_BACK_RHYTHM_MIN_DAYS}::float8, ${gap} * ${grace}::float8) END`;
  return Prisma.sql`
    SELECT last.customer, last.order_id, last."placedAt"
      FROM (SELECT (SELECT "medianGapDays" FROM "NextOrderState" WHERE "shopId" = ${shopId}) AS shop_gap,
                   (SELECT MAX("expectedGapDays") FROM "NextOrderPrediction" WHERE "shopId" = ${shopId}) AS longest_gap) r
     CROSS JOIN LATERAL (
            SELECT DISTINCT ON (o."customerShopifyId") o."customerShopifyId" AS customer, o."shopifyId" AS order_id, o."placedAt"
              FROM "Order" o
             WHERE o."shopId" = ${shopId} AND o."customerShopifyId" IS NOT NULL AND ${keptPurchaseSql("o")}
               AND o."placedAt" >= (${lapses.from}::timestamptz AT TIME ZONE 'UTC')
                                   - GREATEST(${lapseDays(Prisma.sql`r.longest_gap`)}, ${lapseDays(Prisma.sql`r.shop_gap`)}) * interval '1 day'
             ORDER BY o."customerShopifyId", ${newestOrderFirstSql("o")}) last
      JOIN "Customer" c ON c."shopId" = ${shopId} AND c."shopifyId" = last.customer
      LEFT JOIN "NextOrderPrediction" p ON p."shopId" = ${shopId} AND p."customerShopifyId" = last.customer
     CROSS JOIN LATERAL (SELECT last."placedAt" + ${lapseDays(Prisma.sql`COALESCE(p."expectedGapDays", r.shop_gap)`)} * interval '1 day' AS lapse_at) l
     WHERE l.lapse_at >= (${lapses.from}::timestamptz AT TIME ZONE 'UTC') AND l.lapse_at < (${lapses.to}::timestamptz AT TIME ZONE 'UTC')
       AND c."redactedAt" IS NULL AND c."deletedAt" IS NULL`;
}

/** The win-back's audience now, by the shop's timing: the sweep inserts these rows, the admin counts them. */
function winBackAudienceNowSql(shopId: string, now: Date, audience: WinBackAudience): Prisma.Sql | null {
  if ((audience.timing ?? "FIXED") === "RHYTHM") {
    const lapses = winBackLapseWindow(now, audience);
    return lapses.from >= lapses.to ? null : rhythmAudienceSql(shopId, lapses, audience);
  }
  const window = winBackWindow(now, audience);
  return window.from >= window.to ? null : winBackAudienceSql(shopId, window);
}

export function winBackAudienceOf(settings: Awaited<ReturnType<typeof followUpSettings>>): WinBackAudience {
  return {
    afterDays: settings.winBackAfterDays,
    startedAt: settings.winBackStartedAt,
    pastDays: settings.winBackPastDays,
    timing: settings.winBackTiming === "RHYTHM" ? "RHYTHM" : "FIXED",
    graceFactor: Number(settings.winBackGraceFactor),
  };
}

/** How many customers the win-back reaches now with these settings, counted with the sweep's own rule. */
export async function countWinBackAudienceNow(db: Db, shopId: string, now: Date, audience: WinBackAudience): Promise<number> {
  const audienceSql = winBackAudienceNowSql(shopId, now, audience);
  if (!audienceSql) return 0;
  const [{ count }] = await db.$queryRaw<{ count: bigint }[]>`SELECT count(*) AS count FROM (${audienceSql}) audience`;
  return Number(count);
}

/**
 * The audience counts of several windows ending at one moment (the admin's choices of past
 * customers), in one pass over the widest: a customer's last order in the widest window is their last
 * order in each narrower one that holds it.
 */
export async function countWinBackAudiences(db: Db, shopId: string, to: Date, froms: Date[]): Promise<number[]> {
  if (froms.length === 0) return [];
  const widest = new Date(Math.min(...froms.map((from) => from.getTime())));
  const rows = await db.$queryRaw<{ count: number }[]>`
    WITH audience AS MATERIALIZED (${winBackAudienceSql(shopId, { from: widest, to })})
    SELECT (SELECT count(*) FROM audience a WHERE a."placedAt" >= (f.since::timestamptz AT TIME ZONE 'UTC'))::int AS count
      FROM unnest(${froms.map((from) => from.toISOString())}::text[]) WITH ORDINALITY AS f(since, position)
     ORDER BY f.position`;
  return rows.map((row) => Number(row.count));
}

/**
 * For every shop with win-back on, schedules one win-back per lapse in its window (see
 * winBackLapseWindow; fixed or rhythm timing, winBackLapseDays), keyed by the customer's last order. Returns how many were scheduled.
 */
export async function sweepWinBacks(db: Db, now: Date): Promise<number> {
  const shops = await db.$queryRaw<{ id: string; timezone: string }[]>`
    SELECT s.id, s."ianaTimezone" AS timezone FROM "Shop" s
      JOIN "FollowUpSettings" f ON f."shopId" = s.id
     WHERE s."uninstalledAt" IS NULL AND f."winBackEnabled"`;
  let scheduled = 0;
  for (const shop of shops) {
    const settings = await followUpSettings(db, shop.id);
    const audienceSql = winBackAudienceNowSql(shop.id, now, winBackAudienceOf(settings));
    if (!audienceSql) continue;
    const dueAt = nextSendableTime(now, shop.timezone, { start: settings.quietHoursStart, end: settings.quietHoursEnd });
    scheduled += await db.$executeRaw`
      INSERT INTO "FollowUp" (id, "shopId", kind, key, "customerShopifyId", "orderShopifyId", "orderPlacedAt", "dueAt", "updatedAt")
      SELECT gen_random_uuid()::text, ${shop.id}, 'WIN_BACK'::"FollowUpKind",
             'win-back:' || audience.customer || ':' || audience.order_id, audience.customer, audience.order_id, audience."placedAt", ${dueAt}, ${now}
        FROM (${audienceSql}) audience
      ON CONFLICT ("shopId", key) DO NOTHING`;
  }
  return scheduled;
}

/** A customer is asked at most once in this many days, however often they order. */
export const SURVEY_MIN_GAP_DAYS = 30;
/** Orders looked at per shop and sweep; the next sweep takes the rest. */
const SURVEY_SWEEP_LIMIT = 2_000;

/**
 * For every shop with the survey on, schedules one survey per kept purchase holding a payment,
 * placed since the survey went on (not imported), by a customer still reachable and not asked in the
 * last SURVEY_MIN_GAP_DAYS: due surveyDelayDays after its fulfilment, or after the order in a shop
 * that has never fulfilled an order through Shopify (see surveyDueAt). An order of a fulfilling shop
 * waits for its fulfilment. Keyed survey:<order>, so a sweep repeated adds nothing.
 */
export async function sweepSurveys(db: Db, now: Date): Promise<number> {
  const shops = await db.$queryRaw<{ id: string; timezone: string; startedAt: Date; fulfils: boolean }[]>`
    SELECT s.id, s."ianaTimezone" AS timezone, f."surveyStartedAt" AS "startedAt",
           EXISTS (SELECT 1 FROM "Order" o WHERE o."shopId" = s.id AND o."fulfilledAt" IS NOT NULL) AS fulfils
      FROM "Shop" s JOIN "FollowUpSettings" f ON f."shopId" = s.id
     WHERE s."uninstalledAt" IS NULL AND f."surveyEnabled" AND f."surveyStartedAt" IS NOT NULL`;
  let scheduled = 0;
  for (const shop of shops) {
    const settings = await followUpSettings(db, shop.id);
    const rules = rulesOf(settings, shop.timezone);
    const recent = new Date(now.getTime() - SURVEY_MIN_GAP_DAYS * 86_400_000);
    const candidates = await db.$queryRaw<{ customer: string; order_id: string; placedAt: Date; fulfilledAt: Date | null }[]>`
      SELECT DISTINCT ON (o."customerShopifyId") o."customerShopifyId" AS customer, o."shopifyId" AS order_id, o."placedAt", o."fulfilledAt"
        FROM "Order" o
        JOIN "Customer" c ON c."shopId" = o."shopId" AND c."shopifyId" = o."customerShopifyId"
       WHERE o."shopId" = ${shop.id} AND o."placedAt" >= ${shop.startedAt} AND NOT o.imported
         AND ${keptPurchaseSql("o")} AND ${holdingPaymentSql("o")}
         AND c."redactedAt" IS NULL AND c."deletedAt" IS NULL
         AND (o."fulfilledAt" IS NOT NULL OR NOT ${shop.fulfils})
         AND NOT EXISTS (SELECT 1 FROM "FollowUp" f
                          WHERE f."shopId" = o."shopId" AND f.kind = 'SURVEY' AND f."customerShopifyId" = o."customerShopifyId"
                            AND (f."orderShopifyId" = o."shopifyId" OR f."createdAt" >= ${recent}))
       ORDER BY o."customerShopifyId", ${newestOrderFirstSql("o")}
       LIMIT ${SURVEY_SWEEP_LIMIT}`;
    const planned = candidates.flatMap((order) => {
      const dueAt = surveyDueAt(order, shop.fulfils, rules);
      return dueAt ? [{ ...order, dueAt }] : [];
    });
    if (planned.length === 0) continue;
    scheduled += await db.$executeRaw`
      INSERT INTO "FollowUp" (id, "shopId", kind, key, "customerShopifyId", "orderShopifyId", "orderPlacedAt", "dueAt", "createdAt", "updatedAt")
      SELECT gen_random_uuid()::text, ${shop.id}, 'SURVEY'::"FollowUpKind", 'survey:' || p.order_id, p.customer, p.order_id,
             p.placed_at::timestamptz AT TIME ZONE 'UTC', p.due_at::timestamptz AT TIME ZONE 'UTC', ${now}, ${now}
        FROM unnest(${planned.map((p) => p.customer)}::text[], ${planned.map((p) => p.order_id)}::text[],
                    ${planned.map((p) => p.placedAt.toISOString())}::text[], ${planned.map((p) => p.dueAt.toISOString())}::text[])
             AS p(customer, order_id, placed_at, due_at)
      ON CONFLICT ("shopId", key) DO NOTHING`;
  }
  return scheduled;
}

/** The merchant's cancel from the admin: only a follow-up that has not started sending. */
export async function cancelFollowUp(db: Db, shopId: string, id: string, now: Date): Promise<boolean> {
  const { count } = await db.followUp.updateMany({
    where: { id, shopId, status: "SCHEDULED" },
    data: { status: "CANCELLED", cancelledAt: now, cancelReason: "cancelled by the merchant" },
  });
  return count === 1;
}

/**
 * One-click unsubscribe: recorded at once (with the campaign whose email carried the link, if one did),
 * and everything still scheduled for the customer is cancelled, campaigns being sent included.
 */
export async function unsubscribeCustomer(db: PrismaClient, shopId: string, customerShopifyId: string, now: Date, campaignId: string | null = null): Promise<void> {
  await db.$transaction(async (tx) => {
    // A campaign id from a signed token that names a campaign of this shop only.
    const campaign = campaignId ? await tx.campaign.findFirst({ where: { id: campaignId, shopId }, select: { id: true } }) : null;
    await tx.followUpUnsubscribe.upsert({
      where: { shopId_customerShopifyId: { shopId, customerShopifyId } },
      create: { shopId, customerShopifyId, unsubscribedAt: now, campaignId: campaign?.id ?? null },
      update: {},
    });
    await tx.followUp.updateMany({
      where: { shopId, customerShopifyId, status: "SCHEDULED" },
      data: { status: "CANCELLED", cancelledAt: now, cancelReason: "customer unsubscribed" },
    });
  });
}

/**
 * Stores a customer's email marketing consent (from Shopify: a webhook, or the check made before a
 * marketing follow-up); a withdrawn consent cancels the scheduled marketing follow-ups at once.
 */
export async function recordMarketingConsent(
  db: Db,
  shopId: string,
  customerShopifyId: string,
  state: string,
  consentUpdatedAt: Date | null,
  now: Date,
): Promise<void> {
  const normalised = state.toLowerCase();
  await db.marketingConsent.upsert({
    where: { shopId_customerShopifyId: { shopId, customerShopifyId } },
    create: { shopId, customerShopifyId, state: normalised, consentUpdatedAt },
    update: { state: normalised, consentUpdatedAt },
  });
  if (normalised !== "subscribed") {
    await db.followUp.updateMany({
      where: { shopId, customerShopifyId, status: "SCHEDULED", kind: { in: [...MARKETING_KINDS] } },
      data: { status: "CANCELLED", cancelledAt: now, cancelReason: "no email marketing consent" },
    });
  }
}

/** Customers asked of Shopify in one query (the nodes query's cost stays far under Shopify's limit of 1,000). */
const CONSENT_QUERY_SIZE = 100;

/**
 * Asks Shopify for customers' email marketing consent now (Shopify is the record, and webhooks may
 * lag) and stores every answer as recordMarketingConsent does, withdrawn consents cancelling the
 * scheduled marketing sends. Used right before marketing follow-ups go out and when a campaign's
 * audience is counted. Returns each customer's state (lower case); throws when Shopify cannot answer.
 */
export async function refreshMarketingConsent(db: Db, graphql: AdminGraphql, shopId: string, customerShopifyIds: string[], now: Date): Promise<Map<string, string>> {
  const states = new Map<string, { state: string; updatedAt: Date | null }>();
  const ids = [...new Set(customerShopifyIds)];
  for (let index = 0; index < ids.length; index += CONSENT_QUERY_SIZE) {
    const chunk = ids.slice(index, index + CONSENT_QUERY_SIZE);
    const { nodes } = await adminQuery(graphql, FOLLOW_UP_MARKETING_CONSENT_QUERY, { variables: { ids: chunk }, ...BACKGROUND });
    chunk.forEach((id, position) => {
      const address = nodes[position]?.defaultEmailAddress;
      states.set(id, { state: (address?.marketingState ?? "NOT_SUBSCRIBED").toLowerCase(), updatedAt: address?.marketingUpdatedAt ? new Date(address.marketingUpdatedAt) : null });
    });
  }
  if (states.size > 0) {
    const rows = [...states.entries()];
    const upsert = marketingConsentUpsert(shopId, rows.map(([id, row]) => ({ customerShopifyId: id, ...row })), now, "always");
    if (upsert) await db.$executeRaw(upsert);
    const withdrawn = rows.filter(([, row]) => row.state !== "subscribed").map(([id]) => id);
    if (withdrawn.length > 0) {
      await db.followUp.updateMany({
        where: { shopId, customerShopifyId: { in: withdrawn }, status: "SCHEDULED", kind: { in: [...MARKETING_KINDS] } },
        data: { status: "CANCELLED", cancelledAt: now, cancelReason: "no email marketing consent" },
      });
    }
  }
  return new Map([...states.entries()].map(([id, row]) => [id, row.state]));
}

/** Sets (or with null, removes) a product's use-up interval and its own lead time (null: the shop's). */
export async function setReplenishmentInterval(
  db: Db,
  shopId: string,
  productShopifyId: string,
  interval: { intervalDays: number; leadDays: number | null } | null,
): Promise<void> {
  if (interval === null) {
    await db.replenishmentInterval.deleteMany({ where: { shopId, productShopifyId } });
    return;
  }
  const { intervalDays, leadDays } = interval;
  if (!Number.isInteger(intervalDays) || intervalDays < 1 || intervalDays > 3650) throw new RangeError("a use-up interval is 1 to 3650 days");
  if (leadDays !== null && (!Number.isInteger(leadDays) || leadDays < 0 || leadDays >= intervalDays)) throw new RangeError("a lead time is 0 days or more, shorter than the interval");
  await db.replenishmentInterval.upsert({
    where: { shopId_productShopifyId: { shopId, productShopifyId } },
    create: { shopId, productShopifyId, intervalDays, leadDays },
    update: { intervalDays, leadDays },
  });
}

/** A customer's purchase of a product, for use-up intervals: a line of a kept purchase (`o` joined to its lines `li`). */
export const PRODUCT_PURCHASE = Prisma.sql`o."customerShopifyId" IS NOT NULL AND li."productShopifyId" IS NOT NULL
  AND ${keptPurchaseSql("o")}`;

/**
 * For each product of the shop's kept purchases (not test, not cancelled, not refunded or voided, with
 * a customer), who bought it, who bought it again, and the interval that suggests (see
 * `replenishmentSuggestion`); every product asked for, a suggestion or not.
 */
export async function suggestedReplenishmentIntervals(db: Db, shopId: string, productShopifyIds: string[] | null = null) {
  const rows = await db.$queryRaw<{ product: string; title: string; orders: number; customers: number; repeat_customers: number; gaps: (number | string | null)[] }[]>`
    SELECT product, (ARRAY_AGG(title ORDER BY "placedAt" DESC))[1] AS title,
           COUNT(*)::int AS orders,
           COUNT(DISTINCT customer)::int AS customers,
           COUNT(DISTINCT customer) FILTER (WHERE gap_days >= 1)::int AS repeat_customers,
           ARRAY_AGG(gap_days) FILTER (WHERE gap_days >= 1) AS gaps FROM (
      SELECT product, customer, title, "placedAt",
             EXTRACT(EPOCH FROM ("placedAt" - LAG("placedAt") OVER (PARTITION BY customer, product ORDER BY "placedAt"))) / 86400 AS gap_days
        FROM (SELECT DISTINCT ON (o.id, li."productShopifyId") o."customerShopifyId" AS customer, li."productShopifyId" AS product, li.title, o."placedAt"
                FROM "Order" o JOIN "OrderLineItem" li ON li."orderId" = o.id
               WHERE o."shopId" = ${shopId} AND ${PRODUCT_PURCHASE}
                 AND (${productShopifyIds}::text[] IS NULL OR li."productShopifyId" = ANY(${productShopifyIds}::text[]))
               ORDER BY o.id, li."productShopifyId") bought
    ) purchases
     GROUP BY product
     ORDER BY product`;
  return rows.map((row) => {
    const gaps = (row.gaps ?? []).map(Number);
    const suggestion = replenishmentSuggestion({ customers: row.customers, repeatCustomers: row.repeat_customers, gapsInDays: gaps });
    return {
      productShopifyId: row.product,
      title: row.title,
      orders: row.orders,
      customers: row.customers,
      repeatCustomers: row.repeat_customers,
      repeats: gaps.length,
      suggestedDays: suggestion.suggestedDays,
      why: suggestion.why,
    };
  });
}
