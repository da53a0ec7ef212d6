/**
 * The merchant's follow-up settings form, pure: each kind on/off and timed, the sender, branding,
 * quiet hours and each kind's subject and body, validated with zod so every bad value comes back
 * with its field and a message saying what to enter. The admin page validates as the merchant types
 * with the same code the server runs on save.
 */
import { z } from "zod";

import { WIN_BACK_TIMINGS, type FollowUpKind, type SendKind } from "./rules";
import { DEFAULT_TEMPLATES, formatExpiryDate, MERGE_FIELDS, MERGE_FIELDS_BY_KIND, renderEmail, surveyLinks, type MergeValues, type Template } from "./templates";

export const FOLLOW_UP_KINDS: readonly FollowUpKind[] = ["THANK_YOU", "NEXT_PURCHASE", "REPLENISHMENT", "WIN_BACK", "POINTS_EXPIRY", "SURVEY"];

/** The settings field that turns each kind on. */
export const ENABLED_FIELD = {
  THANK_YOU: "thankYouEnabled",
  NEXT_PURCHASE: "nextPurchaseEnabled",
  REPLENISHMENT: "replenishmentEnabled",
  WIN_BACK: "winBackEnabled",
  POINTS_EXPIRY: "pointsExpiryEnabled",
  SURVEY: "surveyEnabled",
} as const satisfies Record<FollowUpKind, string>;

/** Choices offered for past customers when win-back goes on (0: only those who lapse from now on). */
export const WIN_BACK_PAST_DAYS_CHOICES = [0, 30, 90, 180, 365] as const;

export const KIND_LABELS: Record<FollowUpKind, string> = {
  THANK_YOU: "Thank-you",
  NEXT_PURCHASE: "Next-purchase discount",
  REPLENISHMENT: "Replenishment reminder",
  WIN_BACK: "Win-back",
  POINTS_EXPIRY: "Points expiry reminder",
  SURVEY: "Satisfaction survey",
};

/** Any `{{…}}` the merchant wrote, known field or not. */
const ANY_FIELD = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** What is wrong with a subject or body's merge fields for this kind, or null. */
export function mergeFieldProblem(kind: SendKind, text: string): string | null {
  const allowed = MERGE_FIELDS_BY_KIND[kind];
  for (const [, name] of text.matchAll(ANY_FIELD)) {
    if (!(MERGE_FIELDS as readonly string[]).includes(name)) {
      return `{{${name}}} is not a merge field. Use ${allowed.map((field) => `{{${field}}}`).join(", ")}`;
    }
    if (!(allowed as readonly string[]).includes(name)) return `{{${name}}} has no value in a ${kind === "CAMPAIGN" ? "campaign" : KIND_LABELS[kind].toLowerCase()} email`;
  }
  const rest = text.replace(ANY_FIELD, "");
  if (rest.includes("{{") || rest.includes("}}")) return "A merge field is written {{first_name}}: check the braces";
  return null;
}

function templateInput(kind: FollowUpKind) {
  const checked = (max: number) =>
    z
      .string({ error: "is required" })
      .trim()
      .min(1, "is required")
      .max(max, `is at most ${max} characters`)
      .superRefine((text, context) => {
        const problem = mergeFieldProblem(kind, text);
        if (problem) context.addIssue({ code: "custom", message: problem });
      });
  return z.object({ subject: checked(150), body: checked(5_000) });
}

const whole = (min: number, max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(min, `is at least ${min}`)
    .max(max, `is at most ${max}`);
// An unticked HTML checkbox sends nothing.
const checkbox = z
  .union([z.boolean(), z.enum(["true", "false", "on"]).transform((value) => value !== "false")])
  .optional()
  .transform((value) => value ?? false);
/** Empty or left out: none. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (value) => (typeof value === "string" ? value.trim() : value),
    z
      .union([z.literal("").transform(() => null), z.null(), schema])
      .optional()
      .transform((value) => value ?? null),
  );

export const FollowUpSettingsInput = z
  .object({
    senderName: optional(z.string().trim().max(80, "is at most 80 characters")),
    senderEmail: optional(z.string().trim().pipe(z.email("must be an email address, like hello@yourshop.com"))),
    replyToEmail: optional(z.string().trim().pipe(z.email("must be an email address, like hello@yourshop.com"))),
    brandColor: z.string({ error: "is required" }).trim().regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, "must be a hex colour, like #2c6ecb"),
    logoUrl: optional(
      z
        .string()
        .trim()
        .max(2_000, "is too long")
        .pipe(z.url({ protocol: /^https$/, hostname: z.regexes.domain, error: "must be an https:// address of an image, like https://cdn.shopify.com/…/logo.png" })),
    ),
    quietHoursStart: whole(0, 23),
    quietHoursEnd: whole(0, 23),
    thankYouEnabled: checkbox,
    thankYouDelayMinutes: whole(0, 10_080),
    nextPurchaseEnabled: checkbox,
    nextPurchaseDelayDays: whole(1, 365),
    nextPurchaseDiscountPercent: whole(1, 100),
    nextPurchaseCodeValidDays: whole(1, 365),
    replenishmentEnabled: checkbox,
    replenishmentLeadDays: whole(0, 365),
    winBackEnabled: checkbox,
    winBackAfterDays: whole(7, 730),
    /** FIXED: winBackAfterDays; RHYTHM: the customer's own rhythm times winBackGraceFactor (left out: fixed). */
    winBackTiming: z
      .enum(WIN_BACK_TIMINGS, { error: "must be a fixed number of days or the customer's own rhythm" })
      .optional()
      .transform((timing) => timing ?? "FIXED"),
    winBackGraceFactor: z.coerce
      .number({ error: "must be a number, like 1.5" })
      .min(1, "is at least 1 (the day their next order was expected)")
      .max(5, "is at most 5")
      .refine((factor) => Math.abs(factor * 100 - Math.round(factor * 100)) < 1e-6, "has at most 2 decimals")
      .optional()
      .transform((factor) => factor ?? 1.5),
    /** 0: only customers who lapse after win-back goes on; N: also those who lapsed up to N days before. */
    winBackPastDays: whole(0, 730).optional().transform((days) => days ?? 0),
    /** 0: a win-back without an incentive. */
    winBackDiscountPercent: whole(0, 100),
    winBackCodeValidDays: whole(1, 365),
    // Left out by an older form: the reminder stays off, 14 days ahead.
    pointsExpiryEnabled: checkbox,
    pointsExpiryLeadDays: whole(1, 90).optional().transform((days) => days ?? 14),
    // Left out by an older form: the survey stays off, NPS, 7 days after fulfilment, no points.
    surveyEnabled: checkbox,
    surveyDelayDays: whole(0, 90).optional().transform((days) => days ?? 7),
    surveyType: z.enum(["NPS", "CSAT"], { error: "must be NPS or CSAT" }).optional().transform((type) => type ?? "NPS"),
    /** 0: no points for answering. */
    surveyPoints: whole(0, 10_000).optional().transform((points) => points ?? 0),
    templates: z.object({
      THANK_YOU: templateInput("THANK_YOU"),
      NEXT_PURCHASE: templateInput("NEXT_PURCHASE"),
      REPLENISHMENT: templateInput("REPLENISHMENT"),
      WIN_BACK: templateInput("WIN_BACK"),
      POINTS_EXPIRY: templateInput("POINTS_EXPIRY").optional().transform((template) => template ?? { ...DEFAULT_TEMPLATES.POINTS_EXPIRY }),
      SURVEY: templateInput("SURVEY").optional().transform((template) => template ?? { ...DEFAULT_TEMPLATES.SURVEY }),
    }, { error: "are required" }),
  });

export type FollowUpSettingsForm = z.input<typeof FollowUpSettingsInput>;
export type FollowUpSettingsValues = z.output<typeof FollowUpSettingsInput>;
/** Problems by field path (e.g. "templates.WIN_BACK.subject"). */
export type FieldErrors = Record<string, string>;

export function parseFollowUpSettings(input: unknown): { ok: true; values: FollowUpSettingsValues } | { ok: false; errors: FieldErrors } {
  const parsed = FollowUpSettingsInput.safeParse(input);
  if (parsed.success) return { ok: true, values: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) errors[issue.path.join(".")] ??= issue.message;
  return { ok: false, errors };
}

/** Form fields arrive flat ("templates.THANK_YOU.subject"); the schema takes them nested. */
export function nestFormFields(entries: Iterable<[string, FormDataEntryValue]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of entries) {
    if (typeof value !== "string") continue;
    const path = name.split(".");
    let node = root;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]] = value;
  }
  return root;
}

/** The shop's templates as the form shows them: its own where set, the defaults elsewhere. */
export function templatesForForm(stored: unknown): Record<FollowUpKind, Template> {
  const own = (stored ?? {}) as Partial<Record<FollowUpKind, Partial<Template>>>;
  return Object.fromEntries(
    FOLLOW_UP_KINDS.map((kind) => [
      kind,
      { subject: own[kind]?.subject?.trim() ? own[kind]!.subject! : DEFAULT_TEMPLATES[kind].subject, body: own[kind]?.body?.trim() ? own[kind]!.body! : DEFAULT_TEMPLATES[kind].body },
    ]),
  ) as Record<FollowUpKind, Template>;
}

/** Example values for the preview: a customer called Ana, with what this shop would fill in. */
export function previewValues(
  kind: FollowUpKind,
  shop: { name: string; domain: string; timezone: string; productTitle: string | null },
  settings: { nextPurchaseDiscountPercent: number; nextPurchaseCodeValidDays: number; winBackDiscountPercent: number; winBackCodeValidDays: number },
  now: Date,
): MergeValues {
  const incentive =
    kind === "NEXT_PURCHASE"
      ? { percent: settings.nextPurchaseDiscountPercent, days: settings.nextPurchaseCodeValidDays, code: "THANKS-7K2Q9XHD" }
      : kind === "WIN_BACK" && settings.winBackDiscountPercent > 0
        ? { percent: settings.winBackDiscountPercent, days: settings.winBackCodeValidDays, code: "COMEBACK-4MZP8RTA" }
        : null;
  const shopUrl = `https://${shop.domain}`;
  return {
    first_name: "Ana",
    shop_name: shop.name,
    points_balance: "240",
    tier: "Gold",
    code: incentive?.code ?? null,
    discount: incentive ? `${incentive.percent}%` : null,
    code_expires: incentive ? new Intl.DateTimeFormat("en", { dateStyle: "long", timeZone: shop.timezone }).format(new Date(now.getTime() + incentive.days * 86_400_000)) : null,
    product: kind === "REPLENISHMENT" ? (shop.productTitle ?? "Breakfast Tea") : null,
    points_expiring: kind === "POINTS_EXPIRY" ? "180" : null,
    expiry_date: kind === "POINTS_EXPIRY" ? formatExpiryDate(new Date(now.getTime() + 14 * 86_400_000), shop.timezone) : null,
    reorder_link: kind === "REPLENISHMENT" ? `${shopUrl}/cart/1:1` : incentive ? `${shopUrl}/discount/${incentive.code}` : shopUrl,
  };
}

/**
 * A kind's email as the merchant reviews it (the preview, and the test send to their own address):
 * the shop's saved template and branding, filled with the example customer's values.
 */
export function previewEmail(
  kind: FollowUpKind,
  shop: { name: string; domain: string; timezone: string; productTitle: string | null },
  settings: {
    templates: unknown;
    brandColor: string;
    logoUrl: string | null;
    nextPurchaseDiscountPercent: number;
    nextPurchaseCodeValidDays: number;
    winBackDiscountPercent: number;
    winBackCodeValidDays: number;
    surveyType?: "NPS" | "CSAT";
    surveyPoints?: number;
  },
  unsubscribeUrl: string,
  now: Date,
) {
  return renderEmail({
    kind,
    template: templatesForForm(settings.templates)[kind],
    values: previewValues(kind, shop, settings, now),
    branding: { shopName: shop.name, brandColor: settings.brandColor, logoUrl: settings.logoUrl },
    unsubscribeUrl,
    survey: kind === "SURVEY" ? previewSurveyLinks(settings.surveyType ?? "NPS", shop.name, settings.surveyPoints ?? 0, new URL(unsubscribeUrl).origin) : null,
  });
}

/** The survey block of a preview: its links lead to the answer page, which refuses the preview's token. */
export function previewSurveyLinks(type: "NPS" | "CSAT", shopName: string, points: number, appOrigin: string) {
  return surveyLinks(type, shopName, points, (score) => `${appOrigin}/surveys/answer?token=preview&score=${score}`);
}
