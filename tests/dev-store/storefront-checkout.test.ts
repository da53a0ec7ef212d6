/**
 * The dev store's cart, checkout and sign-up, and its admin order actions, over HTTP: each makes the
 * shop's records and the webhooks Shopify sends (signed, to the app's subscribed uris).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CUSTOMER_COOKIE } from "../../dev-store/hosts/storefront";
import { startDevStore, type DevStore } from "../../dev-store/server";
import { shopifyLibrary, TEST_APP } from "../support/shopify-library";

interface Delivery {
  topic: string;
  valid: boolean;
  body: Record<string, unknown>;
}

let devStore: DevStore;
let app: http.Server;
const deliveries: Delivery[] = [];
let beans: string;
let mug: string;

beforeAll(async () => {
  const shopify = shopifyLibrary();
  app = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const validation = await shopify.webhooks.validate({ rawBody, rawRequest: req, rawResponse: res });
    deliveries.push({ topic: String(req.headers["x-shopify-topic"]), valid: validation.valid, body: JSON.parse(rawBody) as Record<string, unknown> });
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  devStore = await startDevStore({
    shop: TEST_APP.shop,
    apiKey: TEST_APP.apiKey,
    apiSecret: TEST_APP.apiSecret,
    appUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
    appTomlPath: "shopify.app.toml",
    apiVersion: "2026-10",
    nodeEnv: "test",
  });
  const { store } = devStore;
  beans = store.createProduct({ title: "Espresso beans", variants: [{ price: "24.00" }] }).variants[0].id;
  mug = store.createProduct({ title: "Stoneware mug", variants: [{ price: "12.00" }] }).variants[0].id;
  store.recordInstallation(TEST_APP.apiKey, []);
});
afterAll(async () => {
  await devStore?.close();
  await new Promise((resolve) => app?.close(resolve));
});

/** A shopper's browser: keeps the storefront's cookies between requests. */
function shopper() {
  const jar = new Map<string, string>();
  async function send(path: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const response = await fetch(`${devStore.storefrontUrl}${path}`, {
      method: init.method ?? (init.form ? "POST" : "GET"),
      redirect: "manual",
      headers: {
        cookie: [...jar].map(([name, value]) => `${name}=${value}`).join("; "),
        ...(init.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(";");
      const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
      if (attributes.some((attribute) => attribute.trim() === "Max-Age=0")) jar.delete(name);
      else jar.set(name, value);
    }
    return { status: response.status, location: response.headers.get("location"), text: await response.text() };
  }
  return { send, jar };
}

async function adminPost(path: string, form: Record<string, string> = {}) {
  return fetch(`${devStore.url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: devStore.url, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
}

const topicsSince = (from: number) => deliveries.slice(from).map((delivery) => delivery.topic);

describe("the dev storefront's cart and checkout", () => {
  it("signs a shopper up with their marketing choice, fills a cart and places a paid order with a code", async () => {
    const browser = shopper();
    const home = await browser.send("/");
    expect(home.text).toContain('action="/cart/add"');
    expect(home.text).toContain("Create account");

    const from = deliveries.length;
    const signUp = await browser.send("/account/register", { form: { first_name: "Ada", last_name: "Lovelace", email: "ada@example.com", accepts_marketing: "1" } });
    expect(signUp).toMatchObject({ status: 303, location: "/account" });
    const ada = devStore.store.customerByEmail("ada@example.com")!;
    expect(ada).toMatchObject({ state: "ENABLED", emailMarketingConsent: { marketingState: "SUBSCRIBED" } });
    expect(browser.jar.get(CUSTOMER_COOKIE)).toBe(encodeURIComponent(ada.id));

    await browser.send("/cart/add", { form: { id: beans, quantity: "1" } });
    await browser.send("/cart/add", { form: { id: mug, quantity: "2" } });
    const cart = await browser.send("/cart");
    expect(cart.text).toContain("Espresso beans");
    expect(cart.text).toContain("$48.00"); // 24 + 2 × 12

    // A code that does not exist is refused at the cart, as Shopify's cart does.
    const unknown = await browser.send("/cart/discount", { form: { code: "NOPE" } });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain("NOPE does not exist");
    devStore.store.createCodeDiscount({
      kind: "basic", title: "Five off", code: "FIVE", startsAt: "2020-01-01T00:00:00Z", endsAt: null, usageLimit: 1,
      appliesOncePerCustomer: true, customerIds: [ada.id], customerGets: { amount: 500, appliesOnEachItem: false },
      maximumShippingPrice: null, minimumSubtotal: 4000, minimumQuantity: null,
      combinesWith: { orderDiscounts: false, productDiscounts: false, shippingDiscounts: false }, tags: [], appApiKey: TEST_APP.apiKey,
    });
    expect((await browser.send("/cart/discount", { form: { code: "five" } })).status).toBe(303);
    const discounted = await browser.send("/checkout");
    expect(discounted.text).toContain("−$5.00");
    expect(discounted.text).toContain("$48.99"); // 48 − 5 + 5.99 shipping

    const placed = await browser.send("/checkout", { form: { first_name: "Ada", last_name: "Lovelace", address1: "1 Analytical St", city: "London", zip: "10001", payment: "card" } });
    expect(placed.status).toBe(303);
    const order = devStore.store.ordersOf(ada.id)[0];
    expect(placed.location).toBe(`/orders/${order.token}`);
    expect(order).toMatchObject({ financialStatus: "paid", discountCodes: [{ code: "FIVE" }] });
    expect(browser.jar.has("cart")).toBe(false);
    expect((await browser.send(placed.location!)).text).toContain(`Order <strong data-testid="order-name">${order.name}</strong> is confirmed`);

    // The code was used once: the next cart is refused it.
    await browser.send("/cart/add", { form: { id: beans, quantity: "2" } });
    const again = await browser.send("/cart/discount", { form: { code: "FIVE" } });
    expect(again.text).toContain("reached its usage limit");

    await devStore.webhooks.idle();
    expect(topicsSince(from)).toEqual(expect.arrayContaining(["customers/create", "orders/create", "orders/paid", "orders/updated"]));
    expect(deliveries.slice(from).every((delivery) => delivery.valid)).toBe(true);
    const paid = deliveries.slice(from).find((delivery) => delivery.topic === "orders/paid")!;
    expect(paid.body).toMatchObject({ name: order.name, financial_status: "paid", discount_codes: [{ code: "FIVE", amount: "5.00" }] });
  });

  it("takes a guest's order on a customer record made for their email, pending until paid", async () => {
    const browser = shopper();
    await browser.send("/cart/add", { form: { id: beans, quantity: "1" } });
    const placed = await browser.send("/checkout", { form: { email: "guest@example.net", last_name: "Guest", address1: "2 Side St", city: "Boston", zip: "02101", payment: "bank" } });
    expect(placed.status).toBe(303);
    const guest = devStore.store.customerByEmail("guest@example.net")!;
    expect(guest.state).toBe("DISABLED");
    expect(devStore.store.ordersOf(guest.id)[0].financialStatus).toBe("pending");
    expect(browser.jar.has(CUSTOMER_COOKIE)).toBe(false);
  });

  it("lets a signed-in customer spend their store credit at checkout, the card paying the rest", async () => {
    const browser = shopper();
    await browser.send("/account/register", { form: { first_name: "Cleo", last_name: "Credit", email: "cleo@example.com" } });
    const cleo = devStore.store.customerByEmail("cleo@example.com")!;
    devStore.store.creditStoreCredit(cleo.id, { amount: 1000, currencyCode: "USD", expiresAt: null });
    await browser.send("/cart/add", { form: { id: beans, quantity: "1" } });
    const page = await browser.send("/checkout");
    expect(page.text).toContain("Use my store credit ($10.00)");
    const placed = await browser.send("/checkout", { form: { first_name: "Cleo", last_name: "Credit", address1: "3 Main St", city: "Austin", zip: "73301", payment: "card", store_credit: "1" } });
    expect(placed.status).toBe(303);
    const order = devStore.store.ordersOf(cleo.id)[0];
    // $24 + $5.99 shipping: $10 from store credit, $19.99 from the card.
    expect(order.transactions.map((transaction) => ({ gateway: transaction.gateway, amount: transaction.amount.shop }))).toEqual([
      { gateway: "shopify_store_credit", amount: 1000 },
      { gateway: "bogus", amount: 1999 },
    ]);
    expect(devStore.store.storeCreditAccountsOf(cleo.id)[0]).toMatchObject({ balance: 0 });
    expect((await browser.send("/checkout")).status).toBe(303);
  });

  it("refuses a checkout with no valid email and keeps the cart", async () => {
    const browser = shopper();
    await browser.send("/cart/add", { form: { id: mug, quantity: "1" } });
    const refused = await browser.send("/checkout", { form: { email: "not-an-email", last_name: "X", address1: "x", city: "x", zip: "1" } });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain("Enter a valid email address");
    expect(browser.jar.has("cart")).toBe(true);
  });
});

describe("the dev store admin's order actions", () => {
  it("marks a pending order paid, fulfils, refunds part of it and cancels, firing each topic", async () => {
    const customer = devStore.store.createCustomer({ email: "orders@example.com", hasAccount: true });
    const order = devStore.store.createOrder({
      customerId: customer.id,
      lineItems: [{ variantId: beans, quantity: 2 }, { variantId: mug, quantity: 1 }],
      shipping: { title: "Standard", price: "5.99" },
      financialStatus: "pending",
    });
    await devStore.webhooks.idle();
    const list = await (await fetch(devStore.adminOrdersUrl)).text();
    expect(list).toContain(`data-order="${order.name}"`);

    const from = deliveries.length;
    const base = `${new URL(devStore.adminOrdersUrl).pathname}/${order.number}`;
    expect((await adminPost(`${base}/pay`)).status).toBe(303);
    expect(devStore.store.order(order.id)!.financialStatus).toBe("paid");
    expect((await adminPost(`${base}/fulfil`)).status).toBe(303);
    expect(devStore.store.order(order.id)!.fulfillment).toBeTruthy();
    const beansLine = order.lineItems[0];
    expect((await adminPost(`${base}/refund`, { [`quantity:${beansLine.id}`]: "1", all: "0" })).status).toBe(303);
    expect(devStore.store.order(order.id)!.financialStatus).toBe("partially_refunded");
    expect((await adminPost(`${base}/cancel`)).status).toBe(303);
    expect(devStore.store.order(order.id)!.cancelledAt).not.toBeNull();

    // A second cancellation is refused with Shopify's reason, and a cross-site post is refused outright.
    const twice = await adminPost(`${base}/cancel`);
    expect(twice.status).toBe(422);
    expect(await twice.text()).toContain("already cancelled");
    const crossSite = await fetch(`${devStore.url}${base}/pay`, { method: "POST", headers: { origin: "http://evil.example" } });
    expect(crossSite.status).toBe(403);

    await devStore.webhooks.idle();
    // orders/fulfilled is not among the app's subscriptions, so only its orders/updated arrives.
    expect(topicsSince(from).sort()).toEqual(["orders/cancelled", "orders/paid", "orders/updated", "orders/updated", "orders/updated", "orders/updated", "refunds/create", "refunds/create"]);
    const fulfilled = deliveries.slice(from).find((delivery) => delivery.topic === "orders/updated" && delivery.body.fulfillment_status === "fulfilled")?.body;
    expect(fulfilled).toMatchObject({ fulfillment_status: "fulfilled", fulfillments: [{ status: "success", service: "manual" }] });
    const refund = deliveries.slice(from).find((delivery) => delivery.topic === "refunds/create")!.body;
    expect(refund).toMatchObject({ refund_line_items: [{ quantity: 1 }] });
  });
});
