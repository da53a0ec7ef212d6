/**
 * A customer's health mark on the Customers page, from how long ago they last ordered and how they
 * answered a survey: a recent buyer (green), slipping (amber), lapsed (red), and an open issue
 * (amber: a detractor or a low CSAT the merchant has not marked resolved, whatever the recency).
 * The thresholds are the merchant's (Program page); the clock is passed in.
 */
export type CustomerHealth = "recent" | "slipping" | "lapsed" | "no-orders" | "open-issue";
export const CUSTOMER_HEALTHS: readonly CustomerHealth[] = ["recent", "slipping", "open-issue", "lapsed", "no-orders"];

/** The colour a mark shows, for the dashboard's counts: amber is slipping or an open issue. */
export type HealthColour = "green" | "amber" | "red" | "none";
export const HEALTH_COLOURS: Record<CustomerHealth, HealthColour> = {
  recent: "green",
  slipping: "amber",
  "open-issue": "amber",
  lapsed: "red",
  "no-orders": "none",
};

export function isCustomerHealth(value: unknown): value is CustomerHealth {
  return typeof value === "string" && (CUSTOMER_HEALTHS as readonly string[]).includes(value);
}

export interface HealthThresholds {
  /** Days since the last order from which the customer is slipping. */
  slippingDays: number;
  /** Days since the last order from which the customer is lapsed; more than slippingDays. */
  lapsedDays: number;
}

/** A shop's thresholds until the merchant saves others: ProgramSettings' column defaults say the same. */
export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = { slippingDays: 60, lapsedDays: 180 };

const DAY_MS = 86_400_000;

/** Whole days from the last order to now (0 on the same day; an order "in the future" counts as today). */
export function daysSince(lastOrderAt: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - lastOrderAt.getTime()) / DAY_MS));
}

/**
 * The mark; `openIssue`: the customer has a survey answer that opens an issue (opensIssue in
 * surveys/scores.ts) not yet resolved. healthSql in directory.server.ts is its SQL twin.
 */
export function customerHealth(lastOrderAt: Date | null, thresholds: HealthThresholds, now: Date, openIssue = false): CustomerHealth {
  if (openIssue) return "open-issue";
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
  "open-issue": { label: "Open issue", tone: "warning", description: "Answered a survey unhappily (NPS 0–6 or CSAT 1–2): amber until you mark it resolved." },
};
