/**
 * Signed orders/paid webhooks through the app's real HTTP server on the PostgreSQL server: each a new
 * order of one of 500 customers (so second-purchase and spend rules run), 16 in flight. The load
 * generator is its own process (bench/webhook-load.ts), so it does not share the app's event loop,
 * though it shares the machine's 2 cores with the app and PostgreSQL.
 *
 * As in production, the app only accepts (PROCESS_WEBHOOKS_IN_APP=false) and one `npm run worker`
 * process applies the inbox, both on the same 2 cores as PostgreSQL and the load generator. Two
 * numbers per round: how fast the app accepts deliveries (verify, check, store, 200) while the worker
 * applies them, and how many orders per second are applied, from the first delivery sent until the
 * inbox is empty.
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { promisify } from "node:util";

import { median, percentile, type BenchRow } from "./table";

export const title = "Order webhooks: signed orders/paid through the HTTP server, accepted and applied (PostgreSQL server)";

const REQUESTS = Number(process.env.BENCH_WEBHOOKS ?? 2000);
const IN_FLIGHT = 16;
const ROUNDS = 3;

export async function run(): Promise<BenchRow[]> {
  process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";
  const { startTestApp, TEST_APP, inboxApplied } = await import("../tests/support/test-app");
  process.env.PROCESS_WEBHOOKS_IN_APP = "false";
  const app = await startTestApp();
  // startTestApp pointed DATABASE_URL at its database: the worker applies that inbox.
  const worker = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], { env: { ...process.env, LOG_LEVEL: "error" }, stdio: ["ignore", "ignore", "inherit"] });
  try {
    await app.install();
    await app.devStore.webhooks.idle();
    const url = new URL("/webhooks/orders/paid", app.appUrl).toString();
    const rates: number[] = [];
    const p50s: number[] = [];
    const p99s: number[] = [];
    const applied: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const before = await app.db.order.count();
      const started = performance.now();
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "bench/webhook-load.ts", url, TEST_APP.apiSecret, TEST_APP.shop, String(REQUESTS), String(IN_FLIGHT), String(round * REQUESTS)],
        { maxBuffer: 64 * 2 ** 20 },
      );
      const { latencies, ms } = JSON.parse(stdout) as { latencies: number[]; ms: number };
      await inboxApplied(app.db, 10 * 60_000);
      const appliedMs = performance.now() - started;
      const stored = (await app.db.order.count()) - before;
      if (stored !== REQUESTS) throw new Error(`${REQUESTS} orders sent, ${stored} stored`);
      rates.push(REQUESTS / (ms / 1000));
      p50s.push(percentile(latencies, 50));
      p99s.push(percentile(latencies, 99));
      applied.push(REQUESTS / (appliedMs / 1000));
    }
    const orders = await app.db.order.count();
    return [
      { name: "orders/paid webhooks accepted per second", value: Math.round(median(rates)), unit: "/s", target: ">= 1000", note: `median of ${ROUNDS} × ${REQUESTS}, ${IN_FLIGHT} in flight, load from a child process; ${orders} orders stored` },
      { name: "orders/paid acceptance latency p50", value: median(p50s), unit: "ms" },
      { name: "orders/paid acceptance latency p99", value: median(p99s), unit: "ms", target: "< 100" },
      { name: "orders/paid orders applied per second", value: Math.round(median(applied)), unit: "/s", note: "first delivery sent to inbox empty; one npm run worker process, 4 lanes" },
    ];
  } finally {
    worker.kill("SIGTERM");
    if (worker.exitCode === null) await once(worker, "exit");
    await app.close();
  }
}
