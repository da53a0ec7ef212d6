import { describe, expect, it } from "vitest";

import { applyHistory, HistoryPlayer } from "../../dev-store/seed/apply";
import { installMoment } from "../../dev-store/seed/lived-in";
import { generateHistory } from "../../dev-store/seed/history";
import { ShopData } from "../../dev-store/store/shop-data";
import { DEFAULT_SHOP_PROFILE } from "../../dev-store/server";

const end = new Date("2026-11-22T12:00:00Z");
const DAY = 86_400_000;

describe("the demo shop's history", () => {
  const plan = generateHistory({ end });

  it("is at least 2,000 customers and 6,000 orders over 18 months", () => {
    expect(plan.customers.length).toBeGreaterThanOrEqual(2000);
    expect(plan.orders.length).toBeGreaterThanOrEqual(6000);
    const first = plan.orders[0].createdAt.getTime();
    expect((end.getTime() - first) / DAY).toBeGreaterThan(530);
    expect(plan.orders.every((order) => order.createdAt.getTime() <= end.getTime())).toBe(true);
  });

  it("mixes one-time and repeat buyers, guests, refunds, cancellations and currencies", () => {
    const ordersPerCustomer = new Map<string, number>();
    for (const order of plan.orders) {
      if (order.customerKey) ordersPerCustomer.set(order.customerKey, (ordersPerCustomer.get(order.customerKey) ?? 0) + 1);
    }
    const counts = [...ordersPerCustomer.values()];
    expect(counts.filter((count) => count === 1).length).toBeGreaterThan(1000);
    expect(counts.filter((count) => count >= 2).length).toBeGreaterThan(800);
    expect(counts.filter((count) => count >= 6).length).toBeGreaterThan(50);
    expect(plan.orders.filter((order) => order.customerKey === null).length).toBeGreaterThan(100);
    expect(plan.customers.filter((customer) => !customer.hasAccount).length).toBeGreaterThan(300);
    expect(plan.orders.filter((order) => order.refund).length).toBeGreaterThan(200);
    expect(plan.orders.filter((order) => order.cancellation).length).toBeGreaterThan(100);
    expect(new Set(plan.orders.map((order) => order.presentmentCurrency))).toEqual(new Set(["USD", "EUR", "GBP", "CAD"]));
  });

  it("re-buys used-up products around their interval", () => {
    const coffee = plan.orders.filter((order) => order.customerKey && order.lines[0].productKey === "coffee-beans");
    const gaps: number[] = [];
    const last = new Map<string, number>();
    for (const order of coffee) {
      const previous = last.get(order.customerKey!);
      if (previous !== undefined) gaps.push((order.createdAt.getTime() - previous) / DAY);
      last.set(order.customerKey!, order.createdAt.getTime());
    }
    gaps.sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)];
    expect(median).toBeGreaterThan(24);
    expect(median).toBeLessThan(45);
  });

  it("is the same shop on every machine", () => {
    const again = generateHistory({ end });
    expect(again.orders.map((order) => order.key + order.createdAt.toISOString())).toEqual(
      plan.orders.map((order) => order.key + order.createdAt.toISOString()),
    );
  });

  it("plays into the dev store with exact money in the shop currency", () => {
    const store = ShopData.create({ ...DEFAULT_SHOP_PROFILE, myshopifyDomain: "demo-loyalty.myshopify.com" }, { now: () => end });
    const applied = applyHistory(store, plan);
    expect(applied).toMatchObject({ customers: plan.customers.length, orders: plan.orders.length });
    expect(store.orders()).toHaveLength(plan.orders.length);
    const euro = store.orders().find((order) => order.presentmentCurrency === "EUR")!;
    expect(euro.currency).toBe("USD");
    expect(euro.exchangeRate).toBe("1.08");
    expect(store.orders().filter((order) => order.cancelledAt).length).toBe(applied.cancellations);
  });

  it("stops at the app's install and carries on: the same shop, with months of news left for the webhooks", () => {
    const store = ShopData.create({ ...DEFAULT_SHOP_PROFILE, myshopifyDomain: "demo-loyalty.myshopify.com" }, { now: () => end });
    const player = new HistoryPlayer(store, plan);
    const installedAt = installMoment(end);
    const before = player.playUntil(installedAt);
    expect(store.orders().every((order) => order.createdAt < installedAt.toISOString())).toBe(true);
    const accountsBefore = store.customers().length;
    const after = player.playUntil(end);
    expect(after).toMatchObject({ customers: plan.customers.length, orders: plan.orders.length });
    expect(after.orders - before.orders).toBeGreaterThan(500);
    expect(after.refunds - before.refunds).toBeGreaterThan(10);
    const newAccounts = store.customers().slice(accountsBefore).filter((customer) => customer.state === "ENABLED");
    expect(newAccounts.length).toBeGreaterThan(150);
    expect(newAccounts.every((customer) => customer.createdAt >= installedAt.toISOString())).toBe(true);
    // Played in time order: orders are numbered as they were placed.
    const placed = store.orders().map((order) => order.createdAt);
    expect(placed).toEqual([...placed].sort());
  });
});
