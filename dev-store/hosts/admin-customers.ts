/**
 * The dev store admin's Customers and Flow pages: what the merchant's own tools see of the app. Each
 * customer with their tags and metafields (the app's `$app:loyalty` points balance and tier among
 * them), and the Flow triggers the app sent, newest first, with their payloads.
 */
import type http from "node:http";

import { sendHtml, type DevStoreRequestHandler } from "../http";
import type { ShopData } from "../store/shop-data";
import { adminLayout } from "./admin-page";
import { html, type Html } from "./html";

const PAGE_SIZE = 50;

const STYLES = html`<style>
  .tools-page { padding: 20px; overflow: auto; }
  .tools-page h1 { font-size: 20px; margin: 0 0 12px; }
  .tools-page table { width: 100%; border-collapse: collapse; background: #fff; border-radius: 12px; overflow: hidden; margin-bottom: 16px; }
  .tools-page th, .tools-page td { padding: 8px 12px; border-bottom: 1px solid #e3e3e3; text-align: left; vertical-align: top; }
  .tools-page .tag { display: inline-block; padding: 2px 8px; margin: 0 4px 4px 0; border-radius: 8px; background: #e3e3e3; font-size: 12px; }
  .tools-page code { font-size: 12px; }
  .tools-page form { margin-bottom: 12px; }
</style>`;

export interface AdminShopToolsOptions {
  shop: ShopData;
  storePath: string;
  appName: string;
  appPath: string;
  shopName: () => string;
}

export function adminCustomersPath(storePath: string): string {
  return `${storePath}/customers`;
}

export function adminFlowPath(storePath: string): string {
  return `${storePath}/flow`;
}

/** The admin's Store links, the current one marked. */
export function storeLinks(storePath: string, current: "orders" | "customers" | "flow" | null): Html {
  const link = (href: string, label: string, name: typeof current) => html`<a href="${href}"${current === name ? html` aria-current="page"` : ""}>${label}</a>`;
  return html`<h2>Store</h2>${link(`${storePath}/orders`, "Orders", "orders")}${link(adminCustomersPath(storePath), "Customers", "customers")}${link(adminFlowPath(storePath), "Flow", "flow")}`;
}

export function createAdminShopToolsHandler(options: AdminShopToolsOptions): DevStoreRequestHandler {
  const { shop } = options;
  const customersPath = adminCustomersPath(options.storePath);
  const flowPath = adminFlowPath(options.storePath);

  function layout(title: string, current: "customers" | "flow", content: Html): Html {
    return adminLayout({
      title: `${title} · ${options.shopName()}`,
      shopName: options.shopName(),
      sidebar: html`${storeLinks(options.storePath, current)}<h2>Apps</h2><a class="app" href="${options.appPath}">${options.appName}</a>`,
      main: html`${STYLES}<div class="tools-page">${content}</div>`,
    });
  }

  function customersPage(res: http.ServerResponse, url: URL): true {
    const query = (url.searchParams.get("q") ?? "").trim().toLowerCase().slice(0, 100);
    const all = shop
      .customers()
      .slice()
      .reverse()
      .filter((customer) => !query || [customer.email, customer.firstName, customer.lastName, ...customer.tags].some((value) => value?.toLowerCase().includes(query)));
    const pageNumber = Math.max(1, Math.trunc(Number(url.searchParams.get("page") ?? "1")) || 1);
    const rows = all.slice((pageNumber - 1) * PAGE_SIZE, pageNumber * PAGE_SIZE);
    const next = new URL(url);
    next.searchParams.set("page", String(pageNumber + 1));
    return sendHtml(res, 200, layout("Customers", "customers", html`<h1>Customers</h1>
<form method="get" action="${customersPath}"><input type="search" name="q" value="${query}" aria-label="Search customers" placeholder="Name, email or tag"> <button type="submit">Search</button></form>
<p>${all.length} customer${all.length === 1 ? "" : "s"}, newest first.${all.length > pageNumber * PAGE_SIZE ? html` <a href="${next.pathname}${next.search}">More</a>` : ""}</p>
<table><thead><tr><th>Customer</th><th>Tags</th><th>Metafields</th></tr></thead><tbody>
${rows.map((customer) => html`<tr data-customer="${customer.id}"><td>${[customer.firstName, customer.lastName].filter(Boolean).join(" ") || "—"}<br><small>${customer.email ?? "no email"}</small></td>
<td>${customer.tags.map((tag) => html`<span class="tag">${tag}</span>`)}</td>
<td>${shop.metafieldsOf(customer.id).map((metafield) => html`<div><code>${metafield.namespace}.${metafield.key}</code> = <strong>${metafield.value}</strong></div>`)}</td></tr>`)}
</tbody></table>
<p>Metafield definitions: ${shop.metafieldDefinitions().map((definition) => html`<code>${definition.namespace}.${definition.key}</code> (${definition.name}, ${definition.type}) `)}</p>`));
  }

  function flowPage(res: http.ServerResponse): true {
    const runs = shop.flowTriggerRuns().slice(-100).reverse();
    return sendHtml(res, 200, layout("Flow", "flow", html`<h1>Flow: triggers received</h1>
<p>The ${runs.length} newest of ${shop.flowTriggerRuns().length} triggers the app sent (flowTriggerReceive), newest first.</p>
<table><thead><tr><th>Received</th><th>Trigger</th><th>Payload</th></tr></thead><tbody>
${runs.map((run) => html`<tr data-trigger="${run.handle}"><td>${run.receivedAt.replace("T", " ").replace("Z", " UTC")}</td><td>${run.handle}</td><td><code>${JSON.stringify(run.payload)}</code></td></tr>`)}
</tbody></table>`));
  }

  return async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const url = new URL(req.url ?? "/", "http://dev-store.invalid");
    if (url.pathname === customersPath) return customersPage(res, url);
    if (url.pathname === flowPath) return flowPage(res);
    return false;
  };
}
