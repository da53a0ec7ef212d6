/**
 * The dashboard's metrics for a 12-month period over 1,000,000 orders and 250,000 customers on the
 * PostgreSQL server, beside references timed in the same run: the same totals from scratch (one
 * plain SQL query, line items and returning customers included), the period's orders grouped by
 * customer with their stored subtotals, and a bare count of the period's orders (the floor
 * of reading them at all). Also: one order's report upkeep inside its transaction, a full rebuild,
 * RFM placement of every customer and the next-order predictions (the customer-segments job), and the dashboard page's LCP and CLS
 * in Chromium over that data.
 */
import type { Browser } from "playwright-core";

import { median, type BenchRow } from "./table";

export const title = "Reports: dashboard metrics over 1M orders / 250k customers (PostgreSQL server), LCP and CLS";

const CUSTOMERS = 250_000;
const ORDERS = 1_000_000;
const RUNS = 15;

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

async function medianOf(runs: number, action: () => Promise<unknown>): Promise<number> {
  await action(); // warm
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timed(action));
  return median(times);
}

export async function run(): Promise<BenchRow[]> {
  process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";
  const { startTestApp, TEST_APP } = await import("../tests/support/test-app");
  const { rebuildReports, recordOrderForReports } = await import("../app/reports/aggregates.server");
  const { shopReport, periodTotals, monthlyRates, cohortRetention } = await import("../app/reports/metrics.server");
  const { referenceTotals } = await import("../app/reports/reference.server");
  const { localDate, addDays, previousPeriod } = await import("../app/reports/metrics");
  const { launchBrowser, openPage, webVitals } = await import("../tests/support/browser");

  const app = await startTestApp();
  let browser: Browser | undefined;
  let db: import("../app/generated/prisma/client").PrismaClient = app.db;
  try {
    await app.install();
    // The queries run on sessions made as the app makes them (db.server.ts: JIT off on a server).
    const { PrismaClient } = await import("../app/generated/prisma/client");
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const { SERVER_SESSION_OPTIONS } = await import("../app/database/session-settings");
    db = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL!, max: 4, options: SERVER_SESSION_OPTIONS }) });
    const shop = await db.shop.findUniqueOrThrow({ where: { domain: TEST_APP.shop } });
    for (let i = 0; i < 600; i++) {
      const state = await db.historyImport.findUnique({ where: { shopId: shop.id } });
      if (state?.status === "done") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const now = new Date();
    const today = localDate(now, shop.ianaTimezone);
    const period = { from: addDays(today, -364), to: today };

    // 24 months of orders (the period and the year before it), customers drawn with a skew so some buy often.
    const seeding = await timed(async () => {
      await db.$executeRawUnsafe(`SELECT setseed(0.42)`);
      await db.$executeRawUnsafe(
        `INSERT INTO "Customer" (id, "shopId", "shopifyId", "referralCode", "hasAccount", "createdAt", "updatedAt")
         SELECT 'bench-c' || g, $1, 'gid://shopify/Customer/' || (9000000 + g), 'B' || g, g % 3 = 0, now(), now()
           FROM generate_series(1, ${CUSTOMERS}) g`,
        shop.id,
      );
      await db.$executeRawUnsafe(
        `INSERT INTO "Order" (id, "shopId", "shopifyId", name, "customerShopifyId", "currencyCode", "financialStatus", subtotal, shipping, tax,
                              "totalDiscounts", total, "discountCodes", test, "cancelledAt", "placedAt", "shopifyUpdatedAt", imported, "createdAt", "updatedAt")
         SELECT 'bench-o' || g, $1, 'gid://shopify/Order/' || (90000000 + g), '#B' || g,
                CASE WHEN r.guest < 0.05 THEN NULL ELSE 'gid://shopify/Customer/' || (9000000 + 1 + floor(${CUSTOMERS} * r.who * r.who)::int % ${CUSTOMERS}) END,
                'USD', 'paid', 0, 5, 0, 0, 0, '{}', r.flag < 0.01, CASE WHEN r.flag > 0.97 THEN r.placed + interval '1 day' END,
                r.placed, r.placed, true, now(), now()
           FROM generate_series(1, ${ORDERS}) g,
                LATERAL (SELECT random() AS guest, random() AS who, random() AS flag,
                                (now() AT TIME ZONE 'UTC') - random() * interval '730 days' AS placed, g AS n) r`,
        shop.id,
      );
      await db.$executeRawUnsafe(
        `INSERT INTO "OrderLineItem" (id, "orderId", "shopifyId", title, quantity, price, discount)
         SELECT 'bench-l' || g, 'bench-o' || g, 'gid://shopify/LineItem/' || g, 'Beans', 1 + g % 3, 10 + (g::bigint * 7919 % 19000) / 100.0,
                CASE WHEN g % 4 = 0 THEN 2.5 ELSE 0 END
           FROM generate_series(1, ${ORDERS}) g`,
      );
      // The program's side: one spend entry per customer's order (points earned when it was placed), a
      // redemption entry for every 20th, an expiry for every 50th; and 10,000 orders carrying the code of
      // a win-back sent a week before them.
      await db.$executeRawUnsafe(
        `INSERT INTO "PointsLedgerEntry" (id, "shopId", "customerId", points, reason, source, "sourceId", key, "availableAt", "createdAt")
         SELECT 'bench-p' || o.id || '-' || k.kind, $1, 'bench-c' || (substring(o."customerShopifyId" from 24)::int - 9000000),
                CASE k.kind WHEN 0 THEN 25 WHEN 1 THEN -100 ELSE -10 END,
                (CASE k.kind WHEN 0 THEN 'SPEND' WHEN 1 THEN 'REDEMPTION' ELSE 'EXPIRY' END)::"PointsReason",
                (CASE k.kind WHEN 0 THEN 'ORDER' WHEN 1 THEN 'REDEMPTION' ELSE 'EXPIRY' END)::"PointsSource",
                o."shopifyId", 'bench:' || o.id || ':' || k.kind, o."placedAt", o."placedAt" + k.kind * interval '1 day'
           FROM "Order" o, LATERAL (SELECT 0 AS kind UNION ALL SELECT 1 WHERE o.id LIKE '%00'
                                    UNION ALL SELECT 2 WHERE o.id LIKE '%50') k
          WHERE o."shopId" = $1 AND o."customerShopifyId" IS NOT NULL`,
        shop.id,
      );
      await db.$executeRawUnsafe(
        `WITH coded AS (UPDATE "Order" SET "discountCodes" = ARRAY['WB-' || substring(id from 8)]
                         WHERE "shopId" = $1 AND "customerShopifyId" IS NOT NULL AND substring(id from 8)::int % 100 = 7
                         RETURNING id, "customerShopifyId", "placedAt")
         INSERT INTO "FollowUp" (id, "shopId", kind, status, key, "customerShopifyId", "dueAt", "sentAt", "discountCode", "createdAt", "updatedAt")
         SELECT 'bench-f' || id, $1, 'WIN_BACK', 'SENT', 'bench:' || id, "customerShopifyId", "placedAt" - interval '7 days',
                "placedAt" - interval '7 days', 'WB-' || substring(id from 8), now(), now()
           FROM coded`,
        shop.id,
      );
      // As autovacuum leaves a table after a bulk load: visibility map set, so index-only scans can skip the heap.
      for (const table of ["Order", "OrderLineItem", "Customer", "PointsLedgerEntry", "FollowUp"]) await db.$executeRawUnsafe(`VACUUM ANALYZE "${table}"`);
    });
    const rebuild = await timed(() => rebuildReports(db, shop.id));
    for (const table of ["ReportOrder", "ReportDay", "ReportWindow", "ReportCohort"]) await db.$executeRawUnsafe(`VACUUM ANALYZE "${table}"`);
    const [{ windows }] = await db.$queryRaw<{ windows: number }[]>`SELECT COUNT(*)::int AS windows FROM "ReportWindow" WHERE "shopId" = ${shop.id}`;

    const shopForReport = { id: shop.id, domain: shop.domain, currencyCode: shop.currencyCode, ianaTimezone: shop.ianaTimezone };
    // Check before timing: the aggregates agree with the from-scratch query on this data.
    const [fromAggregates] = await periodTotals(db, shop.id, [period]);
    const reference = await referenceTotals(db, shop.id, shop.ianaTimezone, period);
    const agree =
      fromAggregates.all.orders === reference.all.orders &&
      fromAggregates.all.customers === reference.all.customers &&
      fromAggregates.all.repeatCustomers === reference.all.repeatCustomers &&
      fromAggregates.all.returningCustomers === reference.all.returningCustomers &&
      Number(fromAggregates.all.revenue) === Number(reference.all.revenue);
    if (!agree) throw new Error(`aggregates ${JSON.stringify(fromAggregates.all)} differ from the reference ${JSON.stringify(reference.all)}`);

    // What the customer-segments job does after orders arrive (and hourly): RFM segments of every
    // customer (one statement), then the customer base the dashboard shows (health colours, customers
    // below zero, segment figures), counted and kept.
    const { recomputeShopSegments } = await import("../app/customers/segments.server");
    const { recordCustomerBaseFigures, shopSegments } = await import("../app/customers/base-figures.server");
    let placed = 0;
    const segmentsFirst = await timed(async () => (placed = await recomputeShopSegments(db, shop.id, now)));
    const segmentsAgain = await medianOf(3, () => recomputeShopSegments(db, shop.id, now));
    const baseFigures = await medianOf(3, () => recordCustomerBaseFigures(db, shop.id, now));
    // A period's retention read the first time: its three counts from the customers' days, kept from then on.
    const { customerRetention } = await import("../app/reports/metrics.server");
    const firstRetention = await timed(() => customerRetention(db, shop.id, { from: addDays(today, -199), to: today }, 180));

    const headline = await medianOf(RUNS, () => periodTotals(db, shop.id, [period, previousPeriod(period)]));
    const report = await medianOf(RUNS, () => shopReport(db, shopForReport, period));
    const wholeDashboard = await medianOf(RUNS, () =>
      Promise.all([shopReport(db, shopForReport, period), monthlyRates(db, shop.id, period.to), cohortRetention(db, shop.id, period.to)]),
    );
    // Everything the dashboard's loader reads for a request (report, chart, cohorts, segments, surveys, health, tiers).
    const { loadDashboard } = await import("../app/reports/dashboard.server");
    const loader = await medianOf(RUNS, () => loadDashboard(db, shopForReport, new URLSearchParams("preset=last365"), now));
    const { programEarnings } = await import("../app/reports/program-earnings.server");
    const { chartMonths } = await import("../app/reports/metrics");
    const { pointsLiability } = await import("../app/loyalty/ledger.server");
    const outstanding = (await pointsLiability(db, shop.id)).points;
    const earnings = await medianOf(RUNS, () => programEarnings(db, shopForReport, period, chartMonths(period), outstanding));
    const retention = await medianOf(RUNS, () => customerRetention(db, shop.id, period, 180));
    const [{ entries }] = await db.$queryRaw<{ entries: number }[]>`SELECT COUNT(*)::int AS entries FROM "PointsLedgerEntry" WHERE "shopId" = ${shop.id}`;
    const plainSql = await medianOf(5, () => referenceTotals(db, shop.id, shop.ianaTimezone, period));
    // The kind of reference: the period's orders grouped by customer, with the order's stored
    // subtotal as its sales (no line items) and no returning customers (no look before the period).
    const groupedOrders = await medianOf(5, () =>
      db.$queryRaw`
        WITH by_customer AS (
          SELECT "customerShopifyId", COUNT(*) AS orders, SUM(subtotal) AS sales
            FROM "Order"
           WHERE "shopId" = ${shop.id} AND "customerShopifyId" IS NOT NULL AND "cancelledAt" IS NULL AND NOT test
             AND "placedAt" >= ((${period.from}::date::timestamp AT TIME ZONE ${shop.ianaTimezone}) AT TIME ZONE 'UTC')
             AND "placedAt" < (((${period.to}::date + 1)::timestamp AT TIME ZONE ${shop.ianaTimezone}) AT TIME ZONE 'UTC')
           GROUP BY 1)
        SELECT SUM(orders) AS orders, SUM(sales) AS sales, COUNT(*) AS customers, COUNT(*) FILTER (WHERE orders >= 2) AS repeaters FROM by_customer`,
    );
    const bareCount = await medianOf(5, () =>
      db.$queryRaw`SELECT COUNT(*) FROM "Order" WHERE "shopId" = ${shop.id}
                    AND "placedAt" >= ((${period.from}::date::timestamp AT TIME ZONE ${shop.ianaTimezone}) AT TIME ZONE 'UTC')
                    AND "placedAt" < (((${period.to}::date + 1)::timestamp AT TIME ZONE ${shop.ianaTimezone}) AT TIME ZONE 'UTC')`,
    );

    // The Customers page over the same shop: its first page, a deep page, and a search that reads every customer.
    const { searchCustomers } = await import("../app/customers/directory.server");
    const health = { slippingDays: 60, lapsedDays: 180 };
    const customersFirstPage = await medianOf(RUNS, () => searchCustomers(db, shop.id, { query: "", page: 1 }, health, now));
    const customersDeepPage = await medianOf(5, () => searchCustomers(db, shop.id, { query: "", page: 4_000 }, health, now));
    const customersSearch = await medianOf(5, () => searchCustomers(db, shop.id, { query: "nobody@example.com", page: 1 }, health, now));

    const segmentsSection = await medianOf(RUNS, () => shopSegments(db, shop.id));
    // Next-order predictions: every customer with 2 or more counted orders, in one statement (the same job's round).
    const { recomputeShopPredictions } = await import("../app/customers/next-order.server");
    let predicted = 0;
    const predictionsFirst = await timed(async () => (predicted = await recomputeShopPredictions(db, shop.id, now)));
    const predictionsAgain = await medianOf(3, () => recomputeShopPredictions(db, shop.id, now));
    const customersInSegment = await medianOf(RUNS, () => searchCustomers(db, shop.id, { query: "", page: 1, segment: "Champions" }, health, now));

    // One new order's upkeep (its customer's rows and the aggregates they touch), as the order sync runs it.
    const upkeep: number[] = [];
    for (let i = 0; i < 50; i++) {
      const gid = `gid://shopify/Order/${80000000 + i}`;
      await db.$executeRawUnsafe(
        `INSERT INTO "Order" (id, "shopId", "shopifyId", name, "customerShopifyId", "currencyCode", "financialStatus", subtotal, shipping, tax,
                              "totalDiscounts", total, "discountCodes", test, "placedAt", "shopifyUpdatedAt", "createdAt", "updatedAt")
         VALUES ($1, $2, $3, $1, $4, 'USD', 'paid', 0, 0, 0, 0, 0, '{}', false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now(), now())`,
        `bench-new-${i}`,
        shop.id,
        gid,
        `gid://shopify/Customer/${9000000 + 1 + ((i * 4099) % CUSTOMERS)}`,
      );
      upkeep.push(await timed(() => db.$transaction((tx) => recordOrderForReports(tx, shop.id, gid))));
    }

    // The dashboard page in Chromium over this data: LCP and CLS inside the embedded frame.
    browser = await launchBrowser();
    const lcps: number[] = [];
    const clss: number[] = [];
    for (let i = 0; i < 5; i++) {
      const page = await openPage(browser);
      await page.goto(app.devStore.adminAppUrl("/dashboard?preset=last365"));
      const frame = page.frameLocator("#app-iframe");
      await frame.locator("[data-chart=monthly-rates] svg").first().waitFor({ timeout: 60_000 });
      await page.waitForTimeout(500);
      const inner = page.frames().find((candidate) => candidate.url().includes("/app/dashboard"))!;
      const vitals = await webVitals(inner);
      // The frame's clock starts when the frame navigates; the admin page before it is the dev store's.
      lcps.push(vitals.lcp);
      clss.push(vitals.cls);
      await page.context().close();
    }

    const orders = await db.order.count({ where: { shopId: shop.id } });
    return [
      { name: "reports: dashboard headline metrics, 12 months + previous", value: headline, unit: "ms", target: "< 150", note: `median of ${RUNS}; ${orders.toLocaleString("en")} orders, ${CUSTOMERS.toLocaleString("en")} customers, ${windows.toLocaleString("en")} window rows; equal to the reference` },
      { name: "reports: full period report (+ CLV, liability, retention, earnings)", value: report, unit: "ms", target: "< 150", note: "period, previous period, two CLV years, points liability, retention both periods, program earnings" },
      { name: "reports: the dashboard's loader, everything it reads", value: loader, unit: "ms", target: "< 150", note: `median of ${RUNS}; period report, monthly chart, cohorts, segments, surveys, health colours, tiers` },
      { name: "reports: period report + monthly chart + cohorts", value: wholeDashboard, unit: "ms", note: "the report's part of the loader" },
      { name: "reports: a period's retention, first reading", value: firstRetention, unit: "ms", note: "its three counts from every customer's days, then kept (later readings are one lookup)" },
      { name: "customers: the customer base counted by the segments job", value: baseFigures, unit: "ms", note: "median of 3; health colours, customers below zero, segment figures, kept for the dashboard" },
      { name: "reports: customer retention and churn, 12 months", value: retention, unit: "ms", note: `median of ${RUNS}; lapsed after 180 days (part of the period report)` },
      { name: "reports: what the program earns, 12 months", value: earnings, unit: "ms", note: `median of ${RUNS}; ${entries.toLocaleString("en")} ledger entries, 10,000 coded orders and win-backs (part of the period report, after the points liability it reuses)` },
      { name: "reports: reference, the same metrics from scratch", value: plainSql, unit: "ms", note: `median of 5; ${(plainSql / headline).toFixed(1)}× the headline metrics; line-item sales, returning customers, members (what the tests check the aggregates against)` },
      { name: "reports: reference, the period's orders grouped by customer", value: groupedOrders, unit: "ms", note: `median of 5; ${(groupedOrders / headline).toFixed(1)}× the headline metrics; order subtotals, no returning rate` },
      { name: "reports: reference, bare count of the period's orders", value: bareCount, unit: "ms", note: "median of 5; the floor of reading the orders at all" },
      { name: "customers: first page (25 with balance, orders, next follow-up)", value: customersFirstPage, unit: "ms", note: `median of ${RUNS}; ${CUSTOMERS.toLocaleString("en")} customers` },
      { name: "customers: page 4,000 (customers 99,976–100,000)", value: customersDeepPage, unit: "ms", note: "median of 5" },
      { name: "customers: a search matching nobody", value: customersSearch, unit: "ms", note: "median of 5; reads every customer's name and email" },
      { name: "segments: RFM placement of every customer (first run)", value: segmentsFirst / 1000, unit: "s", note: `one statement; ${placed.toLocaleString("en")} customers with a counted order, ${orders.toLocaleString("en")} orders; writes every row` },
      { name: "segments: RFM placement again (hourly / after orders)", value: segmentsAgain / 1000, unit: "s", note: "median of 3; same statement, unchanged rows not rewritten" },
      { name: "predictions: next order of every repeat customer (first run)", value: predictionsFirst / 1000, unit: "s", note: `one statement; ${predicted.toLocaleString("en")} customers with 2+ counted orders, gaps and the shop median from ${orders.toLocaleString("en")} orders; writes every row` },
      { name: "predictions: recomputed again (hourly / after orders)", value: predictionsAgain / 1000, unit: "s", note: "median of 3; unchanged rows not rewritten" },
      { name: "segments: the dashboard's Segments section", value: segmentsSection, unit: "ms", note: `median of ${RUNS}; customers, revenue and repeat rate per segment` },
      { name: "customers: first page of one segment (Champions)", value: customersInSegment, unit: "ms", note: `median of ${RUNS}` },
      { name: "reports: one order's report upkeep (in its transaction)", value: median(upkeep), unit: "ms", note: "median of 50 new orders of existing customers" },
      { name: "reports: full rebuild from 1M orders", value: rebuild / 1000, unit: "s", note: `once per shop, and after a time-zone change; seeding took ${(seeding / 1000).toFixed(0)} s` },
      { name: "reports: dashboard LCP (Chromium, embedded frame)", value: median(lcps), unit: "ms", target: "< 2500", note: "median of 5 loads, over the 1M-order shop" },
      { name: "reports: dashboard CLS", value: Math.round(median(clss) * 1000) / 1000, unit: "", target: "< 0.1", note: "median of 5 loads" },
    ];
  } finally {
    await browser?.close();
    if (db !== app.db) await db.$disconnect();
    await app.close();
  }
}
