/**
 * The dev store admin's Orders: the shop's orders and the merchant's actions on one (mark as paid,
 * fulfil, refund some or all items, cancel). Each goes through `ShopData`, which updates the
 * records and fires what Shopify fires: orders/paid, orders/fulfilled, refunds/create,
 * orders/cancelled, each with orders/updated (delivered only where the app subscribes).
 */
import type http from "node:http";

import { isSameOriginRequest, readRequestBody, redirect, sendHtml, type DevStoreRequestHandler } from "../http";
import { currentQuantity, orderTotals } from "../store/order-pricing";
import type { OrderRecord } from "../store/records";
import { ShopRuleError, type ShopData } from "../store/shop-data";
import { storeLinks } from "./admin-customers";
import { adminLayout } from "./admin-page";
import { html, type Html } from "./html";
import { formatPrice } from "./storefront-view";

const PAGE_SIZE = 50;

const ORDER_STYLES = html`<style>
  .orders-page { padding: 20px; overflow: auto; }
  .orders-page h1 { font-size: 20px; margin: 0 0 12px; }
  .orders-page table { width: 100%; border-collapse: collapse; background: #fff; border-radius: 12px; overflow: hidden; margin-bottom: 16px; }
  .orders-page th, .orders-page td { padding: 8px 12px; border-bottom: 1px solid #e3e3e3; text-align: left; vertical-align: middle; }
  .orders-page form.inline { display: inline; }
  .orders-page .card { background: #fff; border-radius: 12px; padding: 16px; margin-bottom: 16px; }
  .orders-page .badge { display: inline-block; padding: 2px 8px; border-radius: 8px; background: #e3e3e3; font-size: 12px; }
  .orders-page .badge.paid, .orders-page .badge.fulfilled { background: #cdfee1; }
  .orders-page .badge.pending, .orders-page .badge.partially_paid, .orders-page .badge.unfulfilled { background: #ffeb78; }
  .orders-page .badge.cancelled, .orders-page .badge.refunded { background: #fed1d7; }
  .orders-page .notice { padding: 10px 12px; border-radius: 8px; background: #cdfee1; margin-bottom: 12px; }
  .orders-page .notice.error { background: #fed1d7; color: #8e1f0b; }
  .orders-page input[type=number] { width: 64px; }
</style>`;

export interface AdminOrdersOptions {
  shop: ShopData;
  /** /store/<handle> */
  storePath: string;
  appName: string;
  appPath: string;
  shopName: () => string;
}

export function adminOrdersPath(storePath: string): string {
  return `${storePath}/orders`;
}

export function createAdminOrdersHandler(options: AdminOrdersOptions): DevStoreRequestHandler {
  const { shop } = options;
  const base = adminOrdersPath(options.storePath);
  const money = (minor: number) => formatPrice(minor, shop.shop.currencyCode);
  const orderByNumber = (number: string) => shop.orders().find((order) => String(order.number) === number);

  function layout(title: string, content: Html): Html {
    return adminLayout({
      title: `${title} · ${options.shopName()}`,
      shopName: options.shopName(),
      sidebar: html`${storeLinks(options.storePath, "orders")}<h2>Apps</h2><a class="app" href="${options.appPath}">${options.appName}</a>`,
      main: html`${ORDER_STYLES}<div class="orders-page">${content}</div>`,
    });
  }

  function listPage(res: http.ServerResponse, url: URL): true {
    const all = shop.orders().slice().reverse();
    const pageNumber = Math.max(1, Math.trunc(Number(url.searchParams.get("page") ?? "1")) || 1);
    const rows = all.slice((pageNumber - 1) * PAGE_SIZE, pageNumber * PAGE_SIZE);
    return sendHtml(res, 200, layout("Orders", html`<h1>Orders</h1>
<p>${all.length} orders, newest first.${all.length > pageNumber * PAGE_SIZE ? html` <a href="${base}?page=${pageNumber + 1}">Older orders</a>` : ""}</p>
<table><thead><tr><th>Order</th><th>Date</th><th>Customer</th><th>Payment</th><th>Fulfilment</th><th>Total</th><th>Actions</th></tr></thead><tbody>
${rows.map((order) => html`<tr data-order="${order.name}"><td><a href="${base}/${order.number}">${order.name}</a></td><td>${order.createdAt.slice(0, 16).replace("T", " ")}</td>
<td>${customerLabel(shop, order)}</td><td>${paymentBadge(order)}</td><td>${fulfilmentBadge(order)}</td><td>${money(orderTotals(order).current.total.shop)}</td>
<td>${actionButtons(order, `${base}/${order.number}`, false)}</td></tr>`)}
</tbody></table>`));
  }

  function orderPage(res: http.ServerResponse, order: OrderRecord, notice: { text: string; error: boolean } | null, status = 200): true {
    const totals = orderTotals(order);
    const path = `${base}/${order.number}`;
    const refundable = order.lineItems.filter((line) => currentQuantity(order, line) > 0);
    const canRefund = (order.financialStatus === "paid" || order.financialStatus === "partially_refunded") && !order.cancelledAt;
    return sendHtml(res, status, layout(`Order ${order.name}`, html`<p><a href="${base}">← Orders</a></p>
<h1>Order ${order.name} ${paymentBadge(order)} ${fulfilmentBadge(order)}</h1>
${notice ? html`<p class="notice${notice.error ? " error" : ""}" role="${notice.error ? "alert" : "status"}">${notice.text}</p>` : ""}
<div class="card"><p>${customerLabel(shop, order)} · placed ${order.createdAt.replace("T", " ").replace("Z", " UTC")}</p>
${actionButtons(order, path, true)}</div>
<table><thead><tr><th>Item</th><th>Quantity</th><th>Refunded</th><th>Price</th></tr></thead><tbody>
${order.lineItems.map((line) => html`<tr><td>${line.title}</td><td>${line.quantity}</td><td>${line.quantity - (order.cancelledAt ? line.quantity : currentQuantity(order, line))}</td><td>${money(line.unitPrice.shop)}</td></tr>`)}
</tbody></table>
<table><tbody>
<tr><th>Subtotal</th><td>${money(totals.subtotal.shop)}</td></tr>
${order.discountCodes.map((code) => html`<tr><th>Discount ${code.code}</th><td>−${money(code.amount.shop)}</td></tr>`)}
<tr><th>Shipping</th><td>${money(totals.shipping.shop)}</td></tr>
<tr><th>Tax</th><td>${money(totals.tax.shop)}</td></tr>
<tr><th>Total</th><td>${money(totals.total.shop)}</td></tr>
<tr><th>Refunded</th><td>${money(totals.refunded.shop)}</td></tr>
</tbody></table>
${canRefund && (refundable.length > 0 || totals.current.shipping.shop > 0)
  ? html`<form method="post" action="${path}/refund" class="card" aria-label="Refund">
<h2>Refund</h2>
${refundable.map((line) => html`<label>${line.title} <input type="number" name="quantity:${line.id}" value="0" min="0" max="${currentQuantity(order, line)}" aria-label="Refund quantity of ${line.title}"> of ${currentQuantity(order, line)}</label>`)}
${totals.current.shipping.shop > 0 ? html`<label><input type="checkbox" name="shipping" value="1"> Refund shipping (${money(totals.current.shipping.shop)})</label>` : ""}
<p><button type="submit" name="all" value="0">Refund selected</button> <button type="submit" name="all" value="1">Refund everything</button></p>
</form>`
  : ""}`));
  }

  async function act(req: http.IncomingMessage, res: http.ServerResponse, order: OrderRecord, action: string): Promise<true> {
    const form = new URLSearchParams((await readRequestBody(req, 64 * 1024)).toString("utf8"));
    let done: string;
    try {
      switch (action) {
        case "pay":
          shop.markOrderPaid(order.id);
          done = `${order.name} is marked as paid`;
          break;
        case "fulfil":
          shop.fulfillOrder(order.id);
          done = `${order.name} is fulfilled`;
          break;
        case "cancel":
          shop.cancelOrder(order.id, { reason: "customer", staffNote: form.get("note") || null });
          done = `${order.name} is cancelled`;
          break;
        case "refund": {
          const all = form.get("all") === "1";
          const lineItems = order.lineItems
            .map((line) => ({ lineItemId: line.id, quantity: all ? currentQuantity(order, line) : Math.trunc(Number(form.get(`quantity:${line.id}`) ?? "0")) || 0 }))
            .filter((line) => line.quantity > 0);
          const shipping = all ? orderTotals(order).current.shipping.shop > 0 : form.get("shipping") === "1";
          shop.refundOrder(order.id, { lineItems, ...(shipping ? { shipping: true as const } : {}) });
          done = `Refunded ${money(orderTotals(order).refunded.shop)} on ${order.name} so far`;
          break;
        }
        default:
          return sendHtml(res, 404, layout("Not found", html`<h1>No such action</h1>`));
      }
    } catch (error) {
      if (!(error instanceof ShopRuleError)) throw error;
      return orderPage(res, order, { text: error.message, error: true }, 422);
    }
    return redirect(res, `${base}/${order.number}?done=${encodeURIComponent(done)}`);
  }

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://admin.invalid");
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return false;
    const isRead = req.method === "GET" || req.method === "HEAD";
    if (url.pathname === base && isRead) return listPage(res, url);
    const match = /^\/(\d+)(?:\/(pay|fulfil|refund|cancel))?$/.exec(url.pathname.slice(base.length));
    const order = match ? orderByNumber(match[1]) : undefined;
    if (!match || !order) return sendHtml(res, 404, layout("Not found", html`<h1>No such order</h1><p><a href="${base}">Orders</a></p>`));
    if (!match[2] && isRead) {
      const done = url.searchParams.get("done");
      return orderPage(res, order, done ? { text: done, error: false } : null);
    }
    if (match[2] && req.method === "POST") {
      // Only the admin's own pages may act on orders (a same-origin form post).
      if (!isSameOriginRequest(req)) return sendHtml(res, 403, layout("Forbidden", html`<h1>Order actions come from the admin's own pages</h1>`));
      return act(req, res, order, match[2]);
    }
    return false;
  };
}

function customerLabel(shop: ShopData, order: OrderRecord): string {
  const customer = order.customerId ? shop.customer(order.customerId) : undefined;
  const name = customer ? [customer.firstName, customer.lastName].filter(Boolean).join(" ") : "";
  return name ? `${name} (${order.email ?? "no email"})` : (order.email ?? "No customer");
}

function paymentBadge(order: OrderRecord): Html {
  if (order.cancelledAt) return html`<span class="badge cancelled">Cancelled</span>`;
  const label = { pending: "Payment pending", paid: "Paid", partially_paid: "Partially paid", partially_refunded: "Partially refunded", refunded: "Refunded", voided: "Voided" }[order.financialStatus];
  return html`<span class="badge ${order.financialStatus}">${label}</span>`;
}

function fulfilmentBadge(order: OrderRecord): Html {
  return order.fulfillment ? html`<span class="badge fulfilled">Fulfilled</span>` : html`<span class="badge unfulfilled">Unfulfilled</span>`;
}

function actionButtons(order: OrderRecord, path: string, detailed: boolean): Html {
  const button = (action: string, label: string) => html`<form class="inline" method="post" action="${path}/${action}"><button type="submit">${label}</button></form>`;
  return html`${(order.financialStatus === "pending" || order.financialStatus === "partially_paid") && !order.cancelledAt ? button("pay", "Mark as paid") : ""}
${!order.cancelledAt && !order.fulfillment ? button("fulfil", "Fulfil") : ""}
${!detailed && (order.financialStatus === "paid" || order.financialStatus === "partially_refunded") && !order.cancelledAt ? html`<a href="${path}">Refund…</a>` : ""}
${!order.cancelledAt ? button("cancel", "Cancel order") : ""}`;
}
