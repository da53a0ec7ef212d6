/**
 * One campaign: how far its sending is, what went out and what failed, who unsubscribed through its
 * emails, and the orders and sales that used its codes within its attribution days. Cancel stops what
 * has not started sending. Another shop's campaign is a 404.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { isRouteErrorResponse, useActionData, useLoaderData, useNavigation, useRevalidator, useRouteError, useSubmit } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Card, InlineGrid, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { useEffect } from "react";

import { PageLoadError } from "../admin/page-load-error";
import { audienceLabel } from "../campaigns/audience";
import { campaignReport, cancelCampaign } from "../campaigns/campaigns.server";
import { discountText } from "../campaigns/form";
import db from "../db.server";
import { formatMoney } from "../orders/money";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const campaign = await campaignReport(db, shop.id, params.id ?? "");
  // Another shop's campaign is as unknown here as one that never existed.
  if (!campaign) throw new Response("No such campaign", { status: 404 });
  return { campaign, currencyCode: shop.currencyCode, timezone: shop.ianaTimezone };
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const form = await request.formData();
  if (form.get("intent") !== "cancel") return Response.json({ ok: false, message: "Unknown action" }, { status: 400 });
  const cancelled = await cancelCampaign(db, shop.id, params.id ?? "", new Date());
  if (!cancelled) {
    const exists = await db.campaign.findFirst({ where: { id: params.id ?? "", shopId: shop.id }, select: { id: true } });
    if (!exists) return Response.json({ ok: false, message: "No such campaign in this shop." }, { status: 404 });
    return Response.json({ ok: false, message: "This campaign is no longer sending." }, { status: 409 });
  }
  return { ok: true, message: "Campaign cancelled: nothing more of it goes out." };
};

const STATE_BADGE = {
  sending: { label: "Sending", tone: "info" as const },
  sent: { label: "Sent", tone: "success" as const },
  cancelled: { label: "Cancelled", tone: undefined },
};

function Figure({ label, value, id }: { label: string; value: string | number; id: string }) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="span" variant="bodySm" tone="subdued">
          {label}
        </Text>
        <Text as="span" variant="headingLg" id={id}>
          {value}
        </Text>
      </BlockStack>
    </Card>
  );
}

export default function Campaign() {
  const { campaign, currencyCode, timezone } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const submit = useSubmit();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const badge = STATE_BADGE[campaign.state];
  const code = discountText({ discountKind: campaign.discountKind, discountValue: campaign.discountValue }, currencyCode);

  // While it is sending, the figures follow the workers.
  useEffect(() => {
    if (campaign.state !== "sending") return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 5_000);
    return () => clearInterval(timer);
  }, [campaign.state, revalidator]);

  return (
    <Page
      title={campaign.name}
      titleMetadata={<Badge tone={badge.tone}>{badge.label}</Badge>}
      subtitle={`${audienceLabel(campaign.audience)} · sent ${new Date(campaign.sentAt).toLocaleString("en", { dateStyle: "medium", timeStyle: "short", timeZone: timezone })}`}
      backAction={{ content: "Campaigns", url: "/app/campaigns" }}
      secondaryActions={
        campaign.state === "sending"
          ? [{ content: "Cancel campaign", destructive: true, disabled: navigation.state !== "idle", onAction: () => submit({ intent: "cancel" }, { method: "post" }) }]
          : []
      }
    >
      <Layout>
        {answer ? (
          <Layout.Section>
            <Banner tone={answer.ok ? "success" : "critical"}>{answer.message}</Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <InlineGrid columns={{ xs: 2, md: 4 }} gap="300">
            <Figure label="Recipients" value={campaign.recipients} id="campaign-recipients" />
            <Figure label="Sent" value={campaign.sent} id="campaign-sent" />
            <Figure label="Failed" value={campaign.failed} id="campaign-failed" />
            <Figure label="Waiting to send" value={campaign.waiting} id="campaign-waiting" />
            <Figure label="Not sent (unsubscribed, no consent, cancelled)" value={campaign.skipped} id="campaign-skipped" />
            <Figure label="Unsubscribed through it" value={campaign.unsubscribed} id="campaign-unsubscribed" />
            <Figure label={`Orders with its codes within ${campaign.attributionDays} days`} value={campaign.orders} id="campaign-orders" />
            <Figure label="Their sales" value={formatMoney(campaign.revenue, currencyCode)} id="campaign-revenue" />
          </InlineGrid>
        </Layout.Section>
        {campaign.failures.length > 0 ? (
          <Layout.Section>
            <Banner tone="warning" title="Why some failed">
              <ul>
                {campaign.failures.map((failure) => (
                  <li key={failure.reason}>
                    {failure.count} × {failure.reason}
                  </li>
                ))}
              </ul>
            </Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                {campaign.subject}
              </Text>
              <Box>
                {campaign.body.split(/\n\s*\n/).map((paragraph, index) => (
                  <p key={index} style={{ margin: "0 0 12px", whiteSpace: "pre-line" }}>
                    {paragraph}
                  </p>
                ))}
              </Box>
              <InlineStack gap="400">
                <Text as="span" tone="subdued">
                  {code ? `A unique code for ${code} off, valid ${campaign.discountValidDays} days` : "No discount code"}
                </Text>
                <Text as="span" tone="subdued">
                  {campaign.ratePerMinute} emails a minute
                </Text>
                {campaign.cancelledAt ? (
                  <Text as="span" tone="subdued">
                    Cancelled {new Date(campaign.cancelledAt).toLocaleString("en", { dateStyle: "medium", timeStyle: "short", timeZone: timezone })}
                  </Text>
                ) : null}
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <Page title="Campaign not found" backAction={{ content: "Campaigns", url: "/app/campaigns" }}>
        <Banner tone="warning" title="There is no such campaign in this shop" />
      </Page>
    );
  }
  return <PageLoadError what="The campaign" page="Campaign" />;
}
