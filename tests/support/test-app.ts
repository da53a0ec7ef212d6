import net from "node:net";
import { PrismaPg } from "@prisma/adapter-pg";

import { connectionLimitOf } from "../../app/embedded-database.server";
import { PrismaClient } from "../../app/generated/prisma/client";
import type { AdminGraphql } from "../../app/shopify/admin-graphql.server";
import { installApp, startDevStore, type DevStore, type DevStoreOptions } from "../../dev-store/server";
import { startAppServer } from "../../server/app-server";
import { createTestDatabase, type TestDatabase } from "./database";
import { TEST_APP } from "./shopify-library";

export { TEST_APP };


export interface TestApp {
  /** Where the app's production build listens. */
  appUrl: string;
  devStore: DevStore;
  /** A client on the test file's own database, for arranging data and asserting outcomes. */
  db: PrismaClient;
  /** Installs the dev shop through the admin, as Shopify's managed install does. */
  install(): Promise<void>;
  /** Installs, then waits for the install's history import to finish; resolves to the app's shop id. */
  installAndImportHistory(): Promise<string>;
  /** The Admin API through a shop's stored offline session, as the worker process reaches it. */
  adminGraphqlFor(shop: string): Promise<AdminGraphql>;
  close(): Promise<void>;
}

const HISTORY_IMPORT_TIMEOUT_MS = 30_000;
const INBOX_TIMEOUT_MS = 15_000;

/** Waits until the app has applied every webhook delivery it stored; one that keeps failing fails the test. */
export async function inboxApplied(db: PrismaClient, timeoutMs = INBOX_TIMEOUT_MS, pollMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await db.webhookEvent.findFirst({ where: { processedAt: null }, select: { topic: true, lastError: true } });
    if (!pending) return;
    if (Date.now() > deadline) throw new Error(`the app did not apply its ${pending.topic} delivery within ${timeoutMs} ms: ${pending.lastError ?? "never tried"}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive free ports (the demo listens on PORT and the next ones), picked below the
 * kernel's ephemeral range (32768 and up on Linux): the system hands ports there to every outgoing
 * connection, so a port next to an ephemeral one can be taken by the time a process binds it.
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const ports = Array.from({ length: count }, (_, index) => base + index);
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports between 20000 and 32000`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface TestAppDatabase {
  /** Run on this database instead of a fresh one of the suite's kind (the test file made it; close() drops it). */
  database?: TestDatabase;
  /** The address the app is given for the database (the test's own client keeps the direct one), e.g. through a proxy. */
  appDatabaseUrl?: (url: string) => string;
}

/**
 * Starts a fresh database, the dev store and the app's build, wired as they are in the demo. One
 * per test file: the app reads its settings once, when its build is first imported.
 */
export async function startTestApp(options: Partial<DevStoreOptions> = {}, databaseOptions: TestAppDatabase = {}): Promise<TestApp> {
  const database = databaseOptions.database ?? (await createTestDatabase());
  const appPort = await freePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  const devStore = await startDevStore({
    shop: TEST_APP.shop,
    apiKey: TEST_APP.apiKey,
    apiSecret: TEST_APP.apiSecret,
    appUrl,
    appTomlPath: "shopify.app.toml",
    apiVersion: "2026-10",
    webhookRetryDelaysMs: [50, 100, 200],
    nodeEnv: "test",
    ...options,
  });
  Object.assign(process.env, {
    NODE_ENV: "test",
    DATABASE_URL: databaseOptions.appDatabaseUrl?.(database.url) ?? database.url,
    SHOPIFY_API_KEY: TEST_APP.apiKey,
    SHOPIFY_API_SECRET: TEST_APP.apiSecret,
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_API_ORIGIN: devStore.url,
    APP_BRIDGE_URL: `${devStore.url}/app-bridge.js`,
    LOG_LEVEL: "warn",
  });
  const app = await startAppServer({ port: appPort });
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: connectionLimitOf(database.url, 2) }) });

  async function installAndImportHistory(): Promise<string> {
    await installApp(devStore);
    const { id: shopId } = await db.shop.findUniqueOrThrow({ where: { domain: devStore.config.shop } });
    const deadline = Date.now() + HISTORY_IMPORT_TIMEOUT_MS;
    while ((await db.historyImport.findUnique({ where: { shopId } }))?.status !== "done") {
      if (Date.now() > deadline) throw new Error(`the history import did not finish within ${HISTORY_IMPORT_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return shopId;
  }

  // Shopify is idle once it has delivered; the app has caught up once its inbox has applied what it
  // accepted. Tests that wait for the one mean both.
  const shopifyIdle = devStore.webhooks.idle.bind(devStore.webhooks);
  devStore.webhooks.idle = async () => {
    await shopifyIdle();
    await inboxApplied(db);
  };

  return {
    appUrl,
    devStore,
    db,
    install: () => installApp(devStore),
    installAndImportHistory,
    async adminGraphqlFor(shop) {
      const session = await db.session.findFirstOrThrow({ where: { shop, isOnline: false } });
      return (query, options) =>
        fetch(`${devStore.url}/admin/api/2026-10/graphql.json`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": session.accessToken, "X-Shopify-Shop-Domain": shop },
          body: JSON.stringify({ query, variables: options?.variables }),
          signal: options?.signal,
        });
    },
    async close() {
      await app.close();
      await devStore.close();
      await db.$disconnect();
      await database.drop();
    },
  };
}
