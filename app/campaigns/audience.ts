/**
 * Who a campaign is for, as the merchant picks it: every customer, an RFM segment (app/customers/segments.ts)
 * or a health colour (app/customers/health.ts). Stored on the campaign as "all", "segment:<name>" or
 * "health:<mark>". Consent is applied on top, by the follow-ups' own rule (app/follow-ups/audience.server.ts).
 */
import { HEALTH_LABELS, type CustomerHealth } from "../customers/health";
import { isSegment, SEGMENTS, type Segment } from "../customers/segments";

export type CampaignAudience = { kind: "all" } | { kind: "segment"; segment: Segment } | { kind: "health"; health: Exclude<CustomerHealth, "no-orders"> };

const HEALTHS = ["recent", "slipping", "lapsed"] as const;

export const AUDIENCE_CHOICES: { value: string; label: string }[] = [
  { value: "all", label: "All customers" },
  ...SEGMENTS.map((segment) => ({ value: `segment:${segment}`, label: `Segment: ${segment}` })),
  ...HEALTHS.map((health) => ({ value: `health:${health}`, label: `Health: ${HEALTH_LABELS[health].label}` })),
];

export function parseAudience(value: string): CampaignAudience | null {
  if (value === "all") return { kind: "all" };
  if (value.startsWith("segment:")) {
    const segment = value.slice("segment:".length);
    return isSegment(segment) ? { kind: "segment", segment } : null;
  }
  if (value.startsWith("health:")) {
    const health = value.slice("health:".length);
    return (HEALTHS as readonly string[]).includes(health) ? { kind: "health", health: health as (typeof HEALTHS)[number] } : null;
  }
  return null;
}

export function audienceLabel(value: string): string {
  return AUDIENCE_CHOICES.find((choice) => choice.value === value)?.label ?? value;
}
