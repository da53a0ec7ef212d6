/** The merchant's program settings: read with defaults, changed through one validated form. */
import { z } from "zod";

import type { PrismaClient } from "../generated/prisma/client";
import { enqueueCustomerRecords } from "../shop-tools/outbox.server";

/** A whole number from a form field or JSON: an empty field is "required", not a silent 0. */
const wholeNumber = (max: number) =>
  z.preprocess(
    (value) => (typeof value === "string" ? (value.trim() === "" ? undefined : Number(value.trim())) : value),
    z
      .number({ error: (issue) => (issue.input === undefined ? "is required" : "must be a number") })
      .int("must be a whole number")
      .min(0, "cannot be negative")
      .max(max, `is at most ${max.toLocaleString("en")}`),
  );
const days = (min: number, max: number) => wholeNumber(max).pipe(z.number().min(min, `is at least ${min}`));
const checkbox = z.union([z.boolean(), z.enum(["true", "false", "on"]).transform((value) => value !== "false")]);

export const ProgramSettingsInput = z
  .object({
    pointsName: z.string().trim().min(1, "is required").max(30, "is at most 30 characters"),
    welcomePoints: wholeNumber(100_000),
    secondPurchaseBonus: wholeNumber(100_000),
    pointsPerCurrencyUnit: wholeNumber(1_000),
    includeShippingInEarn: checkbox,
    includeTaxInEarn: checkbox,
    referrerPoints: wholeNumber(100_000),
    referralFriendDiscountPercent: wholeNumber(100),
    referralMonthlyRewardLimit: wholeNumber(1_000),
    historyEarnsPoints: checkbox,
    pendingDays: wholeNumber(365),
    /** Empty or 0: points never expire. */
    expiryMonths: z.preprocess((value) => (value === "" || (typeof value === "string" && value.trim() === "") ? null : value), wholeNumber(120).nullable()).transform((value) => (value === 0 ? null : value)),
    /** Days since the last order after which a customer is slipping (amber), then lapsed (red). */
    healthSlippingDays: days(1, 3_650),
    healthLapsedDays: days(2, 3_650),
    /** Points on the customer's birthday, once a year; 0: off. */
    birthdayPoints: wholeNumber(100_000),
    /** A birthday set or changed fewer than this many days before the date earns nothing that year. */
    birthdayAbuseWindowDays: wholeNumber(365),
    /** Tag each customer with their tier in Shopify ("VIP Gold"). */
    customerTagsEnabled: checkbox,
    customerTagPrefix: z.string().trim().max(40, "is at most 40 characters").refine((value) => !value.includes(","), "cannot contain a comma (Shopify would make two tags of it)"),
  })
  .partial();

export type ProgramSettingsChanges = z.input<typeof ProgramSettingsInput>;
export type ProgramSettingsErrors = Partial<Record<keyof ProgramSettingsChanges, string>>;

export async function programSettings(db: PrismaClient, shopId: string) {
  return db.programSettings.findUniqueOrThrow({ where: { shopId } });
}

/** A field's value when that field alone is valid, so cross-field rules can speak while other fields are wrong. */
function validValue<K extends keyof ProgramSettingsChanges>(field: K, changes: ProgramSettingsChanges): z.output<typeof ProgramSettingsInput>[K] | undefined {
  if (changes[field] === undefined) return undefined;
  const parsed = ProgramSettingsInput.shape[field].safeParse(changes[field]);
  return parsed.success ? (parsed.data as z.output<typeof ProgramSettingsInput>[K]) : undefined;
}

/**
 * Applies the changes when all of them validate; otherwise returns every problem at once (each field's
 * first, and the rules between fields whose own values are valid), changing nothing.
 */
export async function updateProgramSettings(db: PrismaClient, shopId: string, changes: ProgramSettingsChanges) {
  const parsed = ProgramSettingsInput.safeParse(changes);
  return db.$transaction(async (tx) => {
    const current = await tx.programSettings.findUniqueOrThrow({ where: { shopId } });
    const errors: ProgramSettingsErrors = {};
    if (!parsed.success) {
      // The first problem of each field is the one to fix first.
      for (const issue of parsed.error.issues) errors[issue.path.join(".") as keyof ProgramSettingsChanges] ??= issue.message;
    }
    const slipping = validValue("healthSlippingDays", changes) ?? (errors.healthSlippingDays ? undefined : current.healthSlippingDays);
    const lapsed = validValue("healthLapsedDays", changes) ?? (errors.healthLapsedDays ? undefined : current.healthLapsedDays);
    if (slipping !== undefined && lapsed !== undefined && lapsed <= slipping) {
      errors.healthLapsedDays = `must be more than the slipping threshold (${slipping} days)`;
    }
    if (!parsed.success || Object.keys(errors).length > 0) return { ok: false as const, errors };
    const settings = await tx.programSettings.update({ where: { shopId }, data: parsed.data });
    // Tags turned on or off, or a new prefix: every customer's tier tag is written again (the job coalesces).
    if (settings.customerTagsEnabled !== current.customerTagsEnabled || (settings.customerTagsEnabled && settings.customerTagPrefix !== current.customerTagPrefix)) {
      await enqueueCustomerRecords(tx, shopId, "all");
    }
    // History's points turned on after the import finished: its last phase gives them, once.
    const settleHistory = parsed.data.historyEarnsPoints === true && !current.historyEarnsPoints;
    if (settleHistory) await tx.historyImport.updateMany({ where: { shopId, status: "done" }, data: { status: "running", phase: "settle", finishedAt: null } });
    return { ok: true as const, settings, settleHistory };
  });
}
