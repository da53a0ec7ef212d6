/**
 * Unsubscribing as a shopper does it: a follow-up is delivered over SMTP to an in-process server, the
 * Unsubscribe link is taken from the message, opened in headless Chromium and clicked; the page
 * confirms, and the customer's next follow-up is not sent. Screenshots go to test-artifacts/.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { dispatchDueFollowUps } from "../../app/follow-ups/dispatch.server";
import { smtpTransport, type MailTransport } from "../../app/follow-ups/mail.server";
import { launchBrowser, openPage, screenshot } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { startSmtpSink, type SmtpSink } from "./smtp-sink";

const DAY = 86_400_000;
let app: TestApp;
let sink: SmtpSink;
let transport: MailTransport;
let browser: Browser;
let shopId: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  transport = smtpTransport(sink.url, { maxConnections: 1 });
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  await app.db.followUpSettings.upsert({
    where: { shopId },
    create: { shopId, quietHoursStart: 0, quietHoursEnd: 0, thankYouEnabled: true, winBackEnabled: true },
    update: { quietHoursStart: 0, quietHoursEnd: 0, thankYouEnabled: true, winBackEnabled: true },
  });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  transport?.close();
  await sink?.close();
  await app?.close();
});

async function drain(now: Date) {
  const options = { db: app.db, transport, adminGraphqlFor: app.adminGraphqlFor, appUrl: app.appUrl, secret: TEST_APP.apiSecret, defaultFromAddress: "follow-ups@loyalty.example", now: () => now };
  while ((await dispatchDueFollowUps(options)) > 0);
}

describe("the Unsubscribe link in a real browser", () => {
  it("opens from the delivered email, unsubscribes on a click, and the customer's next follow-up is skipped", async () => {
    const rosa = app.devStore.store.createCustomer({ email: "rosa@example.com", firstName: "Rosa", hasAccount: true, emailMarketing: "SUBSCRIBED" });
    await app.devStore.webhooks.idle();
    const now = Date.now();
    await app.db.followUp.create({ data: { shopId, kind: "THANK_YOU", key: "unsubscribe-rosa-1", customerShopifyId: rosa.id, dueAt: new Date(now) } });
    await drain(new Date(now + 1000));
    const [message] = sink.received.filter((each) => each.recipients.includes("rosa@example.com"));
    expect(message.subject).toBe("Thank you for your order, Rosa!");
    // The link a person clicks: the one in the HTML part, under "Unsubscribe".
    const link = /<a href="([^"]+)"[^>]*>Unsubscribe<\/a>/.exec(message.html)?.[1].replace(/&#38;/g, "&");
    expect(link).toMatch(new RegExp(`^${app.appUrl}/follow-ups/unsubscribe\\?token=`));

    // A win-back is already scheduled for her before she clicks.
    const next = await app.db.followUp.create({ data: { shopId, kind: "WIN_BACK", key: "unsubscribe-rosa-2", customerShopifyId: rosa.id, dueAt: new Date(now + 2 * DAY) } });

    const page = await openPage(browser);
    const answers: number[] = [];
    page.on("response", (response) => {
      if (response.request().method() === "POST") answers.push(response.status());
    });
    await page.goto(link!);
    await page.getByText(`Stop receiving follow-up emails from ${app.devStore.store.shop.name}?`).waitFor();
    await screenshot(page, "unsubscribe-page");
    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await page.getByRole("status").filter({ hasText: "You are unsubscribed" }).waitFor();
    await screenshot(page, "unsubscribe-confirmed");
    expect(answers).toEqual([200]);
    expect(await app.db.followUpUnsubscribe.count({ where: { shopId, customerShopifyId: rosa.id } })).toBe(1);

    // Opening the link again says so, without a button.
    await page.goto(link!);
    await page.getByRole("status").filter({ hasText: "You are unsubscribed" }).waitFor();
    expect(await page.getByRole("button", { name: "Unsubscribe" }).count()).toBe(0);

    // The next follow-ups are skipped: the scheduled one, and one scheduled after the click.
    await app.db.followUp.create({ data: { shopId, kind: "THANK_YOU", key: "unsubscribe-rosa-3", customerShopifyId: rosa.id, dueAt: new Date(now + 2 * DAY) } });
    await drain(new Date(now + 3 * DAY));
    expect(sink.received.filter((each) => each.recipients.includes("rosa@example.com"))).toHaveLength(1);
    expect(await app.db.followUp.findUniqueOrThrow({ where: { id: next.id } })).toMatchObject({ status: "CANCELLED", cancelReason: "customer unsubscribed" });
    expect(await app.db.followUp.findUniqueOrThrow({ where: { shopId_key: { shopId, key: "unsubscribe-rosa-3" } } })).toMatchObject({
      status: "CANCELLED",
      cancelReason: "customer unsubscribed",
    });
  });
});
