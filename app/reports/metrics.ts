/**
 * The dashboard's metrics: their definitions (shown on hover, copied in the README) and the exact
 * arithmetic that turns a period's totals into them. Pure: the totals come from metrics.server.ts.
 *
 * Money is a decimal string with 4 decimals until the end; division and rounding happen once, here,
 * in integers (BigInt). Amounts leave rounded to 2 decimals (strings, half away from zero); rates and
 * purchase frequency leave as numbers rounded to 4 decimals (rates as fractions: 0.25 = 25%).
 */

/** A span of the shop's local calendar days, both ends inclusive: "YYYY-MM-DD". */
export interface Period {
  from: string;
  to: string;
}

/**
 * One order's sales (METRIC_DEFINITIONS.revenue) as SQL over an "Order" row named `order`: its lines
 * after every discount (payloads.ts shares order-level discounts among them), less money returned
 * without refund lines.
 */
export const ORDER_SALES_SQL = (order: string) => `(
  COALESCE((SELECT SUM(li.price * li.quantity - li.discount) FROM "OrderLineItem" li WHERE li."orderId" = ${order}.id), 0)
  - COALESCE((SELECT SUM(GREATEST(r.discrepancy, 0)) FROM "OrderRefund" r
               WHERE r."shopId" = ${order}."shopId" AND r."orderShopifyId" = ${order}."shopifyId"), 0))`;

export const METRIC_DEFINITIONS = {
  countedOrders:
    "Counted orders: placed in the period (the shop's time zone, both days inclusive), not cancelled, not test orders, with a customer (guest checkouts are left out). Amounts are in the shop's currency.",
  revenue:
    "Sales: the sum over counted orders of gross sales (line-item price × quantity) minus discounts, line-level and order-level (the order's own discount total, shared among its lines). Shipping, taxes, duties and tips are excluded. Lines added by an edit count; refunds of lines do not lower it, money returned without refund lines (units an edit removed after payment) does.",
  averageOrderValue:
    "Average order value = sales ÷ counted orders, where an order's sales are its gross sales (line-item price × quantity) minus all its discounts, without shipping, taxes, duties or tips (Shopify's definition), as edited: refunds of lines do not change it.",
  purchaseFrequency: "Purchase frequency = counted orders ÷ customers with a counted order in the period.",
  repeatPurchaseRate: "Repeat purchase rate = customers with 2 or more counted orders in the period ÷ customers with 1 or more.",
  returningCustomerRate:
    "Returning customer rate = customers with a counted order in the period who also had a counted order before it ÷ customers with a counted order in the period.",
  customerLifetimeValue:
    "Customer lifetime value (estimate) = average order value × purchase frequency × expected lifespan, over the 12 months ending on the period's last day: sales per customer in those 12 months × 1 ÷ (1 − retention), where retention is the share of the previous 12 months' customers who ordered again in these 12 months. The lifespan is capped at 10 years; no estimate without customers in the previous 12 months.",
  pointsLiability:
    "Points outstanding: every customer's points balance summed (earned and pending, less redeemed, expired and taken back), today, whatever the period.",
  members:
    "Loyalty members are customers with a storefront account (they earn and redeem points); non-members checked out without one. Membership is as it is today.",
  cohorts:
    "Customers grouped by the month of their first counted order ever; each later column is the share of them with a counted order in that month.",
  customerRetentionRate:
    "Customer retention rate = (customers at the end − new customers in the period) ÷ customers at the start. A customer, at the end of a day, is someone with a counted order in the lapsed threshold's days up to it (Program page, “Lapsed after”; 180 by default). Customers at the start are those at the end of the day before the period; new customers are customers at the end who were not at the start (first orders and customers won back), so the rate is the share of the start's customers still customers at the end.",
  churnRate: "Churn rate = 1 − customer retention rate: the share of the start's customers who are no longer customers at the end of the period (no counted order in the lapsed threshold's days up to it).",
  pointsIssued:
    "Points issued: points customers earned (welcome, orders, second-purchase bonus, referrals, birthdays, survey answers, VIP tier bonuses and entry rewards, and adjustments that add; not balances imported from another program), by when they were written, pending ones included.",
  pointsRedeemed:
    "Points redeemed: points spent on rewards, less points given back for a reward code that failed or expired unused.",
  pointsExpired: "Points expired: points taken from balances quiet for the program's expiry period.",
  redemptionRate: "Redemption rate = points redeemed ÷ points issued, both in the period.",
  pointsOutstanding:
    "Points outstanding at a month's end: every balance summed as of the end of that month (earned, pending included, less redeemed, expired and taken back). Its value in money uses the best value per point among the active amount-off rewards (amount off ÷ points cost); none without such a reward.",
  attributedRevenue:
    "Orders and sales with a code the app created: a reward's code (redemptions), a referred friend's first-order code, or a follow-up email's code (a campaign's included). Counted orders placed in the period; sales as defined above. An order with codes of two kinds counts under each.",
  followUpResults:
    "Follow-ups sent in the period, by kind, and the counted orders their recipients placed in the 30 days after each send (with or without its code), and those orders' sales. An order after two sends of one kind counts once.",
} as const;

/** What a period's retention is made of: customer counts at its start and end (METRIC_DEFINITIONS.customerRetentionRate). */
export interface RetentionCounts {
  /** Customers at the end of the day before the period. */
  customersAtStart: number;
  /** Customers at the end of the period's last day. */
  customersAtEnd: number;
  /** Of the customers at the end, those who were customers at the start too. */
  retainedCustomers: number;
}

export interface RetentionMetrics extends RetentionCounts {
  /** Customers at the end who were not at the start (first orders and won back). */
  newCustomers: number;
  /** 4 decimals; null without customers at the start. */
  customerRetentionRate: number | null;
  churnRate: number | null;
}

/** (end − new) ÷ start, and its complement; new = end − retained, so the rate is retained ÷ start. */
export function retentionMetrics(counts: RetentionCounts): RetentionMetrics {
  const newCustomers = counts.customersAtEnd - counts.retainedCustomers;
  const rate = ratio(counts.customersAtEnd - newCustomers, counts.customersAtStart);
  return {
    ...counts,
    newCustomers,
    customerRetentionRate: rate,
    // The complement of the rounded rate, so the two always add up to 100%.
    churnRate: rate === null ? null : Number(10_000n - BigInt(Math.round(rate * 10_000))) / 10_000,
  };
}

/** The days a customer counts on at the end of `day`: a counted order in the `lapsedDays` days up to it. */
export function customerWindow(day: string, lapsedDays: number): Period {
  return { from: addDays(day, -(lapsedDays - 1)), to: day };
}

/** What a period's counted orders add up to; the metrics are computed from these alone. */
export interface PeriodTotals {
  orders: number;
  /** Sales, exact, 4 decimals. */
  revenue: string;
  /** Distinct customers with a counted order in the period. */
  customers: number;
  /** Of those, customers with 2 or more. */
  repeatCustomers: number;
  /** Of those, customers with a counted order before the period. */
  returningCustomers: number;
}

export interface PeriodMetrics {
  orders: number;
  customers: number;
  /** 2 decimals. */
  revenue: string;
  /** 2 decimals; null without orders. */
  averageOrderValue: string | null;
  /** 4 decimals; null without customers. */
  purchaseFrequency: number | null;
  repeatPurchaseRate: number | null;
  returningCustomerRate: number | null;
}

export const EMPTY_TOTALS: PeriodTotals = { orders: 0, revenue: "0.0000", customers: 0, repeatCustomers: 0, returningCustomers: 0 };

const SCALE = 4;

/** "12.3" → 123000n (4 decimals). */
export function toScaled(decimal: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  if (!match) throw new Error(`Not a decimal: ${decimal}`);
  const [, sign, whole, fraction = ""] = match;
  const value = BigInt(whole + fraction.slice(0, SCALE).padEnd(SCALE, "0"));
  return sign ? -value : value;
}

/** 123000n → "12.3000": a scaled integer as a 4-decimal string. */
export function fromScaled(scaled: bigint): string {
  const sign = scaled < 0n ? "-" : "";
  const absolute = scaled < 0n ? -scaled : scaled;
  return `${sign}${absolute / 10_000n}.${String(absolute % 10_000n).padStart(4, "0")}`;
}

/** Exact sum of two decimal strings, 4 decimals. */
export function addDecimals(a: string, b: string): string {
  return fromScaled(toScaled(a) + toScaled(b));
}

/** a ÷ b rounded half away from zero. */
function divideRounded(a: bigint, b: bigint): bigint {
  const negative = a < 0n !== b < 0n;
  const [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  const quotient = (2n * x + y) / (2n * y);
  return negative ? -quotient : quotient;
}

/** 4-decimal scaled integer → a 2-decimal string. */
function formatMoney(scaled: bigint): string {
  const cents = divideRounded(scaled, 100n);
  const sign = cents < 0n ? "-" : "";
  const absolute = cents < 0n ? -cents : cents;
  return `${sign}${absolute / 100n}.${String(absolute % 100n).padStart(2, "0")}`;
}

/** A decimal string (any number of decimals) rounded to 2, half away from zero. */
export function roundMoney(decimal: string): string {
  return formatMoney(toScaled(decimal));
}

/** What `points` are worth at `amountOff` per `pointsCost` points, 2 decimals (METRIC_DEFINITIONS.pointsOutstanding). */
export function moneyValueOfPoints(points: number, amountOff: string, pointsCost: number): string {
  return formatMoney(divideRounded(toScaled(amountOff) * BigInt(points), BigInt(pointsCost)));
}

/** numerator ÷ denominator to 4 decimals, as a number; null when the denominator is 0. */
export function ratio(numerator: number | bigint, denominator: number | bigint): number | null {
  if (BigInt(denominator) === 0n) return null;
  return Number(divideRounded(BigInt(numerator) * 10_000n, BigInt(denominator))) / 10_000;
}

export function periodMetrics(totals: PeriodTotals): PeriodMetrics {
  const revenue = toScaled(totals.revenue);
  return {
    orders: totals.orders,
    customers: totals.customers,
    revenue: formatMoney(revenue),
    averageOrderValue: totals.orders > 0 ? formatMoney(divideRounded(revenue, BigInt(totals.orders))) : null,
    purchaseFrequency: ratio(totals.orders, totals.customers),
    repeatPurchaseRate: ratio(totals.repeatCustomers, totals.customers),
    returningCustomerRate: ratio(totals.returningCustomers, totals.customers),
  };
}

export const MAX_LIFESPAN_YEARS = 10;

/**
 * CLV estimate (see METRIC_DEFINITIONS.customerLifetimeValue): sales per customer over a year ×
 * 1 / (1 − retention), capped at MAX_LIFESPAN_YEARS. 2 decimals; null when it cannot be estimated.
 */
export function customerLifetimeValue(input: {
  yearRevenue: string;
  yearCustomers: number;
  priorYearCustomers: number;
  retainedCustomers: number;
}): { value: string | null; retention: number | null; lifespanYears: number | null } {
  if (input.yearCustomers === 0 || input.priorYearCustomers === 0) return { value: null, retention: null, lifespanYears: null };
  const churned = BigInt(input.priorYearCustomers - input.retainedCustomers);
  const prior = BigInt(input.priorYearCustomers);
  const perCustomer = toScaled(input.yearRevenue);
  // lifespan = prior / churned, capped: value = perCustomer × prior / (yearCustomers × churned).
  const capped = churned * BigInt(MAX_LIFESPAN_YEARS) <= prior;
  const value = capped
    ? divideRounded(perCustomer * BigInt(MAX_LIFESPAN_YEARS), BigInt(input.yearCustomers))
    : divideRounded(perCustomer * prior, BigInt(input.yearCustomers) * churned);
  return {
    value: formatMoney(value),
    retention: ratio(input.retainedCustomers, input.priorYearCustomers),
    lifespanYears: capped ? MAX_LIFESPAN_YEARS : ratio(prior, churned),
  };
}

// ---- Calendar days (no time zone: a local date is just a date) ----

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function addMonths(day: string, months: number): string {
  const [year, month] = day.split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1 + months, 1));
  return date.toISOString().slice(0, 10);
}

export function monthOf(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

export function daysIn(period: Period): number {
  return Math.round((Date.parse(`${period.to}T00:00:00Z`) - Date.parse(`${period.from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** The same number of days, ending the day before. */
export function previousPeriod(period: Period): Period {
  const length = daysIn(period);
  return { from: addDays(period.from, -length), to: addDays(period.from, -1) };
}

/** The 365 days ending on `to`, and the 365 before them (the CLV estimate's years). */
export function trailingYears(to: string): { year: Period; priorYear: Period } {
  const year = { from: addDays(to, -364), to };
  return { year, priorYear: previousPeriod(year) };
}

/** The shop's local date at an instant. */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

export class PeriodError extends Error {}

/** Checks a period the merchant or the CLI asked for; the message says what to fix. */
export function parsePeriod(from: string | null | undefined, to: string | null | undefined): Period {
  if (!from || !isCalendarDate(from)) throw new PeriodError(`Start date must be a date as YYYY-MM-DD (got ${from ? `"${from}"` : "nothing"})`);
  if (!to || !isCalendarDate(to)) throw new PeriodError(`End date must be a date as YYYY-MM-DD (got ${to ? `"${to}"` : "nothing"})`);
  if (to < from) throw new PeriodError("End date must be on or after the start date");
  if (daysIn({ from, to }) > 366 * 5) throw new PeriodError("Choose a period of at most 5 years");
  return { from, to };
}

export type PeriodPreset = "last30" | "last90" | "last365" | "thisMonth" | "lastMonth" | "yearToDate";

export const PERIOD_PRESETS: { value: PeriodPreset; label: string }[] = [
  { value: "last30", label: "Last 30 days" },
  { value: "last90", label: "Last 90 days" },
  { value: "last365", label: "Last 12 months" },
  { value: "thisMonth", label: "This month" },
  { value: "lastMonth", label: "Last month" },
  { value: "yearToDate", label: "Year to date" },
];

/** The months the dashboard's chart shows for a period: every month it touches, at least 6, at most the last 36. */
export function chartMonths(period: Period): number {
  const [fromYear, fromMonth] = period.from.split("-").map(Number);
  const [toYear, toMonth] = period.to.split("-").map(Number);
  const touched = (toYear - fromYear) * 12 + (toMonth - fromMonth) + 1;
  return Math.min(36, Math.max(6, touched));
}

/** Difference of two rates in percentage points (0.021 = +2.1 points), 4 decimals; null when one is missing. */
export function rateDifference(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null) return null;
  return Math.round((current - previous) * 10_000) / 10_000;
}

export function presetPeriod(preset: PeriodPreset, today: string): Period {
  switch (preset) {
    case "last30":
      return { from: addDays(today, -29), to: today };
    case "last90":
      return { from: addDays(today, -89), to: today };
    case "last365":
      return { from: addDays(today, -364), to: today };
    case "thisMonth":
      return { from: monthOf(today), to: today };
    case "lastMonth":
      return { from: addMonths(today, -1), to: addDays(monthOf(today), -1) };
    case "yearToDate":
      return { from: `${today.slice(0, 4)}-01-01`, to: today };
  }
}

/** Relative change of a value against the previous period's, 4 decimals; null when there is nothing to compare. */
export function change(current: number | string | null, previous: number | string | null): number | null {
  if (current === null || previous === null) return null;
  const [a, b] = [toScaled(String(current)), toScaled(String(previous))];
  if (b === 0n) return null;
  return ratio(a - b, b);
}
