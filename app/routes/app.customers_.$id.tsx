import { randomUUID } from "node:crypto";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, isRouteErrorResponse, useActionData, useFetcher, useLoaderData, useNavigation, useRouteError } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, DataTable, FormLayout, InlineGrid, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { useEffect, useState, type ReactNode } from "react";
import { z } from "zod";

import { PageLoadError } from "../admin/page-load-error";
import { customerDetail, healthThresholdsOf } from "../customers/directory.server";
import { FOLLOW_UP_NAMES, HealthMark } from "../customers/health-mark";
import { InsightsCard } from "../customers/insights-card";
import db from "../db.server";
import { ADJUSTMENT_POINTS, AdjustmentError, adjustPoints, MAX_ADJUSTMENT_POINTS } from "../loyalty/ledger.server";
import { MAX_OVERRIDE_REASON } from "../loyalty/tier-rules";
import { customerTierView, moveTiersAfterPoints, setTierOverride, tierHistory, TierOverrideError } from "../loyalty/tiers.server";
import { formatAmount } from "../orders/money";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const customer = await customerDetail(db, shop.id, params.id ?? "", healthThresholdsOf(shop.settings), new Date());
  // Another shop's customer is as unknown here as one that never existed.
  if (!customer) throw new Response("No such customer", { status: 404 });
  const stored = await db.customer.findFirstOrThrow({ where: { id: params.id ?? "", shopId: shop.id }, select: { id: true, shopifyId: true } });
  const [tierView, tierChanges] = await Promise.all([customerTierView(db, shop.id, stored, new Date()), tierHistory(db, shop.id, stored.id)]);
  return {
    customer,
    currencyCode: shop.currencyCode,
    tiers: tierView
      ? {
          held: tierView.tier,
          override: tierView.override ? { reason: tierView.override.reason, at: tierView.override.at.toISOString() } : null,
          basis: tierView.basis,
          progress: tierView.basis === "AMOUNT_SPENT" ? formatAmount(tierView.progress.progress) : String(tierView.progress.progress),
          next: tierView.progress.next?.name ?? null,
          remaining: tierView.basis === "AMOUNT_SPENT" ? formatAmount(tierView.progress.remaining) : String(tierView.progress.remaining),
          ladder: tierView.ladder.map((tier) => ({ id: tier.id, name: tier.name })),
          changes: tierChanges.map((change) => ({ ...change, createdAt: change.createdAt.toISOString() })),
        }
      : null,
    thresholds: healthThresholdsOf(shop.settings),
    pointsName: shop.settings.pointsName,
    timezone: shop.ianaTimezone,
    // One id per form shown: a resubmitted form repeats it, so it adjusts once.
    adjustmentId: randomUUID(),
  };
};

const AdjustmentInput = z.object({
  points: z
    .string({ error: "Enter the points to add, or a negative number to remove" })
    .trim()
    .min(1, "Enter the points to add, or a negative number to remove")
    .pipe(z.string().regex(ADJUSTMENT_POINTS, "Points must be a whole number, like 50 or -20"))
    .pipe(
      z
        .string()
        .refine((value) => value.replace(/^-?0*/, "").length <= 7 && Math.abs(Number(value)) <= MAX_ADJUSTMENT_POINTS, "Adjust by at most 1,000,000 points at a time")
        .transform(Number)
        .refine((value) => value !== 0, "Points must be a number other than 0"),
    ),
  reason: z.string().trim().min(1, "Give a reason: the customer sees it in their history").max(200, "Keep the reason under 200 characters"),
  adjustmentId: z.uuid("The form expired: reload the page and try again"),
});

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const form = Object.fromEntries(await request.formData());
  if (form.intent === "tier-override" || form.intent === "clear-override") {
    const tierId = form.intent === "tier-override" ? String(form.tierId ?? "") : null;
    if (tierId === "") return { ok: false as const, tier: true, errors: { tierId: "Choose the tier to put the customer in" } as Record<string, string> };
    try {
      await setTierOverride(db, { shopId: shop.id, customerId: params.id ?? "", tierId, reason: String(form.tierReason ?? ""), now: new Date() });
      return { ok: true as const, tier: true, errors: {} as Record<string, string> };
    } catch (error) {
      if (error instanceof TierOverrideError) {
        if (error.message === "No such customer in this shop") throw new Response("No such customer", { status: 404 });
        return { ok: false as const, tier: true, errors: { tierReason: error.message } as Record<string, string> };
      }
      throw error;
    }
  }
  const parsed = AdjustmentInput.safeParse(form);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
    return { ok: false as const, errors };
  }
  try {
    const balance = await adjustPoints(db, {
      shopId: shop.id,
      customerId: params.id ?? "",
      points: parsed.data.points,
      reason: parsed.data.reason,
      now: new Date(),
      requestId: parsed.data.adjustmentId,
    });
    // Points given by hand count toward a ladder by points earned at once, as an order's do.
    await moveTiersAfterPoints(db, shop.id, [params.id ?? ""], new Date());
    return { ok: true as const, errors: {} as Record<string, string>, balance, adjusted: parsed.data.points };
  } catch (error) {
    if (error instanceof AdjustmentError) {
      if (error.message === "No such customer in this shop") throw new Response("No such customer", { status: 404 });
      return { ok: false as const, errors: { form: error.message } as Record<string, string> };
    }
    throw error;
  }
};

const REASON_NAMES: Record<string, string> = {
  WELCOME: "Welcome points",
  SECOND_PURCHASE: "Second-purchase bonus",
  SECOND_PURCHASE_REVERSAL: "Second-purchase bonus taken back",
  SPEND: "Order",
  REFUND: "Refund",
  CANCELLATION: "Cancelled order",
  REFERRAL: "Referral",
  REDEMPTION: "Reward",
  ADJUSTMENT: "Adjusted by the shop",
  EXPIRY: "Expired",
  BIRTHDAY: "Birthday points",
  IMPORTED: "Imported balance",
  SURVEY: "Answered a survey",
  TIER_BONUS: "Tier multiplier",
  TIER_ENTRY: "Tier reached",
};

/** Why a referral earned nothing, in the merchant's words. */
const REFERRAL_REFUSALS: Record<string, string> = {
  self_referral: "Refused: the referrer themselves (same customer, email or phone)",
  same_address: "Refused: shipped or billed to the referrer's address",
  existing_customer: "Refused: already a customer before the referral",
  already_referred: "Refused: already referred by someone else",
  monthly_limit: "Refused: the referrer's monthly reward limit was reached",
  daily_code_limit: "Refused: the link's 10 friend codes for the day were given out",
  unknown_code: "Refused: unknown referral code",
};
const TIER_CHANGE_NAMES: Record<string, string> = {
  EARNED: "earned",
  DOWNGRADED: "downgraded",
  REFUND: "refund",
  OVERRIDE: "override",
  OVERRIDE_CLEARED: "override cleared",
};
const REFERRAL_STATES: Record<string, string> = { PENDING: "Waiting for the friend's first order", REWARDED: "Rewarded" };

const formatDate = (iso: string, timezone: string) => new Date(iso).toLocaleDateString("en", { dateStyle: "medium", timeZone: timezone });
const signed = (points: number) => (points > 0 ? `+${points.toLocaleString("en")}` : points.toLocaleString("en"));

export default function CustomerPage() {
  const { customer, thresholds, pointsName, timezone, adjustmentId, tiers, currencyCode } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [points, setPoints] = useState("");
  const [reason, setReason] = useState("");
  // A recorded adjustment clears the form for the next one; a refused one keeps what was typed.
  useEffect(() => {
    if (result?.ok) {
      setPoints("");
      setReason("");
    }
  }, [result]);
  const isTierResult = result !== undefined && "tier" in result;
  const errors = result?.ok === false && !isTierResult ? result.errors : {};
  const tierErrors = result?.ok === false && isTierResult ? result.errors : {};
  const [overrideTier, setOverrideTier] = useState("");
  const [tierReason, setTierReason] = useState("");
  const now = Date.now();

  return (
    <Page
      title={customer.name ?? customer.email ?? "Customer"}
      subtitle={customer.name && customer.email ? customer.email : undefined}
      backAction={{ content: "Customers", url: "/app/customers" }}
      titleMetadata={
        <InlineStack gap="100">
          <HealthMark health={customer.health} thresholds={thresholds} />
          {customer.member ? <Badge>Member</Badge> : null}
          {tiers?.held ? <Badge tone="info">{`${tiers.held.name} tier`}</Badge> : null}
          {customer.deleted ? <Badge tone="critical">Deleted in Shopify</Badge> : null}
        </InlineStack>
      }
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <InlineGrid columns={{ xs: 1, sm: 3 }} gap="400">
              <Figure
                label="Balance"
                value={<span data-balance={customer.points.total}>{customer.points.total.toLocaleString("en")}</span>}
                tone={customer.points.total < 0 ? "critical" : undefined}
                note={
                  customer.points.total < 0
                    ? `Below zero: more was taken back (a refund, an adjustment) than was left. New ${pointsName} pay this off first.`
                    : `${customer.points.available.toLocaleString("en")} ${pointsName} can be spent now`
                }
              />
              <Figure
                label="Pending"
                value={<span data-pending={customer.points.pending}>{customer.points.pending.toLocaleString("en")}</span>}
                note="Earned, spendable after the pending period"
              />
              <Figure
                label="Orders"
                value={customer.orders.toLocaleString("en")}
                note={
                  customer.lastOrderAt
                    ? `Last on ${formatDate(customer.lastOrderAt, timezone)} (${Math.floor((now - Date.parse(customer.lastOrderAt)) / 86_400_000)} days ago)`
                    : "No counted orders yet"
                }
              />
            </InlineGrid>
            <Card padding="0">
              <BlockStack>
                <div style={{ padding: "var(--p-space-400)" }}>
                  <Text as="h2" variant="headingMd">
                    History
                  </Text>
                </div>
                {customer.history.length === 0 ? (
                  <div style={{ padding: "0 var(--p-space-400) var(--p-space-400)" }}>
                    <Text as="p" tone="subdued">
                      No {pointsName} yet.
                    </Text>
                  </div>
                ) : (
                  <div data-ledger="history">
                    <DataTable
                      columnContentTypes={["text", "text", "numeric", "text"]}
                      headings={["Date", "What", pointsName.charAt(0).toUpperCase() + pointsName.slice(1), "Spendable"]}
                      rows={customer.history.map((entry) => [
                        formatDate(entry.createdAt, timezone),
                        entry.note ? `${REASON_NAMES[entry.reason] ?? entry.reason}: ${entry.note}` : (REASON_NAMES[entry.reason] ?? entry.reason),
                        signed(entry.points),
                        Date.parse(entry.availableAt) > now ? `from ${formatDate(entry.availableAt, timezone)}` : "now",
                      ])}
                    />
                  </div>
                )}
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <InsightsCard insights={customer} timezone={timezone} />
            {customer.surveyAnswers.length > 0 && <SurveyAnswers answers={customer.surveyAnswers} timezone={timezone} />}
            <Card>
              <Form method="post" data-form="adjust-points">
                <input type="hidden" name="adjustmentId" value={adjustmentId} />
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    Adjust {pointsName}
                  </Text>
                  {result?.ok && !isTierResult && "adjusted" in result && navigation.state === "idle" && (
                    <Banner tone="success">
                      <p>
                        {signed(result.adjusted)} {pointsName} recorded. The balance is now {result.balance.total.toLocaleString("en")}.
                      </p>
                    </Banner>
                  )}
                  {errors.form || errors.adjustmentId ? (
                    <Banner tone="critical">
                      <p>{errors.form ?? errors.adjustmentId}</p>
                    </Banner>
                  ) : null}
                  <FormLayout>
                    <TextField
                      label="Points"
                      name="points"
                      type="number"
                      autoComplete="off"
                      value={points}
                      onChange={setPoints}
                      error={errors.points}
                      helpText="A negative number removes points; the balance may go below zero."
                    />
                    <TextField
                      label="Reason"
                      name="reason"
                      autoComplete="off"
                      value={reason}
                      onChange={setReason}
                      error={errors.reason}
                      helpText="Shown to the customer in their history."
                      maxLength={200}
                    />
                  </FormLayout>
                  <InlineStack align="end">
                    <Button submit variant="primary" loading={navigation.state === "submitting"}>
                      Adjust
                    </Button>
                  </InlineStack>
                </BlockStack>
              </Form>
            </Card>
            {tiers ? (
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    VIP tier
                  </Text>
                  <Text as="p" variant="headingLg">
                    <span data-tier={tiers.held?.name ?? ""}>{tiers.held?.name ?? "No tier"}</span>
                  </Text>
                  <Text as="p" tone="subdued" variant="bodySm">
                    {tiers.override
                      ? `Set by the shop on ${formatDate(tiers.override.at, timezone)}: ${tiers.override.reason}`
                      : `${tiers.basis === "AMOUNT_SPENT" ? `${tiers.progress} ${currencyCode} spent` : `${tiers.progress} ${pointsName} earned`}${
                          tiers.next ? `; ${tiers.remaining} more for ${tiers.next}` : "; the top tier"
                        }`}
                  </Text>
                  <Form method="post" data-form="tier-override">
                    <input type="hidden" name="intent" value="tier-override" />
                    <BlockStack gap="200">
                      <Select
                        label="Put in a tier"
                        name="tierId"
                        options={[{ label: "Choose a tier", value: "" }, ...tiers.ladder.map((tier) => ({ label: tier.name, value: tier.id }))]}
                        value={overrideTier}
                        onChange={setOverrideTier}
                        error={tierErrors.tierId}
                      />
                      <TextField
                        label="Reason"
                        name="tierReason"
                        autoComplete="off"
                        value={tierReason}
                        onChange={setTierReason}
                        maxLength={MAX_OVERRIDE_REASON}
                        error={tierErrors.tierReason}
                        helpText="Kept in the tier history. The customer stays in this tier until the override is cleared."
                      />
                      <InlineStack align="end">
                        <Button submit>Override tier</Button>
                      </InlineStack>
                    </BlockStack>
                  </Form>
                  {tiers.override ? (
                    <Form method="post" data-form="clear-override">
                      <input type="hidden" name="intent" value="clear-override" />
                      <Button submit variant="plain">
                        Clear the override
                      </Button>
                    </Form>
                  ) : null}
                  <BlockStack gap="100">
                    <Text as="h3" variant="headingSm">
                      Tier history
                    </Text>
                    {tiers.changes.length === 0 ? (
                      <Text as="p" tone="subdued">
                        No tier changes yet.
                      </Text>
                    ) : (
                      <div data-tier-history>
                        {tiers.changes.map((change, index) => (
                          <Text as="p" variant="bodySm" key={`${change.createdAt}-${index}`}>
                            {`${formatDate(change.createdAt, timezone)} · ${change.fromTierName ?? "No tier"} → ${change.toTierName ?? "No tier"} · ${TIER_CHANGE_NAMES[change.reason] ?? change.reason}${change.note ? `: ${change.note}` : ""}`}
                          </Text>
                        ))}
                      </div>
                    )}
                  </BlockStack>
                </BlockStack>
              </Card>
            ) : null}
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Referrals
                </Text>
                {customer.referrals.length === 0 ? (
                  <Text as="p" tone="subdued">
                    No friends referred yet.
                  </Text>
                ) : (
                  customer.referrals.map((referral, index) => (
                    <BlockStack key={`${referral.createdAt}-${index}`} gap="050">
                      <InlineStack align="space-between" gap="200">
                        <Text as="span">{referral.friend ?? "A visitor"}</Text>
                        <Text as="span" tone="subdued">
                          {formatDate(referral.createdAt, timezone)}
                        </Text>
                      </InlineStack>
                      <Text as="p" tone={referral.status === "REFUSED" ? "critical" : "subdued"} variant="bodySm">
                        <span data-referral-reason={referral.refusalReason ?? referral.status}>
                          {referral.status === "REFUSED"
                            ? (REFERRAL_REFUSALS[referral.refusalReason ?? ""] ?? "Refused")
                            : (REFERRAL_STATES[referral.status] ?? referral.status)}
                        </span>
                      </Text>
                    </BlockStack>
                  ))
                )}
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Scheduled follow-ups
                </Text>
                {customer.followUps.length === 0 ? (
                  <Text as="p" tone="subdued">
                    None scheduled.
                  </Text>
                ) : (
                  customer.followUps.map((followUp) => (
                    <InlineStack key={`${followUp.kind}-${followUp.dueAt}`} align="space-between" gap="200">
                      <Text as="span">
                        {FOLLOW_UP_NAMES[followUp.kind] ?? followUp.kind}
                        {followUp.productTitle ? ` · ${followUp.productTitle}` : ""}
                      </Text>
                      <Text as="span" tone="subdued">
                        {formatDate(followUp.dueAt, timezone)}
                      </Text>
                    </InlineStack>
                  ))
                )}
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

/** One of the customer's headline numbers: what it is, the number, and a line on what it means. */
function Figure({ label, value, note, tone }: { label: string; value: ReactNode; note: string; tone?: "critical" }) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="h3" variant="headingSm" tone="subdued">
          {label}
        </Text>
        <Text as="p" variant="heading2xl" tone={tone}>
          {value}
        </Text>
        <Text as="p" tone="subdued" variant="bodySm">
          {note}
        </Text>
      </BlockStack>
    </Card>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <Page title="Customer not found" backAction={{ content: "Customers", url: "/app/customers" }}>
        <Banner tone="warning" title="There is no such customer in this shop">
          <p>They may have been erased at the customer's request. Search for them on the Customers page.</p>
        </Banner>
      </Page>
    );
  }
  return <PageLoadError what="The customer" page="Customer" />;
}

type SurveyAnswer = ReturnType<typeof useLoaderData<typeof loader>>["customer"]["surveyAnswers"][number];

/** The customer's survey answers; an unhappy one is an open issue (the amber mark) until resolved here or on the Surveys page. */
function SurveyAnswers({ answers, timezone }: { answers: SurveyAnswer[]; timezone: string }) {
  const fetcher = useFetcher();
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Survey answers
        </Text>
        {answers.map((answer) => {
          const open = answer.opensIssue && !answer.resolvedAt;
          return (
            <div key={answer.id} data-survey-answer={answer.id} data-open-issue={open ? "true" : "false"}>
              <BlockStack gap="100">
                <InlineStack gap="200" blockAlign="center">
                  <Badge tone={open ? "warning" : undefined}>{`${answer.type} ${answer.score}`}</Badge>
                  <Text as="span" tone="subdued" variant="bodySm">
                    {`${formatDate(answer.respondedAt, timezone)} · ${answer.source === "EMAIL" ? "survey email" : "storefront widget"}`}
                  </Text>
                </InlineStack>
                {answer.comment ? <Text as="p">{answer.comment}</Text> : null}
                {open ? (
                  <InlineStack>
                    <Button
                      size="slim"
                      loading={fetcher.state !== "idle" && fetcher.formData?.get("responseId") === answer.id}
                      onClick={() => fetcher.submit({ responseId: answer.id }, { method: "post", action: "/app/surveys" })}
                    >
                      Mark resolved
                    </Button>
                  </InlineStack>
                ) : answer.opensIssue && answer.resolvedAt ? (
                  <Text as="p" tone="subdued" variant="bodySm">{`Resolved ${formatDate(answer.resolvedAt, timezone)}`}</Text>
                ) : null}
              </BlockStack>
            </div>
          );
        })}
      </BlockStack>
    </Card>
  );
}
