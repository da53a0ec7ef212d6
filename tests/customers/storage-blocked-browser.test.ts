/**
 * The admin with the browser's storage blocked for the app's frame, as Chrome's incognito windows and
 * Brave do for sites inside another site: every page still opens, and nothing blames the database.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { launchBrowser, openPage, screenshot } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp();
  const store = app.devStore.store;
  const beans = store.createProduct({ title: "Coffee beans", variants: [{ price: "24.00" }] }).variants[0].id;
  const ada = store.createCustomer({ firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", hasAccount: true });
  store.createOrder({ customerId: ada.id, lineItems: [{ variantId: beans, quantity: 1 }] });
  await app.installAndImportHistory();
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

// What the browser does to a document inside another site's page when its storage is blocked.
const BLOCK_STORAGE_IN_FRAMES = `
  if (window.top !== window) {
    for (const name of ["localStorage", "sessionStorage"]) {
      Object.defineProperty(window, name, { configurable: true, get() { throw new DOMException("Failed to read the '" + name + "' property from 'Window': Access is denied for this document.", "SecurityError"); } });
    }
    Object.defineProperty(Document.prototype, "cookie", { configurable: true, get() { return ""; }, set() {} });
  }`;

describe("the admin with storage blocked", () => {
  it("opens a customer from the list", async () => {
    const page = await openPage(browser);
    await page.addInitScript(BLOCK_STORAGE_IN_FRAMES);
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(app.devStore.adminAppUrl("/customers"));
    const frame = page.frameLocator("#app-iframe");
    await frame.getByText("Ada Lovelace").click();
    await frame.getByRole("heading", { name: "Ada Lovelace" }).waitFor();
    await screenshot(page, "customer-storage-blocked");
    await expect(frame.getByText(/could not load|database/).count()).resolves.toBe(0);
    // And on to another page through the app's navigation, with storage still blocked.
    await page.locator("#app-nav").getByRole("link", { name: "Program" }).click();
    await frame.getByRole("heading", { name: "Program", exact: true }).waitFor();
    expect(errors).toEqual([]);
  });
});
