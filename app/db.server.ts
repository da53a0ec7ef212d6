import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

import { databaseTimeouts } from "./database-timeouts.server";
import { survivesDroppedConnection } from "./database/connection-errors";
import { SERVER_SESSION_OPTIONS } from "./database/session-settings";
import { connectionLimitOf, sharesOneSession, startEmbeddedDatabase, type EmbeddedDatabase } from "./embedded-database.server";
import { env } from "./env.server";
import { logger } from "./logger.server";
import { PrismaClient } from "./generated/prisma/client";

export type Database = PrismaClient;

interface Connection {
  prisma: PrismaClient;
  /** The pool under Prisma, for the few hot paths that send SQL themselves (the webhook inbox). */
  pool: pg.Pool;
  embedded?: EmbeddedDatabase;
}

declare global {
  // Survives dev-server module reloads so a reload does not open a second pool or database.
  var __loyaltyDatabase: Promise<Connection> | undefined;
}

const EMBEDDED_CONNECTION_WAIT_MS = 60_000;

async function connect(): Promise<Connection> {
  const settings = env();
  let embedded: EmbeddedDatabase | undefined;
  let url = settings.DATABASE_URL;
  if (!url) {
    embedded = await startEmbeddedDatabase({
      dataDir: path.join(settings.DATA_DIR, "postgres"),
      migrate: true,
    });
    url = embedded.url;
  }
  const timeouts = databaseTimeouts(settings);
  // The embedded database is one session that every query takes in turn: waiting for it behind a long
  // transaction (the history import, a report rebuild) is normal there, not a sign it is stuck. The
  // webhook path keeps its own bound under Shopify's 5 s.
  if (embedded) timeouts.connectionTimeoutMillis = Math.max(timeouts.connectionTimeoutMillis ?? 0, EMBEDDED_CONNECTION_WAIT_MS);
  // An idle connection the server ends (a restart, a failover) must not crash the process: the pool
  // drops it and the next query opens a new one. Prisma's own listener goes with $disconnect, so keep ours.
  const pool = survivesDroppedConnection(
    new pg.Pool({ connectionString: url, max: connectionLimitOf(url, 10), ...timeouts, ...(embedded || sharesOneSession(url) ? {} : { options: SERVER_SESSION_OPTIONS }) }),
    "app",
  );
  return { prisma: new PrismaClient({ adapter: new PrismaPg(pool) }), pool, embedded };
}

globalThis.__loyaltyDatabase ??= connect();

/** The app's Prisma client: the PostgreSQL server at DATABASE_URL, or the embedded one. */
const connection = await globalThis.__loyaltyDatabase;
const db: PrismaClient = connection.prisma;
export default db;

/** The same connections as `db`, without Prisma's query compiler in between. */
export const pool: pg.Pool = connection.pool;

/** Closes the pool and, in embedded mode, the database itself (for a clean Ctrl-C). */
export async function disconnectDatabase(): Promise<void> {
  const pending = globalThis.__loyaltyDatabase;
  if (!pending) return;
  globalThis.__loyaltyDatabase = undefined;
  const { prisma, pool, embedded } = await pending;
  await prisma.$disconnect();
  await pool.end().catch(() => undefined);
  await embedded?.close();
}
