/**
 * The widget's birthday field against the real app in headless Chromium, on the dev store's storefront:
 * a signed-in customer gives their birthday, a refused date says why and keeps the saved one, and the
 * birthday points show in their history as "Birthday points".
 */
import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { awardBirthdayPoints } from "../../app/loyalty/birthdays.server";
import { CUSTOMER_COOKIE } from "../../dev-store/hosts/storefront";
import { ARTIFACTS_DIR, DESKTOP_USER_AGENT, launchBrowser, screenshot } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  await app.db.programSettings.update({ where: { shopId }, data: { birthdayPoints: 150 } });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("the widget's birthday field", () => {
  it("saves the birthday a signed-in customer gives, refuses Feb 30 with the reason, and shows the birthday points in the history", async () => {
    const customer = app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "June", lastName: "Park", hasAccount: true });
    await app.devStore.webhooks.idle();
    const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT, viewport: { width: 1280, height: 900 } });
    await context.addCookies([{ name: CUSTOMER_COOKIE, value: encodeURIComponent(customer.id), url: app.devStore.storefrontUrl }]);
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(app.devStore.storefrontUrl);
    await page.getByRole("button", { name: /^Rewards/ }).click();
    const dialog = page.getByRole("dialog");
    const section = dialog.getByRole("region", { name: "Your birthday" });
    await section.waitFor();
    await expect(dialog.getByText("150 points").first().isVisible()).resolves.toBe(true);

    await section.getByLabel("Month").selectOption({ label: "July" });
    await section.getByLabel("Day").fill("30");
    await section.getByRole("button", { name: "Save birthday" }).click();
    await section.getByText("Birthday saved.").waitFor();
    const stored = () => app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    expect(await stored()).toMatchObject({ birthdayMonth: 7, birthdayDay: 30 });
    await page.screenshot({ path: `${ARTIFACTS_DIR}/widget-birthday-saved.png` });

    await section.getByLabel("Month").selectOption({ label: "February" });
    await section.getByRole("button", { name: "Save birthday" }).click();
    await section.getByText("February has days 1 to 29.").waitFor();
    expect(await stored()).toMatchObject({ birthdayMonth: 7, birthdayDay: 30 });
    await page.screenshot({ path: `${ARTIFACTS_DIR}/widget-birthday-refused.png` });

    // A year on, on the day (the shop's time zone is the dev store's), the job's points show in the history.
    const { birthdaySetAt } = await stored();
    const year = birthdaySetAt!.getUTCFullYear() + 1;
    expect(await awardBirthdayPoints(app.db, shopId, new Date(Date.UTC(year, 6, 30, 12)))).toEqual({ awarded: 1, tooRecent: 0 });
    await page.reload();
    await page.getByRole("button", { name: /^Rewards/ }).click();
    await expect(dialog.getByRole("region", { name: "Recent activity" }).getByRole("listitem").first().innerText()).resolves.toContain("Birthday points");
    await expect(section.getByLabel("Month").inputValue()).resolves.toBe("7");
    await expect(section.getByLabel("Day").inputValue()).resolves.toBe("30");
    await page.screenshot({ path: `${ARTIFACTS_DIR}/widget-birthday-points.png` });
    await context.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it("saves the birthday from the customer account page, and refuses a day the month does not have", async () => {
    const customer = app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Noa", lastName: "Levi", hasAccount: true });
    await app.devStore.webhooks.idle();
    const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT, viewport: { width: 1100, height: 1000 } });
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(app.devStore.storefrontUrl);
    await page.getByText("Signed in as").click();
    await page.getByRole("button", { name: /Noa Levi/ }).click();
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("navigation", { name: "Account pages" }).getByRole("link", { name: "Rewards" }).click();
    const extension = page.frameLocator("iframe.customer-account-extension");
    const section = extension.getByRole("region", { name: "Your birthday" });
    await section.getByText("Add your birthday to get points on the day.").waitFor();

    await section.getByLabel("Month").selectOption({ label: "April" });
    await section.getByLabel("Day").fill("31");
    await section.getByRole("button", { name: "Save birthday" }).click();
    await section.getByText("April has days 1 to 30.").waitFor();
    await section.getByLabel("Day").fill("30");
    await section.getByRole("button", { name: "Save birthday" }).click();
    await section.getByText("Birthday saved.").waitFor();
    await section.getByText("Your birthday: April 30. Points arrive on the day.").waitFor();
    const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    expect(stored).toMatchObject({ birthdayMonth: 4, birthdayDay: 30 });
    await screenshot(page, "customer-account-birthday");
    await context.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
