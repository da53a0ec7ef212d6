/** The earning rules as pure functions: the pending period, expiry, rounding, refunds in proportion. */
import { describe, expect, it } from "vitest";

import { expiryEntries, orderSpendEntries, secondPurchaseEntries, welcomeEntries, type EarningSettings, type ExistingEntry, type OrderForPoints } from "../../app/loyalty/points-rules";
import { parseAmount } from "../../app/orders/money";
import { jsonLines } from "../../app/orders/history-import.server";
import { splitImportedRefunds } from "../../app/orders/payloads";

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

  it("earns nothing on a pending order, nets nothing on a cancelled one, and nothing on history (unless history earns)", () => {
    expect(orderSpendEntries({ order: order({ financialStatus: "pending" }), existing: [], settings, installedAt, now: day(1) })).toEqual([]);
    expect(orderSpendEntries({ order: order({ financialStatus: "voided", cancelledAt: day(1) }), existing: [], settings, installedAt, now: day(1) })).toEqual([]);
    // A paid order first seen cancelled earned and gave back, as it does when its versions arrive in order.
    expect(orderSpendEntries({ order: order({ cancelledAt: day(1) }), existing: [], settings, installedAt, now: day(1) }).map((e) => [e.reason, e.points])).toEqual([
      ["SPEND", 99],
      ["CANCELLATION", -99],
    ]);
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

  it("reads a line longer than a chunk, and characters split between chunks", async () => {
    const bytes = new TextEncoder().encode('{"title":"Café ☕"}\n\n{"id":2}');
    async function* chunks() {
      for (let at = 0; at < bytes.length; at += 3) yield bytes.slice(at, at + 3);
    }
    const lines: string[] = [];
    for await (const line of jsonLines(chunks())) lines.push(line);
    expect(lines).toEqual(['{"title":"Café ☕"}', '{"id":2}']);
  });
});

describe("refund rounding", () => {
  it("keeps the points of the kept share, rounded down: a 53.99 order earning 53 keeps 33 after a 19.99 refund", () => {
    const small = order({ subtotal: parseAmount("53.99"), refunds: [] });
    const [spend] = orderSpendEntries({ order: small, existing: [], settings, installedAt, now: day(1) });
    expect(spend.points).toBe(53);
    const refunded = order({ subtotal: parseAmount("53.99"), refunds: [{ shopifyId: "r1", subtotal: parseAmount("19.99"), shipping: 0, tax: 0, refundedAt: day(2) }] });
    const [refund] = orderSpendEntries({ order: refunded, existing: applied([spend]), settings, installedAt, now: day(2) });
    // floor(53 × 34.00 ÷ 53.99) = floor(33.38) = 33 kept, 20 taken back.
    expect(refund.points).toBe(-20);
  });
});

describe("second-purchase bonus", () => {
  const placed = (id: number, at: number, overrides: Partial<OrderForPoints> = {}) => order({ shopifyId: `gid://shopify/Order/${id}`, placedAt: day(at), ...overrides });
  const withSource = (entries: ReturnType<typeof secondPurchaseEntries>) => entries.map(({ key, points, reason, availableAt, sourceId }) => ({ key, points, reason, availableAt, sourceId }));
  const net = (entries: ExistingEntry[]) => {
    const sums: Record<string, number> = {};
    for (const entry of entries) sums[entry.sourceId!] = (sums[entry.sourceId!] ?? 0) + entry.points;
    return Object.fromEntries(Object.entries(sums).filter(([, points]) => points !== 0));
  };

  it("moves to the new second purchase when an earlier order is cancelled after it was given (A paid, B paid, A cancelled)", () => {
    const a = placed(1, 1);
    const b = placed(2, 2);
    let existing = withSource(secondPurchaseEntries({ orders: [a, b], existing: [], settings, installedAt, now: day(3) }));
    expect(net(existing)).toEqual({ [b.shopifyId]: 200 });
    // A cancelled: B is the only purchase left, so nobody holds the bonus.
    const cancelledA = { ...a, cancelledAt: day(4) };
    existing = [...existing, ...withSource(secondPurchaseEntries({ orders: [cancelledA, b], existing, settings, installedAt, now: day(4) }))];
    expect(net(existing)).toEqual({});
    // A third purchase is the second one now.
    const c = placed(3, 5);
    existing = [...existing, ...withSource(secondPurchaseEntries({ orders: [cancelledA, b, c], existing, settings, installedAt, now: day(5) }))];
    expect(net(existing)).toEqual({ [c.shopifyId]: 200 });
    // Applying the same state again adds nothing.
    expect(secondPurchaseEntries({ orders: [cancelledA, b, c], existing, settings, installedAt, now: day(6) })).toEqual([]);
  });

  it("moves back and forth with new keys, and keeps the amount it was given with", () => {
    const a = placed(1, 1);
    const b = placed(2, 2);
    const c = placed(3, 3);
    let existing = withSource(secondPurchaseEntries({ orders: [b, c], existing: [], settings, installedAt, now: day(4) }));
    expect(net(existing)).toEqual({ [c.shopifyId]: 200 });
    // A late-arriving earlier order makes B the second purchase.
    existing = [...existing, ...withSource(secondPurchaseEntries({ orders: [a, b, c], existing, settings, installedAt, now: day(4) }))];
    expect(net(existing)).toEqual({ [b.shopifyId]: 200 });
    existing = [...existing, ...withSource(secondPurchaseEntries({ orders: [{ ...a, cancelledAt: day(5) }, b, c], existing, settings, installedAt, now: day(5) }))];
    expect(net(existing)).toEqual({ [c.shopifyId]: 200 });
    expect(new Set(existing.map((entry) => entry.key)).size).toBe(existing.length);
    // A new bonus amount does not top up a bonus already held.
    expect(secondPurchaseEntries({ orders: [{ ...a, cancelledAt: day(5) }, b, c], existing, settings: { ...settings, secondPurchaseBonus: 300 }, installedAt, now: day(6) })).toEqual([]);
  });
});

describe("welcome points", () => {
  const customer = (createdAt: Date) => ({ shopifyId: "gid://shopify/Customer/1", hasAccount: true, shopifyCreatedAt: createdAt });
  it("welcomes only accounts made after the install, whether or not history earns points", () => {
    expect(welcomeEntries({ customer: customer(day(1)), settings, installedAt, now: day(1) })).toHaveLength(1);
    expect(welcomeEntries({ customer: customer(new Date("2025-06-01T00:00:00Z")), settings, installedAt, now: day(1) })).toEqual([]);
    expect(welcomeEntries({ customer: customer(new Date("2025-06-01T00:00:00Z")), settings: { ...settings, historyEarnsPoints: true }, installedAt, now: day(1) })).toEqual([]);
  });
});
