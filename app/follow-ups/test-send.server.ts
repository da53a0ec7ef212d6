/**
 * A test send: one kind's email, as the preview shows it, sent for real (SMTP_URL, or the outbox) to
 * the merchant's own address, from the sender customers would see, so the merchant checks it in
 * their inbox before turning the kind on.
 */
import type { PrismaClient } from "../generated/prisma/client";
import { followUpSender, type MailTransport } from "./mail.server";
import type { FollowUpKind } from "./rules";
import { followUpSettings } from "./schedule.server";
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
  const to = shop.email ?? shop.contactEmail;
  if (!to) throw new Error("The shop has no email address to send a test to");
  const name = shop.name ?? shop.domain;
  const email = previewEmail(
    kind,
    { name, domain: shop.domain, timezone: shop.ianaTimezone, productTitle: product?.title ?? null },
    settings,
    // A test's link unsubscribes nobody: it opens the page that says the link is not valid.
    new URL("/follow-ups/unsubscribe?token=test", input.appUrl).toString(),
    now,
  );
  await input.transport.send({
    ...followUpSender(settings, { name, contactEmail: shop.contactEmail }, input.defaultFromAddress),
    to,
    subject: `[Test] ${email.subject}`,
    html: email.html,
    text: email.text,
    messageId: `<follow-up-test.${kind.toLowerCase()}.${now.getTime()}.${shopId}@${new URL(input.appUrl).hostname}>`,
    headers: { "X-Follow-Up-Kind": kind, "X-Follow-Up-Test": "yes", "Auto-Submitted": "auto-generated" },
  });
  await recordTestSend(db, shopId, kind, now);
  return { to };
}
