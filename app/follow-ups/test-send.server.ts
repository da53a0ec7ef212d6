/**
 * A test send: one kind's email, as the preview shows it, sent for real (SMTP_URL, or the outbox) to
 * the merchant's own address, from the sender customers would see, so the merchant checks it in
 * their inbox before turning the kind on.
 */
import type { PrismaClient } from "../generated/prisma/client";
import { followUpSender, type MailTransport } from "./mail.server";
import type { FollowUpKind, SendKind } from "./rules";
import { followUpSettings, type FollowUpSettings } from "./schedule.server";
import { recordTestSend } from "./settings.server";
import { previewEmail } from "./settings";

export async function sendTestFollowUp(input: {
  db: PrismaClient;
  transport: MailTransport;
  shopId: string;
  kind: FollowUpKind;
  appUrl: string;
  defaultFromAddress: string;
  now: Date;
}): Promise<{ to: string }> {
  const { db, shopId, kind, now } = input;
  const [shop, settings, product] = await Promise.all([
    db.shop.findUniqueOrThrow({ where: { id: shopId }, select: { name: true, domain: true, email: true, contactEmail: true, ianaTimezone: true } }),
    followUpSettings(db, shopId),
    db.orderLineItem.findFirst({ where: { order: { shopId }, productShopifyId: { not: null } }, orderBy: { order: { placedAt: "desc" } }, select: { title: true } }),
  ]);
  const to = testAddress(shop);
  if (!to) throw new Error("The shop has no email address to send a test to");
  const name = shop.name ?? shop.domain;
  const email = previewEmail(
    kind,
    { name, domain: shop.domain, timezone: shop.ianaTimezone, productTitle: product?.title ?? null },
    settings,
    testUnsubscribeUrl(input.appUrl),
    now,
  );
  await deliverTest({ ...input, settings, shop: { name, contactEmail: shop.contactEmail }, to, kind, email, messageIdPart: `follow-up-test.${kind.toLowerCase()}` });
  await recordTestSend(db, shopId, kind, now);
  return { to };
}

/** Where a test goes: the merchant's own address (the shop's email, else its contact address), or null. */
export function testAddress(shop: { email: string | null; contactEmail: string | null }): string | null {
  return shop.email ?? shop.contactEmail;
}

/** A test's unsubscribe link unsubscribes nobody: it opens the page that says the link is not valid. */
export function testUnsubscribeUrl(appUrl: string): string {
  return new URL("/follow-ups/unsubscribe?token=test", appUrl).toString();
}

/** Sends a rendered test email (a follow-up kind's or a campaign's) from the sender customers would see, marked as a test. */
export async function deliverTest(input: {
  transport: MailTransport;
  settings: FollowUpSettings;
  shop: { name: string; contactEmail: string | null };
  shopId: string;
  to: string;
  kind: SendKind;
  email: { subject: string; html: string; text: string };
  /** Names the test in its Message-ID (`<part>.<time>.<shop>@<app host>`). */
  messageIdPart: string;
  appUrl: string;
  defaultFromAddress: string;
  now: Date;
}): Promise<void> {
  await input.transport.send({
    ...followUpSender(input.settings, input.shop, input.defaultFromAddress),
    to: input.to,
    subject: `[Test] ${input.email.subject}`,
    html: input.email.html,
    text: input.email.text,
    messageId: `<${input.messageIdPart}.${input.now.getTime()}.${input.shopId}@${new URL(input.appUrl).hostname}>`,
    headers: { "X-Follow-Up-Kind": input.kind, "X-Follow-Up-Test": "yes", "Auto-Submitted": "auto-generated" },
  });
}
