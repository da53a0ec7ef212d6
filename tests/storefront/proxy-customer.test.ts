/**
 * GET /apps/loyalty/customer through the dev storefront's app proxy, which signs each request as
 * Shopify does: the widget's data for a guest and a signed-in customer, and the signature as the
 * only credential (a forged, missing or tampered one is refused).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { adjustPoints } from "../../app/loyalty/ledger.server";
import { signAppProxyQuery } from "../../dev-store/hosts/app-proxy";
import { CUSTOMER_COOKIE } from "../../dev-store/hosts/storefront";
import { legacyResourceId } from "../../dev-store/store/gid";
import { signedAppProxyQuery } from "../support/shopify-library";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let variantId: string;

const DEFAULT_WAYS = [
  { kind: "welcome", title: "Create an account", points: "100 points" },
  { kind: "spend", title: "Every $1 you spend", points: "1 point" },
  { kind: "second_order", title: "Your second order", points: "200 points" },
  { kind: "referral", title: "A friend's first order", points: "500 points" },
];
// A customer who has their welcome points and two or more purchases can only earn these.
const WAYS_AFTER_TWO_ORDERS = DEFAULT_WAYS.filter((way) => way.kind === "spend" || way.kind === "referral");
const CATALOGUE = [
  { id: expect.any(String), name: "$5 off your order", cost: 500, affordable: false },
  { id: expect.any(String), name: "Free shipping", cost: 800, affordable: false },
  { id: expect.any(String), name: "10% off your order", cost: 1000, affordable: false },
];

beforeAll(async () => {
  app = await startTestApp();
  variantId = app.devStore.store.createProduct({ title: "Coffee beans", variants: [{ price: "25.00" }] }).variants[0].id;
  shopId = await app.installAndImportHistory();
}, 60_000);
afterAll(async () => {
  await app?.close();
});


const store = () => app.devStore.store;

function shopper(firstName = "Ada") {
  return store().createCustomer({ email: `${randomUUID()}@example.com`, firstName, lastName: "Shopper", hasAccount: true });
}

/** The widget's request, from the storefront, signed in as `customerGid` (or a guest). */
function fromStorefront(customerGid: string | null) {
  return fetch(`${app.devStore.storefrontUrl}/apps/loyalty/customer`, {
    headers: { Accept: "application/json", ...(customerGid ? { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(customerGid)}` } : {}) },
  });
}

const direct = (query: URLSearchParams) => fetch(`${app.appUrl}/proxy/customer?${query}`, { headers: { Accept: "application/json" } });

describe("GET /apps/loyalty/customer", () => {
  it("shows a guest the program's ways to earn and the reward catalogue with costs, and nothing of anyone's account, cacheable publicly", async () => {
    const response = await fromStorefront(null);
    expect(response.status).toBe(200);
    // The dev storefront forwards only the content type: the app's own headers are read directly.
    expect((await direct(signedAppProxyQuery(null))).headers.get("cache-control")).toBe("public, max-age=60");
    expect(await response.json()).toEqual({
      customer: null,
      points: { balance: 0, pending: 0 },
      referral: null,
      rewards: CATALOGUE,
      myRewards: [],
      history: [],
      waysToEarn: DEFAULT_WAYS,
      program: { pointsName: "points", pendingDays: 0, timezone: app.devStore.store.shop.ianaTimezone },
    });
  });

  it("shows a signed-in customer the balance their account and orders earned, their history and referral link", async () => {
    const customer = shopper("Maya");
    // 2 × $25 = $50 after no discounts; shipping and tax do not earn by default: 50 points each.
    const first = store().createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 2 }], shipping: { title: "Standard", price: "5.00" }, taxRate: "0.08" });
    await app.devStore.webhooks.idle();
    const second = store().createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 1 }] });
    await app.devStore.webhooks.idle();

    const response = await fromStorefront(customer.id);
    expect(response.status).toBe(200);
    expect((await direct(signedAppProxyQuery(customer.id))).headers.get("cache-control")).toBe("private, no-store");
    const body = await response.json();
    const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });

    // Welcome 100 + first order 50 + second order 25 + second-order bonus 200.
    expect(body.customer).toEqual({ id: customer.id, firstName: "Maya" });
    expect(body.points).toEqual({ balance: 375, pending: 0 });
    expect(body.referral).toEqual({ code: stored.referralCode, url: `https://${TEST_APP.shop}/apps/loyalty/r/${stored.referralCode}` });
    // The catalogue seeded on install, cheapest first; 375 points afford none of it yet.
    expect(body.rewards).toEqual(CATALOGUE);
    // Welcome points earned and a second order placed: neither is offered again.
    expect(body.waysToEarn).toEqual(WAYS_AFTER_TWO_ORDERS);
    expect(body.program).toEqual({ pointsName: "points", pendingDays: 0, timezone: app.devStore.store.shop.ianaTimezone });

    const history = body.history as { at: string; points: number; reason: string }[];
    expect(history.map(({ points, reason }) => ({ points, reason }))).toEqual(
      expect.arrayContaining([
        { points: 100, reason: "Welcome points" },
        { points: 50, reason: `Order ${first.name}` },
        { points: 25, reason: `Order ${second.name}` },
        { points: 200, reason: "Second order bonus" },
      ]),
    );
    // Newest first; the welcome and the first order's points share their moment, so either may lead.
    expect(history).toHaveLength(4);
    const times = history.map((entry) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("shows the 10 newest history entries, newest first, with a merchant's adjustment reason as written", async () => {
    const customer = shopper();
    await app.devStore.webhooks.idle();
    const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    for (let i = 1; i <= 11; i++) {
      await adjustPoints(app.db, { shopId, customerId: stored.id, points: i, reason: `Thanks #${i}`, now: new Date() });
    }
    const body = await (await fromStorefront(customer.id)).json();
    expect(body.points.balance).toBe(100 + 66);
    expect(body.history).toHaveLength(10);
    expect(body.history.map((entry: { reason: string }) => entry.reason)).toEqual(Array.from({ length: 10 }, (_, i) => `Thanks #${11 - i}`));
  });

  it("gives a signed-in customer the app does not know yet a zero balance and no referral link", async () => {
    const unknown = "gid://shopify/Customer/7412999999999";
    const response = await direct(signedAppProxyQuery(unknown));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(await response.json()).toMatchObject({
      customer: { id: unknown, firstName: null },
      points: { balance: 0, pending: 0 },
      referral: null,
      rewards: CATALOGUE,
      myRewards: [],
      history: [],
      waysToEarn: DEFAULT_WAYS,
    });
  });

  it("offers a customer with one order the second-order bonus but not the welcome points they have, and tells the pending days", async () => {
    await app.db.programSettings.update({ where: { shopId }, data: { pendingDays: 14 } });
    try {
      const customer = shopper();
      store().createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 1 }] });
      await app.devStore.webhooks.idle();
      const body = await (await fromStorefront(customer.id)).json();
      expect(body.waysToEarn.map((way: { kind: string }) => way.kind)).toEqual(["spend", "second_order", "referral"]);
      expect(body.program).toEqual({ pointsName: "points", pendingDays: 14, timezone: app.devStore.store.shop.ianaTimezone });
      // The order's 25 points wait the 14 days.
      expect(body.points).toEqual({ balance: 100, pending: 25 });
    } finally {
      await app.db.programSettings.update({ where: { shopId }, data: { pendingDays: 0 } });
    }
  });

  it("lists the customer's redeemed codes: unused ones first with their end date, then used (an order carried the code) and expired ones", async () => {
    const customer = shopper("Rosa");
    await app.devStore.webhooks.idle();
    const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    await adjustPoints(app.db, { shopId, customerId: stored.id, points: 2900, reason: "Thanks", now: new Date() });
    const catalogue = await app.db.reward.findMany({ where: { shopId }, orderBy: { pointsCost: "asc" } });
    const redeem = async (rewardId: string) => {
      const response = await fetch(`${app.devStore.storefrontUrl}/apps/loyalty/redeem`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(customer.id)}` },
        body: JSON.stringify({ rewardId, idempotencyKey: randomUUID() }),
      });
      expect(response.status).toBe(200);
      return response.json();
    };
    const used = await redeem(catalogue[0].id);
    const expired = await redeem(catalogue[1].id);
    const unused = await redeem(catalogue[2].id);
    // The redeem answer carries the account as it now is: the three codes unused, soonest ending first, the history updated.
    expect(unused.account.myRewards.map((mine: { code: string }) => mine.code)).toEqual([used.code, expired.code, unused.code]);
    expect(unused.account.myRewards[2]).toEqual({ code: unused.code, name: "10% off your order", endsAt: unused.endsAt, status: "unused" });
    expect(unused.account.history[0]).toMatchObject({ points: -1000, reason: "Redeemed: 10% off your order" });
    expect(unused.account.points).toEqual(unused.points);

    // An order carrying the code marks it used; a code past its end date is expired.
    store().createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 2 }], discountCode: used.code });
    await app.devStore.webhooks.idle();
    await app.db.redemption.updateMany({ where: { code: expired.code }, data: { endsAt: new Date(Date.now() - 60_000) } });

    const body = await (await fromStorefront(customer.id)).json();
    expect(body.myRewards).toEqual([
      { code: unused.code, name: "10% off your order", endsAt: unused.endsAt, status: "unused" },
      { code: expired.code, name: "Free shipping", endsAt: expect.any(String), status: "expired" },
      { code: used.code, name: "$5 off your order", endsAt: used.endsAt, status: "used" },
    ]);
    // Another customer sees none of Rosa's codes.
    const other = shopper();
    await app.devStore.webhooks.idle();
    expect((await (await fromStorefront(other.id)).json()).myRewards).toEqual([]);
  });

  it("refuses a request whose signature is forged or missing", async () => {
    const customer = shopper();
    await app.devStore.webhooks.idle();
    const forged = await direct(signedAppProxyQuery(customer.id, "not-the-app-secret"));
    expect(forged.status).toBe(401);
    expect(JSON.stringify(await forged.json())).not.toContain(customer.id);

    const unsigned = signedAppProxyQuery(customer.id);
    unsigned.delete("signature");
    expect((await direct(unsigned)).status).toBe(401);
    expect((await fetch(`${app.appUrl}/proxy/customer`)).status).toBe(401);
    expect((await direct(new URLSearchParams({ shop: TEST_APP.shop, logged_in_customer_id: String(legacyResourceId(customer.id)) }))).status).toBe(401);
  });

  it("does not let one customer read another's account by editing logged_in_customer_id", async () => {
    const mallory = shopper("Mallory");
    const victim = shopper("Victim");
    await app.devStore.webhooks.idle();

    const query = signedAppProxyQuery(mallory.id);
    expect((await direct(query)).status).toBe(200);
    query.set("logged_in_customer_id", String(legacyResourceId(victim.id)));
    const tampered = await direct(query);
    expect(tampered.status).toBe(401);
    expect(JSON.stringify(await tampered.json())).not.toContain("Victim");

    // Nor by adding it to the storefront URL: the proxy drops a shopper's own value for it.
    const viaStorefront = await fetch(`${app.devStore.storefrontUrl}/apps/loyalty/customer?logged_in_customer_id=${legacyResourceId(victim.id)}`, {
      headers: { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(mallory.id)}` },
    });
    expect((await viaStorefront.json()).customer).toEqual({ id: mallory.id, firstName: "Mallory" });
  });

  it("counts points not yet available as pending, dates history in UTC, and marks the rewards the balance affords", async () => {
    const customer = shopper();
    await app.devStore.webhooks.idle();
    const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    const later = await app.db.pointsLedgerEntry.create({
      data: { shopId, customerId: stored.id, points: 40, reason: "ADJUSTMENT", source: "ADJUSTMENT", key: `pending:${stored.id}`, note: "On its way", availableAt: new Date(Date.now() + 86_400_000) },
    });
    await adjustPoints(app.db, { shopId, customerId: stored.id, points: 450, reason: "Thanks", now: new Date() });

    const body = await (await fromStorefront(customer.id)).json();
    // Welcome 100 + 450 spendable; the 40 waiting are not spendable yet.
    expect(body.points).toEqual({ balance: 550, pending: 40 });
    expect(body.rewards.map(({ cost, affordable }: { cost: number; affordable: boolean }) => ({ cost, affordable }))).toEqual([
      { cost: 500, affordable: true },
      { cost: 800, affordable: false },
      { cost: 1000, affordable: false },
    ]);
    expect(body.history).toContainEqual({ at: later.createdAt.toISOString(), points: 40, reason: "On its way" });
  });

  it("gives a deleted customer a zero balance and no referral link", async () => {
    const customer = shopper("Gone");
    await app.devStore.webhooks.idle();
    await app.db.customer.update({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } }, data: { deletedAt: new Date() } });
    expect(await (await fromStorefront(customer.id)).json()).toMatchObject({
      customer: { id: customer.id, firstName: "Gone" },
      points: { balance: 0, pending: 0 },
      referral: null,
      myRewards: [],
      history: [],
    });
  });

  it("answers a shop that has not installed the app with a 404 and nothing of this shop's customers", async () => {
    const customer = shopper("Elsewhere");
    await app.devStore.webhooks.idle();
    const query = new URLSearchParams({
      shop: "another-shop.myshopify.com",
      logged_in_customer_id: String(legacyResourceId(customer.id)),
      path_prefix: "/apps/loyalty",
      timestamp: String(Math.floor(Date.now() / 1000)),
    });
    query.append("signature", signAppProxyQuery(query, TEST_APP.apiSecret));
    const response = await direct(query);
    expect(response.status).toBe(404);
    expect(JSON.stringify(await response.json())).not.toContain("Elsewhere");
  });

  it("refuses a signature older than 90 seconds, a repeated shop or signature, and accepts parameters Shopify added", async () => {
    const customer = shopper();
    await app.devStore.webhooks.idle();
    const signedAt = (secondsAgo: number, extra: [string, string][] = []) => {
      const query = new URLSearchParams([
        ["shop", TEST_APP.shop],
        ["logged_in_customer_id", String(legacyResourceId(customer.id))],
        ["path_prefix", "/apps/loyalty"],
        ["timestamp", String(Math.floor(Date.now() / 1000) - secondsAgo)],
        ...extra,
      ]);
      query.append("signature", signAppProxyQuery(query, TEST_APP.apiSecret));
      return query;
    };
    expect((await direct(signedAt(30))).status).toBe(200);
    expect((await direct(signedAt(120))).status).toBe(401);
    expect((await direct(signedAt(-120))).status).toBe(401);
    // Repeated values are signed joined by commas: fine for the shopper's own, never for the shop.
    expect((await direct(signedAt(0, [["tag", "b"], ["Tag", "a"], ["tag", "c"]]))).status).toBe(200);
    expect((await direct(signedAt(0, [["shop", "another-shop.myshopify.com"]]))).status).toBe(401);
    const twice = signedAt(0);
    twice.append("signature", twice.get("signature") ?? "");
    expect((await direct(twice)).status).toBe(401);
  });
});
