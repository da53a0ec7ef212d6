/** The shop's follow-up settings as the admin edits them: read with defaults, saved only when all of it validates. */
import type { PrismaClient } from "../generated/prisma/client";
import { followUpSettings } from "./schedule.server";
import { parseFollowUpSettings, templatesForForm, type FieldErrors } from "./settings";

export async function followUpSettingsForm(db: PrismaClient, shopId: string) {
  const settings = await followUpSettings(db, shopId);
  return {
    senderName: settings.senderName ?? "",
    senderEmail: settings.senderEmail ?? "",
    brandColor: settings.brandColor,
    logoUrl: settings.logoUrl ?? "",
    quietHoursStart: settings.quietHoursStart,
    quietHoursEnd: settings.quietHoursEnd,
    thankYouEnabled: settings.thankYouEnabled,
    thankYouDelayMinutes: settings.thankYouDelayMinutes,
    nextPurchaseEnabled: settings.nextPurchaseEnabled,
    nextPurchaseDelayDays: settings.nextPurchaseDelayDays,
    nextPurchaseDiscountPercent: settings.nextPurchaseDiscountPercent,
    nextPurchaseCodeValidDays: settings.nextPurchaseCodeValidDays,
    replenishmentEnabled: settings.replenishmentEnabled,
    replenishmentLeadDays: settings.replenishmentLeadDays,
    winBackEnabled: settings.winBackEnabled,
    winBackAfterDays: settings.winBackAfterDays,
    winBackDiscountPercent: settings.winBackDiscountPercent,
    winBackCodeValidDays: settings.winBackCodeValidDays,
    templates: templatesForForm(settings.templates),
  };
}

export type FollowUpSettingsFormValues = Awaited<ReturnType<typeof followUpSettingsForm>>;

/** Saves everything or nothing: a single bad field changes nothing and comes back with its message. */
export async function saveFollowUpSettings(db: PrismaClient, shopId: string, input: unknown): Promise<{ ok: true } | { ok: false; errors: FieldErrors }> {
  const parsed = parseFollowUpSettings(input);
  if (!parsed.ok) return parsed;
  await followUpSettings(db, shopId);
  await db.followUpSettings.update({ where: { shopId }, data: parsed.values });
  return { ok: true };
}
