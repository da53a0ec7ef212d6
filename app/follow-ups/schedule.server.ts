/**
 * Follow-up rows in the database: what an order schedules and cancels (from the stored order, in the
 * order sync's transaction), the win-back sweep, unsubscribes, the merchant's cancel, settings and
 * use-up intervals. The rules themselves are in rules.ts.
 */
import type { Prisma, PrismaClient } from "../generated/prisma/client";
import {
  MARKETING_KINDS,
  nextSendableTime,
  planOrderFollowUps,
  suggestReplenishmentInterval,
  winBackWindow,
  type FollowUpKind,
  type FollowUpRules,
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
  const order = await tx.order.findUnique({
    where: { shopId_shopifyId: { shopId, shopifyId: orderShopifyId } },
    include: { lineItems: { select: { productShopifyId: true, variantShopifyId: true, title: true } } },
  });
  if (!order?.customerShopifyId) return;
  const customerShopifyId = order.customerShopifyId;
  const [shop, settings, customer, customerOrders, existing] = await Promise.all([
    tx.shop.findUnique({ where: { id: shopId }, select: { installedAt: true, ianaTimezone: true } }),
    followUpSettings(tx, shopId),
    tx.customer.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } }, select: { redactedAt: true, deletedAt: true } }),
    tx.order.findMany({
      where: { shopId, customerShopifyId },
      select: { shopifyId: true, placedAt: true, financialStatus: true, cancelledAt: true, test: true, lineItems: { select: { productShopifyId: true } } },
    }),
    tx.followUp.findMany({
      where: { shopId, customerShopifyId },
      select: { key: true, kind: true, status: true, orderShopifyId: true, orderPlacedAt: true, productShopifyId: true },
    }),
  ]);
  if (!shop) return;
  const productIds = [...new Set(order.lineItems.flatMap((line) => (line.productShopifyId ? [line.productShopifyId] : [])))];
  const intervals = productIds.length
    ? await tx.replenishmentInterval.findMany({ where: { shopId, productShopifyId: { in: productIds } } })
    : [];

  const plan = planOrderFollowUps({
    order: {
      shopifyId: order.shopifyId,
      customerShopifyId,
      placedAt: order.placedAt,
      financialStatus: order.financialStatus,
      cancelledAt: order.cancelledAt,
      test: order.test,
      imported: order.imported,
      lines: order.lineItems,
    },
    customerOrders: customerOrders.map((other) => ({
      ...other,
      productShopifyIds: other.lineItems.flatMap((line) => (line.productShopifyId ? [line.productShopifyId] : [])),
    })),
    existing,
    rules: rulesOf(settings, shop.ianaTimezone),
    intervals: new Map(intervals.map((interval) => [interval.productShopifyId, { intervalDays: interval.intervalDays, leadDays: interval.leadDays }])),
    installedAt: shop.installedAt,
    now,
  });

  for (const cancel of groupByReason(plan.cancel)) {
    await tx.followUp.updateMany({
      where: { shopId, key: { in: cancel.keys }, status: "SCHEDULED" },
      data: { status: "CANCELLED", cancelledAt: now, cancelReason: cancel.reason },
    });
  }
  // Someone Shopify erased or deleted is never written to; cancellations above still apply.
  if (plan.create.length === 0 || !customer || customer.redactedAt || customer.deletedAt) return;
  await tx.followUp.createMany({
    data: plan.create.map((followUp) => ({ shopId, customerShopifyId, ...followUp })),
    skipDuplicates: true,
  });
}

function groupByReason(cancels: { key: string; reason: string }[]): { reason: string; keys: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const { key, reason } of cancels) groups.set(reason, [...(groups.get(reason) ?? []), key]);
  return [...groups].map(([reason, keys]) => ({ reason, keys }));
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
