/** The dashboard's Segments section: customers, revenue and repeat rate per RFM segment (segments.server.ts). */
import { BlockStack, Card, DataTable, Link, Text, Tooltip } from "@shopify/polaris";

import type { ShopSegments } from "./segments.server";
import { SEGMENTS_DEFINITION } from "./segments";

const percent = (value: number | null) => (value === null ? "—" : `${(value * 100).toFixed(1)}%`);

export function SegmentsCard({ segments, currencyCode, timezone }: { segments: ShopSegments; currencyCode: string; timezone: string }) {
  const money = (value: string) => new Intl.NumberFormat("en", { style: "currency", currency: currencyCode }).format(Number(value));
  return (
    <Card>
      <BlockStack gap="300">
        <Tooltip content={SEGMENTS_DEFINITION} width="wide">
          <Text as="h2" variant="headingMd">
            <span style={{ borderBottom: "1px dotted currentColor", cursor: "help" }}>Segments</span>
          </Text>
        </Tooltip>
        {segments.computedAt === null ? (
          <Text as="p" tone="subdued">
            Customers are placed in segments in the background after their orders arrive; check back in a minute.
          </Text>
        ) : (
          <div data-section="segments">
            <DataTable
              columnContentTypes={["text", "numeric", "numeric", "numeric"]}
              headings={["Segment", "Customers", "Revenue", "Repeat rate"]}
              rows={segments.segments.map((row) => [
                <Link key={row.segment} url={`/app/customers?segment=${encodeURIComponent(row.segment)}`} removeUnderline>
                  {row.segment}
                </Link>,
                <span key="customers" data-segment={row.segment} data-customers={row.customers} data-revenue={row.revenue} data-repeat-rate={row.repeatRate ?? ""}>
                  {row.customers.toLocaleString("en")}
                </span>,
                money(row.revenue),
                percent(row.repeatRate),
              ])}
              totals={[
                "",
                segments.customers.toLocaleString("en"),
                money(segments.segments.reduce((sum, row) => sum + Number(row.revenue), 0).toFixed(2)),
                "",
              ]}
              showTotalsInFooter
            />
            <Text as="p" tone="subdued" variant="bodySm">
              All time, as of{" "}
              {new Date(segments.computedAt).toLocaleString("en", { dateStyle: "medium", timeStyle: "short", timeZone: timezone })}; whatever the
              period above.
            </Text>
          </div>
        )}
      </BlockStack>
    </Card>
  );
}
