/**
 * What the dashboard page and its CSV export load for a request: the period asked for (a preset or
 * from/to; the last 30 days by default, in the shop's time zone), its report, the monthly rates and
 * the cohort table. While the shop's report rows are being built (the first visit, a time-zone
 * change) it answers "preparing" at once and the rows are built in the background.
 */
import { tierReport } from "../loyalty/tiers.server";
import type { PrismaClient } from "../generated/prisma/client";
import { PERIOD_PRESETS, PeriodError, chartMonths, localDate, parsePeriod, presetPeriod, type Period, type PeriodPreset } from "./metrics";
import { reportsReady } from "./aggregates.server";
import { prepareReportsInBackground } from "./background-rebuild.server";
import { cohortRetention, firstCountedDay, monthlyRates, shopReport } from "./metrics.server";
import { healthCounts, shopSegments } from "../customers/base-figures.server";
import { surveyResults } from "../surveys/results.server";

interface ShopForDashboard {
  id: string;
  domain: string;
  currencyCode: string;
  ianaTimezone: string;
}

export function requestedPeriod(params: URLSearchParams, timezone: string, now: Date): { period: Period; preset: PeriodPreset | "custom" } {
  const today = localDate(now, timezone);
  const preset = params.get("preset");
  if (params.has("from") || params.has("to")) {
    return { period: parsePeriod(params.get("from"), params.get("to")), preset: "custom" };
  }
  const known = PERIOD_PRESETS.find((option) => option.value === preset)?.value ?? "last30";
  return { period: presetPeriod(known, today), preset: known };
}

export async function loadDashboard(db: PrismaClient, shop: ShopForDashboard, params: URLSearchParams, now = new Date()) {
  let requested;
  try {
    requested = requestedPeriod(params, shop.ianaTimezone, now);
  } catch (error) {
    if (error instanceof PeriodError) {
      return { error: error.message, today: localDate(now, shop.ianaTimezone) } as const;
    }
    throw error;
  }
  const { period, preset } = requested;
  if (!(await reportsReady(db, shop.id))) {
    const { failed } = await prepareReportsInBackground(db, shop.id);
    return { error: null, preparing: true, failed, today: localDate(now, shop.ianaTimezone), period, preset } as const;
  }
  const today = localDate(now, shop.ianaTimezone);
  const [report, months, cohorts, historyStart, segments, surveys, health, tiers] = await Promise.all([
    shopReport(db, shop, period),
    monthlyRates(db, shop.id, period.to, chartMonths(period), today),
    cohortRetention(db, shop.id, period.to),
    firstCountedDay(db, shop.id),
    shopSegments(db, shop.id),
    surveyResults(db, shop, period),
    healthCounts(db, shop.id, now),
    db.tier.count({ where: { shopId: shop.id } }).then((count) => (count > 0 ? tierReport(db, shop.id) : [])),
  ]);
  // The previous period is only a fair comparison when the shop's orders go back to its first day.
  const previousIncomplete = historyStart !== null && report.previous.from < historyStart;
  return { error: null, preparing: false, today, period, preset, report, months, cohorts, historyStart, previousIncomplete, segments, surveys, health, tiers } as const;
}
