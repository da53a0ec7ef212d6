/**
 * The customer account extension against the real app in headless Chromium, on the dev store's
 * customer account pages: a customer signs in on the storefront, opens Rewards from their account and
 * sees their balance, redeems a reward and sees the code (which exists in the shop), copies their
 * referral link, and opens an order's status page, which says what the order earned; with VIP tiers,
 * the tier the customer holds and what the next one takes.
 */
import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { adjustPoints } from "../../app/loyalty/ledger.server";
import { recomputeAllShopTiers, saveTier, saveTierProgram } from "../../app/loyalty/tiers.server";
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

describe("the loyalty page in the customer's account", () => {
  it("shows the balance, redeems a reward with its code shown, copies the referral link, and tells what an order earned", async () => {
    const store = app.devStore.store;
    const variantId = store.createProduct({ title: "Pour-over kettle", variants: [{ price: "48.00" }] }).variants[0].id;
    const customer = store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Maya", lastName: "Chen", hasAccount: true });
    const order = store.createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 1 }] });
    await app.devStore.webhooks.idle();
    const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    // Welcome 100 + 48 for the kettle + 1,352 for being here: 1,500.
    await adjustPoints(app.db, { shopId, customerId: stored.id, points: 1352, reason: "Thanks for being here", now: new Date() });

    const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT, viewport: { width: 1100, height: 900 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.devStore.storefrontUrl });
    // Headless Chromium has no system clipboard to read back: keep what each frame wrote to it.
    await context.addInitScript(() => {
      const write = navigator.clipboard.writeText.bind(navigator.clipboard);
      navigator.clipboard.writeText = (text: string) => {
        (window as unknown as { copiedText: string }).copiedText = text;
        return write(text);
      };
    });
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));

    // Sign in as Maya from the storefront's header, then go to her account.
    await page.goto(app.devStore.storefrontUrl);
    await page.getByText("Signed in as").click();
    await page.getByRole("button", { name: /Maya Chen/ }).click();
    await expect(page.getByTestId("signed-in-as").textContent()).resolves.toBe("Maya Chen");
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("navigation", { name: "Account pages" }).getByRole("link", { name: "Rewards" }).click();

    const extension = page.frameLocator("iframe.customer-account-extension");
    await extension.getByRole("heading", { name: "Rewards", level: 1 }).waitFor();
    // Visible, waited for (the page renders in steps as its answer arrives).
    await extension.getByText("Hi Maya, here is what your points can do.").waitFor();
    const balance = extension.getByRole("heading", { name: "1,500 points", exact: true });
    await balance.waitFor();
    await extension.getByText(`Order ${order.name}`).waitFor();
    await screenshot(page, "customer-account-page");

    // Redeem the $5 off: the code is shown, the balance drops, the code is in the shop for Maya only.
    await extension.getByRole("button", { name: "Redeem $5 off your order" }).click();
    const success = extension.getByRole("status").filter({ hasText: "Your code for $5 off your order" });
    await success.waitFor();
    const code = (await extension.locator("#redeemed-code").textContent())!.trim();
    expect(code).toMatch(/^REWARD-[2-9A-HJ-NP-Z]{8}$/);
    await extension.getByRole("heading", { name: "1,000 points", exact: true }).waitFor();
    expect(store.codeDiscountByCode(code)).toMatchObject({ customerIds: [customer.id], usageLimit: 1 });
    await extension.getByRole("region", { name: "Your codes" }).getByText(code).waitFor();
    await screenshot(page, "customer-account-redeemed");

    // A reward the balance no longer reaches says how far off it is, and cannot be pressed.
    await expect(extension.getByRole("button", { name: "Redeem 10% off your order" }).isDisabled()).resolves.toBe(false);
    await extension.getByRole("button", { name: "Redeem 10% off your order" }).click();
    await extension.getByRole("heading", { name: "0 points", exact: true }).waitFor();
    await extension.getByText("800 points more to go").waitFor();
    await expect.poll(() => extension.getByRole("button", { name: "Redeem Free shipping" }).isDisabled()).toBe(true);

    // The referral link copies to the clipboard.
    const referral = extension.getByRole("region", { name: "Refer a friend" });
    await referral.getByRole("button", { name: "Copy link" }).click();
    await referral.getByRole("button", { name: "Copied" }).waitFor();
    const extensionFrame = page.frames().find((frame) => frame.url().includes("/account/extensions/"))!;
    expect(await extensionFrame.evaluate(() => (window as unknown as { copiedText?: string }).copiedText)).toBe(`https://${app.devStore.config.shop}/apps/loyalty/r/${stored.referralCode}`);

    // The order's status page in the account says what it earned.
    await page.goto(`${app.devStore.storefrontUrl}/account`);
    await page.getByRole("link", { name: `Order ${order.name} status` }).click();
    await page.getByRole("heading", { name: `Order ${order.name}` }).waitFor();
    const block = page.frameLocator("iframe.customer-account-extension");
    await block.getByText("This order earned 48 points.").waitFor();
    await screenshot(page, "customer-account-order-status");

    expect(pageErrors).toEqual([]);
    await context.close();
  }, 90_000);

  it("shows the order status page's pending line for an order not paid yet, and nothing of another customer's orders", async () => {
    const store = app.devStore.store;
    const variantId = store.createProduct({ title: "Filter papers", variants: [{ price: "8.00" }] }).variants[0].id;
    const ada = store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Ada", lastName: "Lee", hasAccount: true });
    const bo = store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Bo", lastName: "Sand", hasAccount: true });
    const unpaid = store.createOrder({ customerId: ada.id, lineItems: [{ variantId, quantity: 1 }], financialStatus: "pending" });
    await app.devStore.webhooks.idle();

    const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT });
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(app.devStore.storefrontUrl);
    await page.getByText("Signed in as").click();
    await page.getByRole("button", { name: /Ada Lee/ }).click();
    const orderPath = `/account/orders/${unpaid.id.split("/").pop()}`;
    await page.goto(`${app.devStore.storefrontUrl}${orderPath}`);
    await page.frameLocator("iframe.customer-account-extension").getByText("Points for this order are added once it's paid and processed.").waitFor();

    // Bo cannot open Ada's order page.
    await page.goto(app.devStore.storefrontUrl);
    await page.getByText("Signed in as").click();
    await page.getByRole("button", { name: /Bo Sand/ }).click();
    const response = await page.goto(`${app.devStore.storefrontUrl}${orderPath}`);
    expect(response?.status()).toBe(404);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 60_000);
  it("shows the VIP tier the customer holds and what the next one takes, once the shop has tiers", async () => {
    const store = app.devStore.store;
    const kim = store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Kim", lastName: "Park", hasAccount: true });
    await app.devStore.webhooks.idle();
    const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: kim.id } } });
    // Tiers by points earned: Kim's welcome 100 + 200 given by hand reach Silver (250), not Gold (1,000).
    await adjustPoints(app.db, { shopId, customerId: stored.id, points: 200, reason: "Thanks for being here", now: new Date() });
    expect(await saveTierProgram(app.db, shopId, { tierBasis: "POINTS_EARNED", tierWindowMonths: "", tierRetentionDays: "0" })).toEqual({ ok: true });
    expect(await saveTier(app.db, shopId, null, { name: "Silver", threshold: "250", multiplierPercent: "100", entryRewardPoints: "0", benefits: "" })).toEqual({ ok: true });
    expect(await saveTier(app.db, shopId, null, { name: "Gold", threshold: "1000", multiplierPercent: "150", entryRewardPoints: "0", benefits: "" })).toEqual({ ok: true });
    await recomputeAllShopTiers(app.db, shopId, new Date());

    const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT, viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(app.devStore.storefrontUrl);
    await page.getByText("Signed in as").click();
    await page.getByRole("button", { name: /Kim Park/ }).click();
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("navigation", { name: "Account pages" }).getByRole("link", { name: "Rewards" }).click();
    const extension = page.frameLocator("iframe.customer-account-extension");
    await extension.getByText("Tier: Silver").waitFor();
    await extension.getByText("700 points to Gold").waitFor();
    await screenshot(page, "customer-account-tier");
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 60_000);
});
