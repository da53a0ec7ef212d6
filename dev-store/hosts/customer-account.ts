/**
 * Customer accounts on the dev storefront, as far as an app's customer account UI extensions reach:
 * the full pages their `customer-account.page.render` targets add (/account/pages/<handle>), each
 * order's status page (/account/orders/<id>) with the `customer-account.order-status.block.render`
 * blocks, and the session token `shopify.sessionToken.get()` gives the signed-in customer. Each target
 * runs in its own frame with the host script (browser/customer-account-host.js), which loads the
 * extension's committed bundle (extensions/<name>/bundle/<target>.js, `npm run build:account`).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type http from "node:http";
import path from "node:path";
import { parse } from "smol-toml";

import { assertDevStoreAllowed, type DevStoreConfig } from "../config";
import { mintCustomerAccountSessionToken } from "../oauth/session-token";
import { legacyResourceId } from "../store/gid";
import type { OrderRecord } from "../store/records";
import type { ShopData } from "../store/shop-data";
import { html, scriptJson, trustedHtml, type Html } from "./html";
import { parseCookies, requestUrl, sendHtml, sendJson, sendText, type DevStoreRequestHandler } from "../http";

export const FULL_PAGE_TARGET = "customer-account.page.render";
export const ORDER_STATUS_BLOCK_TARGET = "customer-account.order-status.block.render";
const SESSION_TOKEN_PATH = "/account/session-token";
const hostScript = readFileSync(new URL("./browser/customer-account-host.js", import.meta.url), "utf8");

/** A UI extension with customer account targets, as its shopify.extension.toml declares it. */
export interface CustomerAccountExtension {
  handle: string;
  name: string;
  directory: string;
  apiVersion: string;
  capabilities: Record<string, unknown>;
  targets: string[];
}

/** The app's UI extensions that target customer accounts (folders of `extensionsDir` with such targets). */
export function loadCustomerAccountExtensions(extensionsDir: string): CustomerAccountExtension[] {
  if (!existsSync(extensionsDir)) return [];
  const found: CustomerAccountExtension[] = [];
  for (const entry of readdirSync(extensionsDir, { withFileTypes: true })) {
    const tomlPath = path.join(extensionsDir, entry.name, "shopify.extension.toml");
    if (!entry.isDirectory() || !existsSync(tomlPath)) continue;
    const toml = parse(readFileSync(tomlPath, "utf8")) as {
      api_version?: string;
      extensions?: { type?: string; handle?: string; name?: string; capabilities?: Record<string, unknown>; targeting?: { target: string }[] }[];
    };
    for (const extension of toml.extensions ?? []) {
      const targets = (extension.targeting ?? []).map((entry) => entry.target).filter((target) => target.startsWith("customer-account."));
      if (extension.type !== "ui_extension" || targets.length === 0 || !extension.handle) continue;
      found.push({
        handle: extension.handle,
        name: extension.name ?? extension.handle,
        directory: path.join(extensionsDir, entry.name),
        apiVersion: toml.api_version ?? "unstable",
        capabilities: extension.capabilities ?? {},
        targets,
      });
    }
  }
  return found;
}

export interface CustomerAccountRoutesOptions {
  config: Pick<DevStoreConfig, "shop" | "apiKey" | "apiSecret" | "appUrl" | "nodeEnv">;
  shop: ShopData;
  extensionsDir: string;
  /** shopify.app.toml's application_url: where the extension's bundle believes the app is. */
  builtAppUrl: string | null;
  customerCookie: string;
  locale: string;
  page: (req: http.IncomingMessage, url: URL, parts: { title: string; content: Html; head?: Html; bodyEnd?: Html }) => Html;
}

/** The links the storefront's account page shows to the extensions' full pages. */
export function customerAccountPages(extensionsDir: string): { title: string; path: string }[] {
  return loadCustomerAccountExtensions(extensionsDir)
    .filter((extension) => extension.targets.includes(FULL_PAGE_TARGET))
    .map((extension) => ({ title: extension.name, path: `/account/pages/${extension.handle}` }));
}

/** The customer account's page for one order. */
export const accountOrderPath = (order: Pick<OrderRecord, "id">) => `/account/orders/${legacyResourceId(order.id)}`;

export function createCustomerAccountRoutes(options: CustomerAccountRoutesOptions): DevStoreRequestHandler {
  const { config, shop } = options;
  assertDevStoreAllowed(config);

  function signedInCustomerId(req: http.IncomingMessage): string | null {
    const id = parseCookies(req.headers.cookie).get(options.customerCookie);
    const customer = id ? shop.customer(id) : undefined;
    return customer && customer.state === "ENABLED" ? customer.id : null;
  }

  function extension(handle: string): CustomerAccountExtension | undefined {
    return loadCustomerAccountExtensions(options.extensionsDir).find((candidate) => candidate.handle === handle);
  }

  function ownOrder(customerId: string, legacyId: string): OrderRecord | undefined {
    return shop.ordersOf(customerId).find((order) => String(legacyResourceId(order.id)) === legacyId);
  }

  /** Where a target renders: a frame that grows to what the extension drew. */
  function targetFrame(handle: string, target: string, query: URLSearchParams = new URLSearchParams()): Html {
    const frameId = `${handle}--${target}`;
    const src = `/account/extensions/${encodeURIComponent(handle)}/${encodeURIComponent(target)}${query.size ? `?${query}` : ""}`;
    return html`<iframe class="customer-account-extension" id="${frameId}" title="${handle}" src="${src}" allow="clipboard-write" style="width:100%;border:0;min-height:120px"></iframe>
<script>addEventListener("message", (event) => { if (event.origin !== location.origin || event.data?.customerAccountFrame !== ${scriptJson(frameId)}) return; document.getElementById(${scriptJson(frameId)}).style.height = event.data.height + "px"; });</script>`;
  }

  function signInFirst(req: http.IncomingMessage, res: http.ServerResponse, url: URL): true {
    return sendHtml(res, 401, options.page(req, url, { title: "Sign in", content: html`<h1>Sign in to see your account</h1><p>Choose a customer in the header, or <a href="/account/register">create an account</a>.</p>` }));
  }

  function fullPage(req: http.IncomingMessage, res: http.ServerResponse, url: URL, handle: string): boolean {
    const found = extension(handle);
    if (!found || !found.targets.includes(FULL_PAGE_TARGET)) return false;
    if (!signedInCustomerId(req)) return signInFirst(req, res, url);
    return sendHtml(res, 200, options.page(req, url, { title: found.name, content: html`<p><a href="/account">← Your account</a></p>${targetFrame(handle, FULL_PAGE_TARGET)}` }));
  }

  function orderStatusPage(req: http.IncomingMessage, res: http.ServerResponse, url: URL, legacyId: string): true {
    const customerId = signedInCustomerId(req);
    if (!customerId) return signInFirst(req, res, url);
    const order = ownOrder(customerId, legacyId);
    if (!order) return sendHtml(res, 404, options.page(req, url, { title: "Order not found", content: html`<h1>Order not found</h1>` }));
    const blocks = loadCustomerAccountExtensions(options.extensionsDir).filter((candidate) => candidate.targets.includes(ORDER_STATUS_BLOCK_TARGET));
    return sendHtml(res, 200, options.page(req, url, {
      title: `Order ${order.name}`,
      content: html`<p><a href="/account">← Your account</a></p>
<h1>Order ${order.name}</h1>
<p>Placed ${order.createdAt.slice(0, 10)} · ${order.cancelledAt ? "Cancelled" : order.financialStatus === "paid" ? "Paid" : "Payment pending"} · Confirmation ${order.confirmationNumber}</p>
${blocks.map((block) => targetFrame(block.handle, ORDER_STATUS_BLOCK_TARGET, new URLSearchParams({ order: legacyId })))}`,
    }));
  }

  /** The frame document one target renders in: the host script, then the extension's bundle. */
  function targetDocument(req: http.IncomingMessage, res: http.ServerResponse, url: URL, handle: string, target: string): boolean {
    const found = extension(handle);
    if (!found || !found.targets.includes(target)) return false;
    const customerId = signedInCustomerId(req);
    if (!customerId) return sendText(res, 401, "Sign in first.");
    let order: { id: string; name: string; confirmationNumber: string; processedAt: string } | null = null;
    if (target.startsWith("customer-account.order-status.")) {
      const own = ownOrder(customerId, url.searchParams.get("order") ?? "");
      if (!own) return sendText(res, 404, "No such order.");
      order = { id: own.id, name: own.name, confirmationNumber: own.confirmationNumber, processedAt: own.processedAt };
    }
    const localeFile = path.join(found.directory, "locales", `${options.locale}.default.json`);
    const host = {
      frameId: `${handle}--${target}`,
      target,
      apiVersion: found.apiVersion,
      capabilities: Object.keys(found.capabilities).filter((key) => found.capabilities[key] === true),
      bundleUrl: `/account/extensions/${encodeURIComponent(handle)}/bundle/${encodeURIComponent(target)}.js`,
      locale: options.locale,
      currencyCode: shop.shop.currencyCode,
      translations: existsSync(localeFile) ? JSON.parse(readFileSync(localeFile, "utf8")) : {},
      // Without network access Shopify blocks the extension's calls: so does this host.
      builtAppUrl: found.capabilities.network_access === true ? options.builtAppUrl : null,
      appUrl: config.appUrl.replace(/\/+$/, ""),
      order,
    };
    return sendHtml(res, 200, html`<html lang="${options.locale}"><head><meta charset="utf-8"><title>${found.name}</title>
<style>body{margin:0;padding:2px;font:15px/1.5 system-ui,sans-serif;color:#303030;background:transparent}</style></head>
<body><script type="application/json" id="customer-account-host">${scriptJson(host)}</script><script>${trustedHtml(hostScript)}</script></body></html>`);
  }

  function bundle(res: http.ServerResponse, handle: string, target: string): boolean {
    const found = extension(handle);
    if (!found || !found.targets.includes(target)) return false;
    const file = path.join(found.directory, "bundle", `${target}.js`);
    if (!existsSync(file)) return sendText(res, 404, `No bundle for ${target}: run npm run build:account.`);
    res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" });
    res.end(readFileSync(file));
    return true;
  }

  function sessionToken(req: http.IncomingMessage, res: http.ServerResponse): true {
    const customerId = signedInCustomerId(req);
    if (!customerId) return sendJson(res, 401, { error: "No customer is signed in." });
    const now = new Date();
    const token = mintCustomerAccountSessionToken({ shop: config.shop, apiKey: config.apiKey, apiSecret: config.apiSecret, customerGid: customerId, now });
    const { exp } = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as { exp: number };
    return sendJson(res, 200, { token, expiresAt: exp });
  }

  return async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const url = requestUrl(req);
    if (url.pathname === SESSION_TOKEN_PATH) return sessionToken(req, res);
    const page = /^\/account\/pages\/([\w-]+)$/.exec(url.pathname);
    if (page) return fullPage(req, res, url, page[1]);
    const order = /^\/account\/orders\/(\d{1,20})$/.exec(url.pathname);
    if (order) return orderStatusPage(req, res, url, order[1]);
    const script = /^\/account\/extensions\/([\w-]+)\/bundle\/([\w.-]+)\.js$/.exec(url.pathname);
    if (script) return bundle(res, script[1], decodeURIComponent(script[2]));
    const frame = /^\/account\/extensions\/([\w-]+)\/([\w.-]+)$/.exec(url.pathname);
    if (frame) return targetDocument(req, res, url, frame[1], decodeURIComponent(frame[2]));
    return false;
  };
}
