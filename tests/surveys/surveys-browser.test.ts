/**
 * A survey as a person answers it: the survey email is delivered over SMTP, the score link taken from
 * the message is opened in headless Chromium, the answer page (the shop's name and colour) takes a
 * comment and gives the points, and the merchant sees the answer on the Surveys page in the embedded
 * admin, detractor first, linked to the customer. Screenshots go to test-artifacts/.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { dispatchDueFollowUps } from "../../app/follow-ups/dispatch.server";
import { smtpTransport, type MailTransport } from "../../app/follow-ups/mail.server";
import { launchBrowser, openEmbeddedAdmin, openPage, screenshot } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { startSmtpSink, type SmtpSink } from "../follow-ups/smtp-sink";

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
    create: { shopId, quietHoursStart: 0, quietHoursEnd: 0, surveyEnabled: true, surveyPoints: 25, brandColor: "#7c3aed" },
    update: { quietHoursStart: 0, quietHoursEnd: 0, surveyEnabled: true, surveyPoints: 25, brandColor: "#7c3aed" },
  });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  transport?.close();
  await sink?.close();
  await app?.close();
});

describe("a survey answered in a real browser", () => {
  it("goes from the delivered email's link to the comment page to the merchant's Surveys page", async () => {
    const rosa = app.devStore.store.createCustomer({ email: "rosa@example.com", firstName: "Rosa", lastName: "Diaz", hasAccount: true });
    await app.devStore.webhooks.idle();
    const now = Date.now();
    await app.db.followUp.create({ data: { shopId, kind: "SURVEY", key: "survey:browser-rosa", customerShopifyId: rosa.id, dueAt: new Date(now) } });
    const options = { db: app.db, transport, adminGraphqlFor: app.adminGraphqlFor, appUrl: app.appUrl, secret: TEST_APP.apiSecret, defaultFromAddress: "follow-ups@loyalty.example", now: () => new Date(now + 1000) };
    while ((await dispatchDueFollowUps(options)) > 0);
    const [message] = sink.received.filter((each) => each.recipients.includes("rosa@example.com"));
    expect(message.subject).toBe("How did we do, Rosa?");
    const link = /<a href="([^"]+)" data-score="2"/.exec(message.html)?.[1].replace(/&#38;/g, "&");
    expect(link).toMatch(new RegExp(`^${app.appUrl}/surveys/answer\\?token=`));

    const page = await openPage(browser);
    await page.goto(link!);
    const shopName = app.devStore.store.shop.name;
    await page.getByRole("heading", { name: shopName }).waitFor();
    await page.getByText("We recorded your answer: 2.").waitFor();
    await screenshot(page, "survey-answer-page");
    await page.getByLabel("Anything you would like to tell us? (optional)").fill("My parcel came two weeks late.");
    await page.getByRole("button", { name: "Send and earn 25 points" }).click();
    await page.getByText("Thank you for your feedback!").waitFor();
    await page.getByText("You earned 25 points.").waitFor();
    await screenshot(page, "survey-answer-thanks");
    expect(await app.db.surveyResponse.findFirstOrThrow({ where: { shopId, customerShopifyId: rosa.id } })).toMatchObject({ score: 2, comment: "My parcel came two weeks late.", pointsAwarded: 25 });

    const { page: adminPage, frame } = await openEmbeddedAdmin(browser, app.devStore, "/surveys?comments=issues");
    const comment = frame.locator("[data-comment]").first();
    await comment.getByText("My parcel came two weeks late.").waitFor();
    expect(await comment.getAttribute("data-opens-issue")).toBe("true");
    expect(await frame.locator('[data-metric="nps"]').getAttribute("data-value")).toBe("-100");
    await screenshot(adminPage, "surveys-admin-page");
    await comment.getByRole("link", { name: "Rosa Diaz" }).click();
    await frame.getByText("Survey answers").waitFor();
    await frame.locator('[data-open-issue="true"]').waitFor();
    await screenshot(adminPage, "surveys-customer-open-issue");
    await frame.getByRole("button", { name: "Mark resolved" }).click();
    await frame.locator('[data-open-issue="false"]').waitFor();
    expect((await app.db.surveyResponse.findFirstOrThrow({ where: { shopId, customerShopifyId: rosa.id } })).resolvedAt).toBeInstanceOf(Date);
  });
});
