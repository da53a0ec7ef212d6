import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, Checkbox, FormLayout, InlineGrid, Layout, Link, Page, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";

import { PageLoadError } from "../admin/page-load-error";
import db from "../db.server";
import { updateProgramSettings, type ProgramSettingsChanges, type ProgramSettingsErrors } from "../loyalty/settings.server";
import { resumeHistoryImport } from "../orders/history-import.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

const NUMBER_FIELDS = [
  "welcomePoints",
  "secondPurchaseBonus",
  "pointsPerCurrencyUnit",
  "pendingDays",
  "expiryMonths",
  "referrerPoints",
  "referralFriendDiscountPercent",
  "referralMonthlyRewardLimit",
  "healthSlippingDays",
  "healthLapsedDays",
] as const;
const CHECKBOX_FIELDS = ["includeShippingInEarn", "includeTaxInEarn", "historyEarnsPoints"] as const;
type NumberField = (typeof NUMBER_FIELDS)[number];
type CheckboxField = (typeof CHECKBOX_FIELDS)[number];

type FormValues = Record<NumberField | "pointsName", string> & Record<CheckboxField, boolean>;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const settings = shop.settings;
  const values: FormValues = {
    pointsName: settings.pointsName,
    ...(Object.fromEntries(NUMBER_FIELDS.map((field) => [field, settings[field] === null ? "" : String(settings[field])])) as Record<NumberField, string>),
    ...(Object.fromEntries(CHECKBOX_FIELDS.map((field) => [field, settings[field]])) as Record<CheckboxField, boolean>),
  };
  return { values, currencyCode: shop.currencyCode, savedAt: settings.updatedAt.toISOString() };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const form = await request.formData();
  const changes: Record<string, string> = {};
  for (const field of ["pointsName", ...NUMBER_FIELDS, ...CHECKBOX_FIELDS]) {
    const value = form.get(field);
    if (typeof value === "string") changes[field] = value;
  }
  const result = await updateProgramSettings(db, shop.id, changes as ProgramSettingsChanges);
  if (!result.ok) return { ok: false as const, errors: result.errors };
  if (result.settleHistory) void resumeHistoryImport(db, session.shop, admin.graphql);
  return { ok: true as const, errors: {} as ProgramSettingsErrors };
};

const LABELS: Record<keyof FormValues, string> = {
  pointsName: "Name of the points",
  welcomePoints: "Welcome points",
  secondPurchaseBonus: "Second-purchase bonus",
  pointsPerCurrencyUnit: "Points per unit of currency",
  includeShippingInEarn: "Shipping earns points",
  includeTaxInEarn: "Tax earns points",
  historyEarnsPoints: "Orders from before the install earn points",
  pendingDays: "Pending days",
  expiryMonths: "Expiry after inactivity (months)",
  referrerPoints: "Referrer points",
  referralFriendDiscountPercent: "Friend's first-order discount (%)",
  referralMonthlyRewardLimit: "Referral rewards per referrer per month",
  healthSlippingDays: "Slipping after (days without an order)",
  healthLapsedDays: "Lapsed after (days without an order)",
};

export default function Program() {
  const { values: saved, currencyCode } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const saving = navigation.state === "submitting";
  const [values, setValues] = useState<FormValues>(saved);
  // After a save, show what is stored now; after a refused one, keep what the merchant typed.
  useEffect(() => {
    if (result?.ok !== false) setValues(saved);
  }, [saved, result]);
  const errors: ProgramSettingsErrors = result?.ok === false ? result.errors : {};
  const errorOf = (field: keyof FormValues) => {
    const message = errors[field];
    return message ? `${LABELS[field]} ${message}.` : undefined;
  };

  const numberField = (field: NumberField, helpText: string, suffix?: string) => (
    <TextField
      label={LABELS[field]}
      name={field}
      type="number"
      inputMode="numeric"
      autoComplete="off"
      value={values[field]}
      onChange={(value) => setValues((current) => ({ ...current, [field]: value }))}
      error={errorOf(field)}
      helpText={helpText}
      suffix={suffix}
    />
  );
  const checkbox = (field: CheckboxField, helpText: string) => (
    <>
      {/* An unticked box sends nothing; the hidden field says "false" so unticking saves. */}
      <input type="hidden" name={field} value={String(values[field])} />
      <Checkbox
        label={LABELS[field]}
        checked={values[field]}
        onChange={(checked) => setValues((current) => ({ ...current, [field]: checked }))}
        helpText={helpText}
        error={errorOf(field)}
      />
    </>
  );

  const errorCount = Object.keys(errors).length;

  return (
    <Page title="Program" subtitle="How customers earn points, refer friends, and how the Customers page marks their health">
      <Form method="post" data-form="program-settings">
        <BlockStack gap="400">
          {result?.ok === true && navigation.state === "idle" && (
            <Banner tone="success" title="Program settings saved">
              <p>New orders earn by these rules from now on; points already earned stay as they are.</p>
            </Banner>
          )}
          {errorCount > 0 && (
            <Banner tone="critical" title={errorCount === 1 ? "1 setting needs a change" : `${errorCount} settings need a change`}>
              <p>Nothing was saved. Correct the fields marked below, then save again.</p>
            </Banner>
          )}
          <Layout>
            <Layout.AnnotatedSection title="Earning" description="What a customer earns, and when the points can be spent.">
              <Card>
                <FormLayout>
                  <TextField
                    label={LABELS.pointsName}
                    name="pointsName"
                    autoComplete="off"
                    value={values.pointsName}
                    onChange={(value) => setValues((current) => ({ ...current, pointsName: value }))}
                    error={errorOf("pointsName")}
                    helpText="What customers see, e.g. points, beans, stars."
                  />
                  <FormLayout.Group>
                    {numberField("welcomePoints", "When a customer creates an account.")}
                    {numberField("secondPurchaseBonus", "On top of the usual points, on a customer's second paid order.")}
                  </FormLayout.Group>
                  {numberField("pointsPerCurrencyUnit", `For every ${currencyCode} 1 of the order's products after discounts.`)}
                  {checkbox("includeShippingInEarn", "Count the order's shipping toward points.")}
                  {checkbox("includeTaxInEarn", "Count the order's taxes toward points.")}
                  <FormLayout.Group>
                    {numberField("pendingDays", "Days before earned points can be spent (0: at once), so a return can take them back first.", "days")}
                    {numberField("expiryMonths", "A balance expires after this long without an order or points activity. Empty or 0: never.", "months")}
                  </FormLayout.Group>
                  {checkbox("historyEarnsPoints", "Orders imported from before the install give their customers points once.")}
                </FormLayout>
              </Card>
            </Layout.AnnotatedSection>
            <Layout.AnnotatedSection title="Referrals" description="A customer shares their link; their friend gets a first-order discount.">
              <Card>
                <FormLayout>
                  {numberField("referrerPoints", "To the referrer when the friend's first order is paid.")}
                  <FormLayout.Group>
                    {numberField("referralFriendDiscountPercent", "Off the friend's first order.", "%")}
                    {numberField("referralMonthlyRewardLimit", "Rewards one referrer can earn in a calendar month; more referrals still count but earn nothing.")}
                  </FormLayout.Group>
                </FormLayout>
              </Card>
            </Layout.AnnotatedSection>
            <Layout.AnnotatedSection
              title="Customer health"
              description="The mark beside each customer on the Customers page: green for a recent buyer, amber when slipping, red when lapsed."
            >
              <Card>
                <FormLayout>
                  <FormLayout.Group>
                    {numberField("healthSlippingDays", "Amber from this many days after the last order.", "days")}
                    {numberField("healthLapsedDays", "Red from this many days; more than the slipping days.", "days")}
                  </FormLayout.Group>
                </FormLayout>
              </Card>
            </Layout.AnnotatedSection>
            <Layout.AnnotatedSection title="Rewards and follow-ups" description="Set on their own pages.">
              <Card>
                <BlockStack gap="200">
                  <Text as="p">
                    <Link url="/app/rewards">Rewards</Link>: what customers can spend points on.
                  </Text>
                  <Text as="p">
                    <Link url="/app/follow-ups">Follow-ups</Link>: the emails after a purchase, their timing and templates.
                  </Text>
                </BlockStack>
              </Card>
            </Layout.AnnotatedSection>
          </Layout>
          <Box paddingBlockEnd="800">
            <InlineGrid columns="1fr auto">
              <span />
              <Button submit variant="primary" loading={saving}>
                Save
              </Button>
            </InlineGrid>
          </Box>
        </BlockStack>
      </Form>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageLoadError what="The program settings" page="Program" />;
}
