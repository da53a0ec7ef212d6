/**
 * Order and customer sync through real, signed webhooks, and the balances the earning rules produce:
 * the dev store places the orders (its deliveries are Shopify's), and hand-built deliveries from
 * Shopify's sample payloads cover the disorders Shopify allows.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { adjustPoints, AdjustmentError, pointsBalance, pointsHistory, pointsLiability } from "../../app/loyalty/ledger.server";
import { expirePointsEverywhere } from "../../app/loyalty/points-expiry.server";
import { recordReferral } from "../../app/loyalty/referrals.server";
import { updateProgramSettings } from "../../app/loyalty/settings.server";
import { startTestApp, type TestApp } from "../support/test-app";
import { compliancePayload, samplePayload, sendWebhook } from "../support/webhooks";

let app: TestApp;
let shopId: string;
let variantId: string;

beforeAll(async () => {
  app = await startTestApp();
  const product = app.devStore.store.createProduct({ title: "Coffee beans", variants: [{ price: "25.00" }] });
  variantId = product.variants[0].id;
  shopId = await app.installAndImportHistory();
}, 60_000);
afterAll(async () => {
  await app?.close();
});


const store = () => app.devStore.store;
const settle = () => app.devStore.webhooks.idle();

async function balanceOf(customerShopifyId: string): Promise<number> {
  const customer = await app.db.customer.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } } });
  if (!customer) return 0;
  return (await pointsBalance(app.db, customer.id, new Date(Date.now() + 400 * 86_400_000))).total;
}

/**
 * Sends requests five at a time, each wave racing itself: the embedded database's socket serves 8
 * connections, shared by the app's pool and this file's client.
 */
async function inWaves<T>(requests: (() => Promise<T>)[]): Promise<T[]> {
  const answers: T[] = [];
  for (let i = 0; i < requests.length; i += 5) answers.push(...(await Promise.all(requests.slice(i, i + 5).map((send) => send()))));
  return answers;
}

function shopper(hasAccount = true) {
  return store().createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Ada", lastName: "Shopper", hasAccount, address: { address1: `${Math.random()} Main St`, zip: "10001", countryCode: "US" } });
}

describe("welcome points", () => {
  it("gives 100 points once to a shopper who creates an account, however often Shopify repeats it", async () => {
    const customer = shopper();
    await settle();
    expect(await balanceOf(customer.id)).toBe(100);

    const [delivery] = app.devStore.webhooks.deliveries().filter((entry) => entry.topic === "customers/create" && entry.body.includes(customer.id));
    const answers = await inWaves(Array.from({ length: 10 }, (_, i) => () =>
      sendWebhook(app, "customers/create", null, { rawBody: delivery.body, eventId: i % 2 ? delivery.eventId : randomUUID() }),
    ));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(await balanceOf(customer.id)).toBe(100);
  });

  it("gives nothing to a guest-checkout record, and welcomes them when they make an account later", async () => {
    const guest = shopper(false);
    await settle();
    expect(await balanceOf(guest.id)).toBe(0);
    store().updateCustomer(guest.id, { hasAccount: true });
    await settle();
    expect(await balanceOf(guest.id)).toBe(100);
  });
});

describe("points for spend, second purchase, refunds and cancellations", () => {
  it("earns 1 point per dollar after discounts, without shipping or tax, only once the order is paid", async () => {
    const customer = shopper();
    const order = store().createOrder({
      customerId: customer.id,
      lineItems: [{ variantId, quantity: 2 }],
      shipping: { title: "Standard", price: "7.50" },
      taxRate: "0.10",
      financialStatus: "pending",
    });
    await settle();
    expect(await balanceOf(customer.id)).toBe(100);
    const stored = await app.db.order.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: order.id } }, include: { lineItems: true } });
    expect(stored.subtotal.toFixed(2)).toBe("50.00");
    expect(stored.shipping.toFixed(2)).toBe("7.50");
    expect(stored.tax.toFixed(2)).toBe("5.00");
    expect(stored.lineItems).toMatchObject([{ quantity: 2, variantShopifyId: variantId }]);

    store().markOrderPaid(order.id);
    await settle();
    expect(await balanceOf(customer.id)).toBe(150);
  });

  it("adds the second-purchase bonus on the second paid order, takes back refunded points in proportion and the bonus on cancellation", async () => {
    const customer = shopper();
    const first = store().createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 4 }] });
    await settle();
    expect(await balanceOf(customer.id)).toBe(100 + 100);

    const second = store().createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 2 }] });
    await settle();
    expect(await balanceOf(customer.id)).toBe(100 + 100 + 50 + 200);

    // One of four items back: a quarter of the first order's 100 points.
    store().refundOrder(first.id, { lineItems: [{ lineItemId: first.lineItems[0].id, quantity: 1 }] });
    await settle();
    expect(await balanceOf(customer.id)).toBe(100 + 75 + 50 + 200);

    // Cancelling the second order takes its 50 points and the bonus it earned.
    store().cancelOrder(second.id, { reason: "customer" });
    await settle();
    expect(await balanceOf(customer.id)).toBe(100 + 75);

    // The next completed purchase is the second one now, and earns the bonus.
    store().createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 1 }] });
    await settle();
    expect(await balanceOf(customer.id)).toBe(100 + 75 + 25 + 200);
  });

  it("lets a balance go below zero when refunded points were already spent, and shows it in the liability", async () => {
    const customer = shopper();
    const order = store().createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 4 }] });
    await settle();
    const row = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    await adjustPoints(app.db, { shopId, customerId: row.id, points: -200, reason: "Redeemed in store", now: new Date() });
    expect(await balanceOf(customer.id)).toBe(0);
    store().refundOrder(order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 4 }] });
    await settle();
    expect(await balanceOf(customer.id)).toBe(-100);
    expect((await pointsLiability(app.db, shopId)).customersInDebt).toBeGreaterThanOrEqual(1);
  });

  it("converges to the same balance when the dev store's deliveries are replayed shuffled and repeated", async () => {
    const customer = shopper();
    const order = store().createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 4 }] });
    store().refundOrder(order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }] });
    store().refundOrder(order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }] });
    await settle();
    const expected = await balanceOf(customer.id);
    expect(expected).toBe(100 + 100 - 25 - 25);

    const about = app.devStore.webhooks.deliveries().filter((delivery) => delivery.body.includes(order.id) || delivery.body.includes(customer.id));
    const replay = [...about, ...about].sort(() => Math.random() - 0.5);
    const answers = await inWaves(replay.map((delivery) => () => sendWebhook(app, delivery.topic, null, { rawBody: delivery.body, eventId: delivery.eventId })));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(await balanceOf(customer.id)).toBe(expected);
  });
});

/** Shopify's sample orders/updated payload, made into one version of one order. */
function orderVersion(args: { orderId: string; customerId: string; updatedAt: string; status: string; cancelledAt?: string; refunds?: unknown[] }) {
  const payload = samplePayload<Record<string, any>>("orders/updated");
  payload.admin_graphql_api_id = args.orderId;
  payload.created_at = new Date().toISOString();
  payload.updated_at = args.updatedAt;
  payload.financial_status = args.status;
  payload.cancelled_at = args.cancelledAt ?? null;
  payload.customer = { ...payload.customer, admin_graphql_api_id: args.customerId, state: "disabled", email: `${randomUUID()}@example.com` };
  payload.subtotal_price_set = { shop_money: { amount: "80.00", currency_code: "USD" }, presentment_money: { amount: "80.00", currency_code: "USD" } };
  payload.refunds = args.refunds ?? [];
  return payload;
}

function refundOf(amount: string, refundId: string) {
  const refund = samplePayload<Record<string, any>>("refunds/create");
  refund.admin_graphql_api_id = refundId;
  refund.created_at = new Date().toISOString();
  refund.refund_line_items = [{ ...refund.refund_line_items[0], subtotal_set: { shop_money: { amount, currency_code: "USD" } }, total_tax_set: { shop_money: { amount: "0.00", currency_code: "USD" } } }];
  return refund;
}

const gid = (type: string) => `gid://shopify/${type}/${Math.floor(Math.random() * 1e12)}`;

describe("deliveries out of order", () => {
  it("an orders/updated before its orders/create, and an older update after a newer one, leave the newest version", async () => {
    const orderId = gid("Order");
    const customerId = gid("Customer");
    const refundId = gid("Refund");
    const t = (seconds: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, seconds)).toISOString();
    const created = orderVersion({ orderId, customerId, updatedAt: t(0), status: "pending" });
    const paid = orderVersion({ orderId, customerId, updatedAt: t(5), status: "paid" });
    const refunded = orderVersion({ orderId, customerId, updatedAt: t(9), status: "partially_refunded", refunds: [refundOf("20.00", refundId)] });

    expect((await sendWebhook(app, "orders/updated", refunded)).status).toBe(200);
    expect((await sendWebhook(app, "orders/create", created)).status).toBe(200);
    expect((await sendWebhook(app, "orders/paid", paid)).status).toBe(200);

    const stored = await app.db.order.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: orderId } } });
    expect(stored.financialStatus).toBe("partially_refunded");
    expect(stored.shopifyUpdatedAt.toISOString()).toBe(t(9));
    // 80 points for 80.00, a quarter refunded: 60 left, as if the events had come once, in order.
    expect(await balanceOf(customerId)).toBe(60);
  });

  it("a refunds/create that arrives before its order is applied when the order comes", async () => {
    const orderId = gid("Order");
    const customerId = gid("Customer");
    const refund = { ...refundOf("40.00", gid("Refund")), order_id: Number(orderId.split("/").pop()) };
    expect((await sendWebhook(app, "refunds/create", refund)).status).toBe(200);
    expect((await sendWebhook(app, "orders/paid", orderVersion({ orderId, customerId, updatedAt: new Date().toISOString(), status: "paid" }))).status).toBe(200);
    expect(await balanceOf(customerId)).toBe(40);
  });

  it("a cancellation takes back what the refunds have not, whichever arrives first", async () => {
    const orderId = gid("Order");
    const customerId = gid("Customer");
    const refund = refundOf("20.00", gid("Refund"));
    const now = Date.now();
    const cancelled = orderVersion({ orderId, customerId, updatedAt: new Date(now + 2000).toISOString(), status: "partially_refunded", cancelledAt: new Date(now + 2000).toISOString(), refunds: [refund] });
    await sendWebhook(app, "orders/paid", orderVersion({ orderId, customerId, updatedAt: new Date(now).toISOString(), status: "paid" }));
    expect(await balanceOf(customerId)).toBe(80);
    await sendWebhook(app, "orders/cancelled", cancelled);
    await sendWebhook(app, "refunds/create", { ...refund, order_id: Number(orderId.split("/").pop()) });
    expect(await balanceOf(customerId)).toBe(0);
  });

  it("a refund made after a cancellation takes its share from the cancellation, whichever arrives first", async () => {
    // 80.00 earns 80 points; cancelled without a refund at t5, 19.99 refunded at t9. The refund keeps
    // floor(80 × 60.01 ÷ 80) = 60, so it takes 20 and the cancellation the other 60, in either order.
    const t = (seconds: number) => new Date(Date.UTC(2031, 0, 1, 0, 0, seconds)).toISOString();
    const pointsByReason = async (customerShopifyId: string) => {
      const customer = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } } });
      const sums = await app.db.pointsLedgerEntry.groupBy({ by: ["reason"], where: { customerId: customer.id }, _sum: { points: true } });
      return Object.fromEntries(sums.map((sum) => [sum.reason, sum._sum.points ?? 0]).filter(([, points]) => points !== 0));
    };
    const deliveries = () => {
      const orderId = gid("Order");
      const customerId = gid("Customer");
      const refund = { ...refundOf("19.99", gid("Refund")), created_at: t(9), order_id: Number(orderId.split("/").pop()) };
      return {
        customerId,
        paid: orderVersion({ orderId, customerId, updatedAt: t(0), status: "paid" }),
        cancelled: orderVersion({ orderId, customerId, updatedAt: t(5), status: "paid", cancelledAt: t(5) }),
        refund,
        refunded: orderVersion({ orderId, customerId, updatedAt: t(9), status: "partially_refunded", cancelledAt: t(5), refunds: [refund] }),
      };
    };
    const inOrder = deliveries();
    for (const [topic, payload] of [["orders/paid", inOrder.paid], ["orders/cancelled", inOrder.cancelled], ["refunds/create", inOrder.refund], ["orders/updated", inOrder.refunded]] as const) {
      expect((await sendWebhook(app, topic, payload)).status).toBe(200);
    }
    const refundFirst = deliveries();
    for (const [topic, payload] of [["orders/paid", refundFirst.paid], ["refunds/create", refundFirst.refund], ["orders/updated", refundFirst.refunded], ["orders/cancelled", refundFirst.cancelled]] as const) {
      expect((await sendWebhook(app, topic, payload)).status).toBe(200);
    }
    const expected = { SPEND: 80, REFUND: -20, CANCELLATION: -60 };
    expect(await pointsByReason(inOrder.customerId)).toEqual(expected);
    expect(await pointsByReason(refundFirst.customerId)).toEqual(expected);
    expect(await balanceOf(inOrder.customerId)).toBe(0);
    // A repeated delivery adds nothing.
    expect((await sendWebhook(app, "orders/updated", inOrder.refunded, { eventId: randomUUID() })).status).toBe(200);
    expect(await pointsByReason(inOrder.customerId)).toEqual(expected);
  });
});

describe("the ledger follows the final state of the customer's orders", () => {
  const at = (base: number, seconds: number) => new Date(base + seconds * 1000).toISOString();

  it("takes the second-purchase bonus back when the first order is cancelled after the second was paid (A paid, B paid, A cancelled)", async () => {
    const customerId = gid("Customer");
    const [a, b] = [gid("Order"), gid("Order")].sort();
    const base = Math.floor(Date.now() / 1000) * 1000;
    const placed = (orderId: string, seconds: number, version: Parameters<typeof orderVersion>[0]) => ({ ...orderVersion(version), admin_graphql_api_id: orderId, created_at: at(base, seconds) });
    await sendWebhook(app, "orders/paid", placed(a, 0, { orderId: a, customerId, updatedAt: at(base, 0), status: "paid" }));
    await sendWebhook(app, "orders/paid", placed(b, 1, { orderId: b, customerId, updatedAt: at(base, 1), status: "paid" }));
    expect(await balanceOf(customerId)).toBe(80 + 80 + 200);
    await sendWebhook(app, "orders/cancelled", placed(a, 0, { orderId: a, customerId, updatedAt: at(base, 2), status: "paid", cancelledAt: at(base, 2) }));
    // B is the customer's only purchase now: it earns its 80 points and no bonus, as if A had been cancelled first.
    expect(await balanceOf(customerId)).toBe(80);
  });

  it("keeps an order paid when its orders/create of the same second arrives after its orders/paid", async () => {
    const orderId = gid("Order");
    const customerId = gid("Customer");
    const second = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    await sendWebhook(app, "orders/paid", orderVersion({ orderId, customerId, updatedAt: second, status: "paid" }));
    await sendWebhook(app, "orders/create", orderVersion({ orderId, customerId, updatedAt: second, status: "pending" }));
    const stored = await app.db.order.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: orderId } } });
    expect(stored.financialStatus).toBe("paid");
    // Nor is a cancellation undone by a same-second version without it.
    await sendWebhook(app, "orders/cancelled", orderVersion({ orderId, customerId, updatedAt: new Date(Date.parse(second) + 1000).toISOString(), status: "paid", cancelledAt: second }));
    await sendWebhook(app, "orders/updated", orderVersion({ orderId, customerId, updatedAt: new Date(Date.parse(second) + 1000).toISOString(), status: "paid" }));
    expect((await app.db.order.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: orderId } } })).cancelledAt).not.toBeNull();
    expect(await balanceOf(customerId)).toBe(0);
  });

  it("welcomes a customer whose account was enabled when created, even when a newer update (disabled) arrives first", async () => {
    const customerId = gid("Customer");
    const created = new Date(Math.floor(Date.now() / 1000) * 1000);
    const version = (state: string, updatedAt: Date) => ({
      ...samplePayload<Record<string, unknown>>("customers/create"),
      admin_graphql_api_id: customerId,
      email: `${randomUUID()}@example.com`,
      state,
      created_at: created.toISOString(),
      updated_at: updatedAt.toISOString(),
    });
    await sendWebhook(app, "customers/update", version("disabled", new Date(created.getTime() + 5000)));
    await sendWebhook(app, "customers/create", version("enabled", created));
    expect(await balanceOf(customerId)).toBe(100);
  });

  it("gives no welcome points to an account made before the install, even with history earning points", async () => {
    const customerId = gid("Customer");
    const before = new Date(Date.now() - 400 * 86_400_000).toISOString();
    expect(await updateProgramSettings(app.db, shopId, { historyEarnsPoints: true })).toMatchObject({ ok: true });
    try {
      await sendWebhook(app, "customers/update", {
        ...samplePayload<Record<string, unknown>>("customers/update"),
        admin_graphql_api_id: customerId,
        email: `${randomUUID()}@example.com`,
        state: "enabled",
        created_at: before,
        updated_at: new Date().toISOString(),
      });
      expect(await balanceOf(customerId)).toBe(0);
    } finally {
      await updateProgramSettings(app.db, shopId, { historyEarnsPoints: false });
    }
  });

  it("takes a referral reward back when the friend's only order is cancelled", async () => {
    const referrer = shopper();
    await settle();
    const code = (await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: referrer.id } } })).referralCode;
    const friendId = gid("Customer");
    const orderId = gid("Order");
    const friendEmail = `${randomUUID()}@example.com`;
    expect(await recordReferral(app.db, { shopId, code, friend: { customerShopifyId: friendId, email: friendEmail }, now: new Date(Date.now() - 2000) })).toMatchObject({ status: "recorded" });
    const now = Date.now();
    const friendOrder = (version: Parameters<typeof orderVersion>[0]) => {
      const payload = orderVersion(version);
      return { ...payload, customer: { ...payload.customer, email: friendEmail } };
    };
    await sendWebhook(app, "orders/paid", friendOrder({ orderId, customerId: friendId, updatedAt: new Date(now).toISOString(), status: "paid" }));
    expect(await balanceOf(referrer.id)).toBe(100 + 500);
    await sendWebhook(app, "orders/cancelled", friendOrder({ orderId, customerId: friendId, updatedAt: new Date(now + 1000).toISOString(), status: "paid", cancelledAt: new Date(now + 1000).toISOString() }));
    expect(await balanceOf(referrer.id)).toBe(100);
    const referral = await app.db.referral.findFirstOrThrow({ where: { shopId, referrer: { shopifyId: referrer.id } } });
    expect(referral).toMatchObject({ status: "PENDING", rewardOrderShopifyId: null });
  });
});

describe("payloads the app cannot use", () => {
  it.each([
    ["an order without its GID", { ...samplePayload<Record<string, unknown>>("orders/paid"), admin_graphql_api_id: undefined }],
    ["an amount that is not a decimal", { ...samplePayload<Record<string, unknown>>("orders/paid"), subtotal_price_set: { shop_money: { amount: "lots", currency_code: "USD" } } }],
    ["line items that are not a list", { ...samplePayload<Record<string, unknown>>("orders/paid"), line_items: "none" }],
  ])("answers %s with 422 and writes nothing", async (_what, payload) => {
    const before = await app.db.order.count();
    const events = await app.db.webhookEvent.count({ where: { topic: "orders/paid" } });
    const response = await sendWebhook(app, "orders/paid", payload);
    expect(response.status).toBe(422);
    expect(await app.db.order.count()).toBe(before);
    expect(await app.db.webhookEvent.count({ where: { topic: "orders/paid" } })).toBe(events);
  });
});

describe("scheduled expiry", () => {
  it("expires a balance quiet for the program's period, once, and only in a shop that set one", async () => {
    const customer = shopper();
    store().createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 1 }] });
    await settle();
    const before = await balanceOf(customer.id);
    expect(before).toBeGreaterThan(0);
    const inThirteenMonths = new Date(Date.now() + 13 * 31 * 86_400_000);
    // No expiry period set: the round finds nothing to do.
    await expirePointsEverywhere(app.db, inThirteenMonths);
    expect(await balanceOf(customer.id)).toBe(before);

    expect(await updateProgramSettings(app.db, shopId, { expiryMonths: 12 })).toMatchObject({ ok: true });
    try {
      expect(await expirePointsEverywhere(app.db, inThirteenMonths)).toBeGreaterThan(0);
      const row = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
      expect(await app.db.pointsLedgerEntry.findFirst({ where: { customerId: row.id, reason: "EXPIRY" } })).toMatchObject({ points: -before, source: "EXPIRY" });
      expect((await pointsBalance(app.db, row.id, inThirteenMonths)).available).toBe(0);
      // The next hourly round adds nothing until the customer is active again.
      await expirePointsEverywhere(app.db, new Date(inThirteenMonths.getTime() + 3_600_000));
      expect(await app.db.pointsLedgerEntry.count({ where: { customerId: row.id, reason: "EXPIRY" } })).toBe(1);
    } finally {
      await updateProgramSettings(app.db, shopId, { expiryMonths: null });
    }
  });
});

describe("the merchant's settings and adjustments", () => {
  it("changes the earning rate for the next orders and refuses a malformed setting", async () => {
    expect(await updateProgramSettings(app.db, shopId, { pointsPerCurrencyUnit: "-1" })).toMatchObject({ ok: false, errors: { pointsPerCurrencyUnit: expect.any(String) } });
    expect(await updateProgramSettings(app.db, shopId, { pointsPerCurrencyUnit: 3, includeShippingInEarn: true })).toMatchObject({ ok: true });
    const customer = shopper();
    store().createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 1 }], shipping: { title: "Standard", price: "5.00" } });
    await settle();
    expect(await balanceOf(customer.id)).toBe(100 + 3 * 30);
    await updateProgramSettings(app.db, shopId, { pointsPerCurrencyUnit: 1, includeShippingInEarn: false });
  });

  it("adds a manual adjustment with the reason the customer's history shows, once per request", async () => {
    const customer = shopper();
    await settle();
    const row = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    await expect(adjustPoints(app.db, { shopId, customerId: row.id, points: 50, reason: "  ", now: new Date() })).rejects.toBeInstanceOf(AdjustmentError);
    await adjustPoints(app.db, { shopId, customerId: row.id, points: 50, reason: "Sorry about the late parcel", now: new Date(), requestId: "form-1" });
    await adjustPoints(app.db, { shopId, customerId: row.id, points: 50, reason: "Sorry about the late parcel", now: new Date(), requestId: "form-1" });
    expect(await balanceOf(customer.id)).toBe(150);
    const [latest] = await pointsHistory(app.db, row.id);
    expect(latest).toMatchObject({ points: 50, reason: "ADJUSTMENT", note: "Sorry about the late parcel" });
  });
});

describe("privacy", () => {
  it("customers/data_request stores the customer's data for the merchant; customers/redact erases it and keeps the totals", async () => {
    const customer = shopper();
    store().createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 2 }] });
    await settle();
    const liabilityBefore = await pointsLiability(app.db, shopId);
    const numericId = customer.id.split("/").pop();
    const request = (topic: string) => ({
      ...compliancePayload<Record<string, unknown>>(app, topic),
      customer: { id: Number(numericId), email: customer.email, phone: null },
    });

    expect((await sendWebhook(app, "customers/data_request", request("customers/data_request"))).status).toBe(200);
    const report = await app.db.complianceRequest.findFirstOrThrow({ where: { topic: "customers/data_request", customerId: customer.id } });
    expect(report.report).toMatchObject({ customer: { email: customer.email }, pointsBalance: 150, orders: [{ total: "50.00" }] });

    expect((await sendWebhook(app, "customers/redact", request("customers/redact"))).status).toBe(200);
    const redacted = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    expect(redacted).toMatchObject({ email: null, firstName: null, lastName: null, addressKey: null });
    expect(redacted.redactedAt).toBeInstanceOf(Date);
    expect(await app.db.order.count({ where: { customerShopifyId: customer.id, email: { not: null } } })).toBe(0);
    expect(await pointsLiability(app.db, shopId)).toEqual(liabilityBefore);
    const stored = await app.db.complianceRequest.findFirstOrThrow({ where: { topic: "customers/redact", customerId: customer.id } });
    expect(JSON.stringify(stored.payload)).not.toContain(customer.email!);
  });

  it("customers/delete forgets the person and keeps their points in the totals", async () => {
    const customer = shopper();
    await settle();
    // The birthday they gave is theirs too.
    await app.db.customer.update({
      where: { shopId_shopifyId: { shopId, shopifyId: customer.id } },
      data: { birthdayMonth: 7, birthdayDay: 14, birthdaySetAt: new Date() },
    });
    store().deleteCustomer(customer.id);
    await settle();
    const row = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    expect(row.email).toBeNull();
    expect(row).toMatchObject({ birthdayMonth: null, birthdayDay: null, birthdaySetAt: null });
    expect(row.deletedAt).toBeInstanceOf(Date);
  });
});
