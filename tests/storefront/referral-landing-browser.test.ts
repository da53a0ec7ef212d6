/**
 * The referral landing page in headless Chromium on the dev storefront, as a friend sees it: what they
 * got (and the code applied for checkout), the same code when they come back, and the pages for their
 * own link, an account that already has orders and an unknown code. Screenshots go to test-artifacts/.
 */
import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CUSTOMER_COOKIE, DISCOUNT_COOKIE } from "../../dev-store/hosts/storefront";
import { DESKTOP_USER_AGENT, launchBrowser, screenshot } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let browser: Browser;
let variantId: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  app = await startTestApp();
  variantId = app.devStore.store.createProduct({ title: "Cold brew concentrate", variants: [{ price: "24.00" }] }).variants[0].id;
  shopId = await app.installAndImportHistory();
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function referrer() {
  const customer = app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Rita", hasAccount: true });
  await app.devStore.webhooks.idle();
  return app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
}

async function storefront(signedInAs: string | null) {
  const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT, viewport: { width: 1280, height: 800 } });
  if (signedInAs) await context.addCookies([{ name: CUSTOMER_COOKIE, value: encodeURIComponent(signedInAs), url: app.devStore.storefrontUrl }]);
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  return { context, page };
}

describe("the referral landing page", () => {
  it("tells a friend what they got, applies the code, and shows the same code when they come back", async () => {
    const rita = await referrer();
    const { context, page } = await storefront(null);
    await page.goto(`${app.devStore.storefrontUrl}/apps/loyalty/r/${rita.referralCode}`);
    await page.getByRole("heading", { name: "10% off your first order" }).waitFor();
    const landing = page.locator('[data-referral-outcome="code"]');
    await landing.waitFor();
    const message = await landing.locator("[data-referral-status]").innerText();
    const code = /code (FRIEND-[2-9A-HJ-NP-Z]{8}) applied/.exec(message)?.[1];
    expect(message).toBe(`10% off your first order — code ${code} applied. It comes off at checkout.`);
    // Applied for checkout, and the shop link goes through Shopify's discount link too.
    expect((await context.cookies()).find((cookie) => cookie.name === DISCOUNT_COOKIE)?.value).toBe(code);
    await expect(page.getByRole("link", { name: "Shop with your discount" }).getAttribute("href")).resolves.toBe(`/discount/${code}?redirect=%2F`);
    await screenshot(page, "referral-landing-code");

    await page.reload();
    await page.locator('[data-referral-outcome="code"]').waitFor();
    expect(await page.locator("[data-referral-status]").innerText()).toBe(`10% off your first order — code ${code} applied (the code you got earlier). It comes off at checkout.`);
    expect(await app.db.referral.count({ where: { referrerId: rita.id } })).toBe(1);
    await context.close();
    expect(pageErrors).toEqual([]);
  });

  it("tells a signed-in referrer it is their own link", async () => {
    const rita = await referrer();
    const { context, page } = await storefront(rita.shopifyId);
    await page.goto(`${app.devStore.storefrontUrl}/apps/loyalty/r/${rita.referralCode}`);
    await page.getByRole("heading", { name: "This is your own referral link" }).waitFor();
    await page.getByText("Share it with friends: they get 10% off their first order, and you earn 500 points when they order.").waitFor();
    await screenshot(page, "referral-landing-own-link");
    await context.close();
  });

  it("tells a customer who already ordered that the offer is for new customers, with no code", async () => {
    const rita = await referrer();
    const buyer = app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, hasAccount: true });
    app.devStore.store.createOrder({ customerId: buyer.id, lineItems: [{ variantId, quantity: 1 }] });
    await app.devStore.webhooks.idle();
    const { context, page } = await storefront(buyer.id);
    await page.goto(`${app.devStore.storefrontUrl}/apps/loyalty/r/${rita.referralCode}`);
    await page.getByRole("heading", { name: "This offer is for new customers" }).waitFor();
    await screenshot(page, "referral-landing-existing-customer");
    expect((await context.cookies()).find((cookie) => cookie.name === DISCOUNT_COOKIE)).toBeUndefined();
    await context.close();
  });

  it("tells a visitor an unknown code is not valid, with a link on to the shop", async () => {
    const { context, page } = await storefront(null);
    const response = await page.goto(`${app.devStore.storefrontUrl}/apps/loyalty/r/NOSUCHCODE`);
    expect(response?.status()).toBe(404);
    await page.getByRole("heading", { name: "This referral link isn't valid" }).waitFor();
    await expect(page.getByRole("link", { name: "Continue to the shop" }).getAttribute("href")).resolves.toBe("/");
    await screenshot(page, "referral-landing-unknown");
    await context.close();
    expect(pageErrors).toEqual([]);
  });
});
