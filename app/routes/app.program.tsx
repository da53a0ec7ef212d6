import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useBlocker, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { SaveBar } from "@shopify/app-bridge-react";
import { Banner, BlockStack, Box, Button, Card, Checkbox, FormLayout, InlineGrid, Layout, Link, List, Modal, Page, Text, TextField } from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";

import { PageLoadError } from "../admin/page-load-error";
import db from "../db.server";
import { SWITCHED_OFF_BY_ZERO } from "../loyalty/program-switches";
import { updateProgramSettings, type ProgramSettingsChanges, type ProgramSettingsErrors } from "../loyalty/settings.server";
import { wakeJob } from "../jobs/wake.server";
import { tierTag } from "../shop-tools/tier-tag";
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
  "birthdayPoints",
  "birthdayAbuseWindowDays",
] as const;
const CHECKBOX_FIELDS = ["includeShippingInEarn", "includeTaxInEarn", "historyEarnsPoints", "customerTagsEnabled"] as const;
type NumberField = (typeof NUMBER_FIELDS)[number];
type CheckboxField = (typeof CHECKBOX_FIELDS)[number];

type FormValues = Record<NumberField | "pointsName" | "customerTagPrefix", string> & Record<CheckboxField, boolean>;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const settings = shop.settings;
  const values: FormValues = {
    pointsName: settings.pointsName,
    customerTagPrefix: settings.customerTagPrefix,
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
  for (const field of ["pointsName", "customerTagPrefix", ...NUMBER_FIELDS, ...CHECKBOX_FIELDS]) {
    const value = form.get(field);
    if (typeof value === "string") changes[field] = value;
  }
  const result = await updateProgramSettings(db, shop.id, changes as ProgramSettingsChanges);
  if (!result.ok) return { ok: false as const, errors: result.errors };
  if (result.settleHistory) wakeJob("history-import", shop.id);
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
  birthdayPoints: "Birthday points",
  birthdayAbuseWindowDays: "New birthdays wait (days)",
  customerTagsEnabled: "Tag customers with their tier",
  customerTagPrefix: "Tier tag prefix",
};

export default function Program() {
  const { values: saved, currencyCode } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const saving = navigation.state === "submitting";
  const submit = useSubmit();
  const form = useRef<HTMLFormElement>(null);
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
  const unsaved = !saving && (Object.keys(values) as (keyof FormValues)[]).some((field) => values[field] !== saved[field]);
  // Leaving with unsaved edits asks first: App Bridge's save bar guards the admin's navigation, this the app's own links.
  const blocker = useBlocker(({ currentLocation, nextLocation }) => unsaved && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    if (!unsaved) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [unsaved]);
  // What a zero turns off, said beside the field as it is typed and above the form once saved.
  const switchedOff = (Object.keys(SWITCHED_OFF_BY_ZERO) as (keyof typeof SWITCHED_OFF_BY_ZERO)[]).filter((field) => values[field].trim() !== "" && Number(values[field]) === 0);
  const savedOff = (Object.keys(SWITCHED_OFF_BY_ZERO) as (keyof typeof SWITCHED_OFF_BY_ZERO)[]).filter((field) => saved[field] !== "" && Number(saved[field]) === 0);
  const warningOf = (field: NumberField) =>
    field in SWITCHED_OFF_BY_ZERO && switchedOff.includes(field as keyof typeof SWITCHED_OFF_BY_ZERO) ? `At 0, ${SWITCHED_OFF_BY_ZERO[field as keyof typeof SWITCHED_OFF_BY_ZERO]}.` : null;

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
      helpText={
        warningOf(field) ? (
          <>
            {helpText}{" "}
            <Text as="span" tone="caution">
              {warningOf(field)}
            </Text>
          </>
        ) : (
          helpText
        )
      }
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

  const errorList = (Object.keys(errors) as (keyof FormValues)[]).map((field) => errorOf(field)!);

  return (
    <Page title="Program" subtitle="How customers earn points, refer friends, and how the Customers page marks their health">
      <SaveBar id="program-save-bar" open={unsaved}>
        <button variant="primary" onClick={() => form.current && submit(form.current)}>
          Save
        </button>
        <button onClick={() => setValues(saved)}>Discard</button>
      </SaveBar>
      <Modal
        open={blocker.state === "blocked"}
        onClose={() => blocker.reset?.()}
        title="Leave with unsaved changes?"
        primaryAction={{ content: "Leave page", destructive: true, onAction: () => blocker.proceed?.() }}
        secondaryActions={[{ content: "Stay", onAction: () => blocker.reset?.() }]}
      >
        <Modal.Section>
          <Text as="p">Your changes to the program settings will be lost.</Text>
        </Modal.Section>
      </Modal>
      <Form method="post" data-form="program-settings" ref={form}>
        <BlockStack gap="400">
          {result?.ok === true && navigation.state === "idle" && (
            <Banner tone={savedOff.length > 0 ? "warning" : "success"} title="Program settings saved">
              <p>New orders earn by these rules from now on; points already earned stay as they are.</p>
              {savedOff.length > 0 ? (
                <p>
                  Switched off at 0: {savedOff.map((field) => SWITCHED_OFF_BY_ZERO[field]).join("; ")}.
                </p>
              ) : null}
            </Banner>
          )}
          {errorList.length > 0 && (
            <Banner tone="critical" title={errorList.length === 1 ? "1 setting needs a change" : `${errorList.length} settings need a change`}>
              <BlockStack gap="200">
                <p>Nothing was saved. Correct these, then save again:</p>
                <List>
                  {errorList.map((message) => (
                    <List.Item key={message}>{message}</List.Item>
                  ))}
                </List>
              </BlockStack>
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
            <Layout.AnnotatedSection
              title="Birthdays"
              description="Customers give their birthday (month and day) in the storefront widget or on their account page, and earn points on it once a year, in your shop's time zone."
            >
              <Card>
                <FormLayout>
                  <FormLayout.Group>
                    {numberField("birthdayPoints", "On the customer's birthday, once a year. Feb 29 birthdays earn on Feb 28 in other years.")}
                    {numberField("birthdayAbuseWindowDays", "A birthday set or changed fewer than this many days before the date earns nothing that year.", "days")}
                  </FormLayout.Group>
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
            <Layout.AnnotatedSection
              title="In Shopify"
              description="Each customer's points balance is kept on their Shopify customer record (the loyalty metafields), for customer segments, Shopify Flow and email templates."
            >
              <Card>
                <FormLayout>
                  {checkbox("customerTagsEnabled", "Adds the tier as a tag on the customer in Shopify, and removes the old one when the tier changes.")}
                  <TextField
                    label={LABELS.customerTagPrefix}
                    name="customerTagPrefix"
                    autoComplete="off"
                    value={values.customerTagPrefix}
                    onChange={(value) => setValues((current) => ({ ...current, customerTagPrefix: value }))}
                    error={errorOf("customerTagPrefix")}
                    helpText={`The tag is the prefix and the tier's name, e.g. "${tierTag(values.customerTagPrefix, "Gold")}".`}
                  />
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
