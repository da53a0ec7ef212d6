import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useNavigate } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, Divider, InlineGrid, InlineStack, Layout, Page, ProgressBar, RadioButton, Select, Text } from "@shopify/polaris";
import { useState, type ReactNode } from "react";
import { z } from "zod";

import db from "../db.server";
import { env } from "../env.server";
import { mailTransportFor } from "../follow-ups/mail.server";
import type { FollowUpKind } from "../follow-ups/rules";
import { KIND_LABELS, WIN_BACK_PAST_DAYS_CHOICES } from "../follow-ups/settings";
import { setFollowUpKindEnabled } from "../follow-ups/settings.server";
import { sendTestFollowUp } from "../follow-ups/test-send.server";
import { defaultFromAddress } from "../follow-ups/mail.server";
import { pointsLiabilityNow } from "../reports/metrics.server";
import { wakeJob } from "../jobs/wake.server";
import { historyImportProgress } from "../orders/history-import.server";
import { installedShop } from "../shops/installation.server";
import { confirmAppEmbed, launchChecklist, type LaunchChecklist } from "../shops/launch-checklist.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const settings = env();
  const [historyImport, liability, checklist] = await Promise.all([
    historyImportProgress(db, shop.id),
    pointsLiabilityNow(db, shop),
    launchChecklist(db, shop.id, { apiKey: settings.SHOPIFY_API_KEY, appUrl: settings.SHOPIFY_APP_URL, now: new Date() }),
  ]);
  // The history-import job resumes an import whose process stopped; a visit only wakes it.
  if (historyImport?.status === "running") wakeJob("history-import", shop.id);
  return {
    historyImport: historyImport && {
      status: historyImport.status,
      phase: historyImport.phase,
      linesDone: historyImport.linesDone,
      linesTotal: historyImport.linesTotal,
      customersImported: historyImport.customersImported,
      ordersImported: historyImport.ordersImported,
      error: historyImport.error,
    },
    liability,
    checklist,
    shopName: shop.name ?? shop.domain,
    currencyCode: shop.currencyCode,
    timezone: shop.ianaTimezone,
    installedAt: shop.installedAt.toISOString(),
    settings: {
      pointsName: shop.settings.pointsName,
      welcomePoints: shop.settings.welcomePoints,
      secondPurchaseBonus: shop.settings.secondPurchaseBonus,
      pointsPerCurrencyUnit: shop.settings.pointsPerCurrencyUnit,
      referrerPoints: shop.settings.referrerPoints,
    },
  };
};

const KIND = z.enum(["THANK_YOU", "NEXT_PURCHASE", "REPLENISHMENT", "WIN_BACK"]);
const ChecklistAction = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("confirm-embed") }),
  z.object({ intent: z.literal("test-send"), kind: KIND }),
  z.object({ intent: z.literal("turn-on"), kind: KIND, winBackPastDays: z.coerce.number().int().min(0).max(730).optional() }),
  z.object({ intent: z.literal("turn-off"), kind: KIND }),
]);

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await db.shop.findUniqueOrThrow({ where: { domain: session.shop }, select: { id: true } });
  const parsed = ChecklistAction.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return Response.json({ ok: false, message: "That request is not one this page makes." }, { status: 400 });
  const input = parsed.data;
  const now = new Date();
  switch (input.intent) {
    case "confirm-embed":
      await confirmAppEmbed(db, shop.id, now);
      return { ok: true, message: "Marked as turned on." };
    case "test-send": {
      const settings = env();
      const transport = mailTransportFor(settings);
      try {
        const { to } = await sendTestFollowUp({ db, transport, shopId: shop.id, kind: input.kind, appUrl: settings.SHOPIFY_APP_URL, defaultFromAddress: defaultFromAddress(settings), now });
        return { ok: true, message: `Test ${KIND_LABELS[input.kind].toLowerCase()} email sent to ${to}.` };
      } catch (error) {
        return Response.json({ ok: false, message: `The test email could not be sent: ${error instanceof Error ? error.message : String(error)}` }, { status: 502 });
      } finally {
        transport.close();
      }
    }
    case "turn-on":
      await setFollowUpKindEnabled(db, shop.id, input.kind, true, now, { winBackPastDays: input.winBackPastDays });
      return { ok: true, message: `${KIND_LABELS[input.kind]} is on.` };
    case "turn-off":
      await setFollowUpKindEnabled(db, shop.id, input.kind, false, now);
      return { ok: true, message: `${KIND_LABELS[input.kind]} is off: none of it is sent from now on.` };
  }
};

type ActionAnswer = { ok: boolean; message: string };

const customersCount = (count: number) => `${count.toLocaleString("en")} ${count === 1 ? "customer" : "customers"}`;

function dateIn(timezone: string, iso: string, style: "date" | "dateTime" = "date"): string {
  return new Date(iso).toLocaleString("en", style === "date" ? { dateStyle: "medium", timeZone: timezone } : { dateStyle: "medium", timeStyle: "short", timeZone: timezone });
}

function Step({ done, title, children }: { done: boolean; title: string; children: ReactNode }) {
  return (
    <section aria-label={title} data-step-done={done}>
      <BlockStack gap="200">
        <InlineStack gap="200" blockAlign="center">
          <Badge tone={done ? "success" : "attention"}>{done ? "Done" : "To do"}</Badge>
          <Text as="h3" variant="headingSm">
            {title}
          </Text>
        </InlineStack>
        {children}
      </BlockStack>
    </section>
  );
}

const AUDIENCE: Record<Exclude<FollowUpKind, "WIN_BACK">, string> = {
  THANK_YOU: "Goes to each new customer after their first paid order, from the next one on. Past orders get nothing.",
  NEXT_PURCHASE: "Goes to each new customer some days after their first paid order, from the next one on, if they agreed to email marketing. Past orders get nothing.",
  REPLENISHMENT: "Goes before a product bought from now on runs out, for products with a use-up interval, if the customer agreed to email marketing. Past orders get nothing.",
  POINTS_EXPIRY: "Goes some days before a customer's points expire, once per expiry date, if the program's points expire and the customer agreed to email marketing.",
  SURVEY: "Asks each customer how you did, some days after their order is fulfilled (or after the order if you do not fulfil through Shopify), at most once a month. Orders from now on only; answers appear on the Surveys page.",
};

function FollowUpStep({ item, checklist, timezone }: { item: LaunchChecklist["followUps"][number]; checklist: LaunchChecklist; timezone: string }) {
  const fetcher = useFetcher<ActionAnswer>();
  const navigate = useNavigate();
  const { winBack } = checklist;
  const [includePast, setIncludePast] = useState(winBack.pastDays > 0);
  const [pastDays, setPastDays] = useState(String(winBack.pastDays > 0 ? winBack.pastDays : 90));
  const label = KIND_LABELS[item.kind];
  const busy = fetcher.state !== "idle";
  const answer = fetcher.state === "idle" ? fetcher.data : undefined;
  const post = (data: Record<string, string>) => fetcher.submit({ kind: item.kind, ...data }, { method: "post" });
  const reachNow = includePast ? (winBack.choices.find((choice) => String(choice.days) === pastDays)?.customers ?? 0) : 0;

  return (
    <Step done={item.enabled} title={`${label} email`}>
      <InlineStack gap="200" blockAlign="center">
        <Text as="span">Status:</Text>
        <Badge tone={item.enabled ? "success" : undefined}>{item.enabled ? "On" : "Off"}</Badge>
        {item.testSentAt && (
          <Text as="span" tone="subdued">
            Test sent {dateIn(timezone, item.testSentAt, "dateTime")}
          </Text>
        )}
      </InlineStack>
      {item.kind === "WIN_BACK" ? (
        <BlockStack gap="200">
          <Text as="p">
            Goes to customers who reach {winBack.afterDays} days without an order, if they agreed to email marketing
            {winBack.discountPercent > 0 ? `, with a unique ${winBack.discountPercent}%-off code` : ""}. In the last 30 days{" "}
            <strong data-count="lapsed-last-30-days">{winBack.lapsedLast30Days.toLocaleString("en")}</strong> {winBack.lapsedLast30Days === 1 ? "customer" : "customers"} reached{" "}
            {winBack.afterDays} days.
          </Text>
          {item.enabled ? (
            <Text as="p" tone="subdued">
              {winBack.pastDays > 0
                ? `On since ${winBack.startedAt ? dateIn(timezone, winBack.startedAt) : "before this was recorded"}, including customers who had lapsed up to ${winBack.pastDays} days before.`
                : `On since ${winBack.startedAt ? dateIn(timezone, winBack.startedAt) : "before this was recorded"}, for customers who lapse from then on.`}{" "}
              In its window now: {customersCount(winBack.inWindowNow)}.
            </Text>
          ) : (
            <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
              <legend>
                <Text as="span" fontWeight="semibold">
                  Who to write to when it goes on
                </Text>
              </legend>
              <BlockStack gap="100">
                <RadioButton
                  label="Only customers who lapse from now on"
                  helpText={`Nobody is written to today; customers are written to as they reach ${winBack.afterDays} days without an order.`}
                  checked={!includePast}
                  id="win-back-from-now-on"
                  name="win-back-audience"
                  onChange={() => setIncludePast(false)}
                />
                <RadioButton
                  label="Also past customers who already lapsed"
                  helpText="Customers whose last order is older get one win-back each, once, as soon as it goes on."
                  checked={includePast}
                  id="win-back-include-past"
                  name="win-back-audience"
                  onChange={() => setIncludePast(true)}
                />
                {includePast && (
                  <Box paddingInlineStart="600">
                    <Select
                      label="Lapsed up to"
                      options={WIN_BACK_PAST_DAYS_CHOICES.filter((days) => days > 0).map((days) => {
                        const customers = winBack.choices.find((choice) => choice.days === days)?.customers ?? 0;
                        return { value: String(days), label: `${days} days ago (last order ${winBack.afterDays}–${winBack.afterDays + days} days ago): ${customersCount(customers)}` };
                      })}
                      value={pastDays}
                      onChange={setPastDays}
                    />
                  </Box>
                )}
              </BlockStack>
            </fieldset>
          )}
          {!item.enabled && (
            <Text as="p" fontWeight="semibold">
              Turning it on now writes to <span data-count="win-back-reach-now">{reachNow.toLocaleString("en")}</span> {reachNow === 1 ? "customer" : "customers"} today.
            </Text>
          )}
        </BlockStack>
      ) : (
        <Text as="p">
          {AUDIENCE[item.kind]} Turning it on now writes to <span data-count={`${item.kind}-reach-now`}>{item.kind === "POINTS_EXPIRY" ? checklist.pointsExpiryReach.toLocaleString("en") : 0}</span>{" "}
          {item.kind === "POINTS_EXPIRY" && checklist.pointsExpiryReach === 1 ? "customer" : "customers"} today
          {item.kind === "POINTS_EXPIRY" ? " (points expiring within the lead days, before consent is checked)" : ""}.
          {item.kind === "REPLENISHMENT" ? ` ${checklist.replenishmentIntervals} products have a use-up interval.` : ""}
        </Text>
      )}
      <details>
        <summary>
          <Text as="span">
            {`Preview${item.kind === "WIN_BACK" ? `, as Ana would get it ${winBack.afterDays} days after her last order` : ""}: “${item.preview.subject}”`}
          </Text>
        </summary>
        <iframe title={`${label} email preview`} sandbox="" srcDoc={item.preview.html} style={{ width: "100%", height: 380, border: "1px solid var(--p-color-border)", borderRadius: 8, background: "#f4f4f5" }} />
      </details>
      <InlineStack gap="200">
        <Button onClick={() => post({ intent: "test-send" })} loading={busy && fetcher.formData?.get("intent") === "test-send"} disabled={!checklist.shop.ownerEmail}>
          {`Send a test to ${checklist.shop.ownerEmail ?? "your address"}`}
        </Button>
        <Button variant="plain" onClick={() => navigate("/app/follow-ups/settings")}>
          Edit the email
        </Button>
        {item.enabled ? (
          <Button tone="critical" onClick={() => post({ intent: "turn-off" })} loading={busy && fetcher.formData?.get("intent") === "turn-off"}>
            {`Turn off ${label.toLowerCase()}`}
          </Button>
        ) : (
          <Button
            variant="primary"
            onClick={() => post({ intent: "turn-on", ...(item.kind === "WIN_BACK" ? { winBackPastDays: includePast ? pastDays : "0" } : {}) })}
            loading={busy && fetcher.formData?.get("intent") === "turn-on"}
          >
            {`Turn on ${label.toLowerCase()}`}
          </Button>
        )}
      </InlineStack>
      {answer && (
        <Banner tone={answer.ok ? "success" : "critical"}>
          <p>{answer.message}</p>
        </Banner>
      )}
    </Step>
  );
}

function LaunchChecklistCard({ checklist, timezone, pointsName }: { checklist: LaunchChecklist; timezone: string; pointsName: string }) {
  const embed = useFetcher<ActionAnswer>();
  const navigate = useNavigate();
  const steps = [Boolean(checklist.appEmbed.confirmedAt), checklist.earningRules.saved, checklist.rewards.active > 0, ...checklist.followUps.map((item) => item.enabled)];
  const done = steps.filter(Boolean).length;
  return (
    <Card>
      <BlockStack gap="400">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            Launch checklist
          </Text>
          <Text as="p" tone="subdued">
            {`${done} of ${steps.length} done. Nothing is emailed to customers until you turn each email on below.`}
          </Text>
          <ProgressBar progress={Math.round((100 * done) / steps.length)} size="small" tone="success" />
        </BlockStack>
        <Step done={Boolean(checklist.appEmbed.confirmedAt)} title="Turn on the app embed in your theme">
          <Text as="p">
            The loyalty launcher appears on your storefront once its app embed is on. The theme editor opens with it switched on: press Save there.
          </Text>
          <InlineStack gap="200" blockAlign="center">
            <Button url={checklist.appEmbed.editorLink} target="_top">
              Open the theme editor
            </Button>
            {checklist.appEmbed.confirmedAt ? (
              <Text as="span" tone="subdued">
                Marked as on {dateIn(timezone, checklist.appEmbed.confirmedAt)}
              </Text>
            ) : (
              <Button variant="plain" onClick={() => embed.submit({ intent: "confirm-embed" }, { method: "post" })} loading={embed.state !== "idle"}>
                I've turned it on
              </Button>
            )}
          </InlineStack>
        </Step>
        <Divider />
        <Step done={checklist.earningRules.saved} title="Set the earning rules">
          <Text as="p">{`Welcome, second-purchase, spend and referral ${pointsName}: review the defaults and save them.`}</Text>
          <InlineStack>
            <Button onClick={() => navigate("/app/program")}>Review earning rules</Button>
          </InlineStack>
        </Step>
        <Divider />
        <Step done={checklist.rewards.active > 0} title="Choose the rewards">
          <Text as="p">{`${checklist.rewards.active} active rewards customers can redeem ${pointsName} for.`}</Text>
          <InlineStack>
            <Button onClick={() => navigate("/app/rewards")}>Review rewards</Button>
          </InlineStack>
        </Step>
        {checklist.followUps.map((item) => (
          <BlockStack key={item.kind} gap="400">
            <Divider />
            <FollowUpStep item={item} checklist={checklist} timezone={timezone} />
          </BlockStack>
        ))}
      </BlockStack>
    </Card>
  );
}

export default function Home() {
  const { shopName, currencyCode, timezone, installedAt, settings, historyImport, liability, checklist } = useLoaderData<typeof loader>();
  const earning = [
    { label: "Welcome points for creating an account", value: settings.welcomePoints },
    { label: "Bonus on a customer's second purchase", value: settings.secondPurchaseBonus },
    { label: `Points for every ${currencyCode} 1 spent`, value: settings.pointsPerCurrencyUnit },
    { label: "Points to a referrer when a friend's first order is paid", value: settings.referrerPoints },
  ];

  return (
    <Page title="Loyalty & Repeat">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                {shopName}
              </Text>
              <Text as="p" tone="subdued">
                Installed {dateIn(timezone, installedAt)} · amounts in {currencyCode} · times in {timezone}
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <LaunchChecklistCard checklist={checklist} timezone={timezone} pointsName={settings.pointsName} />
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                How customers earn {settings.pointsName}
              </Text>
              {earning.map((rule) => (
                <InlineGrid key={rule.label} columns="1fr auto">
                  <Text as="span">{rule.label}</Text>
                  <Text as="span" fontWeight="semibold">
                    {rule.value}
                  </Text>
                </InlineGrid>
              ))}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Shop history
              </Text>
              {!historyImport ? (
                <Text as="p">The import of past orders starts when the app is installed.</Text>
              ) : historyImport.status === "done" ? (
                <Text as="p">
                  Imported {historyImport.customersImported.toLocaleString("en")} customers and{" "}
                  {historyImport.ordersImported.toLocaleString("en")} orders: second purchases and reports count them. No follow-up is sent about them
                  unless you include past customers in the win-back.
                </Text>
              ) : (
                <>
                  <Text as="p">
                    {historyImport.phase === "settle"
                      ? "Giving customers the points their past orders earn…"
                      : `Importing past ${historyImport.phase}… ${historyImport.customersImported.toLocaleString("en")} customers, ${historyImport.ordersImported.toLocaleString("en")} orders so far.`}
                  </Text>
                  <ProgressBar
                    progress={historyImport.linesTotal > 0 ? Math.round((100 * historyImport.linesDone) / historyImport.linesTotal) : 0}
                    size="small"
                  />
                  {historyImport.error && <Text as="p" tone="critical">Paused: {historyImport.error}. It resumes on the next visit.</Text>}
                </>
              )}
              <Text as="p" tone="subdued">
                Points outstanding: {liability.points.toLocaleString("en")} {settings.pointsName}
                {liability.customersInDebt > 0 ? ` · ${liability.customersInDebt} customers below zero after refunds` : ""}
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
