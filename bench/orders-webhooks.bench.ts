/**
 * Signed orders/paid webhooks through the app's real HTTP server on the PostgreSQL server: each a new
 * paid order of one of 500 customers (so spend and second-purchase rules, follow-up scheduling and the
 * report rows all run), 16 in flight. The load
 * generator is its own process (bench/webhook-load.ts), so it does not share the app's event loop,
 * though it shares the machine's 2 cores with the app and PostgreSQL.
 *
 * As in production, the app only accepts (PROCESS_WEBHOOKS_IN_APP=false) and one `npm run worker`
 * process applies the inbox, both on the same 2 cores as PostgreSQL and the load generator. Two
 * measurements per round: how fast the app accepts a burst (verify, check, store, 200) with the worker
 * paused (SIGSTOP), how fast the worker then applies it (resumed until the inbox is empty), and how
 * fast the app accepts a second burst while the worker applies it at the same time. Then two and four
 * worker processes on the same inbox, each set draining one burst, show how applying scales.
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

import { median, percentile, type BenchRow } from "./table";

export const title = "Order webhooks: signed orders/paid through the HTTP server, accepted and applied (PostgreSQL server)";

const REQUESTS = Number(process.env.BENCH_WEBHOOKS ?? 3000);
const IN_FLIGHT = Number(process.env.BENCH_WEBHOOKS_IN_FLIGHT ?? 16);
const ROUNDS = 3;
// How often the bench looks whether the worker has emptied the inbox: rarely enough not to steal its CPU.
const DRAIN_POLL_MS = 100;
// Worker processes sharing one inbox, for the rows that show how applying scales.
const WORKER_COUNTS = [2, 4];
// Deliveries that warm a newly started worker up (its modules loaded, its connections open).
const WARM_UP = 100;

/**
 * CPU milliseconds (user + system) a process has used so far, from /proc (Linux; 0 elsewhere or once it
 * is gone). Figures a loaded machine blurs less than wall-clock time: what one order costs the worker
 * and the database, whoever else shares the cores.
 */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

export async function run(): Promise<BenchRow[]> {
  process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";
  const { startTestApp, TEST_APP, inboxApplied } = await import("../tests/support/test-app");
  process.env.PROCESS_WEBHOOKS_IN_APP = "false";
  const app = await startTestApp();
  // startTestApp pointed DATABASE_URL at its database: the worker applies that inbox.
  // BENCH_WORKER_CPU_PROF=<dir>: the worker writes a V8 CPU profile there when it stops (node --cpu-prof).
  const profile = process.env.BENCH_WORKER_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_WORKER_CPU_PROF] : [];
  const startWorker = () =>
    spawn(process.execPath, [...profile, "--import", "tsx", "scripts/worker.ts"], { env: { ...process.env, LOG_LEVEL: "error" }, stdio: ["ignore", "ignore", "inherit"] });
  const stopWorkers = async (workers: ReturnType<typeof startWorker>[]) => {
    for (const worker of workers) {
      worker.kill("SIGCONT");
      worker.kill("SIGTERM");
    }
    await Promise.all(workers.map((worker) => (worker.exitCode === null ? once(worker, "exit") : undefined)));
  };
  const worker = startWorker();
  let workers = [worker];
  try {
    await app.install();
    await app.devStore.webhooks.idle();
    // As on a shop whose merchant has opened the dashboard: every order also updates the report rows.
    // (The worker's rebuild loop may have built them already.)
    const { ensureReports, reportsReady } = await import("../app/reports/aggregates.server");
    const shop = await app.db.shop.findUniqueOrThrow({ where: { domain: TEST_APP.shop } });
    await ensureReports(app.db, shop.id);
    // As on a shop whose merchant turned the follow-ups on: every first order schedules them.
    const { setFollowUpKindEnabled } = await import("../app/follow-ups/settings.server");
    for (const kind of ["THANK_YOU", "NEXT_PURCHASE", "REPLENISHMENT", "WIN_BACK"] as const) await setFollowUpKindEnabled(app.db, shop.id, kind, true, new Date());
    if (!(await reportsReady(app.db, shop.id))) throw new Error("the report rows were not built");
    const url = new URL("/webhooks/orders/paid", app.appUrl).toString();
    const load = async (first: number, requests = REQUESTS) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "bench/webhook-load.ts", url, TEST_APP.apiSecret, TEST_APP.shop, String(requests), String(IN_FLIGHT), String(first)],
        { maxBuffer: 64 * 2 ** 20 },
      );
      const { latencies, ms } = JSON.parse(stdout) as { latencies: number[]; ms: number };
      return { rate: requests / (ms / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
    };
    const alone: { rate: number; p50: number; p99: number }[] = [];
    const busy: { rate: number; p50: number; p99: number }[] = [];
    const applied: number[] = [];
    const workerCpu: number[] = [];
    const databaseCpu: number[] = [];
    // The PostgreSQL backends serving the bench's database (the worker's connections among them), by pid.
    const backends = async () => (await app.db.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`).map((row) => row.pid);
    const backendsCpu = (pids: number[]) => new Map(pids.map((pid) => [pid, cpuMs(pid)]));
    for (let round = 0; round < ROUNDS; round++) {
      // The app accepting alone (the worker paused), then the worker draining what it accepted.
      worker.kill("SIGSTOP");
      alone.push(await load(2 * round * REQUESTS));
      const workerBefore = cpuMs(worker.pid);
      const backendsBefore = backendsCpu(await backends());
      worker.kill("SIGCONT");
      const draining = performance.now();
      await inboxApplied(app.db, 10 * 60_000, DRAIN_POLL_MS);
      applied.push(REQUESTS / ((performance.now() - draining) / 1000));
      workerCpu.push((cpuMs(worker.pid) - workerBefore) / REQUESTS);
      // Backends opened during the drain count from zero.
      databaseCpu.push((await backends()).reduce((sum, pid) => sum + cpuMs(pid) - (backendsBefore.get(pid) ?? 0), 0) / REQUESTS);
      // The app accepting while the worker applies at the same time.
      busy.push(await load((2 * round + 1) * REQUESTS));
      await inboxApplied(app.db, 10 * 60_000, DRAIN_POLL_MS);
    }
    // Several worker processes on one inbox: each started and warmed up on a small burst, then paused
    // while a burst is accepted, then resumed together until the inbox is empty.
    let first = 2 * ROUNDS * REQUESTS;
    const appliedBy = new Map<number, number>();
    await stopWorkers(workers);
    for (const count of WORKER_COUNTS) {
      workers = Array.from({ length: count }, startWorker);
      await load(first, WARM_UP);
      first += WARM_UP;
      await inboxApplied(app.db, 10 * 60_000, DRAIN_POLL_MS);
      for (const each of workers) each.kill("SIGSTOP");
      await load(first);
      first += REQUESTS;
      for (const each of workers) each.kill("SIGCONT");
      const draining = performance.now();
      await inboxApplied(app.db, 10 * 60_000, DRAIN_POLL_MS);
      appliedBy.set(count, REQUESTS / ((performance.now() - draining) / 1000));
      await stopWorkers(workers);
      workers = [];
    }
    const m = (rows: { rate: number; p50: number; p99: number }[], key: "rate" | "p50" | "p99") => median(rows.map((row) => row[key]));
    const orders = await app.db.order.count();
    if (orders < first) throw new Error(`${first} orders sent, ${orders} stored`);
    return [
      { name: "orders/paid accepted per second, worker paused", value: Math.round(m(alone, "rate")), unit: "/s", target: ">= 1500", note: `median of ${ROUNDS} × ${REQUESTS}, ${IN_FLIGHT} in flight, load from a child process; ${orders} orders stored` },
      { name: "orders/paid acceptance p50, worker paused", value: m(alone, "p50"), unit: "ms" },
      { name: "orders/paid acceptance p99, worker paused", value: m(alone, "p99"), unit: "ms", target: "< 50" },
      { name: "orders/paid accepted per second, worker applying", value: Math.round(m(busy, "rate")), unit: "/s", target: ">= 1500", note: "the worker shares the 2 cores" },
      { name: "orders/paid acceptance p99, worker applying", value: m(busy, "p99"), unit: "ms", target: "< 50" },
      { name: "orders/paid orders applied per second", value: Math.round(median(applied)), unit: "/s", target: ">= 1000", note: "one npm run worker process, WEBHOOK_LANES lanes, draining a burst" },
      { name: "orders/paid worker CPU per order applied", value: Number(median(workerCpu).toFixed(3)), unit: "ms", note: "user + system CPU of the worker process while it drains a burst" },
      {
        name: "orders/paid PostgreSQL CPU per order applied",
        value: Number(median(databaseCpu).toFixed(3)),
        unit: "ms",
        note: "user + system CPU of the database's backends while the worker drains a burst",
      },
      ...WORKER_COUNTS.map((count) => ({
        name: `orders/paid orders applied per second, ${count} worker processes`,
        value: Math.round(appliedBy.get(count)!),
        unit: "/s",
        note: `one burst of ${REQUESTS}, the workers on the same 2 cores`,
      })),
    ];
  } finally {
    await stopWorkers(workers);
    await app.close();
  }
}
