/**
 * The dev store's customer account pages over HTTP: the session token it gives the signed-in customer
 * is one Shopify's library accepts (the app's audience, the shop as `dest`, the customer as `sub`), a
 * guest gets none, and a customer reaches only their own orders' pages and the extension's real bundle.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { accountOrderPath, loadCustomerAccountExtensions } from "../../dev-store/hosts/customer-account";
import { CUSTOMER_COOKIE } from "../../dev-store/hosts/storefront";
import { startDevStore, type DevStore } from "../../dev-store/server";
import { shopifyLibrary, TEST_APP } from "../support/shopify-library";

let devStore: DevStore;
let app: http.Server;

beforeAll(async () => {
  app = http.createServer((_req, res) => res.writeHead(200).end());
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
});
afterAll(async () => {
  await devStore?.close();
  await new Promise((resolve) => app?.close(resolve));
});

const as = (customerId: string | null): RequestInit => ({
  headers: customerId ? { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(customerId)}` } : {},
  redirect: "manual",
});

describe("the dev store's customer account pages", () => {
  it("finds the app's customer account extensions and their targets", () => {
    expect(loadCustomerAccountExtensions("extensions")).toEqual([
      expect.objectContaining({ handle: "loyalty-page", name: "Rewards", targets: ["customer-account.page.render"] }),
      expect.objectContaining({ handle: "loyalty-order-points", targets: ["customer-account.order-status.block.render"] }),
    ]);
  });

  it("gives the signed-in customer a session token Shopify's library accepts, naming the shop and the customer; a guest none", async () => {
    const customer = devStore.store.createCustomer({ email: "ines@example.com", firstName: "Ines", hasAccount: true });
    const response = await fetch(`${devStore.storefrontUrl}/account/session-token`, as(customer.id));
    expect(response.status).toBe(200);
    const { token, expiresAt } = (await response.json()) as { token: string; expiresAt: number };
    const claims = await shopifyLibrary().session.decodeSessionToken(token);
    expect(claims).toMatchObject({ dest: TEST_APP.shop, aud: TEST_APP.apiKey, sub: customer.id });
    expect(expiresAt - Date.now() / 1000).toBeGreaterThan(200);
    expect((await fetch(`${devStore.storefrontUrl}/account/session-token`, as(null))).status).toBe(401);
  });

  it("opens a customer's own order's page, not another's, and serves the committed bundle", async () => {
    const variantId = devStore.store.createProduct({ title: "Teapot", variants: [{ price: "30.00" }] }).variants[0].id;
    const owner = devStore.store.createCustomer({ email: "owner@example.com", hasAccount: true });
    const other = devStore.store.createCustomer({ email: "other@example.com", hasAccount: true });
    const order = devStore.store.createOrder({ customerId: owner.id, lineItems: [{ variantId, quantity: 1 }] });
    const page = await fetch(`${devStore.storefrontUrl}${accountOrderPath(order)}`, as(owner.id));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("customer-account.order-status.block.render?order=");
    expect((await fetch(`${devStore.storefrontUrl}${accountOrderPath(order)}`, as(other.id))).status).toBe(404);
    expect((await fetch(`${devStore.storefrontUrl}${accountOrderPath(order)}`, as(null))).status).toBe(401);

    const bundle = await fetch(`${devStore.storefrontUrl}/account/extensions/loyalty-page/bundle/customer-account.page.render.js`);
    expect(bundle.headers.get("content-type")).toMatch(/javascript/);
    expect(await bundle.text()).toBe(readFileSync("extensions/customer-account/bundle/customer-account.page.render.js", "utf8"));
    // The account page links to the extension's full page and the order's page.
    const account = await (await fetch(`${devStore.storefrontUrl}/account`, as(owner.id))).text();
    expect(account).toContain('href="/account/pages/loyalty-page"');
    expect(account).toContain(`href="${accountOrderPath(order)}"`);
  });
});
