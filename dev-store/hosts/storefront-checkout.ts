/**
 * The online store's cart, checkout and account sign-up, on the dev shop's records: what a shopper
 * needs to try the loyalty loop by hand. The cart lives in a cookie on the storefront origin; the
 * checkout places the order through `ShopData.createOrder`, which fires orders/create (and
 * orders/paid when paid at checkout) as Shopify does; signing up fires customers/create.
 */
import type http from "node:http";

import { parseCookies, readRequestBody, redirect, sendHtml, type DevStoreRequestHandler } from "../http";
import type { OrderRecord } from "../store/records";
import { ShopRuleError, type ShopData } from "../store/shop-data";
import { formatMinorUnits } from "../store/money";
import { orderTotals } from "../store/order-pricing";
import { html, type Html } from "./html";
import { formatPrice } from "./storefront-view";

/** The cart: variant ids (numeric part) and quantities, kept by the shopper's browser. */
export const CART_COOKIE = "cart";
/** Standard shipping, free from this subtotal (minor units of the shop currency). */
export const STANDARD_SHIPPING = { title: "Standard", priceMinorUnits: 599, freeFromMinorUnits: 5000 };
const MAX_LINES = 20;
const MAX_QUANTITY = 99;

export interface CartLineCookie {
  variantId: string;
  quantity: number;
}

export function parseCart(value: string | undefined): CartLineCookie[] {
  if (!value) return [];
  const lines: CartLineCookie[] = [];
  for (const part of value.split("|").slice(0, MAX_LINES)) {
    const match = /^(\d{1,20})x(\d{1,2})$/.exec(part);
    if (!match) continue;
    const quantity = Math.min(Number(match[2]), MAX_QUANTITY);
    if (quantity > 0) lines.push({ variantId: `gid://shopify/ProductVariant/${match[1]}`, quantity });
  }
  return lines;
}

export function serializeCart(lines: CartLineCookie[]): string {
  return lines.map((line) => `${line.variantId.split("/").pop()}x${line.quantity}`).join("|");
}

export interface CheckoutRoutesOptions {
  shop: ShopData;
  customerCookie: string;
  discountCookie: string;
  /** The storefront's page frame (header, customer picker, footer). */
  page(req: http.IncomingMessage, url: URL, parts: { title: string; content: Html }): Html;
  /** The app's customer account pages the account links to, and each order's page in the account. */
  customerAccount?: { pages(): { title: string; path: string }[]; orderPath(order: OrderRecord): string };
}

/** The shopping routes: /products/<handle>, /cart, /checkout, /account/register, /orders/<token>. */
export function createCheckoutRoutes(options: CheckoutRoutesOptions): DevStoreRequestHandler {
  const { shop } = options;
  const currency = () => shop.shop.currencyCode;
  const money = (minor: number) => formatPrice(minor, currency());

  function cartOf(req: http.IncomingMessage): CartLineCookie[] {
    return parseCart(parseCookies(req.headers.cookie).get(CART_COOKIE)).filter((line) => shop.variant(line.variantId));
  }
  function customerIdOf(req: http.IncomingMessage): string | null {
    const id = parseCookies(req.headers.cookie).get(options.customerCookie);
    return id && shop.customer(id)?.state === "ENABLED" ? id : null;
  }
  function discountCodeOf(req: http.IncomingMessage): string | null {
    return parseCookies(req.headers.cookie).get(options.discountCookie) || null;
  }
  function shippingFor(lines: CartLineCookie[]): number {
    const subtotal = lines.reduce((sum, line) => sum + shop.variant(line.variantId)!.price * line.quantity, 0);
    return subtotal >= STANDARD_SHIPPING.freeFromMinorUnits ? 0 : STANDARD_SHIPPING.priceMinorUnits;
  }
  const cartCookie = (lines: CartLineCookie[]) =>
    lines.length > 0 ? `${CART_COOKIE}=${serializeCart(lines)}; Path=/; SameSite=Lax` : `${CART_COOKIE}=; Path=/; SameSite=Lax; Max-Age=0`;
  const discountCookie = (code: string | null) =>
    code ? `${options.discountCookie}=${encodeURIComponent(code)}; Path=/; SameSite=Lax` : `${options.discountCookie}=; Path=/; SameSite=Lax; Max-Age=0`;

  async function form(req: http.IncomingMessage): Promise<URLSearchParams> {
    return new URLSearchParams((await readRequestBody(req, 64 * 1024)).toString("utf8"));
  }

  function productPage(req: http.IncomingMessage, res: http.ServerResponse, url: URL, handle: string): true | false {
    const product = shop.products().find((candidate) => candidate.handle === handle && candidate.status === "ACTIVE");
    if (!product) return false;
    return sendHtml(res, 200, options.page(req, url, {
      title: product.title,
      content: html`<article class="product-page">
<h1>${product.title}</h1>
<p class="price">${money(Math.min(...product.variants.map((variant) => variant.price)))}</p>
<form method="post" action="/cart/add" class="add-to-cart">
${product.variants.length > 1
  ? html`<label>Option <select name="id">${product.variants.map((variant) => html`<option value="${variant.id}">${variant.title} · ${money(variant.price)}</option>`)}</select></label>`
  : html`<input type="hidden" name="id" value="${product.variants[0].id}">`}
<label>Quantity <input type="number" name="quantity" value="1" min="1" max="${MAX_QUANTITY}"></label>
<button type="submit">Add to cart</button>
</form>
</article>`,
    }));
  }

  function cartSummary(req: http.IncomingMessage, lines: CartLineCookie[], code: string | null) {
    return shop.priceCheckout({ customerId: customerIdOf(req), lineItems: lines, shippingPrice: shippingFor(lines), discountCode: code });
  }

  function cartPage(req: http.IncomingMessage, res: http.ServerResponse, url: URL, problem: string | null = null, status = 200): true {
    const lines = cartOf(req);
    const code = discountCodeOf(req);
    if (lines.length === 0) {
      return sendHtml(res, status, options.page(req, url, { title: "Your cart", content: html`<h1>Your cart</h1>${notice(problem)}<p>Your cart is empty.</p><p><a href="/">Continue shopping</a></p>` }));
    }
    const price = cartSummary(req, lines, code);
    return sendHtml(res, status, options.page(req, url, {
      title: "Your cart",
      content: html`<h1>Your cart</h1>${notice(problem)}
<form method="post" action="/cart/update" class="cart">
<table class="cart-lines"><thead><tr><th>Product</th><th>Price</th><th>Quantity</th><th>Total</th></tr></thead><tbody>
${lines.map((line) => {
  const variant = shop.variant(line.variantId)!;
  const product = shop.product(variant.productId)!;
  return html`<tr data-variant="${variant.id}"><td>${product.title}${variant.title === "Default Title" ? "" : html` · ${variant.title}`}</td><td>${money(variant.price)}</td>
<td><input aria-label="Quantity of ${product.title}" type="number" name="quantity:${variant.id}" value="${line.quantity}" min="0" max="${MAX_QUANTITY}"></td><td>${money(variant.price * line.quantity)}</td></tr>`;
})}
</tbody></table>
<button type="submit">Update cart</button>
</form>
${discountForm(code, price.codeRefused)}
${totalsTable(price, code)}
<p><a class="button" href="/checkout">Check out</a></p>`,
    }));
  }

  function discountForm(code: string | null, refused: string | null): Html {
    if (code && !refused) {
      return html`<form method="post" action="/cart/discount" class="discount"><p>Discount code <strong data-testid="applied-code">${code}</strong> applied.</p>
<input type="hidden" name="code" value=""><button type="submit">Remove</button></form>`;
    }
    return html`<form method="post" action="/cart/discount" class="discount">
${refused ? html`<p class="error" role="alert">${refused}</p>` : ""}
<label>Discount code <input name="code" value="${code ?? ""}" autocomplete="off"></label> <button type="submit">Apply</button></form>`;
  }

  /** The signed-in buyer's store credit in the shop currency, minor units. */
  function storeCreditOf(customerId: string | null): number {
    if (!customerId) return 0;
    return shop.storeCreditAccountsOf(customerId).find((account) => account.currencyCode === currency())?.balance ?? 0;
  }

  function totalsTable(price: ReturnType<typeof cartSummary>, code: string | null): Html {
    return html`<table class="totals">
<tr><th>Subtotal</th><td>${money(price.subtotal)}</td></tr>
${price.discount > 0 ? html`<tr><th>Discount (${code})</th><td data-testid="discount">−${money(price.discount)}</td></tr>` : ""}
<tr><th>Shipping</th><td>${price.shipping === 0 ? "Free" : money(price.shipping)}</td></tr>
<tr><th>Total</th><td data-testid="total"><strong>${money(price.total)}</strong></td></tr>
</table>`;
  }

  function checkoutPage(req: http.IncomingMessage, res: http.ServerResponse, url: URL, problem: string | null = null, values: URLSearchParams = new URLSearchParams(), status = 200): true {
    const lines = cartOf(req);
    if (lines.length === 0) return redirect(res, "/cart");
    const code = discountCodeOf(req);
    const customerId = customerIdOf(req);
    const customer = customerId ? shop.customer(customerId)! : null;
    const address = customer?.addresses.find((candidate) => candidate.id === customer.defaultAddressId);
    const value = (name: string, fallback: string | null | undefined) => values.get(name) ?? fallback ?? "";
    const price = cartSummary(req, lines, code);
    return sendHtml(res, status, options.page(req, url, {
      title: "Checkout",
      content: html`<h1>Checkout</h1>${notice(problem ?? price.codeRefused)}
<div class="checkout">
<form method="post" action="/checkout" class="checkout-form">
<fieldset><legend>Contact</legend>
${customer
  ? html`<p>Ordering as <strong>${customer.email}</strong></p>`
  : html`<label>Email <input type="email" name="email" required value="${value("email", null)}"></label>
<label class="check"><input type="checkbox" name="create_account" value="1"${values.get("create_account") ? html` checked` : ""}> Create an account with this email</label>`}
<label class="check"><input type="checkbox" name="accepts_marketing" value="1"${(values.get("accepts_marketing") ?? (customer?.emailMarketingConsent.marketingState === "SUBSCRIBED" ? "1" : "")) ? html` checked` : ""}> Email me with news and offers</label>
</fieldset>
<fieldset><legend>Delivery</legend>
<label>First name <input name="first_name" value="${value("first_name", customer?.firstName)}"></label>
<label>Last name <input name="last_name" required value="${value("last_name", customer?.lastName)}"></label>
<label>Address <input name="address1" required value="${value("address1", address?.address1)}"></label>
<label>City <input name="city" required value="${value("city", address?.city)}"></label>
<label>ZIP code <input name="zip" required value="${value("zip", address?.zip)}"></label>
</fieldset>
<fieldset><legend>Payment</legend>
${storeCreditOf(customerId) > 0
  ? html`<label class="check"><input type="checkbox" name="store_credit" value="1" checked> Use my store credit (${money(storeCreditOf(customerId))})</label>`
  : ""}
<label class="check"><input type="radio" name="payment" value="card" checked> Pay now (test card, paid at checkout)</label>
<label class="check"><input type="radio" name="payment" value="bank"> Bank deposit (pending until the merchant marks it paid)</label>
</fieldset>
<button type="submit">Place order</button>
</form>
<aside>${totalsTable(price, price.codeRefused ? null : code)}<p><a href="/cart">Edit cart or discount code</a></p></aside>
</div>`,
    }));
  }

  async function placeOrder(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<true> {
    const values = await form(req);
    const lines = cartOf(req);
    if (lines.length === 0) return redirect(res, "/cart");
    const code = discountCodeOf(req);
    let customerId = customerIdOf(req);
    // Only a signed-in buyer spends store credit (Shopify's checkout asks for their account).
    const storeCredit = values.get("store_credit") === "1" ? storeCreditOf(customerId) : 0;
    const acceptsMarketing = values.get("accepts_marketing") === "1";
    const address = {
      firstName: values.get("first_name")?.trim() || null,
      lastName: values.get("last_name")?.trim() || null,
      address1: values.get("address1")?.trim() || null,
      city: values.get("city")?.trim() || null,
      zip: values.get("zip")?.trim() || null,
      country: shop.shop.country,
      countryCode: shop.shop.countryCode,
    };
    const cookies: string[] = [];
    try {
      const price = cartSummary(req, lines, code);
      if (price.codeRefused) throw new ShopRuleError(price.codeRefused);
      if (!customerId) {
        const email = values.get("email")?.trim() ?? "";
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new ShopRuleError("Enter a valid email address");
        const existing = shop.customerByEmail(email);
        if (values.get("create_account") === "1") {
          if (existing?.state === "ENABLED") throw new ShopRuleError("An account with this email already exists: sign in to use it");
          customerId = existing
            ? shop.updateCustomer(existing.id, { hasAccount: true, ...(acceptsMarketing ? { emailMarketing: "SUBSCRIBED" as const } : {}) }).id
            : createAccount(shop, { email, firstName: address.firstName, lastName: address.lastName, acceptsMarketing, address }).id;
          cookies.push(`${options.customerCookie}=${encodeURIComponent(customerId)}; Path=/; HttpOnly; SameSite=Lax`);
        } else {
          // A guest checkout is kept on the customer record with that email, made for it if need be.
          customerId = existing?.id ?? shop.createCustomer({ email, firstName: address.firstName, lastName: address.lastName, hasAccount: false, emailMarketing: acceptsMarketing ? "SUBSCRIBED" : "NOT_SUBSCRIBED", address }).id;
        }
      }
      const order = shop.createOrder({
        customerId,
        lineItems: lines,
        shipping: { title: STANDARD_SHIPPING.title, price: (shippingFor(lines) / 100).toFixed(2) },
        discountCode: code,
        storeCredit: storeCredit > 0 ? formatMinorUnits(storeCredit, currency()) : null,
        financialStatus: values.get("payment") === "bank" ? "pending" : "paid",
        gateway: values.get("payment") === "bank" ? "Bank Deposit" : "bogus",
        buyerAcceptsMarketing: acceptsMarketing,
        shippingAddress: address,
        billingAddress: address,
      });
      cookies.push(cartCookie([]), discountCookie(null));
      res.setHeader("Set-Cookie", cookies);
      return redirect(res, `/orders/${order.token}`);
    } catch (error) {
      if (!(error instanceof ShopRuleError)) throw error;
      return checkoutPage(req, res, url, error.message, values, 422);
    }
  }

  function orderStatusPage(req: http.IncomingMessage, res: http.ServerResponse, url: URL, token: string): boolean {
    const order = shop.orders().find((candidate) => candidate.token === token);
    if (!order) return false;
    return sendHtml(res, 200, options.page(req, url, { title: `Order ${order.name}`, content: orderConfirmation(order, money) }));
  }

  async function register(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<true> {
    const values = await form(req);
    const email = values.get("email")?.trim() ?? "";
    try {
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new ShopRuleError("Enter a valid email address");
      const existing = shop.customerByEmail(email);
      if (existing?.state === "ENABLED") throw new ShopRuleError("An account with this email already exists");
      const acceptsMarketing = values.get("accepts_marketing") === "1";
      const names = { firstName: values.get("first_name")?.trim() || null, lastName: values.get("last_name")?.trim() || null };
      // A shopper who checked out as a guest before turns that customer record into an account.
      const customer = existing
        ? shop.updateCustomer(existing.id, { ...names, hasAccount: true, ...(acceptsMarketing ? { emailMarketing: "SUBSCRIBED" as const } : {}) })
        : createAccount(shop, { email, ...names, acceptsMarketing, address: null });
      res.setHeader("Set-Cookie", `${options.customerCookie}=${encodeURIComponent(customer.id)}; Path=/; HttpOnly; SameSite=Lax`);
      return redirect(res, "/account");
    } catch (error) {
      if (!(error instanceof ShopRuleError)) throw error;
      return sendHtml(res, 422, options.page(req, url, { title: "Create account", content: registerForm(error.message, values) }));
    }
  }

  function accountPage(req: http.IncomingMessage, res: http.ServerResponse, url: URL): true {
    const customerId = customerIdOf(req);
    if (!customerId) return redirect(res, "/account/register");
    const customer = shop.customer(customerId)!;
    const orders = shop.ordersOf(customerId).slice().reverse();
    const accountPages = options.customerAccount?.pages() ?? [];
    const orderPath = options.customerAccount?.orderPath;
    return sendHtml(res, 200, options.page(req, url, {
      title: "Your account",
      content: html`<h1>Your account</h1>
<p>Signed in as <strong>${customer.email}</strong>${customer.emailMarketingConsent.marketingState === "SUBSCRIBED" ? " · subscribed to email" : ""}</p>
${accountPages.length > 0 ? html`<nav class="shop-links" aria-label="Account pages">${accountPages.map((link) => html`<a href="${link.path}">${link.title}</a>`)}</nav>` : ""}
<h2>Orders</h2>
${orders.length === 0 ? html`<p>No orders yet. <a href="/">Start shopping</a></p>` : html`<table class="orders"><thead><tr><th>Order</th><th>Date</th><th>Payment</th><th>Total</th>${orderPath ? html`<th>Status</th>` : ""}</tr></thead><tbody>
${orders.slice(0, 20).map((order) => html`<tr><td><a href="/orders/${order.token}">${order.name}</a></td><td>${order.createdAt.slice(0, 10)}</td><td>${order.financialStatus}</td><td>${money(orderTotals(order).current.total.shop)}</td>${orderPath ? html`<td><a href="${orderPath(order)}" aria-label="Order ${order.name} status">View</a></td>` : ""}</tr>`)}
</tbody></table>`}`,
    }));
  }

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://storefront.invalid");
    const isRead = req.method === "GET" || req.method === "HEAD";
    const product = /^\/products\/([^/]+)$/.exec(url.pathname);
    if (product && isRead) return productPage(req, res, url, decodeURIComponent(product[1]));
    if (url.pathname === "/cart" && isRead) return cartPage(req, res, url);
    if (url.pathname === "/cart/add" && req.method === "POST") {
      const values = await form(req);
      const variantId = values.get("id") ?? "";
      const quantity = Math.max(1, Math.min(MAX_QUANTITY, Math.trunc(Number(values.get("quantity") ?? "1")) || 1));
      if (!shop.variant(variantId)) return cartPage(req, res, url, "That product is no longer available.", 422);
      const lines = cartOf(req);
      const line = lines.find((candidate) => candidate.variantId === variantId);
      if (line) line.quantity = Math.min(MAX_QUANTITY, line.quantity + quantity);
      else lines.push({ variantId, quantity });
      res.setHeader("Set-Cookie", cartCookie(lines.slice(0, MAX_LINES)));
      return redirect(res, "/cart");
    }
    if (url.pathname === "/cart/update" && req.method === "POST") {
      const values = await form(req);
      const lines = cartOf(req)
        .map((line) => ({ ...line, quantity: Math.max(0, Math.min(MAX_QUANTITY, Math.trunc(Number(values.get(`quantity:${line.variantId}`) ?? line.quantity)) || 0)) }))
        .filter((line) => line.quantity > 0);
      res.setHeader("Set-Cookie", cartCookie(lines));
      return redirect(res, "/cart");
    }
    if (url.pathname === "/cart/discount" && req.method === "POST") {
      const code = (await form(req)).get("code")?.trim() ?? "";
      if (!code) {
        res.setHeader("Set-Cookie", discountCookie(null));
        return redirect(res, "/cart");
      }
      const lines = cartOf(req);
      const refused = lines.length > 0
        ? shop.priceCheckout({ customerId: customerIdOf(req), lineItems: lines, shippingPrice: shippingFor(lines), discountCode: code }).codeRefused
        : shop.codeDiscountByCode(code) ? null : `Enter a valid discount code: ${code} does not exist`;
      if (refused) return cartPage(req, res, url, refused, 422);
      res.setHeader("Set-Cookie", discountCookie(shop.codeDiscountByCode(code)!.codes.find((candidate) => candidate.code.toUpperCase() === code.toUpperCase())!.code));
      return redirect(res, "/cart");
    }
    if (url.pathname === "/checkout" && isRead) return checkoutPage(req, res, url);
    if (url.pathname === "/checkout" && req.method === "POST") return placeOrder(req, res, url);
    const status = /^\/orders\/([0-9a-f]{32})$/.exec(url.pathname);
    if (status && isRead) return orderStatusPage(req, res, url, status[1]);
    if (url.pathname === "/account/register" && isRead) {
      return sendHtml(res, 200, options.page(req, url, { title: "Create account", content: registerForm(null, new URLSearchParams()) }));
    }
    if (url.pathname === "/account/register" && req.method === "POST") return register(req, res, url);
    if (url.pathname === "/account" && isRead) return accountPage(req, res, url);
    if (url.pathname === "/account/logout" && isRead) {
      res.setHeader("Set-Cookie", `${options.customerCookie}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
      return redirect(res, "/");
    }
    return false;
  };
}

/** A storefront account, as the sign-up form makes it: enabled, with the shopper's marketing choice. */
function createAccount(
  shop: ShopData,
  input: { email: string; firstName: string | null; lastName: string | null; acceptsMarketing: boolean; address: Parameters<ShopData["createCustomer"]>[0]["address"] },
) {
  return shop.createCustomer({
    email: input.email,
    firstName: input.firstName,
    lastName: input.lastName,
    hasAccount: true,
    emailMarketing: input.acceptsMarketing ? "SUBSCRIBED" : "NOT_SUBSCRIBED",
    address: input.address,
  });
}

function registerForm(problem: string | null, values: URLSearchParams): Html {
  return html`<h1>Create account</h1>${notice(problem)}
<form method="post" action="/account/register" class="register">
<label>First name <input name="first_name" value="${values.get("first_name") ?? ""}"></label>
<label>Last name <input name="last_name" value="${values.get("last_name") ?? ""}"></label>
<label>Email <input type="email" name="email" required value="${values.get("email") ?? ""}"></label>
<label class="check"><input type="checkbox" name="accepts_marketing" value="1"${values.get("accepts_marketing") ? html` checked` : ""}> Email me with news and offers</label>
<button type="submit">Create account</button>
</form>`;
}

function orderConfirmation(order: OrderRecord, money: (minor: number) => string): Html {
  const totals = orderTotals(order);
  return html`<h1>Thank you!</h1>
<p>Order <strong data-testid="order-name">${order.name}</strong> is confirmed${order.financialStatus === "pending" ? " and waits for your payment" : ""}. Confirmation ${order.confirmationNumber}.</p>
<table class="cart-lines"><tbody>
${order.lineItems.map((line) => html`<tr><td>${line.title} × ${line.quantity}</td><td>${money(line.unitPrice.shop * line.quantity)}</td></tr>`)}
</tbody></table>
<table class="totals">
<tr><th>Subtotal</th><td>${money(totals.lineItemsPrice.shop)}</td></tr>
${order.discountCodes.map((code) => html`<tr><th>Discount (${code.code})</th><td data-testid="discount">−${money(code.amount.shop)}</td></tr>`)}
<tr><th>Shipping</th><td>${money(totals.shipping.shop)}</td></tr>
<tr><th>Total</th><td data-testid="total"><strong>${money(totals.total.shop)}</strong></td></tr>
</table>
<p><a href="/">Continue shopping</a></p>`;
}

function notice(problem: string | null): Html {
  return problem ? html`<p class="error" role="alert">${problem}</p>` : html``;
}
