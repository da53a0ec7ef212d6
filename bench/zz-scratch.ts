import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { percentile } from "./table";
process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";
process.env.PROCESS_WEBHOOKS_IN_APP = process.env.INAPP ?? "false";
const { startTestApp, TEST_APP } = await import("../tests/support/test-app");
const app = await startTestApp();
await app.install();
const url = new URL("/webhooks/orders/paid", app.appUrl).toString();
for (let r = 0; r < 2; r++) {
  const cpu0 = process.cpuUsage();
  const { stdout, stderr } = await promisify(execFile)("/usr/bin/time", ["-f", "loadgen %U user %S sys", process.execPath, "--import", "tsx", "bench/webhook-load.ts", url, TEST_APP.apiSecret, TEST_APP.shop, "3000", "16", String(r * 3000)], { maxBuffer: 1 << 26 });
  const { latencies, ms } = JSON.parse(stdout); console.log(stderr.trim().split("\n").pop());
  const cpu = process.cpuUsage(cpu0);
  console.log("app cpu ms per request", ((cpu.user + cpu.system) / 1000 / 3000).toFixed(3));
  console.log("accept", Math.round(3000 / (ms / 1000)), "/s p50", percentile(latencies, 50).toFixed(1), "p99", percentile(latencies, 99).toFixed(1));
}
if (process.env.PROCESS) {
  const { processNextDelivery } = await import("../app/webhooks/inbox-processor.server");
  const { PrismaClient } = await import("../app/generated/prisma/client");
  const { PrismaPg } = await import("@prisma/adapter-pg");
  const logged = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL! }), log: [{ emit: "event", level: "query" }] });
  const stats = new Map<string, { n: number; ms: number }>();
  (logged as any).$on("query", (e: any) => { const k = e.query.replace(/\s+/g, " ").slice(0, 90); const v = stats.get(k) ?? { n: 0, ms: 0 }; v.n++; v.ms += e.duration; stats.set(k, v); });
  let m = 0; while (m < 50 && (await processNextDelivery(logged))) m++;
  console.log([...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40).map(([k, v]) => `${(v.n / m).toFixed(1)}x ${(v.ms / v.n).toFixed(2)}ms ${k}`).join("\n"));
  console.log("queries per order", ([...stats.values()].reduce((a, v) => a + v.n, 0) / m).toFixed(1));
  const c0 = process.cpuUsage(); const t = performance.now(); let n = 0;
  const lanes = Number(process.env.PROCESS);
  await Promise.all(Array.from({ length: lanes }, async () => { while (n < 600 && (await processNextDelivery(app.db))) n++; }));
  const c = process.cpuUsage(c0); console.log("cpu ms per processed", ((c.user + c.system) / 1000 / n).toFixed(2));
  console.log("processed", n, Math.round(n / ((performance.now() - t) / 1000)), "/s");
}
await app.close();
process.exit(0);
