/**
 * The storefront widget's weight and its quietness: gzipped JS+CSS against the 10 KB budget, the
 * raw JS against Shopify's 10,000-byte limit for app-block scripts, and, in Chromium on the dev
 * storefront, how many requests reach the app and how much the layout shifts before a shopper
 * opens the panel.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { gzipSync } from "node:zlib";


import { DEV_SHOP } from "../dev-store/config";
import { CUSTOMER_COOKIE } from "../dev-store/hosts/storefront";
import { startDevStore } from "../dev-store/server";
import { CHROMIUM, launchBrowser, webVitals, DESKTOP_USER_AGENT } from "../tests/support/browser";
import type { BenchRow } from "./table";

export const title = "Storefront widget size and requests";

const ASSETS = path.resolve("extensions/loyalty-widget/assets");

export async function run(): Promise<BenchRow[]> {
  const files = readdirSync(ASSETS).filter((file) => /\.(js|css)$/.test(file));
  const gzipped = files.reduce((total, file) => total + gzipSync(readFileSync(path.join(ASSETS, file))).length, 0);
  const rawJs = files.filter((file) => file.endsWith(".js")).reduce((total, file) => total + readFileSync(path.join(ASSETS, file)).length, 0);
  const rows: BenchRow[] = [
    { name: "widget JS+CSS, gzipped", value: gzipped / 1024, unit: "KB", target: "<= 10", note: files.join(", ") },
    { name: "widget JS, uncompressed", value: rawJs, unit: "B", target: "<= 10000", note: "theme-check AssetSizeAppBlockJavaScript" },
  ];
  if (!existsSync(CHROMIUM)) return rows;
  return [...rows, ...(await measureStorefront())];
}

/** A guest and a signed-in customer load the storefront twice (the second time with a cached badge) without opening the panel. */
async function measureStorefront(): Promise<BenchRow[]> {
  let appRequests = 0;
  const app = http.createServer((req, res) => {
    appRequests += 1;
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ customer: null }));
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const devStore = await startDevStore({
    shop: DEV_SHOP,
    apiKey: "bench-loyalty-app",
    apiSecret: "dev-store-bench-secret",
    appUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
    appTomlPath: path.resolve("shopify.app.toml"),
    apiVersion: "2026-10",
    nodeEnv: "development",
  });
  const customer = devStore.store.createCustomer({ firstName: "Maya", email: "maya@example.com", hasAccount: true });
  const browser = await launchBrowser();
  let layoutShift = 0;
  let requestsBeforeOpening = 0;
  let requestsWhenOpened = 0;
  try {
    for (const signedIn of [false, true]) {
      const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT });
      if (signedIn) await context.addCookies([{ name: CUSTOMER_COOKIE, value: encodeURIComponent(customer.id), url: devStore.storefrontUrl }]);
      const page = await context.newPage();
      for (let visit = 0; visit < 2; visit++) {
        await page.goto(devStore.storefrontUrl, { waitUntil: "networkidle" });
        layoutShift += (await webVitals(page)).cls;
      }
      requestsBeforeOpening = appRequests;
      if (signedIn) {
        // The same measurement sees the one request opening the panel makes.
        // Listening before the click: the answer can come back before the click's promise settles.
        await Promise.all([
          page.waitForResponse((response) => new URL(response.url()).pathname === "/apps/loyalty/customer"),
          page.getByRole("button", { name: /^Rewards/ }).click(),
        ]);
        requestsWhenOpened = appRequests;
      }
      await context.close();
    }
  } finally {
    await browser.close();
    await devStore.close();
    await new Promise<void>((resolve) => app.close(() => resolve()));
  }
  return [
    { name: "requests to the app before the panel opens", value: requestsBeforeOpening, unit: "requests", target: "<= 0", note: "4 page loads: guest and customer, twice each" },
    { name: "requests to the app when the panel opens", value: requestsWhenOpened - requestsBeforeOpening, unit: "requests", target: "<= 1", note: "GET /apps/loyalty/customer" },
    { name: "layout shift while the widget loads", value: layoutShift, unit: "CLS", target: "<= 0", note: "same 4 page loads" },
  ];
}
