/**
 * The points ledger: append-only entries, one per event (a unique key per shop), from which every
 * balance is summed. Nothing here updates or deletes an entry; a correction is another entry.
 */
import { randomUUID } from "node:crypto";

import type { Db } from "../database/transaction";
import { Prisma, type PrismaClient } from "../generated/prisma/client";
import { ledgerInsertWithShopifyWrites } from "../shop-tools/outbox.server";
import { expiryEntries, type ExistingEntry, type PlannedEntry } from "./points-rules";

/** Writes the entries; one whose key is already in the ledger is skipped (a repeated event). */
export async function appendLedgerEntries(db: Db, shopId: string, customerId: string, entries: PlannedEntry[]): Promise<number> {
  return appendCustomersLedgerEntries(db, shopId, entries.map((entry) => ({ customerId, entry })));
}

/** Several customers' entries in one statement (a batch of orders settled together), in the order given. */
export async function appendCustomersLedgerEntries(db: Db, shopId: string, entries: { customerId: string; entry: PlannedEntry }[]): Promise<number> {
  if (entries.length === 0) return 0;
  // One statement for the lot: this runs for every order, so it skips Prisma's per-query compiler.
  const insert = Prisma.sql`
    INSERT INTO "PointsLedgerEntry" (id, "shopId", "customerId", points, reason, source, "sourceId", key, note, "availableAt", "createdAt")
    SELECT gen_random_uuid()::text, ${shopId}, e.customer_id, e.points, e.reason::"PointsReason", e.source::"PointsSource", e.source_id, e.key, e.note,
           e.available_at::timestamptz AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
      FROM unnest(${entries.map(({ customerId }) => customerId)}::text[], ${entries.map(({ entry }) => entry.points)}::int[],
                  ${entries.map(({ entry }) => entry.reason)}::text[], ${entries.map(({ entry }) => entry.source)}::text[],
                  ${entries.map(({ entry }) => entry.sourceId)}::text[], ${entries.map(({ entry }) => entry.key)}::text[],
                  ${entries.map(({ entry }) => entry.note ?? null)}::text[], ${entries.map(({ entry }) => entry.availableAt.toISOString())}::text[])
           WITH ORDINALITY AS e(customer_id, points, reason, source, source_id, key, note, available_at, position)
     ORDER BY e.position
    ON CONFLICT ("shopId", key) DO NOTHING`;
  // The same statement queues what Shopify's tools are owed (the customer's metafields, Flow triggers): both or neither.
  const [row] = await db.$queryRaw<{ written: number }[]>(ledgerInsertWithShopifyWrites(shopId, insert));
  return row?.written ?? 0;
}

/** A customer's entries (of one source, if given), as the rules compare them with what they plan. */
export async function ledgerEntriesOf(db: Db, customerId: string, source?: PlannedEntry["source"]): Promise<ExistingEntry[]> {
  return (await ledgerEntriesByCustomer(db, [customerId], source)).get(customerId) ?? [];
}

/** Several customers' entries (of one source, if given) in one query, by customer id. */
export async function ledgerEntriesByCustomer(db: Db, customerIds: string[], source?: PlannedEntry["source"]): Promise<Map<string, ExistingEntry[]>> {
  const rows = await db.$queryRaw<(ExistingEntry & { customerId: string })[]>`
    SELECT "customerId", key, points, reason::text AS reason, "availableAt", "sourceId" FROM "PointsLedgerEntry"
     WHERE "customerId" = ANY(${customerIds}::text[]) AND (${source ?? null}::text IS NULL OR source::text = ${source ?? null}::text)`;
  const byCustomer = new Map<string, ExistingEntry[]>(customerIds.map((id) => [id, []]));
  for (const { customerId, ...entry } of rows) byCustomer.get(customerId)?.push(entry);
  return byCustomer;
}

/**
 * What settling these orders reads of their customers' ledgers, in one query: the orders' own
 * entries (spend, refunds, cancellation: their key starts `order:<id>:` and names the order as its
 * source) and every second-purchase entry of the customers (the bonus moves between their orders).
 * The customers' other order entries do not change the plan, and a long history would be read for nothing.
 */
export async function settlementEntriesByCustomer(db: Db, customerIds: string[], orderShopifyIds: string[]): Promise<Map<string, ExistingEntry[]>> {
  const rows = await db.$queryRaw<(ExistingEntry & { customerId: string })[]>`
    SELECT "customerId", key, points, reason::text AS reason, "availableAt", "sourceId" FROM "PointsLedgerEntry"
     WHERE "customerId" = ANY(${customerIds}::text[]) AND source = 'ORDER'
       AND ("sourceId" = ANY(${orderShopifyIds}::text[]) OR reason IN ('SECOND_PURCHASE', 'SECOND_PURCHASE_REVERSAL'))`;
  const byCustomer = new Map<string, ExistingEntry[]>(customerIds.map((id) => [id, []]));
  for (const { customerId, ...entry } of rows) byCustomer.get(customerId)?.push(entry);
  return byCustomer;
}

export interface PointsBalance {
  /** Spendable now. */
  available: number;
  /** Earned but still in the pending period. */
  pending: number;
  /** available + pending; negative when points already spent were taken back. */
  total: number;
}

export async function pointsBalance(db: Db, customerId: string, now: Date): Promise<PointsBalance> {
  const [row] = await db.$queryRaw<{ available: bigint | null; pending: bigint | null }[]>`
    SELECT SUM(points) FILTER (WHERE "availableAt" <= ${now}) AS available,
           SUM(points) FILTER (WHERE "availableAt" > ${now}) AS pending
      FROM "PointsLedgerEntry" WHERE "customerId" = ${customerId}`;
  const available = Number(row?.available ?? 0);
  const pending = Number(row?.pending ?? 0);
  return { available, pending, total: available + pending };
}

/** The customer's history as the admin and the customer see it, newest first. */
export async function pointsHistory(db: Db, customerId: string, take = 100) {
  return db.pointsLedgerEntry.findMany({
    where: { customerId },
    orderBy: [{ createdAt: "desc" }, { sequence: "desc" }],
    take,
    select: { points: true, reason: true, source: true, sourceId: true, note: true, availableAt: true, createdAt: true },
  });
}

/** What the shop owes in points: every balance summed (negative balances reduce it), and who is below zero. */
export async function pointsLiability(db: Db, shopId: string): Promise<{ points: number; customersInDebt: number }> {
  const [row] = await db.$queryRaw<{ points: bigint | null; in_debt: bigint }[]>`
    SELECT SUM(balance) AS points, COUNT(*) FILTER (WHERE balance < 0) AS in_debt
      FROM (SELECT SUM(points) AS balance FROM "PointsLedgerEntry" WHERE "shopId" = ${shopId} GROUP BY "customerId") AS balances`;
  return { points: Number(row?.points ?? 0), customersInDebt: Number(row?.in_debt ?? 0) };
}

export class AdjustmentError extends Error {}

/** What the adjustment form accepts as points: an optional minus and digits, nothing else (no `+`, hex or exponent). */
export const ADJUSTMENT_POINTS = /^-?\d+$/;
export const MAX_ADJUSTMENT_POINTS = 1_000_000;

/** A merchant adds or removes points by hand; the reason shows in the customer's history. */
export async function adjustPoints(
  db: PrismaClient,
  args: { shopId: string; customerId: string; points: number; reason: string; now: Date; requestId?: string },
) {
  const reason = args.reason.trim();
  if (!Number.isInteger(args.points) || args.points === 0) throw new AdjustmentError("Points must be a whole number other than 0");
  if (Math.abs(args.points) > MAX_ADJUSTMENT_POINTS) throw new AdjustmentError("Adjust by at most 1,000,000 points at a time");
  if (!reason) throw new AdjustmentError("Give a reason: the customer sees it in their history");
  const customer = await db.customer.findFirst({ where: { id: args.customerId, shopId: args.shopId } });
  if (!customer) throw new AdjustmentError("No such customer in this shop");
  // requestId makes a double-submitted form one adjustment.
  const key = `adjustment:${args.requestId ?? randomUUID()}`;
  const written = await appendLedgerEntries(db, args.shopId, customer.id, [
    { key, points: args.points, reason: "ADJUSTMENT", source: "ADJUSTMENT", sourceId: null, availableAt: args.now, note: reason },
  ]);
  if (written === 0) {
    // The key is taken: the same form again is fine, the same id on someone else is not ok.
    const recorded = await db.pointsLedgerEntry.findUnique({ where: { shopId_key: { shopId: args.shopId, key } }, select: { customerId: true } });
    if (recorded && recorded.customerId !== customer.id) {
      throw new AdjustmentError("This adjustment was already recorded for another customer: reload the page and try again");
    }
  }
  return pointsBalance(db, customer.id, args.now);
}

/**
 * Expires the spendable balance of every customer of the shop quiet for the program's expiry period.
 * Activity is any ledger entry or order. Run it daily; running it twice the same day adds nothing.
 */
export async function expireInactivePoints(db: Db, shopId: string, now: Date): Promise<number> {
  const settings = await db.programSettings.findUnique({ where: { shopId } });
  if (!settings?.expiryMonths) return 0;
  let expired = 0;
  for (const candidate of await quietBalances(db, shopId, now)) {
    const entries = expiryEntries({
      customerId: candidate.customerId,
      lastActivityAt: candidate.lastActivityAt,
      spendableBalance: candidate.spendable,
      expiryMonths: settings.expiryMonths,
      now,
    });
    expired += await appendLedgerEntries(db, shopId, candidate.customerId, entries);
  }
  return expired;
}

export interface QuietBalance {
  customerId: string;
  /** The customer's last activity: their newest ledger entry or order. */
  lastActivityAt: Date;
  /** Spendable at `now`. */
  spendable: number;
}

/**
 * Each customer's last activity (any ledger entry or order) and spendable balance: what the expiry
 * rule, the expiry reminders and the storefront's "points expire on" read. All the shop's customers
 * with a ledger entry, or only those given.
 */
export async function quietBalances(db: Db, shopId: string, now: Date, customerIds: string[] | null = null): Promise<QuietBalance[]> {
  const rows = await db.$queryRaw<{ id: string; last_activity: Date; spendable: bigint | null }[]>`
    SELECT c.id,
           GREATEST(MAX(e."createdAt"), (SELECT MAX(o."placedAt") FROM "Order" o
                                          WHERE o."shopId" = c."shopId" AND o."customerShopifyId" = c."shopifyId")) AS last_activity,
           SUM(e.points) FILTER (WHERE e."availableAt" <= ${now}) AS spendable
      FROM "Customer" c JOIN "PointsLedgerEntry" e ON e."customerId" = c.id
     WHERE c."shopId" = ${shopId} AND (${customerIds}::text[] IS NULL OR c.id = ANY(${customerIds}::text[]))
     GROUP BY c.id`;
  return rows.map((row) => ({ customerId: row.id, lastActivityAt: row.last_activity, spendable: Number(row.spendable ?? 0) }));
}
