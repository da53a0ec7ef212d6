import { existsSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DEV_SHOP, type DevStoreConfig } from "../../dev-store/config";
import { createAdminHostHandler } from "../../dev-store/hosts/admin";
import { createAppBridgeScriptHandler } from "../../dev-store/hosts/app-bridge";
import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { launchBrowser } from "../support/browser";
import { shopifyLibrary, TEST_APP } from "../support/shopify-library";

const { apiKey: API_KEY, apiSecret: API_SECRET } = TEST_APP;
const ADMIN_APP_PATH = "/store/demo-loyalty/apps/loyalty-repeat";

const shopify = shopifyLibrary();

async function listen(handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<unknown>) {
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function shopOfSessionToken(token: string | null | undefined): Promise<string | null> {
  if (!token) return null;
  try {
    return new URL((await shopify.session.decodeSessionToken(token)).dest).hostname;
  } catch {
    return null;
  }
}

/**
 * A minimal embedded app, answering the way @shopify/shopify-app-remix does: pages load App Bridge
 * from the dev store, data requests need a bearer session token, a document request without
 * `id_token` goes to the bounce page, and exit-iframe pages call window.open(…, "_top").
 */
function embeddedApp(devStoreUrl: () => string) {
  const appBridgeTag = () => `<script src="${devStoreUrl()}/app-bridge.js" data-api-key="${API_KEY}"></script>`;
  const html = (body: string) => `<!doctype html><html><head>${appBridgeTag()}</head><body>${body}</body></html>`;
  const navMenu = `<ui-nav-menu><a href="/app" rel="home">Home</a><a href="/app/settings">Settings</a></ui-nav-menu>`;

  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const page = (body: string) => res.writeHead(200, { "Content-Type": "text/html" }).end(html(body));
    switch (url.pathname) {
      case "/app":
        return page(`${navMenu}
<ui-title-bar title="Rewards"><button variant="primary" id="save">Save</button></ui-title-bar>
<p id="whoami">Loading…</p><p id="saved"></p>
<button id="open-modal">Open modal</button>
<button id="edit">Edit points</button><p id="changes"></p>
<ui-save-bar id="unsaved"><button variant="primary" id="save-changes">Save changes</button><button id="discard">Discard</button></ui-save-bar>
<ui-modal id="confirm"><p>Redeem 500 points?</p><ui-title-bar title="Confirm redemption"><button id="confirm-yes">Redeem</button></ui-title-bar></ui-modal>
<a id="reload-without-token" href="/app/needs-token?embedded=1&shop=${DEV_SHOP}&host=${url.searchParams.get("host")}">Reload without token</a>
<a id="exit" href="/auth/exit-iframe?shop=${DEV_SHOP}&exitIframe=${encodeURIComponent(`${url.origin}/outside`)}">Leave the admin</a>
<script>
  document.getElementById("save").addEventListener("click", () => { document.getElementById("saved").textContent = "Saved!"; });
  document.getElementById("open-modal").addEventListener("click", () => shopify.modal.show("confirm"));
  document.getElementById("edit").addEventListener("click", () => shopify.saveBar.show("unsaved"));
  document.getElementById("save-changes").addEventListener("click", () => {
    document.getElementById("changes").textContent = "Changes saved";
    shopify.saveBar.hide("unsaved");
  });
  fetch("/api/whoami").then((response) => response.json()).then((body) => {
    document.getElementById("whoami").textContent = "Shop: " + body.shop;
    shopify.toast.show("Points saved");
  });
</script>`);
      case "/app/spa":
        return page(`<ui-nav-menu><a href="/app/spa" rel="home">Home</a><a href="/app/spa/orders">Orders</a></ui-nav-menu>
<p id="route">Client route: /app/spa</p>
<script>
  // What AppProvider does: route shopify:navigate client-side.
  addEventListener("shopify:navigate", (event) => {
    const href = event.target.getAttribute("href");
    history.pushState(null, "", href);
    document.getElementById("route").textContent = "Client route: " + href;
  });
</script>`);
      case "/app/settings":
        return page(`${navMenu}<ui-title-bar title="Settings"></ui-title-bar><h1>Settings page</h1>`);
      case "/app/needs-token": {
        const shop = await shopOfSessionToken(url.searchParams.get("id_token"));
        if (shop) return page(`<p id="token-ok">Token OK for ${shop}</p>`);
        url.searchParams.delete("id_token");
        const bounce = new URLSearchParams(url.searchParams);
        bounce.set("shopify-reload", `${url.origin}${url.pathname}?${url.searchParams}`);
        return res.writeHead(302, { Location: `/auth/session-token?${bounce}` }).end();
      }
      case "/auth/session-token":
        return res.writeHead(200, { "Content-Type": "text/html" }).end(`\n      ${appBridgeTag()}\n    `);
      case "/auth/exit-iframe":
        return res
          .writeHead(200, { "Content-Type": "text/html" })
          .end(`${appBridgeTag()}<script>window.open(${JSON.stringify(url.searchParams.get("exitIframe"))}, "_top")</script>`);
      case "/outside":
        return page(`<h1>Outside the admin</h1>`);
      case "/api/whoami": {
        const shop = await shopOfSessionToken(req.headers.authorization?.replace("Bearer ", ""));
        if (!shop) return res.writeHead(401).end();
        return res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ shop }));
      }
      default:
        return res.writeHead(404).end();
    }
  };
}

describe("App Bridge stand-in in a browser", () => {
  let browser: Browser;
  let app: Awaited<ReturnType<typeof listen>>;
  let devStore: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    let devStoreUrl = "";
    app = await listen(embeddedApp(() => devStoreUrl));
    const config: DevStoreConfig = {
      shop: DEV_SHOP,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      appUrl: app.url,
      appTomlPath: path.resolve("shopify.app.toml"),
      apiVersion: "2026-10",
      nodeEnv: "test",
    };
    const handlers = [createAdminHostHandler({ config, mintSessionToken }), createAppBridgeScriptHandler({ config })];
    devStore = await listen(async (req, res) => {
      for (const handler of handlers) if (await handler(req, res)) return;
      res.writeHead(404).end();
    });
    devStoreUrl = devStore.url;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await devStore?.close();
    await app?.close();
  });

  async function openAdmin(adminPath = ADMIN_APP_PATH): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${devStore.url}${adminPath}`);
    return page;
  }

  it("gives the app session tokens: its fetches carry a bearer token the app verifies", async () => {
    const page = await openAdmin();
    const frame = page.frameLocator("#app-iframe");

    await frame.getByText("Shop: demo-loyalty.myshopify.com").waitFor();
    await page.getByRole("status").filter({ hasText: "Points saved" }).waitFor();
    await page.close();
  });

  it("shows the app's nav menu and title bar in the admin and forwards clicks to the app", async () => {
    const page = await openAdmin();
    const frame = page.frameLocator("#app-iframe");
    const nav = page.locator("#app-nav");

    await nav.getByRole("link", { name: "Settings" }).waitFor();
    expect(await nav.getByRole("link", { name: "Home" }).count()).toBe(0);
    await page.locator("#app-title").getByText("Rewards").waitFor();

    await page.locator("#title-actions").getByRole("button", { name: "Save" }).click();
    await frame.getByText("Saved!").waitFor();

    await nav.getByRole("link", { name: "Settings" }).click();
    await frame.getByRole("heading", { name: "Settings page" }).waitFor();
    await page.waitForURL(`${devStore.url}${ADMIN_APP_PATH}/settings`);
    await page.locator("#app-title").getByText("Settings").waitFor();
    await page.close();
  });

  it("lets an app that listens for shopify:navigate route the admin's nav clicks itself", async () => {
    const page = await openAdmin(`${ADMIN_APP_PATH}/spa`);
    const frame = page.frameLocator("#app-iframe");

    await page.locator("#app-nav").getByRole("link", { name: "Orders" }).click();

    await frame.getByText("Client route: /app/spa/orders").waitFor();
    await page.waitForURL(`${devStore.url}${ADMIN_APP_PATH}/spa/orders`);
    await page.close();
  });

  it("sends a document request without a session token through the bounce page and back with one", async () => {
    const page = await openAdmin();
    const frame = page.frameLocator("#app-iframe");

    await frame.locator("#reload-without-token").click();

    await frame.getByText("Token OK for demo-loyalty.myshopify.com").waitFor();
    await page.close();
  });

  it("shows the app's save bar in the admin and saves through it", async () => {
    const page = await openAdmin();
    const frame = page.frameLocator("#app-iframe");
    const saveBar = page.locator("#save-bar");

    expect(await saveBar.isVisible()).toBe(false);
    await frame.getByRole("button", { name: "Edit points" }).click();
    await saveBar.getByRole("button", { name: "Discard" }).waitFor();

    await saveBar.getByRole("button", { name: "Save changes" }).click();
    await frame.getByText("Changes saved").waitFor();
    await saveBar.waitFor({ state: "hidden" });
    await page.close();
  });

  it("opens an app modal over the app", async () => {
    const page = await openAdmin();
    const frame = page.frameLocator("#app-iframe");
    const modalText = frame.getByText("Redeem 500 points?");

    expect(await modalText.isVisible()).toBe(false);
    await frame.getByRole("button", { name: "Open modal" }).click();
    await modalText.waitFor();
    await frame.getByRole("dialog").getByRole("button", { name: "Close" }).click();
    await modalText.waitFor({ state: "hidden" });
    await page.close();
  });

  it("reopens an app page launched outside the admin inside it", async () => {
    const page = await browser.newPage();

    await page.goto(`${app.url}/app?shop=${DEV_SHOP}&host=${Buffer.from("admin.shopify.com/store/demo-loyalty").toString("base64")}`);

    await page.waitForURL(`${devStore.url}/store/demo-loyalty/apps/${API_KEY}`);
    await page.frameLocator("#app-iframe").getByText("Shop: demo-loyalty.myshopify.com").waitFor();
    await page.close();
  });

  it("leaves the iframe for the whole window when the app exits it", async () => {
    const page = await openAdmin();

    await page.frameLocator("#app-iframe").locator("#exit").click();

    await page.waitForURL(`${app.url}/outside`);
    await page.getByRole("heading", { name: "Outside the admin" }).waitFor();
    await page.close();
  });
});
