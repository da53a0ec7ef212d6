import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { startEmbeddedDatabase } from "../../app/embedded-database.server";
import { applyMigrations } from "../../app/migrations.server";
import { createEmptyDatabase } from "./database-server";

/**
 * A fresh, migrated database for one test file: a new database on the PostgreSQL server when
 * DATABASE_URL is set (CI), otherwise an in-memory embedded PostgreSQL.
 */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

// Read once: the test app later points DATABASE_URL at the database made here.
const databaseServerUrl = process.env.DATABASE_URL;

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = databaseServerUrl;
  if (!serverUrl) {
    const template = existsSync(embeddedTemplateFile()) ? new Blob([readFileSync(embeddedTemplateFile())]) : undefined;
    const embedded = await startEmbeddedDatabase({ migrate: true, template });
    return { url: embedded.url, drop: () => embedded.close() };
  }

  const database = await createEmptyDatabase(serverUrl, "loyalty_test");
  await applyMigrations(database.url);
  return database;
}

/** A migrated embedded database, dumped once per set of migrations: each test file starts from it. */
function embeddedTemplateFile(): string {
  const migrations = path.resolve("prisma", "migrations");
  const hash = createHash("sha256");
  for (const name of readdirSync(migrations).sort()) {
    const file = path.join(migrations, name, "migration.sql");
    if (existsSync(file)) hash.update(name).update(readFileSync(file));
  }
  return path.join(os.tmpdir(), `loyalty-test-database-${hash.digest("hex").slice(0, 16)}.tar.gz`);
}

export async function prepareEmbeddedTemplate(): Promise<void> {
  const file = embeddedTemplateFile();
  if (databaseServerUrl || existsSync(file)) return;
  const embedded = await startEmbeddedDatabase({ migrate: true });
  const dump = await embedded.dump();
  await embedded.close();
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, Buffer.from(await dump.arrayBuffer()));
  await rename(temporary, file);
}
