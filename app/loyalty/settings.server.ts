/** The merchant's program settings: read with defaults, changed through one validated form. */
import { z } from "zod";

import type { PrismaClient } from "../generated/prisma/client";

const points = (max: number) => z.coerce.number().int("must be a whole number").min(0, "cannot be negative").max(max, `is at most ${max}`);
const checkbox = z.union([z.boolean(), z.enum(["true", "false", "on"]).transform((value) => value !== "false")]);

export const ProgramSettingsInput = z
  .object({
    pointsName: z.string().trim().min(1, "is required").max(30),
    welcomePoints: points(100_000),
    secondPurchaseBonus: points(100_000),
    pointsPerCurrencyUnit: points(1_000),
    includeShippingInEarn: checkbox,
    includeTaxInEarn: checkbox,
    referrerPoints: points(100_000),
    referralFriendDiscountPercent: points(100),
    referralMonthlyRewardLimit: points(1_000),
    historyEarnsPoints: checkbox,
    pendingDays: points(365),
    /** Empty or 0: points never expire. */
    expiryMonths: z.union([z.literal("").transform(() => null), z.null(), points(120).transform((value) => (value === 0 ? null : value))]),
  })
  .partial();

export type ProgramSettingsChanges = z.input<typeof ProgramSettingsInput>;

export async function programSettings(db: PrismaClient, shopId: string) {
  return db.programSettings.findUniqueOrThrow({ where: { shopId } });
}

/** Applies the changes that validate; otherwise returns each problem by field, changing nothing. */
export async function updateProgramSettings(db: PrismaClient, shopId: string, changes: ProgramSettingsChanges) {
  const parsed = ProgramSettingsInput.safeParse(changes);
  if (!parsed.success) {
    return { ok: false as const, errors: Object.fromEntries(parsed.error.issues.map((issue) => [issue.path.join("."), issue.message])) };
  }
  const settings = await db.programSettings.update({ where: { shopId }, data: parsed.data });
  return { ok: true as const, settings };
}
