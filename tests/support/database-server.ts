import { randomBytes } from "node:crypto";
import pg from "pg";

import { survivesDroppedConnection } from "../../app/database/connection-errors";

/** The CI and development machines' PostgreSQL server, used when DATABASE_URL names none. */
export const LOCAL_DATABASE_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres";

/**
 * A PostgreSQL server for tests that need one whatever the suite runs on: DATABASE_URL when it is
 * set, else the local server if it answers. Null, with the reason, when there is none.
 */
export async function databaseServer(): Promise<{ url: string } | { url: null; reason: string }> {
  const url = process.env.DATABASE_URL || LOCAL_DATABASE_SERVER;
  const client = survivesDroppedConnection(new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 }), "database server probe");
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { url };
  } catch (error) {
    return { url: null, reason: `no PostgreSQL server at ${url} (${error instanceof Error ? error.message : String(error)})` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A new, empty database on the server; `drop` removes it, connections and all. */
export async function createEmptyDatabase(serverUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = survivesDroppedConnection(new pg.Client({ connectionString: serverUrl }), "test database creation");
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = survivesDroppedConnection(new pg.Client({ connectionString: serverUrl }), "test database drop");
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}
