/**
 * The CSV balance import with known answers, on a real database: the dry run's matched and unmatched
 * rows (line numbers and reasons) and totals, applying, applying again (nothing added), the same row
 * in another file, another shop's customers never matched, malformed files, privacy.
 */
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { customerDataReport, redactCustomer } from "../../app/customers/privacy.server";
import { connectionLimitOf } from "../../app/embedded-database.server";
import { PrismaClient } from "../../app/generated/prisma/client";
import { pointsBalance } from "../../app/loyalty/ledger.server";
import { MAX_IMPORT_ROWS, PointsCsvError, readPointsCsv } from "../../app/loyalty/points-import";
import { applyPointsImport, dryRunPointsImport } from "../../app/loyalty/points-import.server";
import { customerTiers, saveTier, saveTierProgram, tierHistory } from "../../app/loyalty/tiers.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let pool: pg.Pool;
let db: PrismaClient;
let shop: { id: string };
let otherShop: { id: string };
const people: Record<string, { id: string; shopifyId: string }> = {};
const NOW = new Date("2026-12-07T12:00:00Z");

let customerNumber = 5000;
async function customerOf(shopId: string, email: string | null, firstName: string) {
  const shopifyId = `gid://shopify/Customer/${customerNumber++}`;
  return db.customer.create({ data: { shopId, shopifyId, email, firstName, lastName: "Test", referralCode: randomUUID().slice(0, 8), hasAccount: true } });
}

beforeAll(async () => {
  database = await createTestDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: connectionLimitOf(database.url, 2) });
  db = new PrismaClient({ adapter: new PrismaPg(pool) });
  shop = await db.shop.create({ data: { domain: `${randomUUID()}.myshopify.com`, settings: { create: {} } } });
  otherShop = await db.shop.create({ data: { domain: `${randomUUID()}.myshopify.com`, settings: { create: {} } } });
  people.ana = await customerOf(shop.id, "ana@example.com", "Ana");
  people.ben = await customerOf(shop.id, "Ben@Example.com", "Ben");
  people.cy = await customerOf(shop.id, null, "Cy");
  // Only in the other shop: the same email must not match there from this shop, nor this shop's from there.
  people.zoe = await customerOf(otherShop.id, "zoe@example.com", "Zoe");
  people.otherAna = await customerOf(otherShop.id, "ana@example.com", "Ana");
  // The shop's VIP ladder, which the file's tier column names (in another case, as exports write it).
  expect(await saveTierProgram(db, shop.id, { tierBasis: "POINTS_EARNED", tierWindowMonths: "", tierRetentionDays: "0" })).toEqual({ ok: true });
  expect(await saveTier(db, shop.id, null, { name: "Silver", threshold: "500", multiplierPercent: "100", entryRewardPoints: "25", benefits: "" })).toEqual({ ok: true });
  expect(await saveTier(db, shop.id, null, { name: "GOLD", threshold: "2000", multiplierPercent: "150", entryRewardPoints: "100", benefits: "" })).toEqual({ ok: true });
}, 60_000);
afterAll(async () => {
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
});

const balanceOf = async (name: string) => (await pointsBalance(db, people[name].id, NOW)).total;

/** The other app's export: Cy is named by his customer number, as such exports write it. */
const file = () =>
  [
    "Email,Customer ID,Points,Tier",
    "ana@example.com,,1200,Gold",
    "BEN@example.com,,300,",
    `,${people.cy.shopifyId.split("/").pop()},450,Silver`,
    "zoe@example.com,,999,Gold",
    "ana@example.com,,50,",
    "dan@example.com,,12.5,",
    "eve@example.com,,-20,",
    ",,100,",
    "not-an-email,,10,",
    "",
    ",gid://shopify/Customer/999999,10,",
  ].join("\n");

describe("the dry run", () => {
  it("matches rows to this shop's customers by email (any case) or id, and says why each other row is not matched, by line", async () => {
    const report = await dryRunPointsImport(db, shop.id, file());
    expect(report.matched.map(({ line, customerId, points, tierName, alreadyImported }) => ({ line, customerId, points, tierName, alreadyImported }))).toEqual([
      { line: 2, customerId: people.ana.id, points: 1200, tierName: "Gold", alreadyImported: false },
      { line: 3, customerId: people.ben.id, points: 300, tierName: null, alreadyImported: false },
      { line: 4, customerId: people.cy.id, points: 450, tierName: "Silver", alreadyImported: false },
    ]);
    expect(report.matched[0].customerLabel).toBe("Ana Test · ana@example.com");
    expect(report.unmatched).toEqual([
      { line: 5, value: "zoe@example.com", reason: "unknown customer: no customer of this shop has it" },
      { line: 6, value: "ana@example.com", reason: "duplicate row: the same customer as line 2" },
      { line: 7, value: "dan@example.com", reason: 'bad number "12.5": points are a whole number from 1 to 1,000,000' },
      { line: 8, value: "eve@example.com", reason: 'bad number "-20": points are a whole number from 1 to 1,000,000' },
      { line: 9, value: "", reason: "no email or customer id" },
      { line: 10, value: "not-an-email", reason: "not an email address" },
      // The blank line 11 is skipped; line numbers stay those of the file.
      { line: 12, value: "gid://shopify/Customer/999999", reason: "unknown customer: no customer of this shop has it" },
    ]);
    expect(report.totals).toEqual({ rows: 10, matched: 3, unmatched: 7, points: 1950, newPoints: 1950 });
    // A dry run writes nothing.
    expect(await db.pointsLedgerEntry.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await db.pointsImport.count()).toBe(0);
  });
});

describe("a tier the shop does not have", () => {
  it("leaves the row unmatched with the reason, so nothing of it is applied", async () => {
    const report = await dryRunPointsImport(db, shop.id, "email,points,tier\nana@example.com,10,Platinum\nben@example.com,20,silver\n");
    expect(report.unmatched).toEqual([{ line: 2, value: "ana@example.com", reason: 'unknown tier "Platinum": add it on the VIP tiers page first, or leave the tier empty' }]);
    expect(report.matched.map(({ line, tierName, tierId }) => ({ line, tierName, tierId }))).toEqual([{ line: 3, tierName: "silver", tierId: expect.any(String) }]);
  });
});

describe("applying", () => {
  it("adds one IMPORTED entry per matched row and records the import with its tiers", async () => {
    const applied = await applyPointsImport(db, { shopId: shop.id, fileName: "smile-export.csv", csv: file(), now: NOW });
    expect(applied.added).toBe(1950);
    expect(await balanceOf("ana")).toBe(1200);
    expect(await balanceOf("ben")).toBe(300);
    expect(await balanceOf("cy")).toBe(450);
    expect(await balanceOf("zoe")).toBe(0);
    expect(await balanceOf("otherAna")).toBe(0);
    const [entry] = await db.pointsLedgerEntry.findMany({ where: { customerId: people.ana.id } });
    expect(entry).toMatchObject({ points: 1200, reason: "IMPORTED", source: "IMPORT", note: "Imported balance (smile-export.csv, line 2)" });
    const record = await db.pointsImport.findUniqueOrThrow({ where: { id: applied.importId }, include: { rows: { orderBy: { line: "asc" } } } });
    expect(record).toMatchObject({ fileName: "smile-export.csv", matched: 3, unmatched: 7, points: 1950, added: 1950 });
    expect(record.rows.map(({ line, tierName, added }) => ({ line, tierName, added }))).toEqual([
      { line: 2, tierName: "Gold", added: true },
      { line: 3, tierName: null, added: true },
      { line: 4, tierName: "Silver", added: true },
    ]);
  });

  it("the same file again adds nothing, and its dry run says so", async () => {
    const report = await dryRunPointsImport(db, shop.id, file());
    expect(report.matched.every((row) => row.alreadyImported)).toBe(true);
    expect(report.totals.newPoints).toBe(0);
    const again = await applyPointsImport(db, { shopId: shop.id, fileName: "smile-export.csv", csv: file(), now: NOW });
    expect(again.added).toBe(0);
    expect(await balanceOf("ana")).toBe(1200);
    expect(await db.pointsLedgerEntry.count({ where: { shopId: shop.id } })).toBe(3);
  });

  it("gives each row's tier as an override in the customer's tier history, once, without the tier's entry reward", async () => {
    const held = await customerTiers(db, shop.id, [people.ana.id, people.ben.id, people.cy.id]);
    expect(Object.fromEntries([...held].map(([id, tier]) => [id, tier?.name ?? null]))).toEqual({ [people.ana.id]: "GOLD", [people.ben.id]: null, [people.cy.id]: "Silver" });
    const history = await tierHistory(db, shop.id, people.ana.id);
    expect(history.map(({ reason, toTierName, note }) => ({ reason, toTierName, note }))).toEqual([
      { reason: "OVERRIDE", toTierName: "GOLD", note: "Imported from the previous program (smile-export.csv, line 2)" },
    ]);
    expect(await db.pointsLedgerEntry.count({ where: { shopId: shop.id, reason: "TIER_ENTRY" } })).toBe(0);
    // The file again (the next test applies it) keeps the one change.
    await applyPointsImport(db, { shopId: shop.id, fileName: "smile-export.csv", csv: file(), now: NOW });
    expect(await db.tierChange.count({ where: { customerId: people.ana.id } })).toBe(1);
  });

  it("the same row in another file adds nothing; a new row does", async () => {
    const second = await applyPointsImport(db, { shopId: shop.id, fileName: "part-2.csv", csv: "email,points\nben@example.com,300\nana@example.com,75\n", now: NOW });
    expect(second.added).toBe(75);
    expect(await balanceOf("ben")).toBe(300);
    expect(await balanceOf("ana")).toBe(1275);
  });

  it("two applications of one file at once add its points once", async () => {
    const csv = "email,points\nben@example.com,40\n";
    const results = await Promise.all([1, 2].map(() => applyPointsImport(db, { shopId: shop.id, fileName: "twice.csv", csv, now: NOW })));
    expect(results.map((result) => result.added).sort()).toEqual([0, 40]);
    expect(await balanceOf("ben")).toBe(340);
  });

  it("from the other shop, this shop's customers are never matched", async () => {
    const report = await dryRunPointsImport(db, otherShop.id, `email,points\nben@example.com,10\n${"ana@example.com"},10\n`);
    expect(report.matched.map((row) => row.customerId)).toEqual([people.otherAna.id]);
    expect(report.unmatched).toEqual([{ line: 2, value: "ben@example.com", reason: "unknown customer: no customer of this shop has it" }]);
  });
});

describe("files that cannot be read", () => {
  const refused = (csv: string) => {
    try {
      readPointsCsv(csv);
    } catch (error) {
      expect(error).toBeInstanceOf(PointsCsvError);
      return (error as Error).message;
    }
    throw new Error("the file was accepted");
  };

  it("says what is wrong with the file as a whole", () => {
    expect(refused("")).toBe("The file is empty: it needs a header row (email or customer id, points, optional tier) and one row per customer.");
    expect(refused('email,points\n"ana@example.com,10\n')).toBe("The file is not a valid CSV: a quote is opened and never closed (line 2).");
    expect(refused("email,points\nana@example.com,10,extra\n")).toBe("The file is not a valid CSV: a row has a different number of columns from the header (line 2).");
    expect(refused("name,balance\nAna,10\n")).toBe('The first row must name the columns: "email" or "customer id", "points", and optionally "tier". This file\'s first row is: name, balance');
    expect(refused("email,points\n" + "a@b.co,1\n".repeat(MAX_IMPORT_ROWS + 1))).toBe("The file has 20001 rows; import at most 20,000 at a time.");
  });

  it("reads a spreadsheet's byte-order mark, quoted fields and CRLF line ends", () => {
    expect(readPointsCsv('\uFEFFEmail,Points\r\n"ana@example.com","1,200"\r\nben@example.com,"30"\r\n')).toEqual({
      rows: [{ line: 3, customer: { email: "ben@example.com" }, points: 30, tierName: null }],
      problems: [{ line: 2, value: "ana@example.com", reason: 'bad number "1,200": points are a whole number from 1 to 1,000,000' }],
    });
  });
});

describe("privacy", () => {
  it("a data request lists the imported balance and tier; an erasure forgets the tier and keeps the points", async () => {
    const report = (await db.$transaction((tx) => customerDataReport(tx, shop.id, people.ana.shopifyId))) as { importedBalances: unknown[] };
    expect(report.importedBalances).toEqual(
      expect.arrayContaining([expect.objectContaining({ points: 1200, tierName: "Gold", fileName: "smile-export.csv" }), expect.objectContaining({ points: 75, tierName: null, fileName: "part-2.csv" })]),
    );
    await db.$transaction((tx) => redactCustomer(tx, shop.id, people.ana.shopifyId, NOW));
    expect(await db.pointsImportRow.findMany({ where: { customerId: people.ana.id, tierName: { not: null } } })).toEqual([]);
    expect(await balanceOf("ana")).toBe(1275);
  });
});
