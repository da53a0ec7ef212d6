/**
 * The dashboard's monthly chart (polaris-viz): each calendar month of the chosen period as a period of
 * its own, its repeat purchase rate and returning customer rate. A month still running is labelled
 * "to date", so its lower figures read as incomplete rather than as a fall.
 */
import { LineChart, PolarisVizProvider } from "@shopify/polaris-viz";

import { CHART_SERIES, monthLabel } from "./chart-labels";
import type { MonthPoint } from "./metrics.server";

const percent = (value: number | string | null) => (value === null ? "—" : `${(Number(value) * 100).toFixed(1)}%`);

export default function RepeatRateChart({ months }: { months: MonthPoint[] }) {
  const series = (name: string, pick: (m: MonthPoint) => number | null) => ({
    name,
    data: months.map((m) => ({ key: monthLabel(m), value: pick(m) })),
  });
  return (
    <PolarisVizProvider>
      <LineChart
        theme="Light"
        data={[series(CHART_SERIES.repeatPurchaseRate, (m) => m.repeatPurchaseRate), series(CHART_SERIES.returningCustomerRate, (m) => m.returningCustomerRate)]}
        yAxisOptions={{ labelFormatter: percent }}
        tooltipOptions={{ valueFormatter: percent }}
        emptyStateText="No orders in these months"
      />
    </PolarisVizProvider>
  );
}
