import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { launchBrowser, openPage, screenshot, DESKTOP_USER_AGENT } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let browser: Browser;
beforeAll(async () => {
  app = await startTestApp();
  await app.install();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("the embedded admin in a browser", () => {
  it("opens from the dev store's admin with a session token and shows the shop's program", async () => {
    const page = await openPage(browser);
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(app.devStore.adminAppUrl());

    const frame = page.frameLocator("#app-iframe");
    await frame.getByRole("heading", { name: app.devStore.store.shop.name }).waitFor();
    await expect(frame.getByText("How customers earn points").isVisible()).resolves.toBe(true);
    await expect(frame.getByText("Welcome points for creating an account").isVisible()).resolves.toBe(true);
    await screenshot(page, "admin-home");

    // The app and the dev store served everything: App Bridge did not come from Shopify's CDN.
    const origins = new Set(requests.map((url) => new URL(url).origin));
    expect(origins).toEqual(new Set([new URL(app.appUrl).origin, new URL(app.devStore.url).origin]));
    expect(requests.find((url) => url.startsWith(app.appUrl))).toMatch(/\/app\?.*id_token=/);
  });

  it("sends a visitor who opens the app outside the admin into the shop's admin", async () => {
    const host = Buffer.from("admin.shopify.com/store/demo-loyalty").toString("base64");
    const response = await fetch(`${app.appUrl}/app?shop=${app.devStore.config.shop}&host=${host}`, {
      redirect: "manual",
      headers: { "user-agent": DESKTOP_USER_AGENT },
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toMatch(/^https:\/\/admin\.shopify\.com\/store\/demo-loyalty\/apps\//);
  });
});
