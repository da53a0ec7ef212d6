/**
 * The rule of docs/decisions/database-access.md, checked on the source: no `$queryRawUnsafe` or
 * `$executeRawUnsafe` in the app, its scripts or its server (SQL is composed with `Prisma.sql`
 * fragments into tagged `$queryRaw`), and one transaction type (`Tx`/`Db` of
 * app/database/transaction.ts) that no other file declares again.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOTS = ["app", "scripts", "server"];
const GENERATED = path.join("app", "generated");
const TRANSACTION_TYPES = path.join("app", "database", "transaction.ts");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (file === GENERATED || name === "node_modules") return [];
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.(ts|tsx|js|mjs)$/.test(name) ? [file] : [];
  });
}

function linesMatching(pattern: RegExp, except: string[] = []): string[] {
  return ROOTS.flatMap(sourceFiles)
    .filter((file) => !except.includes(file))
    .flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, index) => (pattern.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [])),
    );
}

describe("one way to the database", () => {
  it("reads the app's own files", () => {
    expect(ROOTS.flatMap(sourceFiles)).toContain(path.join("app", "db.server.ts"));
  });

  it("sends no SQL through the Unsafe raw query methods", () => {
    expect(linesMatching(/Unsafe\s*[(<]/)).toEqual([]);
  });

  it("declares the transaction type once (app/database/transaction.ts)", () => {
    expect(linesMatching(/Prisma\.TransactionClient|ITXClientDenyList/, [TRANSACTION_TYPES])).toEqual([]);
  });

  it("would notice a redeclared transaction type or an Unsafe call", () => {
    expect(/Unsafe\s*[(<]/.test('await tx.$executeRawUnsafe(`SELECT 1`)')).toBe(true);
    expect(/Unsafe\s*[(<]/.test("await db.$queryRawUnsafe<Row[]>(sql)")).toBe(true);
    expect(/Prisma\.TransactionClient/.test("type Tx = Prisma.TransactionClient;")).toBe(true);
  });
});
