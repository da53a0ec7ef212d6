/**
 * VIP tiers in the database: the shop's ladder, each customer's tier (computed by tier-rules.ts from
 * their orders and ledger, under the customer's lock), the multiplier's points on spend, the entry
 * rewards, the merchant's override and the record of every change (TierChange). The one writer of
 * CustomerTier and TierChange.
 */
import { z } from "zod";

import { lockSubjects } from "../database/subject-locks.server";
import type { Db, Tx } from "../database/transaction";
import { Prisma, type PrismaClient } from "../generated/prisma/client";
import { formatAmount, parseAmount } from "../orders/money";
import { completedPurchaseSql, countedOrderSql, keptPurchaseSql, paidSql } from "../orders/vocabulary.server";
import { ORDER_SALES_SQL } from "../reports/metrics";
import { flowCustomerId } from "../shop-tools/flow-triggers";
import { enqueueCustomerRecords, enqueueFlowTrigger } from "../shop-tools/outbox.server";
import { appendCustomersLedgerEntries } from "./ledger.server";
import type { PlannedEntry } from "./points-rules";
import {
  heldTierAt,
  ladderFrom,
  pointsEvents,
  ProgressTimeline,
  progressToNextTier,
  sortedLadder,
  spendEvents,
  tierAtPlacement,
  tierBonusPoints,
  tierRefusalText,
  MAX_OVERRIDE_REASON,
  tierChangeWhy,
  tierEntryKey,
  tiersReached,
  type OverridePeriod,
  type ProgressEvent,
  type TierBasis,
  type TierLadder,
  type TierProgress,
  type TierStep,
} from "./tier-rules";

/** The shop's ladder and its basis; null when the shop has no tiers. */
export async function tierLadder(db: Db, shopId: string): Promise<TierLadder | null> {
  const [settings, tiers] = await Promise.all([
    db.programSettings.findUnique({ where: { shopId }, select: { tierBasis: true, tierWindowMonths: true, tierRetentionDays: true } }),
    db.tier.findMany({ where: { shopId }, orderBy: { threshold: "asc" } }),
  ]);
  if (!settings) return null;
  return ladderFrom(settings, tiers.map(({ id, name, threshold, multiplierPercent, entryRewardPoints, benefits }) => ({ id, name, threshold, multiplierPercent, entryRewardPoints, benefits })));
}

/**
 * Each customer's tier by id (null: none), as last computed: what other features (customer metafields,
 * a Flow trigger) read. Customers of another shop, or unknown ids, read as null.
 */
export async function customerTiers(db: Db, shopId: string, customerIds: string[]): Promise<Map<string, { name: string } | null>> {
  const rows = await db.customerTier.findMany({
    where: { shopId, customerId: { in: customerIds }, tierId: { not: null } },
    select: { customerId: true, tier: { select: { name: true } } },
  });
  const byId = new Map<string, { name: string } | null>(customerIds.map((id) => [id, null]));
  for (const row of rows) if (row.tier) byId.set(row.customerId, { name: row.tier.name });
  return byId;
}

interface CustomerFacts {
  events: ProgressEvent[];
  /** The events sorted with running sums, built once: the tier at each order's placement reads it. */
  timeline: ProgressTimeline;
  placedAtOf: Map<string, Date>;
  entries: LedgerRow[];
  overrides: OverridePeriod[];
}

interface LedgerRow {
  customerId: string;
  key: string;
  points: number;
  reason: string;
  source: string;
  sourceId: string | null;
  createdAt: Date;
  availableAt: Date;
}

/** What the rules read of these customers: their orders, ledger and override history, in four queries. */
async function customerFacts(db: Db, shopId: string, ladder: TierLadder, customers: { id: string; shopifyId: string }[]): Promise<Map<string, CustomerFacts>> {
  const orders = await db.$queryRaw<{ customerShopifyId: string; shopifyId: string; placedAt: Date; counts: boolean; countedGross: boolean; subtotal: string; refunded: string }[]>`
    SELECT o."customerShopifyId", o."shopifyId", o."placedAt",
           (${completedPurchaseSql("o")} AND ${keptPurchaseSql("o")}) AS counts,
           (${paidSql("o")} AND NOT o.test) AS "countedGross",
           o.subtotal::text AS subtotal,
           COALESCE((SELECT SUM(r.subtotal) FROM "OrderRefund" r WHERE r."shopId" = o."shopId" AND r."orderShopifyId" = o."shopifyId"), 0)::text AS refunded
      FROM "Order" o
     WHERE o."shopId" = ${shopId} AND o."customerShopifyId" = ANY(${customers.map((c) => c.shopifyId)}::text[])`;
  const entries = await db.$queryRaw<LedgerRow[]>`
    SELECT "customerId", key, points, reason::text AS reason, source::text AS source, "sourceId", "createdAt", "availableAt"
      FROM "PointsLedgerEntry" WHERE "shopId" = ${shopId} AND "customerId" = ANY(${customers.map((c) => c.id)}::text[])`;
  const changes = await db.tierChange.findMany({
    where: { shopId, customerId: { in: customers.map((c) => c.id) }, reason: { in: ["OVERRIDE", "OVERRIDE_CLEARED"] } },
    orderBy: [{ createdAt: "asc" }, { sequence: "asc" }],
    select: { customerId: true, reason: true, toTierId: true, createdAt: true },
  });
  const facts = new Map<string, CustomerFacts>();
  for (const customer of customers) {
    const own = orders.filter((order) => order.customerShopifyId === customer.shopifyId);
    const placedAtOf = new Map(own.map((order) => [order.shopifyId, order.placedAt]));
    const ledger = entries.filter((entry) => entry.customerId === customer.id);
    const events =
      ladder.basis === "AMOUNT_SPENT"
        ? spendEvents(own.map((o) => ({ shopifyId: o.shopifyId, placedAt: o.placedAt, counts: o.counts, countedGross: o.countedGross, subtotal: parseAmount(o.subtotal), refunded: parseAmount(o.refunded) })))
        : pointsEvents(ledger, placedAtOf);
    const overrides: OverridePeriod[] = [];
    for (const change of changes.filter((c) => c.customerId === customer.id)) {
      const open = overrides.at(-1);
      if (open && open.until === null) open.until = change.createdAt;
      if (change.reason === "OVERRIDE") overrides.push({ tierId: change.toTierId, from: change.createdAt, until: null });
    }
    facts.set(customer.id, { events, timeline: new ProgressTimeline(events), placedAtOf, entries: ledger, overrides });
  }
  return facts;
}

/** The unused key for a bonus state: `base`, or `base:2`… when the bonus came back to an earlier amount. */
function unusedKey(base: string, keys: ReadonlySet<string>): string {
  if (!keys.has(base)) return base;
  for (let generation = 2; ; generation++) if (!keys.has(`${base}:${generation}`)) return `${base}:${generation}`;
}

/**
 * The multiplier's points for each order: the tier held at the order's placement (its override, or
 * what the customer's history before it reached) times the spend points the order keeps. One entry
 * makes up any difference from what the ledger holds, so a late or reordered delivery converges.
 */
function tierBonusEntries(ladder: TierLadder, facts: CustomerFacts, now: Date): PlannedEntry[] {
  const keys = new Set(facts.entries.map((entry) => entry.key));
  const byOrder = new Map<string, { kept: number; bonus: number; spendAvailableAt: Date | null }>();
  for (const entry of facts.entries) {
    if (entry.source !== "ORDER" || !entry.sourceId) continue;
    const order = byOrder.get(entry.sourceId) ?? { kept: 0, bonus: 0, spendAvailableAt: null };
    if (entry.reason === "SPEND" || entry.reason === "REFUND" || entry.reason === "CANCELLATION") order.kept += entry.points;
    if (entry.reason === "TIER_BONUS") order.bonus += entry.points;
    if (entry.key === `order:${entry.sourceId}:spend`) order.spendAvailableAt = entry.availableAt;
    byOrder.set(entry.sourceId, order);
  }
  const planned: PlannedEntry[] = [];
  for (const [orderId, { kept, bonus, spendAvailableAt }] of byOrder) {
    const placedAt = facts.placedAtOf.get(orderId);
    if (!placedAt) continue;
    const tier = tierAtPlacement(ladder, facts.timeline, placedAt, facts.overrides);
    const wanted = tierBonusPoints(kept, tier?.multiplierPercent ?? 100);
    if (wanted === bonus) continue;
    const availableAt = spendAvailableAt && spendAvailableAt > now ? spendAvailableAt : now;
    planned.push({
      key: unusedKey(`order:${orderId}:tier-bonus:${wanted}`, keys),
      points: wanted - bonus,
      reason: "TIER_BONUS",
      source: "ORDER",
      sourceId: orderId,
      availableAt,
      note: tier ? `${tier.name} tier` : null,
    });
  }
  return planned;
}

/**
 * Recomputes these customers' tiers now (the caller holds their locks): the multiplier's points on
 * their orders, their tier (the override, else what they hold by the rules), a TierChange and the entry
 * rewards when it moved. Returns how many customers changed tier.
 */
export async function recomputeCustomerTiers(
  tx: Tx,
  shopId: string,
  customers: { id: string; shopifyId: string }[],
  now: Date,
  ladder?: TierLadder | null,
  options: { clearedOverride?: { note: string | null } } = {},
): Promise<number> {
  if (customers.length === 0) return 0;
  // Undefined: read it; null: the caller knows the shop has no tiers.
  if (ladder === undefined) ladder = await tierLadder(tx, shopId);
  if (!ladder) return 0;
  const facts = await customerFacts(tx, shopId, ladder, customers);
  const stored = new Map(
    (await tx.customerTier.findMany({ where: { shopId, customerId: { in: customers.map((c) => c.id) } } })).map((row) => [row.customerId, row]),
  );
  const tierOf = (id: string | null | undefined): TierStep | null => (id ? ladder.tiers.find((tier) => tier.id === id) ?? null : null);
  const planned: { customerId: string; entry: PlannedEntry }[] = [];
  let changed = 0;
  for (const customer of customers) {
    const fact = facts.get(customer.id)!;
    planned.push(...tierBonusEntries(ladder, fact, now).map((entry) => ({ customerId: customer.id, entry })));
    const row = stored.get(customer.id);
    const after = new Date(now.getTime() + 1);
    const earned = heldTierAt(ladder, fact.timeline, now, after);
    const to = row?.overrideTierId ? tierOf(row.overrideTierId) : earned;
    const from = tierOf(row?.tierId);
    const cleared = options.clearedOverride;
    if ((from?.id ?? null) === (to?.id ?? null) && !cleared) continue;
    changed++;
    const why = cleared ? "OVERRIDE_CLEARED" : row?.overrideTierId ? "OVERRIDE" : tierChangeWhy(ladder, from, to, heldTierAt(ladder, fact.timeline, now, after, "gross"));
    const note = cleared ? cleared.note : row?.overrideTierId ? row.overrideReason : null;
    await recordTierChange(tx, { shopId, customerId: customer.id, from, to, reason: why, note, now });
    planned.push(...entryRewards(ladder, customer.id, from, to, now).map((entry) => ({ customerId: customer.id, entry })));
  }
  await appendCustomersLedgerEntries(tx, shopId, planned);
  return changed;
}

function entryRewards(ladder: TierLadder, customerId: string, from: TierStep | null, to: TierStep | null, now: Date): PlannedEntry[] {
  return tiersReached(ladder, from, to)
    .filter((tier) => tier.entryRewardPoints > 0)
    .map((tier) => ({ key: tierEntryKey(customerId, tier.id), points: tier.entryRewardPoints, reason: "TIER_ENTRY", source: "TIER", sourceId: tier.id, availableAt: now, note: `Reached ${tier.name}` }));
}

async function recordTierChange(
  tx: Tx,
  change: { shopId: string; customerId: string; from: TierStep | null; to: TierStep | null; reason: "EARNED" | "DOWNGRADED" | "REFUND" | "OVERRIDE" | "OVERRIDE_CLEARED"; note: string | null; now: Date },
): Promise<void> {
  const { shopId, customerId, from, to, reason, note, now } = change;
  const recorded = await tx.tierChange.create({
    data: { shopId, customerId, fromTierId: from?.id ?? null, fromTierName: from?.name ?? null, toTierId: to?.id ?? null, toTierName: to?.name ?? null, reason, note, createdAt: now },
    select: { id: true, customer: { select: { shopifyId: true } } },
  });
  // Shopify's own tools hear of it in the same transaction: the customer's record (the tier metafield
  // and tag) is queued again, and Flow's "tier changed" is sent once per change (keyed by it).
  await enqueueCustomerRecords(tx, shopId, [customerId]);
  await enqueueFlowTrigger(
    tx,
    shopId,
    "tier-changed",
    { customer_id: flowCustomerId(recorded.customer.shopifyId), Tier: to?.name ?? "", "Previous tier": from?.name ?? "" },
    `tier-change:${recorded.id}`,
  );
  await tx.customerTier.upsert({
    where: { customerId },
    create: { customerId, shopId, tierId: to?.id ?? null, computedAt: now },
    update: { tierId: to?.id ?? null, computedAt: now },
  });
}

export class TierOverrideError extends Error {}


/**
 * The merchant puts a customer in a tier whatever they earned (until cleared), or clears it (tierId
 * null): the customer's tier is then recomputed. Recorded with the reason, under the customer's lock.
 */
export async function setTierOverride(db: PrismaClient, args: { shopId: string; customerId: string; tierId: string | null; reason: string; now: Date }): Promise<void> {
  const reason = args.reason.trim();
  if (args.tierId && !reason) throw new TierOverrideError("Give a reason for the override: it shows in the customer's tier history");
  if (reason.length > MAX_OVERRIDE_REASON) throw new TierOverrideError(`The reason is at most ${MAX_OVERRIDE_REASON} characters`);
  const customer = await db.customer.findFirst({ where: { id: args.customerId, shopId: args.shopId }, select: { id: true, shopifyId: true } });
  if (!customer) throw new TierOverrideError("No such customer in this shop");
  await db.$transaction(async (tx) => {
    await lockSubjects(tx, args.shopId, [customer.shopifyId]);
    const ladder = await tierLadder(tx, args.shopId);
    await overrideTier(tx, { shopId: args.shopId, customer, ladder, tierId: args.tierId, reason, now: args.now, entryRewards: true });
  });
}

/**
 * Puts a customer (locked by the caller) in a tier whatever they earned, or clears the override
 * (tierId null), in the caller's transaction: the merchant's override, or a tier brought over by a
 * balance import (`entryRewards: false`: the previous program already rewarded reaching it). Setting
 * the override the customer already has changes nothing.
 */
export async function overrideTier(
  tx: Tx,
  args: { shopId: string; customer: { id: string; shopifyId: string }; ladder: TierLadder | null; tierId: string | null; reason: string; now: Date; entryRewards: boolean },
): Promise<void> {
  const { shopId, customer, ladder, reason, now } = args;
  const tier = args.tierId ? ladder?.tiers.find((t) => t.id === args.tierId) : null;
  if (args.tierId && !tier) throw new TierOverrideError("No such tier in this shop");
  const row = await tx.customerTier.findUnique({ where: { customerId: customer.id } });
  if (!args.tierId && !row?.overrideTierId) return;
  if (tier && row?.overrideTierId === tier.id) return;
  const from = row?.tierId ? (ladder?.tiers.find((t) => t.id === row.tierId) ?? null) : null;
  await tx.customerTier.upsert({
    where: { customerId: customer.id },
    create: { customerId: customer.id, shopId, tierId: from?.id ?? null, computedAt: now, overrideTierId: tier?.id ?? null, overrideReason: tier ? reason : null, overrideAt: tier ? now : null },
    update: { overrideTierId: tier?.id ?? null, overrideReason: tier ? reason : null, overrideAt: tier ? now : null },
  });
  if (tier) {
    await recordTierChange(tx, { shopId, customerId: customer.id, from, to: tier, reason: "OVERRIDE", note: reason, now });
    if (ladder && args.entryRewards) await appendCustomersLedgerEntries(tx, shopId, entryRewards(ladder, customer.id, from, tier, now).map((entry) => ({ customerId: customer.id, entry })));
  } else {
    // Cleared: the customer holds what they earned again, recorded as the clearing (even when it is the same tier).
    await recomputeCustomerTiers(tx, shopId, [customer], now, ladder, { clearedOverride: { note: reason || null } });
  }
}

/** A customer's tier as the admin, the widget and the account page show it. */
export interface CustomerTierView {
  basis: TierBasis;
  tier: { id: string; name: string; multiplierPercent: number; benefits: string } | null;
  override: { reason: string; at: Date } | null;
  progress: TierProgress;
  ladder: TierStep[];
}

/** The customer's tier now, with the progress toward the next; null when the shop has no tiers. */
export async function customerTierView(
  db: Db,
  shopId: string,
  customer: { id: string; shopifyId: string },
  now: Date,
  /** The shop's ladder when the caller has read it already. */
  knownLadder?: TierLadder | null,
): Promise<CustomerTierView | null> {
  const ladder = knownLadder === undefined ? await tierLadder(db, shopId) : knownLadder;
  if (!ladder) return null;
  const facts = (await customerFacts(db, shopId, ladder, [customer])).get(customer.id)!;
  const row = await db.customerTier.findUnique({ where: { customerId: customer.id } });
  const held = row?.tierId ? (ladder.tiers.find((t) => t.id === row.tierId) ?? null) : null;
  return {
    basis: ladder.basis,
    tier: held ? { id: held.id, name: held.name, multiplierPercent: held.multiplierPercent, benefits: held.benefits ?? "" } : null,
    override: row?.overrideTierId && row.overrideAt ? { reason: row.overrideReason ?? "", at: row.overrideAt } : null,
    progress: progressToNextTier(ladder, facts.events, held, now),
    ladder: sortedLadder(ladder.tiers),
  };
}

/** The customer's tier changes, newest first (the admin customer page's history). */
export async function tierHistory(db: Db, shopId: string, customerId: string, take = 50) {
  return db.tierChange.findMany({
    where: { shopId, customerId },
    orderBy: [{ createdAt: "desc" }, { sequence: "desc" }],
    take,
    select: { fromTierName: true, toTierName: true, reason: true, note: true, createdAt: true },
  });
}

/** Recomputes each customer in their own transaction, under their lock; how many changed tier. */
async function recomputeEachCustomer(db: PrismaClient, shopId: string, customers: { id: string; shopifyId: string }[], ladder: TierLadder, now: Date): Promise<number> {
  let changed = 0;
  for (const customer of customers) {
    changed += await db.$transaction(async (tx) => {
      await lockSubjects(tx, shopId, [customer.shopifyId]);
      return recomputeCustomerTiers(tx, shopId, [customer], now, ladder);
    });
  }
  return changed;
}

/**
 * Points that reached these customers outside an order's settlement (the merchant's adjustment,
 * birthday points) move their tier now when the ladder goes by points earned, as an order's points do,
 * rather than at the daily recompute. Each customer in their own transaction, under their lock.
 */
export async function moveTiersAfterPoints(db: PrismaClient, shopId: string, customerIds: string[], now: Date): Promise<number> {
  if (customerIds.length === 0) return 0;
  const ladder = await tierLadder(db, shopId);
  if (!ladder || ladder.basis !== "POINTS_EARNED") return 0;
  const customers = await db.customer.findMany({ where: { shopId, id: { in: customerIds }, redactedAt: null }, select: { id: true, shopifyId: true } });
  return recomputeEachCustomer(db, shopId, customers, ladder, now);
}

/**
 * The daily recompute of a shop: customers holding a tier (a rolling window may have passed their
 * purchases, or the retention ended) and those whose ledger moved since yesterday (points from outside
 * an order). Each customer in their own transaction, under their lock.
 */
export async function recomputeShopTiers(db: PrismaClient, shopId: string, now: Date): Promise<number> {
  const ladder = await tierLadder(db, shopId);
  if (!ladder) return 0;
  const since = new Date(now.getTime() - 2 * 24 * 60 * 60 * 1000);
  const customers = await db.$queryRaw<{ id: string; shopifyId: string }[]>`
    SELECT c.id, c."shopifyId" FROM "Customer" c
     WHERE c."shopId" = ${shopId} AND c."redactedAt" IS NULL
       AND (EXISTS (SELECT 1 FROM "CustomerTier" t WHERE t."customerId" = c.id AND t."tierId" IS NOT NULL)
            OR EXISTS (SELECT 1 FROM "PointsLedgerEntry" e WHERE e."customerId" = c.id AND e."createdAt" >= ${since}))`;
  return recomputeEachCustomer(db, shopId, customers, ladder, now);
}

/** Every customer of the shop with an order or a ledger entry: after the ladder changed. */
export async function recomputeAllShopTiers(db: PrismaClient, shopId: string, now: Date): Promise<number> {
  const ladder = await tierLadder(db, shopId);
  // No ladder any more: the tiers' removal already cleared every holder (the foreign key sets null).
  if (!ladder) return 0;
  const customers = await db.$queryRaw<{ id: string; shopifyId: string }[]>`
    SELECT c.id, c."shopifyId" FROM "Customer" c
     WHERE c."shopId" = ${shopId} AND c."redactedAt" IS NULL
       AND (EXISTS (SELECT 1 FROM "PointsLedgerEntry" e WHERE e."customerId" = c.id)
            OR EXISTS (SELECT 1 FROM "CustomerTier" t WHERE t."customerId" = c.id))`;
  return recomputeEachCustomer(db, shopId, customers, ladder, now);
}

/** Shops with a ladder: the daily tier job's list. */
export async function shopsWithTiers(db: Db): Promise<{ id: string; domain: string }[]> {
  return db.$queryRaw<{ id: string; domain: string }[]>`
    SELECT s.id, s.domain FROM "Shop" s WHERE s."uninstalledAt" IS NULL AND EXISTS (SELECT 1 FROM "Tier" t WHERE t."shopId" = s.id)`;
}

// ---- The ladder, as the merchant edits it ----

const whole = (max: number, min = 0) =>
  z.preprocess(
    (value) => (typeof value === "string" ? (value.trim() === "" ? undefined : Number(value.trim())) : value),
    z
      .number({ error: (issue) => (issue.input === undefined ? "is required" : "must be a number") })
      .int("must be a whole number")
      .min(min, min === 0 ? "cannot be negative" : `is at least ${min}`)
      .max(max, `is at most ${max.toLocaleString("en")}`),
  );

export const TierInput = z.object({
  name: z.string().trim().min(1, "is required").max(40, "is at most 40 characters"),
  threshold: whole(100_000_000),
  multiplierPercent: whole(1_000, 100),
  entryRewardPoints: whole(100_000),
  benefits: z.string().trim().max(300, "is at most 300 characters").default(""),
});

export const TierProgramInput = z.object({
  tierBasis: z.enum(["POINTS_EARNED", "AMOUNT_SPENT"], { error: "must be points earned or amount spent" }),
  /** Empty or 0: lifetime. */
  tierWindowMonths: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? 0 : v), whole(120)).transform((v) => (v === 0 ? null : v)),
  tierRetentionDays: whole(3_650),
});

export type FieldErrors = Record<string, string>;

function errorsOf(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) errors[issue.path.join(".")] ??= issue.message;
  return errors;
}

/** Adds a tier, or changes one (`id`); a name or threshold another tier has is refused by field. */
export async function saveTier(db: PrismaClient, shopId: string, id: string | null, input: Record<string, unknown>): Promise<{ ok: true } | { ok: false; errors: FieldErrors }> {
  const parsed = TierInput.safeParse(input);
  if (!parsed.success) return { ok: false, errors: errorsOf(parsed.error) };
  const others = await db.tier.findMany({ where: { shopId, ...(id ? { id: { not: id } } : {}) }, select: { name: true, threshold: true } });
  const errors: FieldErrors = {};
  if (others.some((t) => t.name.toLowerCase() === parsed.data.name.toLowerCase())) errors.name = "another tier has this name";
  if (others.some((t) => t.threshold === parsed.data.threshold)) errors.threshold = "another tier has this threshold";
  if (!id && others.length >= 10) errors.name = "a program has at most 10 tiers";
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  if (id) {
    const updated = await db.tier.updateMany({ where: { id, shopId }, data: parsed.data });
    if (updated.count === 0) return { ok: false, errors: { name: "no such tier in this shop" } };
  } else {
    await db.tier.create({ data: { shopId, ...parsed.data } });
  }
  return { ok: true };
}

/** Removes a tier; refused while a reward requires it. */
export async function deleteTier(db: PrismaClient, shopId: string, id: string): Promise<{ ok: true } | { ok: false; errors: FieldErrors }> {
  const rewards = await db.reward.count({ where: { shopId, minTierId: id } });
  if (rewards > 0) return { ok: false, errors: { tier: `${rewards} reward${rewards === 1 ? " requires" : "s require"} this tier: change ${rewards === 1 ? "it" : "them"} first` } };
  await db.tier.deleteMany({ where: { id, shopId } });
  return { ok: true };
}

/** Changes the basis, window and retention (one basis per program). */
export async function saveTierProgram(db: PrismaClient, shopId: string, input: Record<string, unknown>): Promise<{ ok: true } | { ok: false; errors: FieldErrors }> {
  const parsed = TierProgramInput.safeParse(input);
  if (!parsed.success) return { ok: false, errors: errorsOf(parsed.error) };
  await db.programSettings.update({ where: { shopId }, data: parsed.data });
  return { ok: true };
}

/**
 * Members per tier (customers holding it now; "No tier" for the rest) with their average order value and
 * repeat rate, over counted orders and their sales as the dashboard defines them (METRIC_DEFINITIONS).
 */
export async function tierReport(db: Db, shopId: string): Promise<{ tier: string; members: number; averageOrderValue: string; repeatRate: number }[]> {
  const rows = await db.$queryRaw<{ tier: string; members: bigint; aov: string | null; repeaters: bigint }[]>`
    WITH holders AS (
      SELECT COALESCE(t.name, 'No tier') AS tier, COALESCE(t.threshold, -1) AS threshold, c."shopifyId"
        FROM "Customer" c
        LEFT JOIN "CustomerTier" ct ON ct."customerId" = c.id
        LEFT JOIN "Tier" t ON t.id = ct."tierId"
       WHERE c."shopId" = ${shopId} AND c."redactedAt" IS NULL AND c."deletedAt" IS NULL
    ), per_customer AS (
      SELECT h.tier, h.threshold, h."shopifyId", COUNT(o.id) AS orders, COALESCE(SUM(${Prisma.raw(ORDER_SALES_SQL("o"))}), 0) AS sales
        FROM holders h
        LEFT JOIN "Order" o ON o."shopId" = ${shopId} AND o."customerShopifyId" = h."shopifyId" AND ${countedOrderSql("o")}
       GROUP BY h.tier, h.threshold, h."shopifyId"
    )
    SELECT tier, COUNT(*) AS members, ROUND(SUM(sales) / NULLIF(SUM(orders), 0), 2)::text AS aov,
           COUNT(*) FILTER (WHERE orders >= 2) AS repeaters
      FROM per_customer GROUP BY tier, threshold ORDER BY threshold`;
  return rows.map((row) => ({
    tier: row.tier,
    members: Number(row.members),
    averageOrderValue: row.aov ?? "0.00",
    repeatRate: Number(row.members) > 0 ? Number(row.repeaters) / Number(row.members) : 0,
  }));
}

/**
 * Why this customer may not redeem a reward that requires `minTierId` (tier-only rewards), or null:
 * they hold a lower tier or none. The widget shows the same sentence before they try.
 */
export async function tierRefusal(db: Db, shopId: string, customerId: string, minTierId: string | null): Promise<string | null> {
  if (!minTierId) return null;
  const [required, held] = await Promise.all([
    db.tier.findFirst({ where: { id: minTierId, shopId }, select: { name: true, threshold: true } }),
    db.customerTier.findUnique({ where: { customerId }, select: { tier: { select: { name: true, threshold: true } } } }),
  ]);
  if (!required) return null;
  return tierRefusalText(required, held?.tier ?? null);
}

/** What the storefront widget and the customer account page show of tiers. */
export interface StorefrontTiers {
  /** The ladder, lowest first: what each tier takes and gives. */
  tiers: { name: string; benefits: string; multiplier: string; from: string }[];
  /** The signed-in customer's tier (null: none yet), with what the next one still takes. */
  tier: { name: string; benefits: string; next: TierToGo | null } | null;
  /** A signed-in customer without a tier: what the first one takes. */
  firstTier?: TierToGo | null;
}

/** The next tier and what it still takes: points, or (amount spent) an amount in the shop's currency. */
export type TierToGo = { name: string; pointsToGo: number; amountToGo?: string };

/** The shop's tiers for a shopper (customerId null: a guest); null when the shop has no tiers. */
export async function storefrontTiers(db: Db, shopDomain: string, customerGid: string | null, now: Date): Promise<StorefrontTiers | null> {
  // Every storefront and account request asks: one plain statement answers a shop without tiers.
  const [shop] = await db.$queryRaw<{ id: string; currencyCode: string; pointsName: string | null; customerId: string | null; hasTiers: boolean }[]>`
    SELECT s.id, s."currencyCode", p."pointsName", c.id AS "customerId", EXISTS (SELECT 1 FROM "Tier" t WHERE t."shopId" = s.id) AS "hasTiers"
      FROM "Shop" s
      LEFT JOIN "ProgramSettings" p ON p."shopId" = s.id
      LEFT JOIN "Customer" c ON c."shopId" = s.id AND c."shopifyId" = ${customerGid} AND c."deletedAt" IS NULL AND c."redactedAt" IS NULL
     WHERE s.domain = ${shopDomain}`;
  if (!shop?.hasTiers) return null;
  const customer = shop.customerId && customerGid ? { id: shop.customerId, shopifyId: customerGid } : null;
  const ladder = await tierLadder(db, shop.id);
  if (!ladder) return null;
  const money = (amount: number) => new Intl.NumberFormat("en-US", { style: "currency", currency: shop.currencyCode }).format(amount);
  const pointsName = shop.pointsName ?? "points";
  const tiers = sortedLadder(ladder.tiers).map((tier) => ({
    name: tier.name,
    benefits: tier.benefits ?? "",
    multiplier: tier.multiplierPercent > 100 ? `${tier.multiplierPercent / 100}× ${pointsName}` : "",
    from: ladder.basis === "AMOUNT_SPENT" ? `${money(tier.threshold)} spent` : `${tier.threshold.toLocaleString("en-US")} ${pointsName} earned`,
  }));
  if (!customer) return { tiers, tier: null };
  const view = await customerTierView(db, shop.id, customer, now, ladder);
  if (!view) return { tiers, tier: null };
  const { next, remaining } = view.progress;
  const toGo: TierToGo | null = next
    ? ladder.basis === "AMOUNT_SPENT"
      ? { name: next.name, pointsToGo: 0, amountToGo: money(Number(formatAmount(remaining))) }
      : { name: next.name, pointsToGo: remaining }
    : null;
  if (!view.tier) return { tiers, tier: null, firstTier: toGo };
  return { tiers, tier: { name: view.tier.name, benefits: view.tier.benefits, next: toGo } };
}
