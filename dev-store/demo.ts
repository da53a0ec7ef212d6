/**
 * npm run demo: the app on its embedded defaults against the local dev store, on a fresh machine.
 * Starts the dev store (keeping its shop under DATA_DIR), starts the app's production build and
 * installs it on the dev shop through the admin. On the first run the shop is seeded as one that
 * installed the app a month ago: 17 months of history before the install (imported), the month
 * after it (delivered as webhooks, in the background once the demo is up), follow-ups on, points
 * redeemed and friends referred. Prints where to look. Ctrl-C stops everything and keeps the data for the next run.
 */
import { existsSync } from "node:fs";
import path from "node:path";

import { startAppServer, type AppServer } from "../server/app-server";
import { DEV_SHOP } from "./config";
import { HistoryPlayer } from "./seed/apply";
import { generateHistory } from "./seed/history";
import { installMoment, liveSinceInstall, type AppDatabase } from "./seed/lived-in";
import { installApp, startDevStore, type DevStore } from "./server";

/** The demo app's credentials: a dev secret the dev store accepts and a real app never has. */
const DEMO_APP = { apiKey: "demo-loyalty-app", apiSecret: "dev-store-demo-secret" };

async function main() {
  const port = Number(process.env.PORT || 3000);
  const dataDir = path.resolve(process.env.DATA_DIR || ".data");
  const seed = process.env.DEMO_SEED !== "0";
  const dataFile = path.join(dataDir, "dev-store", "shop.json");
  const firstRun = !existsSync(dataFile);
  const appUrl = `http://localhost:${port}`;

  const devStore = await startDevStore({
    shop: DEV_SHOP,
    ...DEMO_APP,
    appUrl,
    appTomlPath: path.resolve("shopify.app.toml"),
    apiVersion: "2026-10",
    dataFile,
    outboxDir: path.join(dataDir, "outbox"),
    port: port + 1,
    storefrontPort: port + 2,
    // Shopify's eight retries, minutes apart, would leave a busy laptop's demo incomplete for hours:
    // here they come seconds apart.
    webhookRetryDelaysMs: [1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 60_000, 120_000],
  });

  const seedStarted = Date.now();
  const now = devStore.store.now();
  const installedAt = installMoment(now);
  let player: HistoryPlayer | null = null;
  if (firstRun && seed) {
    // Before the install: the shop's records only; no app is listening yet.
    player = new HistoryPlayer(devStore.store, generateHistory({ end: now }));
    player.playUntil(installedAt);
  }

  Object.assign(process.env, {
    NODE_ENV: "development",
    SHOPIFY_API_KEY: DEMO_APP.apiKey,
    SHOPIFY_API_SECRET: DEMO_APP.apiSecret,
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_API_ORIGIN: devStore.url,
    APP_BRIDGE_URL: devStore.appBridgeUrl,
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL || "warn",
  });
  let app: AppServer | undefined;
  let stopping = false;
  const stop = once(async () => {
    stopping = true;
    console.log("\nStopping…");
    await app?.close();
    await devStore.close();
    process.exit(0);
  });
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  app = await startAppServer({ port, host: "127.0.0.1" });
  if (!devStore.store.installation) await installApp(devStore);
  // The weeks since the install arrive in the background: the demo is usable meanwhile.
  const seeding = player
    ? liveSinceInstall({ devStore, player, appUrl, database: await appDatabase(), installedAt, now }).then((lived) => {
        const played = player.playUntil(now);
        console.log(
          `\nSeeded ${DEV_SHOP}: ${played.customers} customers, ${played.orders} orders over 18 months ` +
            `(${played.refunds} refunded, ${played.cancellations} cancelled); the app was installed ${installedAt.toISOString().slice(0, 10)} ` +
            `and ${lived.ordersAfterInstall} orders since arrived as webhooks; ${lived.redemptions} redemptions, ${lived.referrals} referrals; ` +
            `in ${Date.now() - seedStarted} ms`,
        );
      })
    : null;
  seeding?.catch((error: unknown) => {
    if (!stopping) console.error("Seeding the demo failed:", error instanceof Error ? error.message : error);
  });
  if (!seeding) await devStore.webhooks.idle();

  printWelcome(devStore, appUrl, seeding !== null);
}

/** The app's own database connection (the app runs in this process, and the embedded database takes one session). */
async function appDatabase(): Promise<AppDatabase> {
  const connection = (globalThis as { __loyaltyDatabase?: Promise<{ pool: AppDatabase }> }).__loyaltyDatabase;
  if (!connection) throw new Error("The app's database is not open");
  return (await connection).pool;
}

function printWelcome(devStore: DevStore, appUrl: string, seeding: boolean) {
  const { store } = devStore;
  console.log(`
Loyalty & Repeat is running on ${appUrl}, installed on ${store.shop.myshopifyDomain}
(${store.customers().length} customers, ${store.orders().length} orders in the dev store).

  Admin       ${devStore.adminAppUrl()}
  Storefront  ${devStore.storefrontUrl}/ (cart, checkout, "Create account")
  Orders      ${devStore.adminOrdersUrl} (pay, fulfil, refund, cancel)
  Customers   ${devStore.adminOrdersUrl.replace(/\/orders$/, "/customers")} (the loyalty metafields and tier tags the app writes)
  Flow        ${devStore.adminOrdersUrl.replace(/\/orders$/, "/flow")} (the Flow triggers the app sends)
  Outbox      ${devStore.url}/outbox (follow-up emails, with no SMTP_URL)

${seeding ? "The weeks since the app's install are arriving as webhooks; a line says when they are in.\n" : ""}Data is kept in ${path.relative(process.cwd(), path.resolve(process.env.DATA_DIR || ".data"))}/ between runs. Ctrl-C stops.`);
}

function once(action: () => Promise<void>) {
  let running: Promise<void> | undefined;
  return () => {
    running ??= action().catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
