/**
 * The loop the app exists for, by hand in headless Chromium on the dev store: a shopper creates an
 * account and sees the welcome points, orders through the dev checkout, the merchant marks the order
 * paid in the dev store admin, the points arrive, the shopper redeems them for a code, uses it at
 * checkout, and the thank-you email is in the outbox. Screenshots of each step go to test-artifacts/.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { dispatchDueFollowUps } from "../../app/follow-ups/dispatch.server";
import { outboxTransport } from "../../app/follow-ups/mail.server";
import { followUpSettingsForm, saveFollowUpSettings } from "../../app/follow-ups/settings.server";
import { pointsBalance } from "../../app/loyalty/ledger.server";
import { DESKTOP_USER_AGENT, launchBrowser, screenshot } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let browser: Browser;
let outboxDir: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  outboxDir = await mkdtemp(path.join(tmpdir(), "loyalty-outbox-"));
  app = await startTestApp({ outboxDir });
  app.devStore.store.createProduct({ title: "Espresso Machine", variants: [{ price: "420.00" }] });
  app.devStore.store.createProduct({ title: "Stoneware Mug", variants: [{ price: "22.00" }] });
  shopId = await app.installAndImportHistory();
  // The merchant turns the thank-you on in the follow-up settings, sent at once, no quiet hours.
  const form = await followUpSettingsForm(app.db, shopId);
  const saved = await saveFollowUpSettings(app.db, shopId, { ...form, thankYouEnabled: true, thankYouDelayMinutes: 0, quietHoursStart: 0, quietHoursEnd: 0 });
  expect(saved).toEqual({ ok: true });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (outboxDir) await rm(outboxDir, { recursive: true, force: true });
});

async function rewardsPanel(page: Page) {
  await page.goto(app.devStore.storefrontUrl);
  await page.getByRole("button", { name: /^Rewards/ }).click();
  return page.getByRole("dialog");
}

describe("the whole loop through the dev checkout", () => {
  it("signs up, earns, orders, redeems, uses the code at checkout and gets the email", async () => {
    const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));

    // 1. Create an account on the storefront, with email marketing accepted.
    await page.goto(app.devStore.storefrontUrl);
    await page.getByRole("link", { name: "Create account" }).click();
    await page.getByLabel("First name").fill("Grace");
    await page.getByLabel("Last name").fill("Hopper");
    await page.getByLabel("Email", { exact: true }).fill("grace@example.com");
    await page.getByLabel("Email me with news and offers").check();
    await screenshot(page, "loop-1-sign-up");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("Signed in as grace@example.com").waitFor();
    const grace = app.devStore.store.customerByEmail("grace@example.com")!;
    expect(grace.emailMarketingConsent.marketingState).toBe("SUBSCRIBED");

    // 2. customers/create reached the app: the welcome points are in the widget.
    await app.devStore.webhooks.idle();
    let panel = await rewardsPanel(page);
    await panel.getByText("100 points").first().waitFor();
    await screenshot(page, "loop-2-welcome-points");

    // 3. Add to cart and check out, paying by bank deposit (pending).
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Add Espresso Machine to cart" }).click();
    await page.getByRole("link", { name: "Check out" }).waitFor();
    await screenshot(page, "loop-3-cart");
    await page.getByRole("link", { name: "Check out" }).click();
    await page.getByLabel("Last name").fill("Hopper");
    await page.getByLabel("Address", { exact: true }).fill("1 Compiler Way");
    await page.getByLabel("City").fill("Arlington");
    await page.getByLabel("ZIP code").fill("22201");
    await page.getByLabel(/Bank deposit/).check();
    await screenshot(page, "loop-4-checkout");
    await page.getByRole("button", { name: "Place order" }).click();
    const firstOrderName = (await page.getByTestId("order-name").innerText()).trim();
    await screenshot(page, "loop-5-order-confirmed");

    // 4. The merchant marks it paid in the dev store admin: orders/paid reaches the app.
    const admin = await context.newPage();
    await admin.goto(app.devStore.adminOrdersUrl);
    await admin.locator(`tr[data-order="${firstOrderName}"]`).getByRole("button", { name: "Mark as paid" }).click();
    await admin.getByText(`${firstOrderName} is marked as paid`).waitFor();
    await screenshot(admin, "loop-6-admin-marked-paid");
    await app.devStore.webhooks.idle();
    const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: grace.id } } });
    expect((await pointsBalance(app.db, stored.id, new Date())).available).toBe(520);

    // 5. The points are in the widget; redeem $5 off.
    panel = await rewardsPanel(page);
    await panel.getByText("520 points").first().waitFor();
    await screenshot(page, "loop-7-points-earned");
    await panel.getByRole("button", { name: "Redeem $5 off your order" }).click();
    // Points are spent only once the shopper confirms.
    await panel.getByRole("button", { name: "Yes, redeem" }).click();
    const codeText = panel.getByText(/^REWARD-[2-9A-HJ-NP-Z]{8}$/);
    await codeText.waitFor();
    const code = (await codeText.innerText()).trim();
    await panel.getByText("20 points").first().waitFor();
    await screenshot(page, "loop-8-redeemed");

    // 6. Apply the code (Shopify's discount link), fill the cart and check out with it.
    await panel.getByRole("link", { name: "Apply to cart" }).click();
    await page.waitForURL(/\/cart$/);
    await page.goto(app.devStore.storefrontUrl);
    await page.getByRole("button", { name: "Add Stoneware Mug to cart" }).click();
    await page.getByTestId("applied-code").waitFor();
    expect(await page.getByTestId("applied-code").innerText()).toBe(code);
    expect(await page.getByTestId("discount").innerText()).toBe("−$5.00");
    await screenshot(page, "loop-9-cart-with-code");
    await page.getByRole("link", { name: "Check out" }).click();
    await page.getByLabel("Address", { exact: true }).fill("1 Compiler Way");
    await page.getByLabel("City").fill("Arlington");
    await page.getByLabel("ZIP code").fill("22201");
    await page.getByRole("button", { name: "Place order" }).click();
    await page.getByTestId("order-name").waitFor();
    expect(await page.getByTestId("discount").innerText()).toBe("−$5.00");
    expect(await page.getByTestId("total").innerText()).toBe("$22.99"); // 22 − 5 + 5.99 shipping
    await screenshot(page, "loop-10-order-with-code");
    const second = app.devStore.store.ordersOf(grace.id)[1];
    expect(second).toMatchObject({ financialStatus: "paid", discountCodes: [{ code }] });

    // 7. Paid at checkout: the second-purchase bonus and the spend arrive (20 + 200 + 17).
    await app.devStore.webhooks.idle();
    panel = await rewardsPanel(page);
    await panel.getByText("237 points").first().waitFor();
    await screenshot(page, "loop-11-points-after-second-order");

    // 8. The thank-you for the first order goes out; the outbox shows it.
    while ((await dispatchDueFollowUps({
      db: app.db,
      transport: outboxTransport(outboxDir),
      adminGraphqlFor: app.adminGraphqlFor,
      appUrl: app.appUrl,
      secret: TEST_APP.apiSecret,
      defaultFromAddress: "follow-ups@loyalty.example",
      now: () => new Date(Date.now() + 60_000),
    })) > 0);
    const outbox = await context.newPage();
    await outbox.goto(`${app.devStore.url}/outbox`);
    const row = outbox.getByRole("row").filter({ hasText: "grace@example.com" });
    await expect(row.count()).resolves.toBeGreaterThan(0);
    await screenshot(outbox, "loop-12-outbox");
    await row.first().getByRole("link").click();
    await outbox.waitForLoadState("load");
    await screenshot(outbox, "loop-13-thank-you-email");
    await context.close();
    expect(pageErrors).toEqual([]);
  });
});
