import { randomBytes } from "node:crypto";
import pg from "pg";

import { startEmbeddedDatabase } from "../../app/embedded-database.server";
import { applyMigrations } from "../../app/migrations.server";

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
    const embedded = await startEmbeddedDatabase({ migrate: true });
    return { url: embedded.url, drop: () => embedded.close() };
  }

  const name = `loyalty_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString());
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}
