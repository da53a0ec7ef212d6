/** The name of every background job (catalog.server.ts defines each: its schedule and single-runner rule). */
export const JOB_NAMES = [
  "webhook-inbox",
  "follow-up-dispatch",
  "win-back-sweep",
  "survey-sweep",
  "points-expiry",
  "points-expiry-reminders",
  "redemption-upkeep",
  "report-rebuild",
  "history-import",
  "customer-segments",
  "birthday-points",
  "shopify-writes",
  "tier-recompute",
] as const;

export type JobName = (typeof JOB_NAMES)[number];
