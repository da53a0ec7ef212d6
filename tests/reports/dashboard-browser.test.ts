/**
 * The dashboard in headless Chromium through the dev store's admin: orders from the history import
 * and from webhooks, the numbers on the page equal to `npm run report --json`, a definition on hover,
 * the CSV export, and a bad period explained. Screenshots go to test-artifacts/.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Browser, FrameLocator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { recordCustomerBaseFigures } from "../../app/customers/base-figures.server";
import { customersByHealthColour } from "../../app/customers/directory.server";
import { addDays, localDate } from "../../app/reports/metrics";
import { launchBrowser, openPage, screenshot, DESKTOP_USER_AGENT } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

let app: TestApp;
let browser: Browser;
let shopId: string;
const DAY = 86_400_000;

beforeAll(async () => {
  app = await startTestApp();
  const store = app.devStore.store;
  const beans = store.createProduct({ title: "Coffee beans", variants: [{ price: "24.00" }] }).variants[0].id;
  const mug = store.createProduct({ title: "Mug", variants: [{ price: "12.50" }] }).variants[0].id;
  const now = Date.now();
  const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
  const customers = Array.from({ length: 8 }, (_, i) =>
    store.createCustomer({ firstName: `Customer ${i}`, email: `customer${i}@example.com`, hasAccount: i % 2 === 0, createdAt: at(420) }),
  );
  // History, imported on install: first orders spread over a year, some customers back for more.
  customers.forEach((customer, i) => {
    store.createOrder({ customerId: customer.id, lineItems: [{ variantId: beans, quantity: 1 + (i % 3) }], createdAt: at(400 - i * 40) });
    if (i % 3 === 0) store.createOrder({ customerId: customer.id, lineItems: [{ variantId: mug, quantity: 2 }], createdAt: at(200 - i * 10) });
  });
  store.createOrder({ customerId: null, email: "guest@example.com", lineItems: [{ variantId: beans, quantity: 5 }], createdAt: at(30) });
  shopId = await app.installAndImportHistory();
  // Live orders, by webhook: a repeat order, one cancelled, one refunded, one test order.
  store.createOrder({ customerId: customers[0].id, lineItems: [{ variantId: beans, quantity: 2 }, { variantId: mug, quantity: 1 }], shipping: { title: "Standard", price: "5.00" } });
  store.createOrder({ customerId: customers[1].id, lineItems: [{ variantId: mug, quantity: 1 }] });
  const cancelled = store.createOrder({ customerId: customers[2].id, lineItems: [{ variantId: beans, quantity: 4 }] });
  store.cancelOrder(cancelled.id, { reason: "customer" });
  const refunded = store.createOrder({ customerId: customers[3].id, lineItems: [{ variantId: beans, quantity: 1 }] });
  store.refundOrder(refunded.id, { lineItems: [{ lineItemId: refunded.lineItems[0].id, quantity: 1 }] });
  store.createOrder({ customerId: customers[4].id, lineItems: [{ variantId: beans, quantity: 9 }], test: true });
  await app.devStore.webhooks.idle();
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});


async function cliReport(from: string, to: string) {
  const { stdout } = await promisify(execFile)("node_modules/.bin/tsx", ["scripts/report.ts", "--shop", TEST_APP.shop, "--from", from, "--to", to, "--json"], {
    env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL },
  });
  return JSON.parse(stdout) as Record<string, unknown> & { customerLifetimeValue: { value: string | null } };
}

async function shown(frame: FrameLocator, metric: string): Promise<string> {
  return (await frame.locator(`[data-metric="${metric}"]`).getAttribute("data-value")) ?? "";
}

describe("the dashboard in a browser", () => {
  it("prepares the numbers in the background on the first visit, then shows them by itself", async () => {
    // Nothing has built this shop's report rows yet: the page must answer at once, not after the build.
    await expect(app.db.reportState.findUnique({ where: { shopId } })).resolves.toBeNull();
    const page = await openPage(browser);
    await page.goto(app.devStore.adminAppUrl("/dashboard?preset=last365"));
    const frame = page.frameLocator("#app-iframe");
    await frame.getByText("Your numbers are being prepared").waitFor();
    await screenshot(page, "dashboard-preparing");
    // The background build finishes and the page, checking again on its own, shows the numbers.
    await frame.locator("[data-metric=orders]").waitFor({ timeout: 30_000 });
    await expect(app.db.reportState.findUnique({ where: { shopId } })).resolves.not.toBeNull();
    expect(Number(await shown(frame, "orders"))).toBeGreaterThan(5);
    await page.context().close();
  });

  it("shows the same numbers as npm run report, with definitions on hover", async () => {
    const today = localDate(new Date(), app.devStore.store.shop.ianaTimezone);
    const from = addDays(today, -364);
    const expected = await cliReport(from, today);
    expect(expected.orders).toBeGreaterThan(5);

    const page = await openPage(browser);
    await page.goto(app.devStore.adminAppUrl(`/dashboard?from=${from}&to=${today}`));
    const frame = page.frameLocator("#app-iframe");
    await frame.getByRole("heading", { name: "Dashboard" }).waitFor();
    await frame.locator("[data-metric=averageOrderValue]").waitFor();

    for (const metric of ["orders", "customers", "revenue", "averageOrderValue", "purchaseFrequency", "repeatPurchaseRate", "returningCustomerRate"]) {
      expect(await shown(frame, metric), metric).toBe(expected[metric] === null ? "" : String(expected[metric]));
    }
    expect(await shown(frame, "customerLifetimeValue")).toBe(expected.customerLifetimeValue.value ?? "");
    await expect(frame.locator("[data-metric=averageOrderValue]").innerText()).resolves.toBe(`$${Number(expected.averageOrderValue).toFixed(2)}`);

    // The Segments section: every segment's customers, revenue and repeat rate as the report's `segments`.
    const segments = expected.segments as { customers: number; segments: { segment: string; customers: number; revenue: string; repeatRate: number | null }[] };
    expect(segments.customers).toBeGreaterThan(5);
    expect(segments.segments).toHaveLength(8);
    for (const row of segments.segments) {
      const cell = frame.locator(`[data-section=segments] [data-segment="${row.segment}"]`);
      await expect(cell.getAttribute("data-customers"), row.segment).resolves.toBe(String(row.customers));
      await expect(cell.getAttribute("data-revenue"), row.segment).resolves.toBe(row.revenue);
      await expect(cell.getAttribute("data-repeat-rate"), row.segment).resolves.toBe(row.repeatRate === null ? "" : String(row.repeatRate));
    }

    // The chart drew, and the cohort table lists months.
    await screenshot(page, "dashboard");
    await frame.locator("[data-chart=monthly-rates] svg").first().waitFor();
    await expect(frame.getByRole("table", { name: "Cohort retention" }).locator("tbody tr").count()).resolves.toBe(12);

    await frame.getByText("Average order value", { exact: true }).first().hover();
    await frame.getByText(/refunds of lines do not change it/).waitFor();
    await screenshot(page, "dashboard");
  });

  it("shows retention and what the program earns, equal to npm run report", async () => {
    const today = localDate(new Date(), app.devStore.store.shop.ianaTimezone);
    const from = addDays(today, -89);
    const expected = (await cliReport(from, today)) as unknown as Record<string, unknown> & {
      previousRetention: { customerRetentionRate: number | null };
      retention: { customersAtStart: number; newCustomers: number };
      attributedRevenue: Record<"reward" | "referral" | "followUp", { orders: number; revenue: string }>;
      pointsByMonth: { month: string; outstanding: number }[];
      followUps: { kind: string; sent: number; ordersWithin30Days: number; revenue: string }[];
      members: { repeatPurchaseRate: number | null };
      nonMembers: { repeatPurchaseRate: number | null };
    };
    // The live member's order earned points: the program has something to show.
    expect(expected.pointsIssued).toBeGreaterThan(0);
    expect(expected.retention.customersAtStart).toBeGreaterThan(0);

    const page = await openPage(browser);
    await page.goto(app.devStore.adminAppUrl(`/dashboard?from=${from}&to=${today}`));
    const frame = page.frameLocator("#app-iframe");
    await frame.locator("[data-metric=customerRetentionRate]").waitFor();
    const value = (raw: unknown) => (raw === null ? "" : String(raw));
    for (const metric of ["customerRetentionRate", "churnRate", "pointsIssued", "pointsRedeemed", "pointsExpired", "redemptionRate"]) {
      expect(await shown(frame, metric), metric).toBe(value(expected[metric]));
    }
    expect(await shown(frame, "customersAtStart")).toBe(String(expected.retention.customersAtStart));
    expect(await shown(frame, "newCustomers")).toBe(String(expected.retention.newCustomers));
    for (const source of ["reward", "referral", "followUp"] as const) {
      expect(await shown(frame, `attributedRevenue.${source}`), source).toBe(expected.attributedRevenue[source].revenue);
      expect(await shown(frame, `attributedOrders.${source}`), source).toBe(String(expected.attributedRevenue[source].orders));
    }
    for (const month of expected.pointsByMonth) {
      expect(await shown(frame, `pointsOutstanding.${month.month.slice(0, 7)}`), month.month).toBe(String(month.outstanding));
    }
    for (const followUp of expected.followUps) {
      expect(await shown(frame, `followUpsSent.${followUp.kind}`)).toBe(String(followUp.sent));
      expect(await shown(frame, `followUpRevenue.${followUp.kind}`)).toBe(followUp.revenue);
    }
    expect(await shown(frame, "membersRepeatPurchaseRate")).toBe(value(expected.members.repeatPurchaseRate));
    expect(await shown(frame, "nonMembersRepeatPurchaseRate")).toBe(value(expected.nonMembers.repeatPurchaseRate));
    // What a merchant reads: the section's heading and the retention rate as a percentage.
    await frame.getByRole("heading", { name: "What the program earns" }).waitFor();
    const rate = expected.customerRetentionRate as number | null;
    await expect(frame.locator("[data-metric=customerRetentionRate]").innerText()).resolves.toBe(rate === null ? "—" : `${(rate * 100).toFixed(1)}%`);
    await frame.locator("[data-section=program-earnings]").scrollIntoViewIfNeeded();
    await screenshot(page, "dashboard-program-earnings");
    await frame.locator("[data-metric=customerRetentionRate]").scrollIntoViewIfNeeded();
    await screenshot(page, "dashboard-retention");

    // The health colours as the segments job counts them after placing the segments (done here, as the
    // job does, so no count of the import still running is read): the Customers list's marks, counted
    // at the moment the card names.
    await recordCustomerBaseFigures(app.db, shopId, new Date());
    await page.reload();
    await frame.locator("[data-health-as-of]").waitFor({ state: "attached" });
    const asOf = await frame.locator("[data-health-as-of]").getAttribute("data-health-as-of");
    const counted = await customersByHealthColour(app.db, shopId, { slippingDays: 60, lapsedDays: 180 }, new Date(asOf!));
    for (const colour of ["green", "amber", "red", "none"] as const) {
      expect(await frame.locator(`[data-health-colour=${colour}]`).getAttribute("data-value"), colour).toBe(String(counted[colour]));
    }
    expect(counted.green + counted.amber + counted.red + counted.none).toBeGreaterThan(0);
    await frame.getByText("Customer health as of").scrollIntoViewIfNeeded();
    await screenshot(page, "dashboard-health");
    await page.context().close();
  });

  it("draws the chosen period's months, marks the month still running, and compares fairly", async () => {
    const today = localDate(new Date(), app.devStore.store.shop.ianaTimezone);
    const lastYear = Number(today.slice(0, 4)) - 1;
    const page = await openPage(browser);
    const frame = page.frameLocator("#app-iframe");

    // A past year: its own twelve months, none of them running.
    await page.goto(app.devStore.adminAppUrl(`/dashboard?from=${lastYear}-01-01&to=${lastYear}-12-31`));
    const caption = frame.locator("[data-chart-caption]");
    await caption.waitFor();
    const yy = String(lastYear).slice(2);
    await expect(caption.innerText()).resolves.toContain(`Jan ${yy} to Dec ${yy}.`);
    await expect(caption.innerText()).resolves.not.toContain("still running");
    await frame.locator("[data-chart=monthly-rates] svg").first().waitFor();
    await expect(frame.locator("[data-chart=monthly-rates]").innerText()).resolves.toContain(`Jan ${yy}`);
    await screenshot(page, "dashboard-last-year");

    // The last 30 days: this month is running, on the chart and in the cohort table; rates change in points.
    await page.goto(app.devStore.adminAppUrl("/dashboard?preset=last30"));
    await caption.waitFor();
    await expect(caption.innerText()).resolves.toContain("is still running");
    await frame.locator("[data-chart=monthly-rates] svg").first().waitFor();
    await expect(frame.locator("[data-chart=monthly-rates]").innerText()).resolves.toContain("(to date)");
    await expect(frame.locator("[data-to-date]").count()).resolves.toBeGreaterThan(0);
    for (const rate of ["repeatPurchaseRate", "returningCustomerRate"]) {
      const card = frame.locator(".Polaris-Card").filter({ has: frame.locator(`[data-metric=${rate}]`) });
      const badge = card.locator(".Polaris-Badge");
      if ((await badge.count()) > 0) await expect(badge.innerText()).resolves.toMatch(/pts$/);
    }
    await expect(frame.getByText("The previous period is incomplete").count()).resolves.toBe(0);
    await screenshot(page, "dashboard-running-month");

    // The last 12 months: the 12 before them start before the shop's first order, so no changes are claimed.
    await page.goto(app.devStore.adminAppUrl("/dashboard?preset=last365"));
    await frame.getByText("The previous period is incomplete").waitFor();
    await expect(frame.locator("[data-metric=orders]").locator("xpath=ancestor::div[contains(@class,'Polaris-Card')]").locator(".Polaris-Badge").count()).resolves.toBe(0);
    await expect(frame.getByText(/Previous period \(incomplete\)/).first().isVisible()).resolves.toBe(true);
    await screenshot(page, "dashboard-previous-incomplete");
    await page.context().close();
  });

  it("exports the period as CSV", async () => {
    const today = localDate(new Date(), app.devStore.store.shop.ianaTimezone);
    const from = addDays(today, -364);
    const response = await fetch(`${app.appUrl}/app/dashboard/csv?from=${from}&to=${today}`, {
      headers: { Authorization: `Bearer ${app.devStore.sessionToken()}`, "User-Agent": DESKTOP_USER_AGENT },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(/attachment; filename=".+\.csv"/);
    const csv = await response.text();
    const expected = await cliReport(from, today);
    expect(csv).toContain(`Average order value (USD),${expected.averageOrderValue},`);
    expect(csv).toContain(`Orders,${expected.orders},`);
    expect(csv).toMatch(/First order month,Customers,Month 1/);
    expect(csv).toContain(`Customer retention rate,${expected.customerRetentionRate ?? ""},`);
    expect(csv).toContain(`Points issued,${expected.pointsIssued}\r\n`);
  });

  it("explains a period it cannot show", async () => {
    const page = await openPage(browser);
    await page.goto(app.devStore.adminAppUrl("/dashboard?from=2026-05-10&to=2026-05-01"));
    const frame = page.frameLocator("#app-iframe");
    await frame.getByText("End date must be on or after the start date").waitFor();
    await screenshot(page, "dashboard-bad-period");
  });
});
