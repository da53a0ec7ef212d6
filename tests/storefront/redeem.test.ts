/**
 * POST /apps/loyalty/redeem against the real app and the dev store's Admin API: points leave the
 * ledger once, a single-use code for that customer exists in the shop, and every way Shopify can fail
 * (refusing, timing out, losing its answer) leaves the shopper with either their code or their points.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { adjustPoints, pointsBalance } from "../../app/loyalty/ledger.server";
import { runRedemptionUpkeep } from "../../app/loyalty/redemption-upkeep.server";
import { expireAndSettleRedemptions, EXPIRY_GRACE_MS, rewardDiscountInput } from "../../app/loyalty/redemption.server";
import { DISCOUNT_CODE_BASIC_CREATE_MUTATION } from "../../app/shopify/operations";
import { CUSTOMER_COOKIE } from "../../dev-store/hosts/storefront";
import { legacyResourceId } from "../../dev-store/store/gid";
import { signedAppProxyQuery } from "../support/shopify-library";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

// The app gives up on Shopify after this long (a hang longer than it is a timeout).
process.env.DISCOUNT_CREATE_TIMEOUT_MS = "1000";

let app: TestApp;
let shopId: string;
let variantId: string;
let rewards: { id: string; name: string; pointsCost: number; kind: string }[];

beforeAll(async () => {
  app = await startTestApp();
  variantId = app.devStore.store.createProduct({ title: "Coffee beans", variants: [{ price: "25.00" }] }).variants[0].id;
  shopId = await app.installAndImportHistory();
  rewards = await app.db.reward.findMany({ where: { shopId }, orderBy: { pointsCost: "asc" } });
}, 60_000);
afterAll(async () => {
  await app?.close();
});

const store = () => app.devStore.store;
const reward = (kind: string) => rewards.find((candidate) => candidate.kind === kind)!;

/** A signed-in shopper whose balance is `points` (the 100 welcome points included). */
async function shopperWith(points: number, firstName = "Ada") {
  const customer = store().createCustomer({ email: `${randomUUID()}@example.com`, firstName, lastName: "Shopper", hasAccount: true });
  await app.devStore.webhooks.idle();
  const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
  if (points !== 100) await adjustPoints(app.db, { shopId, customerId: stored.id, points: points - 100, reason: "Test balance", now: new Date() });
  return { gid: customer.id, id: stored.id };
}

const balanceOf = async (customerId: string) => (await pointsBalance(app.db, customerId, new Date())).available;
const discountsFor = (customerGid: string) => store().codeDiscounts().filter((discount) => discount.customerIds?.includes(customerGid));

/** The widget's request through the dev storefront, which signs it as Shopify's app proxy does. */
function redeemFromStorefront(customerGid: string | null, body: unknown) {
  return fetch(`${app.devStore.storefrontUrl}/apps/loyalty/redeem`, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/json", ...(customerGid ? { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(customerGid)}` } : {}) },
    body: JSON.stringify(body),
  });
}

/** Straight to the app as Shopify's proxy forwards it; each test uses its own shopper address. */
function redeemDirect(query: URLSearchParams, body: unknown, ip: string) {
  return fetch(`${app.appUrl}/proxy/redeem?${query}`, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/json", "X-Forwarded-For": ip },
    body: JSON.stringify(body),
  });
}

let lastIp = 0;
const newIp = () => `203.0.113.${++lastIp}`;

describe("POST /apps/loyalty/redeem", () => {
  it("takes the reward's points and answers a single-use code that exists in the shop for that customer only", async () => {
    const { gid, id } = await shopperWith(1500);
    const fiveOff = reward("AMOUNT_OFF");
    const response = await redeemFromStorefront(gid, { rewardId: fiveOff.id, idempotencyKey: randomUUID() });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.code).toMatch(/^REWARD-[2-9A-HJ-NP-Z]{8}$/);
    expect(body.points).toEqual({ balance: 1000, pending: 0 });
    expect(await balanceOf(id)).toBe(1000);

    const discount = store().codeDiscountByCode(body.code)!;
    expect(discount).toMatchObject({ kind: "basic", usageLimit: 1, appliesOncePerCustomer: true, customerIds: [gid], customerGets: { amount: 500, appliesOnEachItem: false } });
    const days = (Date.parse(discount.endsAt!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    // The widget's account view: the redemption in the history, what the new balance affords.
    const account = await (await fetch(`${app.devStore.storefrontUrl}/apps/loyalty/customer`, { headers: { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(gid)}` } })).json();
    expect(account.history[0]).toMatchObject({ points: -500, reason: `Redeemed: ${fiveOff.name}` });
    expect(account.rewards).toEqual(rewards.map((entry) => ({ id: entry.id, name: entry.name, cost: entry.pointsCost, affordable: entry.pointsCost <= 1000 })));

    // Another customer cannot use it at checkout; its owner can, and that marks it used.
    const other = store().createCustomer({ email: `${randomUUID()}@example.com`, hasAccount: true });
    expect(() => store().createOrder({ customerId: other.id, lineItems: [{ variantId, quantity: 1 }], discountCode: body.code })).toThrow();
    store().createOrder({ customerId: gid, lineItems: [{ variantId, quantity: 1 }], discountCode: body.code });
    await app.devStore.webhooks.idle();
    expect(await app.db.redemption.findFirstOrThrow({ where: { code: body.code } })).toMatchObject({ status: "USED", usedAt: expect.any(Date) });
  });

  it("makes free shipping a free-shipping code, with the reward's minimum order", async () => {
    const { gid } = await shopperWith(900);
    const freeShipping = reward("FREE_SHIPPING");
    await app.db.reward.update({ where: { id: freeShipping.id }, data: { minimumSubtotal: "50" } });
    const response = await redeemDirect(signedAppProxyQuery(gid), { rewardId: freeShipping.id, idempotencyKey: randomUUID() }, newIp());
    expect(response.status).toBe(200);
    const { code } = await response.json();
    expect(store().codeDiscountByCode(code)).toMatchObject({ kind: "free_shipping", customerIds: [gid], minimumSubtotal: 5000, usageLimit: 1 });
    await app.db.reward.update({ where: { id: freeShipping.id }, data: { minimumSubtotal: null } });
  });

  it("answers the same idempotency key twice with the same code, charging once", async () => {
    const { gid, id } = await shopperWith(1200);
    const ip = newIp();
    const request = { rewardId: reward("AMOUNT_OFF").id, idempotencyKey: randomUUID() };
    const [first, second] = await Promise.all([redeemDirect(signedAppProxyQuery(gid), request, ip), redeemDirect(signedAppProxyQuery(gid), request, ip)]);
    const third = await redeemDirect(signedAppProxyQuery(gid), request, ip);
    const codes = await Promise.all([first, second, third].map(async (response) => ({ status: response.status, code: (await response.json()).code })));
    expect(codes.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(new Set(codes.map((answer) => answer.code)).size).toBe(1);
    expect(await balanceOf(id)).toBe(700);
    expect(discountsFor(gid)).toHaveLength(1);
  });

  it("gives exactly as many codes as the balance affords to 10 redemptions at once, never going below zero", async () => {
    const { gid, id } = await shopperWith(1550);
    const ip = newIp();
    const rewardId = reward("AMOUNT_OFF").id;
    const responses = await Promise.all(Array.from({ length: 10 }, () => redeemDirect(signedAppProxyQuery(gid), { rewardId, idempotencyKey: randomUUID() }, ip)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 409, 409, 409, 409, 409, 409, 409]);
    const refused = await responses.find((response) => response.status === 409)!.json();
    expect(refused.error).toBe("You need 450 points more for this reward.");
    expect(await balanceOf(id)).toBe(50);
    expect(discountsFor(gid)).toHaveLength(3);
    expect(await app.db.redemption.count({ where: { customerId: id, status: "ISSUED" } })).toBe(3);
  });

  it("takes the customer only from the signed query: a forged signature, an edited id or a body's id change nothing", async () => {
    const mallory = await shopperWith(100, "Mallory");
    const victim = await shopperWith(2000, "Victim");
    const ip = newIp();
    const body = { rewardId: reward("AMOUNT_OFF").id, idempotencyKey: randomUUID(), customerId: victim.gid, logged_in_customer_id: String(legacyResourceId(victim.gid)) };

    const forged = await redeemDirect(signedAppProxyQuery(victim.gid, "not-the-app-secret"), body, ip);
    expect(forged.status).toBe(401);
    const edited = signedAppProxyQuery(mallory.gid);
    edited.set("logged_in_customer_id", String(legacyResourceId(victim.gid)));
    expect((await redeemDirect(edited, body, ip)).status).toBe(401);
    const unsigned = signedAppProxyQuery(victim.gid);
    unsigned.delete("signature");
    expect((await redeemDirect(unsigned, body, ip)).status).toBe(401);

    // Mallory's own signed request redeems against Mallory's balance, whatever the body says.
    const own = await redeemDirect(signedAppProxyQuery(mallory.gid), body, ip);
    expect(own.status).toBe(409);
    expect(await balanceOf(victim.id)).toBe(2000);
    expect(discountsFor(victim.gid)).toHaveLength(0);

    // A guest has nothing to redeem.
    const guest = await redeemFromStorefront(null, body);
    expect(guest.status).toBe(401);
    expect((await guest.json()).error).toBe("Sign in to redeem your points.");
  });

  it("refuses a reward that is inactive or another shop's, and a malformed body, with a clear message", async () => {
    const { gid, id } = await shopperWith(5000);
    const ip = newIp();
    const inactive = await app.db.reward.create({ data: { shopId, name: "Old reward", kind: "PERCENTAGE_OFF", percentageOff: 5, pointsCost: 10, active: false } });
    const gone = await redeemDirect(signedAppProxyQuery(gid), { rewardId: inactive.id, idempotencyKey: randomUUID() }, ip);
    expect(gone.status).toBe(404);
    expect((await gone.json()).error).toBe("This reward is no longer available.");
    const other = await app.db.shop.create({ data: { domain: "someone-else.myshopify.com", settings: { create: {} } } });
    const theirs = await app.db.reward.create({ data: { shopId: other.id, name: "Theirs", kind: "FREE_SHIPPING", pointsCost: 10 } });
    expect((await redeemDirect(signedAppProxyQuery(gid), { rewardId: theirs.id, idempotencyKey: randomUUID() }, ip)).status).toBe(404);
    const malformed = await redeemDirect(signedAppProxyQuery(gid), { rewardId: "" }, ip);
    expect(malformed.status).toBe(400);
    expect(await balanceOf(id)).toBe(5000);
  });

  it("gives the points back and says why when Shopify fails or does not answer in time", async () => {
    const { gid, id } = await shopperWith(1000);
    const ip = newIp();
    const rewardId = reward("AMOUNT_OFF").id;

    app.devStore.adminApi.injectFault({ field: "discountCodeBasicCreate", kind: "internal-error" });
    const click = { rewardId, idempotencyKey: randomUUID() };
    const failed = await redeemDirect(signedAppProxyQuery(gid), click, ip);
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ error: "Shopify could not create your code. Your points are back.", points: { balance: 1000, pending: 0 } });

    app.devStore.adminApi.injectFault({ field: "discountCodeBasicCreate", kind: "hang", hangMs: 3000 });
    const timedOut = await redeemDirect(signedAppProxyQuery(gid), { rewardId, idempotencyKey: randomUUID() }, ip);
    expect(timedOut.status).toBe(502);
    expect((await timedOut.json()).error).toBe("Shopify did not answer in time. Your points are back.");

    expect(await balanceOf(id)).toBe(1000);
    expect(discountsFor(gid)).toHaveLength(0);
    const failures = await app.db.redemption.findMany({ where: { customerId: id } });
    expect(failures.map((redemption) => redemption.status)).toEqual(["FAILED", "FAILED"]);
    // Each refund is its own ledger entry, beside the deduction it compensates.
    const entries = await app.db.pointsLedgerEntry.findMany({ where: { customerId: id, reason: "REDEMPTION" } });
    expect(entries.map((entry) => entry.points).sort((a, b) => a - b)).toEqual([-500, -500, 500, 500]);

    // Shopify is back: the widget's retry of the failed click (same key) is a fresh attempt, charged once.
    const retried = await redeemDirect(signedAppProxyQuery(gid), click, ip);
    expect(retried.status).toBe(200);
    expect(discountsFor(gid).map((discount) => discount.codes[0].code)).toEqual([(await retried.json()).code]);
    expect(await balanceOf(id)).toBe(500);
  });

  it("says Shopify is too busy when it throttles every attempt, and gives the points back", async () => {
    const { gid, id } = await shopperWith(1000);
    app.devStore.adminApi.injectFault({ field: "discountCodeBasicCreate", kind: "throttled", times: 5 });
    const throttled = await redeemDirect(signedAppProxyQuery(gid), { rewardId: reward("AMOUNT_OFF").id, idempotencyKey: randomUUID() }, newIp());
    expect(throttled.status).toBe(502);
    expect(await throttled.json()).toEqual({ error: "Shopify is too busy right now. Your points are back.", points: { balance: 1000, pending: 0 } });
    expect(await balanceOf(id)).toBe(1000);
    expect(discountsFor(gid)).toHaveLength(0);
  });

  it("finds and reuses the code when Shopify made it but its answer was lost", async () => {
    const { gid, id } = await shopperWith(600);
    app.devStore.adminApi.injectFault({ field: "discountCodeBasicCreate", kind: "lose-answer" });
    const response = await redeemDirect(signedAppProxyQuery(gid), { rewardId: reward("AMOUNT_OFF").id, idempotencyKey: randomUUID() }, newIp());
    expect(response.status).toBe(200);
    const { code } = await response.json();
    const made = discountsFor(gid);
    expect(made).toHaveLength(1);
    expect(made[0].codes.map((entry) => entry.code)).toEqual([code]);
    expect(await app.db.redemption.findFirstOrThrow({ where: { customerId: id } })).toMatchObject({ status: "ISSUED", discountShopifyId: made[0].id });
    expect(await balanceOf(id)).toBe(100);
  });

  it("expires unused codes after their end, giving the points back when the reward says so", async () => {
    const { gid, id } = await shopperWith(1600);
    const ip = newIp();
    const keep = await app.db.reward.create({ data: { shopId, name: "No refund", kind: "PERCENTAGE_OFF", percentageOff: 5, pointsCost: 300, returnPointsOnExpiry: false } });
    const back = reward("AMOUNT_OFF");
    const codes: string[] = [];
    for (const rewardId of [keep.id, back.id]) {
      const response = await redeemDirect(signedAppProxyQuery(gid), { rewardId, idempotencyKey: randomUUID() }, ip);
      expect(response.status).toBe(200);
      codes.push((await response.json()).code);
    }
    expect(await balanceOf(id)).toBe(800);
    const ended = new Date(Date.now() + 31 * 86_400_000 + EXPIRY_GRACE_MS);
    const shopify = () => {
      throw new Error("no Admin API call expected");
    };
    const first = await expireAndSettleRedemptions(app.db, shopify, ended);
    expect(first.expired).toBeGreaterThanOrEqual(2);
    expect(await app.db.redemption.findMany({ where: { customerId: id }, select: { status: true } })).toEqual([{ status: "EXPIRED" }, { status: "EXPIRED" }]);
    const balanceThen = async () => (await pointsBalance(app.db, id, ended)).available;
    expect(await balanceThen()).toBe(800 + 500);
    // Running it again gives nothing twice.
    await expireAndSettleRedemptions(app.db, shopify, ended);
    expect(await balanceThen()).toBe(1300);

    // An order with the expired code that reaches the app late: used after all, the points go again.
    store().createOrder({ customerId: gid, lineItems: [{ variantId, quantity: 1 }], discountCode: codes[1] });
    await app.devStore.webhooks.idle();
    expect(await app.db.redemption.findFirstOrThrow({ where: { code: codes[1] } })).toMatchObject({ status: "USED" });
    // 1300 - 500 taken again + 25 for the $25 order less its $5 off: 20 points.
    expect(await balanceThen()).toBe(1300 - 500 + 20);
    await app.db.reward.update({ where: { id: keep.id }, data: { active: false } });
  });

  it("settles redemptions a stopped process left creating: a code Shopify made is kept, otherwise the points come back", async () => {
    const { gid, id } = await shopperWith(1100);
    const fiveOff = await app.db.reward.findUniqueOrThrow({ where: { id: reward("AMOUNT_OFF").id } });
    const longAgo = new Date(Date.now() - 10 * 60_000);
    const abandoned = await Promise.all(
      ["REWARD-MADE2345", "REWARD-LOST2345"].map(async (code) => {
        const redemption = await app.db.redemption.create({
          data: { shopId, customerId: id, rewardId: fiveOff.id, idempotencyKey: randomUUID(), points: 500, code, endsAt: new Date(Date.now() + 30 * 86_400_000), createdAt: longAgo },
        });
        await app.db.pointsLedgerEntry.create({
          data: { shopId, customerId: id, points: -500, reason: "REDEMPTION", source: "REDEMPTION", sourceId: redemption.id, key: `redemption:${redemption.id}:1`, availableAt: longAgo },
        });
        return redemption;
      }),
    );
    // The first one's code reached Shopify before its process stopped.
    const graphql = await app.adminGraphqlFor(TEST_APP.shop);
    await graphql(DISCOUNT_CODE_BASIC_CREATE_MUTATION, { variables: { basicCodeDiscount: rewardDiscountInput(fiveOff, abandoned[0], gid, longAgo).input } });
    expect(await balanceOf(id)).toBe(100);

    const result = await runRedemptionUpkeep(app.db, (shop) => ({ graphql: () => app.adminGraphqlFor(shop), timeoutMs: 2000 }), new Date());
    expect(result.settled).toBe(2);
    const [made, lost] = await Promise.all(abandoned.map((redemption) => app.db.redemption.findUniqueOrThrow({ where: { id: redemption.id } })));
    expect(made).toMatchObject({ status: "ISSUED", discountShopifyId: store().codeDiscountByCode("REWARD-MADE2345")!.id });
    expect(lost).toMatchObject({ status: "FAILED" });
    expect(discountsFor(gid)).toHaveLength(1);
    expect(await balanceOf(id)).toBe(600);
  });

  it("deletes a code Shopify made after the app had given up on it and given the points back", async () => {
    const { gid, id } = await shopperWith(700);
    const rewardId = reward("AMOUNT_OFF").id;
    app.devStore.adminApi.injectFault({ field: "discountCodeBasicCreate", kind: "answer-late", hangMs: 2500 });
    const click = { rewardId, idempotencyKey: randomUUID() };
    const response = await redeemDirect(signedAppProxyQuery(gid), click, newIp());
    expect(response.status).toBe(502);
    expect(await balanceOf(id)).toBe(700);
    // Shopify finishes the request the app gave up on.
    const failed = await app.db.redemption.findFirstOrThrow({ where: { customerId: id } });
    for (let waited = 0; !store().codeDiscountByCode(failed.code) && waited < 5000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store().codeDiscountByCode(failed.code)).toBeDefined();

    const result = await runRedemptionUpkeep(app.db, (shop) => ({ graphql: () => app.adminGraphqlFor(shop), timeoutMs: 2000 }), new Date());
    expect(result.lateCodesDeleted).toBe(1);
    expect(store().codeDiscountByCode(failed.code)).toBeUndefined();
    expect(await app.db.redemption.findUniqueOrThrow({ where: { id: failed.id } })).toMatchObject({ status: "FAILED" });
    expect(await balanceOf(id)).toBe(700);

    // The shopper's retry of that click now gets a code of its own, charged once.
    const retried = await redeemDirect(signedAppProxyQuery(gid), click, newIp());
    expect(retried.status).toBe(200);
    const { code } = await retried.json();
    expect(code).not.toBe(failed.code);
    expect(discountsFor(gid).map((discount) => discount.codes[0].code)).toEqual([code]);
    expect(await balanceOf(id)).toBe(200);
  });
});
