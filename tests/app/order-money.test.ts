/**
 * How amounts are read from Shopify's order and refund payloads, through real signed webhooks, on
 * hand-worked numbers: an order-level discount the lines' allocations do not show, a shipping refund
 * carried both as a refund shipping line and as an order adjustment, money returned with no refund
 * lines (`refund_discrepancy`), an edit that adds a line, and all of them delivered in several orders.
 * Outcomes are what a merchant sees: sales and average order value on the report, and balances.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { pointsBalance } from "../../app/loyalty/ledger.server";
import { updateProgramSettings } from "../../app/loyalty/settings.server";
import { ensureReports } from "../../app/reports/aggregates.server";
import { shopReport } from "../../app/reports/metrics.server";
import { startTestApp, type TestApp } from "../support/test-app";
import { samplePayload, sendWebhook } from "../support/webhooks";

let app: TestApp;
let shopId: string;

beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  await ensureReports(app.db, shopId);
  // Shipping earns here, so a shipping refund counted twice would show in the balance.
  expect(await updateProgramSettings(app.db, shopId, { includeShippingInEarn: true })).toMatchObject({ ok: true });
}, 60_000);
afterAll(async () => {
  await app?.close();
});

const gid = (type: string) => `gid://shopify/${type}/${Math.floor(Math.random() * 1e12)}`;
const money = (amount: string) => ({ shop_money: { amount, currency_code: "USD" }, presentment_money: { amount, currency_code: "USD" } });

async function balanceOf(customerShopifyId: string): Promise<number> {
  const customer = await app.db.customer.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } } });
  if (!customer) return 0;
  return (await pointsBalance(app.db, customer.id, new Date(Date.now() + 400 * 86_400_000))).total;
}

/** The report for one local month of the shop, as the dashboard and `npm run report` show it. */
async function monthReport(month: string) {
  const shop = await app.db.shop.findUniqueOrThrow({ where: { id: shopId } });
  const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate();
  return (await shopReport(app.db, shop, { from: `${month}-01`, to: `${month}-${String(last).padStart(2, "0")}` })).summary;
}

interface Line {
  id: string;
  price: string;
  quantity: number;
  currentQuantity?: number;
  allocations?: string[];
}

interface Version {
  orderId: string;
  customerId: string;
  placedAt: string;
  updatedAt: string;
  status: string;
  lines: Line[];
  subtotal: string;
  totalDiscounts?: string;
  shipping?: string;
  refunds?: Record<string, unknown>[];
}

/** One version of one order: Shopify's sample orders/updated payload with these amounts. */
function orderVersion(version: Version) {
  const payload = samplePayload<Record<string, any>>("orders/updated");
  const template = payload.line_items[0];
  const shipping = version.shipping ?? "0.00";
  Object.assign(payload, {
    admin_graphql_api_id: version.orderId,
    name: `#${Math.floor(Math.random() * 1e6)}`,
    test: false,
    cancelled_at: null,
    cancel_reason: null,
    created_at: version.placedAt,
    updated_at: version.updatedAt,
    financial_status: version.status,
    customer: { ...payload.customer, admin_graphql_api_id: version.customerId, state: "disabled", email: `${randomUUID()}@example.com` },
    subtotal_price_set: money(version.subtotal),
    total_discounts_set: money(version.totalDiscounts ?? "0.00"),
    total_tax_set: money("0.00"),
    total_price_set: money(version.subtotal),
    discount_codes: [],
    shipping_lines: [{ ...payload.shipping_lines[0], price_set: money(shipping), discounted_price_set: money(shipping), discount_allocations: [] }],
    line_items: version.lines.map((line) => ({
      ...template,
      admin_graphql_api_id: line.id,
      price_set: money(line.price),
      quantity: line.quantity,
      current_quantity: line.currentQuantity ?? line.quantity,
      discount_allocations: (line.allocations ?? []).map((amount) => ({ amount, amount_set: money(amount), discount_application_index: 0 })),
    })),
    refunds: version.refunds ?? [],
  });
  return payload;
}

/** A refund as refunds/create sends it (and as it sits in the order's `refunds`). */
function refund(args: {
  refundId: string;
  orderId: string;
  at: string;
  lines?: { lineId: string; subtotal: string }[];
  shippingLines?: string[];
  adjustments?: { kind: string; amount: string }[];
}) {
  const payload = samplePayload<Record<string, any>>("refunds/create");
  const template = payload.refund_line_items[0];
  return {
    ...payload,
    admin_graphql_api_id: args.refundId,
    order_id: Number(args.orderId.split("/").pop()),
    created_at: args.at,
    processed_at: args.at,
    refund_line_items: (args.lines ?? []).map((line) => ({
      ...template,
      subtotal_set: money(line.subtotal),
      total_tax_set: money("0.00"),
      line_item: { ...template.line_item, admin_graphql_api_id: line.lineId },
    })),
    refund_shipping_lines: (args.shippingLines ?? []).map((amount) => ({ subtotal_amount_set: money(amount), tax_amount_set: money("0.00") })),
    order_adjustments: (args.adjustments ?? []).map((adjustment) => ({
      kind: adjustment.kind,
      reason: adjustment.kind === "shipping_refund" ? "Shipping refund" : "Refund discrepancy",
      amount: adjustment.amount,
      amount_set: money(adjustment.amount),
      tax_amount: "0.00",
      tax_amount_set: money("0.00"),
    })),
  };
}

async function deliver(topic: string, payload: unknown) {
  expect((await sendWebhook(app, topic, payload)).status).toBe(200);
}

const at = (month: string, seconds: number) => new Date(Date.parse(`${month}-15T15:00:00Z`) + seconds * 1000).toISOString();

describe("an order-level discount the lines' allocations do not show", () => {
  it("counts the order at its discounted subtotal in sales, average order value and points", async () => {
    const month = "2031-01";
    const customers: string[] = [];
    // Three orders of 60.00 + 50.00 with a 10.00 code: Shopify's subtotal is 100.00, the lines carry no allocation.
    for (let i = 0; i < 3; i += 1) {
      const customerId = gid("Customer");
      customers.push(customerId);
      await deliver("orders/paid", orderVersion({
        orderId: gid("Order"), customerId, placedAt: at(month, i), updatedAt: at(month, i), status: "paid",
        lines: [{ id: gid("LineItem"), price: "60.00", quantity: 1 }, { id: gid("LineItem"), price: "50.00", quantity: 1 }],
        subtotal: "100.00", totalDiscounts: "10.00",
      }));
    }
    const report = await monthReport(month);
    expect(report.orders).toBe(3);
    expect(report.revenue).toBe("300.00");
    expect(report.averageOrderValue).toBe("100.00");
    for (const customerId of customers) expect(await balanceOf(customerId)).toBe(100);

    // The 10.00 shared 60 : 50 in whole cents, largest remainder: 5.45 and 4.55.
    const stored = await app.db.order.findFirstOrThrow({ where: { shopId, customerShopifyId: customers[0] }, include: { lineItems: true } });
    expect(stored.lineItems.map((line) => line.discount.toFixed(2)).sort()).toEqual(["4.55", "5.45"]);
  });

  it("keeps the lines' own allocations where they add up to the order's discount", async () => {
    const month = "2031-02";
    const customerId = gid("Customer");
    await deliver("orders/paid", orderVersion({
      orderId: gid("Order"), customerId, placedAt: at(month, 0), updatedAt: at(month, 0), status: "paid",
      lines: [{ id: gid("LineItem"), price: "60.00", quantity: 1, allocations: ["10.00"] }, { id: gid("LineItem"), price: "50.00", quantity: 1 }],
      subtotal: "100.00", totalDiscounts: "10.00",
    }));
    const stored = await app.db.order.findFirstOrThrow({ where: { shopId, customerShopifyId: customerId }, include: { lineItems: true } });
    expect(stored.lineItems.map((line) => line.discount.toFixed(2)).sort()).toEqual(["0.00", "10.00"]);
    expect((await monthReport(month)).revenue).toBe("100.00");
  });
});

describe("refunds in every shape Shopify sends", () => {
  it("counts a shipping refund once when it comes both as a refund shipping line and as a shipping_refund adjustment", async () => {
    const month = "2031-03";
    const orderId = gid("Order");
    const customerId = gid("Customer");
    const lines = [{ id: gid("LineItem"), price: "100.00", quantity: 1 }];
    const base = { orderId, customerId, placedAt: at(month, 0), lines, subtotal: "100.00", shipping: "10.00" };
    await deliver("orders/paid", orderVersion({ ...base, updatedAt: at(month, 0), status: "paid" }));
    // 100.00 + 10.00 shipping, shipping included: 110 points.
    expect(await balanceOf(customerId)).toBe(110);

    const shippingBack = refund({ refundId: gid("Refund"), orderId, at: at(month, 60), shippingLines: ["10.00"], adjustments: [{ kind: "shipping_refund", amount: "-10.00" }] });
    await deliver("refunds/create", shippingBack);
    await deliver("orders/updated", orderVersion({ ...base, updatedAt: at(month, 60), status: "partially_refunded", refunds: [shippingBack] }));
    // 10.00 of 110.00 back: 100 points kept (90 if the shipping were counted twice).
    expect(await balanceOf(customerId)).toBe(100);
    const stored = await app.db.orderRefund.findFirstOrThrow({ where: { shopId, orderShopifyId: orderId } });
    expect(stored.shipping.toFixed(2)).toBe("10.00");
    expect(stored.total.toFixed(2)).toBe("10.00");
    // Shipping is not sales: the refund leaves them.
    expect((await monthReport(month)).revenue).toBe("100.00");
  });

  it("reads a shipping refund sent only as a shipping_refund adjustment", async () => {
    const month = "2031-04";
    const orderId = gid("Order");
    const customerId = gid("Customer");
    const base = { orderId, customerId, placedAt: at(month, 0), lines: [{ id: gid("LineItem"), price: "100.00", quantity: 1 }], subtotal: "100.00", shipping: "10.00" };
    await deliver("orders/paid", orderVersion({ ...base, updatedAt: at(month, 0), status: "paid" }));
    await deliver("refunds/create", refund({ refundId: gid("Refund"), orderId, at: at(month, 60), adjustments: [{ kind: "shipping_refund", amount: "-10.00" }] }));
    expect(await balanceOf(customerId)).toBe(100);
  });

  it("takes back points and sales for money an edit returned with no refund lines (refund_discrepancy)", async () => {
    const month = "2031-05";
    const orderId = gid("Order");
    const customerId = gid("Customer");
    const line = { id: gid("LineItem"), price: "50.00", quantity: 2 };
    const base = { orderId, customerId, placedAt: at(month, 0), subtotal: "100.00" };
    await deliver("orders/paid", orderVersion({ ...base, lines: [line], updatedAt: at(month, 0), status: "paid" }));
    expect(await balanceOf(customerId)).toBe(100);
    expect((await monthReport(month)).revenue).toBe("100.00");

    // The merchant removes one unit after payment: Shopify gives the 50.00 back as a refund without lines.
    const moneyBack = refund({ refundId: gid("Refund"), orderId, at: at(month, 60), adjustments: [{ kind: "refund_discrepancy", amount: "-50.00" }] });
    await deliver("refunds/create", moneyBack);
    expect(await balanceOf(customerId)).toBe(50);
    const report = await monthReport(month);
    expect(report.revenue).toBe("50.00");
    expect(report.averageOrderValue).toBe("50.00");

    await deliver("orders/updated", orderVersion({ ...base, lines: [{ ...line, currentQuantity: 1 }], updatedAt: at(month, 60), status: "partially_refunded", refunds: [moneyBack] }));
    expect(await balanceOf(customerId)).toBe(50);
    expect((await monthReport(month)).revenue).toBe("50.00");
  });
});

describe("an edit that adds a line", () => {
  it("earns points on what the edit added and counts it in sales", async () => {
    const month = "2031-06";
    const orderId = gid("Order");
    const customerId = gid("Customer");
    const first = { id: gid("LineItem"), price: "100.00", quantity: 1 };
    const added = { id: gid("LineItem"), price: "40.00", quantity: 1 };
    const base = { orderId, customerId, placedAt: at(month, 0) };
    await deliver("orders/paid", orderVersion({ ...base, lines: [first], subtotal: "100.00", updatedAt: at(month, 0), status: "paid" }));
    expect(await balanceOf(customerId)).toBe(100);

    // The edit adds 40.00 (the order owes it until the customer pays), then the customer pays it.
    await deliver("orders/updated", orderVersion({ ...base, lines: [first, added], subtotal: "140.00", updatedAt: at(month, 60), status: "partially_paid" }));
    expect(await balanceOf(customerId)).toBe(100);
    await deliver("orders/updated", orderVersion({ ...base, lines: [first, added], subtotal: "140.00", updatedAt: at(month, 120), status: "paid" }));
    expect(await balanceOf(customerId)).toBe(140);
    expect((await monthReport(month)).revenue).toBe("140.00");
  });
});

describe("the same order delivered in any order", () => {
  /**
   * One order's life: 2 × 50.00 and 10.00 shipping, paid; an edit adds a 40.00 line, paid; an edit
   * removes a 50.00 unit and its money goes back without refund lines; the added line and the
   * shipping are refunded (shipping in both shapes). Eligible: 140.00 + 10.00 = 150.00, earning 150;
   * refunded 50.00 + 40.00 + 10.00 = 100.00: 50 points kept. Sales: 140.00 − 50.00 = 90.00.
   */
  function deliveries(month: string, offset: number) {
    const orderId = gid("Order");
    const customerId = gid("Customer");
    const unit = { id: gid("LineItem"), price: "50.00", quantity: 2 };
    const added = { id: gid("LineItem"), price: "40.00", quantity: 1 };
    const t = (seconds: number) => at(month, offset + seconds);
    const base = { orderId, customerId, placedAt: t(0), shipping: "10.00" };
    const removal = refund({ refundId: gid("Refund"), orderId, at: t(40), adjustments: [{ kind: "refund_discrepancy", amount: "-50.00" }] });
    const lineAndShipping = refund({
      refundId: gid("Refund"), orderId, at: t(50),
      lines: [{ lineId: added.id, subtotal: "40.00" }], shippingLines: ["10.00"], adjustments: [{ kind: "shipping_refund", amount: "-10.00" }],
    });
    const edited = [unit, added];
    const list: [string, unknown][] = [
      ["orders/create", orderVersion({ ...base, lines: [unit], subtotal: "100.00", updatedAt: t(0), status: "pending" })],
      ["orders/paid", orderVersion({ ...base, lines: [unit], subtotal: "100.00", updatedAt: t(10), status: "paid" })],
      ["orders/updated", orderVersion({ ...base, lines: edited, subtotal: "140.00", updatedAt: t(20), status: "partially_paid" })],
      ["orders/paid", orderVersion({ ...base, lines: edited, subtotal: "140.00", updatedAt: t(30), status: "paid" })],
      ["refunds/create", removal],
      ["orders/updated", orderVersion({ ...base, lines: [{ ...unit, currentQuantity: 1 }, added], subtotal: "140.00", updatedAt: t(40), status: "partially_refunded", refunds: [removal] })],
      ["refunds/create", lineAndShipping],
      ["orders/updated", orderVersion({ ...base, lines: [{ ...unit, currentQuantity: 1 }, { ...added, currentQuantity: 0 }], subtotal: "140.00", updatedAt: t(50), status: "partially_refunded", refunds: [removal, lineAndShipping] })],
    ];
    return { customerId, list };
  }

  it("ends with the same points, sales and average order value whichever order the deliveries come in", async () => {
    const month = "2031-07";
    const orders: number[][] = [
      [0, 1, 2, 3, 4, 5, 6, 7],
      [7, 6, 5, 4, 3, 2, 1, 0],
      [1, 4, 6, 2, 0, 7, 3, 5],
      [6, 4, 1, 3, 2, 5, 0, 7],
      [2, 6, 1, 4, 3, 0, 5, 7],
    ];
    const customers: string[] = [];
    for (const [index, sequence] of orders.entries()) {
      const { customerId, list } = deliveries(month, index * 600);
      customers.push(customerId);
      for (const position of sequence) await deliver(...list[position]);
    }
    expect(await Promise.all(customers.map(balanceOf))).toEqual(customers.map(() => 50));
    const report = await monthReport(month);
    expect(report.orders).toBe(orders.length);
    expect(report.revenue).toBe((90 * orders.length).toFixed(2));
    expect(report.averageOrderValue).toBe("90.00");
  });
});

describe("the dev store's orders and refunds in Shopify's shapes", () => {
  it("an order-level code, a shipping refund in both shapes and money back without lines, counted once each", async () => {
    const store = app.devStore.store;
    const product = store.createProduct({ title: "Tea tin", variants: [{ price: "30.00" }, { price: "20.00" }] });
    const customer = store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Ada", lastName: "Shopper", hasAccount: false });
    const code = `TEN-${randomUUID().slice(0, 8).toUpperCase()}`;
    store.createCodeDiscount({
      code, kind: "basic", title: "10.00 off the order", startsAt: "2025-01-01T00:00:00Z", endsAt: null,
      usageLimit: null, appliesOncePerCustomer: false, customerIds: null, customerGets: { amount: 1000, appliesOnEachItem: false },
      maximumShippingPrice: null, minimumSubtotal: null, minimumQuantity: null,
      combinesWith: { orderDiscounts: false, productDiscounts: false, shippingDiscounts: true }, tags: [], appApiKey: null,
    });
    // 2 × 30.00 + 1 × 20.00 = 80.00, less the 10.00 code: 70.00, and 10.00 shipping: 80 points.
    const order = store.createOrder({
      customerId: customer.id,
      lineItems: [{ variantId: product.variants[0].id, quantity: 2 }, { variantId: product.variants[1].id, quantity: 1 }],
      shipping: { title: "Standard", price: "10.00" },
      discountCode: code,
    });
    await app.devStore.webhooks.idle();
    expect(await balanceOf(customer.id)).toBe(80);
    const stored = await app.db.order.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: order.id } }, include: { lineItems: true } });
    expect(stored.subtotal.toFixed(2)).toBe("70.00");
    expect(stored.lineItems.reduce((sum, line) => sum + Number(line.discount.toFixed(2)) * 100, 0)).toBe(1000);

    // Shipping back: Shopify's refund carries it as a refund shipping line and as a shipping_refund adjustment.
    const shippingBack = store.refundOrder(order.id, { shipping: true });
    await app.devStore.webhooks.idle();
    const payload = app.devStore.webhooks.deliveries().find((delivery) => delivery.topic === "refunds/create" && delivery.body.includes(shippingBack.id));
    expect(JSON.parse(payload!.body)).toMatchObject({
      refund_shipping_lines: [{ subtotal_amount_set: { shop_money: { amount: "10.00" } } }],
      order_adjustments: [{ kind: "shipping_refund", amount_set: { shop_money: { amount: "-10.00" } } }],
    });
    // 10.00 of 80.00 back: 70 points.
    expect(await balanceOf(customer.id)).toBe(70);

    // An edit removed the 20.00 tin (17.50 after its share of the code): the money goes back without refund lines.
    store.refundOrder(order.id, { discrepancy: "17.50" });
    await app.devStore.webhooks.idle();
    // 27.50 of 80.00 back: floor(80 × 52.50 / 80) = 52.
    expect(await balanceOf(customer.id)).toBe(52);
  });

  it("an edit that adds a line: the order owes the difference, and earns on it once paid", async () => {
    const store = app.devStore.store;
    const product = store.createProduct({ title: "Mug", variants: [{ price: "25.00" }] });
    const customer = store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Ada", lastName: "Shopper", hasAccount: false });
    const order = store.createOrder({ customerId: customer.id, lineItems: [{ variantId: product.variants[0].id, quantity: 2 }] });
    await app.devStore.webhooks.idle();
    expect(await balanceOf(customer.id)).toBe(50);

    store.addLinesByEdit(order.id, { lineItems: [{ variantId: product.variants[0].id, quantity: 1 }] });
    await app.devStore.webhooks.idle();
    const owed = await app.db.order.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: order.id } }, include: { lineItems: true } });
    expect(owed).toMatchObject({ financialStatus: "partially_paid" });
    expect(owed.subtotal.toFixed(2)).toBe("75.00");
    expect(owed.lineItems).toHaveLength(2);
    expect(await balanceOf(customer.id)).toBe(50);

    store.markOrderPaid(order.id);
    await app.devStore.webhooks.idle();
    expect(await balanceOf(customer.id)).toBe(75);
  });
});
