/**
 * The ledger's day sums (reports/points-days.server.ts) against the ledger itself: for random
 * entries over random days and random ranges, the sums read before any day is summed, after the
 * closed days are, and with entries written since through the ledger, are the ledger's own sums;
 * and the dashboard's customer base figures kept by the segments job equal a live count.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { healthCounts, keptCustomerBaseFigures, recordCustomerBaseFigures, shopSegments } from "../../app/customers/base-figures.server";
import { customersByHealthColour } from "../../app/customers/directory.server";
import { recomputeShopSegments, segmentFigures } from "../../app/customers/segments.server";
import { PrismaClient } from "../../app/generated/prisma/client";
import { appendLedgerEntries, pointsLiability } from "../../app/loyalty/ledger.server";
import { rebuildReports } from "../../app/reports/aggregates.server";
import { addDays, localDate } from "../../app/reports/metrics";
import { ISSUING_REASONS, pointsOutstanding, pointsSums, sumClosedPointsDays, type DayRange } from "../../app/reports/points-days.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let db: PrismaClient;

beforeAll(async () => {
  database = await createTestDatabase();
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 1 }) });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const REASONS = ["WELCOME", "SPEND", "REFERRAL", "REDEMPTION", "EXPIRY", "REFUND", "ADJUSTMENT", "TIER_BONUS", "IMPORTED", "SURVEY"] as const;
let shops = 0;

async function newShop(timezone: string) {
  const shop = await db.shop.create({
    data: { domain: `points-days-${++shops}.myshopify.com`, ianaTimezone: timezone, currencyCode: "USD", installedAt: new Date(), settings: { create: {} } },
  });
  const customers = await Promise.all(
    [1, 2, 3].map((n) => db.customer.create({ data: { shopId: shop.id, shopifyId: `gid://shopify/Customer/${shops}${n}`, referralCode: `PD${shops}-${n}` } })),
  );
  return { shop, customers };
}

/** The ledger's own sums over a range of the shop's local days, from scratch. */
async function ledgerSums(shopId: string, timezone: string, range: DayRange) {
  const [row] = await db.$queryRaw<{ issued: bigint; redeemed: bigint; expired: bigint; net: bigint }[]>`
    SELECT COALESCE(SUM(points) FILTER (WHERE points > 0 AND reason::text = ANY(${[...ISSUING_REASONS]}::text[])), 0)::bigint AS issued,
           COALESCE(-SUM(points) FILTER (WHERE reason = 'REDEMPTION'), 0)::bigint AS redeemed,
           COALESCE(-SUM(points) FILTER (WHERE reason = 'EXPIRY'), 0)::bigint AS expired,
           COALESCE(SUM(points), 0)::bigint AS net
      FROM "PointsLedgerEntry"
     WHERE "shopId" = ${shopId}
       AND (${range.from}::date IS NULL OR ("createdAt" AT TIME ZONE 'UTC' AT TIME ZONE ${timezone})::date >= ${range.from}::date)
       AND (${range.to}::date IS NULL OR ("createdAt" AT TIME ZONE 'UTC' AT TIME ZONE ${timezone})::date <= ${range.to}::date)`;
  return { issued: Number(row.issued), redeemed: Number(row.redeemed), expired: Number(row.expired), net: Number(row.net) };
}

describe("the points ledger's day sums", () => {
  it("give the ledger's own sums for any range, before the days are summed, after, and with entries written since", async () => {
    const entry = fc.record({
      daysAgo: fc.integer({ min: 0, max: 90 }),
      minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
      reason: fc.constantFrom(...REASONS),
      points: fc.integer({ min: -500, max: 500 }).filter((points) => points !== 0),
      customer: fc.integer({ min: 0, max: 2 }),
    });
    const range = fc.record({ from: fc.option(fc.integer({ min: 0, max: 95 })), length: fc.option(fc.integer({ min: 0, max: 60 })) });
    const property = fc.asyncProperty(
      fc.constantFrom("UTC", "America/New_York", "Australia/Sydney", "Asia/Kolkata"),
      fc.array(entry, { minLength: 1, maxLength: 40 }),
      fc.array(range, { minLength: 1, maxLength: 6 }),
      async (timezone, entries, rawRanges) => {
        const now = new Date();
        const { shop, customers } = await newShop(timezone);
        const today = localDate(now, timezone);
        // Entries of past days are written as if then (the rebuild below sums their closed days).
        await db.pointsLedgerEntry.createMany({
          data: entries.map((e, index) => {
            const createdAt = new Date(now.getTime() - e.daysAgo * 86_400_000 - e.minute * 60_000);
            return { shopId: shop.id, customerId: customers[e.customer].id, points: e.points, reason: e.reason, source: "ADJUSTMENT", key: `e:${index}`, availableAt: createdAt, createdAt };
          }),
        });
        const ranges: DayRange[] = rawRanges.map(({ from, length }) => {
          const first = from === null ? null : addDays(today, -from);
          return { from: first, to: length === null ? null : addDays(first ?? addDays(today, -120), length) };
        });
        const expected = await Promise.all(ranges.map((r) => ledgerSums(shop.id, timezone, r)));

        // No report rows yet: every day is read from the ledger.
        expect(await pointsSums(db, shop, ranges)).toEqual(expected);
        // The rebuild sums every closed day: all but today, and yesterday only once its end is ten minutes past.
        const closedBy = addDays(localDate(new Date(Date.now() - 10 * 60_000), timezone), -1);
        await rebuildReports(db, shop.id);
        const state = await db.reportState.findUniqueOrThrow({ where: { shopId: shop.id } });
        const through = state.pointsThrough?.toISOString().slice(0, 10);
        expect(through !== undefined && through >= closedBy && through <= addDays(today, -1), `summed through ${through}`).toBe(true);
        expect(await pointsSums(db, shop, ranges)).toEqual(expected);
        // Summing again finds nothing to do, and changes nothing.
        expect(await sumClosedPointsDays(db, shop.id)).toBe(0);
        expect(await pointsSums(db, shop, ranges)).toEqual(expected);

        // Entries written now through the ledger: today, not summed, read from the ledger.
        await appendLedgerEntries(db, shop.id, customers[0].id, [
          { key: "now:spend", points: 70, reason: "SPEND", source: "ORDER", sourceId: null, availableAt: now },
          { key: "now:redeem", points: -20, reason: "REDEMPTION", source: "REDEMPTION", sourceId: null, availableAt: now },
        ]);
        const afterNow = await Promise.all(ranges.map((r) => ledgerSums(shop.id, timezone, r)));
        expect(await pointsSums(db, shop, ranges)).toEqual(afterNow);
        expect(await pointsOutstanding(db, shop)).toBe((await pointsLiability(db, shop.id)).points);
      },
    );
    await fc.assert(property, { numRuns: 15, endOnFailure: true });
  }, 180_000);

  it("start again in the shop's new time zone after it changes", async () => {
    const { shop, customers } = await newShop("UTC");
    const createdAt = new Date(Date.now() - 3 * 86_400_000);
    createdAt.setUTCHours(2, 0, 0, 0); // 02:00 UTC: the day before in New York
    await db.pointsLedgerEntry.create({
      data: { shopId: shop.id, customerId: customers[0].id, points: 40, reason: "SPEND", source: "ADJUSTMENT", key: "tz", availableAt: createdAt, createdAt },
    });
    await rebuildReports(db, shop.id);
    const utcDay = createdAt.toISOString().slice(0, 10);
    expect((await pointsSums(db, shop, [{ from: utcDay, to: utcDay }]))[0].issued).toBe(40);
    await db.shop.update({ where: { id: shop.id }, data: { ianaTimezone: "America/New_York" } });
    const moved = { ...shop, ianaTimezone: "America/New_York" };
    // Until the rebuild, the rows of the old time zone are not read: the ledger answers.
    expect((await pointsSums(db, moved, [{ from: utcDay, to: utcDay }]))[0].issued).toBe(0);
    expect((await pointsSums(db, moved, [{ from: addDays(utcDay, -1), to: addDays(utcDay, -1) }]))[0].issued).toBe(40);
    await rebuildReports(db, shop.id);
    expect((await pointsSums(db, moved, [{ from: addDays(utcDay, -1), to: addDays(utcDay, -1) }]))[0].issued).toBe(40);
    expect(await db.reportPointsDay.findMany({ where: { shopId: shop.id }, select: { day: true } })).toEqual([{ day: new Date(`${addDays(utcDay, -1)}T00:00:00Z`) }]);
  });
});

describe("the customer base figures the segments job keeps", () => {
  it("are the live counts at the moment they were taken, and stand aside when the thresholds change", async () => {
    const { shop, customers } = await newShop("UTC");
    const now = new Date();
    const day = 86_400_000;
    const order = (n: number, customer: number, daysAgo: number) =>
      db.order.create({
        data: {
          shopId: shop.id, shopifyId: `gid://shopify/Order/${shops}${n}`, name: `#${n}`, customerShopifyId: customers[customer].shopifyId, currencyCode: "USD",
          financialStatus: "paid", subtotal: 10, shipping: 0, tax: 0, totalDiscounts: 0, total: 10, discountCodes: [], placedAt: new Date(now.getTime() - daysAgo * day),
          shopifyUpdatedAt: now,
        },
      });
    await order(1, 0, 5); // recent
    await order(2, 1, 100); // slipping
    await order(3, 1, 300);
    // Customer 2 has no order; one more customer is below zero after a refund.
    await appendLedgerEntries(db, shop.id, customers[2].id, [{ key: "debt", points: -30, reason: "REFUND", source: "ORDER", sourceId: null, availableAt: now }]);
    await db.segmentState.create({ data: { shopId: shop.id, computedAt: now, customers: 0 } });
    await recomputeShopSegments(db, shop.id, now);
    // Placing the segments again sets the kept figures aside until they are counted for them.
    expect((await db.segmentState.findUniqueOrThrow({ where: { shopId: shop.id } })).figures).toBeNull();

    const kept = await recordCustomerBaseFigures(db, shop.id, now);
    const thresholds = { slippingDays: 60, lapsedDays: 180 };
    expect(kept.health).toEqual(await customersByHealthColour(db, shop.id, thresholds, now));
    expect(kept.health).toEqual({ green: 1, amber: 1, red: 0, none: 1 });
    expect(kept.customersInDebt).toBe((await pointsLiability(db, shop.id)).customersInDebt);
    expect(kept.customersInDebt).toBe(1);
    expect(kept.segments).toEqual(await segmentFigures(db, shop.id));
    expect((await shopSegments(db, shop.id)).segments).toEqual(kept.segments);
    expect(await keptCustomerBaseFigures(db, shop.id)).toEqual(kept);

    // Read later, they are what was counted then (with when), not a count of now.
    const later = new Date(now.getTime() + 90 * day);
    expect(await healthCounts(db, shop.id, later)).toEqual({ counts: kept.health, asOf: now.toISOString() });
    // Other thresholds: counted live with them.
    await db.programSettings.update({ where: { shopId: shop.id }, data: { healthLapsedDays: 50 } });
    expect(await healthCounts(db, shop.id, later)).toEqual({
      counts: await customersByHealthColour(db, shop.id, { slippingDays: 60, lapsedDays: 50 }, later),
      asOf: later.toISOString(),
    });
  });
});
