/**
 * Follow-up emails, pure: the default subject and body of each kind, the merge fields, and the
 * branded responsive HTML and plain-text parts. The admin's live preview renders with the same code.
 *
 * A body is plain text: blank lines separate paragraphs, `{{field}}` inserts a merge field, and a
 * paragraph naming a field that has no value (no code for a win-back without an incentive) is left out.
 */
import { SURVEY_SCALES, scoresOf, type SurveyType } from "../surveys/scores";
import type { FollowUpKind, SendKind } from "./rules";

export interface Template {
  subject: string;
  body: string;
}

export const DEFAULT_TEMPLATES: Record<FollowUpKind, Template> = {
  THANK_YOU: {
    subject: "Thank you for your order, {{first_name}}!",
    body: "Hi {{first_name}},\n\nThank you for your first order with {{shop_name}}. We're so glad you found us, and we hope you love it.\n\nYou have {{points_balance}} points to spend on your next visit.",
  },
  NEXT_PURCHASE: {
    subject: "{{discount}} off your next order at {{shop_name}}",
    body: "Hi {{first_name}},\n\nThanks again for shopping with {{shop_name}}. Here is {{discount}} off your next order, just for you.\n\nYour code: {{code}}\n\nIt can be used once and expires on {{code_expires}}.",
  },
  REPLENISHMENT: {
    subject: "Running low on {{product}}?",
    body: "Hi {{first_name}},\n\nIt's about time to restock {{product}}. Reorder in one click and it's on its way.\n\nYou have {{points_balance}} points to spend.",
  },
  WIN_BACK: {
    subject: "We miss you, {{first_name}}",
    body: "Hi {{first_name}},\n\nIt's been a while since your last visit to {{shop_name}}, and a lot is new.\n\nCome back with {{discount}} off: use code {{code}} before {{code_expires}}.",
  },
  POINTS_EXPIRY: {
    subject: "Your {{points_expiring}} points expire on {{expiry_date}}",
    body: "Hi {{first_name}},\n\n{{points_expiring}} of your points at {{shop_name}} expire on {{expiry_date}}. Spend them on a reward, or place an order to keep them.\n\nYour balance: {{points_balance}} points.",
  },
  SURVEY: {
    subject: "How did we do, {{first_name}}?",
    body: "Hi {{first_name}},\n\nThank you for your recent order from {{shop_name}}. One click below tells us how we did.",
  },
};

export const MERGE_FIELDS = ["first_name", "shop_name", "points_balance", "tier", "code", "discount", "code_expires", "product", "reorder_link", "points_expiring", "expiry_date"] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];
export type MergeValues = Partial<Record<MergeField, string | null>>;

/** The merge fields each kind fills (a win-back's or a campaign's code only when it gives an incentive). */
export const MERGE_FIELDS_BY_KIND: Record<SendKind, readonly MergeField[]> = {
  THANK_YOU: ["first_name", "shop_name", "points_balance", "tier", "reorder_link"],
  NEXT_PURCHASE: ["first_name", "shop_name", "points_balance", "tier", "code", "discount", "code_expires", "reorder_link"],
  REPLENISHMENT: ["first_name", "shop_name", "points_balance", "tier", "product", "reorder_link"],
  WIN_BACK: ["first_name", "shop_name", "points_balance", "tier", "code", "discount", "code_expires", "reorder_link"],
  CAMPAIGN: ["first_name", "shop_name", "points_balance", "tier", "code", "discount", "code_expires", "reorder_link"],
  POINTS_EXPIRY: ["first_name", "shop_name", "points_balance", "tier", "points_expiring", "expiry_date", "reorder_link"],
  SURVEY: ["first_name", "shop_name", "points_balance", "tier"],
};

/** The expiry date as emails and the storefront write it, in the shop's time zone ("December 21, 2026"). */
export function formatExpiryDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en", { dateStyle: "long", timeZone }).format(at);
}

/** The survey's question and one link per score (the email's one-click answers). */
export interface SurveyLinks {
  question: string;
  lowLabel: string;
  highLabel: string;
  scores: { score: number; url: string }[];
  /** "Answer and earn 50 points", when answering earns points. */
  reward: string | null;
}

export interface Branding {
  shopName: string;
  brandColor: string;
  logoUrl: string | null;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** The survey block of an email on the shop's scale, each score linking to `urlOf(score)`. */
export function surveyLinks(type: SurveyType, shopName: string, points: number, urlOf: (score: number) => string): SurveyLinks {
  const scale = SURVEY_SCALES[type];
  return {
    question: scale.question(shopName),
    lowLabel: scale.lowLabel,
    highLabel: scale.highLabel,
    scores: scoresOf(type).map((score) => ({ score, url: urlOf(score) })),
    reward: points > 0 ? `Answer and earn ${points.toLocaleString("en")} points.` : null,
  };
}

const FIELD = /\{\{\s*([a-z_]+)\s*\}\}/g;

/** The template for a kind: the shop's own where it set one, the default otherwise. */
export function templateFor(kind: FollowUpKind, overrides: unknown): Template {
  const own = (overrides as Record<string, Partial<Template>> | null)?.[kind];
  return {
    subject: typeof own?.subject === "string" && own.subject.trim() ? own.subject : DEFAULT_TEMPLATES[kind].subject,
    body: typeof own?.body === "string" && own.body.trim() ? own.body : DEFAULT_TEMPLATES[kind].body,
  };
}

function valueOf(values: MergeValues, field: string): string | null {
  if (field === "first_name") return values.first_name?.trim() || "there";
  const value = values[field as MergeField];
  return value === undefined || value === null || value === "" ? null : value;
}

function fill(text: string, values: MergeValues): string {
  return text.replace(FIELD, (_match, field: string) => valueOf(values, field) ?? "");
}

/** Paragraphs with their fields filled; one naming a field without a value is dropped. */
function paragraphs(body: string, values: MergeValues): string[] {
  return body
    .replace(/\r\n/g, "\n")
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph && [...paragraph.matchAll(FIELD)].every(([, field]) => valueOf(values, field) !== null))
    .map((paragraph) => fill(paragraph, values));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const SAFE_COLOUR = /^#[0-9a-fA-F]{3,8}$/;

/** The call to action under the body: reorder a product, or visit the shop. */
function callToAction(kind: SendKind, values: MergeValues): { label: string; url: string } | null {
  const url = values.reorder_link;
  if (!url || kind === "SURVEY") return null;
  const label = kind === "REPLENISHMENT" ? "Reorder now" : kind === "THANK_YOU" ? "Visit the shop" : kind === "POINTS_EXPIRY" ? "Use my points" : "Shop now";
  return { label, url };
}

export function renderEmail(input: {
  kind: SendKind;
  template: Template;
  values: MergeValues;
  branding: Branding;
  unsubscribeUrl: string;
  survey?: SurveyLinks | null;
}): RenderedEmail {
  const { kind, template, values, branding, unsubscribeUrl } = input;
  const survey = kind === "SURVEY" ? (input.survey ?? null) : null;
  const subject = fill(template.subject, values).replace(/\s+/g, " ").trim();
  const body = paragraphs(template.body, values);
  const action = callToAction(kind, values);
  const colour = SAFE_COLOUR.test(branding.brandColor) ? branding.brandColor : "#2c6ecb";
  const shop = escapeHtml(branding.shopName);

  const text = [
    ...body,
    ...(action ? [`${action.label}: ${action.url}`] : []),
    ...(survey
      ? [`${survey.question} (${survey.lowLabel}, ${survey.highLabel})`, ...(survey.reward ? [survey.reward] : []), survey.scores.map(({ score, url }) => `${score}: ${url}`).join("\n")]
      : []),
    `--\nYou are receiving this because you shopped at ${branding.shopName}.\nUnsubscribe: ${unsubscribeUrl}`,
  ].join("\n\n");

  const logo = branding.logoUrl && /^https?:\/\//.test(branding.logoUrl)
    ? `<img src="${escapeHtml(branding.logoUrl)}" alt="${shop}" width="160" style="display:block;max-width:160px;height:auto;border:0">`
    : `<span style="font-size:22px;font-weight:bold;color:#ffffff">${shop}</span>`;
  const button = action
    ? `<tr><td style="padding:8px 32px 24px"><a href="${escapeHtml(action.url)}" style="display:inline-block;background:${colour};color:#ffffff;text-decoration:none;font-weight:bold;padding:12px 24px;border-radius:6px">${escapeHtml(action.label)}</a></td></tr>`
    : "";
  const surveyRow = survey
    ? `<tr><td class="pad" style="padding:8px 32px 24px"><p style="margin:0 0 12px;font-size:16px;font-weight:bold">${escapeHtml(survey.question)}</p>
${survey.reward ? `<p style="margin:0 0 12px;font-size:14px">${escapeHtml(survey.reward)}</p>` : ""}<table role="presentation" cellspacing="0" cellpadding="0"><tr>${survey.scores
        .map(
          ({ score, url }) =>
            `<td style="padding:2px"><a href="${escapeHtml(url)}" data-score="${score}" style="display:inline-block;min-width:28px;text-align:center;background:${colour};color:#ffffff;text-decoration:none;font-weight:bold;padding:10px 6px;border-radius:4px">${score}</a></td>`,
        )
        .join("")}</tr></table>
<p style="margin:8px 0 0;font-size:12px;color:#6b7280">${escapeHtml(survey.lowLabel)} · ${escapeHtml(survey.highLabel)}</p></td></tr>`
    : "";
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(subject)}</title>
<style>@media (max-width:620px){.container{width:100%!important}.pad{padding-left:16px!important;padding-right:16px!important}}</style>
</head><body style="margin:0;padding:0;background:#f4f4f5;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2937">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="background:#f4f4f5"><tr><td align="center" style="padding:24px 8px">
<table role="presentation" class="container" width="600" cellspacing="0" cellpadding="0" style="width:600px;max-width:600px;background:#ffffff;border-radius:8px;overflow:hidden">
<tr><td class="pad" style="background:${colour};padding:20px 32px">${logo}</td></tr>
<tr><td class="pad" style="padding:24px 32px 8px;font-size:16px;line-height:1.5">
${body.map((paragraph) => `<p style="margin:0 0 16px">${escapeHtml(paragraph).replace(/\n/g, "<br>")}</p>`).join("\n")}
</td></tr>
${button}${surveyRow}
<tr><td class="pad" style="padding:16px 32px 24px;border-top:1px solid #e5e7eb;font-size:12px;color:#6b7280">You are receiving this because you shopped at ${shop}. <a href="${escapeHtml(unsubscribeUrl)}" style="color:#6b7280">Unsubscribe</a></td></tr>
</table></td></tr></table></body></html>`;
  return { subject, html, text };
}
