/**
 * The dashboard as CSV: the period's metrics against the previous period, the monthly rates and the
 * cohort table, in three blocks separated by a blank line. Values as the JSON report has them
 * (amounts with 2 decimals, rates as fractions with 4), so a spreadsheet can format them.
 */
import type { CohortRow, MonthPoint, ShopReport } from "./metrics.server";

export function cell(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const line = (values: (string | number | null)[]) => values.map(cell).join(",");

export function dashboardCsv(report: ShopReport, months: MonthPoint[], cohorts: CohortRow[]): string {
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
  return [rows, monthly, cohortRows].map((block) => block.map(line).join("\r\n")).join("\r\n\r\n") + "\r\n";
}
