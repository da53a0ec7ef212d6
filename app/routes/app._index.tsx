import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, InlineGrid, Layout, Page, Text } from "@shopify/polaris";

import db from "../db.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  return {
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
  const { shopName, currencyCode, timezone, installedAt, settings } = useLoaderData<typeof loader>();
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
      </Layout>
    </Page>
  );
}
