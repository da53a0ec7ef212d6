/**
 * The widget against the real app in headless Chromium, on the dev store's storefront: a signed-in
 * customer redeems points end to end (code shown, points gone, the code in the shop), and a friend
 * arrives through a referral link with their code applied.
 */
import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { adjustPoints, pointsBalance } from "../../app/loyalty/ledger.server";
import { CUSTOMER_COOKIE, DISCOUNT_COOKIE } from "../../dev-store/hosts/storefront";
import { DESKTOP_USER_AGENT, launchBrowser, screenshot } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  app = await startTestApp();
  app.devStore.store.createProduct({ title: "Cold brew concentrate", variants: [{ price: "24.00" }] });
  shopId = await app.installAndImportHistory();
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function customerWith(points: number, firstName: string) {
  const customer = app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, firstName, lastName: "Chen", hasAccount: true });
  await app.devStore.webhooks.idle();
  const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
  if (points !== 100) await adjustPoints(app.db, { shopId, customerId: stored.id, points: points - 100, reason: "Thanks for being here", now: new Date() });
  return { gid: customer.id, stored };
}

async function storefront(signedInAs: string | null) {
  const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT, viewport: { width: 1280, height: 860 } });
  if (signedInAs) await context.addCookies([{ name: CUSTOMER_COOKIE, value: encodeURIComponent(signedInAs), url: app.devStore.storefrontUrl }]);
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  return { context, page };
}

describe("the widget on the real app", () => {
  it("redeems points for a code: the code is shown, the points are gone, and the code is in the shop", async () => {
    const { gid, stored } = await customerWith(1500, "Maya");
    const { context, page } = await storefront(gid);
    await page.goto(app.devStore.storefrontUrl);
    await page.getByRole("button", { name: /^Rewards/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("1,500 points").waitFor();
    await expect(dialog.getByRole("button", { name: "Redeem 10% off your order" }).isVisible()).resolves.toBe(true);

    await dialog.getByRole("button", { name: "Redeem $5 off your order" }).click();
    const codeText = dialog.getByText(/^REWARD-[2-9A-HJ-NP-Z]{8}$/);
    await codeText.waitFor();
    const code = (await codeText.innerText()).trim();
    await dialog.getByText("1,000 points").first().waitFor();
    expect((await pointsBalance(app.db, stored.id, new Date())).available).toBe(1000);

    const discount = app.devStore.store.codeDiscountByCode(code);
    expect(discount).toMatchObject({ customerIds: [gid], usageLimit: 1 });
    const apply = await dialog.getByRole("link", { name: "Apply to cart" }).getAttribute("href");
    expect(apply).toBe(`/discount/${code}?redirect=%2Fcart`);
    await codeText.scrollIntoViewIfNeeded();
    await screenshot(page, "widget-redeemed-real-app");

    // Shopify's discount link keeps the code for checkout.
    const applied = await context.request.get(`${app.devStore.storefrontUrl}${apply}`, { maxRedirects: 0 });
    expect(applied.headers()["set-cookie"]).toContain(`${DISCOUNT_COOKIE}=${code}`);

    // The panel's history, opened again, shows the redemption from the app's ledger.
    await page.reload();
    await page.getByRole("button", { name: /^Rewards/ }).click();
    await page.getByRole("dialog").getByText("Redeemed: $5 off your order").waitFor();
    await context.close();
    expect(pageErrors).toEqual([]);
  });

  it("brings a friend in through a referral link with their first-order code applied", async () => {
    const { stored } = await customerWith(100, "Rita");
    const { context, page } = await storefront(null);
    await page.goto(`${app.devStore.storefrontUrl}/apps/loyalty/r/${stored.referralCode}`);
    await page.locator('[data-referral-outcome="code"]').waitFor();
    const cookie = (await context.cookies()).find((candidate) => candidate.name === DISCOUNT_COOKIE);
    expect(cookie?.value).toMatch(/^FRIEND-/);
    expect(app.devStore.store.codeDiscountByCode(decodeURIComponent(cookie!.value))).toMatchObject({ customerGets: { percentage: 0.1 }, usageLimit: 1 });
    await screenshot(page, "referral-landing");
    await context.close();
    expect(pageErrors).toEqual([]);
  });

  it("shows a guest the program's real ways to earn from the app once the panel opens", async () => {
    const { context, page } = await storefront(null);
    const appRequests: string[] = [];
    page.on("request", (request) => new URL(request.url()).pathname.startsWith("/apps/loyalty") && appRequests.push(new URL(request.url()).pathname));
    await page.goto(app.devStore.storefrontUrl);
    await page.waitForLoadState("networkidle");
    expect(appRequests).toEqual([]);
    await page.getByRole("button", { name: /^Rewards/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Create an account").waitFor();
    // "Create an account" is in the page from the start; the ways to earn arrive with the app's answer.
    await dialog.getByText("A friend's first order").waitFor();
    await expect(dialog.getByRole("link", { name: "Sign in" }).isVisible()).resolves.toBe(true);
    expect(appRequests).toEqual(["/apps/loyalty/customer"]);
    await screenshot(page, "widget-guest-real-app");
    await context.close();
    expect(pageErrors).toEqual([]);
  });
});
