/**
 * Follow-up rows in the database: what an order schedules and cancels (from the stored order, in the
 * order sync's transaction), the win-back sweep, unsubscribes, the merchant's cancel, settings and
 * use-up intervals. The rules themselves are in rules.ts.
 */
import type { Prisma, PrismaClient } from "../generated/prisma/client";
import {
  CUSTOMER_ORDERS_CHANGED,
  MARKETING_KINDS,
  nextSendableTime,
  planOrderFollowUps,
  suggestReplenishmentInterval,
  winBackWindow,
  type CustomerOrderFacts,
  type ExistingFollowUp,
  type FollowUpKind,
  type FollowUpRules,
  type OrderFacts,
} from "./rules";

type Db = PrismaClient | Prisma.TransactionClient;

/** The shop's follow-up settings, made with the defaults on first use. */
export async function followUpSettings(db: Db, shopId: string) {
  const settings = await db.followUpSettings.findUnique({ where: { shopId } });
  if (settings) return settings;
  // ON CONFLICT DO NOTHING: two first orders of a new shop, applied side by side, both get the defaults.
  await db.followUpSettings.createMany({ data: [{ shopId }], skipDuplicates: true });
  return db.followUpSettings.findUniqueOrThrow({ where: { shopId } });
}

export function rulesOf(settings: Awaited<ReturnType<typeof followUpSettings>>, timezone: string): FollowUpRules {
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
  };
}

/**
 * (Re)derives what one stored order schedules and cancels: call it after the order (and its refunds)
 * are written, in the same transaction, holding the customer's lock as the order sync does. Safe to
 * call any number of times: existing follow-ups are never duplicated nor moved.
 */
export async function scheduleFollowUpsForOrder(tx: Db, shopId: string, orderShopifyId: string, now: Date): Promise<void> {
  // This runs for every order the shop receives: plain SQL, not Prisma's per-query compiler.
  const [order] = await tx.$queryRaw<
    {
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
    }[]
  >`
    SELECT o."shopifyId", o."customerShopifyId", o."placedAt", o."financialStatus", o."cancelledAt", o.test, o.imported,
           s."installedAt", s."ianaTimezone",
           (c.id IS NOT NULL AND c."redactedAt" IS NULL AND c."deletedAt" IS NULL) AS reachable,
           COALESCE((SELECT json_agg(json_build_object('productShopifyId', l."productShopifyId", 'variantShopifyId', l."variantShopifyId", 'title', l.title))
                       FROM "OrderLineItem" l WHERE l."orderId" = o.id), '[]'::json) AS lines
      FROM "Order" o
      JOIN "Shop" s ON s.id = o."shopId"
      LEFT JOIN "Customer" c ON c."shopId" = o."shopId" AND c."shopifyId" = o."customerShopifyId"
     WHERE o."shopId" = ${shopId} AND o."shopifyId" = ${orderShopifyId}`;
  if (!order?.customerShopifyId) return;
  const customerShopifyId = order.customerShopifyId;
  const productIds = [...new Set(order.lines.flatMap((line) => (line.productShopifyId ? [line.productShopifyId] : [])))];
  const settings = await followUpSettings(tx, shopId);
  const customerOrders = await tx.$queryRaw<CustomerOrderFacts[]>`
    SELECT o."shopifyId", o."placedAt", o."financialStatus", o."cancelledAt", o.test, o.imported,
           COALESCE(array_agg(l."productShopifyId") FILTER (WHERE l."productShopifyId" IS NOT NULL), '{}') AS "productShopifyIds"
      FROM "Order" o LEFT JOIN "OrderLineItem" l ON l."orderId" = o.id
     WHERE o."shopId" = ${shopId} AND o."customerShopifyId" = ${customerShopifyId}
     GROUP BY o.id`;
  const existing = await tx.$queryRaw<ExistingFollowUp[]>`
    SELECT key, kind::text AS kind, status::text AS status, "orderShopifyId", "orderPlacedAt", "productShopifyId", "cancelReason"
      FROM "FollowUp" WHERE "shopId" = ${shopId} AND "customerShopifyId" = ${customerShopifyId}`;
  const intervals = productIds.length
    ? await tx.$queryRaw<{ productShopifyId: string; intervalDays: number; leadDays: number | null }[]>`
        SELECT "productShopifyId", "intervalDays", "leadDays" FROM "ReplenishmentInterval"
         WHERE "shopId" = ${shopId} AND "productShopifyId" = ANY(${productIds}::text[])`
    : [];

  const plan = planOrderFollowUps({
    order: { ...order, customerShopifyId },
    customerOrders,
    existing,
    rules: rulesOf(settings, order.ianaTimezone),
    intervals: new Map(intervals.map((interval) => [interval.productShopifyId, { intervalDays: interval.intervalDays, leadDays: interval.leadDays }])),
    installedAt: order.installedAt,
    now,
  });

  if (plan.cancel.length > 0) {
    await tx.$executeRaw`
      UPDATE "FollowUp" f SET status = 'CANCELLED', "cancelledAt" = ${now}, "cancelReason" = c.reason, "updatedAt" = ${now}
        FROM unnest(${plan.cancel.map((cancel) => cancel.key)}::text[], ${plan.cancel.map((cancel) => cancel.reason)}::text[]) AS c(key, reason)
       WHERE f."shopId" = ${shopId} AND f.key = c.key AND f.status = 'SCHEDULED'`;
  }
  // Someone Shopify erased or deleted is never written to; cancellations above still apply.
  if (!order.reachable) return;
  if (plan.revive.length > 0) {
    // Only what the planner itself cancelled because of another order (never the merchant's or the customer's cancel).
    await tx.$executeRaw`
      UPDATE "FollowUp" SET status = 'SCHEDULED', "cancelledAt" = NULL, "cancelReason" = NULL, "updatedAt" = ${now}
       WHERE "shopId" = ${shopId} AND key = ANY(${plan.revive}::text[]) AND status = 'CANCELLED'
         AND "cancelReason" = ANY(${Object.values(CUSTOMER_ORDERS_CHANGED)}::text[])`;
  }
  if (plan.create.length === 0) return;
  const create = plan.create;
  await tx.$executeRaw`
    INSERT INTO "FollowUp" (id, "shopId", kind, key, "customerShopifyId", "dueAt", "orderShopifyId", "orderPlacedAt",
                            "productShopifyId", "variantShopifyId", "productTitle", "createdAt", "updatedAt")
    SELECT gen_random_uuid()::text, ${shopId}, f.kind::"FollowUpKind", f.key, ${customerShopifyId},
           f.due_at::timestamptz AT TIME ZONE 'UTC', f.order_id, f.placed_at::timestamptz AT TIME ZONE 'UTC',
           f.product_id, f.variant_id, f.title, ${now}, ${now}
      FROM unnest(${create.map((f) => f.kind)}::text[], ${create.map((f) => f.key)}::text[], ${create.map((f) => f.dueAt.toISOString())}::text[],
                  ${create.map((f) => f.orderShopifyId)}::text[], ${create.map((f) => f.orderPlacedAt.toISOString())}::text[],
                  ${create.map((f) => f.productShopifyId)}::text[], ${create.map((f) => f.variantShopifyId)}::text[],
                  ${create.map((f) => f.productTitle)}::text[])
           WITH ORDINALITY AS f(kind, key, due_at, order_id, placed_at, product_id, variant_id, title, position)
     ORDER BY f.position
    ON CONFLICT ("shopId", key) DO NOTHING`;
}

/**
 * Finds customers whose last counted order is `winBackAfterDays` old (within the catch-up window) and
 * schedules one win-back per lapse, keyed by that last order. Returns how many were scheduled.
 */
export async function sweepWinBacks(db: Db, now: Date): Promise<number> {
  const shops = await db.$queryRaw<{ id: string; timezone: string }[]>`
    SELECT s.id, s."ianaTimezone" AS timezone FROM "Shop" s
      LEFT JOIN "FollowUpSettings" f ON f."shopId" = s.id
     WHERE s."uninstalledAt" IS NULL AND COALESCE(f."winBackEnabled", true)`;
  let scheduled = 0;
  for (const shop of shops) {
    const settings = await followUpSettings(db, shop.id);
    const { from, to } = winBackWindow(now, settings.winBackAfterDays);
    const dueAt = nextSendableTime(now, shop.timezone, { start: settings.quietHoursStart, end: settings.quietHoursEnd });
    scheduled += await db.$executeRaw`
      INSERT INTO "FollowUp" (id, "shopId", kind, key, "customerShopifyId", "orderShopifyId", "orderPlacedAt", "dueAt", "updatedAt")
      SELECT gen_random_uuid()::text, ${shop.id}, 'WIN_BACK'::"FollowUpKind",
             'win-back:' || last.customer || ':' || last.order_id, last.customer, last.order_id, last."placedAt", ${dueAt}, ${now}
        FROM (SELECT DISTINCT ON (o."customerShopifyId") o."customerShopifyId" AS customer, o."shopifyId" AS order_id, o."placedAt"
                FROM "Order" o
               WHERE o."shopId" = ${shop.id} AND o."customerShopifyId" IS NOT NULL AND o."placedAt" >= ${from}
                 AND NOT o.test AND o."cancelledAt" IS NULL AND o."financialStatus" NOT IN ('refunded', 'voided')
               ORDER BY o."customerShopifyId", o."placedAt" DESC) last
        JOIN "Customer" c ON c."shopId" = ${shop.id} AND c."shopifyId" = last.customer
       WHERE last."placedAt" < ${to} AND c."redactedAt" IS NULL AND c."deletedAt" IS NULL
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

/** One-click unsubscribe: recorded at once, and everything still scheduled for the customer is cancelled. */
export async function unsubscribeCustomer(db: PrismaClient, shopId: string, customerShopifyId: string, now: Date): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.followUpUnsubscribe.upsert({
      where: { shopId_customerShopifyId: { shopId, customerShopifyId } },
      create: { shopId, customerShopifyId, unsubscribedAt: now },
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
      where: { shopId, customerShopifyId, status: "SCHEDULED", kind: { in: [...MARKETING_KINDS] as FollowUpKind[] } },
      data: { status: "CANCELLED", cancelledAt: now, cancelReason: "no email marketing consent" },
    });
  }
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

/**
 * Use-up intervals the shop's own history suggests: for each product bought again by the same
 * customer often enough, the median days between one purchase and the next. Counted orders only
 * (not tests, cancelled or fully refunded); a product twice in one order is one purchase, and a
 * gap under a day (a second order to add something) is no use-up. `productShopifyIds` narrows it.
 */
export async function suggestedReplenishmentIntervals(db: PrismaClient, shopId: string, productShopifyIds: string[] | null = null) {
  const rows = await db.$queryRaw<{ product: string; title: string; gaps: (number | string)[] }[]>`
    SELECT product, (ARRAY_AGG(title ORDER BY "placedAt" DESC))[1] AS title, ARRAY_AGG(gap_days) AS gaps FROM (
      SELECT product, title, "placedAt",
             EXTRACT(EPOCH FROM ("placedAt" - LAG("placedAt") OVER (PARTITION BY customer, product ORDER BY "placedAt"))) / 86400 AS gap_days
        FROM (SELECT DISTINCT ON (o.id, li."productShopifyId") o."customerShopifyId" AS customer, li."productShopifyId" AS product, li.title, o."placedAt"
                FROM "Order" o JOIN "OrderLineItem" li ON li."orderId" = o.id
               WHERE o."shopId" = ${shopId} AND o."customerShopifyId" IS NOT NULL AND li."productShopifyId" IS NOT NULL
                 AND NOT o.test AND o."cancelledAt" IS NULL AND o."financialStatus" NOT IN ('refunded', 'voided')
                 AND (${productShopifyIds}::text[] IS NULL OR li."productShopifyId" = ANY(${productShopifyIds}::text[]))
               ORDER BY o.id, li."productShopifyId") bought
    ) purchases
     WHERE gap_days >= 1
     GROUP BY product
     ORDER BY product`;
  return rows.flatMap((row) => {
    const days = suggestReplenishmentInterval(row.gaps.map(Number));
    return days === null ? [] : [{ productShopifyId: row.product, title: row.title, suggestedDays: days, repeats: row.gaps.length }];
  });
}
