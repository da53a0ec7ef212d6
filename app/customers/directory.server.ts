/**
 * The Customers page: the shop's customers found by name or email, a page at a time, each with
 * their points, orders, next scheduled follow-up and health mark; and one customer in full. Every
 * query is scoped to the shop, so one shop never sees another's customers.
 */
import type { PrismaClient } from "../generated/prisma/client";
import { pointsBalance, pointsHistory, type PointsBalance } from "../loyalty/ledger.server";
import { isMember } from "../orders/vocabulary";
import { COUNTED_ORDER_WHERE, countedOrderSql, memberSql } from "../orders/vocabulary.server";
import { customerHealth, type CustomerHealth, type HealthThresholds } from "./health";
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
  tier: string | null;
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
    health: customerHealth(row.last_order_at, thresholds, now),
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
  /** Only the customers holding this tier (its id); absent or null lists every tier and none. */
  tierId?: string | null;
}

/** A page of the shop's customers, newest first, matching the search; `hasNext` when more follow. */
export async function searchCustomers(db: PrismaClient, shopId: string, search: CustomerSearch, thresholds: HealthThresholds, now: Date) {
  const query = customerSearchText(search.query);
  const pattern = query ? likePattern(query) : null;
  const offset = (Math.max(1, search.page) - 1) * CUSTOMERS_PER_PAGE;
  const segment = search.segment ?? null;
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
       ORDER BY c."createdAt" DESC, c.id DESC
       LIMIT ${CUSTOMERS_PER_PAGE + 1} OFFSET ${offset}
    )
    SELECT p.id, p."firstName" AS first_name, p."lastName" AS last_name, p.email, ${memberSql("p")} AS member, p."deletedAt" IS NOT NULL AS deleted,
           b.available, b.pending, o.orders, o.last_order_at, f.kind::text AS next_kind, f."dueAt" AS next_due_at, p.segment, p.tier
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
  const [points, history, orders, followUps, referrals] = await Promise.all([
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
  ]);
  const lastOrderAt = orders._max.placedAt;
  return {
    id: customer.id,
    name: fullName(customer.firstName, customer.lastName),
    email: customer.email,
    member: isMember(customer),
    deleted: customer.deletedAt !== null,
    points,
    orders: orders._count._all,
    lastOrderAt: lastOrderAt?.toISOString() ?? null,
    health: customerHealth(lastOrderAt, thresholds, now),
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
