/**
 * Birthdays with known answers: the day in the shop's time zone (a shop in Pacific/Auckland and one in
 * America/Los_Angeles), once a year, the abuse window, Feb 29, and refused input. On a real database.
 */
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { customerDataReport, redactCustomer } from "../../app/customers/privacy.server";
import { connectionLimitOf } from "../../app/embedded-database.server";
import { PrismaClient } from "../../app/generated/prisma/client";
import { awardBirthdayPoints, localDate, parseBirthday, setCustomerBirthday, shopsWithBirthdayPoints } from "../../app/loyalty/birthdays.server";
import { historyReason } from "../../app/loyalty/storefront-account.server";
import { customerTiers, saveTier, saveTierProgram } from "../../app/loyalty/tiers.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let pool: pg.Pool;
let db: PrismaClient;

beforeAll(async () => {
  database = await createTestDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: connectionLimitOf(database.url, 2) });
  db = new PrismaClient({ adapter: new PrismaPg(pool) });
}, 60_000);
afterAll(async () => {
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
});

async function shopIn(timeZone: string, birthdayPoints = 250, birthdayAbuseWindowDays = 30) {
  const shop = await db.shop.create({ data: { domain: `${randomUUID()}.myshopify.com`, ianaTimezone: timeZone, settings: { create: { birthdayPoints, birthdayAbuseWindowDays } } } });
  return shop;
}

let customerNumber = 1000;
async function customerOf(shop: { id: string; domain: string }, birthday?: { month: number; day: number; setAt: string }) {
  const shopifyId = `gid://shopify/Customer/${customerNumber++}`;
  const customer = await db.customer.create({
    data: {
      shopId: shop.id,
      shopifyId,
      referralCode: randomUUID().slice(0, 8),
      hasAccount: true,
      ...(birthday ? { birthdayMonth: birthday.month, birthdayDay: birthday.day, birthdaySetAt: new Date(birthday.setAt) } : {}),
    },
  });
  return customer;
}

const birthdayEntries = (customerId: string) =>
  db.pointsLedgerEntry.findMany({ where: { customerId, reason: "BIRTHDAY" }, orderBy: { sequence: "asc" }, select: { key: true, points: true, source: true, availableAt: true } });

describe("the shopper's input", () => {
  it("takes a month and a day (numbers or digits), Feb 29 included, and both null to remove it", () => {
    expect(parseBirthday({ month: 12, day: 8 })).toEqual({ ok: true, birthday: { month: 12, day: 8 } });
    expect(parseBirthday({ month: " 2", day: "29" })).toEqual({ ok: true, birthday: { month: 2, day: 29 } });
    expect(parseBirthday({ month: null, day: null })).toEqual({ ok: true, birthday: null });
  });

  it("refuses anything else with one sentence saying what to fix", () => {
    expect(parseBirthday({ month: 2, day: 30 })).toEqual({ ok: false, error: "February has days 1 to 29." });
    expect(parseBirthday({ month: 4, day: 31 })).toEqual({ ok: false, error: "April has days 1 to 30." });
    expect(parseBirthday({ month: 13, day: 1 })).toEqual({ ok: false, error: "The month must be from 1 to 12." });
    expect(parseBirthday({ month: 0, day: 1 })).toEqual({ ok: false, error: "The month must be from 1 to 12." });
    expect(parseBirthday({ month: "May", day: 1 })).toEqual({ ok: false, error: "The month must be a number." });
    expect(parseBirthday({ month: 5, day: 1.5 })).toEqual({ ok: false, error: "The day must be a whole number." });
    expect(parseBirthday({ month: 5, day: "" })).toEqual({ ok: false, error: "Choose a day." });
    expect(parseBirthday({ month: 5 })).toEqual({ ok: false, error: "Choose a day." });
    expect(parseBirthday({ month: 5, day: null })).toEqual({ ok: false, error: "Give both the month and the day, or neither to remove your birthday." });
    expect(parseBirthday("1990-05-01")).toEqual({ ok: false, error: "Send the birthday as a month and a day." });
    expect(parseBirthday(undefined)).toEqual({ ok: false, error: "Send the birthday as a month and a day." });
  });
});

describe("the day in the shop's time zone", () => {
  it("is the shop's calendar date: Auckland is a day ahead of UTC in the evening, Los Angeles behind in the morning", () => {
    // Auckland is UTC+13 in December (daylight time): 11:00 UTC on Dec 7 is midnight starting Dec 8.
    expect(localDate(new Date("2026-12-07T10:59:59Z"), "Pacific/Auckland")).toEqual({ year: 2026, month: 12, day: 7 });
    expect(localDate(new Date("2026-12-07T11:00:00Z"), "Pacific/Auckland")).toEqual({ year: 2026, month: 12, day: 8 });
    // Los Angeles is UTC-8 in December: 08:00 UTC on Dec 8 is midnight starting Dec 8.
    expect(localDate(new Date("2026-12-08T07:59:59Z"), "America/Los_Angeles")).toEqual({ year: 2026, month: 12, day: 7 });
    expect(localDate(new Date("2026-12-08T08:00:00Z"), "America/Los_Angeles")).toEqual({ year: 2026, month: 12, day: 8 });
  });

  it("gives an Auckland shop's customer the points from Auckland's midnight, and a Los Angeles shop's from LA's", async () => {
    const auckland = await shopIn("Pacific/Auckland");
    const losAngeles = await shopIn("America/Los_Angeles");
    const kiwi = await customerOf(auckland, { month: 12, day: 8, setAt: "2026-06-01T00:00:00Z" });
    const angeleno = await customerOf(losAngeles, { month: 12, day: 8, setAt: "2026-06-01T00:00:00Z" });

    expect(await awardBirthdayPoints(db, auckland.id, new Date("2026-12-07T10:59:00Z"))).toEqual({ awarded: 0, tooRecent: 0 });
    expect(await awardBirthdayPoints(db, auckland.id, new Date("2026-12-07T11:00:00Z"))).toEqual({ awarded: 1, tooRecent: 0 });
    // The same instant is still Dec 7 in Los Angeles.
    expect(await awardBirthdayPoints(db, losAngeles.id, new Date("2026-12-07T11:00:00Z"))).toEqual({ awarded: 0, tooRecent: 0 });
    expect(await awardBirthdayPoints(db, losAngeles.id, new Date("2026-12-08T07:59:00Z"))).toEqual({ awarded: 0, tooRecent: 0 });
    expect(await awardBirthdayPoints(db, losAngeles.id, new Date("2026-12-08T08:00:00Z"))).toEqual({ awarded: 1, tooRecent: 0 });

    expect(await birthdayEntries(kiwi.id)).toEqual([{ key: `customer:${kiwi.shopifyId}:birthday:2026`, points: 250, source: "CUSTOMER", availableAt: new Date("2026-12-07T11:00:00Z") }]);
    expect(await birthdayEntries(angeleno.id)).toEqual([{ key: `customer:${angeleno.shopifyId}:birthday:2026`, points: 250, source: "CUSTOMER", availableAt: new Date("2026-12-08T08:00:00Z") }]);
    expect(historyReason({ reason: "BIRTHDAY", note: null }, null)).toBe("Birthday points");
  });
});

describe("a ladder by points earned", () => {
  it("moves the customer up on their birthday's points, that day, with the tier's entry reward", async () => {
    const shop = await shopIn("Europe/London", 300, 0);
    expect(await saveTierProgram(db, shop.id, { tierBasis: "POINTS_EARNED", tierWindowMonths: "", tierRetentionDays: "0" })).toEqual({ ok: true });
    expect(await saveTier(db, shop.id, null, { name: "Insider", threshold: "250", multiplierPercent: "100", entryRewardPoints: "20", benefits: "" })).toEqual({ ok: true });
    const fan = await customerOf(shop, { month: 4, day: 2, setAt: "2025-01-01T00:00:00Z" });
    expect((await customerTiers(db, shop.id, [fan.id])).get(fan.id)).toBeNull();

    expect(await awardBirthdayPoints(db, shop.id, new Date("2027-04-02T09:00:00Z"))).toEqual({ awarded: 1, tooRecent: 0 });
    expect((await customerTiers(db, shop.id, [fan.id])).get(fan.id)).toEqual({ name: "Insider" });
    const entries = await db.pointsLedgerEntry.findMany({ where: { customerId: fan.id }, orderBy: { sequence: "asc" }, select: { reason: true, points: true } });
    expect(entries).toEqual([{ reason: "BIRTHDAY", points: 300 }, { reason: "TIER_ENTRY", points: 20 }]);
    expect(await db.tierChange.count({ where: { customerId: fan.id } })).toBe(1);
    // The next run that day gives nothing and changes nothing.
    expect(await awardBirthdayPoints(db, shop.id, new Date("2027-04-02T15:00:00Z"))).toEqual({ awarded: 0, tooRecent: 0 });
    expect(await db.tierChange.count({ where: { customerId: fan.id } })).toBe(1);
  });
});

describe("once a year", () => {
  it("gives nothing more on every later run that day, nor for a birthday moved later the same year; again the next year", async () => {
    const shop = await shopIn("America/Los_Angeles", 100);
    const customer = await customerOf(shop, { month: 3, day: 10, setAt: "2025-01-01T00:00:00Z" });
    for (const hour of ["08", "12", "20"]) await awardBirthdayPoints(db, shop.id, new Date(`2026-03-10T${hour}:00:00Z`));
    expect((await birthdayEntries(customer.id)).map((entry) => entry.key)).toEqual([`customer:${customer.shopifyId}:birthday:2026`]);

    // Moved to Aug 20 in March: that date is more than 30 days after the change, but this year's birthday is spent.
    expect(await setCustomerBirthday(db, { shopDomain: shop.domain, customerGid: customer.shopifyId, input: { month: 8, day: 20 }, now: new Date("2026-03-11T18:00:00Z") })).toEqual({ ok: true, birthday: { month: 8, day: 20 }, changed: true });
    expect(await awardBirthdayPoints(db, shop.id, new Date("2026-08-20T18:00:00Z"))).toEqual({ awarded: 0, tooRecent: 0 });
    expect(await awardBirthdayPoints(db, shop.id, new Date("2027-08-20T18:00:00Z"))).toEqual({ awarded: 1, tooRecent: 0 });
    expect((await birthdayEntries(customer.id)).map((entry) => [entry.key, entry.points])).toEqual([
      [`customer:${customer.shopifyId}:birthday:2026`, 100],
      [`customer:${customer.shopifyId}:birthday:2027`, 100],
    ]);
  });

  it("makes up a day the job did not run within two days, and not after", async () => {
    const shop = await shopIn("Pacific/Auckland", 50);
    const late = await customerOf(shop, { month: 5, day: 1, setAt: "2026-01-01T00:00:00Z" });
    const tooLate = await customerOf(shop, { month: 4, day: 30, setAt: "2026-01-01T00:00:00Z" });
    // 2026-05-03 12:00 in Auckland (UTC+12 in May).
    expect(await awardBirthdayPoints(db, shop.id, new Date("2026-05-03T00:00:00Z"))).toEqual({ awarded: 1, tooRecent: 0 });
    expect((await birthdayEntries(late.id)).map((entry) => entry.key)).toEqual([`customer:${late.shopifyId}:birthday:2026`]);
    expect(await birthdayEntries(tooLate.id)).toEqual([]);
  });

  it("gives nothing when the program's birthday points are 0, nor to a deleted customer", async () => {
    const off = await shopIn("America/Los_Angeles", 0);
    const on = await shopIn("America/Los_Angeles", 10);
    await customerOf(off, { month: 6, day: 1, setAt: "2026-01-01T00:00:00Z" });
    const gone = await customerOf(on, { month: 6, day: 1, setAt: "2026-01-01T00:00:00Z" });
    await db.customer.update({ where: { id: gone.id }, data: { deletedAt: new Date("2026-02-01T00:00:00Z") } });
    expect(await awardBirthdayPoints(db, off.id, new Date("2026-06-01T19:00:00Z"))).toEqual({ awarded: 0, tooRecent: 0 });
    expect(await awardBirthdayPoints(db, on.id, new Date("2026-06-01T19:00:00Z"))).toEqual({ awarded: 0, tooRecent: 0 });
    const shops = (await shopsWithBirthdayPoints(db)).map((shop) => shop.id);
    expect(shops).toContain(on.id);
    expect(shops).not.toContain(off.id);
  });
});

describe("the abuse rule", () => {
  it("gives nothing for a birthday set fewer than the window's days before it (shop's calendar days), and gives it at exactly the window", async () => {
    const shop = await shopIn("Pacific/Auckland", 300, 30);
    // Nov 8 in Auckland is 30 days before Dec 8; Nov 9 is 29.
    const thirty = await customerOf(shop, { month: 12, day: 8, setAt: "2026-11-07T11:30:00Z" }); // 2026-11-08 00:30 NZDT
    const twentyNine = await customerOf(shop, { month: 12, day: 8, setAt: "2026-11-08T11:30:00Z" }); // 2026-11-09 00:30 NZDT
    const onTheDay = await customerOf(shop, { month: 12, day: 8, setAt: "2026-12-07T12:00:00Z" });
    expect(await awardBirthdayPoints(db, shop.id, new Date("2026-12-07T23:00:00Z"))).toEqual({ awarded: 1, tooRecent: 2 });
    expect(await birthdayEntries(thirty.id)).toHaveLength(1);
    expect(await birthdayEntries(twentyNine.id)).toEqual([]);
    expect(await birthdayEntries(onTheDay.id)).toEqual([]);
    // Next year the same dates are long settled.
    expect(await awardBirthdayPoints(db, shop.id, new Date("2027-12-07T23:00:00Z"))).toEqual({ awarded: 3, tooRecent: 0 });
  });

  it("keeps the date it was first set when the same birthday is given again, and restarts it on a change", async () => {
    const shop = await shopIn("America/Los_Angeles", 100, 30);
    const customer = await customerOf(shop);
    const save = (input: unknown, at: string) => setCustomerBirthday(db, { shopDomain: shop.domain, customerGid: customer.shopifyId, input, now: new Date(at) });
    expect(await save({ month: 7, day: 4 }, "2026-05-01T18:00:00Z")).toEqual({ ok: true, birthday: { month: 7, day: 4 }, changed: true });
    expect(await save({ month: "7", day: "4" }, "2026-06-30T18:00:00Z")).toEqual({ ok: true, birthday: { month: 7, day: 4 }, changed: false });
    expect((await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).birthdaySetAt).toEqual(new Date("2026-05-01T18:00:00Z"));
    expect(await awardBirthdayPoints(db, shop.id, new Date("2026-07-04T18:00:00Z"))).toEqual({ awarded: 1, tooRecent: 0 });

    // Changed to a date 10 days away: too recent for this year (and this year's is given anyway).
    const other = await customerOf(shop, { month: 1, day: 1, setAt: "2025-01-01T00:00:00Z" });
    await setCustomerBirthday(db, { shopDomain: shop.domain, customerGid: other.shopifyId, input: { month: 7, day: 14 }, now: new Date("2026-07-04T18:00:00Z") });
    expect(await awardBirthdayPoints(db, shop.id, new Date("2026-07-14T18:00:00Z"))).toEqual({ awarded: 0, tooRecent: 1 });
  });

  it("refuses bad input and changes nothing; finds only the signed-in shop's customer", async () => {
    const shop = await shopIn("America/Los_Angeles");
    const elsewhere = await shopIn("America/Los_Angeles");
    const customer = await customerOf(shop, { month: 9, day: 9, setAt: "2026-01-01T00:00:00Z" });
    const save = (shopDomain: string, input: unknown) => setCustomerBirthday(db, { shopDomain, customerGid: customer.shopifyId, input, now: new Date("2026-02-01T00:00:00Z") });
    expect(await save(shop.domain, { month: 2, day: 31 })).toEqual({ ok: false, status: 400, error: "February has days 1 to 29." });
    expect(await save(elsewhere.domain, { month: 2, day: 3 })).toEqual({ ok: false, status: 404, error: "We could not find your rewards account yet. Try again in a minute." });
    expect(await save("unknown.myshopify.com", { month: 2, day: 3 })).toEqual({ ok: false, status: 404, error: "This shop's rewards program is not available." });
    expect(await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).toMatchObject({ birthdayMonth: 9, birthdayDay: 9, birthdaySetAt: new Date("2026-01-01T00:00:00Z") });
    expect(await save(shop.domain, { month: null, day: null })).toEqual({ ok: true, birthday: null, changed: true });
    expect(await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).toMatchObject({ birthdayMonth: null, birthdayDay: null, birthdaySetAt: null });
  });
});

describe("Feb 29", () => {
  it("earns on Feb 28 in a year without a Feb 29, and on Feb 29 in a leap year", async () => {
    const shop = await shopIn("America/Los_Angeles", 29);
    const leapling = await customerOf(shop, { month: 2, day: 29, setAt: "2024-03-01T00:00:00Z" });
    // 2027: Feb 28 in Los Angeles, 10:00 local.
    expect(await awardBirthdayPoints(db, shop.id, new Date("2027-02-28T07:59:00Z"))).toEqual({ awarded: 0, tooRecent: 0 });
    expect(await awardBirthdayPoints(db, shop.id, new Date("2027-02-28T18:00:00Z"))).toEqual({ awarded: 1, tooRecent: 0 });
    expect(await awardBirthdayPoints(db, shop.id, new Date("2027-03-01T18:00:00Z"))).toEqual({ awarded: 0, tooRecent: 0 });
    // 2028 is a leap year: Feb 28 is not the day, Feb 29 is.
    expect(await awardBirthdayPoints(db, shop.id, new Date("2028-02-28T18:00:00Z"))).toEqual({ awarded: 0, tooRecent: 0 });
    expect(await awardBirthdayPoints(db, shop.id, new Date("2028-02-29T18:00:00Z"))).toEqual({ awarded: 1, tooRecent: 0 });
    expect((await birthdayEntries(leapling.id)).map((entry) => entry.key)).toEqual([
      `customer:${leapling.shopifyId}:birthday:2027`,
      `customer:${leapling.shopifyId}:birthday:2028`,
    ]);
  });
});

describe("privacy", () => {
  it("hands the birthday over in a data request and erases it with customers/redact", async () => {
    const shop = await shopIn("America/Los_Angeles");
    const customer = await customerOf(shop, { month: 10, day: 31, setAt: "2026-01-02T03:04:05Z" });
    const report = await db.$transaction((tx) => customerDataReport(tx, shop.id, customer.shopifyId));
    expect(report).toMatchObject({ customer: { birthday: { month: 10, day: 31, setAt: "2026-01-02T03:04:05.000Z" } } });
    await db.$transaction((tx) => redactCustomer(tx, shop.id, customer.shopifyId, new Date("2026-02-01T00:00:00Z")));
    expect(await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).toMatchObject({ birthdayMonth: null, birthdayDay: null, birthdaySetAt: null });
    expect(await awardBirthdayPoints(db, shop.id, new Date("2026-10-31T19:00:00Z"))).toEqual({ awarded: 0, tooRecent: 0 });
  });
});
