/**
 * A new install sends nothing until the merchant turns each follow-up on, from the Home page's launch
 * checklist in headless Chromium: the app embed's theme-editor link and mark, who win-back would
 * reach (from now on, or past customers as far back as chosen), the email's preview, a test sent over
 * real SMTP to the merchant's own address, and turning kinds on, after which the scheduler reaches
 * exactly the customers the page counted. Dates in the shop's time zone, not the browser's.
 * Screenshots go to test-artifacts/.
 */
import type { Browser, FrameLocator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sweepWinBacks } from "../../app/follow-ups/schedule.server";
import { launchBrowser, openPage, screenshot } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { startSmtpSink, type SmtpSink } from "./smtp-sink";

const DAY = 86_400_000;
// Far from UTC and from the browser's own zone, so a date in the wrong zone shows.
const SHOP_TIMEZONE = "Pacific/Kiritimati";
const BROWSER_TIMEZONE = "America/Los_Angeles";
let app: TestApp;
let sink: SmtpSink;
let browser: Browser;
let shopId: string;
const lastOrderDaysAgo = { lena: 65, omar: 100, pia: 200, quinn: 400, rae: 10 } as const;
const customerIds: Record<string, string> = {};
let teaVariant: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  process.env.SMTP_URL = sink.url;
  app = await startTestApp({ shopProfile: { ianaTimezone: SHOP_TIMEZONE } });
  const store = app.devStore.store;
  const tea = store.createProduct({ title: "Breakfast Tea", variants: [{ price: "12.00" }] });
  teaVariant = tea.variants[0].id;
  // The shop's history: customers whose last order was 10 to 400 days before the install.
  const now = Date.now();
  for (const [name, daysAgo] of Object.entries(lastOrderDaysAgo)) {
    const customer = store.createCustomer({ email: `${name}@example.com`, firstName: name, hasAccount: true, emailMarketing: "SUBSCRIBED", createdAt: new Date(now - 500 * DAY).toISOString() });
    customerIds[name] = customer.id;
    for (const extra of [30, 0]) {
      store.createOrder({ customerId: customer.id, lineItems: [{ variantId: teaVariant, quantity: 1 }], createdAt: new Date(now - (daysAgo + extra) * DAY).toISOString() });
    }
  }
  shopId = await app.installAndImportHistory();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await sink?.close();
});

async function openHome(): Promise<{ page: Page; frame: FrameLocator }> {
  const page = await openPage(browser, { timezoneId: BROWSER_TIMEZONE });
  await page.goto(app.devStore.adminAppUrl());
  const frame = page.frameLocator("#app-iframe");
  await frame.getByRole("heading", { name: "Launch checklist" }).waitFor();
  return { page, frame };
}

const inShopZone = (at: Date, withTime = false) =>
  at.toLocaleString("en", withTime ? { dateStyle: "medium", timeStyle: "short", timeZone: SHOP_TIMEZONE } : { dateStyle: "medium", timeZone: SHOP_TIMEZONE });

describe("a new install", () => {
  it("sends nothing until the merchant turns a kind on: no follow-up from a new first order, no win-back from the history", async () => {
    const settings = await app.db.followUpSettings.findUnique({ where: { shopId } });
    expect(settings === null || [settings.thankYouEnabled, settings.nextPurchaseEnabled, settings.replenishmentEnabled, settings.winBackEnabled].every((on) => !on)).toBe(true);
    const sam = app.devStore.store.createCustomer({ email: "sam@example.com", firstName: "Sam", hasAccount: true, emailMarketing: "SUBSCRIBED" });
    app.devStore.store.createOrder({ customerId: sam.id, lineItems: [{ variantId: teaVariant, quantity: 1 }] });
    await app.devStore.webhooks.idle();
    expect(await sweepWinBacks(app.db, new Date())).toBe(0);
    expect(await app.db.followUp.count({ where: { shopId } })).toBe(0);
  });
});

describe("the Home page's launch checklist in a browser", () => {
  it("links the theme editor to the app embed and keeps the merchant's mark; dates in the shop's time zone", async () => {
    const { page, frame } = await openHome();
    const shop = await app.db.shop.findUniqueOrThrow({ where: { id: shopId } });
    await frame.getByText(`Installed ${inShopZone(shop.installedAt)}`).waitFor();
    await frame.getByText("1 of 9 done.", { exact: false }).waitFor();
    const embed = frame.getByRole("region", { name: "Turn on the app embed in your theme" });
    await expect(embed.getByRole("link", { name: "Open the theme editor" }).getAttribute("href")).resolves.toBe(
      `https://${app.devStore.config.shop}/admin/themes/current/editor?context=apps&activateAppId=${TEST_APP.apiKey}/launcher`,
    );
    await expect(embed.getByText("To do").isVisible()).resolves.toBe(true);
    await screenshot(page, "home-launch-checklist");

    await embed.getByRole("button", { name: "I've turned it on" }).click();
    await embed.getByText("Done").waitFor();
    const confirmed = (await app.db.shop.findUniqueOrThrow({ where: { id: shopId } })).appEmbedConfirmedAt;
    expect(confirmed).not.toBeNull();
    await embed.getByText(`Marked as on ${inShopZone(confirmed!)}`).waitFor();
    // Three seeded rewards are active; the earning rules are not saved yet.
    await expect(frame.getByRole("region", { name: "Choose the rewards" }).getByText("Done").isVisible()).resolves.toBe(true);
    await expect(frame.getByRole("region", { name: "Set the earning rules" }).getByText("To do").isVisible()).resolves.toBe(true);
    await frame.getByText("2 of 9 done.", { exact: false }).waitFor();
  });

  it("win-back: shows who it reaches now, previews and test-sends the email, and once on reaches exactly those customers", async () => {
    const { page, frame } = await openHome();
    const winBack = frame.getByRole("region", { name: "Win-back email" });
    // Lena's last order (65 days ago) lapsed in the last 30 days; from now on, nobody is written to today.
    await expect(winBack.locator("[data-count=lapsed-last-30-days]").innerText()).resolves.toBe("1");
    await expect(winBack.locator("[data-count=win-back-reach-now]").innerText()).resolves.toBe("0");
    await expect(winBack.getByText("Off", { exact: true }).isVisible()).resolves.toBe(true);

    await winBack.getByText("Also past customers who already lapsed").click();
    const select = winBack.getByLabel("Lapsed up to");
    await expect(select.locator("option").allInnerTexts()).resolves.toEqual([
      "30 days ago (last order 60–90 days ago): 1 customer",
      "90 days ago (last order 60–150 days ago): 2 customers",
      "180 days ago (last order 60–240 days ago): 3 customers",
      "365 days ago (last order 60–425 days ago): 4 customers",
    ]);
    await select.selectOption("180");
    await expect.poll(() => winBack.locator("[data-count=win-back-reach-now]").innerText()).toBe("3");

    await winBack.getByText(/^Preview, as Ana would get it 60 days after her last order/).click();
    const preview = winBack.frameLocator('iframe[title="Win-back email preview"]');
    await preview.getByText("It's been a while since your last visit").waitFor();
    await preview.getByText(/Come back with 15% off: use code COMEBACK-/).waitFor();

    await winBack.getByRole("button", { name: "Send a test to owner@demo-loyalty.example" }).click();
    await winBack.getByText("Test win-back email sent to owner@demo-loyalty.example.").waitFor();
    const [test] = sink.received.filter((message) => message.recipients.includes("owner@demo-loyalty.example"));
    expect(test.subject).toBe("[Test] We miss you, Ana");
    expect(test.headers.get("from")).toMatch(/<hello@demo-loyalty\.example>$/);
    expect(test.headers.get("reply-to")).toBe("hello@demo-loyalty.example");
    expect(test.text).toMatch(/Come back with 15% off: use code COMEBACK-/);
    const sentAt = new Date(((await app.db.followUpSettings.findUniqueOrThrow({ where: { shopId } })).testSentAt as Record<string, string>).WIN_BACK);
    await winBack.getByText(`Test sent ${inShopZone(sentAt, true)}`).waitFor();
    await winBack.getByText("Also past customers who already lapsed").scrollIntoViewIfNeeded();
    await screenshot(page, "home-win-back-before-on");

    await winBack.getByRole("button", { name: "Turn on win-back" }).click();
    await winBack.getByText("Win-back is on.").waitFor();
    await winBack.getByText("On", { exact: true }).waitFor();
    await winBack.getByText(/including customers who had lapsed up to 180 days before\. In its window now: 3 customers\./).waitFor();
    await screenshot(page, "home-win-back-on");
    expect(await app.db.followUpSettings.findUniqueOrThrow({ where: { shopId } })).toMatchObject({ winBackEnabled: true, winBackPastDays: 180 });

    // The scheduler reaches the 3 the page counted: lapsed 65, 100 and 200 days ago; not 400, not 10.
    expect(await sweepWinBacks(app.db, new Date())).toBe(3);
    const scheduled = await app.db.followUp.findMany({ where: { shopId, kind: "WIN_BACK" }, select: { customerShopifyId: true } });
    expect(scheduled.map((row) => row.customerShopifyId).sort()).toEqual([customerIds.lena, customerIds.omar, customerIds.pia].sort());
    expect(await sweepWinBacks(app.db, new Date())).toBe(0);
  });

  it("turns the thank-you on, after which a new first order schedules one", async () => {
    const { page, frame } = await openHome();
    const thankYou = frame.getByRole("region", { name: "Thank-you email" });
    await expect(thankYou.locator("[data-count=THANK_YOU-reach-now]").innerText()).resolves.toBe("0");
    await thankYou.getByRole("button", { name: "Turn on thank-you" }).click();
    await thankYou.getByText("Thank-you is on.").waitFor();
    await frame.getByText("4 of 9 done.", { exact: false }).waitFor();
    await screenshot(page, "home-thank-you-on");

    const tia = app.devStore.store.createCustomer({ email: "tia@example.com", firstName: "Tia", hasAccount: true, emailMarketing: "SUBSCRIBED" });
    app.devStore.store.createOrder({ customerId: tia.id, lineItems: [{ variantId: teaVariant, quantity: 1 }] });
    await app.devStore.webhooks.idle();
    const rows = await app.db.followUp.findMany({ where: { shopId, customerShopifyId: tia.id } });
    // Only the kind that is on: no next-purchase code, no replenishment reminder.
    expect(rows.map((row) => [row.kind, row.status])).toEqual([["THANK_YOU", "SCHEDULED"]]);
  });
});
