/**
 * The business words the app's rules, reports and pages share, each defined once. The SQL form of
 * each word is beside it in vocabulary.server.ts, built from the same constants; docs/vocabulary.md
 * lists them. Two words that sound alike but mean different things have two names here (a counted
 * order and a kept purchase; paid and holding a payment): read their comments before picking one.
 */

/**
 * Paid: the money came in. `paid`, or a later state only a paid order reaches (part or all of it given
 * back since). A pending, authorized or partially paid order is not paid yet; a voided one never was.
 * Points are earned on paid orders.
 */
export const PAID_STATUSES: readonly string[] = ["paid", "partially_refunded", "refunded"];

export function wasPaid(financialStatus: string): boolean {
  return PAID_STATUSES.includes(financialStatus);
}

/**
 * Holding a payment: some of the money is in and not all of it was given back (`paid`,
 * `partially_paid`, `partially_refunded`). Unlike paid, a partially paid order holds a payment and a
 * refunded one no longer does: the follow-ups thank a customer for a purchase that still holds money.
 */
export const HOLDING_PAYMENT_STATUSES: readonly string[] = ["paid", "partially_paid", "partially_refunded"];

export function holdsPayment(financialStatus: string): boolean {
  return HOLDING_PAYMENT_STATUSES.includes(financialStatus);
}

/** Given back: every cent refunded, or the authorization voided (never captured). */
export const GIVEN_BACK_STATUSES: readonly string[] = ["refunded", "voided"];

export function wasGivenBack(financialStatus: string): boolean {
  return GIVEN_BACK_STATUSES.includes(financialStatus);
}

/**
 * A completed purchase (loyalty: the second-purchase bonus, a referral's reward, the storefront's
 * "purchases so far"): paid and not cancelled. A refund later does not undo it; its points are taken
 * back by the refund rules instead.
 */
export function isCompletedPurchase(order: { financialStatus: string; cancelledAt: Date | null }): boolean {
  return wasPaid(order.financialStatus) && order.cancelledAt === null;
}

/**
 * A counted order (the dashboard's reports and the customer directory, see METRIC_DEFINITIONS): an
 * order of a customer (not a guest checkout), not cancelled, not a test order, whatever its payment
 * (refunded orders stay counted, as in Shopify's own reports: refunds do not lower sales either).
 */
export function isCountedOrder(order: { test: boolean; cancelledAt: Date | null; customerShopifyId: string | null }): boolean {
  return !order.test && order.cancelledAt === null && order.customerShopifyId !== null;
}

/**
 * A kept purchase (the follow-ups: thank-you, next purchase, replenishment and win-back): not a test,
 * not cancelled, not given back (fully refunded or voided). Stricter than a counted order: no email
 * follows an order the customer returned in full.
 */
export function isKeptPurchase(order: { test: boolean; cancelledAt: Date | null; financialStatus: string }): boolean {
  return !order.test && !order.cancelledAt && !wasGivenBack(order.financialStatus);
}

/** A loyalty member: a customer with a storefront account (Shopify's state "enabled"), as last known. */
export function isMember(customer: { hasAccount: boolean } | null | undefined): boolean {
  return customer?.hasAccount ?? false;
}
