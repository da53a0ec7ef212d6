/**
 * The customer page's "At a glance" card in headless Chromium through the dev store's admin: the
 * expected next order (overdue or on rhythm), the RFM segment and the birthday, worked out by hand.
 *
 * The shop's history (days before the test, one bag of beans at 24.00 each order):
 *   Ada: 100, 70, 40 (gaps 30, 30)   Bob: 60, 50 (gap 10)   Cy: 90, 70, 45, 25 (gaps 20, 25, 20)   Grace: 10
 * The shop's 6 gaps sorted: 10 20 20 25 30 30, median (20 + 25) / 2 = 22.5 days.
 * Ada: (60 + 2 × 22.5) / (2 + 2) = 26.25 days after her last order, 40 − 26.25 = 13.75 days ago:
 * overdue by 13 days. Grace, one order: the shop's 22.5 days, 12.5 days from now: on rhythm.
 * RFM over 4 customers (NTILE(5) gives 1 to 4): recency oldest first Bob Ada Cy Grace, frequency
 * Grace Bob Ada Cy, spend Grace Bob Ada Cy; Ada R2 F3 M3, "At risk" on the RF grid.
 * Ada gave her birthday, March 14; Grace did not.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { recomputeShopPredictions } from "../../app/customers/next-order.server";
import { recomputeShopSegments } from "../../app/customers/segments.server";
import { launchBrowser, openEmbeddedAdmin, screenshot } from "../support/browser";
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
  const history: [first: string, last: string, days: number[]][] = [
    ["Ada", "Lovelace", [100, 70, 40]],
    ["Bob", "Noyce", [60, 50]],
    ["Cy", "Young", [90, 70, 45, 25]],
    ["Grace", "Hopper", [10]],
  ];
  for (const [firstName, lastName, days] of history) {
    const customer = store.createCustomer({ firstName, lastName, email: `${firstName.toLowerCase()}@example.com`, hasAccount: true, createdAt: at(400) });
    for (const day of days) store.createOrder({ customerId: customer.id, lineItems: [{ variantId: beans, quantity: 1 }], createdAt: at(day) });
  }
  shopId = await app.installAndImportHistory();
  await app.db.customer.updateMany({ where: { shopId, email: "ada@example.com" }, data: { birthdayMonth: 3, birthdayDay: 14, birthdaySetAt: new Date() } });
  // What the customer-segments job does after the import, done here so the page is read after it.
  await recomputeShopSegments(app.db, shopId, new Date());
  await recomputeShopPredictions(app.db, shopId, new Date());
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function customer(email: string) {
  const row = await app.db.customer.findFirstOrThrow({ where: { shopId, email } });
  const last = await app.db.order.findFirstOrThrow({ where: { shopId, customerShopifyId: row.shopifyId }, orderBy: { placedAt: "desc" } });
  return { id: row.id, lastOrderAt: last.placedAt };
}

describe("the customer page's At a glance card", () => {
  it("shows an overdue customer's expected next order, her segment and her birthday", async () => {
    const ada = await customer("ada@example.com");
    const { page, frame } = await openEmbeddedAdmin(browser, app.devStore, `/customers/${ada.id}`);
    await frame.getByRole("heading", { name: "At a glance" }).waitFor();
    const next = frame.locator("[data-next-order]");
    await expect(next.getAttribute("data-next-order")).resolves.toBe(new Date(ada.lastOrderAt.getTime() + 26.25 * DAY).toISOString().slice(0, 10));
    await expect(next.getAttribute("data-overdue")).resolves.toBe("yes");
    await next.getByText("Overdue by 13 days").waitFor();
    await next.getByText("About every 26 days: their 3 orders came every 30 days on average, weighed with the shop's typical 23 days.", { exact: false }).waitFor();
    await expect(frame.locator("[data-segment]").getAttribute("data-segment")).resolves.toBe("At risk");
    await frame.getByText("Recency 2, frequency 3, spend 3 (of 5)").waitFor();
    await expect(frame.locator("[data-birthday]").innerText()).resolves.toBe("March 14");
    await screenshot(page, "customer-at-a-glance-overdue");
    await page.context().close();
  });

  it("shows a one-order customer on the shop's rhythm, and no birthday", async () => {
    const grace = await customer("grace@example.com");
    const { page, frame } = await openEmbeddedAdmin(browser, app.devStore, `/customers/${grace.id}`);
    await frame.getByRole("heading", { name: "At a glance" }).waitFor();
    const next = frame.locator("[data-next-order]");
    await expect(next.getAttribute("data-next-order")).resolves.toBe(new Date(grace.lastOrderAt.getTime() + 22.5 * DAY).toISOString().slice(0, 10));
    await expect(next.getAttribute("data-overdue")).resolves.toBe("no");
    await next.getByText("On rhythm").waitFor();
    await next.getByText("One order so far: the shop's customers typically order again after 23 days.").waitFor();
    await expect(frame.locator("[data-birthday]").innerText()).resolves.toBe("Not given");
    await screenshot(page, "customer-at-a-glance-on-rhythm");
    await page.context().close();
  });
});
