/**
 * A campaign created and sent in headless Chromium through the dev store's admin: the form with its
 * live preview and audience count, a refused value, Send, the campaign's page as the follow-up worker
 * sends it (over SMTP to an in-process server), and Cancel refused once it is sent. Screenshots go to
 * test-artifacts/campaign-*.png.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { dispatchDueFollowUps } from "../../app/follow-ups/dispatch.server";
import { smtpTransport, type MailTransport } from "../../app/follow-ups/mail.server";
import { launchBrowser, openEmbeddedAdmin, screenshot } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { startSmtpSink, type SmtpSink } from "../follow-ups/smtp-sink";

const DAY = 86_400_000;
let app: TestApp;
let browser: Browser;
let sink: SmtpSink;
let transport: MailTransport;
let shopId: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  transport = smtpTransport(sink.url, { maxConnections: 1 });
  process.env.SMTP_URL = sink.url;
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  await app.db.followUpSettings.upsert({ where: { shopId }, create: { shopId, quietHoursStart: 0, quietHoursEnd: 0 }, update: { quietHoursStart: 0, quietHoursEnd: 0 } });
  // Three at-risk customers; two said yes to email marketing.
  for (const [name, marketing] of [["ana", "SUBSCRIBED"], ["bob", "NOT_SUBSCRIBED"], ["cat", "SUBSCRIBED"]] as const) {
    const customer = app.devStore.store.createCustomer({ email: `${name}@example.com`, firstName: name[0].toUpperCase() + name.slice(1), hasAccount: true, emailMarketing: marketing });
    await app.devStore.webhooks.idle();
    await app.db.customerSegment.create({
      data: { shopId, customerShopifyId: customer.id, lastOrderAt: new Date(Date.now() - 200 * DAY), recencyDays: 200, orders: 3, revenue: "60", recencyScore: 1, frequencyScore: 3, monetaryScore: 3, segment: "At risk" },
    });
  }
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  transport?.close();
  await sink?.close();
  await app?.close();
});

describe("a campaign in the browser", () => {
  it("is created with a preview and an audience count, refused with a field error, sent, and followed on its page", async () => {
    const { page, frame } = await openEmbeddedAdmin(browser, app.devStore, "/campaigns");
    await frame.getByRole("heading", { name: "Campaigns", exact: true }).waitFor();
    await frame.getByText("No campaigns yet.").waitFor();
    await frame.getByRole("button", { name: "New campaign" }).click();

    // The At risk audience is chosen by default: 2 of its 3 customers can receive marketing email.
    await frame.getByText("2 of 3 customers in Segment: At risk can receive it").waitFor();
    await frame.getByLabel("Name").fill("Winter comeback");
    await frame.getByLabel("Subject").fill("A winter gift for you, {{first_name}}");
    await frame.getByLabel("Percentage off").fill("20");
    // The preview follows the form: the example customer's name and the code's value.
    await frame.getByText("Subject: A winter gift for you, Ana").waitFor();
    await expect(frame.frameLocator('iframe[title="Email preview"]').getByText("Here is 20% off your next order.").isVisible()).resolves.toBe(true);

    // A bad rate is refused under its field; nothing is sent.
    await frame.getByLabel("Sending rate").fill("lots");
    await frame.getByRole("button", { name: "Send campaign" }).click();
    await frame.getByText("must be a whole number").waitFor();
    expect(await app.db.campaign.count()).toBe(0);
    await screenshot(page, "campaign-new");

    await frame.getByLabel("Sending rate").fill("60");
    await frame.getByRole("button", { name: "Send campaign" }).click();
    await frame.getByRole("heading", { name: "Winter comeback" }).waitFor();
    await frame.getByText("Sending", { exact: true }).waitFor();
    const campaign = await app.db.campaign.findFirstOrThrow({ where: { shopId } });
    expect(campaign).toMatchObject({ name: "Winter comeback", audience: "segment:At risk", recipients: 2, discountKind: "PERCENTAGE" });

    // The follow-up worker sends it; the page follows.
    while ((await dispatchDueFollowUps({ db: app.db, transport, adminGraphqlFor: app.adminGraphqlFor, appUrl: app.appUrl, secret: TEST_APP.apiSecret, defaultFromAddress: "campaigns@loyalty.example" })) > 0);
    expect(sink.received.map((mail) => mail.subject).sort()).toEqual(["A winter gift for you, Ana", "A winter gift for you, Cat"]);
    expect(sink.received[0].text).toMatch(/Here is 20% off your next order\.[\s\S]*Your code: OFFER-[A-Z0-9]{8}/);
    await page.reload();
    await frame.getByRole("heading", { name: "Winter comeback" }).waitFor();
    await frame.getByText("Sent", { exact: true }).first().waitFor();
    expect(await frame.locator("#campaign-sent").innerText()).toBe("2");
    expect(await frame.locator("#campaign-recipients").innerText()).toBe("2");
    expect(await frame.getByRole("button", { name: "Cancel campaign" }).count()).toBe(0);
    await screenshot(page, "campaign-sent");
    await page.close();
  });
});
