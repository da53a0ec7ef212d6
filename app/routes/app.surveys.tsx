/**
 * Surveys: NPS and CSAT for the chosen period against the previous one, the response rate, the
 * monthly trend, and the comments (detractors and low CSATs first), each linked to its customer, where
 * the merchant marks an issue resolved. The figures come from app/surveys/results.server.ts, as
 * `npm run report` does.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, DataTable, EmptyState, InlineGrid, InlineStack, Layout, Page, Select, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

import { PageLoadError } from "../admin/page-load-error";
import db from "../db.server";
import { requestedPeriod } from "../reports/dashboard.server";
import { PERIOD_PRESETS, PeriodError } from "../reports/metrics";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";
import { resolveSurveyResponse } from "../surveys/responses.server";
import { surveyComments, surveyResults } from "../surveys/results.server";
import { COMMENT_FILTERS, npsGroup, type CommentFilter } from "../surveys/scores";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const params = new URL(request.url).searchParams;
  let requested;
  try {
    requested = requestedPeriod(params, shop.ianaTimezone, new Date());
  } catch (error) {
    if (error instanceof PeriodError) throw new Response(error.message, { status: 400 });
    throw error;
  }
  const filter = (COMMENT_FILTERS as readonly string[]).includes(params.get("comments") ?? "") ? (params.get("comments") as CommentFilter) : "all";
  const [results, comments, settings] = await Promise.all([
    surveyResults(db, shop, requested.period),
    surveyComments(db, shop, requested.period, filter),
    db.followUpSettings.findUnique({ where: { shopId: shop.id }, select: { surveyEnabled: true, surveyType: true } }),
  ]);
  return {
    results,
    comments: comments.map((comment) => ({ ...comment, respondedAt: comment.respondedAt.toISOString(), resolvedAt: comment.resolvedAt?.toISOString() ?? null })),
    filter,
    preset: requested.preset,
    period: requested.period,
    timezone: shop.ianaTimezone,
    survey: { enabled: settings?.surveyEnabled ?? false, type: settings?.surveyType ?? "NPS" },
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const form = await request.formData();
  const id = String(form.get("responseId") ?? "");
  // Another shop's response is as unknown here as one that never existed.
  if (!(await resolveSurveyResponse(db, shop.id, id, new Date()))) throw new Response("No such open issue", { status: 404 });
  return { ok: true };
};

const FILTER_LABELS: Record<CommentFilter, string> = {
  all: "All comments",
  issues: "Detractors and low CSAT",
  open: "Open issues",
  detractors: "NPS detractors (0–6)",
  passives: "NPS passives (7–8)",
  promoters: "NPS promoters (9–10)",
  unhappy: "CSAT 1–2",
  satisfied: "CSAT 4–5",
};

const show = (value: number | null, unit = "") => (value === null ? "—" : `${value}${unit}`);

function Figure(props: { name: string; metric: string; definition: string; value: number | null; unit?: string; previous: number | null; note?: ReactNode }) {
  const { value, previous, unit = "" } = props;
  const difference = value !== null && previous !== null ? value - previous : null;
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h3" variant="headingSm" tone="subdued">
          {props.name}
        </Text>
        <Text as="p" variant="heading2xl">
          <span data-metric={props.metric} data-value={value === null ? "" : String(value)}>
            {show(value, unit)}
          </span>
        </Text>
        <InlineStack gap="150" blockAlign="center">
          {difference !== null && <Badge tone={difference > 0 ? "success" : difference < 0 ? "critical" : undefined}>{`${difference > 0 ? "+" : ""}${difference}`}</Badge>}
          <Text as="span" tone="subdued" variant="bodySm">
            <span data-previous={props.metric}>{`Previous period: ${show(previous, unit)}`}</span>
          </Text>
        </InlineStack>
        <Text as="p" tone="subdued" variant="bodySm">
          {props.definition}
        </Text>
        {props.note}
      </BlockStack>
    </Card>
  );
}

export default function Surveys() {
  const { results, comments, filter, preset, period, timezone, survey } = useLoaderData<typeof loader>();
  const { current, previous, months } = results;
  const [searchParams, setSearchParams] = useSearchParams();
  const navigation = useNavigation();
  const date = (iso: string) => new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: timezone }).format(new Date(iso));
  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(searchParams);
    next.set(key, value);
    if (key === "preset") {
      next.delete("from");
      next.delete("to");
    }
    setSearchParams(next);
  };
  return (
    <Page title="Surveys" subtitle={`${period.from} to ${period.to}, against ${previous.from} to ${previous.to}`}>
      <Layout>
        <Layout.Section>
          <InlineStack gap="300" blockAlign="end">
            <Box minWidth="200px">
              <Select label="Period" options={[...PERIOD_PRESETS, ...(preset === "custom" ? [{ value: "custom", label: "Custom dates" }] : [])]} value={preset} onChange={(value) => setParam("preset", value)} />
            </Box>
            <Text as="p" tone="subdued">
              {survey.enabled ? `The ${survey.type} survey is on.` : "The survey email is off: turn it on from the Home page's launch checklist."}{" "}
              <Link to="/app/follow-ups/settings">Survey settings</Link>
            </Text>
          </InlineStack>
        </Layout.Section>
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
            <Figure name="NPS" metric="nps" definition="% promoters (9–10) − % detractors (0–6) of the NPS answers in the period." value={current.nps} previous={previous.nps} />
            <Figure name="CSAT" metric="csat" unit="%" definition="% of CSAT answers that are 4 or 5." value={current.csat} previous={previous.csat} />
            <Figure name="Responses" metric="survey-responses" definition="Answers in the period, from the email and the storefront widget." value={current.responses} previous={previous.responses} />
            <Figure
              name="Response rate"
              metric="response-rate"
              unit="%"
              definition={`Survey emails sent in the period that were answered: ${current.surveysAnswered} of ${current.surveysSent}.`}
              value={current.responseRate}
              previous={previous.responseRate}
            />
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Month by month
              </Text>
              <DataTable
                columnContentTypes={["text", "numeric", "numeric", "numeric"]}
                headings={["Month", "NPS", "CSAT", "Responses"]}
                rows={months.map((month) => [month.month.slice(0, 7), show(month.nps), show(month.csat, "%"), month.responses])}
              />
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineStack align="space-between" blockAlign="end">
                <Text as="h2" variant="headingMd">
                  Comments
                </Text>
                <Box minWidth="240px">
                  <Select label="Show" options={COMMENT_FILTERS.map((value) => ({ value, label: FILTER_LABELS[value] }))} value={filter} onChange={(value) => setParam("comments", value)} />
                </Box>
              </InlineStack>
              {comments.length === 0 ? (
                <EmptyState heading="No comments in this period" image="">
                  <p>Comments come with the answers to the survey email and the storefront widget's feedback.</p>
                </EmptyState>
              ) : (
                <BlockStack gap="300">
                  {comments.map((comment) => (
                    <Box key={comment.id} padding="300" borderWidth="025" borderColor="border" borderRadius="200">
                      <div data-comment={comment.id} data-opens-issue={comment.opensIssue ? "true" : "false"}>
                        <BlockStack gap="200">
                          <InlineStack gap="200" blockAlign="center">
                            <Badge tone={comment.opensIssue ? "critical" : comment.type === "NPS" && npsGroup(comment.score) === "promoter" ? "success" : comment.type === "CSAT" && comment.score >= 4 ? "success" : undefined}>
                              {`${comment.type} ${comment.score}`}
                            </Badge>
                            <Text as="span" tone="subdued" variant="bodySm">
                              {`${date(comment.respondedAt)} · ${comment.source === "EMAIL" ? "survey email" : "storefront widget"}`}
                            </Text>
                            {comment.customerId ? <Link to={`/app/customers/${comment.customerId}`}>{comment.customerName ?? "Customer"}</Link> : <Text as="span">Customer not on file</Text>}
                          </InlineStack>
                          <Text as="p">{comment.comment}</Text>
                          {comment.opensIssue &&
                            (comment.resolvedAt ? (
                              <Text as="p" tone="subdued" variant="bodySm">{`Resolved ${date(comment.resolvedAt)}`}</Text>
                            ) : (
                              <Form method="post">
                                <input type="hidden" name="responseId" value={comment.id} />
                                <Button submit size="slim" loading={navigation.state === "submitting" && navigation.formData?.get("responseId") === comment.id}>
                                  Mark resolved
                                </Button>
                              </Form>
                            ))}
                        </BlockStack>
                      </div>
                    </Box>
                  ))}
                </BlockStack>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageLoadError what="The survey results" page="Surveys" />;
}
