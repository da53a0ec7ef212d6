/**
 * The dashboard as CSV: the period's metrics against the previous period, the monthly rates, the
 * cohort table, customer retention and what the program earns, in blocks separated by a blank line. Values as the JSON report has them
 * (amounts with 2 decimals, rates as fractions with 4), so a spreadsheet can format them.
 */
import type { CohortRow, MonthPoint, ShopReportWithEarnings } from "./metrics.server";

export function cell(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const line = (values: (string | number | null)[]) => values.map(cell).join(",");

export function dashboardCsv(report: ShopReportWithEarnings, months: MonthPoint[], cohorts: CohortRow[]): string {
  const { summary, previous, changes } = report;
  const rows: (string | number | null)[][] = [
    ["Metric", `${summary.from} to ${summary.to}`, `${previous.from} to ${previous.to}`, "Change"],
    ["Orders", summary.orders, previous.orders, changes.orders],
    ["Customers", summary.customers, previous.customers, changes.customers],
    [`Sales (${summary.currencyCode})`, summary.revenue, previous.revenue, changes.revenue],
    [`Average order value (${summary.currencyCode})`, summary.averageOrderValue, previous.averageOrderValue, changes.averageOrderValue],
    ["Purchase frequency", summary.purchaseFrequency, previous.purchaseFrequency, changes.purchaseFrequency],
    ["Repeat purchase rate", summary.repeatPurchaseRate, previous.repeatPurchaseRate, changes.repeatPurchaseRate],
    ["Returning customer rate", summary.returningCustomerRate, previous.returningCustomerRate, changes.returningCustomerRate],
    [`Customer lifetime value, estimate (${summary.currencyCode})`, report.customerLifetimeValue.value, report.previousCustomerLifetimeValue.value, null],
    ["Members: average order value", report.members.averageOrderValue, null, null],
    ["Members: purchase frequency", report.members.purchaseFrequency, null, null],
    ["Non-members: average order value", report.nonMembers.averageOrderValue, null, null],
    ["Non-members: purchase frequency", report.nonMembers.purchaseFrequency, null, null],
    ["Points outstanding (today)", report.pointsLiability.points, null, null],
  ];
  const monthly = [["Month", "Customers", "Repeat purchase rate", "Returning customer rate"], ...months.map((m) => [m.month.slice(0, 7), m.customers, m.repeatPurchaseRate, m.returningCustomerRate])];
  const longest = Math.max(0, ...cohorts.map((c) => c.retention.length));
  const cohortRows = [
    ["First order month", "Customers", ...Array.from({ length: longest }, (_, i) => `Month ${i + 1}`)],
    ...cohorts.map((c) => [c.month.slice(0, 7), c.customers, ...c.retention]),
  ];
  const { retention, previousRetention } = report;
  const retentionRows = [
    ["Retention (lapsed after days)", `${summary.from} to ${summary.to}`, `${previous.from} to ${previous.to}`, report.lapsedDays],
    ["Customers at the start", retention.customersAtStart, previousRetention.customersAtStart],
    ["Customers at the end", retention.customersAtEnd, previousRetention.customersAtEnd],
    ["New customers", retention.newCustomers, previousRetention.newCustomers],
    ["Customer retention rate", retention.customerRetentionRate, previousRetention.customerRetentionRate],
    ["Churn rate", retention.churnRate, previousRetention.churnRate],
  ];
  const { reward, referral, followUp } = report.attributedRevenue;
  const earnings = [
    ["What the program earns", `${summary.from} to ${summary.to}`],
    ["Points issued", report.pointsIssued],
    ["Points redeemed", report.pointsRedeemed],
    ["Points expired", report.pointsExpired],
    ["Redemption rate", report.redemptionRate],
    ["Reward code orders", reward.orders],
    [`Reward code sales (${summary.currencyCode})`, reward.revenue],
    ["Referral code orders", referral.orders],
    [`Referral code sales (${summary.currencyCode})`, referral.revenue],
    ["Follow-up code orders", followUp.orders],
    [`Follow-up code sales (${summary.currencyCode})`, followUp.revenue],
    ["Members: repeat purchase rate", report.members.repeatPurchaseRate],
    ["Non-members: repeat purchase rate", report.nonMembers.repeatPurchaseRate],
  ];
  const pointsMonths = [
    ["Month", "Points issued", "Points redeemed", "Points expired", "Points outstanding at month end", `Outstanding value (${summary.currencyCode})`],
    ...report.pointsByMonth.map((m) => [m.month.slice(0, 7), m.issued, m.redeemed, m.expired, m.outstanding, m.outstandingValue]),
  ];
  const followUps = [
    ["Follow-up", "Sent", "Orders within 30 days", `Sales (${summary.currencyCode})`],
    ...report.followUps.map((f) => [f.kind, f.sent, f.ordersWithin30Days, f.revenue]),
  ];
  return [rows, monthly, cohortRows, retentionRows, earnings, pointsMonths, followUps].map((block) => block.map(line).join("\r\n")).join("\r\n\r\n") + "\r\n";
}
