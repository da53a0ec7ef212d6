/**
 * The reward catalogue in the admin (/app/rewards), driven as App Bridge drives it: the route's data
 * and form posts with the session token as a bearer token. What the merchant changes is what the
 * storefront offers.
 */
import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { CUSTOMER_COOKIE } from "../../dev-store/hosts/storefront";
import { DESKTOP_USER_AGENT, launchBrowser, openPage, screenshot } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
}, 60_000);
afterAll(async () => {
  await app?.close();
});

const ROUTE = "/app/rewards?_data=routes%2Fapp.rewards";
const token = () => mintSessionToken({ shop: TEST_APP.shop, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret });
const headers = () => ({ "user-agent": DESKTOP_USER_AGENT, authorization: `Bearer ${token()}` });

async function catalogue() {
  const response = await fetch(new URL(ROUTE, app.appUrl), { headers: headers() });
  expect(response.status).toBe(200);
  return (await response.json()).rewards as { id: string; name: string; kind: string; pointsCost: number; value: string; active: boolean; limits: string | null; productImageUrl: string | null }[];
}

async function post(fields: Record<string, string>) {
  const response = await fetch(new URL(ROUTE, app.appUrl), { method: "POST", headers: headers(), body: new URLSearchParams(fields) });
  expect(response.status).toBe(200);
  return response.json();
}

const storefrontRewards = async (customerGid: string) =>
  (await (await fetch(`${app.devStore.storefrontUrl}/apps/loyalty/customer`, { headers: { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(customerGid)}` } })).json()).rewards as { name: string }[];

describe("the rewards admin page", () => {
  it("lists the catalogue seeded on install", async () => {
    expect((await catalogue()).map(({ name, kind, pointsCost, value, active }) => ({ name, kind, pointsCost, value, active }))).toEqual([
      { name: "$5 off your order", kind: "AMOUNT_OFF", pointsCost: 500, value: "$5 off", active: true },
      { name: "Free shipping", kind: "FREE_SHIPPING", pointsCost: 800, value: "Free shipping", active: true },
      { name: "10% off your order", kind: "PERCENTAGE_OFF", pointsCost: 1000, value: "10% off", active: true },
    ]);
  });

  it("names each problem in a bad reward and saves nothing", async () => {
    const answer = await post({ intent: "save", name: " ", kind: "AMOUNT_OFF", pointsCost: "-3", amountOff: "4.999", minimumSubtotal: "abc", codeValidDays: "0" });
    expect(answer).toEqual({
      ok: false,
      errors: {
        name: "is required",
        pointsCost: "must be at least 1",
        amountOff: "must be an amount like 5 or 4.99",
        minimumSubtotal: "must be an amount like 5 or 4.99",
        codeValidDays: "must be at least 1",
      },
    });
    expect(await post({ intent: "save", name: "Half off", kind: "PERCENTAGE_OFF", pointsCost: "100", codeValidDays: "30" })).toEqual({
      ok: false,
      errors: { percentageOff: "is required for a percentage off" },
    });
    expect(await catalogue()).toHaveLength(3);
  });

  it("checks only the value of the chosen kind", async () => {
    expect(await post({ intent: "save", name: "Ten percent", kind: "PERCENTAGE_OFF", pointsCost: "100", percentageOff: "10", amountOff: "5 dollars", codeValidDays: "30" })).toEqual({ ok: true, message: "Reward added" });
    expect(await post({ intent: "save", name: "Ship it", kind: "FREE_SHIPPING", pointsCost: "100", percentageOff: "abc", amountOff: "5 dollars", codeValidDays: "30" })).toEqual({ ok: true, message: "Reward added" });
    const added = await app.db.reward.findMany({ where: { shopId, name: { in: ["Ten percent", "Ship it"] } }, orderBy: { name: "asc" } });
    expect(added.map(({ name, amountOff, percentageOff }) => ({ name, amountOff, percentageOff }))).toEqual([
      { name: "Ship it", amountOff: null, percentageOff: null },
      { name: "Ten percent", amountOff: null, percentageOff: 10 },
    ]);
    await app.db.reward.deleteMany({ where: { id: { in: added.map((reward) => reward.id) } } });
  });

  it("adds, edits and deactivates a reward, and the storefront follows", async () => {
    const customer = app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, hasAccount: true });
    await app.devStore.webhooks.idle();

    expect(await post({ intent: "save", name: "$12.50 off orders over $60", kind: "AMOUNT_OFF", pointsCost: "1200", amountOff: "12.50", minimumSubtotal: "60", codeValidDays: "14", returnPointsOnExpiry: "false" })).toEqual({ ok: true, message: "Reward added" });
    const added = (await catalogue()).find((reward) => reward.pointsCost === 1200)!;
    expect(added.value).toBe("$12.50 off on orders of $60 or more");
    expect(await app.db.reward.findUniqueOrThrow({ where: { id: added.id } })).toMatchObject({ shopId, codeValidDays: 14, returnPointsOnExpiry: false });
    expect((await storefrontRewards(customer.id)).map((reward) => reward.name)).toContain("$12.50 off orders over $60");

    expect(await post({ intent: "save", rewardId: added.id, name: "15% off", kind: "PERCENTAGE_OFF", pointsCost: "1500", percentageOff: "15", amountOff: "12.50", codeValidDays: "14" })).toMatchObject({ ok: true });
    expect(await app.db.reward.findUniqueOrThrow({ where: { id: added.id } })).toMatchObject({ name: "15% off", kind: "PERCENTAGE_OFF", percentageOff: 15, amountOff: null, minimumSubtotal: null });

    expect(await post({ intent: "deactivate", rewardId: added.id })).toMatchObject({ ok: true });
    expect((await storefrontRewards(customer.id)).map((reward) => reward.name)).not.toContain("15% off");
    expect((await catalogue()).find((reward) => reward.id === added.id)!.active).toBe(false);
  });

  it("adds store credit and free product rewards with limits, reading the product's title and image from Shopify", async () => {
    const product = app.devStore.store.createProduct({ title: "Pour-over kettle", imageUrl: "https://cdn.example.com/kettle.png", variants: [{ title: "Matte black", price: "45.00" }] });
    const variantId = product.variants[0].id;
    const loaded = await (await fetch(new URL(ROUTE, app.appUrl), { headers: headers() })).json();
    expect(loaded.products).toContainEqual({ label: "Pour-over kettle (Matte black)", value: variantId, imageUrl: "https://cdn.example.com/kettle.png" });

    expect(await post({ intent: "save", name: "$10 credit", kind: "STORE_CREDIT", pointsCost: "900", storeCreditAmount: "10", minimumSubtotal: "50", codeValidDays: "60", limitPerCustomer: "1", limitPeriodDays: "30" })).toEqual({ ok: true, message: "Reward added" });
    expect(await post({ intent: "save", name: "Free kettle", kind: "FREE_PRODUCT", pointsCost: "4000", productVariantId: variantId, codeValidDays: "30", minimumBalance: "5000" })).toEqual({ ok: true, message: "Reward added" });
    const rows = await catalogue();
    expect(rows.find((reward) => reward.name === "$10 credit")).toMatchObject({ kind: "STORE_CREDIT", value: "$10 store credit", limits: "Once every 30 days" });
    expect(rows.find((reward) => reward.name === "Free kettle")).toMatchObject({ kind: "FREE_PRODUCT", value: "Free Pour-over kettle (Matte black)", limits: "Needs a balance of 5,000 points", productImageUrl: "https://cdn.example.com/kettle.png" });
    // Store credit needs no order: the minimum subtotal typed under it is not kept.
    expect(await app.db.reward.findFirstOrThrow({ where: { shopId, name: "$10 credit" } })).toMatchObject({ minimumSubtotal: null, limitPerCustomer: 1, limitPeriodDays: 30 });
    expect(await app.db.reward.findFirstOrThrow({ where: { shopId, name: "Free kettle" } })).toMatchObject({ productVariantId: variantId, productTitle: "Pour-over kettle (Matte black)" });

    // Each problem named, nothing saved.
    expect(await post({ intent: "save", name: "Bad", kind: "STORE_CREDIT", pointsCost: "100", storeCreditAmount: "0", codeValidDays: "30", limitPerCustomer: "0", limitPeriodDays: "5" })).toEqual({
      ok: false,
      errors: { storeCreditAmount: "must be more than 0", limitPerCustomer: "must be at least 1" },
    });
    expect(await post({ intent: "save", name: "Bad", kind: "FREE_PRODUCT", pointsCost: "100", codeValidDays: "30", minimumBalance: "50" })).toEqual({
      ok: false,
      errors: { productVariantId: "is required for a free product: choose one", minimumBalance: "must be at least the reward's cost (or left empty)" },
    });
    expect(await post({ intent: "save", name: "Bad", kind: "FREE_PRODUCT", pointsCost: "100", codeValidDays: "30", productVariantId: "gid://shopify/ProductVariant/1" })).toEqual({
      ok: false,
      errors: { productVariantId: "is not a product variant in your shop" },
    });
    expect(await app.db.reward.count({ where: { shopId, name: "Bad" } })).toBe(0);
    await app.db.reward.updateMany({ where: { shopId, name: { in: ["$10 credit", "Free kettle"] } }, data: { active: false } });
  });

  it("cannot change another shop's reward", async () => {
    const other = await app.db.shop.create({ data: { domain: "someone-else.myshopify.com" } });
    const theirs = await app.db.reward.create({ data: { shopId: other.id, name: "Theirs", kind: "FREE_SHIPPING", pointsCost: 10 } });
    expect(await post({ intent: "deactivate", rewardId: theirs.id })).toEqual({ ok: false, errors: { form: "This reward does not exist in your shop" } });
    expect(await post({ intent: "save", rewardId: theirs.id, name: "Mine now", kind: "FREE_SHIPPING", pointsCost: "1", codeValidDays: "1" })).toEqual({ ok: false, errors: { form: "This reward does not exist in your shop" } });
    expect(await app.db.reward.findUniqueOrThrow({ where: { id: theirs.id } })).toMatchObject({ name: "Theirs", active: true });
    expect((await catalogue()).map((reward) => reward.name)).not.toContain("Theirs");
  });
});

describe("the rewards page in a browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("adds a reward from the form, showing a field's error until it is fixed", async () => {
    const page = await openPage(browser);
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(app.devStore.adminAppUrl("/rewards"));
    const frame = page.frameLocator("#app-iframe");
    await frame.getByRole("heading", { name: "Rewards", exact: true }).waitFor();
    await expect(frame.getByText("Free shipping").first().isVisible()).resolves.toBe(true);

    await frame.getByRole("button", { name: "Add reward" }).first().click();
    await frame.getByLabel("Name customers see").fill("Mug of the month");
    await frame.getByLabel("Amount off").fill("7.5.0");
    await frame.getByRole("button", { name: "Add reward" }).last().click();
    await frame.getByText("must be an amount like 5 or 4.99").waitFor();
    await screenshot(page, "admin-rewards-field-error");

    await frame.getByLabel("Amount off").fill("7.50");
    await frame.getByRole("button", { name: "Add reward" }).last().click();
    await frame.getByText("Reward added").waitFor();
    await frame.getByText("Mug of the month").waitFor();
    await expect(frame.getByText("$7.50 off").isVisible()).resolves.toBe(true);
    await screenshot(page, "admin-rewards");
    expect(await app.db.reward.count({ where: { shopId, name: "Mug of the month" } })).toBe(1);
    expect(errors).toEqual([]);
  });

  it("adds a store credit reward with a limit from the form", async () => {
    const page = await openPage(browser);
    await page.goto(app.devStore.adminAppUrl("/rewards"));
    const frame = page.frameLocator("#app-iframe");
    await frame.getByRole("button", { name: "Add reward" }).first().click();
    await frame.getByLabel("Name customers see").fill("$15 store credit");
    await frame.getByLabel("Reward", { exact: true }).selectOption("STORE_CREDIT");
    await frame.getByLabel("Store credit", { exact: true }).fill("15");
    await frame.getByLabel("Times per customer").fill("1");
    await frame.getByLabel("Period").fill("30");
    await frame.getByRole("button", { name: "Add reward" }).last().click();
    await frame.getByText("Reward added").waitFor();
    await frame.getByText("$15 store credit").first().waitFor();
    await expect(frame.getByRole("row").filter({ hasText: "$15 store credit" }).getByText("Once every 30 days").isVisible()).resolves.toBe(true);
    await screenshot(page, "admin-rewards-store-credit");
    expect(await app.db.reward.findFirstOrThrow({ where: { shopId, name: "$15 store credit" } })).toMatchObject({ kind: "STORE_CREDIT", limitPerCustomer: 1, limitPeriodDays: 30 });
  });

  it("adds a percentage reward after an amount was typed under the kind it replaced", async () => {
    const page = await openPage(browser);
    await page.goto(app.devStore.adminAppUrl("/rewards"));
    const frame = page.frameLocator("#app-iframe");
    await frame.getByRole("button", { name: "Add reward" }).first().click();
    await frame.getByLabel("Name customers see").fill("Fifteen off");
    await frame.getByLabel("Amount off").fill("5 dollars");
    await frame.getByLabel("Reward", { exact: true }).selectOption("PERCENTAGE_OFF");
    await frame.getByLabel("Percentage off").fill("15");
    await frame.getByRole("button", { name: "Add reward" }).last().click();
    await frame.getByText("Reward added").waitFor();
    await screenshot(page, "admin-rewards-kind-switched");
    expect(await app.db.reward.findFirstOrThrow({ where: { shopId, name: "Fifteen off" } })).toMatchObject({ kind: "PERCENTAGE_OFF", percentageOff: 15, amountOff: null });
  });
});
