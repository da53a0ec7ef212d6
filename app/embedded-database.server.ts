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
  /** The whole database as a gzipped tarball, to start others from (tests use one as a template). */
  dump(): Promise<Blob>;
  close(): Promise<void>;
}

export async function startEmbeddedDatabase(options: {
  /** A folder for the data files; omit for an in-memory database. */
  dataDir?: string;
  /** Apply prisma/migrations before returning. */
  migrate?: boolean;
  /** Start from a dump instead of an empty cluster (much faster than initialising one). */
  template?: Blob;
}): Promise<EmbeddedDatabase> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");

  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: path.resolve(options.dataDir) } : {}),
    ...(options.template ? { loadDataDir: options.template } : {}),
  });
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 8 });
  await server.start();
  // PGlite is one backend session: clients of it take turns on one connection each (see db.server.ts).
  const url = `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable&connection_limit=1`;

  if (options.migrate) await applyMigrations(url);

  return {
    url,
    dump: () => db.dumpDataDir("gzip") as Promise<Blob>,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * The pool size a connection string asks for (Prisma's `connection_limit` parameter). The embedded
 * database asks for 1: its socket interleaves concurrent connections' protocol messages.
 */
export function connectionLimitOf(url: string, fallback: number): number {
  return Number(new URL(url).searchParams.get("connection_limit")) || fallback;
}

/**
 * Whether every connection to this database is one session (the embedded database): named prepared
 * statements then outlive the connection that made them, and a new connection would find the name
 * taken, so statements there are parsed afresh each time.
 */
export function sharesOneSession(connectionString: string | undefined): boolean {
  return connectionString !== undefined && connectionLimitOf(connectionString, 2) === 1;
}
