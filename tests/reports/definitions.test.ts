/** The metric arithmetic and period rules, on numbers worked out by hand. */
import { describe, expect, it } from "vitest";

import {
  change,
  customerLifetimeValue,
  customerWindow,
  moneyValueOfPoints,
  parsePeriod,
  periodMetrics,
  presetPeriod,
  previousPeriod,
  PeriodError,
  retentionMetrics,
  trailingYears,
} from "../../app/reports/metrics";
import { dashboardCsv } from "../../app/reports/csv";

describe("period metrics", () => {
  it("divides exactly and rounds once, half away from zero", () => {
    // 100.005 / 1 → 100.01 (not 100.00 as a float would give); 10 / 3 orders → 3.33.
    expect(periodMetrics({ orders: 1, revenue: "100.0050", customers: 1, repeatCustomers: 0, returningCustomers: 0 }).averageOrderValue).toBe("100.01");
    expect(periodMetrics({ orders: 3, revenue: "10.0000", customers: 2, repeatCustomers: 1, returningCustomers: 1 })).toEqual({
      orders: 3,
      customers: 2,
      revenue: "10.00",
      averageOrderValue: "3.33",
      purchaseFrequency: 1.5,
      repeatPurchaseRate: 0.5,
      returningCustomerRate: 0.5,
    });
    expect(periodMetrics({ orders: 7, revenue: "1.0000", customers: 3, repeatCustomers: 2, returningCustomers: 0 }).repeatPurchaseRate).toBe(0.6667);
  });

  it("has no average or rate for an empty period", () => {
    expect(periodMetrics({ orders: 0, revenue: "0.0000", customers: 0, repeatCustomers: 0, returningCustomers: 0 })).toEqual({
      orders: 0,
      customers: 0,
      revenue: "0.00",
      averageOrderValue: null,
      purchaseFrequency: null,
      repeatPurchaseRate: null,
      returningCustomerRate: null,
    });
  });

  it("compares with the previous value as a relative change", () => {
    expect(change("76.00", "55.00")).toBe(0.3818);
    expect(change(0.25, 0)).toBeNull();
    expect(change(null, 3)).toBeNull();
  });
});

describe("customer lifetime value estimate", () => {
  it("is sales per customer over a year times 1 / (1 − retention)", () => {
    // 12,000 over 100 customers = 120 a year; 40 of 80 kept → lifespan 2 years → 240.
    expect(customerLifetimeValue({ yearRevenue: "12000.0000", yearCustomers: 100, priorYearCustomers: 80, retainedCustomers: 40 })).toEqual({
      value: "240.00",
      retention: 0.5,
      lifespanYears: 2,
    });
  });

  it("caps the lifespan at 10 years and needs a prior year", () => {
    expect(customerLifetimeValue({ yearRevenue: "1000.0000", yearCustomers: 10, priorYearCustomers: 5, retainedCustomers: 5 })).toEqual({
      value: "1000.00",
      retention: 1,
      lifespanYears: 10,
    });
    expect(customerLifetimeValue({ yearRevenue: "1000.0000", yearCustomers: 10, priorYearCustomers: 0, retainedCustomers: 0 }).value).toBeNull();
  });
});

describe("customer retention", () => {
  it("is (end − new) ÷ start, with churn its complement", () => {
    // 10 customers at the start, 12 at the end, 7 of them in both: 12 − 7 = 5 new (first orders or won
    // back), so (12 − 5) ÷ 10 = 0.7 kept and 3 of 10 lost.
    expect(retentionMetrics({ customersAtStart: 10, customersAtEnd: 12, retainedCustomers: 7 })).toEqual({
      customersAtStart: 10,
      customersAtEnd: 12,
      retainedCustomers: 7,
      newCustomers: 5,
      customerRetentionRate: 0.7,
      churnRate: 0.3,
    });
    // 2 of 3 kept: 0.6667 and its complement 0.3333, adding up to exactly 1.
    const thirds = retentionMetrics({ customersAtStart: 3, customersAtEnd: 2, retainedCustomers: 2 });
    expect([thirds.customerRetentionRate, thirds.churnRate]).toEqual([0.6667, 0.3333]);
    // Nobody at the start: no rate, not 0.
    expect(retentionMetrics({ customersAtStart: 0, customersAtEnd: 4, retainedCustomers: 0 })).toMatchObject({ customerRetentionRate: null, churnRate: null, newCustomers: 4 });
  });

  it("counts a customer on the lapsed threshold's days up to the moment", () => {
    // 180 days up to 2026-03-31 inclusive start 179 days before it.
    expect(customerWindow("2026-03-31", 180)).toEqual({ from: "2025-10-03", to: "2026-03-31" });
    expect(customerWindow("2026-03-31", 1)).toEqual({ from: "2026-03-31", to: "2026-03-31" });
  });
});

describe("points value", () => {
  it("values points at the reward's amount per points, exactly", () => {
    // 5.00 off for 500 points is 0.01 a point: 1,234 points are 12.34; 7.50 per 1,000 points: 333 are 2.49750 → 2.50.
    expect(moneyValueOfPoints(1234, "5.0000", 500)).toBe("12.34");
    expect(moneyValueOfPoints(333, "7.50", 1000)).toBe("2.50");
    expect(moneyValueOfPoints(-200, "5", 500)).toBe("-2.00");
  });
});

describe("periods", () => {
  it("checks dates and order", () => {
    expect(parsePeriod("2026-03-01", "2026-03-31")).toEqual({ from: "2026-03-01", to: "2026-03-31" });
    expect(() => parsePeriod("2026-02-30", "2026-03-31")).toThrow(PeriodError);
    expect(() => parsePeriod("2026-03-31", "2026-03-01")).toThrow("End date must be on or after the start date");
    expect(() => parsePeriod(undefined, "2026-03-01")).toThrow("Start date must be a date as YYYY-MM-DD");
  });

  it("compares with the same number of days just before", () => {
    expect(previousPeriod({ from: "2026-03-01", to: "2026-03-31" })).toEqual({ from: "2026-01-29", to: "2026-02-28" });
    expect(previousPeriod({ from: "2024-03-01", to: "2024-03-01" })).toEqual({ from: "2024-02-29", to: "2024-02-29" });
    expect(trailingYears("2026-12-31")).toEqual({ year: { from: "2026-01-01", to: "2026-12-31" }, priorYear: { from: "2025-01-01", to: "2025-12-31" } });
  });

  it("turns presets into dates from the shop's today", () => {
    expect(presetPeriod("last30", "2026-03-31")).toEqual({ from: "2026-03-02", to: "2026-03-31" });
    expect(presetPeriod("lastMonth", "2026-03-15")).toEqual({ from: "2026-02-01", to: "2026-02-28" });
    expect(presetPeriod("yearToDate", "2026-03-15")).toEqual({ from: "2026-01-01", to: "2026-03-15" });
  });
});

describe("CSV export", () => {
  it("quotes what needs quoting and leaves missing values empty", () => {
    const metrics = periodMetrics({ orders: 2, revenue: "30.0000", customers: 1, repeatCustomers: 1, returningCustomers: 0 });
    const empty = periodMetrics({ orders: 0, revenue: "0.0000", customers: 0, repeatCustomers: 0, returningCustomers: 0 });
    const csv = dashboardCsv(
      {
        summary: { shop: "x.myshopify.com", currencyCode: "USD", timezone: "UTC", from: "2026-03-01", to: "2026-03-31", ...metrics },
        previous: { ...empty, from: "2026-01-29", to: "2026-02-28" },
        changes: { orders: null, customers: null, revenue: null, averageOrderValue: null, purchaseFrequency: null, repeatPurchaseRate: null, returningCustomerRate: null },
        customerLifetimeValue: { value: null, retention: null, lifespanYears: null },
        previousCustomerLifetimeValue: { value: null, retention: null, lifespanYears: null },
        members: metrics,
        nonMembers: empty,
        pointsLiability: { points: 1200, customersInDebt: 0 },
        lapsedDays: 180,
        customerRetentionRate: 0.75,
        churnRate: 0.25,
        retention: retentionMetrics({ customersAtStart: 4, customersAtEnd: 5, retainedCustomers: 3 }),
        previousRetention: retentionMetrics({ customersAtStart: 0, customersAtEnd: 4, retainedCustomers: 0 }),
        pointsIssued: 500,
        pointsRedeemed: 200,
        pointsExpired: 0,
        redemptionRate: 0.4,
        pointValue: null,
        pointsByMonth: [{ month: "2026-03-01", issued: 500, redeemed: 200, expired: 0, outstanding: 1200, outstandingValue: null }],
        attributedRevenue: { reward: { orders: 1, revenue: "15.00" }, referral: { orders: 0, revenue: "0.00" }, followUp: { orders: 0, revenue: "0.00" } },
        followUps: [{ kind: "WIN_BACK", sent: 2, ordersWithin30Days: 1, revenue: "15.00" }],
      },
      [{ month: "2026-03-01", customers: 1, repeatPurchaseRate: 1, returningCustomerRate: 0, toDate: null }],
      [{ month: "2026-02-01", customers: 4, retention: [0.25] }],
    );
    expect(csv).toContain("Average order value (USD),15.00,,\r\n");
    expect(csv).toContain("Customer lifetime value, estimate (USD)");
    expect(csv.split("\r\n")[16]).toBe("2026-03,1,1,0");
    expect(csv).toContain("2026-02,4,0.25\r\n");
    // Retention: 4 at the start, 5 at the end, 3 of them both: 2 new, (5 − 2) ÷ 4 = 0.75; no start customers before.
    expect(csv).toContain("New customers,2,4\r\nCustomer retention rate,0.75,\r\nChurn rate,0.25,\r\n");
    expect(csv).toContain("Redemption rate,0.4\r\n");
    expect(csv).toContain("Reward code sales (USD),15.00\r\n");
    expect(csv).toContain("2026-03,500,200,0,1200,\r\n");
    expect(csv).toContain("WIN_BACK,2,1,15.00\r\n");
  });
});
