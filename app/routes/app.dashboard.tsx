import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation, useRevalidator, useSearchParams } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  DataTable,
  EmptyState,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  Select,
  SkeletonBodyText,
  SkeletonDisplayText,
  Spinner,
  Text,
  TextField,
  Tooltip,
} from "@shopify/polaris";
import polarisVizStyles from "@shopify/polaris-viz/build/esm/styles.css?url";
import { lazy, Suspense, useEffect, useState, type ReactNode } from "react";

import { downloadFromApp } from "../admin/download";
import { PageLoadError } from "../admin/page-load-error";
import type { HealthColour } from "../customers/health";
import { SegmentsCard } from "../customers/segments-card";
import type { SurveyResults } from "../surveys/results.server";
import { TIER_REPORT_DEFINITION } from "../loyalty/tier-rules";
import db from "../db.server";
import { loadDashboard } from "../reports/dashboard.server";
import { CHART_SERIES, monthLabel } from "../reports/chart-labels";
import { addMonths, METRIC_DEFINITIONS, PERIOD_PRESETS, rateDifference } from "../reports/metrics";
import type { CohortRow, ShopReportWithEarnings } from "../reports/metrics.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

// The chart library measures the page, so it renders in the browser only, in a box of fixed height.
const RepeatRateChart = lazy(() => import("../reports/repeat-rate-chart"));

export const links = () => [{ rel: "stylesheet", href: polarisVizStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const data = await loadDashboard(db, shop, new URL(request.url).searchParams);
  return { ...data, currencyCode: shop.currencyCode, timezone: shop.ianaTimezone };
};

const percent = (value: number | null) => (value === null ? "—" : `${(value * 100).toFixed(1)}%`);
const number = (value: number | null, digits = 2) => (value === null ? "—" : value.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits }));

function money(value: string | null, currencyCode: string) {
  if (value === null) return "—";
  return new Intl.NumberFormat("en", { style: "currency", currency: currencyCode }).format(Number(value));
}

/**
 * The change against the previous period: relative for counts and money ("↑ 12.0%"), in percentage
 * points for rates ("↑ 2.1 pts", a rate's relative change misleads), and none when the previous
 * period starts before the shop's order history (it would compare with a partial period).
 */
function Change({ value, previous, unit = "relative", incomplete, higherIsBetter = true }: { value: number | null; previous: string; unit?: "relative" | "points"; incomplete?: boolean; higherIsBetter?: boolean }) {
  if (value === null || incomplete) {
    return (
      <Text as="span" tone="subdued" variant="bodySm">
        Previous period{incomplete ? " (incomplete)" : ""}: {previous}
      </Text>
    );
  }
  const good = value === 0 ? null : value > 0 === higherIsBetter;
  const sign = value > 0 ? "↑" : value < 0 ? "↓" : "";
  const amount = unit === "points" ? `${Math.abs(value * 100).toFixed(1)} pts` : `${Math.abs(value * 100).toFixed(1)}%`;
  return (
    <InlineStack gap="150" blockAlign="center" wrap={false}>
      <Badge tone={good === null ? undefined : good ? "success" : "critical"}>{`${sign} ${amount}`.trim()}</Badge>
      <Text as="span" tone="subdued" variant="bodySm">
        vs {previous}
      </Text>
    </InlineStack>
  );
}

function Metric(props: { name: string; metric: string; definition: string; value: string; raw: string | number | null; change?: ReactNode }) {
  return (
    <Card>
      <BlockStack gap="200">
        <Tooltip content={props.definition} width="wide" hoverDelay={150}>
          <Text as="h3" variant="headingSm" tone="subdued">
            <span style={{ borderBottom: "1px dotted currentColor", cursor: "help" }}>{props.name}</span>
          </Text>
        </Tooltip>
        <Text as="p" variant="heading2xl">
          <span data-metric={props.metric} data-value={props.raw === null ? "" : String(props.raw)}>
            {props.value}
          </span>
        </Text>
        {props.change ?? <Box minHeight="20px" />}
      </BlockStack>
    </Card>
  );
}

function PeriodPicker({ preset, from, to, today }: { preset: string; from: string; to: string; today: string }) {
  const [choice, setChoice] = useState(preset);
  const [custom, setCustom] = useState({ from, to });
  const [, setSearchParams] = useSearchParams();
  useEffect(() => setChoice(preset), [preset]);
  return (
    <Form method="get">
      <InlineStack gap="300" blockAlign="end" wrap>
        <Box minWidth="180px">
          <Select
            label="Period"
            name={choice === "custom" ? undefined : "preset"}
            options={[...PERIOD_PRESETS, { value: "custom", label: "Custom dates" }]}
            value={choice}
            onChange={(value) => {
              setChoice(value);
              if (value !== "custom") setSearchParams({ preset: value });
            }}
          />
        </Box>
        {choice === "custom" && (
          <>
            <TextField label="Start date" type="date" name="from" autoComplete="off" value={custom.from} max={today} onChange={(value) => setCustom({ ...custom, from: value })} />
            <TextField label="End date" type="date" name="to" autoComplete="off" value={custom.to} max={today} onChange={(value) => setCustom({ ...custom, to: value })} />
            <Button submit variant="primary">
              Apply
            </Button>
          </>
        )}
      </InlineStack>
    </Form>
  );
}

function CohortTable({ cohorts, runningMonth }: { cohorts: CohortRow[]; runningMonth: string | null }) {
  const columns = Math.max(0, ...cohorts.map((cohort) => cohort.retention.length));
  const cellStyle = { padding: "6px 8px", textAlign: "right" as const, fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap" as const };
  return (
    <div style={{ overflowX: "auto" }}>
      <table style={{ borderCollapse: "collapse", width: "100%", fontSize: "12px" }} aria-label="Cohort retention">
        <thead>
          <tr>
            <th style={{ ...cellStyle, textAlign: "left" }}>First order</th>
            <th style={cellStyle}>Customers</th>
            {Array.from({ length: columns }, (_, index) => (
              <th key={index} style={cellStyle}>{`Month ${index + 1}`}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {cohorts.map((cohort) => (
            <tr key={cohort.month} style={{ borderTop: "1px solid var(--p-color-border-secondary)" }}>
              <td style={{ ...cellStyle, textAlign: "left" }}>
                {new Date(`${cohort.month}T00:00:00Z`).toLocaleDateString("en", { month: "short", year: "numeric", timeZone: "UTC" })}
              </td>
              <td style={cellStyle}>{cohort.customers.toLocaleString("en")}</td>
              {Array.from({ length: columns }, (_, index) => {
                const share = cohort.retention[index];
                // The month still running: its share is so far, not final, and drawn apart.
                const toDate = share !== undefined && addMonths(cohort.month, index + 1) === runningMonth;
                return (
                  <td
                    key={index}
                    data-to-date={toDate ? "" : undefined}
                    title={toDate ? "This month so far" : undefined}
                    style={{
                      ...cellStyle,
                      background: share === undefined || share === null || toDate ? undefined : `rgba(0, 91, 211, ${Math.min(0.85, 0.08 + share * 2.5)})`,
                      color: share !== undefined && share !== null && share > 0.2 && !toDate ? "white" : undefined,
                      fontStyle: toDate ? "italic" : undefined,
                      outline: toDate ? "1px dashed var(--p-color-border)" : undefined,
                    }}
                  >
                    {share === undefined ? "" : `${percent(share)}${toDate ? "*" : ""}`}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const FOLLOW_UP_LABELS: Record<string, string> = {
  THANK_YOU: "Thank-you",
  NEXT_PURCHASE: "Next purchase",
  REPLENISHMENT: "Replenishment",
  WIN_BACK: "Win-back",
};

/** A value in a table cell, with the raw figure for tests and exports to read. */
const cellValue = (metric: string, raw: string | number | null, shownValue: string) => (
  <span data-metric={metric} data-value={raw === null ? "" : String(raw)}>
    {shownValue}
  </span>
);

/** A section's heading, underlined dotted: hovering it shows the definition of what the section counts. */
function SectionHeading({ title, definition, level = "h3" }: { title: string; definition: string; level?: "h2" | "h3" }) {
  return (
    <Tooltip content={definition} width="wide">
      <Text as={level} variant={level === "h2" ? "headingMd" : "headingSm"}>
        <span style={{ borderBottom: "1px dotted currentColor", cursor: "help" }}>{title}</span>
      </Text>
    </Tooltip>
  );
}

function ProgramEarningsSection({ report, currencyCode }: { report: ShopReportWithEarnings; currencyCode: string }) {
  const { attributedRevenue } = report;
  const month = (first: string) => new Date(`${first}T00:00:00Z`).toLocaleDateString("en", { month: "short", year: "numeric", timeZone: "UTC" });
  return (
    <section aria-label="What the program earns" data-section="program-earnings">
      <BlockStack gap="400">
        <Text as="h2" variant="headingLg">
          What the program earns
        </Text>
        <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
          <Metric name="Points issued" metric="pointsIssued" definition={METRIC_DEFINITIONS.pointsIssued} value={report.pointsIssued.toLocaleString("en")} raw={report.pointsIssued} />
          <Metric name="Points redeemed" metric="pointsRedeemed" definition={METRIC_DEFINITIONS.pointsRedeemed} value={report.pointsRedeemed.toLocaleString("en")} raw={report.pointsRedeemed} />
          <Metric name="Points expired" metric="pointsExpired" definition={METRIC_DEFINITIONS.pointsExpired} value={report.pointsExpired.toLocaleString("en")} raw={report.pointsExpired} />
          <Metric name="Redemption rate" metric="redemptionRate" definition={METRIC_DEFINITIONS.redemptionRate} value={percent(report.redemptionRate)} raw={report.redemptionRate} />
        </InlineGrid>
        <Layout>
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <SectionHeading title="Points by month" definition={`${METRIC_DEFINITIONS.pointsOutstanding} ${METRIC_DEFINITIONS.pointsIssued}`} />
                <DataTable
                  columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric"]}
                  headings={["Month", "Issued", "Redeemed", "Expired", "Outstanding at month end", "Value"]}
                  rows={report.pointsByMonth.map((m) => [
                    month(m.month),
                    m.issued.toLocaleString("en"),
                    m.redeemed.toLocaleString("en"),
                    m.expired.toLocaleString("en"),
                    cellValue(`pointsOutstanding.${m.month.slice(0, 7)}`, m.outstanding, m.outstanding.toLocaleString("en")),
                    money(m.outstandingValue, currencyCode),
                  ])}
                />
                <Text as="p" tone="subdued" variant="bodySm">
                  {report.pointValue
                    ? `Valued at ${money(report.pointValue.amountOff, currencyCode)} per ${report.pointValue.pointsCost.toLocaleString("en")} points (the “${report.pointValue.rewardName}” reward, the best value per point among active amount-off rewards).`
                    : "No money value: the program has no active amount-off reward to value points by."}
                </Text>
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <BlockStack gap="400">
              <Card>
                <BlockStack gap="200">
                  <SectionHeading title="Orders with the app's codes" definition={METRIC_DEFINITIONS.attributedRevenue} />
                  <DataTable
                    columnContentTypes={["text", "numeric", "numeric"]}
                    headings={["Code", "Orders", "Sales"]}
                    rows={(
                      [
                        ["reward", "Rewards"],
                        ["referral", "Referrals"],
                        ["followUp", "Follow-ups"],
                      ] as const
                    ).map(([source, label]) => [
                      label,
                      cellValue(`attributedOrders.${source}`, attributedRevenue[source].orders, attributedRevenue[source].orders.toLocaleString("en")),
                      cellValue(`attributedRevenue.${source}`, attributedRevenue[source].revenue, money(attributedRevenue[source].revenue, currencyCode)),
                    ])}
                  />
                </BlockStack>
              </Card>
              <Card>
                <BlockStack gap="200">
                  <SectionHeading title="Repeat purchase: members and non-members" definition={`${METRIC_DEFINITIONS.repeatPurchaseRate} ${METRIC_DEFINITIONS.members}`} />
                  <DataTable
                    columnContentTypes={["text", "numeric", "numeric"]}
                    headings={["", "Members", "Non-members"]}
                    rows={[
                      [
                        "Repeat purchase rate",
                        cellValue("membersRepeatPurchaseRate", report.members.repeatPurchaseRate, percent(report.members.repeatPurchaseRate)),
                        cellValue("nonMembersRepeatPurchaseRate", report.nonMembers.repeatPurchaseRate, percent(report.nonMembers.repeatPurchaseRate)),
                      ],
                    ]}
                  />
                </BlockStack>
              </Card>
            </BlockStack>
          </Layout.Section>
        </Layout>
        <Card>
          <BlockStack gap="200">
            <SectionHeading title="Follow-ups sent and what followed" definition={METRIC_DEFINITIONS.followUpResults} />
            <DataTable
              columnContentTypes={["text", "numeric", "numeric", "numeric"]}
              headings={["Follow-up", "Sent", "Orders within 30 days", "Sales"]}
              rows={report.followUps.map((f) => [
                FOLLOW_UP_LABELS[f.kind] ?? f.kind,
                cellValue(`followUpsSent.${f.kind}`, f.sent, f.sent.toLocaleString("en")),
                cellValue(`followUpOrders.${f.kind}`, f.ordersWithin30Days, f.ordersWithin30Days.toLocaleString("en")),
                cellValue(`followUpRevenue.${f.kind}`, f.revenue, money(f.revenue, currencyCode)),
              ])}
            />
          </BlockStack>
        </Card>
      </BlockStack>
    </section>
  );
}

// How often the "being prepared" page asks again whether the numbers are ready.
const PREPARING_RECHECK_MS = 3_000;

function PreparingNumbers({ failed }: { failed: boolean }) {
  const revalidator = useRevalidator();
  useEffect(() => {
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, PREPARING_RECHECK_MS);
    return () => clearInterval(timer);
  }, [revalidator]);
  return (
    <Page title="Dashboard">
      <BlockStack gap="400">
        {failed ? (
          <Banner tone="warning" title="Preparing your numbers hit a problem">
            <p>It is tried again automatically within a minute. If this message stays, the app's logs say what went wrong ("report rebuild failed").</p>
          </Banner>
        ) : (
          <Banner tone="info" title="Your numbers are being prepared">
            <p>
              The dashboard is reading your order history: the first time, after an app update that counts something new, or after
              your shop's time zone changed. On a large shop this takes a minute or two; this page updates by itself when they are
              ready. Orders placed meanwhile are counted.
            </p>
          </Banner>
        )}
        <div data-state="preparing-numbers">
          <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
            {Array.from({ length: 4 }, (_, index) => (
              <Card key={index}>
                <BlockStack gap="300">
                  <SkeletonBodyText lines={1} />
                  <SkeletonDisplayText size="large" />
                </BlockStack>
              </Card>
            ))}
          </InlineGrid>
        </div>
        <InlineStack gap="200" blockAlign="center">
          <Spinner size="small" accessibilityLabel="Preparing the numbers" />
          <Text as="span" tone="subdued">
            Preparing…
          </Text>
        </InlineStack>
      </BlockStack>
    </Page>
  );
}

export default function Dashboard() {
  const data = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const [exportError, setExportError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const loading = navigation.state === "loading" && navigation.location?.pathname === "/app/dashboard";

  if (data.error !== null) {
    return (
      <Page title="Dashboard">
        <Layout>
          <Layout.Section>
            <Banner tone="critical" title="That period cannot be shown">
              <p>{data.error}. Pick a preset period or correct the dates.</p>
            </Banner>
          </Layout.Section>
          <Layout.Section>
            <Card>
              <PeriodPicker preset="custom" from={data.today} to={data.today} today={data.today} />
            </Card>
          </Layout.Section>
        </Layout>
      </Page>
    );
  }

  if (data.preparing) return <PreparingNumbers failed={data.failed} />;

  const { report, period, preset, months, cohorts, currencyCode, timezone, today, historyStart, previousIncomplete } = data;
  const { summary, previous, changes } = report;
  const runningMonth = months.find((month) => month.toDate !== null) ?? null;
  const day = (date: string) => new Date(`${date}T00:00:00Z`).toLocaleDateString("en", { dateStyle: "medium", timeZone: "UTC" });
  const dates = (from: string, to: string) =>
    `${new Date(`${from}T00:00:00Z`).toLocaleDateString("en", { dateStyle: "medium", timeZone: "UTC" })} – ${new Date(`${to}T00:00:00Z`).toLocaleDateString("en", { dateStyle: "medium", timeZone: "UTC" })}`;
  const search = `?from=${period.from}&to=${period.to}`;
  const noOrdersEver = summary.orders === 0 && previous.orders === 0 && cohorts.every((cohort) => cohort.customers === 0);

  return (
    <Page
      title="Dashboard"
      subtitle={`${dates(period.from, period.to)} · compared with ${dates(previous.from, previous.to)} · ${timezone}`}
      secondaryActions={[
        {
          content: "Export CSV",
          loading: exporting,
          onAction: () => {
            setExporting(true);
            setExportError(null);
            downloadFromApp(`/app/dashboard/csv${search}`, "dashboard.csv")
              .catch((error: Error) => setExportError(`${error.message}. Try again; if it keeps failing, reload the page.`))
              .finally(() => setExporting(false));
          },
        },
      ]}
    >
      <BlockStack gap="400">
        <Card>
          <PeriodPicker preset={preset} from={period.from} to={period.to} today={today} />
        </Card>
        {exportError && (
          <Banner tone="critical" title="The CSV could not be exported" onDismiss={() => setExportError(null)}>
            <p>{exportError}</p>
          </Banner>
        )}
        {previousIncomplete && historyStart ? (
          <Banner tone="info" title="The previous period is incomplete">
            <p>
              Your order history starts on {day(historyStart)}, after the previous period began ({day(previous.from)}), so changes are not
              shown: they would compare with part of a period.
            </p>
          </Banner>
        ) : null}
        {noOrdersEver ? (
          <Card>
            <EmptyState heading="No orders to report yet" image="">
              <p>
                The dashboard fills in as customers order: orders placed with a customer, not cancelled and not test orders count. Past
                orders arrive with the history import after install. Try a longer period if your shop has older orders.
              </p>
            </EmptyState>
          </Card>
        ) : null}
        <div aria-busy={loading} style={{ opacity: loading ? 0.5 : 1, transition: "opacity 120ms" }}>
          <BlockStack gap="400">
            <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
              <Metric
                name="Repeat purchase rate"
                metric="repeatPurchaseRate"
                definition={METRIC_DEFINITIONS.repeatPurchaseRate}
                value={percent(summary.repeatPurchaseRate)}
                raw={summary.repeatPurchaseRate}
                change={<Change value={rateDifference(summary.repeatPurchaseRate, previous.repeatPurchaseRate)} unit="points" incomplete={previousIncomplete} previous={percent(previous.repeatPurchaseRate)} />}
              />
              <Metric
                name="Average order value"
                metric="averageOrderValue"
                definition={METRIC_DEFINITIONS.averageOrderValue}
                value={money(summary.averageOrderValue, currencyCode)}
                raw={summary.averageOrderValue}
                change={<Change value={changes.averageOrderValue} incomplete={previousIncomplete} previous={money(previous.averageOrderValue, currencyCode)} />}
              />
              <Metric
                name="Purchase frequency"
                metric="purchaseFrequency"
                definition={METRIC_DEFINITIONS.purchaseFrequency}
                value={number(summary.purchaseFrequency)}
                raw={summary.purchaseFrequency}
                change={<Change value={changes.purchaseFrequency} incomplete={previousIncomplete} previous={number(previous.purchaseFrequency)} />}
              />
              <Metric
                name="Returning customer rate"
                metric="returningCustomerRate"
                definition={METRIC_DEFINITIONS.returningCustomerRate}
                value={percent(summary.returningCustomerRate)}
                raw={summary.returningCustomerRate}
                change={<Change value={rateDifference(summary.returningCustomerRate, previous.returningCustomerRate)} unit="points" incomplete={previousIncomplete} previous={percent(previous.returningCustomerRate)} />}
              />
              <Metric
                name="Orders"
                metric="orders"
                definition={METRIC_DEFINITIONS.countedOrders}
                value={summary.orders.toLocaleString("en")}
                raw={summary.orders}
                change={<Change value={changes.orders} incomplete={previousIncomplete} previous={previous.orders.toLocaleString("en")} />}
              />
              <Metric
                name="Customers"
                metric="customers"
                definition="Customers with a counted order in the period."
                value={summary.customers.toLocaleString("en")}
                raw={summary.customers}
                change={<Change value={changes.customers} incomplete={previousIncomplete} previous={previous.customers.toLocaleString("en")} />}
              />
              <Metric
                name="Sales"
                metric="revenue"
                definition={METRIC_DEFINITIONS.revenue}
                value={money(summary.revenue, currencyCode)}
                raw={summary.revenue}
                change={<Change value={changes.revenue} incomplete={previousIncomplete} previous={money(previous.revenue, currencyCode)} />}
              />
              <Metric
                name="Customer lifetime value"
                metric="customerLifetimeValue"
                definition={METRIC_DEFINITIONS.customerLifetimeValue}
                value={money(report.customerLifetimeValue.value, currencyCode)}
                raw={report.customerLifetimeValue.value}
                change={
                  <Text as="span" tone="subdued" variant="bodySm">
                    {report.customerLifetimeValue.lifespanYears === null
                      ? "Needs a year of orders before the last 12 months"
                      : `Estimate: ${number(report.customerLifetimeValue.lifespanYears, 1)}-year lifespan, ${percent(report.customerLifetimeValue.retention)} kept yearly`}
                  </Text>
                }
              />
            </InlineGrid>

            <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
              <Metric
                name="Customer retention rate"
                metric="customerRetentionRate"
                definition={METRIC_DEFINITIONS.customerRetentionRate}
                value={percent(report.customerRetentionRate)}
                raw={report.customerRetentionRate}
                change={<Change value={rateDifference(report.customerRetentionRate, report.previousRetention.customerRetentionRate)} unit="points" incomplete={previousIncomplete} previous={percent(report.previousRetention.customerRetentionRate)} />}
              />
              <Metric
                name="Churn rate"
                metric="churnRate"
                definition={METRIC_DEFINITIONS.churnRate}
                value={percent(report.churnRate)}
                raw={report.churnRate}
                change={<Change value={rateDifference(report.churnRate, report.previousRetention.churnRate)} unit="points" higherIsBetter={false} incomplete={previousIncomplete} previous={percent(report.previousRetention.churnRate)} />}
              />
              <Metric
                name="Customers at the start"
                metric="customersAtStart"
                definition={`Customers with a counted order in the ${report.lapsedDays} days up to the day before the period (the lapsed threshold on the Program page).`}
                value={report.retention.customersAtStart.toLocaleString("en")}
                raw={report.retention.customersAtStart}
                change={
                  <Text as="span" tone="subdued" variant="bodySm">
                    {`${report.retention.customersAtEnd.toLocaleString("en")} at the end; lapsed after ${report.lapsedDays} days`}
                  </Text>
                }
              />
              <Metric
                name="New customers"
                metric="newCustomers"
                definition="Customers at the end of the period who were not customers at its start: first orders and customers won back after lapsing."
                value={report.retention.newCustomers.toLocaleString("en")}
                raw={report.retention.newCustomers}
                change={<Change value={null} previous={report.previousRetention.newCustomers.toLocaleString("en")} />}
              />
            </InlineGrid>

            <Layout>
              <Layout.Section>
                <Card>
                  <BlockStack gap="300">
                    <SectionHeading level="h2" title="Month by month" definition={`${METRIC_DEFINITIONS.repeatPurchaseRate} Each calendar month is its own period.`} />
                    <div data-chart-caption>
                    <Text as="p" tone="subdued" variant="bodySm">
                      Each month is counted on its own: “{CHART_SERIES.repeatPurchaseRate}” is the share of that month's customers who
                      ordered twice or more in that month, so it runs lower than the card above, which counts the whole period.
                      {months.length > 0 ? ` ${monthLabel({ ...months[0], toDate: null })} to ${monthLabel({ ...months[months.length - 1], toDate: null })}.` : ""}
                      {runningMonth ? ` ${monthLabel({ ...runningMonth, toDate: null })} is still running: its figures count up to ${day(runningMonth.toDate!)}.` : ""}
                    </Text>
                    </div>
                    <div style={{ height: 260 }} data-chart="monthly-rates">
                      {mounted ? (
                        <Suspense fallback={<SkeletonBodyText lines={8} />}>
                          <RepeatRateChart months={months} />
                        </Suspense>
                      ) : (
                        <SkeletonBodyText lines={8} />
                      )}
                    </div>
                  </BlockStack>
                </Card>
              </Layout.Section>
              <Layout.Section variant="oneThird">
                <BlockStack gap="400">
                  <Card>
                    <BlockStack gap="200">
                      <SectionHeading level="h2" title="Members and non-members" definition={METRIC_DEFINITIONS.members} />
                      <DataTable
                        columnContentTypes={["text", "numeric", "numeric"]}
                        headings={["", "Members", "Non-members"]}
                        rows={[
                          ["Average order value", money(report.members.averageOrderValue, currencyCode), money(report.nonMembers.averageOrderValue, currencyCode)],
                          ["Purchase frequency", number(report.members.purchaseFrequency), number(report.nonMembers.purchaseFrequency)],
                          ["Customers", report.members.customers.toLocaleString("en"), report.nonMembers.customers.toLocaleString("en")],
                        ]}
                      />
                    </BlockStack>
                  </Card>
                  <Card>
                    <BlockStack gap="200">
                      <SectionHeading level="h2" title="Points outstanding" definition={METRIC_DEFINITIONS.pointsLiability} />
                      <Text as="p" variant="headingXl">
                        <span data-metric="pointsLiability" data-value={report.pointsLiability.points}>
                          {report.pointsLiability.points.toLocaleString("en")}
                        </span>
                      </Text>
                      <Text as="p" tone="subdued" variant="bodySm">
                        {report.pointsLiability.customersInDebt > 0
                          ? `${report.pointsLiability.customersInDebt} customers are below zero after refunds.`
                          : "Owed to customers today, whatever the period."}
                      </Text>
                    </BlockStack>
                  </Card>
                </BlockStack>
              </Layout.Section>
            </Layout>

            <Card>
              <BlockStack gap="300">
                <SectionHeading level="h2" title="Customers ordering again, by first-order month" definition={METRIC_DEFINITIONS.cohorts} />
                <CohortTable cohorts={cohorts} runningMonth={runningMonth?.month ?? null} />
                {runningMonth ? (
                  <Text as="p" tone="subdued" variant="bodySm">
                    * {monthLabel({ ...runningMonth, toDate: null })} so far, to {day(runningMonth.toDate!)}: not final.
                  </Text>
                ) : null}
              </BlockStack>
            </Card>
            <ProgramEarningsSection report={report} currencyCode={currencyCode} />
            <SegmentsCard segments={data.segments} currencyCode={currencyCode} timezone={data.timezone} />
            <SatisfactionCard surveys={data.surveys} health={data.health.counts} healthAsOf={data.health.asOf} timezone={data.timezone} />
            {data.tiers.length > 0 ? (
              <Card>
                <BlockStack gap="300">
                  <SectionHeading level="h2" title="VIP tiers" definition={TIER_REPORT_DEFINITION} />
                  <div data-tier-report>
                    <DataTable
                      columnContentTypes={["text", "numeric", "numeric", "numeric"]}
                      headings={["Tier", "Members", `Average order value (${currencyCode})`, "Repeat rate"]}
                      rows={data.tiers.map((row) => [row.tier, row.members.toLocaleString("en"), row.averageOrderValue, `${(row.repeatRate * 100).toFixed(1)}%`])}
                    />
                  </div>
                </BlockStack>
              </Card>
            ) : null}
            <Text as="p" tone="subdued" variant="bodySm">
              {METRIC_DEFINITIONS.countedOrders} Hover a metric's name for its definition.
            </Text>
          </BlockStack>
        </div>
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageLoadError what="The dashboard" page="Dashboard" />;
}

/** NPS and CSAT for the period (the Surveys page's figures) and the customers of each health colour, as last counted. */
function SatisfactionCard({ surveys, health, healthAsOf, timezone }: { surveys: SurveyResults; health: Record<HealthColour, number>; healthAsOf: string; timezone: string }) {
  const show = (value: number | null, unit = "") => (value === null ? "—" : `${value}${unit}`);
  const colours: { colour: HealthColour; label: string; tone: "success" | "warning" | "critical" | undefined; filter: string }[] = [
    { colour: "green", label: "Recent buyers", tone: "success", filter: "health=recent" },
    { colour: "amber", label: "Slipping or open issue", tone: "warning", filter: "health=slipping" },
    { colour: "red", label: "Lapsed", tone: "critical", filter: "health=lapsed" },
    { colour: "none", label: "No orders", tone: undefined, filter: "health=no-orders" },
  ];
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between">
          <Text as="h2" variant="headingMd">
            Satisfaction and customer health
          </Text>
          <Link to="/app/surveys">Surveys</Link>
        </InlineStack>
        <InlineStack gap="600">
          <Text as="p">
            NPS <span data-metric="dashboard-nps" data-value={surveys.current.nps ?? ""}>{show(surveys.current.nps)}</span>
            {` (previous ${show(surveys.previous.nps)})`}
          </Text>
          <Text as="p">
            CSAT <span data-metric="dashboard-csat" data-value={surveys.current.csat ?? ""}>{show(surveys.current.csat, "%")}</span>
            {` (previous ${show(surveys.previous.csat, "%")})`}
          </Text>
          <Text as="p">
            Responses <span data-metric="dashboard-survey-responses" data-value={surveys.current.responses}>{surveys.current.responses}</span>
          </Text>
        </InlineStack>
        <InlineStack gap="300">
          {colours.map(({ colour, label, tone, filter }) => (
            <Link key={colour} to={`/app/customers?${filter}`}>
              <Badge tone={tone}>{`${label}: ${health[colour].toLocaleString("en")}`}</Badge>
              <span hidden data-health-colour={colour} data-value={health[colour]} />
            </Link>
          ))}
        </InlineStack>
        <Text as="p" tone="subdued" variant="bodySm">
          <span hidden data-health-as-of={healthAsOf} />
          Customer health as of {new Date(healthAsOf).toLocaleString("en", { dateStyle: "medium", timeStyle: "short", timeZone: timezone })}, counted with
          the segments after orders arrive and every hour.
        </Text>
      </BlockStack>
    </Card>
  );
}
