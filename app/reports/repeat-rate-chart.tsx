/** The dashboard's monthly chart (polaris-viz): repeat purchase rate and returning customer rate per month. */
import { LineChart, PolarisVizProvider } from "@shopify/polaris-viz";

import type { MonthPoint } from "./metrics.server";

const monthLabel = (month: string) => new Date(`${month}T00:00:00Z`).toLocaleDateString("en", { month: "short", year: "2-digit", timeZone: "UTC" });
const percent = (value: number | string | null) => (value === null ? "—" : `${(Number(value) * 100).toFixed(1)}%`);

export default function RepeatRateChart({ months }: { months: MonthPoint[] }) {
  const series = (name: string, pick: (m: MonthPoint) => number | null) => ({
    name,
    data: months.map((m) => ({ key: monthLabel(m.month), value: pick(m) })),
  });
  return (
    <PolarisVizProvider>
      <LineChart
        theme="Light"
        data={[series("Repeat purchase rate", (m) => m.repeatPurchaseRate), series("Returning customer rate", (m) => m.returningCustomerRate)]}
        yAxisOptions={{ labelFormatter: percent }}
        tooltipOptions={{ valueFormatter: percent }}
        emptyStateText="No orders in these months"
      />
    </PolarisVizProvider>
  );
}
