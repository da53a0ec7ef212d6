/**
 * The customer account UI extension's backend (app/routes/customer-account.*) against the real app and
 * the dev store: requests carry real session tokens signed as Shopify signs a customer account
 * extension's, and the shop and customer come only from the token. A forged, expired, early or
 * another app's token, or one without a signed-in customer, is refused; one shop's token never reads
 * another shop's customer.
 */
import { randomUUID } from "node:crypto";
import { getJwt } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { adjustPoints } from "../../app/loyalty/ledger.server";
import { mintCustomerAccountSessionToken } from "../../dev-store/oauth/session-token";
import { legacyResourceId } from "../../dev-store/store/gid";
import { signedAppProxyQuery } from "../support/shopify-library";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

// Where Shopify runs customer account extensions: every request is cross-origin.
const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";
// A shopper's browser: Shopify's library answers requests from bots (Node's own fetch among them) with 410.
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36";

let app: TestApp;
let shopId: string;
let variantId: string;

beforeAll(async () => {
  app = await startTestApp();
  variantId = app.devStore.store.createProduct({ title: "Coffee beans", variants: [{ price: "25.00" }] }).variants[0].id;
  shopId = await app.installAndImportHistory();
}, 60_000);
afterAll(async () => {
  await app?.close();
});

const store = () => app.devStore.store;

async function shopper(firstName = "Ada", points = 100) {
  const customer = store().createCustomer({ email: `${randomUUID()}@example.com`, firstName, lastName: "Shopper", hasAccount: true });
  await app.devStore.webhooks.idle();
  const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
  if (points !== 100) await adjustPoints(app.db, { shopId, customerId: stored.id, points: points - 100, reason: "Test balance", now: new Date() });
  return { gid: customer.id, id: stored.id };
}

const tokenFor = (customerGid: string, shop: string = TEST_APP.shop) =>
  mintCustomerAccountSessionToken({ shop, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret, customerGid });

function fromExtension(path: string, token: string | null, init: RequestInit = {}) {
  return fetch(`${app.appUrl}${path}`, {
    ...init,
    headers: { Origin: EXTENSION_ORIGIN, "User-Agent": BROWSER, Accept: "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
  });
}

const redeem = (token: string, rewardId: string, idempotencyKey = randomUUID(), ip = "198.51.100.7") =>
  fromExtension("/customer-account/redeem", token, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-For": ip },
    body: JSON.stringify({ rewardId, idempotencyKey }),
  });

async function cheapestReward() {
  return app.db.reward.findFirstOrThrow({ where: { shopId, active: true }, orderBy: { pointsCost: "asc" } });
}

describe("GET /customer-account/account", () => {
  it("answers the signed-in customer's account, the same the storefront widget shows, readable from the extension's origin", async () => {
    const customer = await shopper("Maya");
    const order = store().createOrder({ customerId: customer.gid, lineItems: [{ variantId, quantity: 2 }] });
    await app.devStore.webhooks.idle();

    const response = await fromExtension("/customer-account/account", tokenFor(customer.gid));
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    const body = await response.json();
    expect(body.customer).toEqual({ id: customer.gid, firstName: "Maya" });
    // Welcome 100 + 2 × $25 at a point a dollar.
    expect(body.points).toEqual({ balance: 150, pending: 0 });
    expect(body.history.map((entry: { points: number; reason: string }) => ({ points: entry.points, reason: entry.reason }))).toEqual(
      expect.arrayContaining([
        { points: 100, reason: "Welcome points" },
        { points: 50, reason: `Order ${order.name}` },
      ]),
    );
    const widget = await (await fetch(`${app.appUrl}/proxy/customer?${signedAppProxyQuery(customer.gid)}`)).json();
    expect(body).toEqual(widget);
  });

  it("answers the preflight of each of its routes from the extension's origin", async () => {
    for (const [path, method] of [["/customer-account/account", "GET"], ["/customer-account/redeem", "POST"], ["/customer-account/orders/1", "GET"]]) {
      const response = await fetch(`${app.appUrl}${path}`, {
        method: "OPTIONS",
        headers: { Origin: EXTENSION_ORIGIN, "User-Agent": BROWSER, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization,content-type" },
      });
      expect(response.status, path).toBe(204);
      expect(response.headers.get("access-control-allow-origin"), path).toBe("*");
      expect(response.headers.get("access-control-allow-headers"), path).toMatch(/Authorization, Content-Type/);
      expect(response.headers.get("access-control-allow-methods"), path).toContain(method);
    }
  });

  it("refuses a missing, forged, expired, early, tampered or another app's token, and one without a signed-in customer, with 401", async () => {
    const customer = await shopper();
    const now = Math.floor(Date.now() / 1000);
    const claims = { dest: TEST_APP.shop, sub: customer.gid, iss: undefined, sid: undefined };
    const valid = await getJwt(TEST_APP.shop, TEST_APP.apiKey, TEST_APP.apiSecret, claims);
    const [header, payload, signature] = valid.token.split(".");
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...valid.payload, sub: "gid://shopify/Customer/1" })).toString("base64url")}.${signature}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
    const refused: Record<string, string | null> = {
      missing: null,
      "not a JWT": "not-a-token",
      forged: (await getJwt(TEST_APP.shop, TEST_APP.apiKey, "someone-elses-secret", claims)).token,
      expired: (await getJwt(TEST_APP.shop, TEST_APP.apiKey, TEST_APP.apiSecret, { ...claims, iat: now - 900, nbf: now - 900, exp: now - 600 })).token,
      early: (await getJwt(TEST_APP.shop, TEST_APP.apiKey, TEST_APP.apiSecret, { ...claims, iat: now + 600, nbf: now + 600, exp: now + 900 })).token,
      "another app": (await getJwt(TEST_APP.shop, "another-app", TEST_APP.apiSecret, claims)).token,
      tampered,
      unsigned,
      "no customer": (await getJwt(TEST_APP.shop, TEST_APP.apiKey, TEST_APP.apiSecret, { ...claims, sub: undefined })).token,
      "a staff member, not a customer": (await getJwt(TEST_APP.shop, TEST_APP.apiKey, TEST_APP.apiSecret, { ...claims, sub: "42" })).token,
      "no shop": (await getJwt(TEST_APP.shop, TEST_APP.apiKey, TEST_APP.apiSecret, { ...claims, dest: undefined })).token,
    };
    // The same token with the right claims is accepted: what is refused is only what differs.
    expect((await fromExtension("/customer-account/account", valid.token)).status).toBe(200);
    for (const [name, token] of Object.entries(refused)) {
      const response = await fromExtension("/customer-account/account", token);
      expect(response.status, name).toBe(401);
      expect(response.headers.get("access-control-allow-origin"), name).toBe("*");
      const body = await response.text();
      expect(body, name).not.toContain(customer.gid);
    }
  });

  it("never shows one shop's customer to a token from another shop", async () => {
    const customer = await shopper("Lena", 2000);
    const other = await app.db.shop.create({ data: { domain: "another-shop.myshopify.com", settings: { create: {} } } });
    const otherCustomer = await app.db.customer.create({ data: { shopId: other.id, shopifyId: customer.gid, email: "lena@another.example", referralCode: `OTHER${Date.now()}` } });
    await adjustPoints(app.db, { shopId: other.id, customerId: otherCustomer.id, points: 7, reason: "Another shop's thanks", now: new Date() });

    const mine = await (await fromExtension("/customer-account/account", tokenFor(customer.gid))).json();
    expect(mine.points.balance).toBe(2000);
    const theirs = await (await fromExtension("/customer-account/account", tokenFor(customer.gid, "another-shop.myshopify.com"))).json();
    expect(theirs.points.balance).toBe(7);
    expect(theirs.history.map((entry: { reason: string }) => entry.reason)).toEqual(["Another shop's thanks"]);
    // A shop that has not installed the app has no program to show.
    const unknown = await fromExtension("/customer-account/account", tokenFor(customer.gid, "not-installed.myshopify.com"));
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).not.toContain("Lena");
    // Redeeming with the other shop's token spends the other shop's points, never this shop's.
    const reward = await cheapestReward();
    expect((await redeem(tokenFor(customer.gid, "another-shop.myshopify.com"), reward.id)).status).toBe(404);
    expect((await (await fromExtension("/customer-account/account", tokenFor(customer.gid))).json()).points.balance).toBe(2000);
  });
});

describe("POST /customer-account/redeem", () => {
  it("redeems a reward for the token's customer: the code, the points taken, the account as it now is", async () => {
    const customer = await shopper("Ada", 1200);
    const reward = await cheapestReward();
    const response = await redeem(tokenFor(customer.gid), reward.id);
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const body = await response.json();
    expect(body.code).toMatch(/^REWARD-[2-9A-HJ-NP-Z]{8}$/);
    expect(body.points).toEqual({ balance: 1200 - reward.pointsCost, pending: 0 });
    expect(body.account.myRewards[0]).toMatchObject({ code: body.code, status: "unused" });
    expect(store().codeDiscountByCode(body.code)).toMatchObject({ customerIds: [customer.gid], usageLimit: 1 });
  });

  it("refuses a reward the balance does not reach, saying so, and takes nothing", async () => {
    const customer = await shopper("Bo", 100);
    const reward = await cheapestReward();
    const response = await redeem(tokenFor(customer.gid), reward.id);
    expect(response.status).toBe(409);
    expect((await response.json()).error).toMatch(/points/i);
    expect((await (await fromExtension("/customer-account/account", tokenFor(customer.gid))).json()).points.balance).toBe(100);
  });

  it("refuses an unsigned request, a GET and a body naming no reward", async () => {
    const customer = await shopper();
    expect((await fromExtension("/customer-account/redeem", null, { method: "POST", body: "{}" })).status).toBe(401);
    expect((await fromExtension("/customer-account/redeem", tokenFor(customer.gid))).status).toBe(405);
    const response = await fromExtension("/customer-account/redeem", tokenFor(customer.gid), { method: "POST", headers: { "Content-Type": "application/json" }, body: "{\"rewardId\":\"\"}" });
    expect(response.status).toBe(400);
  });

  it("limits a customer's attempts as the storefront does, counting the widget's and the account page's together", async () => {
    const customer = await shopper("Cy", 100);
    const reward = await cheapestReward();
    const statuses: number[] = [];
    // Five from the storefront widget (through the app proxy), five from the account page, each from its own address.
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await fetch(`${app.appUrl}/proxy/redeem?${signedAppProxyQuery(customer.gid)}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Forwarded-For": `198.51.100.${20 + attempt}` },
        body: JSON.stringify({ rewardId: reward.id, idempotencyKey: randomUUID() }),
      });
      statuses.push(response.status);
    }
    for (let attempt = 0; attempt < 5; attempt++) statuses.push((await redeem(tokenFor(customer.gid), reward.id, randomUUID(), `198.51.100.${30 + attempt}`)).status);
    // Ten refused for the balance, the eleventh for the limit.
    expect(statuses).toEqual(Array(10).fill(409));
    const limited = await redeem(tokenFor(customer.gid), reward.id, randomUUID(), "198.51.100.99");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("GET /customer-account/orders/<id>", () => {
  const pointsOf = async (customerGid: string, orderGid: string) => {
    const response = await fromExtension(`/customer-account/orders/${legacyResourceId(orderGid)}`, tokenFor(customerGid));
    expect(response.status).toBe(200);
    return response.json();
  };

  it("says what the customer's order earned, what is still pending, and none for a cancelled one", async () => {
    const customer = await shopper("Ines");
    const paid = store().createOrder({ customerId: customer.gid, lineItems: [{ variantId, quantity: 3 }] });
    const unpaid = store().createOrder({ customerId: customer.gid, lineItems: [{ variantId, quantity: 1 }], financialStatus: "pending" });
    const cancelled = store().createOrder({ customerId: customer.gid, lineItems: [{ variantId, quantity: 1 }] });
    await app.devStore.webhooks.idle();
    store().cancelOrder(cancelled.id, { reason: "customer" });
    await app.devStore.webhooks.idle();

    expect(await pointsOf(customer.gid, paid.id)).toEqual({ status: "earned", points: 75, pointsName: "points" });
    expect(await pointsOf(customer.gid, unpaid.id)).toEqual({ status: "pending", points: null, availableAt: null, pointsName: "points" });
    expect(await pointsOf(customer.gid, cancelled.id)).toEqual({ status: "none", points: 0, pointsName: "points" });

    // Another customer's token learns nothing of this order: it reads as one not counted yet.
    const other = await shopper("Oz");
    expect(await pointsOf(other.gid, paid.id)).toEqual({ status: "pending", points: null, availableAt: null, pointsName: "points" });
  });

  it("tells points in the program's pending period with the day they can be spent", async () => {
    await app.db.programSettings.update({ where: { shopId }, data: { pendingDays: 14 } });
    try {
      const customer = await shopper("Pia");
      const order = store().createOrder({ customerId: customer.gid, lineItems: [{ variantId, quantity: 1 }] });
      await app.devStore.webhooks.idle();
      const body = await pointsOf(customer.gid, order.id);
      expect(body).toMatchObject({ status: "pending", points: 25 });
      const days = (Date.parse(body.availableAt) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(13.9);
      expect(days).toBeLessThanOrEqual(14);
    } finally {
      await app.db.programSettings.update({ where: { shopId }, data: { pendingDays: 0 } });
    }
  });

  it("refuses an order id that is not one, and a request without a token", async () => {
    const customer = await shopper();
    expect((await fromExtension("/customer-account/orders/abc", tokenFor(customer.gid))).status).toBe(400);
    expect((await fromExtension("/customer-account/orders/123", null)).status).toBe(401);
  });
});
