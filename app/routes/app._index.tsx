import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, InlineGrid, Layout, Page, ProgressBar, Text } from "@shopify/polaris";

import db from "../db.server";
import { pointsLiability } from "../loyalty/ledger.server";
import { historyImportProgress, resumeHistoryImport } from "../orders/history-import.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const [historyImport, liability] = await Promise.all([historyImportProgress(db, shop.id), pointsLiability(db, shop.id)]);
  // An import whose process stopped resumes here (its lease has lapsed); a running one is left alone.
  if (historyImport?.status === "running") void resumeHistoryImport(db, session.shop, admin.graphql);
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

export default function Home() {
  const { shopName, currencyCode, timezone, installedAt, settings, historyImport, liability } = useLoaderData<typeof loader>();
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
                Installed {new Date(installedAt).toLocaleDateString("en", { dateStyle: "medium" })} · amounts in{" "}
                {currencyCode} · times in {timezone}
              </Text>
            </BlockStack>
          </Card>
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
                  {historyImport.ordersImported.toLocaleString("en")} orders: second purchases and reports count them.
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
