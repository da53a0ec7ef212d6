/**
 * History import throughput and memory: a 1,000,000-order JSONL file in Shopify's bulk format (each
 * order followed by its line items with __parentId) streamed into a fresh database on the PostgreSQL
 * server. Peak RSS is also measured on a 100,000-order file: flat memory means the two match.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";

import { survivesDroppedConnection } from "../app/database/connection-errors";
import { PrismaClient } from "../app/generated/prisma/client";
import { applyMigrations } from "../app/migrations.server";
import { importHistoryLines, jsonLines } from "../app/orders/history-import.server";
import type { BenchRow } from "./table";

export const title = "History import: 1,000,000 orders from a bulk-operation JSONL (PostgreSQL server)";

async function writeHistoryFile(file: string, orders: number): Promise<void> {
  const out = createWriteStream(file);
  const money = (amount: string) => ({ shopMoney: { amount, currencyCode: "USD" } });
  for (let n = 0; n < orders; n++) {
    const id = `gid://shopify/Order/${5_000_000_000 + n}`;
    const at = new Date(Date.UTC(2024, 0, 1) + n * 30_000).toISOString();
    const lines = [
      JSON.stringify({
        id, name: `#${1000 + n}`, email: `c${n % 200_000}@example.com`, createdAt: at, updatedAt: at, cancelledAt: null, cancelReason: null,
        test: false, displayFinancialStatus: n % 20 === 0 ? "PARTIALLY_REFUNDED" : "PAID", discountCodes: n % 7 === 0 ? ["WELCOME10"] : [],
        customer: { id: `gid://shopify/Customer/${7_000_000 + (n % 200_000)}` },
        subtotalPriceSet: money("45.00"), totalShippingPriceSet: money("5.00"), totalTaxSet: money("3.60"), totalDiscountsSet: money("0.00"),
        totalPriceSet: money("53.60"), currentSubtotalPriceSet: money(n % 20 === 0 ? "30.00" : "45.00"), currentShippingPriceSet: money("5.00"),
        currentTotalTaxSet: money(n % 20 === 0 ? "2.40" : "3.60"),
        refunds: n % 20 === 0 ? [{ id: `gid://shopify/Refund/${9_000_000_000 + n}`, createdAt: at, totalRefundedSet: money("16.20") }] : [],
      }),
      JSON.stringify({ id: `gid://shopify/LineItem/${6_000_000_000 + 2 * n}`, title: "Coffee", quantity: 1, product: { id: "gid://shopify/Product/1" }, variant: { id: "gid://shopify/ProductVariant/11" }, originalUnitPriceSet: money("15.00"), totalDiscountSet: money("0.00"), __parentId: id }),
      JSON.stringify({ id: `gid://shopify/LineItem/${6_000_000_000 + 2 * n + 1}`, title: "Filters", quantity: 2, product: { id: "gid://shopify/Product/2" }, variant: { id: "gid://shopify/ProductVariant/21" }, originalUnitPriceSet: money("15.00"), totalDiscountSet: money("0.00"), __parentId: id }),
    ];
    if (!out.write(`${lines.join("\n")}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

/** CPU milliseconds a local process has used (utime + stime, /proc/<pid>/stat), or null where it cannot be read. */
function processCpuMs(pid: number): number | null {
  if (!existsSync(`/proc/${pid}/stat`)) return null;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * The CPU the database's backends have used since `start`: its connections' server processes, read
 * from /proc, so only when the server runs on this machine. They are sampled while they live (the
 * pool keeps them for the whole import).
 */
function backendCpu(admin: pg.Client, database: string) {
  const used = new Map<number, { first: number; last: number }>();
  let local = true;
  const sample = async () => {
    const { rows } = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [database]);
    for (const { pid } of rows) {
      const ms = processCpuMs(pid);
      if (ms === null) local = false;
      else used.set(pid, { first: used.get(pid)?.first ?? ms, last: ms });
    }
  };
  return {
    sample,
    totalMs: () => (local && used.size > 0 ? [...used.values()].reduce((sum, { first, last }) => sum + last - first, 0) : null),
  };
}

async function importFile(serverUrl: string, file: string) {
  const name = `loyalty_bench_${randomBytes(4).toString("hex")}`;
  const admin = survivesDroppedConnection(new pg.Client({ connectionString: serverUrl }), "bench database");
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // As in the app (db.server.ts): one pool under Prisma and the import's writes, with its error listener
  // (the app's holds up to 10 connections; the import uses three: two batches written, one recorded).
  const pool = survivesDroppedConnection(new pg.Pool({ connectionString: url.toString(), max: 4 }), "bench");
  const db = new PrismaClient({ adapter: new PrismaPg(pool) });
  try {
    await applyMigrations(url.toString());
    const shop = await db.shop.create({ data: { domain: "bench.myshopify.com" } });
    await db.historyImport.create({ data: { shopId: shop.id, phase: "orders" } });
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    // The pool's connections are opened before the clock starts, so their CPU is counted from here.
    await Promise.all(Array.from({ length: 3 }, () => pool.connect())).then((clients) => clients.forEach((client) => client.release()));
    const backends = backendCpu(admin, name);
    await backends.sample();
    const backendSampler = setInterval(() => void backends.sample().catch(() => undefined), 500);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await importHistoryLines(db, shop.id, "orders", jsonLines(createReadStream(file)), { pool, now: new Date() }).finally(() => {
      clearInterval(sampler);
      clearInterval(backendSampler);
    });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    await backends.sample();
    const per100k = 100_000 / result.rows;
    const nodeCpuMs = ((cpu.user + cpu.system) / 1000) * per100k;
    const backendMs = backends.totalMs();
    const stored = await db.order.count();
    const lineItems = await db.orderLineItem.count();
    return {
      ordersPerSecond: result.rows / seconds,
      seconds,
      peakMb: peak / 2 ** 20,
      growthMb: (peak - baseline) / 2 ** 20,
      stored,
      lineItems,
      nodeCpuMs,
      backendCpuMs: backendMs === null ? null : backendMs * per100k,
    };
  } finally {
    // The pool goes before its database, so dropping it ends no connection still in use.
    await db.$disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

export async function run(): Promise<BenchRow[]> {
  const serverUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const dir = await mkdtemp(path.join(tmpdir(), "history-bench-"));
  try {
    // BENCH_HISTORY_ORDERS shrinks the large file for a quick look; the table's rows are for 1,000,000.
    const largeOrders = Number(process.env.BENCH_HISTORY_ORDERS ?? 1_000_000);
    const small = path.join(dir, "orders-small.jsonl");
    const large = path.join(dir, "orders-large.jsonl");
    await writeHistoryFile(small, Math.round(largeOrders / 10));
    await writeHistoryFile(large, largeOrders);
    const first = await importFile(serverUrl, small);
    const second = await importFile(serverUrl, large);
    return [
      { name: `history import, ${second.stored.toLocaleString("en")} orders`, value: Math.round(second.ordersPerSecond), unit: "orders/s", target: ">= 25000", note: `${second.seconds.toFixed(0)} s, ${second.stored} orders + ${second.lineItems} line items stored; batches of 5,000 read through the schemas' checks, two at once through the order store's statements on pg, reports and progress through Prisma in file order` },
      { name: `history import: the import process's CPU per 100,000 orders`, value: Math.round(second.nodeCpuMs), unit: "ms", note: `process.cpuUsage over the ${second.stored.toLocaleString("en")}-order import (all its threads)` },
      ...(second.backendCpuMs === null
        ? []
        : [{ name: `history import: the database backends' CPU per 100,000 orders`, value: Math.round(second.backendCpuMs), unit: "ms", note: "the import's connections' server processes, from /proc" }]),
      { name: `history import peak RSS, ${second.stored.toLocaleString("en")} orders`, value: Math.round(second.peakMb), unit: "MB", note: `+${second.growthMb.toFixed(0)} MB while importing` },
      { name: `history import peak RSS, ${first.stored.toLocaleString("en")} orders`, value: Math.round(first.peakMb), unit: "MB", note: `+${first.growthMb.toFixed(0)} MB while importing; ${Math.round(first.ordersPerSecond)} orders/s` },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
