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
import { ARTIFACTS_DIR, DESKTOP_USER_AGENT, launchBrowser, screenshot } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let browser: Browser;
const pageErrors: string[] = [];

let variantId: string;

beforeAll(async () => {
  app = await startTestApp();
  variantId = app.devStore.store.createProduct({ title: "Cold brew concentrate", variants: [{ price: "24.00" }] }).variants[0].id;
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
  it("redeems points for a code once confirmed: the code is focused in My rewards, the points are gone, the history says so, and the code is in the shop", async () => {
    const { gid, stored } = await customerWith(1500, "Maya");
    const { context, page } = await storefront(gid);
    await page.goto(app.devStore.storefrontUrl);
    await page.getByRole("button", { name: /^Rewards/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("1,500 points").waitFor();
    await expect(dialog.getByRole("button", { name: "Redeem 10% off your order" }).isVisible()).resolves.toBe(true);

    await dialog.getByRole("button", { name: "Redeem $5 off your order" }).click();
    await expect(dialog.getByText("Spend 500 points on $5 off your order?").isVisible()).resolves.toBe(true);
    expect((await pointsBalance(app.db, stored.id, new Date())).available).toBe(1500);
    await dialog.getByRole("button", { name: "Yes, redeem" }).click();
    const mine = dialog.getByRole("region", { name: "My rewards" }).getByRole("listitem");
    const codeText = mine.getByText(/^REWARD-[2-9A-HJ-NP-Z]{8}$/);
    await codeText.waitFor();
    const code = (await codeText.innerText()).trim();
    await expect(mine.first().evaluate((element) => element === document.activeElement)).resolves.toBe(true);
    await dialog.getByText("1,000 points").first().waitFor();
    expect((await pointsBalance(app.db, stored.id, new Date())).available).toBe(1000);
    await expect(dialog.getByRole("region", { name: "Recent activity" }).getByRole("listitem").first().innerText()).resolves.toContain("Redeemed: $5 off your order");

    const discount = app.devStore.store.codeDiscountByCode(code);
    expect(discount).toMatchObject({ customerIds: [gid], usageLimit: 1 });
    const apply = await mine.first().getByRole("link", { name: "Apply to cart" }).getAttribute("href");
    expect(apply).toBe(`/discount/${code}?redirect=%2Fcart`);
    await page.screenshot({ path: `${ARTIFACTS_DIR}/widget-redeemed-real-app.png` });

    // Shopify's discount link keeps the code for checkout.
    const applied = await context.request.get(`${app.devStore.storefrontUrl}${apply}`, { maxRedirects: 0 });
    expect(applied.headers()["set-cookie"]).toContain(`${DISCOUNT_COOKIE}=${code}`);

    // An order that carries the code marks it used: the panel, opened again, says so.
    app.devStore.store.createOrder({ customerId: gid, lineItems: [{ variantId, quantity: 1 }], discountCode: code });
    await app.devStore.webhooks.idle();
    await page.reload();
    await page.getByRole("button", { name: /^Rewards/ }).click();
    await page.getByRole("dialog").getByText("Redeemed: $5 off your order").waitFor();
    const used = page.getByRole("dialog").getByRole("region", { name: "My rewards" }).getByRole("listitem").filter({ hasText: code });
    await expect(used.innerText()).resolves.toContain("Used");
    await expect(used.getByRole("link", { name: "Apply to cart" }).count()).resolves.toBe(0);
    await used.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS_DIR}/widget-code-used-real-app.png` });
    await context.close();
    expect(pageErrors).toEqual([]);
  });

  it("offers a customer with orders behind them only what they can still earn, with the pending rule in days", async () => {
    await app.db.programSettings.update({ where: { shopId }, data: { pendingDays: 7 } });
    try {
      const { gid } = await customerWith(100, "Nora");
      for (let order = 0; order < 7; order++) app.devStore.store.createOrder({ customerId: gid, lineItems: [{ variantId, quantity: 1 }] });
      await app.devStore.webhooks.idle();
      const { context, page } = await storefront(gid);
      await page.goto(app.devStore.storefrontUrl);
      const block = page.getByRole("region", { name: /Rewards$/ }).filter({ has: page.getByRole("button", { name: "See my points and rewards" }) });
      await block.getByRole("button", { name: "See my points and rewards" }).click();
      await block.getByText("pending").first().waitFor();
      const ways = block.locator(".loyalty-widget__way:visible");
      await expect(ways.allInnerTexts()).resolves.toEqual(["Every $1.00 you spend\n1 point", "A friend's first order\n500 points"]);
      // 7 orders of $24 and the second-order bonus wait 7 days: 7 × 24 + 200 pending.
      await expect(block.getByText("368 pending").getAttribute("title")).resolves.toBe("Points from an order can be spent 7 days after it is placed.");
      await expect(block.getByText("400 more points for $5 off your order").isVisible()).resolves.toBe(true);
      await ways.first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${ARTIFACTS_DIR}/widget-ways-regular-real-app.png` });
      await context.close();
    } finally {
      await app.db.programSettings.update({ where: { shopId }, data: { pendingDays: 0 } });
    }
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
    await dialog.getByText("Create an account", { exact: true }).waitFor();
    // "Create an account" is in the page from the start; the ways to earn arrive with the app's answer.
    await dialog.getByText("A friend's first order").waitFor();
    await dialog.getByText("500 points").first().waitFor();
    // The catalogue with its costs, nothing to redeem before signing in.
    await expect(dialog.getByRole("region", { name: "Rewards" }).getByRole("listitem").allInnerTexts()).resolves.toEqual([
      "$5 off your order\n500 points",
      "Free shipping\n800 points",
      "10% off your order\n1,000 points",
    ]);
    await expect(dialog.getByRole("button", { name: /^Redeem/ }).count()).resolves.toBe(0);
    await expect(dialog.getByRole("link", { name: "Sign in" }).isVisible()).resolves.toBe(true);
    expect(appRequests).toEqual(["/apps/loyalty/customer"]);
    await screenshot(page, "widget-guest-real-app");
    await context.close();
    expect(pageErrors).toEqual([]);
  });
  it("redeems points for store credit: no code to copy, the credit shown in My rewards and on the customer's account", async () => {
    const reward = await app.db.reward.create({ data: { shopId, name: "$10 store credit", kind: "STORE_CREDIT", storeCreditAmount: "10", pointsCost: 1000, codeValidDays: 60, limitPerCustomer: 1, limitPeriodDays: 30 } });
    try {
      const { gid, stored } = await customerWith(1500, "Iris");
      const { context, page } = await storefront(gid);
      await page.goto(app.devStore.storefrontUrl);
      await page.getByRole("button", { name: /^Rewards/ }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByText("1,500 points").waitFor();
      await expect(dialog.getByText("Once every 30 days").isVisible()).resolves.toBe(true);
      await dialog.getByRole("button", { name: "Redeem $10 store credit" }).click();
      await dialog.getByRole("button", { name: "Yes, redeem" }).click();

      const credited = dialog.getByRole("region", { name: "My rewards" }).getByRole("listitem").filter({ hasText: "$10.00" });
      await credited.waitFor();
      await expect(credited.innerText()).resolves.toContain("Store credit on your account, spent at checkout.");
      await expect(credited.getByRole("link", { name: "Apply to cart" }).isVisible()).resolves.toBe(false);
      await expect(credited.getByRole("button", { name: "Copy code" }).isVisible()).resolves.toBe(false);
      await expect(credited.evaluate((element) => element === document.activeElement)).resolves.toBe(true);
      await dialog.getByText("500 points").first().waitFor();
      expect((await pointsBalance(app.db, stored.id, new Date())).available).toBe(500);
      expect(app.devStore.store.storeCreditAccountsOf(gid).map((account) => ({ currency: account.currencyCode, balance: account.balance }))).toEqual([{ currency: "USD", balance: 1000 }]);
      await credited.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${ARTIFACTS_DIR}/widget-store-credit-real-app.png` });

      // Asked again within the period: refused, saying when.
      await app.db.pointsLedgerEntry.create({ data: { shopId, customerId: stored.id, points: 1000, reason: "ADJUSTMENT", source: "ADJUSTMENT", sourceId: "test", key: `test:${randomUUID()}`, availableAt: new Date() } });
      await page.reload();
      await page.getByRole("button", { name: /^Rewards/ }).click();
      await dialog.getByText("1,500 points").waitFor();
      await dialog.getByRole("button", { name: "Redeem $10 store credit" }).click();
      await dialog.getByRole("button", { name: "Yes, redeem" }).click();
      await dialog.getByText(/^You can redeem this reward once every 30 days\. You can redeem it again on /).waitFor();
      await page.screenshot({ path: `${ARTIFACTS_DIR}/widget-store-credit-limit-real-app.png` });
      await context.close();
    } finally {
      await app.db.reward.update({ where: { id: reward.id }, data: { active: false } });
    }
    expect(pageErrors).toEqual([]);
  });
});
