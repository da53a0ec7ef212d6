/** The shop's follow-up settings as the admin edits them: read with defaults, saved only when all of it validates. */
import type { PrismaClient } from "../generated/prisma/client";
import type { FollowUpKind } from "./rules";
import { followUpSettings } from "./schedule.server";
import { ENABLED_FIELD, parseFollowUpSettings, templatesForForm, type FieldErrors } from "./settings";

export async function followUpSettingsForm(db: PrismaClient, shopId: string) {
  const settings = await followUpSettings(db, shopId);
  return {
    senderName: settings.senderName ?? "",
    senderEmail: settings.senderEmail ?? "",
    replyToEmail: settings.replyToEmail ?? "",
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
    winBackTiming: settings.winBackTiming === "RHYTHM" ? ("RHYTHM" as const) : ("FIXED" as const),
    winBackGraceFactor: Number(settings.winBackGraceFactor),
    winBackPastDays: settings.winBackPastDays,
    winBackDiscountPercent: settings.winBackDiscountPercent,
    winBackCodeValidDays: settings.winBackCodeValidDays,
    pointsExpiryEnabled: settings.pointsExpiryEnabled,
    pointsExpiryLeadDays: settings.pointsExpiryLeadDays,
    surveyEnabled: settings.surveyEnabled,
    surveyDelayDays: settings.surveyDelayDays,
    surveyType: settings.surveyType,
    surveyPoints: settings.surveyPoints,
    templates: templatesForForm(settings.templates),
  };
}

export type FollowUpSettingsFormValues = Awaited<ReturnType<typeof followUpSettingsForm>>;

/**
 * Win-back counts lapses from the moment it goes on: turning it on (from off) records that moment,
 * so "customers who lapse from now on" means from this save.
 */
function winBackStart(before: { winBackEnabled: boolean; winBackStartedAt: Date | null }, enabled: boolean, now: Date): Date | null {
  return enabled && !before.winBackEnabled ? now : before.winBackStartedAt;
}

/** The survey asks about orders placed from the moment it goes on: turning it on (from off) records that moment. */
function surveyStart(before: { surveyEnabled: boolean; surveyStartedAt: Date | null }, enabled: boolean, now: Date): Date | null {
  return enabled && !before.surveyEnabled ? now : before.surveyStartedAt;
}

/** Saves everything or nothing: a single bad field changes nothing and comes back with its message. */
export async function saveFollowUpSettings(db: PrismaClient, shopId: string, input: unknown, now = new Date()): Promise<{ ok: true } | { ok: false; errors: FieldErrors }> {
  const parsed = parseFollowUpSettings(input);
  if (!parsed.ok) return parsed;
  const before = await followUpSettings(db, shopId);
  await db.followUpSettings.update({
    where: { shopId },
    data: {
      ...parsed.values,
      winBackStartedAt: winBackStart(before, parsed.values.winBackEnabled, now),
      surveyStartedAt: surveyStart(before, parsed.values.surveyEnabled, now),
    },
  });
  return { ok: true };
}

/**
 * Turns one kind on or off (the Home page's launch checklist; the demo seed turns kinds on in its
 * past). For win-back, `winBackPastDays` says which past customers are included (0: none).
 */
export async function setFollowUpKindEnabled(
  db: PrismaClient,
  shopId: string,
  kind: FollowUpKind,
  enabled: boolean,
  now: Date,
  options: { winBackPastDays?: number } = {},
): Promise<void> {
  const before = await followUpSettings(db, shopId);
  const pastDays = options.winBackPastDays;
  if (pastDays !== undefined && (!Number.isInteger(pastDays) || pastDays < 0 || pastDays > 730)) throw new RangeError("past customers are 0 to 730 days");
  await db.followUpSettings.update({
    where: { shopId },
    data:
      kind === "WIN_BACK"
        ? { winBackEnabled: enabled, winBackStartedAt: winBackStart(before, enabled, now), ...(enabled && pastDays !== undefined ? { winBackPastDays: pastDays } : {}) }
        : kind === "SURVEY"
          ? { surveyEnabled: enabled, surveyStartedAt: surveyStart(before, enabled, now) }
          : { [ENABLED_FIELD[kind]]: enabled },
  });
}

/** Records a test send of a kind to the merchant, shown on the launch checklist. */
export async function recordTestSend(db: PrismaClient, shopId: string, kind: FollowUpKind, at: Date): Promise<void> {
  const settings = await followUpSettings(db, shopId);
  const sent = { ...((settings.testSentAt ?? {}) as Record<string, string>), [kind]: at.toISOString() };
  await db.followUpSettings.update({ where: { shopId }, data: { testSentAt: sent } });
}
