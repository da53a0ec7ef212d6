import { describe, expect, it } from "vitest";

import { customerHealth, daysSince } from "../../app/customers/health";

const thresholds = { slippingDays: 60, lapsedDays: 180 };
const now = new Date("2026-12-02T12:00:00Z");
const daysAgo = (days: number, extraMs = 0) => new Date(now.getTime() - days * 86_400_000 - extraMs);

describe("a customer's health mark", () => {
  it("is a recent buyer until the slipping threshold, then slipping, then lapsed", () => {
    expect(customerHealth(daysAgo(0), thresholds, now)).toBe("recent");
    expect(customerHealth(daysAgo(59), thresholds, now)).toBe("recent");
    expect(customerHealth(daysAgo(60), thresholds, now)).toBe("slipping");
    expect(customerHealth(daysAgo(179), thresholds, now)).toBe("slipping");
    expect(customerHealth(daysAgo(180), thresholds, now)).toBe("lapsed");
    expect(customerHealth(daysAgo(2000), thresholds, now)).toBe("lapsed");
  });

  it("counts whole days: a minute short of 60 days is still recent", () => {
    expect(customerHealth(daysAgo(60, -60_000), thresholds, now)).toBe("recent");
    expect(daysSince(daysAgo(60, -60_000), now)).toBe(59);
  });

  it("follows the merchant's thresholds", () => {
    expect(customerHealth(daysAgo(20), { slippingDays: 14, lapsedDays: 30 }, now)).toBe("slipping");
    expect(customerHealth(daysAgo(30), { slippingDays: 14, lapsedDays: 30 }, now)).toBe("lapsed");
    expect(customerHealth(daysAgo(20), { slippingDays: 90, lapsedDays: 365 }, now)).toBe("recent");
  });

  it("uses the clock it is given, and marks a customer without orders apart", () => {
    const lastOrder = new Date("2026-01-01T00:00:00Z");
    expect(customerHealth(lastOrder, thresholds, new Date("2026-01-15T00:00:00Z"))).toBe("recent");
    expect(customerHealth(lastOrder, thresholds, new Date("2026-07-15T00:00:00Z"))).toBe("lapsed");
    expect(customerHealth(null, thresholds, now)).toBe("no-orders");
    // A clock slightly behind the order's timestamp is still "today".
    expect(customerHealth(new Date(now.getTime() + 5_000), thresholds, now)).toBe("recent");
  });
});
