/**
 * The Program and Customers pages in headless Chromium through the dev store's admin: settings saved
 * and a bad value explained; a customer found by search, adjusted with a reason, the balance and the
 * history changed (below zero too); a resubmitted adjustment counted once; another shop's customer
 * answered 404. Screenshots go to test-artifacts/.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DESKTOP_USER_AGENT, launchBrowser, openEmbeddedAdmin, screenshot } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let browser: Browser;
let shopId: string;
const DAY = 86_400_000;

beforeAll(async () => {
  app = await startTestApp();
  const store = app.devStore.store;
  const beans = store.createProduct({ title: "Coffee beans", variants: [{ price: "24.00" }] }).variants[0].id;
  const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();
  const ada = store.createCustomer({ firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", hasAccount: true, createdAt: at(400) });
  const grace = store.createCustomer({ firstName: "Grace", lastName: "Hopper", email: "grace@example.com", hasAccount: true, createdAt: at(300) });
  store.createCustomer({ firstName: "Alan", lastName: "Turing", email: "alan@example.com", hasAccount: false, createdAt: at(200) });
  store.createOrder({ customerId: ada.id, lineItems: [{ variantId: beans, quantity: 1 }], createdAt: at(10) });
  store.createOrder({ customerId: grace.id, lineItems: [{ variantId: beans, quantity: 2 }], createdAt: at(90) });
  shopId = await app.installAndImportHistory();
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const openAdmin = (path: string) => openEmbeddedAdmin(browser, app.devStore, path);

async function customerId(email: string): Promise<string> {
  return (await app.db.customer.findFirstOrThrow({ where: { shopId, email } })).id;
}

describe("the Program page", () => {
  it("saves the birthday points and the abuse window, and refuses a window over a year", async () => {
    const { page, frame } = await openAdmin("/program");
    await frame.getByRole("heading", { name: "Program", exact: true }).waitFor();
    await frame.getByLabel("Birthday points").fill("300");
    await frame.getByLabel("New birthdays wait (days)").fill("400");
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("New birthdays wait (days) is at most 365.").first().waitFor();
    expect(await app.db.programSettings.findUniqueOrThrow({ where: { shopId } })).toMatchObject({ birthdayPoints: 0, birthdayAbuseWindowDays: 30 });
    await frame.getByLabel("New birthdays wait (days)").fill("14");
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("Program settings saved").waitFor();
    await screenshot(page, "program-birthdays");
    expect(await app.db.programSettings.findUniqueOrThrow({ where: { shopId } })).toMatchObject({ birthdayPoints: 300, birthdayAbuseWindowDays: 14 });
    await app.db.programSettings.update({ where: { shopId }, data: { birthdayPoints: 0, birthdayAbuseWindowDays: 30 } });
    await page.context().close();
  });

  it("saves the settings, and explains a bad value without saving anything", async () => {
    const { page, frame } = await openAdmin("/program");
    await frame.getByRole("heading", { name: "Program", exact: true }).waitFor();
    await frame.getByLabel("Welcome points").fill("250");
    await frame.getByLabel("Slipping after (days without an order)").fill("30");
    await frame.getByLabel("Tax earns points").check();
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("Program settings saved").waitFor();
    await screenshot(page, "program-saved");
    await expect(app.db.programSettings.findUniqueOrThrow({ where: { shopId } })).resolves.toMatchObject({
      welcomePoints: 250,
      healthSlippingDays: 30,
      includeTaxInEarn: true,
    });

    // Unticking saves too (an unticked box sends nothing by itself).
    await frame.getByLabel("Tax earns points").uncheck();
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("Program settings saved").waitFor();
    await expect.poll(async () => (await app.db.programSettings.findUniqueOrThrow({ where: { shopId } })).includeTaxInEarn).toBe(false);

    await frame.getByLabel("Pending days").fill("-3");
    await frame.getByLabel("Friend's first-order discount (%)").fill("150");
    await frame.getByLabel("Welcome points").fill("400");
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("Pending days cannot be negative.").first().waitFor();
    await frame.getByText("Friend's first-order discount (%) is at most 100.").first().waitFor();
    await frame.getByText("2 settings need a change").waitFor();
    // What was typed stays for correcting; nothing was saved, not even the valid field.
    await expect(frame.getByLabel("Welcome points").inputValue()).resolves.toBe("400");
    await screenshot(page, "program-bad-value");
    const stored = await app.db.programSettings.findUniqueOrThrow({ where: { shopId } });
    expect(stored).toMatchObject({ pendingDays: 0, referralFriendDiscountPercent: 10, welcomePoints: 250 });

    // Lapsed must come after slipping.
    await frame.getByLabel("Pending days").fill("0");
    await frame.getByLabel("Friend's first-order discount (%)").fill("10");
    await frame.getByLabel("Lapsed after (days without an order)").fill("20");
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("Lapsed after (days without an order) must be more than the slipping threshold (30 days).").first().waitFor();
    await page.context().close();
  });

  it("names every bad value at once, the rule between two fields included", async () => {
    const { page, frame } = await openAdmin("/program");
    await frame.getByRole("heading", { name: "Program", exact: true }).waitFor();
    const bad: [string, string, string][] = [
      ["Welcome points", "-5", "Welcome points cannot be negative."],
      ["Second-purchase bonus", "200000", "Second-purchase bonus is at most 100,000."],
      ["Pending days", "1.5", "Pending days must be a whole number."],
      ["Expiry after inactivity (months)", "-1", "Expiry after inactivity (months) cannot be negative."],
      ["Referrer points", "", "Referrer points is required."],
      ["Friend's first-order discount (%)", "101", "Friend's first-order discount (%) is at most 100."],
    ];
    for (const [label, value] of bad) await frame.getByLabel(label).fill(value);
    await frame.getByLabel("Slipping after (days without an order)").fill("90");
    await frame.getByLabel("Lapsed after (days without an order)").fill("60");
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("7 settings need a change").waitFor();
    const banner = frame.locator(".Polaris-Banner").first();
    for (const [, , message] of bad) await expect(banner.getByText(message).isVisible()).resolves.toBe(true);
    await expect(banner.getByText("Lapsed after (days without an order) must be more than the slipping threshold (90 days).").isVisible()).resolves.toBe(true);
    await expect(frame.getByText("Invalid input").count()).resolves.toBe(0);
    await screenshot(page, "program-every-error");
    await page.context().close();
  });

  it("warns where a zero switches a feature off, and keeps unsaved edits behind the save bar", async () => {
    const { page, frame } = await openAdmin("/program");
    await frame.getByRole("heading", { name: "Program", exact: true }).waitFor();
    await frame.getByLabel("Points per unit of currency").fill("0");
    await frame.getByText("At 0, orders earn no points for what they spend.").waitFor();
    // The admin's save bar shows; leaving through the admin's navigation asks first, and staying keeps the edit.
    await page.locator("#save-bar").getByText("Unsaved changes").waitFor();
    await screenshot(page, "program-unsaved");
    const asked: string[] = [];
    page.once("dialog", (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await page.locator("#app-nav").getByRole("link", { name: "Rewards" }).click();
    await expect.poll(() => asked).toEqual(["Leave page? Changes you made will not be saved."]);
    await expect(frame.getByLabel("Points per unit of currency").inputValue()).resolves.toBe("0");
    // The app's own link asks too.
    await frame.getByRole("link", { name: "Rewards" }).first().click();
    await frame.getByText("Leave with unsaved changes?").waitFor();
    await frame.getByRole("button", { name: "Stay" }).click();
    await expect(frame.getByLabel("Points per unit of currency").inputValue()).resolves.toBe("0");

    await page.locator("#save-bar").getByRole("button", { name: "Save" }).click();
    await frame.getByText("Program settings saved").waitFor();
    await frame.getByText("Switched off at 0: orders earn no points for what they spend.").waitFor();
    await expect(page.locator("#save-bar").isHidden()).resolves.toBe(true);
    await screenshot(page, "program-switched-off");
    expect((await app.db.programSettings.findUniqueOrThrow({ where: { shopId } })).pointsPerCurrencyUnit).toBe(0);
    await app.db.programSettings.update({ where: { shopId }, data: { pointsPerCurrencyUnit: 1 } });
    await page.context().close();
  });
});

describe("the Customers page", () => {
  it("finds a customer by name or email and shows their health from the Program's thresholds", async () => {
    await app.db.programSettings.update({ where: { shopId }, data: { healthSlippingDays: 30, healthLapsedDays: 60 } });
    const { page, frame } = await openAdmin("/customers");
    await frame.getByRole("heading", { name: "Customers", exact: true }).waitFor();
    await expect(frame.locator("[data-health]").count()).resolves.toBe(3);

    await frame.getByLabel("Search customers").fill("grace@");
    await frame.getByRole("button", { name: "Search" }).click();
    await frame.getByText("Grace Hopper").waitFor();
    await expect.poll(() => frame.locator("[data-health]").count()).toBe(1);
    // Her last order was 90 days ago: lapsed at 60 days.
    await expect(frame.locator("[data-health]").getAttribute("data-health")).resolves.toBe("lapsed");

    await frame.getByLabel("Search customers").fill("Lovelace");
    await frame.getByRole("button", { name: "Search" }).click();
    await frame.getByText("Ada Lovelace").waitFor();
    await expect.poll(() => frame.locator("[data-health]").count()).toBe(1);
    await expect(frame.locator("[data-health]").getAttribute("data-health")).resolves.toBe("recent");
    await screenshot(page, "customers-search");

    await frame.getByLabel("Search customers").fill("nobody-here");
    await frame.getByRole("button", { name: "Search" }).click();
    await frame.getByText("No customers match “nobody-here”").waitFor();
    await page.context().close();
  });

  it("adjusts a balance with a reason, shows it in the history, and shows a balance below zero", async () => {
    const id = await customerId("ada@example.com");
    const before = await app.db.pointsLedgerEntry.aggregate({ where: { customerId: id }, _sum: { points: true } });
    const start = before._sum.points ?? 0;

    const { page, frame } = await openAdmin("/customers?query=ada");
    await frame.getByText("Ada Lovelace").click();
    await frame.getByRole("heading", { name: "Ada Lovelace" }).waitFor();
    await expect(frame.locator("[data-balance]").getAttribute("data-balance")).resolves.toBe(String(start));

    // A reason is required.
    await frame.getByLabel("Points").fill("150");
    await frame.getByRole("button", { name: "Adjust" }).click();
    await frame.getByText("Give a reason: the customer sees it in their history").waitFor();
    await expect(app.db.pointsLedgerEntry.count({ where: { customerId: id, source: "ADJUSTMENT" } })).resolves.toBe(0);

    await frame.getByLabel("Reason").fill("Sorry for the late parcel");
    await frame.getByRole("button", { name: "Adjust" }).click();
    await frame.getByText(`+150 points recorded. The balance is now ${(start + 150).toLocaleString("en")}.`).waitFor();
    await expect.poll(() => frame.locator("[data-balance]").getAttribute("data-balance")).toBe(String(start + 150));
    await frame.locator("[data-ledger=history]").getByText("Adjusted by the shop: Sorry for the late parcel").waitFor();
    await screenshot(page, "customer-adjusted");

    await frame.getByLabel("Points").fill(String(-(start + 150 + 40)));
    await frame.getByLabel("Reason").fill("Returned the gift set");
    await frame.getByRole("button", { name: "Adjust" }).click();
    await expect.poll(() => frame.locator("[data-balance]").getAttribute("data-balance")).toBe("-40");
    await frame.getByText(/Below zero: more was taken back/).waitFor();
    await screenshot(page, "customer-below-zero");
    await page.context().close();

    const { page: list, frame: listFrame } = await openAdmin("/customers?query=ada");
    await expect.poll(() => listFrame.locator("[data-balance]").first().getAttribute("data-balance")).toBe("-40");
    await list.context().close();
  });

  it("records a resubmitted adjustment once", async () => {
    const id = await customerId("alan@example.com");
    const body = new URLSearchParams({ points: "75", reason: "Loyal since the start", adjustmentId: "6f1c2d9e-8a3b-4c5d-9e7f-0a1b2c3d4e5f" });
    const post = () =>
      fetch(`${app.appUrl}/app/customers/${id}?_data=${encodeURIComponent("routes/app.customers_.$id")}`, {
        method: "POST",
        body,
        headers: { Authorization: `Bearer ${app.devStore.sessionToken()}`, "User-Agent": DESKTOP_USER_AGENT },
      });
    const first = await post();
    expect(first.status).toBe(200);
    const second = await post();
    expect(second.status).toBe(200);
    const entries = await app.db.pointsLedgerEntry.findMany({ where: { customerId: id, source: "ADJUSTMENT" } });
    expect(entries.map((entry) => [entry.points, entry.note])).toEqual([[75, "Loyal since the start"]]);
  });

  it("answers 404 for another shop's customer, in the page and over HTTP", async () => {
    const other = await app.db.shop.create({
      data: { domain: "someone-else.myshopify.com", ianaTimezone: "UTC", currencyCode: "EUR", installedAt: new Date(), settings: { create: {} } },
    });
    const stranger = await app.db.customer.create({
      data: { shopId: other.id, shopifyId: "gid://shopify/Customer/424242", email: "stranger@example.com", firstName: "Sam", referralCode: "STRANGER1" },
    });
    const headers = { Authorization: `Bearer ${app.devStore.sessionToken()}`, "User-Agent": DESKTOP_USER_AGENT };
    const response = await fetch(`${app.appUrl}/app/customers/${stranger.id}?_data=${encodeURIComponent("routes/app.customers_.$id")}`, { headers });
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("stranger@example.com");

    // Adjusting them is refused the same way, and writes nothing.
    const adjust = await fetch(`${app.appUrl}/app/customers/${stranger.id}?_data=${encodeURIComponent("routes/app.customers_.$id")}`, {
      method: "POST",
      body: new URLSearchParams({ points: "1000", reason: "Sneaky", adjustmentId: "0b7a3c1e-2d4f-4a6b-8c9d-1e2f3a4b5c6d" }),
      headers,
    });
    expect(adjust.status).toBe(404);
    await expect(app.db.pointsLedgerEntry.count({ where: { customerId: stranger.id } })).resolves.toBe(0);

    const { page, frame } = await openAdmin(`/customers/${stranger.id}`);
    await frame.getByText("There is no such customer in this shop").waitFor();
    await expect(frame.getByText("stranger@example.com").count()).resolves.toBe(0);
    await screenshot(page, "customer-not-found");

    // Nor does the search list them.
    const { page: list, frame: listFrame } = await openAdmin("/customers?query=stranger");
    await listFrame.getByText("No customers match “stranger”").waitFor();
    await list.context().close();
    await page.context().close();
  });
});

describe("segments on the Customers page", () => {
  it("filters by segment and exports each customer's segment as CSV", async () => {
    // The history import woke the segments job: two customers with an order, one quintile apart on
    // recency (Grace ordered 90 days ago: R1, Ada 10 days ago: R2), one order each (F1): Lost and Hibernating; Grace spent 48, Ada 24 (M2, M1).
    await expect.poll(() => app.db.segmentState.findUnique({ where: { shopId } }), { timeout: 30_000 }).not.toBeNull();
    const { page, frame } = await openAdmin("/customers?segment=Lost");
    await frame.locator("[data-segment=Lost]").first().waitFor();
    await expect(frame.getByText("grace@example.com").count()).resolves.toBe(1);
    await expect(frame.getByText("ada@example.com").count()).resolves.toBe(0);
    await screenshot(page, "customers-segment");
    await page.context().close();

    const headers = { Authorization: `Bearer ${app.devStore.sessionToken()}`, "User-Agent": DESKTOP_USER_AGENT };
    const response = await fetch(`${app.appUrl}/app/customers/csv`, { headers });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(/attachment; filename=".+-customers\.csv"/);
    const rows = (await response.text()).trim().split("\r\n");
    expect(rows[0]).toBe("Name,Email,Member,Points,Orders,Last order,Health,Segment,Tier,Recency score,Frequency score,Monetary score");
    const byEmail = (email: string) => rows.find((row) => row.includes(email))?.split(",") ?? [];
    // No tiers in this shop: the tier column is empty.
    expect(byEmail("ada@example.com").slice(7)).toEqual(["Hibernating", "", "2", "1", "1"]);
    expect(byEmail("grace@example.com").slice(7)).toEqual(["Lost", "", "1", "1", "2"]);
    expect(byEmail("alan@example.com").slice(7)).toEqual(["", "", "", "", ""]);
    // Another shop's customer is never in the file.
    expect(rows.some((row) => row.includes("stranger@example.com"))).toBe(false);

    const lost = await (await fetch(`${app.appUrl}/app/customers/csv?segment=Lost`, { headers })).text();
    expect(lost.trim().split("\r\n").slice(1).map((row) => row.split(",")[1])).toEqual(["grace@example.com"]);
    const bad = await fetch(`${app.appUrl}/app/customers/csv?segment=Everyone`, { headers });
    expect(bad.status).toBe(400);
    await expect(bad.text()).resolves.toMatch(/No segment is called "Everyone"/);
  });
});
