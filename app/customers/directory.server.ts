/**
 * The Customers page: the shop's customers found by name or email, a page at a time, each with
 * their points, orders, next scheduled follow-up and health mark; and one customer in full. Every
 * query is scoped to the shop, so one shop never sees another's customers.
 */
import { Prisma, type PrismaClient } from "../generated/prisma/client";
import type { Db } from "../database/transaction";
import { pointsBalance, pointsHistory, type PointsBalance } from "../loyalty/ledger.server";
import { isMember } from "../orders/vocabulary";
import { COUNTED_ORDER_WHERE, countedOrderSql, memberSql } from "../orders/vocabulary.server";
import { OPENS_ISSUE_SQL_TEXT, opensIssue } from "../surveys/scores";
import { customerHealth, DEFAULT_HEALTH_THRESHOLDS, HEALTH_COLOURS, type CustomerHealth, type HealthColour, type HealthThresholds } from "./health";
import { customerNextOrder } from "./next-order.server";
import { isSegment, type Segment } from "./segments";

export const CUSTOMERS_PER_PAGE = 25;

export interface CustomerSummary {
  id: string;
  name: string | null;
  email: string | null;
  member: boolean;
  deleted: boolean;
  points: PointsBalance;
  /** Counted orders (isCountedOrder, orders/vocabulary.ts): not cancelled, not test orders. */
  orders: number;
  lastOrderAt: string | null;
  nextFollowUp: { kind: string; dueAt: string } | null;
  health: CustomerHealth;
  /** The RFM segment (segments.server.ts), as last recomputed; null without a counted order. */
  segment: Segment | null;
  /** The VIP tier held (loyalty/tiers.server.ts), as last computed; null for none. */
  tier: string | null;
}

interface CustomerRow {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  member: boolean;
  deleted: boolean;
  available: bigint | null;
  pending: bigint | null;
  orders: bigint;
  last_order_at: Date | null;
  next_kind: string | null;
  next_due_at: Date | null;
  segment: string | null;
  open_issue: boolean;
  tier: string | null;
}

/** A customer's unresolved survey answer that opens an issue (opensIssue), for the customer `c`. */
const openIssueSql = (shopId: string, customer: string) => Prisma.sql`EXISTS (
  SELECT 1 FROM "SurveyResponse" r
   WHERE r."shopId" = ${shopId} AND r."customerShopifyId" = ${Prisma.raw(customer)}."shopifyId" AND r."resolvedAt" IS NULL AND ${Prisma.raw(OPENS_ISSUE_SQL_TEXT)})`;

/** The customer's last counted order, for the customer `c`. */
const lastOrderSql = (shopId: string, customer: string) => Prisma.sql`(
  SELECT MAX(o."placedAt") FROM "Order" o WHERE o."shopId" = ${shopId} AND o."customerShopifyId" = ${Prisma.raw(customer)}."shopifyId" AND ${countedOrderSql("o")})`;

/** customerHealth (health.ts) in SQL, for the customer `c`: the Customers filter and the dashboard's counts. */
function healthSql(shopId: string, customer: string, thresholds: HealthThresholds, now: Date): Prisma.Sql {
  const lastOrder = lastOrderSql(shopId, customer);
  return Prisma.sql`CASE WHEN ${openIssueSql(shopId, customer)} THEN 'open-issue'
    WHEN ${lastOrder} IS NULL THEN 'no-orders'
    WHEN ${lastOrder} <= ${new Date(now.getTime() - thresholds.lapsedDays * 86_400_000)} THEN 'lapsed'
    WHEN ${lastOrder} <= ${new Date(now.getTime() - thresholds.slippingDays * 86_400_000)} THEN 'slipping'
    ELSE 'recent' END`;
}

/** How many of the shop's customers (not erased nor deleted) show each colour now. */
export async function customersByHealthColour(db: Db, shopId: string, thresholds: HealthThresholds, now: Date): Promise<Record<HealthColour, number>> {
  const rows = await db.$queryRaw<{ health: CustomerHealth; count: number }[]>`
    SELECT health, COUNT(*)::int AS count
      FROM (SELECT ${healthSql(shopId, "c", thresholds, now)} AS health FROM "Customer" c
             WHERE c."shopId" = ${shopId} AND c."redactedAt" IS NULL AND c."deletedAt" IS NULL) marks
     GROUP BY health`;
  const counts: Record<HealthColour, number> = { green: 0, amber: 0, red: 0, none: 0 };
  for (const row of rows) counts[HEALTH_COLOURS[row.health]] += row.count;
  return counts;
}

const fullName = (first: string | null, last: string | null) => [first, last].filter(Boolean).join(" ") || null;

/**
 * A search as typed, made safe to compare: control characters dropped (PostgreSQL text cannot hold
 * NUL, and none of them is in a name or an email), surrounding space trimmed, at most 200 characters.
 */
export function customerSearchText(raw: string): string {
  return raw.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").trim().slice(0, 200);
}

/** `%` and `_` in a search are letters, not wildcards. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

function summaryOf(row: CustomerRow, thresholds: HealthThresholds, now: Date): CustomerSummary {
  const available = Number(row.available ?? 0);
  const pending = Number(row.pending ?? 0);
  return {
    id: row.id,
    name: fullName(row.first_name, row.last_name),
    email: row.email,
    member: row.member,
    deleted: row.deleted,
    points: { available, pending, total: available + pending },
    orders: Number(row.orders),
    lastOrderAt: row.last_order_at?.toISOString() ?? null,
    nextFollowUp: row.next_kind && row.next_due_at ? { kind: row.next_kind, dueAt: row.next_due_at.toISOString() } : null,
    health: customerHealth(row.last_order_at, thresholds, now, row.open_issue),
    segment: row.segment !== null && isSegment(row.segment) ? row.segment : null,
    tier: row.tier,
  };
}

export interface CustomerSearch {
  /** Part of a name or an email address; empty lists everyone. */
  query: string;
  /** 1-based. */
  page: number;
  /** Only the customers of this RFM segment; absent or null lists every segment and none. */
  segment?: Segment | null;
  /** Only the customers with this health mark; absent or null lists every mark. */
  health?: CustomerHealth | null;
  /** Only the customers holding this tier (its id); absent or null lists every tier and none. */
  tierId?: string | null;
}

/** A page of the shop's customers, newest first, matching the search; `hasNext` when more follow. */
export async function searchCustomers(db: PrismaClient, shopId: string, search: CustomerSearch, thresholds: HealthThresholds, now: Date) {
  const query = customerSearchText(search.query);
  const pattern = query ? likePattern(query) : null;
  const offset = (Math.max(1, search.page) - 1) * CUSTOMERS_PER_PAGE;
  const segment = search.segment ?? null;
  const health = search.health ? healthSql(shopId, "c", thresholds, now) : null;
  const tierId = search.tierId ?? null;
  // The page is picked first, so the points, orders and follow-ups are read for its rows only.
  const rows = await db.$queryRaw<CustomerRow[]>`
    WITH page AS (
      SELECT c.id, c."shopifyId", c."firstName", c."lastName", c.email, c."hasAccount", c."deletedAt", c."createdAt", cs.segment, t.name AS tier
        FROM "Customer" c
        LEFT JOIN "CustomerSegment" cs ON cs."shopId" = c."shopId" AND cs."customerShopifyId" = c."shopifyId"
        LEFT JOIN "CustomerTier" ct ON ct."customerId" = c.id
        LEFT JOIN "Tier" t ON t.id = ct."tierId"
       WHERE c."shopId" = ${shopId} AND c."redactedAt" IS NULL
         AND (${segment}::text IS NULL OR cs.segment = ${segment}::text)
         AND (${tierId}::text IS NULL OR ct."tierId" = ${tierId}::text)
         AND (${pattern}::text IS NULL
              OR concat_ws(' ', c."firstName", c."lastName") ILIKE ${pattern} OR c.email ILIKE ${pattern})
         ${health ? Prisma.sql`AND ${health} = ${search.health}` : Prisma.empty}
       ORDER BY c."createdAt" DESC, c.id DESC
       LIMIT ${CUSTOMERS_PER_PAGE + 1} OFFSET ${offset}
    )
    SELECT p.id, p."firstName" AS first_name, p."lastName" AS last_name, p.email, ${memberSql("p")} AS member, p."deletedAt" IS NOT NULL AS deleted,
           b.available, b.pending, o.orders, o.last_order_at, f.kind::text AS next_kind, f."dueAt" AS next_due_at, p.segment, p.tier,
           ${openIssueSql(shopId, "p")} AS open_issue
      FROM page p
      CROSS JOIN LATERAL (SELECT SUM(e.points) FILTER (WHERE e."availableAt" <= ${now}) AS available,
                                 SUM(e.points) FILTER (WHERE e."availableAt" > ${now}) AS pending
                            FROM "PointsLedgerEntry" e WHERE e."customerId" = p.id) b
      CROSS JOIN LATERAL (SELECT COUNT(*) AS orders, MAX(o."placedAt") AS last_order_at FROM "Order" o
                           WHERE o."shopId" = ${shopId} AND o."customerShopifyId" = p."shopifyId" AND ${countedOrderSql("o")}) o
      LEFT JOIN LATERAL (SELECT f.kind, f."dueAt" FROM "FollowUp" f
                          WHERE f."shopId" = ${shopId} AND f."customerShopifyId" = p."shopifyId" AND f.status = 'SCHEDULED'
                          ORDER BY f."dueAt" LIMIT 1) f ON true
     ORDER BY p."createdAt" DESC, p.id DESC`;
  return {
    customers: rows.slice(0, CUSTOMERS_PER_PAGE).map((row) => summaryOf(row, thresholds, now)),
    page: Math.max(1, search.page),
    hasNext: rows.length > CUSTOMERS_PER_PAGE,
  };
}

/** One of the shop's customers in full, or null when the shop has no such customer. */
export async function customerDetail(db: PrismaClient, shopId: string, customerId: string, thresholds: HealthThresholds, now: Date) {
  const customer = await db.customer.findFirst({ where: { id: customerId, shopId, redactedAt: null } });
  if (!customer) return null;
  const [points, history, orders, followUps, referrals, segment, surveyAnswers] = await Promise.all([
    pointsBalance(db, customer.id, now),
    pointsHistory(db, customer.id),
    db.order.aggregate({
      where: { ...COUNTED_ORDER_WHERE, shopId, customerShopifyId: customer.shopifyId },
      _count: { _all: true },
      _max: { placedAt: true },
    }),
    db.followUp.findMany({
      where: { shopId, customerShopifyId: customer.shopifyId, status: "SCHEDULED" },
      orderBy: { dueAt: "asc" },
      take: 5,
      select: { kind: true, dueAt: true, productTitle: true },
    }),
    db.referral.findMany({
      where: { referrerId: customer.id },
      orderBy: { createdAt: "desc" },
      take: 20,
      select: { status: true, refusalReason: true, createdAt: true, friend: { select: { firstName: true, lastName: true, email: true } } },
    }),
    db.customerSegment.findUnique({
      where: { shopId_customerShopifyId: { shopId, customerShopifyId: customer.shopifyId } },
      select: { segment: true, recencyScore: true, frequencyScore: true, monetaryScore: true },
    }),
    db.surveyResponse.findMany({
      where: { shopId, customerShopifyId: customer.shopifyId },
      orderBy: { respondedAt: "desc" },
      take: 20,
      select: { id: true, type: true, score: true, comment: true, source: true, respondedAt: true, resolvedAt: true },
    }),
  ]);
  const answers = surveyAnswers.map((answer) => ({ ...answer, opensIssue: opensIssue(answer.type, answer.score) }));
  const lastOrderAt = orders._max.placedAt;
  const nextOrder = await customerNextOrder(db, shopId, { shopifyId: customer.shopifyId, orders: orders._count._all, lastOrderAt }, now);
  return {
    id: customer.id,
    name: fullName(customer.firstName, customer.lastName),
    email: customer.email,
    member: isMember(customer),
    deleted: customer.deletedAt !== null,
    points,
    orders: orders._count._all,
    lastOrderAt: lastOrderAt?.toISOString() ?? null,
    health: customerHealth(lastOrderAt, thresholds, now, answers.some((answer) => answer.opensIssue && !answer.resolvedAt)),
    /** The RFM segment and scores as last recomputed (segments.server.ts); null without a counted order or before the first run. */
    segment:
      segment && isSegment(segment.segment)
        ? { name: segment.segment, recency: segment.recencyScore, frequency: segment.frequencyScore, monetary: segment.monetaryScore }
        : null,
    /** The birthday the shopper gave (month 1-12, day), or null. */
    birthday: customer.birthdayMonth !== null && customer.birthdayDay !== null ? { month: customer.birthdayMonth, day: customer.birthdayDay } : null,
    /** The predicted next order (next-order.server.ts), or null. */
    nextOrder,
    // Survey answers, newest first; an unhappy one unresolved is the open issue the health mark shows.
    surveyAnswers: answers.map((answer) => ({ ...answer, respondedAt: answer.respondedAt.toISOString(), resolvedAt: answer.resolvedAt?.toISOString() ?? null })),
    followUps: followUps.map((followUp) => ({ kind: followUp.kind, dueAt: followUp.dueAt.toISOString(), productTitle: followUp.productTitle })),
    // The friends this customer referred, newest first, with why a refused one earned nothing.
    referrals: referrals.map((referral) => ({
      friend: referral.friend ? (fullName(referral.friend.firstName, referral.friend.lastName) ?? referral.friend.email) : null,
      status: referral.status,
      refusalReason: referral.refusalReason,
      createdAt: referral.createdAt.toISOString(),
    })),
    history: history.map((entry) => ({
      points: entry.points,
      reason: entry.reason,
      note: entry.note,
      availableAt: entry.availableAt.toISOString(),
      createdAt: entry.createdAt.toISOString(),
    })),
  };
}

/** Customers read per statement by the CSV export. */
const EXPORT_BATCH = 2_000;

export interface CustomerExportRow {
  name: string | null;
  email: string | null;
  member: boolean;
  /** Points available now. */
  points: number;
  orders: number;
  lastOrderAt: string | null;
  health: CustomerHealth;
  segment: Segment | null;
  /** The VIP tier held; null for none. */
  tier: string | null;
  /** The RFM scores, 1 to 5; null without a counted order. */
  recencyScore: number | null;
  frequencyScore: number | null;
  monetaryScore: number | null;
}

interface ExportRow {
  id: string;
  created_at: Date;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  member: boolean;
  available: bigint | null;
  orders: bigint;
  last_order_at: Date | null;
  segment: string | null;
  tier: string | null;
  r: number | null;
  f: number | null;
  m: number | null;
}

/**
 * Every customer the Customers page lists for this search and segment, newest first, for the CSV
 * export: read a batch at a time by (createdAt, id), so a shop of any size streams in bounded memory.
 */
export async function* customersForExport(
  db: PrismaClient,
  shopId: string,
  search: Omit<CustomerSearch, "page">,
  thresholds: HealthThresholds,
  now: Date,
): AsyncGenerator<CustomerExportRow[]> {
  const query = customerSearchText(search.query);
  const pattern = query ? likePattern(query) : null;
  const segment = search.segment ?? null;
  const tierId = search.tierId ?? null;
  let after: { createdAt: Date; id: string } | null = null;
  for (;;) {
    const afterAt: Date | null = after?.createdAt ?? null;
    const afterId: string | null = after?.id ?? null;
    const rows: ExportRow[] = await db.$queryRaw<ExportRow[]>`
      WITH page AS (
        SELECT c.id, c."shopifyId", c."firstName", c."lastName", c.email, c."hasAccount", c."createdAt",
               cs.segment, cs."recencyScore", cs."frequencyScore", cs."monetaryScore", t.name AS tier
          FROM "Customer" c
          LEFT JOIN "CustomerSegment" cs ON cs."shopId" = c."shopId" AND cs."customerShopifyId" = c."shopifyId"
          LEFT JOIN "CustomerTier" ct ON ct."customerId" = c.id
          LEFT JOIN "Tier" t ON t.id = ct."tierId"
         WHERE c."shopId" = ${shopId} AND c."redactedAt" IS NULL
           AND (${pattern}::text IS NULL
                OR concat_ws(' ', c."firstName", c."lastName") ILIKE ${pattern} OR c.email ILIKE ${pattern})
           AND (${segment}::text IS NULL OR cs.segment = ${segment}::text)
           AND (${tierId}::text IS NULL OR ct."tierId" = ${tierId}::text)
           AND (${afterAt}::timestamp IS NULL OR (c."createdAt", c.id) < (${afterAt}::timestamp, ${afterId}::text))
         ORDER BY c."createdAt" DESC, c.id DESC
         LIMIT ${EXPORT_BATCH}
      )
      SELECT p.id, p."createdAt" AS created_at, p."firstName" AS first_name, p."lastName" AS last_name, p.email, ${memberSql("p")} AS member,
             b.available, o.orders, o.last_order_at, p.segment, p.tier, p."recencyScore" AS r, p."frequencyScore" AS f, p."monetaryScore" AS m
        FROM page p
        CROSS JOIN LATERAL (SELECT SUM(e.points) FILTER (WHERE e."availableAt" <= ${now}) AS available
                              FROM "PointsLedgerEntry" e WHERE e."customerId" = p.id) b
        CROSS JOIN LATERAL (SELECT COUNT(*) AS orders, MAX(o."placedAt") AS last_order_at FROM "Order" o
                             WHERE o."shopId" = ${shopId} AND o."customerShopifyId" = p."shopifyId" AND ${countedOrderSql("o")}) o
       ORDER BY p."createdAt" DESC, p.id DESC`;
    if (rows.length === 0) return;
    yield rows.map((row) => ({
      name: fullName(row.first_name, row.last_name),
      email: row.email,
      member: row.member,
      points: Number(row.available ?? 0),
      orders: Number(row.orders),
      lastOrderAt: row.last_order_at?.toISOString() ?? null,
      health: customerHealth(row.last_order_at, thresholds, now),
      segment: row.segment !== null && isSegment(row.segment) ? row.segment : null,
      tier: row.tier,
      recencyScore: row.r,
      frequencyScore: row.f,
      monetaryScore: row.m,
    }));
    if (rows.length < EXPORT_BATCH) return;
    const last: ExportRow = rows[rows.length - 1];
    after = { createdAt: last.created_at, id: last.id };
  }
}

export function healthThresholdsOf(settings: { healthSlippingDays: number; healthLapsedDays: number }): HealthThresholds {
  return { slippingDays: settings.healthSlippingDays, lapsedDays: settings.healthLapsedDays };
}

/** The shop's thresholds as saved, or the defaults for a shop whose settings were never saved. */
export async function healthThresholdsOfShop(db: Db, shopId: string): Promise<HealthThresholds> {
  const settings = await db.programSettings.findUnique({ where: { shopId }, select: { healthSlippingDays: true, healthLapsedDays: true } });
  return settings ? healthThresholdsOf(settings) : DEFAULT_HEALTH_THRESHOLDS;
}
