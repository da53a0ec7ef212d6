import { mkdir } from "node:fs/promises";
import path from "node:path";

import { applyMigrations } from "./migrations.server";

/**
 * The embedded PostgreSQL (PGlite, compiled to WebAssembly) that the app runs on when no
 * DATABASE_URL is given. It is served over the PostgreSQL wire protocol on 127.0.0.1 so that the
 * same pg driver, Prisma adapter and migrations work against it as against a server.
 */
export interface EmbeddedDatabase {
  url: string;
  close(): Promise<void>;
}

export async function startEmbeddedDatabase(options: {
  /** A folder for the data files; omit for an in-memory database. */
  dataDir?: string;
  /** Apply prisma/migrations before returning. */
  migrate?: boolean;
}): Promise<EmbeddedDatabase> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");

  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const db = options.dataDir ? await PGlite.create(path.resolve(options.dataDir)) : await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 8 });
  await server.start();
  const url = `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`;

  if (options.migrate) await applyMigrations(url);

  return {
    url,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
