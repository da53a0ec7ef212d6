import { existsSync } from "node:fs";
import http from "node:http";

import { createAdminApiHandler, type AdminApiHandler } from "./admin-api/handler";
import { assertDevStoreAllowed, type DevStoreConfig } from "./config";
import { createAdminHostHandler } from "./hosts/admin";
import { createAppBridgeScriptHandler, APP_BRIDGE_SCRIPT_PATH } from "./hosts/app-bridge";
import { createOutboxHandler } from "./hosts/outbox";
import { readAppConfiguration } from "./hosts/app-configuration";
import { embeddedAppUrl, storeHandle } from "./hosts/embedded-app-url";
import type { DevStoreRequestHandler } from "./http";
import { createStorefrontHandler } from "./hosts/storefront";
import { storefrontViewOf } from "./hosts/storefront-view";
import { createOAuthHandler } from "./oauth/handler";
import { mintSessionToken } from "./oauth/session-token";
import { autosaveShopData, type ShopAutosave } from "./store/persistence";
import { ShopData, type NewShop } from "./store/shop-data";
import { createWebhookDispatcher, type WebhookDispatcher } from "./webhooks/dispatcher";

export interface DevStoreOptions extends DevStoreConfig {
  /** The admin origin: Admin API, OAuth, the admin host and App Bridge (0 = any free port). */
  port?: number;
  /** The storefront origin, kept apart from the admin's as on Shopify (0 = any free port). */
  storefrontPort?: number;
  host?: string;
  /** The app's local outbox folder (DATA_DIR/outbox), shown at /outbox when given. */
  outboxDir?: string;
  /** The shop's profile when the dev store creates it (no dataFile yet). */
  shopProfile?: Omit<NewShop, "myshopifyDomain">;
  now?: () => Date;
}

export interface DevStore {
  config: DevStoreConfig;
  /** The admin origin; the app knows it as SHOPIFY_API_ORIGIN. */
  url: string;
  storefrontUrl: string;
  appBridgeUrl: string;
  store: ShopData;
  webhooks: WebhookDispatcher;
  adminApi: AdminApiHandler;
  /** The admin page that embeds the app, e.g. …/store/demo-loyalty/apps/loyalty-repeat/settings. */
  adminAppUrl(appPath?: string): string;
  /** The dev store admin's Orders page (pay, fulfil, refund, cancel). */
  adminOrdersUrl: string;
  /** A fresh session token for the shop's owner, as the admin hands one to the embedded app. */
  sessionToken(): string;
  /** Saves the shop (with a dataFile), stops deliveries and both servers. */
  close(): Promise<void>;
}

export const DEFAULT_SHOP_PROFILE: Omit<NewShop, "myshopifyDomain"> = {
  name: "Demo Loyalty",
  email: "owner@demo-loyalty.example",
  customerEmail: "hello@demo-loyalty.example",
  currencyCode: "USD",
  enabledPresentmentCurrencies: ["USD", "EUR", "GBP", "CAD"],
  ianaTimezone: "America/New_York",
};

/** Starts the dev store: the shop's data, its Admin API, webhooks, admin and storefront. */
export async function startDevStore(options: DevStoreOptions): Promise<DevStore> {
  assertDevStoreAllowed(options);
  const now = options.now ?? (() => new Date());
  const config: DevStoreConfig = { ...options };

  const store =
    options.dataFile && existsSync(options.dataFile)
      ? await ShopData.load(options.dataFile, { now })
      : ShopData.create({ ...DEFAULT_SHOP_PROFILE, ...options.shopProfile, myshopifyDomain: options.shop }, { now });
  if (store.shop.myshopifyDomain !== options.shop) {
    throw new Error(`${options.dataFile} holds ${store.shop.myshopifyDomain}, not ${options.shop}`);
  }
  const autosave: ShopAutosave | null = options.dataFile ? autosaveShopData(store, options.dataFile) : null;

  const webhooks = createWebhookDispatcher({ config, now });
  const stopForwarding = store.events.on("webhook", (event) => webhooks.enqueue(event));

  const adminApi = createAdminApiHandler({ store, config, now });
  const sessionToken = () =>
    mintSessionToken({ shop: config.shop, apiKey: config.apiKey, apiSecret: config.apiSecret, now: now() });

  const admin = await listen(options.host, options.port ?? 0, [
    adminApi,
    createOAuthHandler({ store, config, now }),
    createAdminHostHandler({ config, mintSessionToken: (claims) => mintSessionToken({ ...claims, now: now() }), shopName: () => store.shop.name, now, shop: store }),
    createAppBridgeScriptHandler({ config }),
    ...(options.outboxDir ? [createOutboxHandler({ dir: options.outboxDir })] : []),
  ]);
  const storefront = await listen(options.host, options.storefrontPort ?? 0, [
    createStorefrontHandler({ config, view: storefrontViewOf(store), now, shop: store }),
  ]);
  const appHandle = readAppConfiguration(config.appTomlPath).handle;

  return {
    config,
    url: admin.url,
    storefrontUrl: storefront.url,
    appBridgeUrl: `${admin.url}${APP_BRIDGE_SCRIPT_PATH}`,
    store,
    webhooks,
    adminApi,
    adminOrdersUrl: `${admin.url}/store/${storeHandle(config.shop)}/orders`,
    adminAppUrl: (appPath = "") => `${admin.url}/store/${storeHandle(config.shop)}/apps/${appHandle}${appPath}`,
    sessionToken,
    async close() {
      // Work still finishing (a bulk operation, say) must not reach a closed dispatcher.
      stopForwarding();
      await webhooks.close();
      await Promise.all([admin.close(), storefront.close()]);
      await autosave?.stop();
    },
  };
}

/**
 * Installs the app on the dev shop the way Shopify's managed install does: the admin opens the
 * embedded app with a session token, the app exchanges it for an access token and runs its
 * after-install work. Resolves once the app answered the page and the shop holds the installation.
 */
export async function installApp(devStore: DevStore): Promise<void> {
  const { config } = devStore;
  const launch = embeddedAppUrl({
    appUrl: config.appUrl,
    appPath: "/app",
    shop: config.shop,
    apiSecret: config.apiSecret,
    idToken: devStore.sessionToken(),
    locale: "en",
    now: devStore.store.now(),
  });
  const response = await fetch(launch, { headers: { "sec-fetch-dest": "iframe", "user-agent": DESKTOP_USER_AGENT } });
  if (!response.ok) {
    throw new Error(`Installing on ${config.shop} failed: the app answered ${response.status} ${await response.text()}`);
  }
  if (!devStore.store.installation) {
    throw new Error(`The app answered ${launch.pathname} but never exchanged a session token for ${config.shop}`);
  }
}

/** A desktop Chrome: what the admin and shoppers browse with (the app turns bot-like agents away). */
export const DESKTOP_USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

async function listen(host: string | undefined, port: number, handlers: DevStoreRequestHandler[]) {
  const server = http.createServer((request, response) => {
    void (async () => {
      for (const handle of handlers) {
        if (await handle(request, response)) return;
      }
      response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not Found");
    })().catch((error: unknown) => {
      console.error("dev store:", error);
      if (!response.headersSent) response.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      response.end("Internal Server Error");
    });
  });
  const bindHost = host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, bindHost, () => resolve());
  });
  const { port: boundPort } = server.address() as { port: number };
  return {
    url: `http://${bindHost === "0.0.0.0" ? "localhost" : bindHost}:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
