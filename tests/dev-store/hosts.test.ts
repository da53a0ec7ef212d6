import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DEV_SHOP, DevStoreRefusedError, type DevStoreConfig } from "../../dev-store/config";
import { createAdminHostHandler, SESSION_TOKEN_PATH } from "../../dev-store/hosts/admin";
import { createAppBridgeScriptHandler } from "../../dev-store/hosts/app-bridge";
import type { DevStoreRequestHandler } from "../../dev-store/http";
import { createStorefrontHandler } from "../../dev-store/hosts/storefront";
import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { shopifyLibrary, TEST_APP } from "../support/shopify-library";

const { apiKey: API_KEY, apiSecret: API_SECRET } = TEST_APP;
const APP_URL = "http://localhost:3000";
const ADMIN_APP_PATH = "/store/demo-loyalty/apps/loyalty-repeat";

const shopify = shopifyLibrary("localhost:3000");

function config(overrides: Partial<DevStoreConfig> = {}): DevStoreConfig {
  return {
    shop: DEV_SHOP,
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    appUrl: APP_URL,
    appTomlPath: path.resolve("shopify.app.toml"),
    apiVersion: "2026-10",
    nodeEnv: "test",
    ...overrides,
  };
}

async function serve(...handlers: DevStoreRequestHandler[]) {
  const server = http.createServer(async (req, res) => {
    for (const handler of handlers) if (await handler(req, res)) return;
    res.writeHead(404).end("Not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The iframe's src as the browser would read it from the admin page. */
function iframeSrc(page: string): URL {
  const src = /<iframe id="app-iframe"[^>]* src="([^"]+)"/.exec(page)?.[1];
  if (!src) throw new Error("The admin page has no app iframe");
  return new URL(src.replace(/&#38;/g, "&"));
}

describe("the admin host", () => {
  let devStore: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    devStore = await serve(
      createAdminHostHandler({
        config: config(),
        mintSessionToken,
        shopName: () => "Bean <&> Leaf",
      }),
      createAppBridgeScriptHandler({ config: config() }),
    );
  });
  afterAll(() => devStore.close());

  it("frames the app at {appUrl}/app with a session token and launch parameters the app's library accepts", async () => {
    const response = await fetch(`${devStore.url}${ADMIN_APP_PATH}`);
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const src = iframeSrc(page);
    expect(src.origin + src.pathname).toBe(`${APP_URL}/app`);
    expect(src.searchParams.get("embedded")).toBe("1");
    expect(src.searchParams.get("shop")).toBe(DEV_SHOP);
    expect(src.searchParams.get("locale")).toBe("en");
    expect(shopify.utils.sanitizeHost(src.searchParams.get("host") as string)).toBeTruthy();
    expect(Buffer.from(src.searchParams.get("host") as string, "base64").toString()).toBe("admin.shopify.com/store/demo-loyalty");
    expect(await shopify.utils.validateHmac(Object.fromEntries(src.searchParams))).toBe(true);

    const payload = await shopify.session.decodeSessionToken(src.searchParams.get("id_token") as string);
    expect(payload.dest).toBe(`https://${DEV_SHOP}`);
    expect(payload.aud).toBe(API_KEY);
    expect(payload.exp - payload.iat).toBeLessThanOrEqual(60);
  });

  it("signs the launch query so a changed parameter no longer validates", async () => {
    const src = iframeSrc(await (await fetch(`${devStore.url}${ADMIN_APP_PATH}`)).text());
    src.searchParams.set("shop", "another-shop.myshopify.com");

    expect(await shopify.utils.validateHmac(Object.fromEntries(src.searchParams))).toBe(false);
  });

  it("opens the admin path's page of the app and passes its query along, signed", async () => {
    const page = await (await fetch(`${devStore.url}${ADMIN_APP_PATH}/settings?tab=rewards`)).text();
    const src = iframeSrc(page);

    expect(src.pathname).toBe("/app/settings");
    expect(src.searchParams.get("tab")).toBe("rewards");
    expect(await shopify.utils.validateHmac(Object.fromEntries(src.searchParams))).toBe(true);
  });

  it("shows the shop and app names as text, escaped", async () => {
    const document = await (await fetch(`${devStore.url}${ADMIN_APP_PATH}`)).text();
    // The script's JSON context is not markup; everything else is.
    const page = document.replace(/<script type="application\/json"[\s\S]*?<\/script>/, "");

    expect(page).toContain("Bean &#60;&#38;&#62; Leaf");
    expect(page).not.toContain("Bean <&> Leaf");
    expect(page).toContain("Loyalty &#38; Repeat");
    expect(page).not.toContain("Loyalty & Repeat");
  });

  it("also opens the app by its client id, like admin.shopify.com does", async () => {
    const response = await fetch(`${devStore.url}/store/demo-loyalty/apps/${API_KEY}`);
    expect(response.status).toBe(200);
    expect(iframeSrc(await response.text()).pathname).toBe("/app");
  });

  it("sends the store's admin home to the app and answers other admin pages with a 404", async () => {
    const home = await fetch(`${devStore.url}/store/demo-loyalty`, { redirect: "manual" });
    expect(home.status).toBe(302);
    expect(home.headers.get("location")).toBe(ADMIN_APP_PATH);

    expect((await fetch(`${devStore.url}/store/demo-loyalty/products`)).status).toBe(404);
    expect((await fetch(`${devStore.url}/store/demo-loyalty/apps/someone-elses-app`)).status).toBe(404);
    expect((await fetch(`${devStore.url}/store/another-shop/apps/loyalty-repeat`)).status).toBe(404);
  });

  it("issues fresh session tokens to the admin page only", async () => {
    const sameOrigin = await fetch(`${devStore.url}${SESSION_TOKEN_PATH}`, { method: "POST", headers: { Origin: devStore.url } });
    expect(sameOrigin.status).toBe(200);
    const { token } = (await sameOrigin.json()) as { token: string };
    expect((await shopify.session.decodeSessionToken(token)).dest).toBe(`https://${DEV_SHOP}`);

    const fromTheApp = await fetch(`${devStore.url}${SESSION_TOKEN_PATH}`, { method: "POST", headers: { Origin: APP_URL } });
    expect(fromTheApp.status).toBe(403);
    const withoutOrigin = await fetch(`${devStore.url}${SESSION_TOKEN_PATH}`, { method: "POST" });
    expect(withoutOrigin.status).toBe(403);
    expect((await fetch(`${devStore.url}${SESSION_TOKEN_PATH}`)).status).toBe(405);
  });

  it("serves the App Bridge stand-in as JavaScript any origin can load", async () => {
    const response = await fetch(`${devStore.url}/app-bridge.js`);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await response.text()).toContain("window.shopify = {");
  });
});

describe("refusing to run against a real app", () => {
  const storefrontView = { shopName: "Demo", currencyCode: "USD", customers: () => [], products: () => [] };
  const factories: Array<[string, (config: DevStoreConfig) => unknown]> = [
    ["admin host", (devStoreConfig) => createAdminHostHandler({ config: devStoreConfig, mintSessionToken })],
    ["App Bridge script", (devStoreConfig) => createAppBridgeScriptHandler({ config: devStoreConfig })],
    ["storefront host", (devStoreConfig) => createStorefrontHandler({ config: devStoreConfig, view: storefrontView })],
  ];

  it.each(factories)("the %s refuses NODE_ENV=production", (_, create) => {
    expect(() => create(config({ nodeEnv: "production" }))).toThrow(DevStoreRefusedError);
  });

  it.each(factories)("the %s refuses a shpss_ app secret", (_, create) => {
    expect(() => create(config({ apiSecret: `shpss_${"0f".repeat(16)}` }))).toThrow(DevStoreRefusedError);
  });

  it.each(factories)("the %s starts with a dev secret outside production", (_, create) => {
    expect(() => create(config())).not.toThrow();
  });
});
