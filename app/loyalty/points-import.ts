/**
 * Reading a CSV of balances from another loyalty app, pure: the columns (email or customer id,
 * points, an optional tier name), each row's problem in the merchant's words, and the limits. Matching
 * rows to the shop's customers and applying them is points-import.server.ts.
 */
import { parse } from "csv-parse/sync";

/** The largest upload read: refused before any work (about 20,000 rows of email and points). */
export const MAX_IMPORT_BYTES = 1_000_000;
export const MAX_IMPORT_ROWS = 20_000;
/** The most points one row may bring, as for a merchant's adjustment. */
export const MAX_IMPORTED_POINTS = 1_000_000;

export class PointsCsvError extends Error {}

/** How the merchant refers to the customer on a row. */
export type CustomerRef = { email: string } | { shopifyId: string };

export interface PointsCsvRow {
  /** The row's line in the file (the header is line 1). */
  line: number;
  customer: CustomerRef;
  points: number;
  tierName: string | null;
}

export interface PointsCsvProblem {
  line: number;
  /** What the row names: its email or customer id, as written. */
  value: string;
  reason: string;
}

// Header names other apps export, lower-cased with spaces and dashes as underscores.
const EMAIL_COLUMNS = ["email", "email_address", "customer_email"];
const ID_COLUMNS = ["customer_id", "id", "shopify_customer_id"];
const POINTS_COLUMNS = ["points", "points_balance", "balance"];
const TIER_COLUMNS = ["tier", "tier_name", "vip_tier"];

const normaliseHeader = (name: string) => name.trim().toLowerCase().replace(/[\s-]+/g, "_");
const WHOLE = /^\d+$/;
const GID = /^gid:\/\/shopify\/Customer\/(\d+)$/;

/** The customer id as the Admin API writes it, from a number or a GID; null when it is neither. */
export function customerGid(value: string): string | null {
  const trimmed = value.trim();
  if (WHOLE.test(trimmed)) return `gid://shopify/Customer/${trimmed}`;
  return GID.test(trimmed) ? trimmed : null;
}

/**
 * The file's rows and its rows' problems (bad number, neither email nor id). A file that cannot be
 * read as a CSV with the needed columns throws PointsCsvError with what to fix.
 */
export function readPointsCsv(text: string): { rows: PointsCsvRow[]; problems: PointsCsvProblem[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: false }) as unknown as typeof records;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const line = (error as { lines?: number }).lines;
    const where = line ? ` (line ${line})` : "";
    if (code === "CSV_QUOTE_NOT_CLOSED") throw new PointsCsvError(`The file is not a valid CSV: a quote is opened and never closed${where}.`);
    if (code === "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH") throw new PointsCsvError(`The file is not a valid CSV: a row has a different number of columns from the header${where}.`);
    throw new PointsCsvError(`The file is not a valid CSV${where}: ${(error as Error).message}`);
  }
  if (records.length === 0) throw new PointsCsvError("The file is empty: it needs a header row (email or customer id, points, optional tier) and one row per customer.");
  const header = records[0].record.map(normaliseHeader);
  const column = (names: string[]) => header.findIndex((name) => names.includes(name));
  const email = column(EMAIL_COLUMNS);
  const id = column(ID_COLUMNS);
  const points = column(POINTS_COLUMNS);
  const tier = column(TIER_COLUMNS);
  if (points < 0 || (email < 0 && id < 0)) {
    throw new PointsCsvError(`The first row must name the columns: "email" or "customer id", "points", and optionally "tier". This file's first row is: ${records[0].record.join(", ").slice(0, 200)}`);
  }
  if (records.length - 1 > MAX_IMPORT_ROWS) throw new PointsCsvError(`The file has ${records.length - 1} rows; import at most ${MAX_IMPORT_ROWS.toLocaleString("en")} at a time.`);

  const rows: PointsCsvRow[] = [];
  const problems: PointsCsvProblem[] = [];
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    const emailValue = email >= 0 ? record[email] : "";
    const idValue = id >= 0 ? record[id] : "";
    const value = emailValue || idValue;
    let customer: CustomerRef | null = null;
    if (emailValue) {
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(emailValue)) {
        problems.push({ line, value, reason: "not an email address" });
        continue;
      }
      customer = { email: emailValue.toLowerCase() };
    } else if (idValue) {
      const gid = customerGid(idValue);
      if (!gid) {
        problems.push({ line, value, reason: "not a Shopify customer id" });
        continue;
      }
      customer = { shopifyId: gid };
    } else {
      problems.push({ line, value: "", reason: "no email or customer id" });
      continue;
    }
    const pointsValue = record[points];
    if (!WHOLE.test(pointsValue) || Number(pointsValue) < 1 || Number(pointsValue) > MAX_IMPORTED_POINTS) {
      problems.push({ line, value, reason: `bad number "${pointsValue.slice(0, 20)}": points are a whole number from 1 to ${MAX_IMPORTED_POINTS.toLocaleString("en")}` });
      continue;
    }
    const tierName = tier >= 0 && record[tier] ? record[tier].slice(0, 100) : null;
    rows.push({ line, customer, points: Number(pointsValue), tierName });
  }
  return { rows, problems };
}
