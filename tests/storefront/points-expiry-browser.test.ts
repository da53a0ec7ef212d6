/**
 * The coming points expiry where the shopper sees their points, against the real app in headless
 * Chromium: the storefront widget's "N points expire on <date>" line and the customer account page's.
 * Known answer: 100 welcome points last touched on 20 November 2026 with a six-month expiry expire on
 * 20 May 2027 (10:00 UTC, the same day in the dev store's New York).
 */
import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CUSTOMER_COOKIE } from "../../dev-store/hosts/storefront";
import { DESKTOP_USER_AGENT, launchBrowser, screenshot } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A signed-up customer whose 100 welcome points were their last activity, on 20 November 2026. */
async function customerWithWelcomePoints(firstName: string, lastName: string) {
  const customer = app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, firstName, lastName, hasAccount: true });
  await app.devStore.webhooks.idle();
  const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
  const { count } = await app.db.pointsLedgerEntry.updateMany({
    where: { customerId: stored.id, reason: "WELCOME" },
    data: { createdAt: new Date("2026-11-20T10:00:00Z"), availableAt: new Date("2026-11-20T10:00:00Z") },
  });
  expect(count).toBe(1);
  return customer;
}

describe("the coming points expiry shown to the shopper", () => {
  it("the widget says how many points expire and when, and says nothing once points no longer expire", async () => {
    await app.db.programSettings.update({ where: { shopId }, data: { welcomePoints: 100, expiryMonths: 6 } });
    const customer = await customerWithWelcomePoints("Mara", "Quinn");
    const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT, viewport: { width: 1280, height: 900 } });
    await context.addCookies([{ name: CUSTOMER_COOKIE, value: encodeURIComponent(customer.id), url: app.devStore.storefrontUrl }]);
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(app.devStore.storefrontUrl);
    await page.getByRole("button", { name: /^Rewards/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("100 points expire on May 20, 2027").waitFor();
    await screenshot(page, "widget-points-expiring");

    await app.db.programSettings.update({ where: { shopId }, data: { expiryMonths: null } });
    await page.reload();
    await page.getByRole("button", { name: /^Rewards/ }).click();
    await dialog.getByText("100", { exact: true }).first().waitFor();
    await expect(dialog.getByText(/expire on/).count()).resolves.toBe(0);
    await context.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it("the customer account page says it too", async () => {
    await app.db.programSettings.update({ where: { shopId }, data: { expiryMonths: 6 } });
    await customerWithWelcomePoints("Ilse", "Berg");
    const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT, viewport: { width: 1100, height: 1000 } });
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(app.devStore.storefrontUrl);
    await page.getByText("Signed in as").click();
    await page.getByRole("button", { name: /Ilse Berg/ }).click();
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("navigation", { name: "Account pages" }).getByRole("link", { name: "Rewards" }).click();
    const extension = page.frameLocator("iframe.customer-account-extension");
    await extension.getByText("100 points expire on May 20, 2027.").waitFor();
    await screenshot(page, "customer-account-points-expiring");
    await context.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
