import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";

import { connectionLimitOf, startEmbeddedDatabase, type EmbeddedDatabase } from "./embedded-database.server";
import { env } from "./env.server";
import { PrismaClient } from "./generated/prisma/client";

export type Database = PrismaClient;

interface Connection {
  prisma: PrismaClient;
  embedded?: EmbeddedDatabase;
}

declare global {
  // Survives dev-server module reloads so a reload does not open a second pool or database.
  var __loyaltyDatabase: Promise<Connection> | undefined;
}

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
  const adapter = new PrismaPg({ connectionString: url, max: connectionLimitOf(url, 10) });
  return { prisma: new PrismaClient({ adapter }), embedded };
}

globalThis.__loyaltyDatabase ??= connect();

/** The app's Prisma client: the PostgreSQL server at DATABASE_URL, or the embedded one. */
const db: PrismaClient = (await globalThis.__loyaltyDatabase).prisma;
export default db;

/** Closes the pool and, in embedded mode, the database itself (for a clean Ctrl-C). */
export async function disconnectDatabase(): Promise<void> {
  const pending = globalThis.__loyaltyDatabase;
  if (!pending) return;
  globalThis.__loyaltyDatabase = undefined;
  const { prisma, embedded } = await pending;
  await prisma.$disconnect();
  await embedded?.close();
}
