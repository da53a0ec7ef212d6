/**
 * Store credit and free-product rewards, and per-reward limits, against the real app and the dev
 * store's Admin API: the credit lands once on the customer's account (whatever Shopify refuses, throttles,
 * times out or loses), a free product's code takes 100% off that variant only at checkout, and a
 * reward's limit and minimum balance hold even when redemptions arrive at once.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { adjustPoints, pointsBalance } from "../../app/loyalty/ledger.server";
import { runRedemptionUpkeep } from "../../app/loyalty/redemption-upkeep.server";
import { redeemReward, type ShopifyAccess } from "../../app/loyalty/redemption.server";
import { CUSTOMER_COOKIE } from "../../dev-store/hosts/storefront";
import { signedAppProxyQuery } from "../support/shopify-library";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

// The app gives up on Shopify after this long (a hang longer than it is a timeout).
process.env.DISCOUNT_CREATE_TIMEOUT_MS = "1000";

const DAY_MS = 86_400_000;
let app: TestApp;
let shopId: string;
let beans: { variantId: string; productId: string };
let mugVariantId: string;
let credit: { id: string; name: string };

beforeAll(async () => {
  app = await startTestApp();
  const product = app.devStore.store.createProduct({ title: "Coffee beans", imageUrl: "https://cdn.example.com/beans.png", variants: [{ price: "18.00" }] });
  beans = { variantId: product.variants[0].id, productId: product.id };
  mugVariantId = app.devStore.store.createProduct({ title: "Mug", variants: [{ price: "12.00" }] }).variants[0].id;
  shopId = await app.installAndImportHistory();
  credit = await app.db.reward.create({ data: { shopId, name: "$10 store credit", kind: "STORE_CREDIT", storeCreditAmount: "10", pointsCost: 1000, codeValidDays: 90 } });
}, 60_000);
afterAll(async () => {
  await app?.close();
});

const store = () => app.devStore.store;

async function shopperWith(points: number) {
  const customer = store().createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Ada", lastName: "Shopper", hasAccount: true });
  await app.devStore.webhooks.idle();
  const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
  if (points !== 100) await adjustPoints(app.db, { shopId, customerId: stored.id, points: points - 100, reason: "Test balance", now: new Date() });
  return { gid: customer.id, id: stored.id };
}

const balanceOf = async (customerId: string, at = new Date()) => (await pointsBalance(app.db, customerId, at)).available;
/** The customer's store credit in the dev store, in cents. */
const storeCreditOf = (customerGid: string) => store().storeCreditAccountsOf(customerGid).reduce((sum, account) => sum + account.balance, 0);
const creditsOf = (customerGid: string) => store().storeCreditAccountsOf(customerGid).flatMap((account) => account.transactions.filter((entry) => entry.kind === "credit"));

let lastIp = 0;
function redeem(customerGid: string, body: unknown) {
  return fetch(`${app.appUrl}/proxy/redeem?${signedAppProxyQuery(customerGid)}`, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/json", "X-Forwarded-For": `198.51.100.${++lastIp}` },
    body: JSON.stringify(body),
  });
}

const shopify = (): ShopifyAccess => ({ graphql: () => app.adminGraphqlFor(TEST_APP.shop), timeoutMs: 2000 });

describe("store credit rewards", () => {
  it("turns points into store credit on the customer's account, in the shop's currency, with no code", async () => {
    const { gid, id } = await shopperWith(1500);
    const response = await redeem(gid, { rewardId: credit.id, idempotencyKey: randomUUID() });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ code: null, storeCredit: { amount: "10.00", currencyCode: "USD", reference: expect.stringMatching(/^CREDIT-/) }, points: { balance: 500, pending: 0 } });
    expect(await balanceOf(id)).toBe(500);
    expect(storeCreditOf(gid)).toBe(1000);
    const [transaction] = creditsOf(gid);
    const redemption = await app.db.redemption.findFirstOrThrow({ where: { customerId: id } });
    expect(redemption).toMatchObject({ status: "CREDITED", creditShopifyId: transaction.id, creditCurrency: "USD" });
    // It expires with the reward's days, to the second.
    expect(Date.parse(transaction.expiresAt!)).toBe(redemption.endsAt.getTime());
    expect((redemption.endsAt.getTime() - Date.now()) / DAY_MS).toBeGreaterThan(89.9);

    // The Admin API reads it back on the customer, and the widget's account shows it as credit, not a code.
    const graphql = await app.adminGraphqlFor(TEST_APP.shop);
    const read = await (await graphql(`query { customer(id: "${gid}") { storeCreditAccounts(first: 5) { nodes { balance { amount currencyCode } } } } }`)).json();
    expect(read.data.customer.storeCreditAccounts.nodes).toEqual([{ balance: { amount: "10.0", currencyCode: "USD" } }]);
    const account = await (await fetch(`${app.devStore.storefrontUrl}/apps/loyalty/customer`, { headers: { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(gid)}` } })).json();
    expect(account.myRewards).toEqual([{ code: body.storeCredit.reference, name: "$10 store credit", endsAt: redemption.endsAt.toISOString(), status: "credited", credit: "$10.00" }]);
    expect(account.history[0]).toMatchObject({ points: -1000, reason: "Redeemed: $10 store credit" });

    // The dev store's checkout spends it.
    const order = store().createOrder({ customerId: gid, lineItems: [{ variantId: mugVariantId, quantity: 1 }], storeCredit: "10.00" });
    expect(order.transactions.some((entry) => entry.gateway === "shopify_store_credit")).toBe(true);
    expect(storeCreditOf(gid)).toBe(0);
  });

  it("gives the points back and says why when Shopify refuses the credit (a userError)", async () => {
    const { gid, id } = await shopperWith(1000);
    // The app's idea of the shop's currency is one Shopify does not take for store credit.
    await app.db.shop.update({ where: { id: shopId }, data: { currencyCode: "EUR" } });
    try {
      const response = await redeem(gid, { rewardId: credit.id, idempotencyKey: randomUUID() });
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({
        error: "Shopify refused the store credit: The currency provided is not currently supported.. Your points are back.",
        points: { balance: 1000, pending: 0 },
      });
    } finally {
      await app.db.shop.update({ where: { id: shopId }, data: { currencyCode: "USD" } });
    }
    expect(await balanceOf(id)).toBe(1000);
    expect(storeCreditOf(gid)).toBe(0);
    expect(await app.db.redemption.findFirstOrThrow({ where: { customerId: id } })).toMatchObject({ status: "FAILED" });
  });

  it("gives the points back on a throttle and on a timeout, saying which", async () => {
    const { gid, id } = await shopperWith(1000);
    app.devStore.adminApi.injectFault({ field: "storeCreditAccountCredit", kind: "throttled", times: 5 });
    const throttled = await redeem(gid, { rewardId: credit.id, idempotencyKey: randomUUID() });
    expect(throttled.status).toBe(502);
    expect(await throttled.json()).toEqual({ error: "Shopify is too busy right now. Your points are back.", points: { balance: 1000, pending: 0 } });

    app.devStore.adminApi.injectFault({ field: "storeCreditAccountCredit", kind: "hang", hangMs: 3000 });
    const timedOut = await redeem(gid, { rewardId: credit.id, idempotencyKey: randomUUID() });
    expect(timedOut.status).toBe(502);
    expect((await timedOut.json()).error).toBe("Shopify did not answer in time. Your points are back.");

    expect(await balanceOf(id)).toBe(1000);
    expect(storeCreditOf(gid)).toBe(0);
    const entries = await app.db.pointsLedgerEntry.findMany({ where: { customerId: id, reason: "REDEMPTION" } });
    expect(entries.map((entry) => entry.points).sort((a, b) => a - b)).toEqual([-1000, -1000, 1000, 1000]);
  });

  it("credits once when Shopify's answer is lost, and a retry of the click is the same redemption", async () => {
    const { gid, id } = await shopperWith(1200);
    app.devStore.adminApi.injectFault({ field: "storeCreditAccountCredit", kind: "lose-answer" });
    const click = { rewardId: credit.id, idempotencyKey: randomUUID() };
    const first = await redeem(gid, click);
    expect(first.status).toBe(200);
    const again = await redeem(gid, click);
    expect(again.status).toBe(200);
    expect((await again.json()).storeCredit).toEqual((await first.json()).storeCredit);
    expect(creditsOf(gid)).toHaveLength(1);
    expect(storeCreditOf(gid)).toBe(1000);
    expect(await balanceOf(id)).toBe(200);
  });

  it("does not credit twice when the answer and the look-up were both lost and the shopper retries", async () => {
    const { gid, id } = await shopperWith(1000);
    app.devStore.adminApi.injectFault({ field: "storeCreditAccountCredit", kind: "lose-answer" });
    app.devStore.adminApi.injectFault({ field: "customer", kind: "internal-error" });
    const click = { rewardId: credit.id, idempotencyKey: randomUUID() };
    const lost = await redeem(gid, click);
    expect(lost.status).toBe(502);
    // The credit was made, but the app could not know: the points came back for now.
    expect(storeCreditOf(gid)).toBe(1000);
    expect(await balanceOf(id)).toBe(1000);

    // The retry looks before crediting: it finds that credit and charges the points once.
    const retried = await redeem(gid, click);
    expect(retried.status).toBe(200);
    expect(creditsOf(gid)).toHaveLength(1);
    expect(storeCreditOf(gid)).toBe(1000);
    expect(await balanceOf(id)).toBe(0);
    expect(await app.db.redemption.findFirstOrThrow({ where: { customerId: id } })).toMatchObject({ status: "CREDITED", attempt: 2, creditShopifyId: creditsOf(gid)[0].id });
  });

  it("takes back a credit Shopify applied after the app had given up and given the points back", async () => {
    const { gid, id } = await shopperWith(1000);
    app.devStore.adminApi.injectFault({ field: "storeCreditAccountCredit", kind: "answer-late", hangMs: 2500 });
    const click = { rewardId: credit.id, idempotencyKey: randomUUID() };
    const response = await redeem(gid, click);
    expect(response.status).toBe(502);
    expect(await balanceOf(id)).toBe(1000);
    for (let waited = 0; storeCreditOf(gid) === 0 && waited < 5000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(storeCreditOf(gid)).toBe(1000);

    const result = await runRedemptionUpkeep(app.db, () => shopify(), new Date());
    expect(result.lateCreditsTakenBack).toBe(1);
    expect(storeCreditOf(gid)).toBe(0);
    expect(await balanceOf(id)).toBe(1000);
    // Running it again takes nothing twice.
    expect((await runRedemptionUpkeep(app.db, () => shopify(), new Date())).lateCreditsTakenBack).toBe(0);

    // The shopper's retry of that click is credited under a new expiry: the taken-back credit is not mistaken for it.
    const retried = await redeem(gid, click);
    expect(retried.status).toBe(200);
    expect(storeCreditOf(gid)).toBe(1000);
    expect(creditsOf(gid)).toHaveLength(2);
    expect(await balanceOf(id)).toBe(0);
  });

  it("settles a store credit a stopped process left creating: a credit Shopify made is kept", async () => {
    const { gid, id } = await shopperWith(1000);
    const longAgo = new Date(Date.now() - 10 * 60_000);
    const endsAt = new Date(Math.floor((Date.now() + 30 * DAY_MS) / 1000) * 1000);
    const redemption = await app.db.redemption.create({
      data: { shopId, customerId: id, rewardId: credit.id, idempotencyKey: randomUUID(), points: 1000, code: "CREDIT-MADE2345", creditAmount: "10", creditCurrency: "USD", endsAt, createdAt: longAgo },
    });
    await app.db.pointsLedgerEntry.create({
      data: { shopId, customerId: id, points: -1000, reason: "REDEMPTION", source: "REDEMPTION", sourceId: redemption.id, key: `redemption:${redemption.id}:1`, availableAt: longAgo },
    });
    store().creditStoreCredit(gid, { amount: 1000, currencyCode: "USD", expiresAt: endsAt.toISOString() });
    const result = await runRedemptionUpkeep(app.db, () => shopify(), new Date());
    expect(result.settled).toBeGreaterThanOrEqual(1);
    expect(await app.db.redemption.findUniqueOrThrow({ where: { id: redemption.id } })).toMatchObject({ status: "CREDITED" });
    expect(await balanceOf(id)).toBe(0);
  });
});

describe("free product rewards", () => {
  it("makes a code that takes 100% off that variant only, and needs it in the cart", async () => {
    const reward = await app.db.reward.create({
      data: { shopId, name: "Free coffee beans", kind: "FREE_PRODUCT", productVariantId: beans.variantId, productTitle: "Coffee beans", productImageUrl: "https://cdn.example.com/beans.png", pointsCost: 700 },
    });
    const { gid, id } = await shopperWith(800);
    const response = await redeem(gid, { rewardId: reward.id, idempotencyKey: randomUUID() });
    expect(response.status).toBe(200);
    const { code } = await response.json();
    expect(await balanceOf(id)).toBe(100);
    expect(store().codeDiscountByCode(code)).toMatchObject({ itemVariantIds: [beans.variantId], customerGets: { percentage: 1 }, minimumQuantity: 1, customerIds: [gid], usageLimit: 1 });

    // Beans and a mug: the beans are free, the mug is not.
    const both = store().priceCheckout({ customerId: gid, lineItems: [{ variantId: beans.variantId, quantity: 1 }, { variantId: mugVariantId, quantity: 1 }], shippingPrice: 500, discountCode: code });
    expect(both).toMatchObject({ subtotal: 3000, discount: 1800, total: 3000 - 1800 + 500, codeRefused: null });
    // Only a mug: the code does not apply.
    const mugOnly = store().priceCheckout({ customerId: gid, lineItems: [{ variantId: mugVariantId, quantity: 2 }], shippingPrice: 500, discountCode: code });
    expect(mugOnly.discount).toBe(0);
    expect(mugOnly.codeRefused).toContain("fewer items than the discount requires");

    // The storefront shows the product's image beside the reward.
    const account = await (await fetch(`${app.devStore.storefrontUrl}/apps/loyalty/customer`, { headers: { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(gid)}` } })).json();
    expect(account.rewards.find((entry: { id: string }) => entry.id === reward.id)).toMatchObject({ name: "Free coffee beans", image: "https://cdn.example.com/beans.png" });

    // The order with the code: the beans' line is free.
    const order = store().createOrder({ customerId: gid, lineItems: [{ variantId: beans.variantId, quantity: 1 }, { variantId: mugVariantId, quantity: 1 }], discountCode: code });
    const discounted = order.lineItems.map((line) => line.discountAllocations.reduce((sum, allocation) => sum + allocation.amount.shop, 0));
    expect(discounted).toEqual([1800, 0]);
    await app.db.reward.update({ where: { id: reward.id }, data: { active: false } });
  });
});

describe("reward limits", () => {
  it("lets a customer redeem a once-per-30-days reward once, then again after the period", async () => {
    const reward = await app.db.reward.create({ data: { shopId, name: "Monthly treat", kind: "PERCENTAGE_OFF", percentageOff: 15, pointsCost: 100, limitPerCustomer: 1, limitPeriodDays: 30 } });
    const { gid, id } = await shopperWith(1000);
    const now = new Date();
    const ask = (at: Date) => redeemReward(app.db, shopify(), { shopDomain: TEST_APP.shop, customerGid: gid, rewardId: reward.id, idempotencyKey: randomUUID(), now: at });
    expect(await ask(now)).toMatchObject({ ok: true });
    const refused = await ask(new Date(now.getTime() + 29 * DAY_MS));
    // The date in the shop's time zone, as the shop's dates are shown.
    const { ianaTimezone } = await app.db.shop.findUniqueOrThrow({ where: { id: shopId } });
    const again = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: ianaTimezone }).format(new Date(now.getTime() + 30 * DAY_MS));
    expect(refused).toEqual({ ok: false, status: 409, error: `You can redeem this reward once every 30 days. You can redeem it again on ${again}.`, points: expect.any(Object) });
    expect(await balanceOf(id, new Date(now.getTime() + 29 * DAY_MS))).toBe(900);
    expect(await ask(new Date(now.getTime() + 31 * DAY_MS))).toMatchObject({ ok: true });
    // Another customer has a limit of their own.
    const other = await shopperWith(500);
    expect(await redeemReward(app.db, shopify(), { shopDomain: TEST_APP.shop, customerGid: other.gid, rewardId: reward.id, idempotencyKey: randomUUID(), now: new Date() })).toMatchObject({ ok: true });
    await app.db.reward.update({ where: { id: reward.id }, data: { active: false } });
  });

  it("counts a limit with no period over all time, and a failed redemption not at all", async () => {
    const reward = await app.db.reward.create({ data: { shopId, name: "Twice ever", kind: "AMOUNT_OFF", amountOff: "2", pointsCost: 100, limitPerCustomer: 2 } });
    const { gid } = await shopperWith(1000);
    app.devStore.adminApi.injectFault({ field: "discountCodeBasicCreate", kind: "internal-error" });
    expect((await redeem(gid, { rewardId: reward.id, idempotencyKey: randomUUID() })).status).toBe(502);
    expect((await redeem(gid, { rewardId: reward.id, idempotencyKey: randomUUID() })).status).toBe(200);
    expect((await redeem(gid, { rewardId: reward.id, idempotencyKey: randomUUID() })).status).toBe(200);
    const third = await redeem(gid, { rewardId: reward.id, idempotencyKey: randomUUID() });
    expect(third.status).toBe(409);
    expect((await third.json()).error).toBe("You can redeem this reward twice only, and you have.");
    await app.db.reward.update({ where: { id: reward.id }, data: { active: false } });
  });

  it("lets only one of 8 redemptions at once through a once-per-customer limit", async () => {
    const reward = await app.db.reward.create({ data: { shopId, name: "Once only", kind: "FREE_SHIPPING", pointsCost: 100, limitPerCustomer: 1, limitPeriodDays: 365 } });
    const { gid, id } = await shopperWith(5000);
    const responses = await Promise.all(Array.from({ length: 8 }, () => redeem(gid, { rewardId: reward.id, idempotencyKey: randomUUID() })));
    expect(responses.map((response) => response.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    expect(await balanceOf(id)).toBe(4900);
    expect(await app.db.redemption.count({ where: { customerId: id, rewardId: reward.id, status: { not: "FAILED" } } })).toBe(1);
    await app.db.reward.update({ where: { id: reward.id }, data: { active: false } });
  });

  it("refuses a customer below the reward's minimum balance, saying how much it needs", async () => {
    const reward = await app.db.reward.create({ data: { shopId, name: "VIP gift", kind: "AMOUNT_OFF", amountOff: "20", pointsCost: 500, minimumBalance: 2000 } });
    const { gid, id } = await shopperWith(1500);
    const refused = await redeem(gid, { rewardId: reward.id, idempotencyKey: randomUUID() });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error).toBe("This reward needs a balance of at least 2,000 points; you have 1,500 points.");
    expect(await balanceOf(id)).toBe(1500);
    // The widget sees it locked until the balance reaches 2,000, with its limit written out.
    const account = await (await fetch(`${app.devStore.storefrontUrl}/apps/loyalty/customer`, { headers: { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(gid)}` } })).json();
    expect(account.rewards.find((entry: { id: string }) => entry.id === reward.id)).toMatchObject({ cost: 500, needs: 2000, affordable: false, note: "Needs a balance of 2,000 points" });

    await adjustPoints(app.db, { shopId, customerId: id, points: 500, reason: "Top up", now: new Date() });
    expect((await redeem(gid, { rewardId: reward.id, idempotencyKey: randomUUID() })).status).toBe(200);
    expect(await balanceOf(id)).toBe(1500);
    await app.db.reward.update({ where: { id: reward.id }, data: { active: false } });
  });
});
