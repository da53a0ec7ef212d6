/**
 * The follow-up rules, pure: what an order schedules and cancels, when each follow-up is due (the
 * shop's time zone and quiet hours), who may receive it, and how failed sends back off. The clock and
 * the settings are passed in; app/follow-ups/*.server.ts bring the database and the mail.
 */

import { comingPointsExpiry, type ExpiringBalance } from "../loyalty/points-rules";
import { byPlacement } from "../orders/placement";
import { holdsPayment, isKeptPurchase } from "../orders/vocabulary";

export type FollowUpKind = "THANK_YOU" | "NEXT_PURCHASE" | "REPLENISHMENT" | "WIN_BACK" | "POINTS_EXPIRY" | "SURVEY";
/** What the follow-up workers send: the automatic kinds, and a recipient of a merchant's campaign (app/campaigns/). */
export type SendKind = FollowUpKind | "CAMPAIGN";
export type FollowUpStatus = "SCHEDULED" | "SENDING" | "SENT" | "CANCELLED" | "FAILED";

/** The merchant's lists: a follow-up being sent right now is still "scheduled" to them (though no longer cancellable). */
export const FOLLOW_UP_TABS = ["scheduled", "sent", "failed", "cancelled"] as const;
export type FollowUpTab = (typeof FOLLOW_UP_TABS)[number];
export const STATUSES_BY_TAB: Record<FollowUpTab, FollowUpStatus[]> = {
  scheduled: ["SCHEDULED", "SENDING"],
  sent: ["SENT"],
  failed: ["FAILED"],
  cancelled: ["CANCELLED"],
};

/**
 * Discounts, replenishment, win-back, the points expiry reminder and campaigns are marketing: they
 * need the customer's email marketing consent (a reminder to come and spend points is a nudge to buy).
 */
export const MARKETING_KINDS: ReadonlySet<SendKind> = new Set(["NEXT_PURCHASE", "REPLENISHMENT", "WIN_BACK", "POINTS_EXPIRY", "CAMPAIGN"]);

export interface QuietHours {
  /** Local hour the quiet period starts (0–23). */
  start: number;
  /** Local hour it ends; equal to start means no quiet hours. */
  end: number;
}

export interface FollowUpRules {
  timezone: string;
  quietHours: QuietHours;
  thankYouEnabled: boolean;
  thankYouDelayMinutes: number;
  nextPurchaseEnabled: boolean;
  nextPurchaseDelayDays: number;
  replenishmentEnabled: boolean;
  replenishmentLeadDays: number;
  winBackEnabled: boolean;
  winBackAfterDays: number;
  pointsExpiryEnabled: boolean;
  pointsExpiryLeadDays: number;
  surveyEnabled: boolean;
  surveyDelayDays: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

// ---- time zone and quiet hours ----

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock hour and minute at `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): { hour: number; minute: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", hour: "numeric", minute: "numeric" });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const hour = Number(parts.find((part) => part.type === "hour")?.value ?? 0);
  const minute = Number(parts.find((part) => part.type === "minute")?.value ?? 0);
  return { hour: hour % 24, minute };
}

export function isQuietTime(at: Date, timeZone: string, quiet: QuietHours): boolean {
  if (quiet.start === quiet.end) return false;
  const { hour } = localTime(at, timeZone);
  return quiet.start < quiet.end ? hour >= quiet.start && hour < quiet.end : hour >= quiet.start || hour < quiet.end;
}

/** `at`, or when it falls in the shop's quiet hours, the moment they end (local time, DST-safe). */
export function nextSendableTime(at: Date, timeZone: string, quiet: QuietHours): Date {
  if (!isQuietTime(at, timeZone, quiet)) return at;
  const { hour, minute } = localTime(at, timeZone);
  const minutesToEnd = (quiet.end * 60 - (hour * 60 + minute) + 1440) % 1440;
  const startOfMinute = at.getTime() - (at.getTime() % MINUTE);
  let candidate = new Date(startOfMinute + minutesToEnd * MINUTE);
  // A daylight-saving change inside the quiet period moves its end by up to an hour: land on it.
  const landed = localTime(candidate, timeZone);
  const drift = landed.hour * 60 + landed.minute - quiet.end * 60;
  if (drift !== 0 && Math.abs(drift) <= 120) candidate = new Date(candidate.getTime() - drift * MINUTE);
  for (let step = 0; step < 8 && isQuietTime(candidate, timeZone, quiet); step++) candidate = new Date(candidate.getTime() + 15 * MINUTE);
  return candidate;
}

// ---- what an order schedules and cancels ----

export interface OrderFacts {
  shopifyId: string;
  customerShopifyId: string;
  placedAt: Date;
  financialStatus: string;
  cancelledAt: Date | null;
  test: boolean;
  imported: boolean;
  lines: { productShopifyId: string | null; variantShopifyId: string | null; title: string }[];
}

export interface CustomerOrderFacts {
  shopifyId: string;
  placedAt: Date;
  financialStatus: string;
  cancelledAt: Date | null;
  test: boolean;
  imported?: boolean;
  productShopifyIds: string[];
  /** The order's lines, to schedule a replenishment reminder for it when it becomes the latest purchase of a product. */
  lines?: OrderFacts["lines"];
}

export interface ExistingFollowUp {
  key: string;
  kind: FollowUpKind;
  status: FollowUpStatus;
  orderShopifyId: string | null;
  orderPlacedAt: Date | null;
  productShopifyId: string | null;
  cancelReason?: string | null;
}

export interface PlannedFollowUp {
  kind: FollowUpKind;
  key: string;
  dueAt: Date;
  orderShopifyId: string;
  orderPlacedAt: Date;
  productShopifyId: string | null;
  variantShopifyId: string | null;
  productTitle: string | null;
}

/** A product's use-up interval; a null lead uses the shop's replenishmentLeadDays. */
export interface UseUpInterval {
  intervalDays: number;
  leadDays: number | null;
}

export interface FollowUpPlan {
  create: PlannedFollowUp[];
  cancel: { key: string; reason: string }[];
  /** Keys of follow-ups this planner cancelled because of another order, scheduled again now that order no longer counts. */
  revive: string[];
}

/** Why the planner cancels a first-order follow-up because of the customer's other orders: undone when those change back. */
export const CUSTOMER_ORDERS_CHANGED = {
  orderedAgain: "customer ordered again",
  notFirst: "no longer the customer's first order",
  reorderedProduct: "customer reordered the product",
} as const;
const REVIVABLE: ReadonlySet<string> = new Set(Object.values(CUSTOMER_ORDERS_CHANGED));

// The follow-ups go with kept purchases (isKeptPurchase: not a test, not cancelled, not fully refunded
// or voided) and wait for them to hold a payment (holdsPayment); both words are in orders/vocabulary.ts.

/**
 * The thank-you and the next-purchase discount, as a function of all the customer's orders, whatever
 * order their webhooks arrived in:
 * - they belong to the customer's first kept purchase, once it holds a payment (and placed after the install,
 *   not imported); the thank-you is timed from when it was seen paid (`now`), once per customer (one
 *   already sent is not repeated for another order);
 * - the next-purchase discount only while no later kept purchase holds a payment: the customer came back;
 * - one scheduled for another order is cancelled; one this rule cancelled comes back when the orders
 *   that cancelled it change back (an earlier order cancelled, a later one cancelled).
 */
export function planFirstOrderFollowUps(input: {
  customerOrders: CustomerOrderFacts[];
  existing: ExistingFollowUp[];
  rules: FollowUpRules;
  installedAt: Date;
  now: Date;
}): FollowUpPlan {
  const { customerOrders, existing, rules, installedAt, now } = input;
  const plan: FollowUpPlan = { create: [], cancel: [], revive: [] };
  const kept = customerOrders.filter(isKeptPurchase).sort(byPlacement);
  const first = kept[0];
  // Shopify stamps orders to the second: an order in the install's own second is not history.
  const eligible =
    first && holdsPayment(first.financialStatus) && !first.imported && first.placedAt.getTime() >= Math.floor(installedAt.getTime() / 1000) * 1000 ? first : null;
  const cameBack = kept.some((order) => order !== first && holdsPayment(order.financialStatus));
  const wanted: Record<"THANK_YOU" | "NEXT_PURCHASE", CustomerOrderFacts | null> = {
    THANK_YOU: eligible && rules.thankYouEnabled ? eligible : null,
    NEXT_PURCHASE: eligible && rules.nextPurchaseEnabled && !cameBack ? eligible : null,
  };
  const byId = new Map(customerOrders.map((order) => [order.shopifyId, order]));
  const due = (at: Date) => nextSendableTime(at, rules.timezone, rules.quietHours);

  for (const kind of ["THANK_YOU", "NEXT_PURCHASE"] as const) {
    const target = wanted[kind];
    for (const followUp of existing) {
      if (followUp.kind !== kind || followUp.status !== "SCHEDULED" || followUp.orderShopifyId === target?.shopifyId) continue;
      const order = followUp.orderShopifyId ? byId.get(followUp.orderShopifyId) : undefined;
      const reason = order && !isKeptPurchase(order)
        ? (order.cancelledAt ? "order cancelled" : order.test ? "test order" : "order refunded")
        : kind === "NEXT_PURCHASE" && cameBack && order === first
          ? CUSTOMER_ORDERS_CHANGED.orderedAgain
          : CUSTOMER_ORDERS_CHANGED.notFirst;
      plan.cancel.push({ key: followUp.key, reason });
    }
    if (!target) continue;
    const key = `${kind === "THANK_YOU" ? "thank-you" : "next-purchase"}:${target.shopifyId}`;
    const own = existing.find((followUp) => followUp.key === key);
    if (own) {
      if (own.status === "CANCELLED" && own.cancelReason && REVIVABLE.has(own.cancelReason)) plan.revive.push(key);
      continue;
    }
    // Sent (or being sent) for an order that has since stopped being the first: not sent twice.
    if (existing.some((followUp) => followUp.kind === kind && followUp.status !== "CANCELLED" && followUp.status !== "SCHEDULED")) continue;
    const seenPaidAt = target.placedAt > now ? target.placedAt : now;
    const dueAt = kind === "THANK_YOU"
      ? due(new Date(seenPaidAt.getTime() + rules.thankYouDelayMinutes * MINUTE))
      : due(new Date(seenPaidAt.getTime() + rules.nextPurchaseDelayDays * DAY));
    plan.create.push({ kind, key, dueAt, orderShopifyId: target.shopifyId, orderPlacedAt: target.placedAt, productShopifyId: null, variantShopifyId: null, productTitle: null });
  }
  return plan;
}

/** What the follow-up rules read when one of a customer's orders changes: the order, all their orders, the follow-ups they have. */
export interface OrderFollowUpInput {
  order: OrderFacts;
  customerOrders: CustomerOrderFacts[];
  existing: ExistingFollowUp[];
  rules: FollowUpRules;
  intervals: ReadonlyMap<string, UseUpInterval>;
  installedAt: Date;
  now: Date;
}

/**
 * What one order schedules and cancels, derived again from the stored state each time the order
 * changes; keys make a repeated derivation add nothing.
 * - a cancelled or fully refunded order cancels what it scheduled;
 * - the thank-you and next-purchase discount follow the customer's first kept purchase
 *   (planFirstOrderFollowUps), so an order's change may schedule or cancel them for another order;
 * - replenishment reminders follow the customer's latest purchase of each of the order's products
 *   (planReplenishmentFollowUps), so an order's change may move one to another order;
 * - a purchase cancels a pending win-back: the customer came back.
 * Orders placed before the app was installed (history) schedule nothing.
 */
export function planOrderFollowUps(input: OrderFollowUpInput): FollowUpPlan {
  const { order, customerOrders, existing, rules, intervals, installedAt, now } = input;
  const firstOrder = planFirstOrderFollowUps({ customerOrders, existing, rules, installedAt, now });
  const cancels = new Map<string, string>();
  const plan: FollowUpPlan = { create: [...firstOrder.create], cancel: [], revive: firstOrder.revive };
  const scheduled = existing.filter((followUp) => followUp.status === "SCHEDULED");
  // Cancellations in the order the follow-ups were made; a reason about the order itself first.
  const finish = () => {
    for (const { key, reason } of firstOrder.cancel) if (!cancels.has(key)) cancels.set(key, reason);
    plan.cancel = existing.flatMap((followUp) => (cancels.has(followUp.key) ? [{ key: followUp.key, reason: cancels.get(followUp.key)! }] : []));
    return plan;
  };

  const replenishment = planReplenishmentFollowUps({ order, customerOrders, existing, rules, intervals, installedAt, now });
  plan.create.push(...replenishment.create);
  plan.revive.push(...replenishment.revive);

  if (!isKeptPurchase(order)) {
    const reason = order.cancelledAt ? "order cancelled" : order.test ? "test order" : "order refunded";
    for (const followUp of scheduled) if (followUp.orderShopifyId === order.shopifyId) cancels.set(followUp.key, reason);
  } else if (holdsPayment(order.financialStatus)) {
    for (const followUp of scheduled) {
      if (followUp.kind !== "WIN_BACK" || followUp.orderShopifyId === null || followUp.orderShopifyId === order.shopifyId || !followUp.orderPlacedAt) continue;
      if (byPlacement({ placedAt: followUp.orderPlacedAt, shopifyId: followUp.orderShopifyId }, order) <= 0) cancels.set(followUp.key, CUSTOMER_ORDERS_CHANGED.orderedAgain);
    }
  }
  for (const { key, reason } of replenishment.cancel) if (!cancels.has(key)) cancels.set(key, reason);
  return finish();
}

/**
 * Replenishment reminders for the products of one order, as a function of all the customer's orders,
 * whatever order their webhooks arrived in:
 * - for each product with a use-up interval, the reminder belongs to the customer's latest purchase
 *   of it (a kept purchase holding a payment), due `interval − lead` days after that order was placed, if that
 *   order was placed after the install (not history) and the moment has not long passed;
 * - when the latest purchase changes (a reorder, the reorder cancelled or refunded), the reminder
 *   moves: a scheduled one for an earlier purchase is cancelled ("customer reordered the product"),
 *   and one this rule cancelled comes back when its order is the latest again. One already sent is
 *   never sent again, and one cancelled for any other reason (the merchant, an unsubscribe, no
 *   consent) stays cancelled.
 */
export function planReplenishmentFollowUps(input: OrderFollowUpInput): FollowUpPlan {
  const { order, customerOrders, existing, rules, intervals, installedAt, now } = input;
  const plan: FollowUpPlan = { create: [], cancel: [], revive: [] };
  const purchases = customerOrders.filter((other) => isKeptPurchase(other) && holdsPayment(other.financialStatus)).sort(byPlacement);
  const byId = new Map(customerOrders.map((other) => [other.shopifyId, other]));
  const installSecond = Math.floor(installedAt.getTime() / 1000) * 1000;
  const due = (at: Date) => nextSendableTime(at, rules.timezone, rules.quietHours);
  const products = [...new Set(order.lines.flatMap((line) => (line.productShopifyId ? [line.productShopifyId] : [])))];

  for (const product of products) {
    const latest = purchases.filter((purchase) => purchase.productShopifyIds.includes(product)).at(-1) ?? null;
    const key = latest ? `replenishment:${latest.shopifyId}:${product}` : null;
    for (const followUp of existing) {
      if (followUp.kind !== "REPLENISHMENT" || followUp.status !== "SCHEDULED" || followUp.productShopifyId !== product || followUp.key === key) continue;
      const held = followUp.orderShopifyId ? byId.get(followUp.orderShopifyId) : undefined;
      // A reminder of an order no longer a kept purchase is cancelled by that order's own change, with its reason.
      if (held && !isKeptPurchase(held)) continue;
      plan.cancel.push({ key: followUp.key, reason: CUSTOMER_ORDERS_CHANGED.reorderedProduct });
    }
    if (!latest || !key || !rules.replenishmentEnabled) continue;
    const interval = intervals.get(product);
    if (!interval || latest.imported || latest.placedAt.getTime() < installSecond) continue;
    const own = existing.find((followUp) => followUp.key === key);
    if (own) {
      if (own.status === "CANCELLED" && own.cancelReason === CUSTOMER_ORDERS_CHANGED.reorderedProduct) plan.revive.push(key);
      continue;
    }
    const lead = interval.leadDays ?? rules.replenishmentLeadDays;
    const dueAt = due(new Date(latest.placedAt.getTime() + Math.max(0, interval.intervalDays - lead) * DAY));
    // A reminder whose moment passed long ago (a late or replayed order) would only confuse.
    if (dueAt.getTime() < now.getTime() - DAY) continue;
    const line = (latest.shopifyId === order.shopifyId ? order.lines : latest.lines)?.find((candidate) => candidate.productShopifyId === product);
    plan.create.push({
      kind: "REPLENISHMENT",
      key,
      dueAt,
      orderShopifyId: latest.shopifyId,
      orderPlacedAt: latest.placedAt,
      productShopifyId: product,
      variantShopifyId: line?.variantShopifyId ?? null,
      productTitle: line?.title ?? null,
    });
  }
  return plan;
}

// ---- win-back ----

/** How far back a lapse may have happened and still get a win-back (catches up after downtime, not years of history). */
export const WIN_BACK_CATCH_UP_DAYS = 30;

/**
 * How a customer's lapse is timed: "FIXED", `afterDays` after their last purchase; "RHYTHM", overdue
 * against their own rhythm (docs/follow-ups: their expected gap between orders, from the next-order
 * prediction, times `graceFactor`).
 */
export const WIN_BACK_TIMINGS = ["FIXED", "RHYTHM"] as const;
export type WinBackTiming = (typeof WIN_BACK_TIMINGS)[number];

/** Rhythm timing never writes sooner than this many days after the last purchase. */
export const WIN_BACK_RHYTHM_MIN_DAYS = 14;

/** Who the win-back writes to: customers lapsed (see winBackLapseDays), counted from when it went on. */
export interface WinBackAudience {
  afterDays: number;
  /** When the merchant turned win-back on; null for a shop that had it on before this was kept. */
  startedAt: Date | null;
  /** Customers who had already lapsed up to this many days before it went on are included; 0: only new lapses. */
  pastDays: number;
  /** FIXED unless the merchant chose their own rhythm. */
  timing?: WinBackTiming;
  /** Rhythm timing: expected gaps without an order before the customer lapses. */
  graceFactor?: number;
}

/**
 * Days after their last purchase that a customer lapses. Fixed timing: `afterDays`. Rhythm timing:
 * their expected gap (2 or more counted orders) times the grace factor, else the shop's median gap
 * times it (one order), else `afterDays` (a shop too small for a median); never sooner than
 * WIN_BACK_RHYTHM_MIN_DAYS. The sweep's SQL (schedule.server.ts) is this rule over every customer.
 */
export function winBackLapseDays(audience: WinBackAudience, gaps: { customerExpectedGapDays: number | null; shopMedianGapDays: number | null }): number {
  if ((audience.timing ?? "FIXED") === "FIXED") return audience.afterDays;
  const gap = gaps.customerExpectedGapDays ?? gaps.shopMedianGapDays;
  if (gap === null) return audience.afterDays;
  return Math.max(WIN_BACK_RHYTHM_MIN_DAYS, gap * (audience.graceFactor ?? 1));
}

/**
 * The lapse moments (last purchase + winBackLapseDays) that may be written to now: [from, now). One
 * win-back per lapse, keyed by the last order. Lapses from `pastDays` before the win-back went on
 * count; later, the window catches up `WIN_BACK_CATCH_UP_DAYS` behind (plus `pastDays`), so the sweep
 * never reads the whole history.
 */
export function winBackLapseWindow(now: Date, audience: WinBackAudience): { from: Date; to: Date } {
  const catchUp = now.getTime() - (WIN_BACK_CATCH_UP_DAYS + audience.pastDays) * DAY;
  const started = audience.startedAt ? audience.startedAt.getTime() - audience.pastDays * DAY : -Infinity;
  return { from: new Date(Math.min(now.getTime(), Math.max(catchUp, started))), to: now };
}

/**
 * Fixed timing's window in last-purchase time: customers whose last kept purchase was placed in
 * [from, to) have lapsed and may be written to (winBackLapseWindow moved back by `afterDays`).
 */
export function winBackWindow(now: Date, audience: WinBackAudience): { from: Date; to: Date } {
  const lapses = winBackLapseWindow(now, audience);
  return { from: new Date(lapses.from.getTime() - audience.afterDays * DAY), to: new Date(now.getTime() - audience.afterDays * DAY) };
}

// ---- points expiry reminders ----

export interface PlannedPointsExpiryReminder {
  key: string;
  dueAt: Date;
  expiresAt: Date;
  points: number;
}

/**
 * The reminder for a balance that expires within `leadDays`: one per customer and expiry date (the
 * key names both), due now or when the shop's quiet hours end. Null before the lead window opens,
 * once the points have expired, or when nothing would expire.
 */
export function planPointsExpiryReminder(input: {
  customerId: string;
  balance: ExpiringBalance;
  expiryMonths: number | null;
  leadDays: number;
  timezone: string;
  quietHours: QuietHours;
  now: Date;
}): PlannedPointsExpiryReminder | null {
  const coming = comingPointsExpiry(input.balance, input.expiryMonths);
  if (!coming) return null;
  const { now } = input;
  if (coming.expiresAt <= now || coming.expiresAt.getTime() - input.leadDays * DAY > now.getTime()) return null;
  return {
    key: `points-expiry:${input.customerId}:${coming.expiresAt.toISOString()}`,
    dueAt: nextSendableTime(now, input.timezone, input.quietHours),
    expiresAt: coming.expiresAt,
    points: coming.points,
  };
}

/**
 * Why a reminder planned for points expiring at `plannedExpiresAt` must not go out now (cancelled
 * with the reason), or null: checked again at send time, since the customer may have spent or earned
 * points (new activity moves the expiry) or the merchant may have changed the program.
 */
export function whyNotRemindOfExpiry(input: { plannedExpiresAt: Date | null; balance: ExpiringBalance | null; expiryMonths: number | null; now: Date }): string | null {
  if (!input.expiryMonths) return "points no longer expire";
  const coming = input.balance ? comingPointsExpiry(input.balance, input.expiryMonths) : null;
  if (!coming) return "no points left to expire";
  if (!input.plannedExpiresAt || coming.expiresAt.getTime() !== input.plannedExpiresAt.getTime()) return "expiry date moved: new points activity";
  if (coming.expiresAt <= input.now) return "points already expired";
  return null;
}

// ---- who may receive it ----

export interface Recipient {
  email: string | null;
  redactedAt: Date | null;
  deletedAt: Date | null;
}

/** Why this follow-up must not go out now (it is cancelled with the reason), or null to send it. */
export function whyNotSend(input: {
  kind: SendKind;
  enabled: boolean;
  customer: Recipient | null;
  consentState: string | null;
  unsubscribed: boolean;
}): string | null {
  const { kind, customer } = input;
  if (!customer) return "customer unknown";
  if (customer.redactedAt) return "customer redacted";
  if (customer.deletedAt) return "customer deleted";
  if (!customer.email) return "no email address";
  if (input.unsubscribed) return "customer unsubscribed";
  if (MARKETING_KINDS.has(kind) && input.consentState?.toLowerCase() !== "subscribed") return "no email marketing consent";
  if (!input.enabled) return "follow-up turned off";
  return null;
}

export function kindEnabled(
  kind: SendKind,
  rules: Pick<FollowUpRules, "thankYouEnabled" | "nextPurchaseEnabled" | "replenishmentEnabled" | "winBackEnabled" | "pointsExpiryEnabled" | "surveyEnabled">,
): boolean {
  switch (kind) {
    case "THANK_YOU":
      return rules.thankYouEnabled;
    case "NEXT_PURCHASE":
      return rules.nextPurchaseEnabled;
    case "REPLENISHMENT":
      return rules.replenishmentEnabled;
    case "WIN_BACK":
      return rules.winBackEnabled;
    case "CAMPAIGN":
      // The merchant sent it; a cancelled campaign is checked by dispatch.
      return true;
    case "POINTS_EXPIRY":
      return rules.pointsExpiryEnabled;
    case "SURVEY":
      return rules.surveyEnabled;
  }
}

// ---- satisfaction survey ----

/**
 * When an order's survey is due: `delayDays` after Shopify fulfilled it, or, in a shop that does not
 * fulfil through Shopify (no order of it was ever fulfilled there), after it was placed; then out of
 * quiet hours. Null while a fulfilling shop's order waits for its fulfilment.
 */
export function surveyDueAt(
  order: { placedAt: Date; fulfilledAt: Date | null },
  shopFulfilsThroughShopify: boolean,
  rules: Pick<FollowUpRules, "surveyDelayDays" | "timezone" | "quietHours">,
): Date | null {
  const from = order.fulfilledAt ?? (shopFulfilsThroughShopify ? null : order.placedAt);
  if (!from) return null;
  return nextSendableTime(new Date(from.getTime() + rules.surveyDelayDays * DAY), rules.timezone, rules.quietHours);
}

// ---- retries ----

/** Wait before attempt `attempt + 1`: 1, 2, 4 … minutes, at most an hour. */
export function retryDelayMs(attempt: number): number {
  return Math.min(MINUTE * 2 ** Math.max(0, attempt - 1), 60 * MINUTE);
}

// ---- suggested use-up intervals ----

/**
 * When the shop's history suggests a use-up interval: enough repeat purchases (gaps of a day or more
 * between one customer's purchases of the product), from enough different customers, who are a fair
 * share of everyone who bought it. A mug re-bought by 3 of 275 customers is not used up; coffee is.
 */
export const SUGGESTION_RULE = { minRepeats: 5, minRepeatCustomers: 3, minRepeatShare: 0.25 } as const;

/** The median days between repeat purchases of a product, or null with too few repeats. */
export function suggestReplenishmentInterval(gapsInDays: number[], minRepeats: number = SUGGESTION_RULE.minRepeats): number | null {
  const gaps = gapsInDays.filter((gap) => gap >= 1).sort((a, b) => a - b);
  if (gaps.length < minRepeats) return null;
  const middle = Math.floor(gaps.length / 2);
  const median = gaps.length % 2 ? gaps[middle] : (gaps[middle - 1] + gaps[middle]) / 2;
  return Math.round(median);
}

/** Who bought a product in kept purchases, and the gaps between each customer's purchases of it. */
export interface ProductRepeatStats {
  /** Customers with a kept purchase of it. */
  customers: number;
  /** Of those, customers who bought it again a day or more later. */
  repeatCustomers: number;
  gapsInDays: number[];
}

/** The suggested interval, or why there is none, in words the products page shows as they are. */
export function replenishmentSuggestion(stats: ProductRepeatStats): { suggestedDays: number | null; why: string } {
  const repeats = stats.gapsInDays.filter((gap) => gap >= 1).length;
  const share = stats.customers === 0 ? 0 : stats.repeatCustomers / stats.customers;
  const sharePercent = `${Math.round(share * 100)}%`;
  const { minRepeats, minRepeatCustomers, minRepeatShare } = SUGGESTION_RULE;
  if (stats.repeatCustomers < minRepeatCustomers || share < minRepeatShare) {
    return {
      suggestedDays: null,
      why: `Few customers buy it again: ${stats.repeatCustomers} of ${stats.customers} (${sharePercent}); a suggestion needs ${minRepeatCustomers} or more and ${Math.round(minRepeatShare * 100)}%`,
    };
  }
  const days = suggestReplenishmentInterval(stats.gapsInDays, minRepeats);
  if (days === null) return { suggestedDays: null, why: `Not enough repeat purchases yet (${repeats} of ${minRepeats})` };
  return { suggestedDays: days, why: `median of ${repeats} repeat purchases by ${stats.repeatCustomers} of ${stats.customers} customers (${sharePercent})` };
}
