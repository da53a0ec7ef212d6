/**
 * The foundation's costs: starting the embedded PostgreSQL, seeding the demo shop, and the dev
 * store's Admin API (validation against the real schema, cost accounting, execution) per request.
 */
import { startEmbeddedDatabase } from "../app/embedded-database.server";
import { API_VERSION } from "../app/shopify/api-version";
import { SHOP_PROFILE_QUERY } from "../app/shopify/operations";
import { DEV_SHOP } from "../dev-store/config";
import { applyHistory } from "../dev-store/seed/apply";
import { generateHistory } from "../dev-store/seed/history";
import { DEFAULT_SHOP_PROFILE, startDevStore } from "../dev-store/server";
import { ShopData } from "../dev-store/store/shop-data";
import { median, percentile, type BenchRow } from "./table";

export const title = "Foundation: embedded database, demo seed, dev store Admin API";

const APP = { apiKey: "bench-loyalty-app", apiSecret: "dev-store-bench-secret" };

async function timed(action: () => Promise<unknown> | unknown): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

export async function run(): Promise<BenchRow[]> {
  const databaseStarts: number[] = [];
  for (let i = 0; i < 3; i++) {
    databaseStarts.push(
      await timed(async () => {
        const database = await startEmbeddedDatabase({ migrate: true });
        await database.close();
      }),
    );
  }

  const seeds: number[] = [];
  for (let i = 0; i < 3; i++) {
    seeds.push(
      await timed(() => {
        const store = ShopData.create({ ...DEFAULT_SHOP_PROFILE, myshopifyDomain: DEV_SHOP });
        applyHistory(store, generateHistory({ end: new Date() }));
      }),
    );
  }

  // Generous throttling so the bench measures work, not waiting.
  const devStore = await startDevStore({
    shop: DEV_SHOP,
    ...APP,
    appUrl: "http://127.0.0.1:9",
    appTomlPath: "shopify.app.toml",
    apiVersion: API_VERSION,
    throttle: { maximumAvailable: 1_000_000, restoreRate: 1_000_000 },
  });
  const tokenAnswer = await fetch(`${devStore.url}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "x-shopify-shop-domain": DEV_SHOP },
    body: JSON.stringify({
      client_id: APP.apiKey,
      client_secret: APP.apiSecret,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: devStore.sessionToken(),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
    }),
  });
  const { access_token: accessToken } = (await tokenAnswer.json()) as { access_token: string };
  const query = () =>
    fetch(`${devStore.url}/admin/api/${API_VERSION}/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": accessToken, "x-shopify-shop-domain": DEV_SHOP },
      body: JSON.stringify({ query: SHOP_PROFILE_QUERY }),
    }).then((response) => response.json());
  for (let i = 0; i < 50; i++) await query();
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < 1000; i++) latencies.push(await timed(query));
  const throughput = 1000 / ((performance.now() - started) / 1000);
  await devStore.close();

  return [
    { name: "embedded PostgreSQL start + migrate (median of 3)", value: median(databaseStarts), unit: "ms" },
    { name: "demo seed: 2,800 customers, 6,000+ orders (median of 3)", value: median(seeds), unit: "ms" },
    { name: "dev store Admin API shop query p50", value: median(latencies), unit: "ms", note: "1,000 sequential requests" },
    { name: "dev store Admin API shop query p99", value: percentile(latencies, 99), unit: "ms" },
    { name: "dev store Admin API sequential throughput", value: Math.round(throughput), unit: "req/s" },
  ];
}
