/**
 * The history import on install (through the dev store's Bulk Operations and JSONL) and referrals.
 * The dev shop has past customers and orders before the app is installed, as a real shop does.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { pointsBalance } from "../../app/loyalty/ledger.server";
import { recordReferral } from "../../app/loyalty/referrals.server";
import { updateProgramSettings } from "../../app/loyalty/settings.server";
import { importHistoryLines } from "../../app/orders/history-import.server";
import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { DESKTOP_USER_AGENT } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let variantId: string;
const past = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
const history = { oneOrder: "", twoOrders: "", refundedOrder: "" };

beforeAll(async () => {
  app = await startTestApp();
  const store = app.devStore.store;
  variantId = store.createProduct({ title: "Tea", variants: [{ price: "20.00" }] }).variants[0].id;
  const customer = (email: string) => store.createCustomer({ email, hasAccount: true, createdAt: past(300) });
  history.oneOrder = customer("one@example.com").id;
  history.twoOrders = customer("two@example.com").id;
  store.createOrder({ customerId: history.oneOrder, lineItems: [{ variantId, quantity: 1 }], createdAt: past(200) });
  store.createOrder({ customerId: history.twoOrders, lineItems: [{ variantId, quantity: 1 }], createdAt: past(200) });
  const refunded = store.createOrder({ customerId: history.twoOrders, lineItems: [{ variantId, quantity: 3 }], shipping: { title: "Post", price: "4.00" }, createdAt: past(100) });
  history.refundedOrder = refunded.id;
  store.refundOrder(refunded.id, { lineItems: [{ lineItemId: refunded.lineItems[0].id, quantity: 1 }], at: past(90) });

  shopId = await app.installAndImportHistory();
}, 60_000);
afterAll(async () => {
  await app?.close();
});

async function balanceOf(customerShopifyId: string) {
  const customer = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } } });
  return (await pointsBalance(app.db, customer.id, new Date(Date.now() + 400 * 86_400_000))).total;
}

describe("history import", () => {
  it("imports past customers and orders with their amounts, line items and refunds, and shows it done", async () => {
    const state = await app.db.historyImport.findUniqueOrThrow({ where: { shopId } });
    expect(state).toMatchObject({ status: "done", phase: "done", customersImported: 2, ordersImported: 3, error: null });
    const order = await app.db.order.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: history.refundedOrder } }, include: { lineItems: true } });
    expect(order).toMatchObject({ imported: true, financialStatus: "partially_refunded", customerShopifyId: history.twoOrders });
    expect(order.subtotal.toFixed(2)).toBe("60.00");
    expect(order.lineItems).toMatchObject([{ quantity: 3, variantShopifyId: variantId }]);
    const [refund] = await app.db.orderRefund.findMany({ where: { orderShopifyId: history.refundedOrder } });
    expect(refund.subtotal.toFixed(2)).toBe("20.00");
  });

  it("counts history without earning from it (the default)", async () => {
    expect(await balanceOf(history.oneOrder)).toBe(0);
    expect(await balanceOf(history.twoOrders)).toBe(0);
  });

  it("gives the second-purchase bonus to a first order since install when history holds one before it", async () => {
    app.devStore.store.createOrder({ customerId: history.oneOrder, lineItems: [{ variantId, quantity: 1 }] });
    app.devStore.store.createOrder({ customerId: history.twoOrders, lineItems: [{ variantId, quantity: 1 }] });
    await app.devStore.webhooks.idle();
    expect(await balanceOf(history.oneOrder)).toBe(20 + 200);
    expect(await balanceOf(history.twoOrders)).toBe(20);
  });

  it("resumes from the line it reached and imports nothing twice", async () => {
    const orderId = (n: number) => `gid://shopify/Order/${9_000_000 + n}`;
    const lines = Array.from({ length: 10 }, (_, n) => [
      JSON.stringify({ id: orderId(n), name: `#H${n}`, createdAt: past(50), updatedAt: past(50), displayFinancialStatus: "PAID", subtotalPriceSet: { shopMoney: { amount: "10.00", currencyCode: "USD" } }, totalPriceSet: { shopMoney: { amount: "10.00" } }, refunds: [] }),
      JSON.stringify({ id: `gid://shopify/LineItem/${9_000_000 + n}`, title: "Tea", quantity: 1, __parentId: orderId(n) }),
    ]).flat();
    async function* from(all: string[]) {
      yield* all;
    }
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    // A first run that stopped after 3 orders (6 lines), then the resumed run from line 6.
    await importHistoryLines(app.db, shopId, "orders", from(lines.slice(0, 6)), { pool, batchSize: 3, now: new Date() });
    const resumed = await importHistoryLines(app.db, shopId, "orders", from(lines), { pool, skipLines: 6, batchSize: 3, now: new Date() });
    expect(resumed.rows).toBe(7);
    // Running it all again (a restarted bulk operation) changes nothing.
    await importHistoryLines(app.db, shopId, "orders", from(lines), { pool, batchSize: 4, now: new Date() });
    await pool.end();
    expect(await app.db.order.count({ where: { shopId, name: { startsWith: "#H" } } })).toBe(10);
    expect(await app.db.orderLineItem.count({ where: { order: { shopId, name: { startsWith: "#H" } } } })).toBe(10);
  });
});

describe("history earning points, turned on after the import", () => {
  /** The Program page's form, saved from the admin with a session token, as App Bridge sends it. */
  async function saveProgram(fields: Record<string, string>) {
    const token = mintSessionToken({ shop: TEST_APP.shop, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret });
    const response = await fetch(new URL("/app/program?_data=routes%2Fapp.program", app.appUrl), {
      method: "POST",
      headers: { "user-agent": DESKTOP_USER_AGENT, authorization: `Bearer ${token}` },
      body: new URLSearchParams(fields),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, errors: {} });
  }

  async function importDone() {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const state = await app.db.historyImport.findUniqueOrThrow({ where: { shopId } });
      if (state.status === "done") return state;
      if (Date.now() > deadline) throw new Error(`history settling still ${state.status} in phase ${state.phase}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("gives past orders their points once, and saving again gives nothing more", async () => {
    const before = { one: await balanceOf(history.oneOrder), two: await balanceOf(history.twoOrders) };
    await saveProgram({ historyEarnsPoints: "true" });
    expect(await importDone()).toMatchObject({ phase: "done", error: null });
    // One: the $20 order of 200 days ago earns 20. Two: 20 for the first past order, 40 for the $60 one
    // less its $20 refund, and the second-purchase bonus, which that past order now earns.
    expect(await balanceOf(history.oneOrder)).toBe(before.one + 20);
    expect(await balanceOf(history.twoOrders)).toBe(before.two + 20 + 40 + 200);

    await saveProgram({ historyEarnsPoints: "false" });
    await saveProgram({ historyEarnsPoints: "true" });
    await importDone();
    expect(await balanceOf(history.oneOrder)).toBe(before.one + 20);
    expect(await balanceOf(history.twoOrders)).toBe(before.two + 20 + 40 + 200);
  });
});

describe("referrals", () => {
  const shopper = (address = `${randomUUID()} High St`) =>
    app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, hasAccount: true, address: { address1: address, zip: "02139", countryCode: "US" } });
  const codeOf = async (customerShopifyId: string) =>
    (await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } } })).referralCode;

  it("gives every customer a short, unique code", async () => {
    await app.devStore.webhooks.idle();
    const codes = (await app.db.customer.findMany({ where: { shopId }, select: { referralCode: true } })).map((row) => row.referralCode);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.every((code) => /^[2-9A-Z]{8}$/.test(code))).toBe(true);
  });

  it("rewards the referrer 500 points when the friend's first order is paid, and only then", async () => {
    const referrer = shopper();
    const friend = shopper();
    await app.devStore.webhooks.idle();
    const outcome = await recordReferral(app.db, { shopId, code: await codeOf(referrer.id), friend: { customerShopifyId: friend.id }, now: new Date() });
    expect(outcome.status).toBe("recorded");
    const order = app.devStore.store.createOrder({ customerId: friend.id, lineItems: [{ variantId, quantity: 1 }], financialStatus: "pending" });
    await app.devStore.webhooks.idle();
    expect(await balanceOf(referrer.id)).toBe(100);
    app.devStore.store.markOrderPaid(order.id);
    await app.devStore.webhooks.idle();
    expect(await balanceOf(referrer.id)).toBe(100 + 500);
    app.devStore.store.createOrder({ customerId: friend.id, lineItems: [{ variantId, quantity: 1 }] });
    await app.devStore.webhooks.idle();
    expect(await balanceOf(referrer.id)).toBe(100 + 500);
  });

  it("refuses self-referral by customer, email or address, and referring an existing customer, recording why", async () => {
    const referrer = shopper("1 Shared Lane");
    const housemate = shopper("1 shared lane");
    await app.devStore.webhooks.idle();
    const code = await codeOf(referrer.id);
    const refuse = (friend: Parameters<typeof recordReferral>[1]["friend"]) => recordReferral(app.db, { shopId, code, friend, now: new Date() });
    expect(await refuse({ customerShopifyId: referrer.id })).toMatchObject({ status: "refused", reason: "self_referral" });
    expect(await refuse({ email: referrer.email!.toUpperCase() })).toMatchObject({ status: "refused", reason: "self_referral" });
    expect(await refuse({ customerShopifyId: housemate.id })).toMatchObject({ status: "refused", reason: "self_referral" });
    expect(await refuse({ customerShopifyId: history.oneOrder })).toMatchObject({ status: "refused", reason: "existing_customer" });
    expect(await recordReferral(app.db, { shopId, code: "NOPE2345", friend: { email: "x@example.com" }, now: new Date() })).toMatchObject({ reason: "unknown_code" });
    const refused = await app.db.referral.findMany({ where: { referrer: { shopifyId: referrer.id } } });
    expect(refused.map((referral) => referral.refusalReason).sort()).toEqual(["existing_customer", "self_referral", "self_referral", "self_referral"]);
  });

  it("stops rewarding a referrer past the monthly limit and records why", async () => {
    await updateProgramSettings(app.db, shopId, { referralMonthlyRewardLimit: 1 });
    const referrer = shopper();
    const friends = [shopper(), shopper()];
    await app.devStore.webhooks.idle();
    const code = await codeOf(referrer.id);
    for (const friend of friends) {
      await recordReferral(app.db, { shopId, code, friend: { customerShopifyId: friend.id }, now: new Date() });
      app.devStore.store.createOrder({ customerId: friend.id, lineItems: [{ variantId, quantity: 1 }] });
      await app.devStore.webhooks.idle();
    }
    expect(await balanceOf(referrer.id)).toBe(100 + 500);
    const referrals = await app.db.referral.findMany({ where: { referrer: { shopifyId: referrer.id } }, orderBy: { createdAt: "asc" } });
    expect(referrals.map((referral) => [referral.status, referral.refusalReason])).toEqual([["REWARDED", null], ["REFUSED", "monthly_limit"]]);
  });
});
