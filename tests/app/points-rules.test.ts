/** The earning rules as pure functions: the pending period, expiry, rounding, refunds in proportion. */
import { describe, expect, it } from "vitest";

import { expiryEntries, orderSpendEntries, type EarningSettings, type ExistingEntry, type OrderForPoints } from "../../app/loyalty/points-rules";
import { parseAmount } from "../../app/orders/money";
import { jsonLines, splitImportedRefunds } from "../../app/orders/history-import.server";

const settings: EarningSettings = {
  welcomePoints: 100,
  secondPurchaseBonus: 200,
  pointsPerCurrencyUnit: 1,
  includeShippingInEarn: false,
  includeTaxInEarn: false,
  historyEarnsPoints: false,
  pendingDays: 14,
};
const installedAt = new Date("2026-01-01T00:00:00.500Z");
const day = (n: number) => new Date(Date.UTC(2026, 1, n));

function order(overrides: Partial<OrderForPoints> = {}): OrderForPoints {
  return {
    shopifyId: "gid://shopify/Order/1",
    financialStatus: "paid",
    subtotal: parseAmount("99.99"),
    shipping: parseAmount("10.00"),
    tax: parseAmount("8.25"),
    cancelledAt: null,
    placedAt: day(1),
    refunds: [],
    ...overrides,
  };
}

const applied = (entries: { key: string; points: number; reason: ExistingEntry["reason"]; availableAt: Date }[]) =>
  entries.map(({ key, points, reason, availableAt }) => ({ key, points, reason, availableAt }));

describe("points for spend", () => {
  it("rounds down per whole unit and leaves shipping and tax out unless included", () => {
    expect(orderSpendEntries({ order: order(), existing: [], settings, installedAt, now: day(1) })[0].points).toBe(99);
    const all = { ...settings, includeShippingInEarn: true, includeTaxInEarn: true };
    expect(orderSpendEntries({ order: order(), existing: [], settings: all, installedAt, now: day(1) })[0].points).toBe(118);
  });

  it("earns nothing on a pending order, a cancelled one, or history (unless history earns)", () => {
    expect(orderSpendEntries({ order: order({ financialStatus: "pending" }), existing: [], settings, installedAt, now: day(1) })).toEqual([]);
    expect(orderSpendEntries({ order: order({ cancelledAt: day(1) }), existing: [], settings, installedAt, now: day(1) })).toEqual([]);
    const history = order({ placedAt: new Date("2025-06-01T00:00:00Z") });
    expect(orderSpendEntries({ order: history, existing: [], settings, installedAt, now: day(1) })).toEqual([]);
    expect(orderSpendEntries({ order: history, existing: [], settings: { ...settings, historyEarnsPoints: true }, installedAt, now: day(1) })).toHaveLength(1);
  });

  it("keeps points pending for the pending period; a refund inside it cancels pending points, not spendable ones", () => {
    const [spend] = orderSpendEntries({ order: order(), existing: [], settings, installedAt, now: day(1) });
    expect(spend.availableAt).toEqual(day(15));
    const refunded = order({ refunds: [{ shopifyId: "r1", subtotal: parseAmount("50.00"), shipping: 0, tax: 0, refundedAt: day(3) }] });
    const [refund] = orderSpendEntries({ order: refunded, existing: applied([spend]), settings, installedAt, now: day(3) });
    expect(refund).toMatchObject({ points: -50, reason: "REFUND", availableAt: day(15) });
    const late = order({ refunds: [{ shopifyId: "r1", subtotal: parseAmount("50.00"), shipping: 0, tax: 0, refundedAt: day(20) }] });
    expect(orderSpendEntries({ order: late, existing: applied([spend]), settings, installedAt, now: day(20) })[0].availableAt).toEqual(day(20));
  });

  it("takes back exactly what was awarded over several refunds, whatever order they are applied in", () => {
    const refunds = [
      { shopifyId: "r1", subtotal: parseAmount("33.33"), shipping: 0, tax: 0, refundedAt: day(2) },
      { shopifyId: "r2", subtotal: parseAmount("33.33"), shipping: 0, tax: 0, refundedAt: day(3) },
      { shopifyId: "r3", subtotal: parseAmount("33.33"), shipping: parseAmount("10.00"), tax: 0, refundedAt: day(4) },
    ];
    for (const sequence of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
      let existing: ExistingEntry[] = applied(orderSpendEntries({ order: order(), existing: [], settings, installedAt, now: day(1) }));
      const known: typeof refunds = [];
      for (const index of sequence) {
        known.push(refunds[index]);
        existing = [...existing, ...applied(orderSpendEntries({ order: order({ refunds: [...known] }), existing, settings, installedAt, now: day(5) }))];
      }
      expect(existing.reduce((sum, entry) => sum + entry.points, 0)).toBe(0);
    }
  });
});

describe("expiry", () => {
  it("expires the spendable balance after N months without activity, once per quiet spell", () => {
    const args = { customerId: "c1", lastActivityAt: new Date("2025-01-10T00:00:00Z"), spendableBalance: 340, expiryMonths: 12 };
    expect(expiryEntries({ ...args, now: new Date("2026-01-09T00:00:00Z") })).toEqual([]);
    const [entry] = expiryEntries({ ...args, now: new Date("2026-01-11T00:00:00Z") });
    expect(entry).toMatchObject({ points: -340, reason: "EXPIRY", key: "expiry:c1:2025-01-10T00:00:00.000Z" });
    expect(expiryEntries({ ...args, expiryMonths: null, now: new Date("2030-01-01T00:00:00Z") })).toEqual([]);
  });
});

describe("history import helpers", () => {
  it("splits an order's refunded amounts among its refunds by their totals, to the cent", () => {
    const split = splitImportedRefunds({ subtotal: parseAmount("30.00"), shipping: parseAmount("5.00"), tax: parseAmount("3.00") }, [
      { shopifyId: "a", total: parseAmount("10.00"), refundedAt: "" },
      { shopifyId: "b", total: parseAmount("28.00"), refundedAt: "" },
    ]);
    expect(split.reduce((sum, refund) => sum + refund.subtotal + refund.shipping + refund.tax, 0)).toBe(parseAmount("38.00"));
  });

  it("reads lines across chunk boundaries", async () => {
    async function* chunks() {
      yield '{"id":1}\n{"i';
      yield 'd":2}\n';
      yield '{"id":3}';
    }
    const lines: string[] = [];
    for await (const line of jsonLines(chunks())) lines.push(line);
    expect(lines).toEqual(['{"id":1}', '{"id":2}', '{"id":3}']);
  });
});
