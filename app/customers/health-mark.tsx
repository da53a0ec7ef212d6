/** The health badge and follow-up names, shared by the Customers list and a customer's page. */
import { Badge, Tooltip } from "@shopify/polaris";

import { HEALTH_LABELS, type CustomerHealth, type HealthThresholds } from "./health";

export const FOLLOW_UP_NAMES: Record<string, string> = {
  THANK_YOU: "Thank-you",
  NEXT_PURCHASE: "Next purchase",
  REPLENISHMENT: "Replenishment reminder",
  WIN_BACK: "Win-back",
  CAMPAIGN: "Campaign email",
  SURVEY: "Satisfaction survey",
};

const PROGRESS = { success: "complete", warning: "partiallyComplete", critical: "incomplete" } as const;

export function HealthMark({ health, thresholds }: { health: CustomerHealth; thresholds: HealthThresholds }) {
  const { label, tone, description } = HEALTH_LABELS[health];
  const rule =
    health === "recent"
      ? `Last order less than ${thresholds.slippingDays} days ago.`
      : health === "slipping"
        ? `Last order ${thresholds.slippingDays} to ${thresholds.lapsedDays - 1} days ago.`
        : health === "lapsed"
          ? `Last order ${thresholds.lapsedDays} or more days ago.`
          : health === "open-issue"
            ? `${description} See the customer's page.`
            : description;
  return (
    <Tooltip content={`${rule} The thresholds are set on the Program page.`}>
      <span data-health={health}>
        <Badge tone={tone} progress={tone ? PROGRESS[tone] : undefined}>
          {label}
        </Badge>
      </span>
    </Tooltip>
  );
}
