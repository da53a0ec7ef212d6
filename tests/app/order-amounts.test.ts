/**
 * How amounts are read from Shopify's payloads and what an order's edits and refunds do to its
 * points, as pure functions on numbers worked out by hand.
 */
import { describe, expect, it } from "vitest";

import { orderKeys, orderSpendEntries, type EarningSettings, type ExistingEntry, type OrderForPoints, type RefundForPoints } from "../../app/loyalty/points-rules";
import { allocateLargestRemainder, minorUnitOf, parseAmount } from "../../app/orders/money";
import { reconciledLineDiscounts, RefundWebhookPayload, refundSnapshot } from "../../app/orders/payloads";
import { samplePayload } from "../support/webhooks";

const usd = (amount: string) => ({ shop_money: { amount, currency_code: "USD" } });

describe("exact shares", () => {
  it("splits by largest remainder in whole minor units, adding up to the total", () => {
    // 10.00 over 60 : 50 → 5.4545… and 4.5454…: the larger remainder gets the spare cent.
    expect(allocateLargestRemainder(parseAmount("10.00"), [parseAmount("60.00"), parseAmount("50.00")], minorUnitOf("USD"))).toEqual([
      parseAmount("5.45"),
      parseAmount("4.55"),
    ]);
    // 100 yen over three equal lines: whole yen, the first gets the spare one.
    expect(allocateLargestRemainder(parseAmount("100"), [1, 1, 1], minorUnitOf("JPY"))).toEqual([parseAmount("34"), parseAmount("33"), parseAmount("33")]);
    expect(minorUnitOf("KWD")).toBe(10);
  });

  it("shares an order-level discount the allocations leave out, and keeps allocations that add up", () => {
    const lines = [
      { price: parseAmount("60.00"), quantity: 1, discount: 0 },
      { price: parseAmount("25.00"), quantity: 2, discount: parseAmount("5.00") },
    ];
    // 110.00 of lines, 5.00 allocated, subtotal 95.00: 10.00 more to share over 60.00 : 45.00.
    expect(reconciledLineDiscounts(lines, parseAmount("95.00"), "USD")).toEqual([parseAmount("5.71"), parseAmount("9.29")]);
    expect(reconciledLineDiscounts(lines, parseAmount("105.00"), "USD")).toEqual([0, parseAmount("5.00")]);
  });
});

describe("refunds in Shopify's shapes", () => {
  function refund(overrides: Record<string, unknown>) {
    const payload = { ...samplePayload<Record<string, unknown>>("refunds/create"), refund_line_items: [], refund_shipping_lines: [], order_adjustments: [], ...overrides };
    return refundSnapshot(RefundWebhookPayload.parse(payload), "gid://shopify/Order/1");
  }

  it("counts shipping once when it is both a refund shipping line and a shipping_refund adjustment", () => {
    const both = refund({
      refund_shipping_lines: [{ subtotal_amount_set: usd("7.50"), tax_amount_set: usd("0.75") }],
      order_adjustments: [{ kind: "shipping_refund", amount_set: usd("-7.50"), tax_amount_set: usd("-0.75") }],
    });
    expect(both).toMatchObject({ subtotal: 0, shipping: parseAmount("7.50"), tax: parseAmount("0.75"), total: parseAmount("8.25") });
    const adjustmentOnly = refund({ order_adjustments: [{ kind: "shipping_refund", amount_set: usd("-7.50"), tax_amount_set: usd("-0.75") }] });
    expect(adjustmentOnly).toMatchObject({ shipping: parseAmount("7.50"), tax: parseAmount("0.75"), total: parseAmount("8.25") });
  });

  it("reads money returned without refund lines as merchandise given back", () => {
    expect(refund({ order_adjustments: [{ kind: "refund_discrepancy", amount_set: usd("-12.34"), tax_amount_set: usd("0.00") }] })).toMatchObject({
      subtotal: parseAmount("12.34"),
      discrepancy: parseAmount("12.34"),
      total: parseAmount("12.34"),
    });
  });
});

describe("points for an edited order", () => {
  const settings: EarningSettings = {
    welcomePoints: 0,
    secondPurchaseBonus: 0,
    pointsPerCurrencyUnit: 3,
    includeShippingInEarn: true,
    includeTaxInEarn: false,
    historyEarnsPoints: false,
    pendingDays: 0,
  };
  const installedAt = new Date("2026-01-01T00:00:00Z");
  const at = (n: number) => new Date(Date.UTC(2026, 1, n));
  const placed = { shopifyId: "gid://shopify/Order/7", placedAt: at(1), cancelledAt: null, shipping: parseAmount("5.00"), tax: 0 };
  const removal: RefundForPoints = { shopifyId: "r1", subtotal: parseAmount("10.01"), shipping: 0, tax: 0, refundedAt: at(3) };
  const shippingBack: RefundForPoints = { shopifyId: "r2", subtotal: 0, shipping: parseAmount("5.00"), tax: 0, refundedAt: at(4) };

  /** Applies states of the order one after another as the sync does, recording what points were earned on. */
  function settle(states: Omit<OrderForPoints, "earnedOn">[]): number {
    let existing: ExistingEntry[] = [];
    let earnedOn: number | null = null;
    for (const state of states) {
      const planned = orderSpendEntries({ order: { ...state, earnedOn }, existing, settings, installedAt, now: at(5) });
      const eligible = state.subtotal + state.shipping;
      if (planned.some((entry) => entry.key === orderKeys.spend(state.shopifyId) || entry.key === orderKeys.editSpend(state.shopifyId, eligible))) earnedOn = eligible;
      existing = [...existing, ...planned.map(({ key, points, reason, availableAt }) => ({ key, points, reason, availableAt }))];
    }
    return existing.reduce((sum, entry) => sum + entry.points, 0);
  }

  it("earns on what an edit added and ends with the same points whichever order the refunds and the edit come in", () => {
    const before = { ...placed, financialStatus: "paid", subtotal: parseAmount("33.33"), refunds: [] };
    const edited = { ...placed, financialStatus: "paid", subtotal: parseAmount("53.37"), refunds: [] };
    // 38.33 × 3 = 114.99 → 114 points; the edit adds 20.04: 58.37 × 3 = 175.11 → 175.
    expect(settle([before])).toBe(114);
    expect(settle([before, edited])).toBe(175);
    // 15.01 of 58.37 back: floor(175 × 43.36 / 58.37) = floor(129.998…) = 129, on every path.
    const paths = [
      [before, { ...before, refunds: [removal] }, { ...edited, refunds: [removal] }, { ...edited, refunds: [removal, shippingBack] }],
      [before, edited, { ...edited, refunds: [removal] }, { ...edited, refunds: [removal, shippingBack] }],
      [before, { ...before, refunds: [shippingBack] }, { ...before, refunds: [removal, shippingBack] }, { ...edited, refunds: [removal, shippingBack] }],
      [{ ...edited, refunds: [removal, shippingBack] }],
      [{ ...edited, refunds: [shippingBack] }, { ...edited, refunds: [removal, shippingBack] }],
    ];
    for (const path of paths) expect(settle(path)).toBe(129);
  });

  it("takes everything back on cancellation, edits and refunds included", () => {
    const before = { ...placed, financialStatus: "paid", subtotal: parseAmount("33.33"), refunds: [] };
    const edited = { ...placed, financialStatus: "paid", subtotal: parseAmount("53.37"), refunds: [removal] };
    expect(settle([before, edited, { ...edited, cancelledAt: at(6) }])).toBe(0);
  });
});
