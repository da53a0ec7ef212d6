/**
 * The campaign form, pure: what the merchant typed, checked field by field (each error names its
 * field, as the admin shows it under the field), into what a campaign stores.
 */
import { mergeFieldProblem } from "../follow-ups/settings";
import { formatMoney } from "../orders/money";
import { parseAudience } from "./audience";

export type CampaignDiscountKind = "NONE" | "PERCENTAGE" | "AMOUNT";

export interface CampaignInput {
  name: string;
  audience: string;
  subject: string;
  body: string;
  discountKind: CampaignDiscountKind;
  /** PERCENTAGE: whole percent as text; AMOUNT: a decimal with at most 2 places; null without a code. */
  discountValue: string | null;
  discountValidDays: number | null;
  ratePerMinute: number;
  attributionDays: number;
}

export type CampaignFieldErrors = Partial<Record<keyof CampaignInput | "form", string>>;

export const CAMPAIGN_LIMITS = {
  name: 100,
  subject: 150,
  body: 5_000,
  percent: { min: 1, max: 100 },
  amountMax: 100_000,
  validDays: { min: 1, max: 365 },
  rate: { min: 1, max: 1_000 },
  attributionDays: { min: 1, max: 365 },
} as const;

const WHOLE = /^\d{1,7}$/;
const MONEY = /^\d{1,6}(\.\d{1,2})?$/;

function text(form: Record<string, unknown>, name: string): string {
  const value = form[name];
  return typeof value === "string" ? value.trim() : "";
}

function whole(value: string, range: { min: number; max: number }): number | string {
  if (!WHOLE.test(value)) return "must be a whole number";
  const number = Number(value);
  return number < range.min || number > range.max ? `must be ${range.min} to ${range.max}` : number;
}

export function parseCampaignForm(form: Record<string, unknown>): { ok: true; value: CampaignInput } | { ok: false; errors: CampaignFieldErrors } {
  const errors: CampaignFieldErrors = {};
  const name = text(form, "name");
  if (!name) errors.name = "is required";
  else if (name.length > CAMPAIGN_LIMITS.name) errors.name = `is at most ${CAMPAIGN_LIMITS.name} characters`;

  const audience = text(form, "audience");
  if (!parseAudience(audience)) errors.audience = "must be one of the listed audiences";

  const subject = text(form, "subject");
  const body = typeof form.body === "string" ? form.body.replace(/\r\n/g, "\n").trim() : "";
  for (const [field, value, max] of [["subject", subject, CAMPAIGN_LIMITS.subject], ["body", body, CAMPAIGN_LIMITS.body]] as const) {
    if (!value) errors[field] = "is required";
    else if (value.length > max) errors[field] = `is at most ${max} characters`;
    else {
      const problem = mergeFieldProblem("CAMPAIGN", value);
      if (problem) errors[field] = problem;
    }
  }

  const discountKind = (text(form, "discountKind") || "NONE") as CampaignDiscountKind;
  let discountValue: string | null = null;
  let discountValidDays: number | null = null;
  if (!["NONE", "PERCENTAGE", "AMOUNT"].includes(discountKind)) errors.discountKind = "must be none, a percentage or an amount";
  else if (discountKind !== "NONE") {
    const value = text(form, "discountValue");
    if (discountKind === "PERCENTAGE") {
      const percent = whole(value, CAMPAIGN_LIMITS.percent);
      if (typeof percent === "string") errors.discountValue = percent;
      else discountValue = String(percent);
    } else if (!MONEY.test(value)) errors.discountValue = "must be an amount like 5 or 7.50";
    else if (Number(value) <= 0 || Number(value) > CAMPAIGN_LIMITS.amountMax) errors.discountValue = `must be more than 0 and at most ${CAMPAIGN_LIMITS.amountMax}`;
    else discountValue = value;
    const days = whole(text(form, "discountValidDays"), CAMPAIGN_LIMITS.validDays);
    if (typeof days === "string") errors.discountValidDays = days;
    else discountValidDays = days;
  }

  const rate = whole(text(form, "ratePerMinute"), CAMPAIGN_LIMITS.rate);
  if (typeof rate === "string") errors.ratePerMinute = rate;
  const attribution = whole(text(form, "attributionDays"), CAMPAIGN_LIMITS.attributionDays);
  if (typeof attribution === "string") errors.attributionDays = attribution;

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: { name, audience, subject, body, discountKind, discountValue, discountValidDays, ratePerMinute: rate as number, attributionDays: attribution as number },
  };
}

/** A code's value as the email says it: "15%" or "$5.00". */
export function discountText(input: { discountKind: CampaignDiscountKind; discountValue: string | null }, currencyCode: string): string | null {
  if (input.discountKind === "NONE" || !input.discountValue) return null;
  return input.discountKind === "PERCENTAGE" ? `${Number(input.discountValue)}%` : formatMoney(input.discountValue, currencyCode);
}
