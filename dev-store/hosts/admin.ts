import { readFileSync } from "node:fs";
import type http from "node:http";

import { assertDevStoreAllowed, type DevStoreConfig } from "../config";
import { readAppConfiguration } from "./app-configuration";
import type { ShopData } from "../store/shop-data";
import { createAdminShopToolsHandler } from "./admin-customers";
import { adminOrdersPath, createAdminOrdersHandler } from "./admin-orders";
import { adminPage, adminNotFoundPage } from "./admin-page";
import { embeddedAppUrl, storeHandle } from "./embedded-app-url";
import { isSameOriginRequest, redirect, requestUrl, sendHtml, sendJson, type DevStoreRequestHandler } from "../http";

/** Signs a session token (HS256 JWT) for the shop's admin user, as the admin does for an embedded app. */
export type MintSessionToken = (claims: {
  shop: string;
  apiKey: string;
  apiSecret: string;
  userId?: string;
}) => string | Promise<string>;

export interface AdminHostOptions {
  config: Pick<DevStoreConfig, "shop" | "apiKey" | "apiSecret" | "appUrl" | "appTomlPath" | "nodeEnv">;
  mintSessionToken: MintSessionToken;
  /** The shop's name in the admin's top bar; the store handle when omitted. */
  shopName?: () => string;
  /** The staff member signed in to the admin (the session token's `sub`). */
  staffUserId?: string;
  /** Where the app opens when the admin URL names no page of it. */
  appHomePath?: string;
  locale?: string;
  now?: () => Date;
  /** The dev shop: with it the admin has an Orders page where the merchant pays, fulfils, refunds and cancels. */
  shop?: ShopData;
}

export const SESSION_TOKEN_PATH = "/admin/session-token";
export const ADMIN_SCRIPT_PATH = "/admin/app-host.js";

const adminScript = readFileSync(new URL("./browser/admin-app-host.js", import.meta.url), "utf8");

/**
 * The Shopify admin as an embedded app sees it: /store/<shop>/apps/<app>[/<path>] frames the app at
 * {appUrl}/app[/<path>] with a fresh session token and a signed query, and answers App Bridge.
 */
export function createAdminHostHandler(options: AdminHostOptions): DevStoreRequestHandler {
  const { config } = options;
  assertDevStoreAllowed(config);
  const app = readAppConfiguration(config.appTomlPath);
  if (!app.embedded) throw new Error("shopify.app.toml: the dev store admin hosts embedded apps only (embedded = true)");
  const handle = storeHandle(config.shop);
  const storePath = `/store/${handle}`;
  const appHomePath = options.appHomePath ?? "/app";
  const now = options.now ?? (() => new Date());
  const mintToken = () =>
    Promise.resolve(
      options.mintSessionToken({ shop: config.shop, apiKey: config.apiKey, apiSecret: config.apiSecret, userId: options.staffUserId }),
    );
  const shopName = () => options.shopName?.() ?? handle;
  const orders = options.shop
    ? createAdminOrdersHandler({ shop: options.shop, storePath, appName: app.name, appPath: `${storePath}/apps/${app.handle}`, shopName })
    : null;
  const shopTools = options.shop
    ? createAdminShopToolsHandler({ shop: options.shop, storePath, appName: app.name, appPath: `${storePath}/apps/${app.handle}`, shopName })
    : null;

  return async (req, res) => {
    const url = requestUrl(req);
    if (url.pathname === SESSION_TOKEN_PATH) return answerSessionTokenRequest(req, res, mintToken);
    if (url.pathname === ADMIN_SCRIPT_PATH && isRead(req)) {
      res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" });
      res.end(adminScript);
      return true;
    }
    if (!url.pathname.startsWith("/store/")) return false;
    if (orders && (await orders(req, res))) return true;
    if (shopTools && (await shopTools(req, res))) return true;
    if (!isRead(req)) return false;

    if (url.pathname === storePath || url.pathname === `${storePath}/`) return redirect(res, `${storePath}/apps/${app.handle}`, 302);
    const appPage = new RegExp(`^${storePath}/apps/([^/]+)(/.*)?$`).exec(url.pathname);
    if (!appPage || (appPage[1] !== app.handle && appPage[1] !== config.apiKey)) {
      return sendHtml(res, 404, adminNotFoundPage({ shopName: shopName(), storePath, appName: app.name, appPath: `${storePath}/apps/${app.handle}` }));
    }

    const subpath = appPage[2] && appPage[2] !== "/" ? appPage[2] : "";
    const frameUrl = embeddedAppUrl({
      appUrl: config.appUrl,
      appPath: `${appHomePath}${subpath}`,
      search: url.searchParams,
      shop: config.shop,
      apiSecret: config.apiSecret,
      idToken: await mintToken(),
      locale: options.locale ?? "en",
      now: now(),
    });
    const appOrigin = new URL(config.appUrl).origin;
    return sendHtml(
      res,
      200,
      adminPage({
        shopName: shopName(),
        appName: app.name,
        frameUrl: frameUrl.toString(),
        context: {
          appOrigin,
          appName: app.name,
          appHomePath,
          shop: config.shop,
          adminStorePath: storePath,
          adminAppPath: `${storePath}/apps/${app.handle}`,
          sessionTokenUrl: SESSION_TOKEN_PATH,
        },
        scriptUrl: ADMIN_SCRIPT_PATH,
        ordersPath: orders ? adminOrdersPath(storePath) : undefined,
        storePath: orders ? storePath : undefined,
      }),
      {
        "Content-Security-Policy": `frame-src ${appOrigin}; script-src 'self'; frame-ancestors 'none'`,
        "Referrer-Policy": "same-origin",
      },
    );
  };
}

/** Only the admin page itself may ask for tokens: a same-origin POST from the browser. */
async function answerSessionTokenRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  mintToken: () => Promise<string>,
): Promise<true> {
  if (req.method !== "POST") return sendJson(res, 405, { error: "Use POST" }, { Allow: "POST" });
  if (!isSameOriginRequest(req)) return sendJson(res, 403, { error: "Session tokens are issued to the admin page only" });
  return sendJson(res, 200, { token: await mintToken() });
}

function isRead(req: http.IncomingMessage): boolean {
  return req.method === "GET" || req.method === "HEAD";
}
