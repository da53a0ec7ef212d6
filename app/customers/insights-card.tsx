/**
 * The customer page's "At a glance" card: when they are expected to order next (and whether they are
 * overdue against their own rhythm), their RFM segment and their birthday. The numbers come from
 * customerDetail (directory.server.ts); the model is in docs/metrics.md.
 */
import { Badge, BlockStack, Card, InlineStack, Text } from "@shopify/polaris";

import type { CustomerNextOrder } from "./next-order.server";

export interface CustomerInsights {
  segment: {
    name: string;
    recency: number;
    frequency: number;
    monetary: number;
  } | null;
  birthday: { month: number; day: number } | null;
  nextOrder: CustomerNextOrder | null;
  orders: number;
}

const days = (value: number) => {
  const rounded = Math.round(value);
  return `${rounded.toLocaleString("en")} ${rounded === 1 ? "day" : "days"}`;
};

/** "March 14": month and day only (no year is asked for); 2000 is a leap year, so Feb 29 shows too. */
export function birthdayLabel(birthday: {
  month: number;
  day: number;
}): string {
  return new Date(
    Date.UTC(2000, birthday.month - 1, birthday.day)
  ).toLocaleDateString("en", {
    month: "long",
    day: "numeric",
    timeZone: "UTC",
  });
}

export function InsightsCard({
  insights,
  timezone,
}: {
  insights: CustomerInsights;
  timezone: string;
}) {
  const { segment, birthday, nextOrder, orders } = insights;
  const formatDate = (iso: string) =>
    new Date(iso).toLocaleDateString("en", {
      dateStyle: "medium",
      timeZone: timezone,
    });
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          At a glance
        </Text>
        <BlockStack gap="100">
          <Text as="h3" variant="headingSm" tone="subdued">
            Next order
          </Text>
          {nextOrder ? (
            <div
              data-next-order={nextOrder.expectedAt.slice(0, 10)}
              data-overdue={nextOrder.overdue ? "yes" : "no"}
            >
              <BlockStack gap="100">
                <InlineStack gap="200" blockAlign="center">
                  <Text as="p" variant="headingLg">
                    {`Expected ${formatDate(nextOrder.expectedAt)}`}
                  </Text>
                  {nextOrder.overdue ? (
                    <Badge
                      tone={
                        nextOrder.chanceOfGapThisLong < 0.1
                          ? "critical"
                          : "warning"
                      }
                    >{`Overdue by ${days(nextOrder.overdueDays)}`}</Badge>
                  ) : (
                    <Badge tone="success">On rhythm</Badge>
                  )}
                </InlineStack>
                <Text as="p" tone="subdued" variant="bodySm">
                  {nextOrder.basis === "own"
                    ? `About every ${days(nextOrder.expectedGapDays)}: their ${
                        nextOrder.orders
                      } orders came every ${days(
                        nextOrder.meanGapDays ?? 0
                      )} on average${
                        nextOrder.shopMedianGapDays !== null
                          ? `, weighed with the shop's typical ${days(
                              nextOrder.shopMedianGapDays
                            )}`
                          : ""
                      }.`
                    : `One order so far: the shop's customers typically order again after ${days(
                        nextOrder.expectedGapDays
                      )}.`}
                  {nextOrder.overdue
                    ? ` On that rhythm a gap this long happens ${Math.round(
                        nextOrder.chanceOfGapThisLong * 100
                      )}% of the time.`
                    : ""}
                </Text>
              </BlockStack>
            </div>
          ) : (
            <div data-next-order="none">
              <Text as="p" tone="subdued">
                {orders === 0
                  ? "No counted orders yet."
                  : orders === 1
                  ? "One order so far, and too few repeat orders in the shop to say when the next comes."
                  : "Being worked out from their latest order; check back in a minute."}
              </Text>
            </div>
          )}
        </BlockStack>
        <BlockStack gap="100">
          <Text as="h3" variant="headingSm" tone="subdued">
            Segment
          </Text>
          {segment ? (
            <InlineStack gap="200" blockAlign="center">
              <span data-segment={segment.name}>
                <Badge tone="info">{segment.name}</Badge>
              </span>
              <Text as="span" tone="subdued" variant="bodySm">
                {`Recency ${segment.recency}, frequency ${segment.frequency}, spend ${segment.monetary} (of 5)`}
              </Text>
            </InlineStack>
          ) : (
            <div data-segment="none">
              <Text as="p" tone="subdued">
                Placed in a segment after their first counted order.
              </Text>
            </div>
          )}
        </BlockStack>
        <BlockStack gap="100">
          <Text as="h3" variant="headingSm" tone="subdued">
            Birthday
          </Text>
          <div
            data-birthday={
              birthday ? `${birthday.month}-${birthday.day}` : "none"
            }
          >
            <Text as="p" tone={birthday ? undefined : "subdued"}>
              {birthday ? birthdayLabel(birthday) : "Not given"}
            </Text>
          </div>
        </BlockStack>
      </BlockStack>
    </Card>
  );
}
