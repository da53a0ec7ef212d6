/**
 * /apps/loyalty/r/<code> through the dev storefront: the landing page says what the friend gets (or
 * why nothing) and writes nothing; its claim makes one code per visitor, a few a day per referrer, and
 * the referrer earns only from a real newcomer. And the storefront's rate limits, counted in
 * PostgreSQL (the app and another process see the same count), by the address the proxy reports.
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
}, 120_000);
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

/** The landing page's claim, as its script sends it through the storefront (the proxy forwards the body). */
async function claim(code: string, options: { customerGid?: string | null; visitor?: string | null } = {}) {
  const response = await fetch(`${app.devStore.storefrontUrl}/apps/loyalty/r/${code}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(options.customerGid ? { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(options.customerGid)}` } : {}),
    },
    body: JSON.stringify({ visitor: options.visitor ?? null }),
  });
  return { http: response.status, ...(await response.json()) };
}

/** A claim sent straight to the app from a given address, as Shopify's proxy forwards it. */
async function claimFrom(ip: string, code: string, visitor: string | null = null) {
  const response = await direct(`r/${code}`, signedAppProxyQuery(null), ip, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ visitor }),
  });
  return { http: response.status, ...(await response.json()) };
}

const friendCodesOf = (referrerId: string) => app.db.referral.count({ where: { referrerId, status: "PENDING" } });

describe("GET /apps/loyalty/r/<code>", () => {
  it("shows the offer and writes nothing; the page's claim makes one single-use code, and the friend's first order rewards the referrer", async () => {
    const rita = await referrer();
    const before = store().codeDiscounts().length;
    const landing = await visit(`/apps/loyalty/r/${rita.referralCode}`);
    expect(landing.status).toBe(200);
    const page = await landing.text();
    expect(page).toContain("10% off your first order");
    expect(page).toContain(`data-referral-claim="/apps/loyalty/r/${rita.referralCode}"`);
    // A link preview or a crawler opening the link makes nothing.
    expect(await app.db.referral.count({ where: { referrerId: rita.id } })).toBe(0);
    expect(store().codeDiscounts().length).toBe(before);

    const claimed = await claim(rita.referralCode);
    expect(claimed).toMatchObject({ status: "code", percent: 10, again: false });
    expect(claimed.message).toBe(`10% off your first order — code ${claimed.code} applied. It comes off at checkout.`);
    const code = claimed.code as string;
    expect(code).toMatch(/^FRIEND-[2-9A-HJ-NP-Z]{8}$/);
    expect(claimed.discountUrl).toBe(`/discount/${code}?redirect=%2F`);
    expect(claimed.visitor).toMatch(/^[\w-]{16}\.[\w-]{43}$/);

    const discount = store().codeDiscountByCode(code)!;
    expect(discount).toMatchObject({ kind: "basic", usageLimit: 1, appliesOncePerCustomer: true, customerIds: null, customerGets: { percentage: 0.1 } });
    const referral = await app.db.referral.findFirstOrThrow({ where: { referrerId: rita.id } });
    expect(referral).toMatchObject({ status: "PENDING", friendId: null });
    expect(await app.db.referralDiscount.findUniqueOrThrow({ where: { referralId: referral.id } })).toMatchObject({ code, discountShopifyId: discount.id });

    // The storefront keeps the code for checkout and sends the friend home.
    const applied = await visit(claimed.discountUrl);
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

  it("gives a signed-in friend a code only they can use, and the same code when they come back", async () => {
    const rita = await referrer();
    const friend = store().createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Fran", hasAccount: true });
    await app.devStore.webhooks.idle();
    const first = await claim(rita.referralCode, { customerGid: friend.id });
    expect(store().codeDiscountByCode(first.code)!.customerIds).toEqual([friend.id]);
    const again = await claim(rita.referralCode, { customerGid: friend.id });
    expect(again).toMatchObject({ status: "code", code: first.code, again: true });
    expect(await friendCodesOf(rita.id)).toBe(1);
  });

  it("gives one visitor one code: 25 visits and claims from one browser make one code", async () => {
    const rita = await referrer();
    const before = store().codeDiscounts().length;
    const first = await claimFrom("198.51.100.101", rita.referralCode);
    expect(first).toMatchObject({ http: 200, status: "code" });
    for (let i = 0; i < 24; i++) {
      expect((await direct(`r/${rita.referralCode}`, signedAppProxyQuery(null), `198.51.100.${110 + i}`)).status).toBe(200);
      const again = await claimFrom(`198.51.100.${110 + i}`, rita.referralCode, first.visitor);
      expect(again).toMatchObject({ status: "code", code: first.code, again: true, visitor: first.visitor });
    }
    expect(store().codeDiscounts().length).toBe(before + 1);
    expect(await app.db.referral.count({ where: { referrerId: rita.id } })).toBe(1);
    // A visitor id the app did not sign is a new visitor, not someone else's code.
    const forged = await claimFrom("198.51.100.200", rita.referralCode, `${"A".repeat(16)}.${"B".repeat(43)}`);
    expect(forged.code).not.toBe(first.code);
    expect(forged.visitor).not.toBe(`${"A".repeat(16)}.${"B".repeat(43)}`);
  });

  it("makes at most 10 new codes a day from one referrer's link, and says so to the next visitor", async () => {
    const rita = await referrer();
    const before = store().codeDiscounts().length;
    const codes = new Set<string>();
    for (let i = 0; i < 10; i++) codes.add((await claimFrom(`192.0.2.${10 + i}`, rita.referralCode)).code);
    expect(codes.size).toBe(10);
    const refused = await claimFrom("192.0.2.99", rita.referralCode);
    expect(refused).toMatchObject({ status: "refused", reason: "daily_code_limit" });
    expect(refused.message).toBe("This link has given out all its codes for today. Try again tomorrow, or visit the shop.");
    expect(store().codeDiscounts().length).toBe(before + 10);
    expect(await app.db.referral.count({ where: { referrerId: rita.id, status: "REFUSED", refusalReason: "daily_code_limit" } })).toBe(1);
  });

  it("tells a signed-in referrer it is their own link, a customer with orders that the offer is for new customers, and an unknown code that it is not valid, making no code", async () => {
    const rita = await referrer();
    const before = store().codeDiscounts().length;
    const own = await visit(`/apps/loyalty/r/${rita.referralCode}`, rita.shopifyId);
    expect(own.status).toBe(200);
    const ownPage = await own.text();
    expect(ownPage).toContain("This is your own referral link");
    expect(ownPage).not.toContain("data-referral-claim");
    expect((await claim(rita.referralCode, { customerGid: rita.shopifyId })).reason).toBe("self_referral");

    const buyer = store().createCustomer({ email: `${randomUUID()}@example.com`, hasAccount: true });
    store().createOrder({ customerId: buyer.id, lineItems: [{ variantId, quantity: 1 }] });
    await app.devStore.webhooks.idle();
    const existing = await visit(`/apps/loyalty/r/${rita.referralCode}`, buyer.id);
    expect(await existing.text()).toContain("This offer is for new customers");
    expect(await claim(rita.referralCode, { customerGid: buyer.id })).toMatchObject({ status: "refused", reason: "existing_customer" });

    const unknown = await visit("/apps/loyalty/r/NOSUCHCODE");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("This referral link isn't valid");
    expect(await claim("NOSUCHCODE")).toMatchObject({ http: 404, reason: "unknown_code" });
    expect(store().codeDiscounts().length).toBe(before);
  });

  it("rewards nothing when a customer with earlier orders orders with a code a guest visit got", async () => {
    const rita = await referrer();
    const regular = store().createCustomer({ email: `${randomUUID()}@example.com`, hasAccount: true });
    store().createOrder({ customerId: regular.id, lineItems: [{ variantId, quantity: 1 }], createdAt: new Date(Date.now() - 20 * 86_400_000).toISOString() });
    await app.devStore.webhooks.idle();
    // Opened signed out, so the landing could not know them.
    const { code } = await claim(rita.referralCode);
    store().createOrder({ customerId: regular.id, lineItems: [{ variantId, quantity: 1 }], discountCode: code });
    await app.devStore.webhooks.idle();
    expect(await app.db.referral.findFirstOrThrow({ where: { referrerId: rita.id } })).toMatchObject({ status: "REFUSED", refusalReason: "existing_customer" });
    expect((await pointsBalance(app.db, rita.id, new Date())).total).toBe(100);
  });

  it("rewards nothing when the referrer opens their own link signed out and orders under a new email at their own address", async () => {
    const home = { address1: "7 Rosemary Lane", zip: "SW1A 1AA", countryCode: "GB" };
    const customer = store().createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Rita", hasAccount: true, address: home });
    await app.devStore.webhooks.idle();
    const rita = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    const { code } = await claim(rita.referralCode);
    const alias = store().createCustomer({ email: `${randomUUID()}@example.com`, hasAccount: false });
    store().createOrder({
      customerId: alias.id,
      lineItems: [{ variantId, quantity: 1 }],
      discountCode: code,
      shippingAddress: { address1: "7 rosemary ln.", zip: "sw1a1aa", countryCode: "GB" },
    });
    await app.devStore.webhooks.idle();
    expect(await app.db.referral.findFirstOrThrow({ where: { referrerId: rita.id } })).toMatchObject({ status: "REFUSED", refusalReason: "same_address" });
    expect((await pointsBalance(app.db, rita.id, new Date())).total).toBe(100);
  });

  it("refuses a forged signature", async () => {
    const rita = await referrer();
    const forged = await direct(`r/${rita.referralCode}`, signedAppProxyQuery(null, "not-the-app-secret"), "198.51.100.1");
    expect(forged.status).toBe(401);
    const forgedClaim = await direct(`r/${rita.referralCode}`, signedAppProxyQuery(null, "not-the-app-secret"), "198.51.100.1", { method: "POST", body: "{}" });
    expect(forgedClaim.status).toBe(401);
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
    expect(statuses.every((status) => status === 404)).toBe(true);
    const limited = await direct("r/NOSUCHCODE", signedAppProxyQuery(null), ip);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await limited.text()).toContain("Too many visits");
    // Another address is not held back.
    expect((await direct("r/NOSUCHCODE", signedAppProxyQuery(null), "198.51.100.21")).status).toBe(404);
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
