/**
 * npm run report -- --shop <domain> --from YYYY-MM-DD --to YYYY-MM-DD [--json]
 *
 * The dashboard's numbers outside the browser, from the same code (app/reports/metrics.server.ts).
 * Reads DATABASE_URL, or else the embedded database under DATA_DIR (stop the app first: the
 * embedded database serves one process).
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";

import { shopSegments } from "../app/customers/base-figures.server";
import { recomputeShopSegments, type ShopSegments } from "../app/customers/segments.server";
import { tierReport } from "../app/loyalty/tiers.server";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../app/embedded-database.server";
import { PrismaClient } from "../app/generated/prisma/client";
import { METRIC_DEFINITIONS, PeriodError, parsePeriod } from "../app/reports/metrics";
import { ensureReports } from "../app/reports/aggregates.server";
import { shopReport } from "../app/reports/metrics.server";
import { surveyResults } from "../app/surveys/results.server";

/** The command's own output: the report on stdout, a usage mistake on stderr (not log lines). */
const print = (text: string) => process.stdout.write(`${text}\n`);
const refuse = (text: string) => process.stderr.write(`${text}\n`);

const USAGE = "Usage: npm run report -- --shop <shop.myshopify.com> --from YYYY-MM-DD --to YYYY-MM-DD [--json]";

async function main(): Promise<number> {
  let options;
  try {
    options = parseArgs({
      options: { shop: { type: "string" }, from: { type: "string" }, to: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean" } },
    }).values;
  } catch (error) {
    refuse(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    print(USAGE);
    return 0;
  }
  if (!options.shop) {
    refuse(`--shop is required\n${USAGE}`);
    return 2;
  }
  let period;
  try {
    period = parsePeriod(options.from, options.to);
  } catch (error) {
    if (error instanceof PeriodError) {
      refuse(`${error.message}\n${USAGE}`);
      return 2;
    }
    throw error;
  }

  let embedded: EmbeddedDatabase | undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    embedded = await startEmbeddedDatabase({ dataDir: path.join(process.env.DATA_DIR ?? ".data", "postgres"), migrate: true });
    url = embedded.url;
  }
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 1 }) });
  try {
    const shop = await db.shop.findUnique({ where: { domain: options.shop } });
    if (!shop || shop.uninstalledAt) {
      refuse(`No installed shop ${options.shop} in this database`);
      return 1;
    }
    // A script may wait for a first build of the report rows; the dashboard never does.
    await ensureReports(db, shop.id);
    const report = await shopReport(db, shop, period);
    const surveys = await surveyResults(db, shop, period);
    // The segments as the dashboard shows them; computed here only if the background job never ran for the shop.
    let segments = await shopSegments(db, shop.id);
    if (segments.computedAt === null) {
      await recomputeShopSegments(db, shop.id, new Date());
      segments = await shopSegments(db, shop.id);
    }
    // The VIP tiers as the dashboard shows them (empty when the shop has no tiers).
    const tiers = (await db.tier.count({ where: { shopId: shop.id } })) > 0 ? await tierReport(db, shop.id) : [];
    if (options.json) {
      const { summary, ...rest } = report;
      // nps, csat and surveyResponses: the Surveys page's figures for the period (app/surveys/results.server.ts).
      print(JSON.stringify({ ...summary, ...rest, segments, tiers, nps: surveys.current.nps, csat: surveys.current.csat, surveyResponses: surveys.current.responses, surveys }, null, 2));
    } else {
      printReport(report);
      printSurveys(surveys);
      printSegments(segments, report.summary.currencyCode);
      if (tiers.length > 0) {
        print(`\nVIP tiers (members now, all-time counted orders):`);
        for (const row of tiers) print(`${row.tier.padEnd(12)}  ${String(row.members).padStart(9)}  ${`${row.averageOrderValue} ${report.summary.currencyCode}`.padStart(18)}  ${`${(row.repeatRate * 100).toFixed(2)}%`.padStart(8)}`);
      }
    }
    return 0;
  } finally {
    await db.$disconnect();
    await embedded?.close();
  }
}

function printSurveys({ current, previous }: Awaited<ReturnType<typeof surveyResults>>) {
  const show = (value: number | null, unit = "") => (value === null ? "—" : `${value}${unit}`);
  print(`\nNPS ${show(current.nps)} (previous ${show(previous.nps)}), CSAT ${show(current.csat, "%")} (previous ${show(previous.csat, "%")})`);
  print(`Survey responses ${current.responses}; response rate ${show(current.responseRate, "%")} (${current.surveysAnswered} of ${current.surveysSent} surveys sent)`);
}

function printReport(report: Awaited<ReturnType<typeof shopReport>>) {
  const { summary, previous } = report;
  const percent = (value: number | null) => (value === null ? "—" : `${(value * 100).toFixed(2)}%`);
  const money = (value: string | null) => (value === null ? "—" : `${value} ${summary.currencyCode}`);
  const rows: [string, string, string][] = [
    ["Orders", String(summary.orders), String(previous.orders)],
    ["Customers", String(summary.customers), String(previous.customers)],
    ["Sales", money(summary.revenue), money(previous.revenue)],
    ["Average order value", money(summary.averageOrderValue), money(previous.averageOrderValue)],
    ["Purchase frequency", summary.purchaseFrequency?.toFixed(4) ?? "—", previous.purchaseFrequency?.toFixed(4) ?? "—"],
    ["Repeat purchase rate", percent(summary.repeatPurchaseRate), percent(previous.repeatPurchaseRate)],
    ["Returning customer rate", percent(summary.returningCustomerRate), percent(previous.returningCustomerRate)],
    ["Customer lifetime value (est.)", money(report.customerLifetimeValue.value), money(report.previousCustomerLifetimeValue.value)],
  ];
  print(`${summary.shop}: ${summary.from} to ${summary.to} (${summary.timezone}), against ${previous.from} to ${previous.to}\n`);
  const width = Math.max(...rows.map((row) => row[0].length));
  for (const [label, current, before] of rows) print(`${label.padEnd(width)}  ${current.padStart(18)}  ${before.padStart(18)}`);
  const retention: [string, string, string][] = [
    ["Customer retention rate", percent(report.retention.customerRetentionRate), percent(report.previousRetention.customerRetentionRate)],
    ["Churn rate", percent(report.retention.churnRate), percent(report.previousRetention.churnRate)],
  ];
  for (const [label, current, before] of retention) print(`${label.padEnd(width)}  ${current.padStart(18)}  ${before.padStart(18)}`);
  print(`(a customer: a counted order in the last ${report.lapsedDays} days, the lapsed threshold)`);
  print(`\nPoints outstanding: ${report.pointsLiability.points}`);
  print(
    `Points issued ${report.pointsIssued}, redeemed ${report.pointsRedeemed}, expired ${report.pointsExpired}; redemption rate ${percent(report.redemptionRate)}`,
  );
  for (const [source, label] of [["reward", "Reward codes"], ["referral", "Referral codes"], ["followUp", "Follow-up codes"]] as const) {
    const { orders, revenue } = report.attributedRevenue[source];
    print(`${label}: ${orders} orders, ${money(revenue)}`);
  }
  print(`\n${METRIC_DEFINITIONS.countedOrders}`);
}

/** The segments table: customers, revenue and repeat rate per segment, all time. */
function printSegments(segments: ShopSegments, currencyCode: string) {
  print(`\nSegments (all time, as of ${segments.computedAt ?? "never"}):`);
  const width = Math.max(...segments.segments.map((row) => row.segment.length));
  for (const row of segments.segments) {
    const rate = row.repeatRate === null ? "—" : `${(row.repeatRate * 100).toFixed(2)}%`;
    print(`${row.segment.padEnd(width)}  ${String(row.customers).padStart(9)}  ${`${row.revenue} ${currencyCode}`.padStart(18)}  ${rate.padStart(8)}`);
  }
}

process.exitCode = await main();
