/**
 * VIP tiers, as pure functions of a customer's progress events (their orders or their earned points,
 * each at a moment), the program's ladder and the clock. Nothing here depends on the order webhooks
 * arrived in: every answer is a function of the customer's stored state, so replaying deliveries in any
 * order converges on the same tiers and the same multiplier points (docs/tiers.md).
 */
import type { Amount } from "../orders/money";
import { ONE_UNIT } from "../orders/money";

export type TierBasis = "POINTS_EARNED" | "AMOUNT_SPENT";

export interface TierStep {
  id: string;
  name: string;
  /** Points earned, or whole currency units spent, within the window. */
  threshold: number;
  /** 150 earns 1.5 times the spend points. */
  multiplierPercent: number;
  entryRewardPoints: number;
  benefits?: string;
}

export interface TierLadder {
  basis: TierBasis;
  /** Null: lifetime. */
  windowMonths: number | null;
  retentionDays: number;
  /** Lowest threshold first. */
  tiers: TierStep[];
}

/**
 * Something that counts toward a tier, at the moment it counts: an order's kept spend at its placement,
 * or an earned ledger entry (an order's at the order's placement). `value` is net of refunds and
 * cancellations (what counts now); `gross` is before them (to tell a refund from a lapse).
 */
export interface ProgressEvent {
  at: Date;
  value: number;
  gross: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The ladder sorted lowest first (the one order every function here reads it in). */
export function sortedLadder(tiers: TierStep[]): TierStep[] {
  return [...tiers].sort((a, b) => a.threshold - b.threshold);
}

/** The program's settings a ladder is measured with. */
export interface TierProgramSettings {
  tierBasis: TierBasis;
  tierWindowMonths: number | null;
  tierRetentionDays: number;
}

/** The shop's ladder from its settings and its tiers (in any order); null when it has no tiers. */
export function ladderFrom(settings: TierProgramSettings, tiers: TierStep[]): TierLadder | null {
  if (tiers.length === 0) return null;
  return { basis: settings.tierBasis, windowMonths: settings.tierWindowMonths, retentionDays: settings.tierRetentionDays, tiers: sortedLadder(tiers) };
}

/** A threshold in the units progress is summed in: points, or Amount (ten-thousandths) for money. */
export function thresholdUnits(ladder: Pick<TierLadder, "basis">, threshold: number): number {
  return ladder.basis === "AMOUNT_SPENT" ? threshold * ONE_UNIT : threshold;
}

/** The start of the window ending at `at` (exclusive); null for lifetime. */
export function windowStart(ladder: Pick<TierLadder, "windowMonths">, at: Date): Date | null {
  if (!ladder.windowMonths) return null;
  const start = new Date(at);
  start.setUTCMonth(start.getUTCMonth() - ladder.windowMonths);
  return start;
}

/** What counts toward a tier in the window ending at `at` (inclusive), of events strictly before `before`. */
export function progressAt(ladder: Pick<TierLadder, "windowMonths">, events: ProgressEvent[], at: Date, before: Date, pick: "value" | "gross" = "value"): number {
  const start = windowStart(ladder, at);
  let sum = 0;
  for (const event of events) {
    if (event.at > at || event.at >= before) continue;
    if (start && event.at <= start) continue;
    sum += event[pick];
  }
  return sum;
}

/** The highest tier a progress reaches, or null. */
export function tierForProgress(ladder: TierLadder, progress: number): TierStep | null {
  let reached: TierStep | null = null;
  for (const tier of sortedLadder(ladder.tiers)) if (progress >= thresholdUnits(ladder, tier.threshold)) reached = tier;
  return reached;
}

function rank(ladder: TierLadder, tier: TierStep | null): number {
  return tier ? sortedLadder(ladder.tiers).findIndex((t) => t.id === tier.id) : -1;
}

/**
 * The tier held at `at`, counting only events strictly before `before` (an order's own placement, for
 * its multiplier; just after now, for today's tier): the highest tier reached at any moment of the
 * retention period ending at `at`. Progress only rises when an event enters the window, so that moment
 * is the period's start or an event's time in it. A refund or cancellation lowers the event itself,
 * so it takes the tier away at once; a window rolling past an old purchase waits out the retention.
 */
export function heldTierAt(ladder: TierLadder, events: ProgressEvent[] | ProgressTimeline, at: Date, before: Date, pick: "value" | "gross" = "value"): TierStep | null {
  if (ladder.tiers.length === 0) return null;
  const timeline = events instanceof ProgressTimeline ? events : new ProgressTimeline(events);
  const { times } = timeline;
  const sums = timeline.sums[pick];
  const from = new Date(at.getTime() - ladder.retentionDays * DAY_MS);
  // Only events not after `at` and before `before` ever count: the first `counted` of the timeline.
  const counted = Math.min(countNotAfter(times, at.getTime()), countNotAfter(times, before.getTime() - 1));
  const progressAtMoment = (moment: number): number => {
    const end = Math.min(countNotAfter(times, moment), counted);
    const start = windowStart(ladder, new Date(moment));
    const begin = start ? countNotAfter(times, start.getTime()) : 0;
    return end > begin ? sums[end] - sums[begin] : 0;
  };
  const ordered = sortedLadder(ladder.tiers);
  let held = -1;
  const moments = [from.getTime(), ...times.slice(countNotAfter(times, from.getTime()), Math.max(counted, countNotAfter(times, from.getTime())))];
  for (const moment of moments) {
    const progress = progressAtMoment(moment);
    ordered.forEach((tier, index) => {
      if (index > held && progress >= thresholdUnits(ladder, tier.threshold)) held = index;
    });
  }
  return held < 0 ? null : ordered[held];
}

/**
 * A customer's progress events sorted by time with running sums: progress over any window is two
 * binary searches, so the tier held at each of n orders' placements costs n log n, not n² (or n³).
 * Build it once per customer and pass it where events are taken.
 */
export class ProgressTimeline {
  readonly times: number[];
  readonly sums: { value: number[]; gross: number[] };

  constructor(events: ProgressEvent[]) {
    const sorted = [...events].sort((a, b) => a.at.getTime() - b.at.getTime());
    this.times = sorted.map((event) => event.at.getTime());
    this.sums = { value: [0], gross: [0] };
    for (const event of sorted) {
      this.sums.value.push(this.sums.value[this.sums.value.length - 1] + event.value);
      this.sums.gross.push(this.sums.gross[this.sums.gross.length - 1] + event.gross);
    }
  }
}

/** How many of the ascending `times` are at or before `time`. */
function countNotAfter(times: number[], time: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle] <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A merchant's override in force from `from` until `until` (null: still in force). */
export interface OverridePeriod {
  tierId: string | null;
  from: Date;
  until: Date | null;
}

/** The tier an order's spend points are multiplied by: the override in force at its placement, else the tier held then. */
export function tierAtPlacement(ladder: TierLadder, events: ProgressEvent[] | ProgressTimeline, placedAt: Date, overrides: OverridePeriod[]): TierStep | null {
  const override = overrides.find((period) => period.from <= placedAt && (period.until === null || placedAt < period.until));
  if (override) return ladder.tiers.find((tier) => tier.id === override.tierId) ?? null;
  return heldTierAt(ladder, events, placedAt, placedAt);
}

/**
 * What the multiplier adds to an order's spend points: floor(points kept × (multiplier − 100) ÷ 100),
 * where points kept are the order's spend entries net of its refunds and cancellation. A refund takes
 * back its share of the bonus because the bonus follows what the order keeps.
 */
export function tierBonusPoints(spendPointsKept: number, multiplierPercent: number): number {
  if (spendPointsKept <= 0 || multiplierPercent <= 100) return 0;
  return Math.floor((spendPointsKept * (multiplierPercent - 100)) / 100);
}

export type TierChangeWhy = "EARNED" | "DOWNGRADED" | "REFUND";

/**
 * Why a computed tier moved from `from` to `to`: up is earned; down is a refund when the customer would
 * still hold `from` without their refunds and cancellations (gross), else a downgrade (the window
 * rolled past, after the retention period).
 */
export function tierChangeWhy(ladder: TierLadder, from: TierStep | null, to: TierStep | null, grossHeld: TierStep | null): TierChangeWhy {
  if (rank(ladder, to) > rank(ladder, from)) return "EARNED";
  return rank(ladder, grossHeld) >= rank(ladder, from) ? "REFUND" : "DOWNGRADED";
}

/** The tiers whose entry reward reaching `to` from `from` gives: every tier passed on the way up, `to` included. */
export function tiersReached(ladder: TierLadder, from: TierStep | null, to: TierStep | null): TierStep[] {
  const ordered = sortedLadder(ladder.tiers);
  return ordered.slice(rank(ladder, from) + 1, rank(ladder, to) + 1);
}

/** The entry reward's ledger key: one per customer and tier, ever. */
export function tierEntryKey(customerId: string, tierId: string): string {
  return `tier-entry:${customerId}:${tierId}`;
}

export interface TierProgress {
  /** What counts now, in points or Amount units. */
  progress: number;
  next: TierStep | null;
  /** Still needed for the next tier, in the same units; 0 at the top. */
  remaining: number;
}

/** Progress toward the next tier above the one held now. */
export function progressToNextTier(ladder: TierLadder, events: ProgressEvent[], held: TierStep | null, now: Date): TierProgress {
  const progress = progressAt(ladder, events, now, new Date(now.getTime() + 1));
  const next = sortedLadder(ladder.tiers)[rank(ladder, held) + 1] ?? null;
  return { progress, next, remaining: next ? Math.max(0, thresholdUnits(ladder, next.threshold) - progress) : 0 };
}

/** An order as the amount-spent basis reads it. */
export interface OrderForTiers {
  shopifyId: string;
  placedAt: Date;
  /** A kept, paid purchase (completed and kept, orders/vocabulary.ts). */
  counts: boolean;
  /** Counted before refunds and cancellations: paid at some point and not a test. */
  countedGross: boolean;
  subtotal: Amount;
  refunded: Amount;
}

/** Amount spent: each kept, paid purchase's subtotal less what its refunds gave back, at its placement. */
export function spendEvents(orders: OrderForTiers[]): ProgressEvent[] {
  return orders
    .filter((order) => order.countedGross)
    .map((order) => ({ at: order.placedAt, value: order.counts ? Math.max(0, order.subtotal - order.refunded) : 0, gross: order.subtotal }));
}

/** Ledger reasons that count as points earned (not redemptions, expiry, or the tiers' own points). */
export const EARNING_REASONS = ["WELCOME", "SECOND_PURCHASE", "SECOND_PURCHASE_REVERSAL", "SPEND", "REFUND", "CANCELLATION", "REFERRAL", "ADJUSTMENT", "BIRTHDAY"] as const;
const TAKE_BACK_REASONS = new Set(["REFUND", "CANCELLATION", "SECOND_PURCHASE_REVERSAL"]);

/**
 * Points earned, each at the moment it counts: an order's entries at the order's placement (so a late
 * webhook counts where the order belongs), any other entry when it was written.
 */
export function pointsEvents(entries: { points: number; reason: string; createdAt: Date; sourceId: string | null; source: string }[], placedAtOf: Map<string, Date>): ProgressEvent[] {
  return entries
    .filter((entry) => (EARNING_REASONS as readonly string[]).includes(entry.reason))
    .map((entry) => ({
      at: (entry.source === "ORDER" && entry.sourceId ? placedAtOf.get(entry.sourceId) : undefined) ?? entry.createdAt,
      value: entry.points,
      gross: TAKE_BACK_REASONS.has(entry.reason) ? 0 : entry.points,
    }));
}

/** The refusal sentence for a tier-only reward, or null when the held tier is high enough. */
export function tierRefusalText(required: { name: string; threshold: number }, held: { name: string; threshold: number } | null): string | null {
  if (held && held.threshold >= required.threshold) return null;
  return `This reward is for ${required.name} members and above; ${held ? `you are ${held.name}` : "you have no tier yet"}.`;
}

/** The longest reason a merchant may give for an override. */
export const MAX_OVERRIDE_REASON = 500;

/** What the dashboard's and the report's tier table mean (tierReport in tiers.server.ts computes it). */
export const TIER_REPORT_DEFINITION =
  "Members per tier: customers holding the tier now (No tier: the others). Average order value and repeat rate over their counted orders of all time: sales ÷ counted orders, and the share of members with 2 or more counted orders.";
