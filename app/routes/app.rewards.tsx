/**
 * The reward catalogue in the admin: what customers can redeem their points for. Add a reward, change
 * one, take one off the storefront (deactivate) or put it back. Existing codes keep working either way.
 * A free product is chosen from the shop's products (read through the Admin API); a reward can be
 * limited per customer and period, and can need a minimum balance.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, Checkbox, FormLayout, IndexTable, InlineStack, Layout, Page, Select, Text, TextField, Thumbnail } from "@shopify/polaris";
import { useEffect, useState } from "react";

import db from "../db.server";
import { rewardLimitText, rewardsOf, rewardValueText, saveReward, setRewardActive, type RewardErrors } from "../loyalty/rewards.server";
import { installedShop } from "../shops/installation.server";
import { adminQuery, type AdminGraphql } from "../shopify/admin-graphql.server";
import { REWARD_PRODUCT_CHOICES_QUERY } from "../shopify/operations";
import { authenticate } from "../shopify.server";

/** The variants a free product can be, "Product (Variant)"; empty when Shopify does not answer (the form says so). */
async function productChoices(graphql: AdminGraphql): Promise<{ label: string; value: string; imageUrl: string | null }[] | null> {
  try {
    const { products } = await adminQuery(graphql, REWARD_PRODUCT_CHOICES_QUERY);
    return products.nodes.flatMap((product) =>
      product.variants.nodes.map((variant) => ({
        label: variant.title === "Default Title" ? product.title : `${product.title} (${variant.title})`,
        value: variant.id,
        imageUrl: product.featuredMedia?.preview?.image?.url ?? null,
      })),
    );
  } catch {
    return null;
  }
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const [rewards, redeemed, products, tiers] = await Promise.all([
    rewardsOf(db, shop.id),
    db.redemption.groupBy({ by: ["rewardId"], where: { shopId: shop.id, status: { in: ["ISSUED", "USED", "EXPIRED", "CREDITED"] } }, _count: { _all: true } }),
    productChoices(admin.graphql as unknown as AdminGraphql),
    db.tier.findMany({ where: { shopId: shop.id }, orderBy: { threshold: "asc" }, select: { id: true, name: true } }),
  ]);
  const redemptions = new Map(redeemed.map((row) => [row.rewardId, row._count._all]));
  return {
    currencyCode: shop.currencyCode,
    pointsName: shop.settings.pointsName,
    products,
    tiers,
    rewards: rewards.map((reward) => ({
      id: reward.id,
      name: reward.name,
      kind: reward.kind,
      pointsCost: reward.pointsCost,
      amountOff: reward.amountOff?.toString() ?? "",
      percentageOff: reward.percentageOff?.toString() ?? "",
      minimumSubtotal: reward.minimumSubtotal?.toString() ?? "",
      storeCreditAmount: reward.storeCreditAmount?.toString() ?? "",
      productVariantId: reward.productVariantId ?? "",
      productImageUrl: reward.productImageUrl,
      codeValidDays: reward.codeValidDays,
      limitPerCustomer: reward.limitPerCustomer?.toString() ?? "",
      limitPeriodDays: reward.limitPeriodDays?.toString() ?? "",
      minimumBalance: reward.minimumBalance?.toString() ?? "",
      minTierId: reward.minTierId ?? "",
      returnPointsOnExpiry: reward.returnPointsOnExpiry,
      active: reward.active,
      value: rewardValueText(reward, shop.currencyCode),
      limits: [rewardLimitText(reward, shop.settings.pointsName), tiers.find((tier) => tier.id === reward.minTierId)?.name.replace(/$/, " and above")].filter(Boolean).join(" · ") || null,
      redemptions: redemptions.get(reward.id) ?? 0,
    })),
  };
};

type ActionAnswer = { ok: true; message: string } | { ok: false; errors: RewardErrors };

export const action = async ({ request }: ActionFunctionArgs): Promise<ActionAnswer> => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const form = Object.fromEntries(await request.formData());
  const rewardId = typeof form.rewardId === "string" && form.rewardId ? form.rewardId : null;
  if (form.intent === "activate" || form.intent === "deactivate") {
    const active = form.intent === "activate";
    if (!rewardId || !(await setRewardActive(db, shop.id, rewardId, active))) return { ok: false, errors: { form: "This reward does not exist in your shop" } };
    return { ok: true, message: active ? "Reward is on the storefront again" : "Reward deactivated: customers no longer see it" };
  }
  const saved = await saveReward(db, shop.id, rewardId, form, admin.graphql as unknown as AdminGraphql);
  if (!saved.ok) return saved;
  return { ok: true, message: rewardId ? "Reward saved" : "Reward added" };
};

const KIND_OPTIONS = [
  { label: "Amount off the order", value: "AMOUNT_OFF" },
  { label: "Percentage off the order", value: "PERCENTAGE_OFF" },
  { label: "Free shipping", value: "FREE_SHIPPING" },
  { label: "Store credit", value: "STORE_CREDIT" },
  { label: "Free product", value: "FREE_PRODUCT" },
];

const FIELD_LABELS: Record<string, string> = {
  amountOff: "Amount off",
  percentageOff: "Percentage off",
  storeCreditAmount: "Store credit",
  productVariantId: "Free product",
  minimumSubtotal: "Minimum order subtotal",
  limitPerCustomer: "Times per customer",
  limitPeriodDays: "Period",
  minimumBalance: "Minimum balance",
  minTierId: "For tier",
  returnPointsOnExpiry: "Give points back",
  active: "Show on the storefront",
};

interface Draft {
  rewardId: string;
  name: string;
  kind: string;
  pointsCost: string;
  amountOff: string;
  percentageOff: string;
  minimumSubtotal: string;
  storeCreditAmount: string;
  productVariantId: string;
  codeValidDays: string;
  limitPerCustomer: string;
  limitPeriodDays: string;
  minimumBalance: string;
  minTierId: string;
  returnPointsOnExpiry: boolean;
  active: boolean;
}

const NEW_REWARD: Draft = {
  rewardId: "",
  name: "",
  kind: "AMOUNT_OFF",
  pointsCost: "500",
  amountOff: "5",
  percentageOff: "",
  minimumSubtotal: "",
  storeCreditAmount: "",
  productVariantId: "",
  codeValidDays: "30",
  limitPerCustomer: "",
  limitPeriodDays: "",
  minimumBalance: "",
  minTierId: "",
  returnPointsOnExpiry: true,
  active: true,
};

/** The form fields each kind shows, beside the ones every kind has. */
const VALUE_FIELD: Record<string, string> = { AMOUNT_OFF: "amountOff", PERCENTAGE_OFF: "percentageOff", STORE_CREDIT: "storeCreditAmount", FREE_PRODUCT: "productVariantId" };

export default function Rewards() {
  const { rewards, currencyCode, pointsName, products, tiers } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const navigation = useNavigation();
  const submit = useSubmit();
  const [draft, setDraft] = useState<Draft | null>(null);
  const busy = navigation.state !== "idle";
  const errors: RewardErrors = answer && !answer.ok ? answer.errors : {};
  // An error for a field the form does not show right now is said in the banner: never swallowed.
  const shownFields = new Set([
    "name",
    "kind",
    "pointsCost",
    "codeValidDays",
    "limitPerCustomer",
    "limitPeriodDays",
    "minimumBalance",
    tiers.length > 0 ? "minTierId" : "",
    draft?.kind === "STORE_CREDIT" ? "" : "minimumSubtotal",
    VALUE_FIELD[draft?.kind ?? ""] ?? "",
  ]);
  const unshownErrors = Object.entries(errors)
    .filter(([name]) => name !== "form" && !shownFields.has(name))
    .map(([name, message]) => `${FIELD_LABELS[name] ?? name} ${message}`);
  const formErrors = [errors.form, ...(draft ? unshownErrors : [])].filter(Boolean);

  // A saved form closes; a refused one stays open with its errors.
  useEffect(() => {
    if (answer?.ok) setDraft(null);
  }, [answer]);

  const field = (name: keyof Omit<Draft, "returnPointsOnExpiry" | "active" | "rewardId">) => ({
    value: draft?.[name] ?? "",
    onChange: (value: string) => setDraft((current) => (current ? { ...current, [name]: value } : current)),
    error: errors[name],
    autoComplete: "off",
    name,
  });

  const save = () => draft && submit({ intent: "save", ...draft, returnPointsOnExpiry: String(draft.returnPointsOnExpiry), active: String(draft.active) }, { method: "post" });
  const productOptions = [{ label: products === null ? "Shopify did not list your products: try again later" : "Choose a product", value: "" }, ...(products ?? [])];
  const chosenProduct = products?.find((product) => product.value === draft?.productVariantId);
  const isCredit = draft?.kind === "STORE_CREDIT";
  const toggle = (rewardId: string, active: boolean) => submit({ intent: active ? "activate" : "deactivate", rewardId }, { method: "post" });

  return (
    <Page title="Rewards" subtitle={`What customers redeem their ${pointsName} for`} primaryAction={{ content: "Add reward", onAction: () => setDraft(NEW_REWARD), disabled: busy }}>
      <Layout>
        {answer?.ok ? (
          <Layout.Section>
            <Banner tone="success">{answer.message}</Banner>
          </Layout.Section>
        ) : null}
        {formErrors.length > 0 ? (
          <Layout.Section>
            <Banner tone="critical">
              {formErrors.map((message) => (
                <p key={message}>{message}</p>
              ))}
            </Banner>
          </Layout.Section>
        ) : null}
        {draft ? (
          <Layout.Section>
            <Card>
              <BlockStack gap="400">
                <Text as="h2" variant="headingMd">
                  {draft.rewardId ? `Edit ${draft.name || "reward"}` : "New reward"}
                </Text>
                <FormLayout>
                  <TextField label="Name customers see" {...field("name")} />
                  <FormLayout.Group>
                    <Select label="Reward" options={KIND_OPTIONS} {...field("kind")} />
                    <TextField label={`Cost in ${pointsName}`} type="number" min={1} {...field("pointsCost")} />
                  </FormLayout.Group>
                  {draft.kind === "FREE_PRODUCT" ? (
                    <InlineStack gap="300" blockAlign="end" wrap={false}>
                      {chosenProduct ? <Thumbnail source={chosenProduct.imageUrl ?? ""} alt={chosenProduct.label} size="small" /> : null}
                      <div style={{ flexGrow: 1 }}>
                        <Select label="Free product" helpText="The code takes 100% off this item; the cart needs at least one." options={productOptions} {...field("productVariantId")} />
                      </div>
                    </InlineStack>
                  ) : null}
                  <FormLayout.Group>
                    {draft.kind === "AMOUNT_OFF" ? <TextField label="Amount off" type="text" inputMode="decimal" suffix={currencyCode} {...field("amountOff")} /> : null}
                    {draft.kind === "PERCENTAGE_OFF" ? <TextField label="Percentage off" type="number" min={1} max={100} suffix="%" {...field("percentageOff")} /> : null}
                    {isCredit ? (
                      <TextField label="Store credit" helpText="Added to the customer's account, spent at checkout: no code to copy." inputMode="decimal" suffix={currencyCode} {...field("storeCreditAmount")} />
                    ) : (
                      <TextField label="Minimum order subtotal" helpText="Leave empty for none" inputMode="decimal" suffix={currencyCode} {...field("minimumSubtotal")} />
                    )}
                  </FormLayout.Group>
                  <TextField label={isCredit ? "Store credit can be used for" : "Code can be used for"} type="number" min={1} max={365} suffix="days" {...field("codeValidDays")} />
                  <FormLayout.Group>
                    <TextField label="Times per customer" helpText="Leave empty for no limit" type="number" min={1} {...field("limitPerCustomer")} />
                    <TextField label="Period" helpText="Days the limit counts back; empty: ever" type="number" min={1} suffix="days" {...field("limitPeriodDays")} />
                    <TextField label="Minimum balance" helpText={`The ${pointsName} a customer needs before redeeming; empty: the cost`} type="number" min={1} {...field("minimumBalance")} />
                  </FormLayout.Group>
                  {tiers.length > 0 ? (
                    <Select
                      label="For tier"
                      helpText="Only customers holding this tier or a higher one can redeem it"
                      options={[{ label: "Every customer", value: "" }, ...tiers.map((tier) => ({ label: `${tier.name} and above`, value: tier.id }))]}
                      {...field("minTierId")}
                    />
                  ) : null}
                  {isCredit ? null : (
                    <Checkbox
                      label={`Give the ${pointsName} back when a code expires unused`}
                      checked={draft.returnPointsOnExpiry}
                      onChange={(checked) => setDraft({ ...draft, returnPointsOnExpiry: checked })}
                    />
                  )}
                  <Checkbox label="Show on the storefront" checked={draft.active} onChange={(checked) => setDraft({ ...draft, active: checked })} />
                </FormLayout>
                <InlineStack gap="200" align="end">
                  <Button onClick={() => setDraft(null)} disabled={busy}>
                    Cancel
                  </Button>
                  <Button variant="primary" onClick={save} loading={busy}>
                    {draft.rewardId ? "Save" : "Add reward"}
                  </Button>
                </InlineStack>
              </BlockStack>
            </Card>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card padding="0">
            <IndexTable
              resourceName={{ singular: "reward", plural: "rewards" }}
              itemCount={rewards.length}
              selectable={false}
              headings={[{ title: "Reward" }, { title: "Value" }, { title: "Limits" }, { title: "Cost", alignment: "end" }, { title: "Codes given", alignment: "end" }, { title: "Status" }, { title: "Actions", hidden: true }]}
            >
              {rewards.map((reward, index) => (
                <IndexTable.Row id={reward.id} key={reward.id} position={index}>
                  <IndexTable.Cell>
                    <InlineStack gap="200" blockAlign="center" wrap={false}>
                      {reward.productImageUrl ? <Thumbnail source={reward.productImageUrl} alt="" size="extraSmall" /> : null}
                      <Text as="span" fontWeight="semibold">
                        {reward.name}
                      </Text>
                    </InlineStack>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{reward.value}</IndexTable.Cell>
                  <IndexTable.Cell>{reward.limits ?? "None"}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {reward.pointsCost.toLocaleString("en")} {pointsName}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {reward.redemptions.toLocaleString("en")}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{reward.active ? <Badge tone="success">Active</Badge> : <Badge>Inactive</Badge>}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <InlineStack gap="200" align="end">
                      <Button
                        variant="plain"
                        accessibilityLabel={`Edit ${reward.name}`}
                        onClick={() =>
                          setDraft({
                            rewardId: reward.id,
                            name: reward.name,
                            kind: reward.kind,
                            pointsCost: String(reward.pointsCost),
                            amountOff: reward.amountOff,
                            percentageOff: reward.percentageOff,
                            minimumSubtotal: reward.minimumSubtotal,
                            storeCreditAmount: reward.storeCreditAmount,
                            productVariantId: reward.productVariantId,
                            codeValidDays: String(reward.codeValidDays),
                            limitPerCustomer: reward.limitPerCustomer,
                            limitPeriodDays: reward.limitPeriodDays,
                            minimumBalance: reward.minimumBalance,
                            minTierId: reward.minTierId,
                            returnPointsOnExpiry: reward.returnPointsOnExpiry,
                            active: reward.active,
                          })
                        }
                      >
                        Edit
                      </Button>
                      <Button variant="plain" tone={reward.active ? "critical" : undefined} accessibilityLabel={`${reward.active ? "Deactivate" : "Activate"} ${reward.name}`} onClick={() => toggle(reward.id, !reward.active)} disabled={busy}>
                        {reward.active ? "Deactivate" : "Activate"}
                      </Button>
                    </InlineStack>
                  </IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
