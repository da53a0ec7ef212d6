/**
 * A customer's health mark on the Customers page, from how long ago they last ordered: a recent
 * buyer (green), slipping (amber), lapsed (red). The thresholds are the merchant's (Program page);
 * the clock is passed in.
 */
export type CustomerHealth = "recent" | "slipping" | "lapsed" | "no-orders";

export interface HealthThresholds {
  /** Days since the last order from which the customer is slipping. */
  slippingDays: number;
  /** Days since the last order from which the customer is lapsed; more than slippingDays. */
  lapsedDays: number;
}

const DAY_MS = 86_400_000;

/** Whole days from the last order to now (0 on the same day; an order "in the future" counts as today). */
export function daysSince(lastOrderAt: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - lastOrderAt.getTime()) / DAY_MS));
}

export function customerHealth(lastOrderAt: Date | null, thresholds: HealthThresholds, now: Date): CustomerHealth {
  if (lastOrderAt === null) return "no-orders";
  const days = daysSince(lastOrderAt, now);
  if (days >= thresholds.lapsedDays) return "lapsed";
  if (days >= thresholds.slippingDays) return "slipping";
  return "recent";
}

export const HEALTH_LABELS: Record<CustomerHealth, { label: string; tone: "success" | "warning" | "critical" | undefined; description: string }> = {
  recent: { label: "Recent buyer", tone: "success", description: "Ordered within the slipping threshold." },
  slipping: { label: "Slipping", tone: "warning", description: "No order since the slipping threshold: a good moment for a nudge." },
  lapsed: { label: "Lapsed", tone: "critical", description: "No order since the lapsed threshold." },
  "no-orders": { label: "No orders", tone: undefined, description: "Has not placed a counted order yet." },
};
