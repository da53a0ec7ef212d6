/**
 * The earning rules, as pure functions of an order's or customer's stored state, the entries the
 * ledger already holds, the program's settings and the clock. Each returns the ledger entries still
 * missing; an entry's key names the event, so applying the answer twice adds nothing and replaying
 * events in any order converges on the same ledger.
 */
import type { Amount } from "../orders/money";
import { ONE_UNIT } from "../orders/money";
import { byPlacement } from "../orders/placement";
import { isCompletedPurchase, isMember, wasPaid } from "../orders/vocabulary";

export type PointsReason =
  | "WELCOME"
  | "SECOND_PURCHASE"
  | "SECOND_PURCHASE_REVERSAL"
  | "SPEND"
  | "REFUND"
  | "CANCELLATION"
  | "REFERRAL"
  | "REDEMPTION"
  | "ADJUSTMENT"
  | "EXPIRY"
  | "BIRTHDAY"
  | "TIER_BONUS"
  | "TIER_ENTRY"
  | "IMPORTED"
  | "SURVEY";
export type PointsSource = "CUSTOMER" | "ORDER" | "REFERRAL" | "REDEMPTION" | "ADJUSTMENT" | "EXPIRY" | "TIER" | "IMPORT";

export interface PlannedEntry {
  key: string;
  points: number;
  reason: PointsReason;
  source: PointsSource;
  sourceId: string | null;
  availableAt: Date;
  note?: string | null;
}

export interface ExistingEntry {
  key: string;
  points: number;
  reason: PointsReason;
  availableAt: Date;
  /** The order (or referral…) the entry belongs to. */
  sourceId?: string | null;
}

export interface EarningSettings {
  welcomePoints: number;
  secondPurchaseBonus: number;
  pointsPerCurrencyUnit: number;
  includeShippingInEarn: boolean;
  includeTaxInEarn: boolean;
  historyEarnsPoints: boolean;
  pendingDays: number;
}

export interface RefundForPoints {
  shopifyId: string;
  subtotal: Amount;
  shipping: Amount;
  tax: Amount;
  refundedAt: Date;
}

export interface OrderForPoints {
  shopifyId: string;
  financialStatus: string;
  subtotal: Amount;
  shipping: Amount;
  tax: Amount;
  cancelledAt: Date | null;
  placedAt: Date;
  refunds: RefundForPoints[];
  /** The eligible amount the order's spend points were last earned on (null: not recorded). */
  earnedOn?: Amount | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

// Spend points are earned once the order is paid (wasPaid): a pending or authorized order earns nothing
// until its orders/paid (or an update saying paid). A completed purchase (the second-purchase bonus,
// referrals) is paid and not cancelled. Both words are defined in orders/vocabulary.ts.

/** Shopify stamps to the second; the program starts at the second the shop installed the app. */
export function programStart(installedAt: Date): Date {
  return new Date(Math.floor(installedAt.getTime() / 1000) * 1000);
}

/** History (placed before the app was installed) counts, but earns only if the merchant says so. */
export function earnsPoints(placedAt: Date, installedAt: Date, settings: Pick<EarningSettings, "historyEarnsPoints">): boolean {
  return settings.historyEarnsPoints || placedAt >= programStart(installedAt);
}

/** The amount points are earned on: after discounts; shipping and tax only if the merchant includes them. */
export function eligibleAmount(parts: { subtotal: Amount; shipping: Amount; tax: Amount }, settings: Pick<EarningSettings, "includeShippingInEarn" | "includeTaxInEarn">): Amount {
  return parts.subtotal + (settings.includeShippingInEarn ? parts.shipping : 0) + (settings.includeTaxInEarn ? parts.tax : 0);
}

/** The most points one ledger entry holds (its column is a 32-bit integer). */
export const MAX_ENTRY_POINTS = 2 ** 31 - 1;

/** N points per whole unit of currency, rounded down; an order worth more earns MAX_ENTRY_POINTS. */
export function pointsForSpend(amount: Amount, pointsPerCurrencyUnit: number): number {
  if (amount <= 0) return 0;
  return Math.min(MAX_ENTRY_POINTS, Math.floor((amount * pointsPerCurrencyUnit) / ONE_UNIT));
}

function pendingUntil(from: Date, settings: Pick<EarningSettings, "pendingDays">): Date {
  return new Date(from.getTime() + settings.pendingDays * DAY_MS);
}

export const orderKeys = {
  spend: (orderId: string) => `order:${orderId}:spend`,
  /** Points for what an edit added, named by the eligible amount the order reached. */
  editSpend: (orderId: string, eligible: Amount) => `order:${orderId}:spend:${eligible}`,
  /** What makes the order's points match its amounts, named by the state it settles (points earned, eligible and refunded amounts). */
  settlement: (orderId: string, state: { earned: number; eligible: Amount; refunded: Amount; cancelled: boolean }) =>
    `order:${orderId}:settle:${state.earned}:${state.eligible}:${state.refunded}${state.cancelled ? ":cancelled" : ""}`,
  refund: (orderId: string, refundId: string) => `order:${orderId}:refund:${refundId}`,
  cancellation: (orderId: string) => `order:${orderId}:cancel`,
  /** A cancelled order's take-back split again between its refunds and its cancellation, named by the state it settles. */
  cancellationSplit: (orderId: string, state: { earned: number; eligible: Amount; refunded: Amount }, part: "refund" | "cancel") =>
    `order:${orderId}:cancel-split:${state.earned}:${state.eligible}:${state.refunded}:${part}`,
  secondPurchase: (orderId: string) => `order:${orderId}:second-purchase`,
  secondPurchaseReversal: (orderId: string) => `order:${orderId}:second-purchase:reversal`,
};

/**
 * Points for spend on one order, and what its refunds and cancellation take back.
 *
 * - Earned once, when the order is first seen paid (cancelled or not: a paid order that was cancelled
 *   earned and gave back, whichever of its versions arrives first), on its eligible amount.
 * - Each refund takes back the share of the points awarded that the refunded eligible money is of
 *   the order's; all refunds together never take back more than was awarded. The points kept are
 *   rounded down: kept = floor(awarded × (eligible − refunded) ÷ eligible), taken = awarded − kept
 *   (a 53.99 order earning 53 keeps floor(53 × 34.00 ÷ 53.99) = 33 after a 19.99 refund).
 * - A cancellation takes back whatever the refunds did not.
 * - An edit that adds to a paid order earns on what it added: points for the eligible amount reached
 *   minus points for the amount earned on before (so successive edits add up to the points the final
 *   amount earns). Units an edit removes take points back through the money Shopify returns for
 *   them (a refund), never twice.
 * - Whatever order refunds, edits and cancellation arrive in, the order ends with the points its
 *   final amounts keep: floor(earned × (eligible − refunded) ÷ eligible), nothing once cancelled; one
 *   entry makes up a difference the steps left (a rounding of refunds seen before an edit).
 * - Taking back during the pending period cancels pending points: the entry becomes effective when
 *   the points it cancels would have become spendable.
 */
export function orderSpendEntries(args: {
  order: OrderForPoints;
  existing: ExistingEntry[];
  settings: EarningSettings;
  installedAt: Date;
  now: Date;
}): PlannedEntry[] {
  const { order, existing, settings, installedAt, now } = args;
  const byKey = new Map(existing.map((entry) => [entry.key, entry]));
  const planned: PlannedEntry[] = [];
  const entry = (key: string, points: number, reason: PointsReason, availableAt: Date) =>
    planned.push({ key, points, reason, source: "ORDER", sourceId: order.shopifyId, availableAt });

  const eligible = eligibleAmount(order, settings);
  const spendKey = orderKeys.spend(order.shopifyId);
  let spend = byKey.get(spendKey);
  if (!spend && wasPaid(order.financialStatus) && earnsPoints(order.placedAt, installedAt, settings)) {
    const points = pointsForSpend(eligible, settings.pointsPerCurrencyUnit);
    if (points > 0) {
      // History earning points is spendable at once: its pending period has long passed.
      const availableAt = order.placedAt < programStart(installedAt) ? now : pendingUntil(now, settings);
      entry(spendKey, points, "SPEND", availableAt);
      spend = { key: spendKey, points, reason: "SPEND", availableAt };
    }
  }
  if (!spend || spend.points <= 0) return planned;

  const earnedOn = order.earnedOn ?? eligible;
  if (eligible > earnedOn && isCompletedPurchase(order)) {
    const added = pointsForSpend(eligible, settings.pointsPerCurrencyUnit) - pointsForSpend(earnedOn, settings.pointsPerCurrencyUnit);
    const key = orderKeys.editSpend(order.shopifyId, eligible);
    if (added > 0 && !byKey.has(key)) entry(key, added, "SPEND", pendingUntil(now, settings));
  }
  const isSpend = (e: { key: string; reason: PointsReason }) => e.reason === "SPEND" && !e.key.startsWith(`order:${order.shopifyId}:settle:`);
  const awarded = [...existing, ...planned].filter(isSpend).reduce((sum, e) => sum + e.points, 0);
  const ofThisOrder = (e: { key: string; reason: PointsReason }) =>
    e.key.startsWith(`order:${order.shopifyId}:`) && (e.reason === "SPEND" || e.reason === "REFUND" || e.reason === "CANCELLATION");
  const held = () => [...existing, ...planned].filter(ofThisOrder).reduce((sum, e) => sum + e.points, 0);
  const takeBackAt = (at: Date) => (at > spend.availableAt ? at : spend.availableAt);
  let taken = -existing.filter((e) => e.reason === "REFUND" || e.reason === "CANCELLATION").reduce((sum, e) => sum + e.points, 0);

  const refunds = [...order.refunds].sort((a, b) => a.refundedAt.getTime() - b.refundedAt.getTime() || a.shopifyId.localeCompare(b.shopifyId));
  const refundedEligible = (refund: RefundForPoints) => eligibleAmount(refund, settings);
  // Refunds already in the ledger are counted first, so a late refund takes its own share, not theirs.
  let refunded = refunds.filter((r) => byKey.has(orderKeys.refund(order.shopifyId, r.shopifyId))).reduce((sum, r) => sum + refundedEligible(r), 0);
  for (const refund of refunds) {
    const key = orderKeys.refund(order.shopifyId, refund.shopifyId);
    if (byKey.has(key)) continue;
    refunded += refundedEligible(refund);
    const kept = eligible > 0 ? Math.floor((awarded * Math.max(0, eligible - refunded)) / eligible) : 0;
    const delta = Math.min(awarded - kept, awarded) - taken;
    if (delta > 0) {
      entry(key, -delta, "REFUND", takeBackAt(refund.refundedAt));
      taken += delta;
    }
  }

  const cancelKey = orderKeys.cancellation(order.shopifyId);
  if (order.cancelledAt && !byKey.has(cancelKey) && held() > 0) {
    entry(cancelKey, -held(), "CANCELLATION", takeBackAt(order.cancelledAt));
  }

  const refundedTotal = refunds.reduce((sum, refund) => sum + refundedEligible(refund), 0);
  const keeps = order.cancelledAt || eligible <= 0 ? 0 : Math.floor((awarded * Math.max(0, eligible - refundedTotal)) / eligible);
  const holds = held();
  const settlementKey = orderKeys.settlement(order.shopifyId, { earned: awarded, eligible, refunded: refundedTotal, cancelled: order.cancelledAt !== null });
  if (keeps !== holds && !byKey.has(settlementKey)) {
    entry(settlementKey, keeps - holds, keeps > holds ? "SPEND" : "REFUND", keeps > holds ? pendingUntil(now, settings) : takeBackAt(now));
  }

  // A cancelled order's refunds take their share and the cancellation the rest, whichever arrived
  // first: a refund made after a cancellation (or delivered before it) moves points between the two.
  if (order.cancelledAt && refundedTotal > 0) {
    const refundedShare = awarded - (eligible > 0 ? Math.floor((awarded * Math.max(0, eligible - refundedTotal)) / eligible) : 0);
    const refundNet = [...existing, ...planned].filter((e) => ofThisOrder(e) && e.reason === "REFUND").reduce((sum, e) => sum + e.points, 0);
    const move = -refundedShare - refundNet;
    const state = { earned: awarded, eligible, refunded: refundedTotal };
    const refundKey = orderKeys.cancellationSplit(order.shopifyId, state, "refund");
    const cancelSplitKey = orderKeys.cancellationSplit(order.shopifyId, state, "cancel");
    if (move !== 0 && !byKey.has(refundKey) && !byKey.has(cancelSplitKey)) {
      const at = takeBackAt(order.cancelledAt);
      entry(refundKey, move, "REFUND", at);
      entry(cancelSplitKey, -move, "CANCELLATION", at);
    }
  }
  return planned;
}

/** The key for `base`, or `base:2`, `base:3`… when the ledger already holds it (a bonus moved back and forth). */
function unusedKey(base: string, keys: ReadonlySet<string>): string {
  if (!keys.has(base)) return base;
  for (let generation = 2; ; generation++) if (!keys.has(`${base}:${generation}`)) return `${base}:${generation}`;
}

/** The customer's counted second purchase: their second completed purchase (history included), or none. */
export function countedSecondPurchase<T extends Pick<OrderForPoints, "shopifyId" | "financialStatus" | "cancelledAt" | "placedAt">>(orders: T[]): T | null {
  return orders.filter(isCompletedPurchase).sort(byPlacement)[1] ?? null;
}

/**
 * The second-purchase bonus for one customer, as a function of all their orders' current state
 * (history included), whatever order their webhooks arrived in.
 *
 * - The bonus belongs to the customer's second completed purchase, if that order earns points at all.
 * - When that changes (an order cancelled, an earlier one paid late), the bonus moves: the order
 *   holding it gets a reversal, the new second purchase a bonus; with no second purchase, nobody
 *   holds it. The customer never holds more than one.
 * - A bonus already held keeps its amount (a later change of the setting does not top it up).
 */
export function secondPurchaseEntries(args: {
  orders: (Pick<OrderForPoints, "shopifyId" | "financialStatus" | "cancelledAt" | "placedAt">)[];
  existing: ExistingEntry[];
  settings: EarningSettings;
  installedAt: Date;
  now: Date;
}): PlannedEntry[] {
  const { orders, existing, settings, installedAt, now } = args;
  const keys = new Set(existing.map((entry) => entry.key));
  const held = new Map<string, { points: number; availableAt: Date }>();
  for (const entry of existing) {
    if (entry.reason !== "SECOND_PURCHASE" && entry.reason !== "SECOND_PURCHASE_REVERSAL") continue;
    const orderId = entry.sourceId ?? /^order:(.+):second-purchase/.exec(entry.key)?.[1];
    if (!orderId) continue;
    const sum = held.get(orderId) ?? { points: 0, availableAt: entry.availableAt };
    sum.points += entry.points;
    if (entry.points > 0 && entry.availableAt > sum.availableAt) sum.availableAt = entry.availableAt;
    held.set(orderId, sum);
  }

  const second = countedSecondPurchase(orders);
  const earner = second && earnsPoints(second.placedAt, installedAt, settings) ? second : null;
  const planned: PlannedEntry[] = [];
  for (const [orderId, { points, availableAt }] of held) {
    if (orderId === earner?.shopifyId || points === 0) continue;
    // Taking back inside the pending period cancels pending points (as refunds do).
    const cancelledAt = orders.find((order) => order.shopifyId === orderId)?.cancelledAt ?? now;
    const base = points > 0 ? orderKeys.secondPurchaseReversal(orderId) : orderKeys.secondPurchase(orderId);
    planned.push({
      key: unusedKey(base, keys),
      points: -points,
      reason: points > 0 ? "SECOND_PURCHASE_REVERSAL" : "SECOND_PURCHASE",
      source: "ORDER",
      sourceId: orderId,
      availableAt: cancelledAt > availableAt ? cancelledAt : availableAt,
    });
  }
  const holding = earner ? (held.get(earner.shopifyId)?.points ?? 0) : 0;
  if (!earner || holding > 0 || settings.secondPurchaseBonus <= 0) return planned;
  planned.push({
    key: unusedKey(orderKeys.secondPurchase(earner.shopifyId), keys),
    points: settings.secondPurchaseBonus - holding,
    reason: "SECOND_PURCHASE",
    source: "ORDER",
    sourceId: earner.shopifyId,
    availableAt: earner.placedAt < programStart(installedAt) ? now : pendingUntil(now, settings),
  });
  return planned;
}

/**
 * Welcome points, once, for a shopper who made a storefront account after the program started.
 * Accounts made before the install earn none, whatever the history setting says: that setting is
 * about past orders, and welcoming every old account would hand points out at random (whenever a
 * customer happened to be updated).
 */
export function welcomeEntries(args: {
  customer: { shopifyId: string; hasAccount: boolean; shopifyCreatedAt: Date | null };
  settings: EarningSettings;
  installedAt: Date;
  now: Date;
}): PlannedEntry[] {
  const { customer, settings, installedAt, now } = args;
  if (!isMember(customer) || settings.welcomePoints <= 0 || !customer.shopifyCreatedAt) return [];
  if (customer.shopifyCreatedAt < programStart(installedAt)) return [];
  return [{
    key: `customer:${customer.shopifyId}:welcome`,
    points: settings.welcomePoints,
    reason: "WELCOME",
    source: "CUSTOMER",
    sourceId: customer.shopifyId,
    availableAt: now,
  }];
}

/** When a balance quiet since `lastActivityAt` expires: `expiryMonths` calendar months later (UTC). */
export function pointsExpireAt(lastActivityAt: Date, expiryMonths: number): Date {
  const expiresAt = new Date(lastActivityAt);
  expiresAt.setUTCMonth(expiresAt.getUTCMonth() + expiryMonths);
  return expiresAt;
}

/** A customer's quiet balance as the expiry rule sees it (app/loyalty/ledger.server.ts `quietBalances`). */
export interface ExpiringBalance {
  lastActivityAt: Date;
  /** Spendable now. */
  spendable: number;
}

/** The coming expiry of a balance, or null when nothing will expire (no expiry, nothing spendable). */
export function comingPointsExpiry(balance: ExpiringBalance, expiryMonths: number | null): { points: number; expiresAt: Date } | null {
  if (!expiryMonths || balance.spendable <= 0) return null;
  return { points: balance.spendable, expiresAt: pointsExpireAt(balance.lastActivityAt, expiryMonths) };
}

/** The key of the quiet spell that started at `lastActivityAt`: the expiry entry and its reminder both name it. */
export function quietSpellKey(customerId: string, lastActivityAt: Date): string {
  return `${customerId}:${lastActivityAt.toISOString()}`;
}

/**
 * Expiry after N months without activity: the spendable balance goes, once per quiet spell (the key
 * names the last activity, so new activity starts a new spell).
 */
export function expiryEntries(args: {
  customerId: string;
  lastActivityAt: Date;
  spendableBalance: number;
  expiryMonths: number | null;
  now: Date;
}): PlannedEntry[] {
  const { customerId, lastActivityAt, spendableBalance, expiryMonths, now } = args;
  if (!expiryMonths || spendableBalance <= 0) return [];
  if (pointsExpireAt(lastActivityAt, expiryMonths) > now) return [];
  return [{
    key: `expiry:${quietSpellKey(customerId, lastActivityAt)}`,
    points: -spendableBalance,
    reason: "EXPIRY",
    source: "EXPIRY",
    sourceId: null,
    availableAt: now,
    note: `No activity for ${expiryMonths} months`,
  }];
}
