/**
 * Follow-up settings and templates: each kind on/off and timed, the sender, branding and quiet
 * hours, and each kind's subject and body with a live preview rendered by the mailer's own template
 * code (HTML and plain text). The same zod schema checks the form as it is typed and on save.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigate, useNavigation, useSubmit } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, Checkbox, InlineGrid, InlineStack, Select, Tabs, Text, TextField } from "@shopify/polaris";
import { useMemo, useState } from "react";

import { PageLoadError } from "../admin/page-load-error";
import db from "../db.server";
import type { FollowUpKind } from "../follow-ups/rules";
import {
  FOLLOW_UP_KINDS,
  KIND_LABELS,
  WIN_BACK_PAST_DAYS_CHOICES,
  nestFormFields,
  parseFollowUpSettings,
  previewSurveyLinks,
  previewValues,
  type FieldErrors,
} from "../follow-ups/settings";
import { winBackReach } from "../follow-ups/audience.server";
import { followUpSettings } from "../follow-ups/schedule.server";
import { followUpSettingsForm, saveFollowUpSettings, type FollowUpSettingsFormValues } from "../follow-ups/settings.server";
import { MERGE_FIELDS_BY_KIND, renderEmail } from "../follow-ups/templates";
import { defaultFromAddress } from "../follow-ups/mail.server";
import { env } from "../env.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const now = new Date();
  const [form, product, winBack] = await Promise.all([
    followUpSettingsForm(db, shop.id),
    // The preview's product: one this shop sells, so the reminder reads as the customer would see it.
    db.orderLineItem.findFirst({ where: { order: { shopId: shop.id }, productShopifyId: { not: null } }, orderBy: { order: { placedAt: "desc" } }, select: { title: true } }),
    followUpSettings(db, shop.id).then((settings) => winBackReach(db, shop.id, settings, now)),
  ]);
  return {
    form,
    winBack,
    shop: { name: shop.name ?? shop.domain, domain: shop.domain, timezone: shop.ianaTimezone, productTitle: product?.title ?? null },
    defaultFrom: shop.contactEmail ?? defaultFromAddress(env()),
    defaultReplyTo: shop.contactEmail,
    appUrl: env().SHOPIFY_APP_URL,
    now: now.toISOString(),
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await db.shop.findUniqueOrThrow({ where: { domain: session.shop }, select: { id: true } });
  const result = await saveFollowUpSettings(db, shop.id, nestFormFields(await request.formData()));
  if (!result.ok) return Response.json({ ok: false, errors: result.errors }, { status: 400 });
  return { ok: true, errors: {} as FieldErrors };
};

/** The form as typed: numbers stay strings until the schema reads them. */
type Draft = { [K in keyof FollowUpSettingsFormValues]: FollowUpSettingsFormValues[K] extends number ? string : FollowUpSettingsFormValues[K] };

function draftOf(form: FollowUpSettingsFormValues): Draft {
  return Object.fromEntries(Object.entries(form).map(([key, value]) => [key, typeof value === "number" ? String(value) : value])) as Draft;
}

function formDataOf(draft: Draft): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(draft)) {
    if (key === "templates") continue;
    data.set(key, String(value));
  }
  for (const kind of FOLLOW_UP_KINDS) {
    data.set(`templates.${kind}.subject`, draft.templates[kind].subject);
    data.set(`templates.${kind}.body`, draft.templates[kind].body);
  }
  return data;
}

const HOURS = Array.from({ length: 24 }, (_, hour) => ({ value: String(hour), label: `${String(hour).padStart(2, "0")}:00` }));

/** The numbers that time and reward one kind. */
const TIMING: Record<FollowUpKind, { field: keyof Draft; label: string; help?: string }[]> = {
  THANK_YOU: [{ field: "thankYouDelayMinutes", label: "Minutes after the first order is paid" }],
  NEXT_PURCHASE: [
    { field: "nextPurchaseDelayDays", label: "Days after the first order" },
    { field: "nextPurchaseDiscountPercent", label: "Discount (%)" },
    { field: "nextPurchaseCodeValidDays", label: "Code valid for (days)", help: "A unique code for that customer, usable once." },
  ],
  REPLENISHMENT: [
    { field: "replenishmentLeadDays", label: "Days before the product runs out", help: "Used where a product has no lead time of its own (Replenishment intervals)." },
  ],
  WIN_BACK: [
    { field: "winBackAfterDays", label: "Days without an order" },
    { field: "winBackDiscountPercent", label: "Discount (%)", help: "0 sends the win-back without a code." },
    { field: "winBackCodeValidDays", label: "Code valid for (days)" },
  ],
  POINTS_EXPIRY: [
    { field: "pointsExpiryLeadDays", label: "Days before the points expire", help: "Sent once per expiry date, only when the program's points expire (Program page); cancelled if the customer spends or earns points first." },
  ],
  SURVEY: [
    { field: "surveyDelayDays", label: "Days after fulfilment", help: "Or after the order, if you do not fulfil orders through Shopify." },
    { field: "surveyPoints", label: "Points for answering", help: "Given once per survey when the customer submits the answer page; 0 gives none." },
  ],
};

const ENABLED: Record<FollowUpKind, keyof Draft> = {
  THANK_YOU: "thankYouEnabled",
  NEXT_PURCHASE: "nextPurchaseEnabled",
  REPLENISHMENT: "replenishmentEnabled",
  WIN_BACK: "winBackEnabled",
  POINTS_EXPIRY: "pointsExpiryEnabled",
  SURVEY: "surveyEnabled",
};

const FIELD_LABELS: Record<string, string> = {
  senderName: "Sender name",
  senderEmail: "Sender email",
  replyToEmail: "Reply-To",
  winBackPastDays: "Past customers",
  winBackTiming: "When to write",
  winBackGraceFactor: "Grace (expected gaps)",
  brandColor: "Brand colour",
  logoUrl: "Logo URL",
  quietHoursStart: "Quiet hours start",
  quietHoursEnd: "Quiet hours end",
  ...Object.fromEntries(Object.values(TIMING).flat().map(({ field, label }) => [field, label])),
};

function labelOf(path: string): string {
  const [, kind, part] = /^templates\.([A-Z_]+)\.(subject|body)$/.exec(path) ?? [];
  if (kind) return `${KIND_LABELS[kind as FollowUpKind]} ${part}`;
  return FIELD_LABELS[path] ?? path;
}

export default function FollowUpSettings() {
  const { form, winBack, shop, defaultFrom, defaultReplyTo, appUrl, now } = useLoaderData<typeof loader>();
  const saved = useActionData<typeof action>();
  const submit = useSubmit();
  const navigate = useNavigate();
  const navigation = useNavigation();
  const [draft, setDraft] = useState<Draft>(() => draftOf(form));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [kindIndex, setKindIndex] = useState(0);
  const kind = FOLLOW_UP_KINDS[kindIndex];
  const saving = navigation.state === "submitting";

  const live = useMemo(() => {
    const parsed = parseFollowUpSettings(draft);
    return parsed.ok ? {} : parsed.errors;
  }, [draft]);
  // A field's problem shows once it was changed, and every problem once saving was tried.
  const errors: FieldErrors = Object.fromEntries(Object.entries(live).filter(([path]) => submitted || touched.has(path)));
  const errorOf = (path: string) => errors[path];

  const set = (path: string, value: string | boolean) => {
    setTouched((before) => new Set(before).add(path));
    setDraft((before) => {
      const [, templateKind, part] = /^templates\.([A-Z_]+)\.(subject|body)$/.exec(path) ?? [];
      if (templateKind) {
        const key = templateKind as FollowUpKind;
        return { ...before, templates: { ...before.templates, [key]: { ...before.templates[key], [part]: value } } };
      }
      return { ...before, [path]: value };
    });
  };

  const preview = useMemo(() => {
    const number = (value: string, fallback: number) => (Number.isFinite(Number(value)) && value !== "" ? Number(value) : fallback);
    return renderEmail({
      kind,
      template: draft.templates[kind],
      values: previewValues(
        kind,
        shop,
        {
          nextPurchaseDiscountPercent: number(draft.nextPurchaseDiscountPercent, form.nextPurchaseDiscountPercent),
          nextPurchaseCodeValidDays: number(draft.nextPurchaseCodeValidDays, form.nextPurchaseCodeValidDays),
          winBackDiscountPercent: number(draft.winBackDiscountPercent, form.winBackDiscountPercent),
          winBackCodeValidDays: number(draft.winBackCodeValidDays, form.winBackCodeValidDays),
        },
        new Date(now),
      ),
      branding: { shopName: shop.name, brandColor: draft.brandColor, logoUrl: live.logoUrl ? null : draft.logoUrl || null },
      unsubscribeUrl: `${appUrl}/follow-ups/unsubscribe?token=preview`,
      survey: kind === "SURVEY" ? previewSurveyLinks(draft.surveyType === "CSAT" ? "CSAT" : "NPS", shop.name, number(draft.surveyPoints, form.surveyPoints), new URL(appUrl).origin) : null,
    });
  }, [kind, draft, shop, form, now, appUrl, live]);

  const save = () => {
    setSubmitted(true);
    if (Object.keys(live).length > 0) return;
    submit(formDataOf(draft), { method: "post" });
  };
  const problems = Object.entries(submitted ? live : {}).concat(saved && !saved.ok && Object.keys(live).length === 0 ? Object.entries(saved.errors) : []);

  return (
    <BlockStack gap="400">
      {problems.length > 0 && (
        <Banner tone="critical" title="Some settings need a fix before they can be saved">
          <ul>
            {problems.map(([path, message]) => (
              <li key={path}>{`${labelOf(path)}: ${message}`}</li>
            ))}
          </ul>
        </Banner>
      )}
      {saved?.ok && navigation.state === "idle" && (
        <Banner tone="success">
          <p>Settings saved. New follow-ups use them from now on.</p>
        </Banner>
      )}

      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Sender and branding
          </Text>
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="300">
            <TextField label="Sender name" autoComplete="off" value={draft.senderName} onChange={(value) => set("senderName", value)} helpText={`Empty: ${shop.name}`} error={errorOf("senderName")} />
            <TextField label="Sender email" type="email" autoComplete="off" value={draft.senderEmail} onChange={(value) => set("senderEmail", value)} helpText={`Empty: ${defaultFrom}, your shop's contact address. Use an address on a domain your mail provider is set up to send for (SPF, DKIM).`} error={errorOf("senderEmail")} />
            <TextField label="Reply-To" type="email" autoComplete="off" value={draft.replyToEmail} onChange={(value) => set("replyToEmail", value)} helpText={`Where customers' replies go. Empty: ${defaultReplyTo ?? "the sender email"}.`} error={errorOf("replyToEmail")} />
            <TextField
              label="Brand colour"
              autoComplete="off"
              value={draft.brandColor}
              onChange={(value) => set("brandColor", value)}
              error={errorOf("brandColor")}
              helpText="The email's header and button."
              prefix={<span aria-hidden style={{ display: "inline-block", width: 16, height: 16, borderRadius: 4, background: errorOf("brandColor") ? "transparent" : draft.brandColor, border: "1px solid var(--p-color-border)" }} />}
            />
            <TextField label="Logo URL" type="url" autoComplete="off" value={draft.logoUrl} onChange={(value) => set("logoUrl", value)} helpText="An https:// image, shown 160 px wide. Empty: the shop's name." error={errorOf("logoUrl")} />
          </InlineGrid>
        </BlockStack>
      </Card>

      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Quiet hours
          </Text>
          <Text as="p" tone="subdued">
            Nothing is sent between these hours ({shop.timezone}); what falls due then goes when they end. The same hour twice turns quiet hours off.
          </Text>
          <InlineStack gap="300">
            <Select label="From" options={HOURS} value={draft.quietHoursStart} onChange={(value) => set("quietHoursStart", value)} error={errorOf("quietHoursStart")} />
            <Select label="Until" options={HOURS} value={draft.quietHoursEnd} onChange={(value) => set("quietHoursEnd", value)} error={errorOf("quietHoursEnd")} />
          </InlineStack>
        </BlockStack>
      </Card>

      <Card padding="0">
        <Tabs
          tabs={FOLLOW_UP_KINDS.map((each) => ({
            id: each,
            content: `${KIND_LABELS[each]}${Object.keys(errors).some((path) => path.includes(each) || TIMING[each].some((t) => t.field === path)) ? " ⚠" : ""}`,
          }))}
          selected={kindIndex}
          onSelect={setKindIndex}
        />
        <Box padding="400">
          <InlineGrid columns={{ xs: 1, lg: 2 }} gap="400">
            <BlockStack gap="300">
              <Checkbox label={`Send the ${KIND_LABELS[kind].toLowerCase()} email`} checked={Boolean(draft[ENABLED[kind]])} onChange={(checked) => set(ENABLED[kind], checked)} />
              <InlineGrid columns={{ xs: 1, sm: TIMING[kind].length }} gap="300">
                {TIMING[kind].map(({ field, label, help }) => (
                  <TextField key={field} label={label} type="number" autoComplete="off" value={String(draft[field])} onChange={(value) => set(field, value)} helpText={help} error={errorOf(field)} />
                ))}
              </InlineGrid>
              {kind === "WIN_BACK" && (
                <BlockStack gap="200">
                  <InlineGrid columns={{ xs: 1, sm: 2 }} gap="300">
                    <Select
                      label="When to write"
                      options={[
                        { value: "FIXED", label: "After the days without an order above" },
                        { value: "RHYTHM", label: "When overdue against their own rhythm" },
                      ]}
                      value={String(draft.winBackTiming)}
                      onChange={(value) => set("winBackTiming", value)}
                      error={errorOf("winBackTiming")}
                    />
                    {draft.winBackTiming === "RHYTHM" ? (
                      <TextField
                        label="Grace (expected gaps)"
                        type="number"
                        step={0.1}
                        autoComplete="off"
                        value={String(draft.winBackGraceFactor)}
                        onChange={(value) => set("winBackGraceFactor", value)}
                        error={errorOf("winBackGraceFactor")}
                        helpText="1.5 writes when half a gap has passed since their next order was expected."
                      />
                    ) : null}
                  </InlineGrid>
                  {draft.winBackTiming === "RHYTHM" ? (
                    <div data-rhythm="win-back">
                      <Text as="p" tone="subdued">
                        {`Each customer is written to ${draft.winBackGraceFactor || "…"} × their own expected gap between orders after their last one (at least 14 days): a customer with one order uses the shop's typical gap${winBack.shopMedianGapDays !== null ? ` (${Math.round(winBack.shopMedianGapDays)} days now)` : ", once the shop has 5 repeat orders; until then"}, and without either the days without an order above.`}
                      </Text>
                    </div>
                  ) : null}
                  <Text as="p" data-audience="win-back">
                    {winBack.timing === "RHYTHM"
                      ? `Goes to customers overdue against their own rhythm who agreed to email marketing, once per lapse. In the last 30 days, ${winBack.lapsedLast30Days.toLocaleString("en")} ${winBack.lapsedLast30Days === 1 ? "customer" : "customers"} became overdue by the saved grace. Customers who were already overdue when win-back was turned on get one only if you include them below.`
                      : `Goes to customers whose last order was ${draft.winBackAfterDays || "…"} days ago and who agreed to email marketing, once per lapse. In the last 30 days, ${winBack.lapsedLast30Days.toLocaleString("en")} ${winBack.lapsedLast30Days === 1 ? "customer" : "customers"} reached ${winBack.afterDays} days. Customers who had gone longer without ordering when win-back was turned on get one only if you include them below.`}
                  </Text>
                  <Select
                    label="Past customers when it is turned on"
                    options={WIN_BACK_PAST_DAYS_CHOICES.map((days) => ({
                      value: String(days),
                      label:
                        days === 0
                          ? "None: only customers who lapse from then on"
                          : `Also those who lapsed up to ${days} days before (${(winBack.choices.find((choice) => choice.days === days)?.customers ?? 0).toLocaleString("en")} today)`,
                    }))}
                    value={String(draft.winBackPastDays)}
                    onChange={(value) => set("winBackPastDays", value)}
                    helpText={form.winBackEnabled ? `On since ${winBack.startedAt ? new Date(winBack.startedAt).toLocaleDateString("en", { dateStyle: "medium", timeZone: shop.timezone }) : "before this was recorded"}; a change applies from the next sweep.` : "Applies when you turn win-back on."}
                    error={errorOf("winBackPastDays")}
                  />
                </BlockStack>
              )}
              {kind === "SURVEY" && (
                <Select
                  label="Question"
                  options={[
                    { value: "NPS", label: "NPS: how likely to recommend the shop, 0 to 10" },
                    { value: "CSAT", label: "CSAT: how satisfied with the order, 1 to 5" },
                  ]}
                  value={draft.surveyType}
                  onChange={(value) => set("surveyType", value)}
                  helpText="Each score in the email is a link: one click records it. The Surveys page shows the results."
                  error={errorOf("surveyType")}
                />
              )}
              {kind === "REPLENISHMENT" && (
                <InlineStack>
                  <Button variant="plain" onClick={() => navigate("/app/follow-ups/products")}>
                    Set each product's use-up interval
                  </Button>
                </InlineStack>
              )}
              <TextField label="Subject" autoComplete="off" value={draft.templates[kind].subject} onChange={(value) => set(`templates.${kind}.subject`, value)} error={errorOf(`templates.${kind}.subject`)} />
              <TextField
                label="Body"
                autoComplete="off"
                multiline={8}
                value={draft.templates[kind].body}
                onChange={(value) => set(`templates.${kind}.body`, value)}
                error={errorOf(`templates.${kind}.body`)}
                helpText={`Blank lines start a new paragraph. Merge fields: ${MERGE_FIELDS_BY_KIND[kind].map((field) => `{{${field}}}`).join(", ")}. A paragraph whose field has no value (no code) is left out.`}
              />
            </BlockStack>
            <BlockStack gap="200">
              <Text as="h3" variant="headingSm">
                {kind === "WIN_BACK" ? `Preview, as Ana would get it ${draft.winBackAfterDays || "…"} days after her last order` : "Preview, as Ana would get it"}
              </Text>
              <Text as="p">
                <Text as="span" tone="subdued">
                  Subject:{" "}
                </Text>
                <span data-preview="subject">{preview.subject}</span>
              </Text>
              <iframe title="Email preview" sandbox="" srcDoc={preview.html} style={{ width: "100%", height: 420, border: "1px solid var(--p-color-border)", borderRadius: 8, background: "#f4f4f5" }} />
              <details>
                <summary>
                  <Text as="span" variant="bodySm">
                    Plain-text part
                  </Text>
                </summary>
                <pre data-preview="text" style={{ whiteSpace: "pre-wrap", fontSize: 12, margin: 0, padding: 8, background: "var(--p-color-bg-surface-secondary)", borderRadius: 6 }}>
                  {preview.text}
                </pre>
              </details>
            </BlockStack>
          </InlineGrid>
        </Box>
      </Card>

      <InlineStack align="end" gap="200">
        <Button
          onClick={() => {
            setDraft(draftOf(form));
            setTouched(new Set());
            setSubmitted(false);
          }}
          disabled={saving}
        >
          Discard changes
        </Button>
        <Button variant="primary" onClick={save} loading={saving}>
          Save
        </Button>
      </InlineStack>
    </BlockStack>
  );
}

export function ErrorBoundary() {
  return <PageLoadError what="The follow-up settings" />;
}
