/**
 * GET /apps/loyalty/r/<code> through the dev storefront: the friend is recorded and sent to the store
 * with a first-order code applied; refusals send them on without one. And the storefront's rate
 * limits, counted in PostgreSQL: the app and another process see the same count.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { pointsBalance } from "../../app/loyalty/ledger.server";
import { REDEEM_PER_CUSTOMER, takeRateLimits } from "../../app/storefront/rate-limits.server";
import { CUSTOMER_COOKIE, DISCOUNT_COOKIE } from "../../dev-store/hosts/storefront";
import { signedAppProxyQuery } from "../support/shopify-library";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let variantId: string;

beforeAll(async () => {
  app = await startTestApp();
  variantId = app.devStore.store.createProduct({ title: "Coffee beans", variants: [{ price: "40.00" }] }).variants[0].id;
  shopId = await app.installAndImportHistory();
}, 60_000);
afterAll(async () => {
  await app?.close();
});

const store = () => app.devStore.store;

async function referrer() {
  const customer = store().createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Rita", lastName: "Referrer", hasAccount: true });
  await app.devStore.webhooks.idle();
  return app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
}

/** A visit to the storefront path, as a guest or signed in, without following redirects. */
function visit(path: string, customerGid: string | null = null) {
  return fetch(`${app.devStore.storefrontUrl}${path}`, {
    redirect: "manual",
    headers: customerGid ? { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(customerGid)}` } : {},
  });
}

const direct = (path: string, query: URLSearchParams, ip: string, init: RequestInit = {}) =>
  fetch(`${app.appUrl}/proxy/${path}?${query}`, { redirect: "manual", ...init, headers: { "X-Forwarded-For": ip, ...(init.headers ?? {}) } });

/** Fixed windows: a burst that must land in one window waits out the end of the current one. */
async function awayFromWindowEnd(windowSeconds: number, marginSeconds = 10) {
  const left = windowSeconds - ((Date.now() / 1000) % windowSeconds);
  if (left < marginSeconds) await new Promise((resolve) => setTimeout(resolve, left * 1000 + 100));
}

describe("GET /apps/loyalty/r/<code>", () => {
  it("records a guest friend and sends them to the store with a single-use first-order code applied", async () => {
    const rita = await referrer();
    const landing = await visit(`/apps/loyalty/r/${rita.referralCode}`);
    expect(landing.status).toBe(302);
    const location = landing.headers.get("location")!;
    const code = /^\/discount\/(FRIEND-[2-9A-HJ-NP-Z]{8})\?redirect=%2F$/.exec(location)?.[1];
    expect(code).toBeDefined();

    const discount = store().codeDiscountByCode(code!)!;
    expect(discount).toMatchObject({ kind: "basic", usageLimit: 1, appliesOncePerCustomer: true, customerIds: null, customerGets: { percentage: 0.1 } });
    const referral = await app.db.referral.findFirstOrThrow({ where: { referrerId: rita.id } });
    expect(referral).toMatchObject({ status: "PENDING", friendId: null });
    expect(await app.db.referralDiscount.findUniqueOrThrow({ where: { referralId: referral.id } })).toMatchObject({ code, discountShopifyId: discount.id });

    // The storefront keeps the code for checkout and sends the friend home.
    const applied = await visit(location);
    expect(applied.status).toBe(303);
    expect(applied.headers.get("location")).toBe("/");
    expect(applied.headers.get("set-cookie")).toContain(`${DISCOUNT_COOKIE}=${code}`);

    // The friend signs up and orders with it: the code names them, and the referrer earns their points.
    const friend = store().createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Fred", hasAccount: true });
    await app.devStore.webhooks.idle();
    const order = store().createOrder({ customerId: friend.id, lineItems: [{ variantId, quantity: 1 }], discountCode: code });
    expect(order.discountCodes.map((used) => used.code)).toEqual([code]);
    await app.devStore.webhooks.idle();
    expect(await app.db.referral.findUniqueOrThrow({ where: { id: referral.id } })).toMatchObject({ status: "REWARDED", rewardOrderShopifyId: order.id });
    expect((await pointsBalance(app.db, rita.id, new Date())).available).toBe(100 + 500);
  });

  it("gives a signed-in friend a code only they can use", async () => {
    const rita = await referrer();
    const friend = store().createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Fran", hasAccount: true });
    await app.devStore.webhooks.idle();
    const landing = await visit(`/apps/loyalty/r/${rita.referralCode}`, friend.id);
    const code = /^\/discount\/([^?]+)/.exec(landing.headers.get("location")!)![1];
    expect(store().codeDiscountByCode(code)!.customerIds).toEqual([friend.id]);
  });

  it("sends a refused friend (their own link, an existing customer) and an unknown code to the store without a code", async () => {
    const rita = await referrer();
    const before = store().codeDiscounts().length;
    const own = await visit(`/apps/loyalty/r/${rita.referralCode}`, rita.shopifyId);
    expect(own.status).toBe(302);
    expect(own.headers.get("location")).toBe("/");
    expect(await app.db.referral.findFirstOrThrow({ where: { referrerId: rita.id } })).toMatchObject({ status: "REFUSED", refusalReason: "self_referral" });

    const buyer = store().createCustomer({ email: `${randomUUID()}@example.com`, hasAccount: true });
    store().createOrder({ customerId: buyer.id, lineItems: [{ variantId, quantity: 1 }] });
    await app.devStore.webhooks.idle();
    expect((await visit(`/apps/loyalty/r/${rita.referralCode}`, buyer.id)).headers.get("location")).toBe("/");

    expect((await visit("/apps/loyalty/r/NOSUCHCODE")).headers.get("location")).toBe("/");
    expect(store().codeDiscounts().length).toBe(before);
  });

  it("refuses a forged signature", async () => {
    const rita = await referrer();
    const forged = await direct(`r/${rita.referralCode}`, signedAppProxyQuery(null, "not-the-app-secret"), "198.51.100.1");
    expect(forged.status).toBe(401);
    expect(await app.db.referral.count({ where: { referrerId: rita.id } })).toBe(0);
  });
});

describe("storefront rate limits", () => {
  // Each case starts from empty windows and leaves none: the storefront's visits share the test's address.
  beforeEach(async () => {
    await app.db.rateLimitWindow.deleteMany();
  });
  afterEach(async () => {
    await app.db.rateLimitWindow.deleteMany();
  });

  it("counts the address Shopify's proxy reports, so a shopper's own X-Forwarded-For entries cannot dodge the limit", async () => {
    await awayFromWindowEnd(3600);
    const statuses: number[] = [];
    // Shopify's proxy appends the address it saw; whatever the shopper wrote before it changes every time.
    for (let i = 0; i < 20; i++) statuses.push((await direct("r/NOSUCHCODE", signedAppProxyQuery(null), `203.0.113.${i + 1}, 198.51.100.40`)).status);
    expect(statuses.filter((status) => status === 429)).toEqual([]);
    expect((await direct("r/NOSUCHCODE", signedAppProxyQuery(null), "203.0.113.250, 198.51.100.40")).status).toBe(429);
    expect((await direct("r/NOSUCHCODE", signedAppProxyQuery(null), "198.51.100.40")).status).toBe(429);
  });

  it("limits requests that carry no X-Forwarded-For by the connection's address", async () => {
    await awayFromWindowEnd(3600);
    const bare = () => fetch(`${app.appUrl}/proxy/r/NOSUCHCODE?${signedAppProxyQuery(null)}`, { redirect: "manual" });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await bare()).status);
    expect(statuses.filter((status) => status === 429)).toEqual([]);
    const limited = await bare();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("answers a 429 with Retry-After once an address opens referral links too often", async () => {
    await awayFromWindowEnd(3600);
    const ip = "198.51.100.20";
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await direct("r/NOSUCHCODE", signedAppProxyQuery(null), ip)).status);
    expect(statuses.every((status) => status === 302)).toBe(true);
    const limited = await direct("r/NOSUCHCODE", signedAppProxyQuery(null), ip);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await limited.text()).toContain("Too many visits");
    // Another address is not held back.
    expect((await direct("r/NOSUCHCODE", signedAppProxyQuery(null), "198.51.100.21")).status).toBe(302);
  });

  it("limits redeeming per customer, counted where every app instance sees it", async () => {
    await awayFromWindowEnd(60);
    const customer = store().createCustomer({ email: `${randomUUID()}@example.com`, hasAccount: true });
    await app.devStore.webhooks.idle();
    const redeem = (ip: string) =>
      direct("redeem", signedAppProxyQuery(customer.id), ip, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ rewardId: "x", idempotencyKey: randomUUID() }) });
    // From different addresses, so only the per-customer count can stop them.
    for (let i = 0; i < 5; i++) expect((await redeem(`192.0.2.${i + 1}`)).status).not.toBe(429);
    // Another process (this test's own connection) counts against the same limit.
    for (let i = 0; i < 5; i++) {
      expect(await takeRateLimits(app.db, TEST_APP.shop, [{ limit: REDEEM_PER_CUSTOMER, subject: customer.id }], new Date())).toEqual({ allowed: true });
    }
    const limited = await redeem("192.0.2.99");
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await limited.json()).error).toBe(`Too many attempts. Try again in ${retryAfter} seconds.`);
  });
});
