import net from "node:net";
import { PrismaPg } from "@prisma/adapter-pg";

import { PrismaClient } from "../../app/generated/prisma/client";
import { DEV_SHOP } from "../../dev-store/config";
import { installApp, startDevStore, type DevStore, type DevStoreOptions } from "../../dev-store/server";
import { startAppServer } from "../../server/app-server";
import { createTestDatabase } from "./database";

/** The app's credentials in tests: a dev secret the dev store accepts, never a real one. */
export const TEST_APP = {
  apiKey: "test-loyalty-app",
  apiSecret: "dev-store-test-secret",
  shop: DEV_SHOP,
} as const;

export interface TestApp {
  /** Where the app's production build listens. */
  appUrl: string;
  devStore: DevStore;
  /** A client on the test file's own database, for arranging data and asserting outcomes. */
  db: PrismaClient;
  /** Installs the dev shop through the admin, as Shopify's managed install does. */
  install(): Promise<void>;
  close(): Promise<void>;
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

/**
 * Starts a fresh database, the dev store and the app's build, wired as they are in the demo. One
 * per test file: the app reads its settings once, when its build is first imported.
 */
export async function startTestApp(options: Partial<DevStoreOptions> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
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
    DATABASE_URL: database.url,
    SHOPIFY_API_KEY: TEST_APP.apiKey,
    SHOPIFY_API_SECRET: TEST_APP.apiSecret,
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_API_ORIGIN: devStore.url,
    APP_BRIDGE_URL: `${devStore.url}/app-bridge.js`,
    LOG_LEVEL: "warn",
  });
  const app = await startAppServer({ port: appPort });
  // The embedded database is one backend session: its URL asks every client for one connection.
  const connectionLimit = Number(new URL(database.url).searchParams.get("connection_limit")) || 2;
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: connectionLimit }) });

  return {
    appUrl,
    devStore,
    db,
    install: () => installApp(devStore),
    async close() {
      await app.close();
      await devStore.close();
      await db.$disconnect();
      await database.drop();
    },
  };
}
