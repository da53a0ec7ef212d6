/**
 * VIP tiers in headless Chromium against the real app: the merchant builds a ladder on the VIP tiers
 * page (a refused threshold says why), a customer's order puts them in a tier, and the storefront
 * widget shows their tier, its benefits and what the next one takes.
 */
import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CUSTOMER_COOKIE } from "../../dev-store/hosts/storefront";
import { DESKTOP_USER_AGENT, launchBrowser, openEmbeddedAdmin, screenshot } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("VIP tiers in the browser", () => {
  it("the merchant adds tiers on the VIP tiers page, and the widget shows a customer's tier and the next", async () => {
    const { page, frame } = await openEmbeddedAdmin(browser, app.devStore, "/tiers");
    await frame.getByRole("heading", { name: "VIP tiers", exact: true }).waitFor();
    const addTier = async (tier: { name: string; threshold: string; multiplier: string; entry: string; benefits: string }) => {
      const form = frame.locator('[data-tier-form="new"]');
      await form.getByLabel("Name").fill(tier.name);
      await form.getByLabel(/^Threshold/).fill(tier.threshold);
      await form.getByLabel("Points multiplier (%)").fill(tier.multiplier);
      await form.getByLabel("Entry reward").fill(tier.entry);
      await form.getByLabel("Benefits shown to shoppers").fill(tier.benefits);
      await form.getByRole("button", { name: "Add tier" }).click();
    };
    await addTier({ name: "Silver", threshold: "50", multiplier: "150", entry: "20", benefits: "1.5x points on every order" });
    await frame.getByText("Every customer's tier is being recomputed").waitFor();
    // The page has taken Silver in and emptied the form before the next tier is typed into it.
    await frame.getByRole("rowheader", { name: "Silver" }).waitFor();
    await expect.poll(() => frame.locator('[data-tier-form="new"]').getByLabel("Name").inputValue()).toBe("");
    // A second tier at the same threshold is refused, with the field's reason.
    await addTier({ name: "Gold", threshold: "50", multiplier: "200", entry: "100", benefits: "Double points" });
    await frame.getByText("Threshold another tier has this threshold.").waitFor();
    await screenshot(page, "tiers-admin-refused");
    await frame.locator('[data-tier-form="new"]').getByLabel(/^Threshold/).fill("5000");
    await frame.locator('[data-tier-form="new"]').getByRole("button", { name: "Add tier" }).click();
    await frame.getByRole("rowheader", { name: "Gold" }).waitFor();
    await screenshot(page, "tiers-admin-ladder");
    expect((await app.db.tier.findMany({ where: { shopId }, orderBy: { threshold: "asc" } })).map((tier) => [tier.name, tier.threshold, tier.multiplierPercent])).toEqual([
      ["Silver", 50, 150],
      ["Gold", 5000, 200],
    ]);
    await page.context().close();

    // A shopper with an account (100 welcome points) buys for 25.00: 125 points earned, Silver.
    const store = app.devStore.store;
    const product = store.createProduct({ title: "Tier test beans", variants: [{ price: "25.00" }] });
    const customer = store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Vera", lastName: "Ip", hasAccount: true });
    await app.devStore.webhooks.idle();
    store.createOrder({ customerId: customer.id, lineItems: [{ variantId: product.variants[0].id, quantity: 1 }] });
    await app.devStore.webhooks.idle();
    const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    const held = await app.db.customerTier.findUnique({ where: { customerId: stored.id }, include: { tier: true } });
    expect(held?.tier?.name).toBe("Silver");

    const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT, viewport: { width: 1280, height: 900 } });
    await context.addCookies([{ name: CUSTOMER_COOKIE, value: encodeURIComponent(customer.id), url: app.devStore.storefrontUrl }]);
    const shopper = await context.newPage();
    await shopper.goto(app.devStore.storefrontUrl);
    await shopper.getByRole("button", { name: /^Rewards/ }).click();
    const dialog = shopper.getByRole("dialog");
    const tier = dialog.locator('[data-field="tier"]');
    await tier.waitFor();
    await expect(tier.locator('[data-field="tier-name"]').innerText()).resolves.toBe("Silver");
    await expect(tier.innerText()).resolves.toContain("1.5x points on every order");
    // 125 earned plus Silver's 20 entry points do not count toward tiers: 5,000 − 125 = 4,875 to Gold.
    await expect(tier.locator('[data-field="tier-next"]').innerText()).resolves.toBe("4,875 points more for Gold");
    await shopper.screenshot({ path: `${process.cwd()}/test-artifacts/tiers-widget.png` });
    await context.close();
  });
});
