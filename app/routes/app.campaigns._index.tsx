/**
 * Campaigns in the admin: the shop's one-off emails, and a new one: an audience (everyone, an RFM
 * segment or a health colour), a subject and body with the follow-ups' merge fields, a live preview,
 * how many can receive it after consent, a test send to the merchant, an optional unique code per
 * recipient, then Send. The follow-up workers send it at the chosen rate.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useFetcher, useLoaderData, useNavigate, useNavigation, useSubmit } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, FormLayout, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { randomUUID } from "node:crypto";
import { useEffect, useMemo, useState } from "react";

import { PageLoadError } from "../admin/page-load-error";
import { AUDIENCE_CHOICES, audienceLabel } from "../campaigns/audience";
import { CampaignRefusedError, countCampaignAudience, listCampaigns, sendCampaign, sendTestCampaign, type AudienceCount, type CampaignSummary } from "../campaigns/campaigns.server";
import { parseCampaignForm, type CampaignDiscountKind, type CampaignFieldErrors } from "../campaigns/form";
import { previewCampaignEmail } from "../campaigns/preview";
import db from "../db.server";
import { env } from "../env.server";
import { defaultFromAddress, mailTransportFor } from "../follow-ups/mail.server";
import { followUpSettings } from "../follow-ups/schedule.server";
import { MERGE_FIELDS_BY_KIND } from "../follow-ups/templates";
import { installedShop } from "../shops/installation.server";
import type { AdminGraphql } from "../shopify/admin-graphql.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const [campaigns, settings] = await Promise.all([listCampaigns(db, shop.id), followUpSettings(db, shop.id)]);
  return {
    campaigns,
    shop: { name: shop.name ?? shop.domain, domain: shop.domain, timezone: shop.ianaTimezone, currencyCode: shop.currencyCode },
    branding: { brandColor: settings.brandColor, logoUrl: settings.logoUrl },
    quietHours: { start: settings.quietHoursStart, end: settings.quietHoursEnd },
    // One key per form shown: a resubmitted Send finds its campaign instead of sending again.
    sendKey: randomUUID(),
  };
};

type ActionAnswer =
  | { intent: "count"; ok: true; count: AudienceCount }
  | { intent: "test" | "send"; ok: true; message: string; campaignId?: string }
  | { intent: string; ok: false; errors: CampaignFieldErrors };

export const action = async ({ request }: ActionFunctionArgs): Promise<ActionAnswer | Response> => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const form = Object.fromEntries(await request.formData());
  const intent = String(form.intent ?? "");
  const graphql = admin.graphql as unknown as AdminGraphql;
  const now = new Date();
  if (intent === "count") {
    if (!AUDIENCE_CHOICES.some((choice) => choice.value === form.audience)) return { intent, ok: false, errors: { audience: "must be one of the listed audiences" } };
    return { intent, ok: true, count: await countCampaignAudience(db, graphql, shop.id, String(form.audience), now) };
  }
  if (intent !== "test" && intent !== "send") return Response.json({ intent, ok: false, errors: { form: "Unknown action" } }, { status: 400 });
  const parsed = parseCampaignForm(form);
  if (!parsed.ok) return Response.json({ intent, ok: false, errors: parsed.errors }, { status: 422 });
  if (intent === "test") {
    const settings = env();
    const transport = mailTransportFor(settings);
    try {
      const { to } = await sendTestCampaign({ db, transport, shopId: shop.id, campaign: parsed.value, appUrl: settings.SHOPIFY_APP_URL, defaultFromAddress: defaultFromAddress(settings), now });
      return { intent, ok: true, message: `Test email sent to ${to}.` };
    } catch (error) {
      return Response.json({ intent, ok: false, errors: { form: `The test email could not be sent: ${error instanceof Error ? error.message : String(error)}` } }, { status: 502 });
    } finally {
      transport.close();
    }
  }
  const sendKey = typeof form.sendKey === "string" ? form.sendKey : "";
  if (!/^[0-9a-f-]{36}$/.test(sendKey)) return Response.json({ intent, ok: false, errors: { form: "This form is out of date: reload the page" } }, { status: 400 });
  try {
    const { id, recipients } = await sendCampaign(db, graphql, shop.id, parsed.value, sendKey, now);
    return { intent, ok: true, campaignId: id, message: `Sending to ${recipients} customer${recipients === 1 ? "" : "s"}.` };
  } catch (error) {
    if (error instanceof CampaignRefusedError) return Response.json({ intent, ok: false, errors: { audience: error.message } }, { status: 422 });
    throw error;
  }
};

const DISCOUNT_OPTIONS = [
  { label: "No code", value: "NONE" },
  { label: "Percentage off the order", value: "PERCENTAGE" },
  { label: "Amount off the order", value: "AMOUNT" },
];

const NEW_CAMPAIGN = {
  name: "",
  audience: "segment:At risk",
  subject: "We saved something for you, {{first_name}}",
  body: "Hi {{first_name}},\n\nIt has been a while since your last visit to {{shop_name}}. Here is {{discount}} off your next order.\n\nYour code: {{code}}\n\nIt can be used once and expires on {{code_expires}}.\n\nYou have {{points_balance}} points waiting too.",
  discountKind: "PERCENTAGE",
  discountValue: "15",
  discountValidDays: "14",
  ratePerMinute: "60",
  attributionDays: "14",
};
type Draft = typeof NEW_CAMPAIGN;

const STATE_BADGE: Record<CampaignSummary["state"], { label: string; tone: "info" | "success" | "critical" | undefined }> = {
  sending: { label: "Sending", tone: "info" },
  sent: { label: "Sent", tone: "success" },
  cancelled: { label: "Cancelled", tone: undefined },
};

/** Where the count's consent came from, when not all of it from Shopify just now. */
function consentNote(count: { consentFromShopify: boolean; consentAsRecorded: number }): string {
  if (!count.consentFromShopify) return ": consent as last recorded, Shopify did not answer";
  if (count.consentAsRecorded > 0) return `: consent of ${count.consentAsRecorded.toLocaleString("en")} customers as last recorded, each asked of Shopify again before their email goes out`;
  return "";
}

export default function Campaigns() {
  const { campaigns, shop, branding, quietHours, sendKey } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as ActionAnswer | undefined;
  const counter = useFetcher<ActionAnswer>();
  const submit = useSubmit();
  const navigate = useNavigate();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const [draft, setDraft] = useState<Draft | null>(null);
  const errors: CampaignFieldErrors = answer && !answer.ok ? answer.errors : {};

  // A sent campaign opens its own page.
  useEffect(() => {
    if (answer?.ok && answer.intent === "send" && "campaignId" in answer && answer.campaignId) navigate(`/app/campaigns/${answer.campaignId}`);
  }, [answer, navigate]);

  // The audience's count after consent, asked again whenever the audience changes.
  const audience = draft?.audience;
  useEffect(() => {
    if (audience) counter.submit({ intent: "count", audience }, { method: "post" });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [audience]);
  const count = counter.data?.ok && counter.data.intent === "count" && "count" in counter.data ? counter.data.count : null;

  const preview = useMemo(() => {
    if (!draft) return null;
    return previewCampaignEmail(
      { ...draft, discountKind: draft.discountKind as CampaignDiscountKind, discountValidDays: Number(draft.discountValidDays) || 0 },
      shop,
      branding,
      "#unsubscribe",
      new Date(),
    );
  }, [draft, shop, branding]);

  const field = (name: keyof Draft) => ({
    value: draft?.[name] ?? "",
    onChange: (value: string) => setDraft((current) => (current ? { ...current, [name]: value } : current)),
    error: errors[name],
    autoComplete: "off",
    name,
  });
  const send = (intent: "test" | "send") => draft && submit({ intent, sendKey, ...draft }, { method: "post" });
  const mergeFields = MERGE_FIELDS_BY_KIND.CAMPAIGN.map((name) => `{{${name}}}`).join(", ");

  return (
    <Page title="Campaigns" subtitle="One-off emails to a group of your customers" primaryAction={draft ? undefined : { content: "New campaign", onAction: () => setDraft(NEW_CAMPAIGN) }}>
      <Layout>
        {answer?.ok && answer.intent === "test" && "message" in answer ? (
          <Layout.Section>
            <Banner tone="success">{answer.message}</Banner>
          </Layout.Section>
        ) : null}
        {errors.form ? (
          <Layout.Section>
            <Banner tone="critical">{errors.form}</Banner>
          </Layout.Section>
        ) : null}
        {draft ? (
          <>
            <Layout.Section variant="oneHalf">
              <Card>
                <BlockStack gap="400">
                  <Text as="h2" variant="headingMd">
                    New campaign
                  </Text>
                  <FormLayout>
                    <TextField label="Name" helpText="For you only: customers do not see it." {...field("name")} />
                    <Select label="Audience" options={AUDIENCE_CHOICES} {...field("audience")} />
                    <Box>
                      <Text as="p" tone="subdued" id="audience-count">
                        {counter.state !== "idle"
                          ? "Counting…"
                          : count
                            ? `${count.reachable} of ${count.customers} customers in ${audienceLabel(draft.audience)} can receive it (email marketing consent, not unsubscribed)${consentNote(count)}.`
                            : ""}
                      </Text>
                    </Box>
                    <TextField label="Subject" {...field("subject")} />
                    <TextField label="Body" multiline={8} helpText={`Blank lines start a new paragraph. Merge fields: ${mergeFields}. A paragraph whose field has no value (no code) is left out.`} {...field("body")} />
                    <Select label="Discount code" options={DISCOUNT_OPTIONS} helpText="A unique single-use code for each recipient, created in your shop." {...field("discountKind")} />
                    {draft.discountKind !== "NONE" ? (
                      <FormLayout.Group>
                        <TextField
                          label={draft.discountKind === "PERCENTAGE" ? "Percentage off" : `Amount off (${shop.currencyCode})`}
                          suffix={draft.discountKind === "PERCENTAGE" ? "%" : undefined}
                          {...field("discountValue")}
                        />
                        <TextField label="Code expires after" suffix="days" {...field("discountValidDays")} />
                      </FormLayout.Group>
                    ) : null}
                    <FormLayout.Group>
                      <TextField
                        label="Sending rate"
                        suffix="emails a minute"
                        helpText={quietHours.start === quietHours.end ? undefined : `Nothing goes out in your quiet hours (${quietHours.start}:00 to ${quietHours.end}:00).`}
                        {...field("ratePerMinute")}
                      />
                      <TextField label="Count orders using its codes within" suffix="days" {...field("attributionDays")} />
                    </FormLayout.Group>
                  </FormLayout>
                  <InlineStack gap="200" align="end">
                    <Button onClick={() => setDraft(null)} disabled={busy}>
                      Discard
                    </Button>
                    <Button onClick={() => send("test")} disabled={busy}>
                      Send test to me
                    </Button>
                    <Button variant="primary" onClick={() => send("send")} loading={busy && navigation.formData?.get("intent") === "send"} disabled={busy}>
                      Send campaign
                    </Button>
                  </InlineStack>
                </BlockStack>
              </Card>
            </Layout.Section>
            <Layout.Section variant="oneHalf">
              <Card>
                <BlockStack gap="200">
                  <Text as="h2" variant="headingMd">
                    Preview
                  </Text>
                  <Text as="p" variant="bodySm" tone="subdued">
                    Subject: <span id="preview-subject">{preview?.subject}</span>
                  </Text>
                  <iframe title="Email preview" srcDoc={preview?.html} style={{ width: "100%", height: 560, border: "1px solid #e1e3e5", borderRadius: 8 }} />
                </BlockStack>
              </Card>
            </Layout.Section>
          </>
        ) : null}
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Sent campaigns
              </Text>
              {campaigns.length === 0 ? (
                <Text as="p" tone="subdued">
                  No campaigns yet. A campaign emails a group of customers once, for example everyone at risk of not coming back.
                </Text>
              ) : (
                <BlockStack gap="200">
                  {campaigns.map((campaign) => (
                    <InlineStack key={campaign.id} align="space-between" blockAlign="center" gap="300">
                      <BlockStack gap="050">
                        <Link to={`/app/campaigns/${campaign.id}`}>{campaign.name}</Link>
                        <Text as="span" variant="bodySm" tone="subdued">
                          {audienceLabel(campaign.audience)} · {new Date(campaign.sentAt).toLocaleString("en", { dateStyle: "medium", timeStyle: "short", timeZone: shop.timezone })}
                        </Text>
                      </BlockStack>
                      <InlineStack gap="300" blockAlign="center">
                        <Text as="span">
                          {campaign.sent} of {campaign.recipients} sent
                        </Text>
                        <Badge tone={STATE_BADGE[campaign.state].tone}>{STATE_BADGE[campaign.state].label}</Badge>
                      </InlineStack>
                    </InlineStack>
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
  return <PageLoadError what="The campaigns" page="Campaigns" />;
}
