/**
 * Follow-up dispatch: 100,000 due thank-yous sent by two `npm run worker` processes (scripts/worker.ts)
 * through real SMTP to a local sink, on the PostgreSQL server. Counts what the sink received by each
 * message's X-Follow-Up-Id: duplicates must be 0.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { PrismaPg } from "@prisma/adapter-pg";

import { PrismaClient } from "../app/generated/prisma/client";
import { startSmtpSink } from "../tests/follow-ups/smtp-sink";
import type { BenchRow } from "./table";

export const title = "Follow-ups: 100,000 due emails dispatched by two worker processes over SMTP (PostgreSQL server)";

const MESSAGES = Number(process.env.FOLLOW_UPS_BENCH_MESSAGES ?? 100_000);
const WORKERS = 2;

function peakRssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

export async function run(): Promise<BenchRow[]> {
  process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";
  const { createTestDatabase } = await import("../tests/support/database");
  const database = await createTestDatabase();
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 2 }) });
  const sink = await startSmtpSink({ parse: false });
  const workers: ChildProcess[] = [];
  try {
    const shop = await db.shop.create({ data: { domain: "bench-follow-ups.myshopify.com", name: "Bench Shop", ianaTimezone: "UTC" } });
    await db.followUpSettings.create({ data: { shopId: shop.id, quietHoursStart: 0, quietHoursEnd: 0, thankYouEnabled: true } });
    await db.$executeRaw`
      INSERT INTO "Customer" (id, "shopId", "shopifyId", email, "firstName", "referralCode", "updatedAt")
      SELECT 'c' || n, ${shop.id}, 'gid://shopify/Customer/' || n, 'customer' || n || '@example.com', 'Customer ' || n, 'R' || n, now()
        FROM generate_series(1, ${MESSAGES}) AS n`;
    await db.$executeRaw`
      INSERT INTO "FollowUp" (id, "shopId", kind, key, "customerShopifyId", "dueAt", "updatedAt")
      SELECT 'f' || n, ${shop.id}, 'THANK_YOU', 'bench:' || n, 'gid://shopify/Customer/' || n, now() - interval '1 minute', now()
        FROM generate_series(1, ${MESSAGES}) AS n`;
    await db.$executeRaw`ANALYZE "FollowUp"`;

    const started = performance.now();
    for (let i = 0; i < WORKERS; i++) {
      workers.push(
        spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
          stdio: ["ignore", "ignore", "inherit"],
          env: {
            ...process.env,
            NODE_ENV: "development",
            DATABASE_URL: database.url,
            SMTP_URL: sink.url,
            SHOPIFY_API_KEY: "bench-follow-ups",
            SHOPIFY_API_SECRET: "bench-follow-ups-secret",
            SHOPIFY_APP_URL: "http://127.0.0.1:3999",
            FOLLOW_UPS_POLL_MS: "200",
            LOG_LEVEL: "warn",
          },
        }),
      );
    }
    const deadline = Date.now() + 15 * 60_000;
    let sent = 0;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (sink.count < MESSAGES) continue;
      sent = await db.followUp.count({ where: { status: "SENT" } });
      if (sent >= MESSAGES) break;
    }
    const seconds = (performance.now() - started) / 1000;
    const rss = workers.map((worker) => peakRssMb(worker.pid));
    const failed = await db.followUp.count({ where: { status: { not: "SENT" } } });
    return [
      { name: "follow-up emails per second (2 workers)", value: Math.round(sink.count / seconds), unit: "/s", note: `${sink.count} received in ${seconds.toFixed(1)} s; ${sent} rows SENT, ${failed} not` },
      { name: "follow-up duplicates", value: sink.duplicates, unit: "", target: "<= 0", note: `${sink.ids.size} distinct X-Follow-Up-Id` },
      { name: "follow-up worker peak RSS", value: Math.max(...rss), unit: "MB", note: `per worker: ${rss.join(", ")} MB` },
    ];
  } finally {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.exitCode !== null) return resolve();
            worker.once("exit", () => resolve());
            worker.kill("SIGTERM");
          }),
      ),
    );
    await sink.close();
    await db.$disconnect();
    await database.drop();
  }
}
