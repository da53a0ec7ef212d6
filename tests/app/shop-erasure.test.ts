/**
 * shop/redact erases a shop by deleting its Shop row: every table of a shop must reach Shop through
 * foreign keys that cascade, or be one of the few tables keyed by the shop's domain that eraseShop
 * deletes by name. This test reads the tables from the database's own catalogue (information_schema),
 * so a table added later without a cascading key to its shop fails it: it writes a row of two shops
 * into every table, erases one shop, and expects nothing of that shop anywhere and every row of the
 * other shop unchanged.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { survivesDroppedConnection } from "../../app/database/connection-errors";
import { PrismaClient } from "../../app/generated/prisma/client";
import { eraseShop } from "../../app/shops/installation.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * Tables without a cascading key to Shop, each with the reason and the column that names the shop's
 * domain (eraseShop deletes their rows by it). Anything else must cascade from Shop.
 */
const DOMAIN_KEYED: Record<string, { column: string; value: (domain: string) => string; reason: string }> = {
  Session: {
    column: "shop",
    value: (domain) => domain,
    reason: "written by the Shopify session storage at token exchange, before the Shop row exists",
  },
  WebhookEvent: {
    column: "shopDomain",
    value: (domain) => domain,
    reason: "the acceptance insert stores a verified delivery before any lookup, also for a shop not installed (yet)",
  },
  ComplianceRequest: {
    column: "shopDomain",
    value: (domain) => domain,
    reason: "a privacy request is recorded whether or not the shop is installed",
  },
  RateLimitWindow: {
    column: "key",
    value: (domain) => `redeem:customer:${domain}:gid://shopify/Customer/1`,
    reason: "counted per domain and subject on the storefront's hot path, one upsert per request",
  },
};
/** Not a shop's data at all. */
const NOT_SHOP_DATA: Record<string, string> = {
  _prisma_migrations: "the migrations applied to the database",
};

interface Column {
  table: string;
  name: string;
  nullable: boolean;
  hasDefault: boolean;
  dataType: string;
  udtName: string;
}
interface ForeignKey {
  table: string;
  column: string;
  refTable: string;
  refColumn: string;
  deleteRule: string;
}
interface Catalogue {
  tables: string[];
  columns: Column[];
  foreignKeys: ForeignKey[];
  enumLabels: Map<string, string>;
}

let database: TestDatabase;
let db: PrismaClient;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 1 }) });
  client = survivesDroppedConnection(new pg.Client({ connectionString: database.url }), "erasure test");
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db?.$disconnect();
  await database?.drop();
});

async function readCatalogue(): Promise<Catalogue> {
  const tables = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const columns = await client.query<{ table_name: string; column_name: string; is_nullable: string; column_default: string | null; is_identity: string; data_type: string; udt_name: string }>(
    `SELECT table_name, column_name, is_nullable, column_default, is_identity, data_type, udt_name
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const foreignKeys = await client.query<{ table_name: string; column_name: string; ref_table: string; ref_column: string; delete_rule: string }>(
    `SELECT kcu.table_name, kcu.column_name, ccu.table_name AS ref_table, ccu.column_name AS ref_column, rc.delete_rule
       FROM information_schema.referential_constraints rc
       JOIN information_schema.key_column_usage kcu
         ON kcu.constraint_schema = rc.constraint_schema AND kcu.constraint_name = rc.constraint_name
       JOIN information_schema.constraint_column_usage ccu
         ON ccu.constraint_schema = rc.unique_constraint_schema AND ccu.constraint_name = rc.unique_constraint_name
      WHERE rc.constraint_schema = 'public'`,
  );
  const enums = await client.query<{ typname: string; enumlabel: string }>(
    `SELECT t.typname, e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid ORDER BY t.typname, e.enumsortorder DESC`,
  );
  return {
    tables: tables.rows.map((row) => row.table_name),
    columns: columns.rows.map((row) => ({
      table: row.table_name,
      name: row.column_name,
      nullable: row.is_nullable === "YES",
      hasDefault: row.column_default !== null || row.is_identity === "YES",
      dataType: row.data_type,
      udtName: row.udt_name,
    })),
    foreignKeys: foreignKeys.rows.map((row) => ({ table: row.table_name, column: row.column_name, refTable: row.ref_table, refColumn: row.ref_column, deleteRule: row.delete_rule })),
    // Descending sort order: the map keeps each enum's first label.
    enumLabels: new Map(enums.rows.map((row) => [row.typname, row.enumlabel])),
  };
}

/** Tables whose rows go when their shop's row is deleted: a CASCADE key to Shop, or to such a table. */
function cascadingFromShop(catalogue: Catalogue): Set<string> {
  const owned = new Set<string>(["Shop"]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const key of catalogue.foreignKeys) {
      if (key.deleteRule === "CASCADE" && owned.has(key.refTable) && !owned.has(key.table)) {
        owned.add(key.table);
        grew = true;
      }
    }
  }
  owned.delete("Shop");
  return owned;
}

/** What is wrong with the catalogue for erasure by deleting the Shop row; empty when nothing is. */
function erasureGaps(catalogue: Catalogue): string[] {
  const owned = cascadingFromShop(catalogue);
  const gaps: string[] = [];
  for (const table of catalogue.tables) {
    if (table === "Shop" || table in NOT_SHOP_DATA || table in DOMAIN_KEYED) continue;
    if (!owned.has(table)) gaps.push(`${table}: no foreign key that cascades from Shop`);
    const hasShopId = catalogue.columns.some((column) => column.table === table && column.name === "shopId");
    const shopIdCascades = catalogue.foreignKeys.some((key) => key.table === table && key.column === "shopId" && key.refTable === "Shop" && key.deleteRule === "CASCADE");
    if (hasShopId && !shopIdCascades) gaps.push(`${table}: "shopId" is not a foreign key to Shop with ON DELETE CASCADE`);
  }
  for (const table of [...Object.keys(DOMAIN_KEYED), ...Object.keys(NOT_SHOP_DATA)]) {
    if (!catalogue.tables.includes(table)) gaps.push(`${table}: listed as an exception but no such table`);
  }
  return gaps;
}

/** Parents before children. */
function insertionOrder(catalogue: Catalogue): string[] {
  const order: string[] = [];
  const visit = (table: string, path: string[]) => {
    if (order.includes(table)) return;
    if (path.includes(table)) throw new Error(`foreign keys form a cycle: ${[...path, table].join(" -> ")}`);
    for (const key of catalogue.foreignKeys) if (key.table === table && key.refTable !== table) visit(key.refTable, [...path, table]);
    order.push(table);
  };
  for (const table of catalogue.tables) visit(table, []);
  return order.filter((table) => table !== "Shop" && !(table in NOT_SHOP_DATA));
}

function quoted(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** A value for a required column the catalogue describes, distinct per shop and table. */
function valueFor(column: Column, tag: string, catalogue: Catalogue): unknown {
  switch (column.dataType) {
    case "text":
    case "character varying":
      return `${column.table}.${column.name}:${tag}`;
    case "integer":
    case "bigint":
    case "smallint":
    case "numeric":
    case "double precision":
      return 1;
    case "boolean":
      return false;
    case "timestamp without time zone":
    case "timestamp with time zone":
      return "2027-01-02T03:04:05.000Z";
    case "date":
      return "2027-01-02";
    case "json":
    case "jsonb":
      return "{}";
    case "ARRAY":
      return "{}";
    case "datemultirange":
      return "{[2027-01-02,2027-01-03)}";
    case "USER-DEFINED": {
      const label = catalogue.enumLabels.get(column.udtName);
      if (label === undefined) throw new Error(`${column.table}.${column.name}: type ${column.udtName} is not an enum this test knows how to fill`);
      return label;
    }
    default:
      throw new Error(`${column.table}.${column.name}: no test value for type ${column.dataType}`);
  }
}

type Row = Record<string, unknown>;

/** One row of the shop in every table (foreign keys to the shop's own rows), returned as jsonb per table. */
async function fillEveryTable(catalogue: Catalogue, shop: { id: string; domain: string }, tag: string): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>([["Shop", (await client.query<{ row: Row }>(`SELECT to_jsonb(s.*) AS row FROM "Shop" s WHERE id = $1`, [shop.id])).rows[0].row]]);
  for (const table of insertionOrder(catalogue)) {
    const names: string[] = [];
    const values: unknown[] = [];
    for (const column of catalogue.columns.filter((entry) => entry.table === table)) {
      const key = catalogue.foreignKeys.find((entry) => entry.table === table && entry.column === column.name);
      let value: unknown;
      if (key) value = rows.get(key.refTable)?.[key.refColumn];
      else if (DOMAIN_KEYED[table]?.column === column.name) value = DOMAIN_KEYED[table].value(shop.domain);
      else if (!column.nullable && !column.hasDefault) value = valueFor(column, tag, catalogue);
      else continue;
      names.push(quoted(column.name));
      values.push(value);
    }
    const placeholders = values.map((_, index) => `$${index + 1}`).join(", ");
    const inserted = await client.query<{ row: Row }>(`INSERT INTO ${quoted(table)} AS t (${names.join(", ")}) VALUES (${placeholders}) RETURNING to_jsonb(t.*) AS row`, values);
    rows.set(table, inserted.rows[0].row);
  }
  return rows;
}

async function rowStillThere(table: string, row: Row): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quoted(table)} t WHERE to_jsonb(t.*) = $1::jsonb) AS found`, [JSON.stringify(row)]);
  return rows[0].found;
}

async function rowsNaming(table: string, needles: string[]): Promise<number> {
  const { rows } = await client.query<{ count: string }>(`SELECT count(*) AS count FROM ${quoted(table)} t WHERE to_jsonb(t.*)::text LIKE ANY ($1)`, [
    needles.map((needle) => `%${needle.replaceAll("\\", "\\\\").replaceAll("%", "\\%").replaceAll("_", "\\_")}%`),
  ]);
  return Number(rows[0].count);
}

describe("erasing a shop (shop/redact)", () => {
  it("finds every table of a shop cascading from Shop, or keyed by domain and erased by eraseShop", async () => {
    const catalogue = await readCatalogue();
    expect(catalogue.tables.length).toBeGreaterThan(20);
    expect(erasureGaps(catalogue)).toEqual([]);
  });

  it("would notice a shop table added without a cascading key", async () => {
    await client.query(`CREATE TABLE "ErasureProbe" ("id" TEXT PRIMARY KEY, "shopId" TEXT NOT NULL)`);
    try {
      expect(erasureGaps(await readCatalogue())).toEqual([
        "ErasureProbe: no foreign key that cascades from Shop",
        `ErasureProbe: "shopId" is not a foreign key to Shop with ON DELETE CASCADE`,
      ]);
    } finally {
      await client.query(`DROP TABLE "ErasureProbe"`);
    }
  });

  it("leaves no row of the erased shop in any table, and every row of another shop as it was", async () => {
    const catalogue = await readCatalogue();
    const erased = await db.shop.create({ data: { domain: "erased-shop.myshopify.com" } });
    const kept = await db.shop.create({ data: { domain: "kept-shop.myshopify.com" } });
    const erasedRows = await fillEveryTable(catalogue, erased, "erased");
    const keptRows = await fillEveryTable(catalogue, kept, "kept");
    const filled = insertionOrder(catalogue);
    // Every table took a row of each shop.
    expect([...erasedRows.keys()].sort()).toEqual(["Shop", ...filled].sort());

    await db.$transaction((tx) => eraseShop(tx, erased.domain));

    const left: string[] = [];
    const lost: string[] = [];
    for (const table of ["Shop", ...filled]) {
      if (await rowStillThere(table, erasedRows.get(table)!)) left.push(table);
      if ((await rowsNaming(table, [erased.id, erased.domain])) > 0) left.push(`${table} (a row naming the shop)`);
      if (!(await rowStillThere(table, keptRows.get(table)!))) lost.push(table);
    }
    expect(left).toEqual([]);
    expect(lost).toEqual([]);
  });
});
