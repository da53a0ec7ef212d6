/**
 * Balances brought over from another loyalty app: a dry run that matches a CSV's rows to the shop's
 * own customers and says what it would add, then the same matching applied as IMPORTED ledger
 * entries. An entry's key names the customer and the points, so the same file, or the same row in
 * another file, applied again adds nothing.
 */
import { createHash } from "node:crypto";

import { pointsImportLockKey } from "../database/lock-keys";
import { lockSubjects } from "../database/subject-locks.server";
import type { Db } from "../database/transaction";
import type { PrismaClient } from "../generated/prisma/client";
import { appendCustomersLedgerEntries } from "./ledger.server";
import { readPointsCsv, type PointsCsvProblem } from "./points-import";
import { overrideTier, tierLadder } from "./tiers.server";

export interface MatchedImportRow {
  line: number;
  customerId: string;
  /** What the merchant sees: the customer's name and email. */
  customerLabel: string;
  /** The customer's Shopify id (their lock's subject). */
  shopifyId: string;
  points: number;
  tierName: string | null;
  /** The shop's VIP tier the row names (matched by name, any case), or null for none. */
  tierId: string | null;
  /** Imported before (this file or another): applying adds nothing for it. */
  alreadyImported: boolean;
}

export interface PointsImportReport {
  matched: MatchedImportRow[];
  unmatched: PointsCsvProblem[];
  totals: { rows: number; matched: number; unmatched: number; points: number; newPoints: number };
}

/** The ledger key of an imported row: the customer and the points they were given. */
export function importEntryKey(customerId: string, points: number): string {
  return `import:${customerId}:${points}`;
}

/** What applying the file would do, for this shop's customers only: nothing is written. */
export async function dryRunPointsImport(db: Db, shopId: string, csv: string): Promise<PointsImportReport> {
  const { rows, problems } = readPointsCsv(csv);
  const emails = rows.flatMap((row) => ("email" in row.customer ? [row.customer.email] : []));
  const ids = rows.flatMap((row) => ("shopifyId" in row.customer ? [row.customer.shopifyId] : []));
  // Always within the shop: another shop's customer with the same email or id is no match.
  const customers = await db.$queryRaw<{ id: string; shopifyId: string; email: string | null; name: string }[]>`
    SELECT id, "shopifyId", lower(email) AS email, trim(concat_ws(' ', "firstName", "lastName")) AS name FROM "Customer"
     WHERE "shopId" = ${shopId} AND "redactedAt" IS NULL AND "deletedAt" IS NULL
       AND (lower(email) = ANY(${emails}::text[]) OR "shopifyId" = ANY(${ids}::text[]))`;
  const byEmail = new Map<string, (typeof customers)[number]>();
  // Two customers may share an email in Shopify; the oldest id wins, as the follow-ups' contact keys do.
  for (const customer of [...customers].sort((a, b) => a.shopifyId.localeCompare(b.shopifyId))) if (customer.email && !byEmail.has(customer.email)) byEmail.set(customer.email, customer);
  const byId = new Map(customers.map((customer) => [customer.shopifyId, customer]));
  // A tier column names one of the shop's VIP tiers, whatever its case.
  const tiers = await db.tier.findMany({ where: { shopId }, select: { id: true, name: true } });
  const tierByName = new Map(tiers.map((tier) => [tier.name.toLowerCase(), tier.id]));

  const matched: MatchedImportRow[] = [];
  const unmatched: PointsCsvProblem[] = [...problems];
  const firstLineOf = new Map<string, number>();
  for (const row of rows) {
    const value = "email" in row.customer ? row.customer.email : row.customer.shopifyId;
    const customer = "email" in row.customer ? byEmail.get(row.customer.email) : byId.get(row.customer.shopifyId);
    if (!customer) {
      unmatched.push({ line: row.line, value, reason: "unknown customer: no customer of this shop has it" });
      continue;
    }
    const tierId = row.tierName ? (tierByName.get(row.tierName.toLowerCase()) ?? null) : null;
    if (row.tierName && !tierId) {
      unmatched.push({ line: row.line, value, reason: `unknown tier "${row.tierName}": add it on the VIP tiers page first, or leave the tier empty` });
      continue;
    }
    const first = firstLineOf.get(customer.id);
    if (first !== undefined) {
      unmatched.push({ line: row.line, value, reason: `duplicate row: the same customer as line ${first}` });
      continue;
    }
    firstLineOf.set(customer.id, row.line);
    matched.push({
      line: row.line,
      customerId: customer.id,
      customerLabel: [customer.name, customer.email].filter(Boolean).join(" · ") || customer.shopifyId,
      points: row.points,
      tierName: row.tierName,
      tierId,
      shopifyId: customer.shopifyId,
      alreadyImported: false,
    });
  }
  const keys = matched.map((row) => importEntryKey(row.customerId, row.points));
  const existing = new Set(
    keys.length ? (await db.pointsLedgerEntry.findMany({ where: { shopId, key: { in: keys } }, select: { key: true } })).map((entry) => entry.key) : [],
  );
  for (const row of matched) row.alreadyImported = existing.has(importEntryKey(row.customerId, row.points));
  unmatched.sort((a, b) => a.line - b.line);
  const points = matched.reduce((sum, row) => sum + row.points, 0);
  const newPoints = matched.reduce((sum, row) => sum + (row.alreadyImported ? 0 : row.points), 0);
  return { matched, unmatched, totals: { rows: matched.length + unmatched.length, matched: matched.length, unmatched: unmatched.length, points, newPoints } };
}

/**
 * Applies the file: one IMPORTED entry per matched row not imported before, the VIP tier a row names
 * as the customer's override, and a record of the import with its rows (the tier names kept as given). Returns the report as applied and the points added.
 */
export async function applyPointsImport(
  db: PrismaClient,
  args: { shopId: string; fileName: string; csv: string; now: Date },
): Promise<PointsImportReport & { importId: string; added: number }> {
  const { shopId, csv, now } = args;
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${pointsImportLockKey(shopId)}, 0))`;
    const report = await dryRunPointsImport(tx, shopId, csv);
    const added = await appendCustomersLedgerEntries(
      tx,
      shopId,
      report.matched.map((row) => ({
        customerId: row.customerId,
        entry: {
          key: importEntryKey(row.customerId, row.points),
          points: row.points,
          reason: "IMPORTED" as const,
          source: "IMPORT" as const,
          sourceId: null,
          availableAt: now,
          note: `Imported balance (${args.fileName.slice(0, 100)}, line ${row.line})`,
        },
      })),
    );
    // A tier brought over becomes an override with its reason, in the customers' tier history; the
    // previous program already rewarded reaching it, so it gives no entry reward. Already held: nothing.
    const tiered = report.matched.filter((row) => row.tierId);
    if (tiered.length > 0) {
      await lockSubjects(tx, shopId, tiered.map((row) => row.shopifyId));
      const ladder = await tierLadder(tx, shopId);
      for (const row of tiered) {
        const reason = `Imported from the previous program (${args.fileName.slice(0, 100)}, line ${row.line})`;
        await overrideTier(tx, { shopId, customer: { id: row.customerId, shopifyId: row.shopifyId }, ladder, tierId: row.tierId, reason, now, entryRewards: false });
      }
    }
    const addedPoints = report.matched.reduce((sum, row) => sum + (row.alreadyImported ? 0 : row.points), 0);
    const record = await tx.pointsImport.create({
      data: {
        shopId,
        fileName: args.fileName.slice(0, 200),
        fileHash: createHash("sha256").update(csv).digest("hex"),
        matched: report.totals.matched,
        unmatched: report.totals.unmatched,
        points: report.totals.points,
        added: addedPoints,
        appliedAt: now,
        rows: {
          createMany: {
            data: report.matched.map((row) => ({ customerId: row.customerId, line: row.line, points: row.points, tierName: row.tierName, added: !row.alreadyImported })),
          },
        },
      },
    });
    if (added !== report.matched.filter((row) => !row.alreadyImported).length) throw new Error("points import: the ledger changed while the import was applied");
    return { ...report, importId: record.id, added: addedPoints };
  });
}

/** The shop's applied imports, newest first, for the import page. */
export async function pointsImports(db: Db, shopId: string, take = 10) {
  return db.pointsImport.findMany({
    where: { shopId },
    orderBy: { appliedAt: "desc" },
    take,
    select: { id: true, fileName: true, matched: true, unmatched: true, points: true, added: true, appliedAt: true },
  });
}
