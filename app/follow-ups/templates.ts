/**
 * Follow-up emails, pure: the default subject and body of each kind, the merge fields, and the
 * branded responsive HTML and plain-text parts. The admin's live preview renders with the same code.
 *
 * A body is plain text: blank lines separate paragraphs, `{{field}}` inserts a merge field, and a
 * paragraph naming a field that has no value (no code for a win-back without an incentive) is left out.
 */
import type { FollowUpKind } from "./rules";

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
};

export const MERGE_FIELDS = ["first_name", "shop_name", "points_balance", "tier", "code", "discount", "code_expires", "product", "reorder_link"] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];
export type MergeValues = Partial<Record<MergeField, string | null>>;

/** The merge fields each kind fills (a win-back's code only when the shop gives an incentive). */
export const MERGE_FIELDS_BY_KIND: Record<FollowUpKind, readonly MergeField[]> = {
  THANK_YOU: ["first_name", "shop_name", "points_balance", "tier", "reorder_link"],
  NEXT_PURCHASE: ["first_name", "shop_name", "points_balance", "tier", "code", "discount", "code_expires", "reorder_link"],
  REPLENISHMENT: ["first_name", "shop_name", "points_balance", "tier", "product", "reorder_link"],
  WIN_BACK: ["first_name", "shop_name", "points_balance", "tier", "code", "discount", "code_expires", "reorder_link"],
};

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
function callToAction(kind: FollowUpKind, values: MergeValues): { label: string; url: string } | null {
  const url = values.reorder_link;
  if (!url) return null;
  return { label: kind === "REPLENISHMENT" ? "Reorder now" : kind === "THANK_YOU" ? "Visit the shop" : "Shop now", url };
}

export function renderEmail(input: {
  kind: FollowUpKind;
  template: Template;
  values: MergeValues;
  branding: Branding;
  unsubscribeUrl: string;
}): RenderedEmail {
  const { kind, template, values, branding, unsubscribeUrl } = input;
  const subject = fill(template.subject, values).replace(/\s+/g, " ").trim();
  const body = paragraphs(template.body, values);
  const action = callToAction(kind, values);
  const colour = SAFE_COLOUR.test(branding.brandColor) ? branding.brandColor : "#2c6ecb";
  const shop = escapeHtml(branding.shopName);

  const text = [
    ...body,
    ...(action ? [`${action.label}: ${action.url}`] : []),
    `--\nYou are receiving this because you shopped at ${branding.shopName}.\nUnsubscribe: ${unsubscribeUrl}`,
  ].join("\n\n");

  const logo = branding.logoUrl && /^https?:\/\//.test(branding.logoUrl)
    ? `<img src="${escapeHtml(branding.logoUrl)}" alt="${shop}" width="160" style="display:block;max-width:160px;height:auto;border:0">`
    : `<span style="font-size:22px;font-weight:bold;color:#ffffff">${shop}</span>`;
  const button = action
    ? `<tr><td style="padding:8px 32px 24px"><a href="${escapeHtml(action.url)}" style="display:inline-block;background:${colour};color:#ffffff;text-decoration:none;font-weight:bold;padding:12px 24px;border-radius:6px">${escapeHtml(action.label)}</a></td></tr>`
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
${button}
<tr><td class="pad" style="padding:16px 32px 24px;border-top:1px solid #e5e7eb;font-size:12px;color:#6b7280">You are receiving this because you shopped at ${shop}. <a href="${escapeHtml(unsubscribeUrl)}" style="color:#6b7280">Unsubscribe</a></td></tr>
</table></td></tr></table></body></html>`;
  return { subject, html, text };
}
