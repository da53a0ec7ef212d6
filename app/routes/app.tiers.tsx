import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, DataTable, FormLayout, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { useState } from "react";

import { PageLoadError } from "../admin/page-load-error";
import db from "../db.server";
import { wakeJob } from "../jobs/wake.server";
import { deleteTier, saveTier, saveTierProgram, type FieldErrors } from "../loyalty/tiers.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const tiers = await db.tier.findMany({ where: { shopId: shop.id }, orderBy: { threshold: "asc" }, include: { _count: { select: { holders: true } } } });
  return {
    currencyCode: shop.currencyCode,
    pointsName: shop.settings.pointsName,
    program: { tierBasis: shop.settings.tierBasis, tierWindowMonths: shop.settings.tierWindowMonths === null ? "" : String(shop.settings.tierWindowMonths), tierRetentionDays: String(shop.settings.tierRetentionDays) },
    tiers: tiers.map((tier) => ({
      id: tier.id,
      name: tier.name,
      threshold: String(tier.threshold),
      multiplierPercent: String(tier.multiplierPercent),
      entryRewardPoints: String(tier.entryRewardPoints),
      benefits: tier.benefits,
      members: tier._count.holders,
    })),
  };
};

type ActionResult = { ok: true; intent: string } | { ok: false; intent: string; id: string | null; errors: FieldErrors };

export const action = async ({ request }: ActionFunctionArgs): Promise<ActionResult> => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const form = Object.fromEntries([...(await request.formData()).entries()].filter(([, value]) => typeof value === "string")) as Record<string, string>;
  const intent = form.intent ?? "";
  const id = form.id || null;
  const result =
    intent === "program"
      ? await saveTierProgram(db, shop.id, form)
      : intent === "save-tier"
        ? await saveTier(db, shop.id, id, form)
        : intent === "delete-tier" && id
          ? await deleteTier(db, shop.id, id)
          : { ok: false as const, errors: { intent: "unknown action" } };
  if (!result.ok) return { ok: false, intent, id, errors: result.errors };
  // Every customer's tier follows the new ladder at once (the job runs it, not this request).
  wakeJob("tier-recompute", shop.id);
  return { ok: true, intent };
};

const LABELS: Record<string, string> = {
  name: "Name",
  threshold: "Threshold",
  multiplierPercent: "Points multiplier (%)",
  entryRewardPoints: "Entry reward",
  benefits: "Benefits",
  tierBasis: "Tiers are measured on",
  tierWindowMonths: "Window (months)",
  tierRetentionDays: "Retention before a downgrade (days)",
  tier: "Tier",
  intent: "Form",
};

const errorText = (errors: FieldErrors, field: string) => (errors[field] ? `${LABELS[field] ?? field} ${errors[field]}.` : undefined);

interface TierValues {
  id: string | null;
  name: string;
  threshold: string;
  multiplierPercent: string;
  entryRewardPoints: string;
  benefits: string;
}

function TierForm({ tier, errors, unit, busy }: { tier: TierValues; errors: FieldErrors; unit: string; busy: boolean }) {
  const [values, setValues] = useState(tier);
  const field = (name: keyof TierValues, label: string, helpText?: string, type: "text" | "number" = "number") => (
    <TextField
      label={label}
      name={name}
      type={type}
      autoComplete="off"
      value={values[name] ?? ""}
      onChange={(value) => setValues({ ...values, [name]: value })}
      error={errorText(errors, name)}
      helpText={helpText}
    />
  );
  return (
    <Form method="post" data-tier-form={tier.id ?? "new"}>
      <input type="hidden" name="intent" value="save-tier" />
      {tier.id ? <input type="hidden" name="id" value={tier.id} /> : null}
      <FormLayout>
        <FormLayout.Group condensed>
          {field("name", "Name", undefined, "text")}
          {field("threshold", `Threshold (${unit})`)}
          {field("multiplierPercent", "Points multiplier (%)", "100 is none; 150 earns 1.5 times on spend")}
          {field("entryRewardPoints", "Entry reward", "Points given once on first reaching the tier")}
        </FormLayout.Group>
        {field("benefits", "Benefits shown to shoppers", undefined, "text")}
        <InlineStack gap="200">
          <Button submit variant="primary" loading={busy}>
            {tier.id ? "Save tier" : "Add tier"}
          </Button>
        </InlineStack>
      </FormLayout>
    </Form>
  );
}

export default function Tiers() {
  const { tiers, program, currencyCode, pointsName } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const [basis, setBasis] = useState<string>(program.tierBasis);
  const [windowMonths, setWindowMonths] = useState(program.tierWindowMonths);
  const [retention, setRetention] = useState(program.tierRetentionDays);
  const errorsFor = (intent: string, id: string | null = null) => (result && !result.ok && result.intent === intent && result.id === id ? result.errors : {});
  const unit = program.tierBasis === "AMOUNT_SPENT" ? currencyCode : pointsName;

  return (
    <Page title="VIP tiers" subtitle="Tiers customers reach by what they earn or spend, with a points multiplier, an entry reward and rewards of their own">
      <Layout>
        {result?.ok ? (
          <Layout.Section>
            <Banner tone="success" title="Saved">
              <p>Every customer's tier is being recomputed with the new ladder.</p>
            </Banner>
          </Layout.Section>
        ) : null}
        {result && !result.ok && result.errors.tier ? (
          <Layout.Section>
            <Banner tone="critical" title="The tier was not removed">
              <p>{result.errors.tier}</p>
            </Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card>
            <Form method="post">
              <input type="hidden" name="intent" value="program" />
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  How tiers are measured
                </Text>
                <FormLayout>
                  <FormLayout.Group condensed>
                    <Select
                      label="Tiers are measured on"
                      name="tierBasis"
                      options={[
                        { label: `${pointsName} earned`, value: "POINTS_EARNED" },
                        { label: `Amount spent (${currencyCode})`, value: "AMOUNT_SPENT" },
                      ]}
                      value={basis}
                      onChange={setBasis}
                      error={errorText(errorsFor("program"), "tierBasis")}
                    />
                    <TextField
                      label="Window (months)"
                      name="tierWindowMonths"
                      type="number"
                      autoComplete="off"
                      value={windowMonths}
                      onChange={setWindowMonths}
                      helpText="Empty: lifetime. 12: what the last 12 months earned or spent"
                      error={errorText(errorsFor("program"), "tierWindowMonths")}
                    />
                    <TextField
                      label="Retention before a downgrade (days)"
                      name="tierRetentionDays"
                      type="number"
                      autoComplete="off"
                      value={retention}
                      onChange={setRetention}
                      helpText="How long a customer keeps a tier after the window passes their purchases. A refund takes it away at once"
                      error={errorText(errorsFor("program"), "tierRetentionDays")}
                    />
                  </FormLayout.Group>
                  <InlineStack>
                    <Button submit loading={busy}>
                      Save
                    </Button>
                  </InlineStack>
                </FormLayout>
              </BlockStack>
            </Form>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                The ladder
              </Text>
              {tiers.length === 0 ? (
                <Text as="p" tone="subdued">
                  No tiers yet: add the first below (for example Bronze, Silver and Gold).
                </Text>
              ) : (
                <DataTable
                  columnContentTypes={["text", "numeric", "numeric", "numeric", "text", "numeric"]}
                  headings={["Tier", `Threshold (${unit})`, "Multiplier", "Entry reward", "Benefits", "Members"]}
                  rows={tiers.map((tier) => [tier.name, tier.threshold, `${Number(tier.multiplierPercent) / 100}×`, tier.entryRewardPoints, tier.benefits, tier.members])}
                />
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
        {tiers.map((tier) => (
          <Layout.Section key={tier.id}>
            <Card>
              <BlockStack gap="300">
                <Text as="h3" variant="headingSm">
                  {tier.name}
                </Text>
                <TierForm tier={tier} errors={errorsFor("save-tier", tier.id)} unit={unit} busy={busy} />
                <Form method="post">
                  <input type="hidden" name="intent" value="delete-tier" />
                  <input type="hidden" name="id" value={tier.id} />
                  <Button submit tone="critical" variant="plain">
                    {`Remove ${tier.name}`}
                  </Button>
                </Form>
              </BlockStack>
            </Card>
          </Layout.Section>
        ))}
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Add a tier
              </Text>
              <TierForm
                key={`new-${tiers.length}`}
                tier={{ id: null, name: "", threshold: "", multiplierPercent: "100", entryRewardPoints: "0", benefits: "" }}
                errors={errorsFor("save-tier", null)}
                unit={unit}
                busy={busy}
              />
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageLoadError what="The VIP tiers" page="VIP tiers" />;
}
