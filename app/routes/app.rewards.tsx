/**
 * The reward catalogue in the admin: what customers can redeem their points for. Add a reward, change
 * one, take one off the storefront (deactivate) or put it back. Existing codes keep working either way.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, Checkbox, FormLayout, IndexTable, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";

import db from "../db.server";
import { rewardsOf, rewardValueText, saveReward, setRewardActive, type RewardErrors } from "../loyalty/rewards.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const [rewards, redeemed] = await Promise.all([
    rewardsOf(db, shop.id),
    db.redemption.groupBy({ by: ["rewardId"], where: { shopId: shop.id, status: { in: ["ISSUED", "USED", "EXPIRED"] } }, _count: { _all: true } }),
  ]);
  const redemptions = new Map(redeemed.map((row) => [row.rewardId, row._count._all]));
  return {
    currencyCode: shop.currencyCode,
    pointsName: shop.settings.pointsName,
    rewards: rewards.map((reward) => ({
      id: reward.id,
      name: reward.name,
      kind: reward.kind,
      pointsCost: reward.pointsCost,
      amountOff: reward.amountOff?.toString() ?? "",
      percentageOff: reward.percentageOff?.toString() ?? "",
      minimumSubtotal: reward.minimumSubtotal?.toString() ?? "",
      codeValidDays: reward.codeValidDays,
      returnPointsOnExpiry: reward.returnPointsOnExpiry,
      active: reward.active,
      value: rewardValueText(reward, shop.currencyCode),
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
  const saved = await saveReward(db, shop.id, rewardId, form);
  if (!saved.ok) return saved;
  return { ok: true, message: rewardId ? "Reward saved" : "Reward added" };
};

const KIND_OPTIONS = [
  { label: "Amount off the order", value: "AMOUNT_OFF" },
  { label: "Percentage off the order", value: "PERCENTAGE_OFF" },
  { label: "Free shipping", value: "FREE_SHIPPING" },
];

const FIELD_LABELS: Record<string, string> = {
  amountOff: "Amount off",
  percentageOff: "Percentage off",
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
  codeValidDays: string;
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
  codeValidDays: "30",
  returnPointsOnExpiry: true,
  active: true,
};

export default function Rewards() {
  const { rewards, currencyCode, pointsName } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const navigation = useNavigation();
  const submit = useSubmit();
  const [draft, setDraft] = useState<Draft | null>(null);
  const busy = navigation.state !== "idle";
  const errors: RewardErrors = answer && !answer.ok ? answer.errors : {};
  // An error for a field the form does not show right now is said in the banner: never swallowed.
  const shownFields = new Set(["name", "kind", "pointsCost", "minimumSubtotal", "codeValidDays", draft?.kind === "AMOUNT_OFF" ? "amountOff" : draft?.kind === "PERCENTAGE_OFF" ? "percentageOff" : ""]);
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
                  <FormLayout.Group>
                    {draft.kind === "AMOUNT_OFF" ? <TextField label="Amount off" type="text" inputMode="decimal" suffix={currencyCode} {...field("amountOff")} /> : null}
                    {draft.kind === "PERCENTAGE_OFF" ? <TextField label="Percentage off" type="number" min={1} max={100} suffix="%" {...field("percentageOff")} /> : null}
                    <TextField label="Minimum order subtotal" helpText="Leave empty for none" inputMode="decimal" suffix={currencyCode} {...field("minimumSubtotal")} />
                  </FormLayout.Group>
                  <TextField label="Code can be used for" type="number" min={1} max={365} suffix="days" {...field("codeValidDays")} />
                  <Checkbox
                    label={`Give the ${pointsName} back when a code expires unused`}
                    checked={draft.returnPointsOnExpiry}
                    onChange={(checked) => setDraft({ ...draft, returnPointsOnExpiry: checked })}
                  />
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
              headings={[{ title: "Reward" }, { title: "Value" }, { title: "Cost", alignment: "end" }, { title: "Codes given", alignment: "end" }, { title: "Status" }, { title: "Actions", hidden: true }]}
            >
              {rewards.map((reward, index) => (
                <IndexTable.Row id={reward.id} key={reward.id} position={index}>
                  <IndexTable.Cell>
                    <Text as="span" fontWeight="semibold">
                      {reward.name}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{reward.value}</IndexTable.Cell>
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
                            codeValidDays: String(reward.codeValidDays),
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
