/** What the dashboard's monthly chart and the text beside it call a month and each line. */
import type { MonthPoint } from "./metrics.server";

export const monthLabel = (point: Pick<MonthPoint, "month" | "toDate">) => {
  const label = new Date(`${point.month}T00:00:00Z`).toLocaleDateString("en", { month: "short", year: "2-digit", timeZone: "UTC" });
  return point.toDate === null ? label : `${label} (to date)`;
};

export const CHART_SERIES = {
  repeatPurchaseRate: "Repeat purchase rate within the month",
  returningCustomerRate: "Returning customer rate within the month",
} as const;
