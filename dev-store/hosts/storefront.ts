import { readFile } from "node:fs/promises";
import type http from "node:http";
import path from "node:path";

import { assertDevStoreAllowed, type DevStoreConfig } from "../config";
import { readAppConfiguration } from "./app-configuration";
import { appProxyTarget, forwardedRequestInit } from "./app-proxy";
import { html, trustedHtml, type Html } from "./html";
import {
  parseCookies,
  readRequestBody,
  redirect,
  RequestBodyTooLargeError,
  requestUrl,
  sendHtml,
  sendText,
  type DevStoreRequestHandler,
} from "../http";
import type { ShopData } from "../store/shop-data";
import { accountOrderPath, createCustomerAccountRoutes, customerAccountPages } from "./customer-account";
import { CART_COOKIE, createCheckoutRoutes, parseCart } from "./storefront-checkout";
import { createStorefrontLiquid, storefrontGlobals, type StorefrontGlobals } from "./storefront-liquid";
import { GUEST, problemsNotice, productGrid, SIGN_IN_PATH, storefrontLayout } from "./storefront-page";
import type { StorefrontCustomer, StorefrontView } from "./storefront-view";
import { loadThemeAppExtensions, renderThemeBlock, type ThemeAppExtension, type ThemeBlock } from "./theme-extension";

export interface StorefrontHostOptions {
  config: Pick<DevStoreConfig, "shop" | "apiKey" | "apiSecret" | "appUrl" | "appTomlPath" | "nodeEnv">;
  view: StorefrontView;
  /** Where theme app extensions live; the `extensions` folder beside shopify.app.toml by default. */
  extensionsDir?: string;
  fetch?: typeof fetch;
  now?: () => Date;
  locale?: string;
  /** The dev shop: with it the storefront has product pages, a cart, checkout and account sign-up. */
  shop?: ShopData;
}

/** Which customer the shopper is signed in as (a customer gid), kept by the browser. */
export const CUSTOMER_COOKIE = "dev_store_customer";
/** The code a shopper applied through /discount/<code>, as Shopify's online store keeps it for checkout. */
export const DISCOUNT_COOKIE = "discount_code";

const ASSET_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * The online store: a theme-like home page with the theme app extension's blocks, a customer
 * picker standing in for customer accounts, the extension's assets, and the app proxy.
 */
export function createStorefrontHandler(options: StorefrontHostOptions): DevStoreRequestHandler {
  const { config, view } = options;
  assertDevStoreAllowed(config);
  const app = readAppConfiguration(config.appTomlPath);
  const extensionsDir = options.extensionsDir ?? path.join(path.dirname(config.appTomlPath), "extensions");
  const send = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  const locale = options.locale ?? "en";
  const proxyPrefix = app.appProxy ? `/${app.appProxy.prefix}/${app.appProxy.subpath}` : null;

  function signedInCustomer(req: http.IncomingMessage): StorefrontCustomer | null {
    const id = parseCookies(req.headers.cookie).get(CUSTOMER_COOKIE);
    return id ? (view.customers().find((customer) => customer.id === id) ?? null) : null;
  }

  function globalsFor(req: http.IncomingMessage, url: URL, pageType: string): StorefrontGlobals {
    return storefrontGlobals({
      shopName: view.shopName,
      shopDomain: config.shop,
      currencyCode: view.currencyCode,
      customer: signedInCustomer(req),
      url,
      pageType,
      locale,
    });
  }

  function page(req: http.IncomingMessage, url: URL, parts: { title: string; head?: Html; content: Html; bodyEnd?: Html }): Html {
    return storefrontLayout({
      cartCount: options.shop ? parseCart(parseCookies(req.headers.cookie).get(CART_COOKIE)).reduce((sum, line) => sum + line.quantity, 0) : null,
      title: parts.title,
      shopName: view.shopName,
      customer: signedInCustomer(req),
      customers: view.customers(),
      returnTo: url.pathname + url.search,
      head: parts.head ?? html``,
      content: parts.content,
      bodyEnd: parts.bodyEnd ?? html``,
    });
  }

  async function renderBlocks(extensions: ThemeAppExtension[], pick: (extension: ThemeAppExtension) => ThemeBlock[], globals: StorefrontGlobals): Promise<Html> {
    const rendered: Html[] = [];
    for (const extension of extensions) {
      for (const block of pick(extension)) {
        try {
          rendered.push(trustedHtml(await renderThemeBlock({ extension, block, globals, locale })));
        } catch (error) {
          rendered.push(html`<div class="dev-store-problems" role="alert">Liquid error in ${extension.handle}/blocks/${block.name}.liquid: ${(error as Error).message}</div>`);
        }
      }
    }
    return html`${rendered}`;
  }

  async function homePage(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<true> {
    const globals = globalsFor(req, url, "index");
    const { extensions, problems } = loadThemeAppExtensions(extensionsDir);
    const appBlocks = await renderBlocks(extensions, (extension) => extension.appBlocks, globals);
    const hasAppBlocks = extensions.some((extension) => extension.appBlocks.length > 0);
    return sendHtml(
      res,
      200,
      page(req, url, {
        title: view.shopName,
        head: await renderBlocks(extensions, (extension) => extension.appEmbeds.filter((block) => block.target !== "body"), globals),
        content: html`${problemsNotice(problems)}
<section aria-labelledby="products-heading"><h2 id="products-heading">Products</h2>${productGrid(
  view.products().map((product) => (options.shop ? product : { ...product, variantId: undefined })),
  view.currencyCode,
)}</section>
${hasAppBlocks ? html`<section class="rewards" aria-labelledby="rewards-heading"><h2 id="rewards-heading">Rewards</h2>${appBlocks}</section>` : ""}`,
        bodyEnd: await renderBlocks(extensions, (extension) => extension.appEmbeds.filter((block) => block.target === "body"), globals),
      }),
    );
  }

  async function signIn(req: http.IncomingMessage, res: http.ServerResponse): Promise<true> {
    const form = new URLSearchParams((await readRequestBody(req, 16 * 1024)).toString("utf8"));
    const choice = form.get("customer");
    const returnTo = safeReturnPath(form.get("return_to"));
    if (choice === GUEST) {
      return redirectWithCookie(res, returnTo, `${CUSTOMER_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    }
    if (!choice || !view.customers().some((customer) => customer.id === choice)) {
      return sendText(res, 400, "No customer with an account has that id.");
    }
    return redirectWithCookie(res, returnTo, `${CUSTOMER_COOKIE}=${encodeURIComponent(choice)}; Path=/; HttpOnly; SameSite=Lax`);
  }

  async function extensionAsset(res: http.ServerResponse, handle: string, file: string): Promise<true> {
    const extension = loadThemeAppExtensions(extensionsDir).extensions.find((candidate) => candidate.handle === handle);
    const type = ASSET_TYPES[path.extname(file).toLowerCase()];
    if (!extension || !type || !/^[\w.-]+$/.test(file) || file.startsWith(".")) return sendText(res, 404, "No such asset.");
    try {
      const content = await readFile(path.join(extension.directory, "assets", file));
      res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" });
      res.end(content);
    } catch {
      sendText(res, 404, "No such asset.");
    }
    return true;
  }

  async function appProxy(req: http.IncomingMessage, res: http.ServerResponse, url: URL, target: URL): Promise<true> {
    let body: Buffer;
    try {
      body = await readRequestBody(req);
    } catch (error) {
      if (error instanceof RequestBodyTooLargeError) return sendText(res, 413, error.message);
      throw error;
    }
    let response: Response;
    try {
      response = await send(target, forwardedRequestInit(req, body));
    } catch (error) {
      return sendHtml(res, 502, page(req, url, { title: "App unavailable", content: html`<h1>The app did not answer</h1><p>${(error as Error).message}</p>` }));
    }
    const contentType = response.headers.get("content-type") ?? "";
    if (/^application\/liquid\b/i.test(contentType)) {
      // Shopify renders a Liquid answer inside the theme, with the storefront's objects.
      const liquid = await response.text();
      const engine = createStorefrontLiquid({ currencyCode: view.currencyCode });
      try {
        const markup = await engine.parseAndRender(liquid, globalsFor(req, url, "app_proxy"));
        return sendHtml(res, response.status, page(req, url, { title: view.shopName, content: trustedHtml(markup) }));
      } catch (error) {
        return sendHtml(res, 500, page(req, url, { title: "Liquid error", content: html`<h1>Liquid error in the app's response</h1><p>${(error as Error).message}</p>` }));
      }
    }
    // Set-Cookie and the app's other headers stay behind: the storefront's cookies are Shopify's.
    const headers: http.OutgoingHttpHeaders = {};
    if (contentType) headers["Content-Type"] = contentType;
    const location = response.headers.get("location");
    if (location) headers.Location = location;
    res.writeHead(response.status, headers);
    res.end(Buffer.from(await response.arrayBuffer()));
    return true;
  }

  const checkout = options.shop
    ? createCheckoutRoutes({
        shop: options.shop,
        customerCookie: CUSTOMER_COOKIE,
        discountCookie: DISCOUNT_COOKIE,
        page: (req, url, parts) => page(req, url, parts),
        customerAccount: { pages: () => customerAccountPages(extensionsDir), orderPath: accountOrderPath },
      })
    : null;
  // The app's customer account UI extensions, on the signed-in customer's account pages.
  const customerAccount = options.shop
    ? createCustomerAccountRoutes({
        config,
        shop: options.shop,
        extensionsDir,
        builtAppUrl: app.applicationUrl,
        customerCookie: CUSTOMER_COOKIE,
        locale,
        page: (req, url, parts) => page(req, url, parts),
      })
    : null;

  return async (req, res) => {
    const url = requestUrl(req);
    const isRead = req.method === "GET" || req.method === "HEAD";

    if (proxyPrefix && (url.pathname === proxyPrefix || url.pathname.startsWith(`${proxyPrefix}/`)) && app.appProxy) {
      const target = appProxyTarget({
        proxy: app.appProxy,
        appUrl: config.appUrl,
        storefrontUrl: url,
        shop: config.shop,
        customerId: signedInCustomer(req)?.id ?? null,
        apiSecret: config.apiSecret,
        now: now(),
      });
      if (target) return appProxy(req, res, url, target);
    }
    if ((url.pathname === "/" || url.pathname === "/storefront") && isRead) return homePage(req, res, url);
    if (url.pathname === SIGN_IN_PATH && req.method === "POST") return signIn(req, res);
    // Shopify's shareable discount link: the code is kept for checkout and the shopper sent on.
    const discountLink = /^\/discount\/([^/]+)$/.exec(url.pathname);
    if (discountLink && isRead) {
      const code = decodeURIComponent(discountLink[1]);
      return redirectWithCookie(res, safeReturnPath(url.searchParams.get("redirect")), `${DISCOUNT_COOKIE}=${encodeURIComponent(code)}; Path=/; SameSite=Lax`);
    }
    if (customerAccount && (await customerAccount(req, res))) return true;
    if (checkout && (await checkout(req, res))) return true;
    const asset = /^\/extensions\/([^/]+)\/assets\/([^/]+)$/.exec(url.pathname);
    if (asset && isRead) return extensionAsset(res, decodeURIComponent(asset[1]), decodeURIComponent(asset[2]));
    return false;
  };
}

/** Only a path on this storefront: never another origin (`//evil.example`). */
function safeReturnPath(value: string | null): string {
  return value && value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") ? value : "/";
}

function redirectWithCookie(res: http.ServerResponse, location: string, cookie: string): true {
  res.setHeader("Set-Cookie", cookie);
  return redirect(res, location);
}
