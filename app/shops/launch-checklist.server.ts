/**
 * The Home page's launch checklist, each step read from what is stored: the theme app embed (the
 * merchant's own "I've turned it on": without read_themes the app cannot see theme settings), the
 * earning rules (saved once on the Program page), the rewards (an active one), and each follow-up
 * kind (its email, its test send, who it reaches now, on or off).
 */
import type { PrismaClient } from "../generated/prisma/client";
import { winBackReach } from "../follow-ups/audience.server";
import { pointsExpiryReminderReach } from "../follow-ups/points-expiry-reminders.server";
import type { FollowUpKind } from "../follow-ups/rules";
import { followUpSettings } from "../follow-ups/schedule.server";
import { ENABLED_FIELD, FOLLOW_UP_KINDS, previewEmail } from "../follow-ups/settings";

/** The theme app extension's app embed block (extensions/loyalty-widget/blocks/launcher.liquid). */
export const APP_EMBED_HANDLE = "launcher";

/** Shopify's theme editor, on the App embeds tab with the app's embed switched on for the merchant to save. */
export function themeEditorLink(shopDomain: string, apiKey: string): string {
  return `https://${shopDomain}/admin/themes/current/editor?context=apps&activateAppId=${encodeURIComponent(apiKey)}/${APP_EMBED_HANDLE}`;
}

export async function launchChecklist(db: PrismaClient, shopId: string, options: { apiKey: string; appUrl: string; now: Date }) {
  const { now } = options;
  const [shop, program, activeRewards, settings, product, intervals] = await Promise.all([
    db.shop.findUniqueOrThrow({ where: { id: shopId }, select: { domain: true, name: true, email: true, contactEmail: true, ianaTimezone: true, appEmbedConfirmedAt: true } }),
    db.programSettings.findUniqueOrThrow({ where: { shopId }, select: { createdAt: true, updatedAt: true } }),
    db.reward.count({ where: { shopId, active: true } }),
    followUpSettings(db, shopId),
    db.orderLineItem.findFirst({ where: { order: { shopId }, productShopifyId: { not: null } }, orderBy: { order: { placedAt: "desc" } }, select: { title: true } }),
    db.replenishmentInterval.count({ where: { shopId } }),
  ]);
  const name = shop.name ?? shop.domain;
  const testSentAt = (settings.testSentAt ?? {}) as Partial<Record<FollowUpKind, string>>;

  const winBack = await winBackReach(db, shopId, settings, now);
  const pointsExpiryReach = await pointsExpiryReminderReach(db, shopId, now);

  return {
    shop: { name, domain: shop.domain, ownerEmail: shop.email ?? shop.contactEmail, timezone: shop.ianaTimezone },
    appEmbed: { confirmedAt: shop.appEmbedConfirmedAt?.toISOString() ?? null, editorLink: themeEditorLink(shop.domain, options.apiKey) },
    earningRules: { saved: program.updatedAt.getTime() - program.createdAt.getTime() > 1_000 },
    rewards: { active: activeRewards },
    followUps: FOLLOW_UP_KINDS.map((kind) => ({
      kind,
      enabled: settings[ENABLED_FIELD[kind]],
      testSentAt: testSentAt[kind] ?? null,
      preview: previewEmail(
        kind,
        { name, domain: shop.domain, timezone: shop.ianaTimezone, productTitle: product?.title ?? null },
        settings,
        new URL("/follow-ups/unsubscribe?token=preview", options.appUrl).toString(),
        now,
      ),
    })),
    replenishmentIntervals: intervals,
    winBack,
    pointsExpiryReach,
  };
}

export type LaunchChecklist = Awaited<ReturnType<typeof launchChecklist>>;

/** The merchant's "I've turned it on" for the theme app embed. */
export async function confirmAppEmbed(db: PrismaClient, shopId: string, now: Date): Promise<void> {
  await db.shop.update({ where: { id: shopId }, data: { appEmbedConfirmedAt: now } });
}
