/**
 * History import on install: the shop's past customers, then its past orders, each through a Bulk
 * Operation whose JSONL result is streamed (one chunk at a time, flat memory) into the database in
 * batches. Each batch commits together with the line it reached, so an interrupted import resumes
 * there.
 *
 * It runs as the "history-import" background job (app/jobs/catalog.server.ts): the after-install
 * hook creates it and wakes the job; if the process that ran it stops, its lease lapses and the job
 * (in any process) resumes it. History counts for the
 * second-purchase bonus and reports; it earns points only if the merchant turns that on. The last
 * phase, "settle", gives each customer what their orders earn once the whole history is known; it
 * runs again (idempotently: ledger keys) when the merchant turns history's points on later.
 */
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";

import type pg from "pg";
import { z } from "zod";

import { allowLongStatements, LONG_STATEMENTS_SQL } from "../database-timeouts.server";
import type { Prisma, PrismaClient } from "../generated/prisma/client";
import { logger } from "../logger.server";
import { adminQuery, BACKGROUND, type AdminGraphql } from "../shopify/admin-graphql.server";
import {
  BULK_OPERATION_RUN_QUERY,
  BULK_OPERATION_STATUS_QUERY,
  HISTORY_CUSTOMERS_BULK_QUERY,
  HISTORY_ORDERS_BULK_QUERY,
} from "../shopify/operations";
import {
  BulkCustomerLine,
  bulkCustomerConsent,
  bulkCustomerSnapshot,
  bulkOrderSnapshot,
  readBulkLineItemLine,
  readBulkOrderLine,
  type ConsentSnapshot,
  type CustomerSnapshot,
  type OrderSnapshot,
} from "./payloads";
import { recordOrdersForReports } from "../reports/aggregates.server";
import { settleCustomersAfterImport } from "../loyalty/settlement.server";
import { customerUpsert, refundInsert, writeOrders, type RunStatement, type StoreStatement } from "./store.server";
import { wakeJob } from "../jobs/wake.server";
import { marketingConsentUpsert } from "../follow-ups/consent.server";

/** The phases that stream a Bulk Operation's result; "settle" and "done" follow them. */
export type ImportPhase = "customers" | "orders";

export interface HistoryImportOptions {
  /** First wait between bulk-operation status checks; it grows to 5 s. */
  pollIntervalMs?: number;
  /** Orders (or customers) per committed batch. */
  batchSize?: number;
  now?: () => Date;
  /** The pool under `db` (db.server.ts's), through which the batches' rows are written. */
  pool?: pg.Pool;
}

const LEASE_MS = 60_000;
const running = new Map<string, Promise<void>>();

const log = (level: "info" | "warn" | "error", message: string, fields: Record<string, unknown>) => logger[level](message, fields);

/** Creates the shop's import (once) and wakes the background job that runs it. */
export async function startHistoryImport(db: PrismaClient, shopDomain: string) {
  const shop = await db.shop.findUnique({ where: { domain: shopDomain }, select: { id: true } });
  if (!shop) return;
  await db.historyImport.createMany({ data: [{ shopId: shop.id }], skipDuplicates: true });
  wakeJob("history-import", shop.id);
}

/** After a failed run, how long an import waits before the job tries it again. */
const RETRY_AFTER_ERROR_MS = 5 * 60_000;

/**
 * The installed shops whose import is unfinished and not leased by a live run. One that failed waits a
 * few minutes, unless its shop is in `retryNow` (the merchant opened the app).
 */
export async function historyImportsToResume(db: PrismaClient, now: Date, retryNow: string[] = []): Promise<{ id: string; domain: string }[]> {
  const retryBefore = new Date(now.getTime() - RETRY_AFTER_ERROR_MS);
  return db.$queryRaw<{ id: string; domain: string }[]>`
    SELECT s.id, s.domain FROM "HistoryImport" h JOIN "Shop" s ON s.id = h."shopId"
     WHERE h.status = 'running' AND s."uninstalledAt" IS NULL
       AND (h."leaseUntil" IS NULL OR h."leaseUntil" < ${now})
       AND (h.error IS NULL OR h."updatedAt" < ${retryBefore} OR s.id = ANY(${retryNow}))
     ORDER BY h."startedAt"`;
}

/** Runs the shop's unfinished import unless this process or a live lease elsewhere already does. */
export function resumeHistoryImport(db: PrismaClient, shopDomain: string, graphql: AdminGraphql, options: HistoryImportOptions = {}): Promise<void> {
  const current = running.get(shopDomain);
  if (current || stopping) return current ?? Promise.resolve();
  const task = runHistoryImport(db, shopDomain, graphql, options)
    .catch(async (error: unknown) => {
      const paused = error instanceof ImportPaused;
      if (paused) log("info", "history import paused: the process is stopping; it resumes from its last batch", { shop: shopDomain });
      else log("error", "history import stopped", { shop: shopDomain, error: String(error) });
      // One plain UPDATE (no transaction): the lease goes, so the history-import job resumes it.
      const recorded = paused ? null : String(error).slice(0, 500);
      await db.$executeRaw`
        UPDATE "HistoryImport" h SET error = ${recorded}, "leaseUntil" = NULL, "updatedAt" = now()
          FROM "Shop" s WHERE s.id = h."shopId" AND s.domain = ${shopDomain}`.catch(() => undefined);
    })
    .finally(() => running.delete(shopDomain));
  running.set(shopDomain, task);
  return task;
}

/** Thrown inside an import when its process is stopping. */
class ImportPaused extends Error {}
let stopping = false;

/**
 * Stops this process's imports at their next step (a batch, a status check) and waits for them,
 * before the database goes: each keeps what it committed and resumes from there on the next start.
 */
export async function pauseHistoryImports(): Promise<void> {
  stopping = true;
  await Promise.allSettled([...running.values()]);
}

function stopIfStopping(): void {
  if (stopping) throw new ImportPaused("the process is stopping");
}

export async function historyImportProgress(db: PrismaClient, shopId: string) {
  return db.historyImport.findUnique({ where: { shopId } });
}

async function runHistoryImport(db: PrismaClient, shopDomain: string, graphql: AdminGraphql, options: HistoryImportOptions): Promise<void> {
  const now = options.now ?? (() => new Date());
  const shop = await db.shop.findUnique({ where: { domain: shopDomain }, select: { id: true, uninstalledAt: true } });
  if (!shop || shop.uninstalledAt) return;
  const claimed = await db.historyImport.updateMany({
    where: { shopId: shop.id, status: "running", OR: [{ leaseUntil: null }, { leaseUntil: { lt: now() } }] },
    data: { leaseUntil: new Date(now().getTime() + LEASE_MS), error: null },
  });
  if (claimed.count === 0) return;
  // One UPDATE each (updateMany: no transaction around it); the row is gone when shop/redact erased the shop meanwhile.
  const record = async (data: Prisma.HistoryImportUpdateManyMutationInput) => {
    const { count } = await db.historyImport.updateMany({ where: { shopId: shop.id }, data });
    if (count === 0) throw new Error("the shop's history import is gone (the shop was erased)");
  };
  const renewLease = () => {
    stopIfStopping();
    return record({ leaseUntil: new Date(now().getTime() + LEASE_MS) });
  };

  for (;;) {
    stopIfStopping();
    const state = await db.historyImport.findUniqueOrThrow({ where: { shopId: shop.id } });
    if (state.phase === "done") break;
    if (state.phase === "settle") {
      let settled = 0;
      const settledWith = await settleCustomersAfterImport(db, shopDomain, now(), () => (++settled % 500 === 0 ? renewLease().then(() => undefined) : undefined));
      // The merchant turned history's points on while this ran: settle again with them.
      const settings = await db.programSettings.findUnique({ where: { shopId: shop.id }, select: { historyEarnsPoints: true } });
      if (settledWith && settings && settings.historyEarnsPoints !== settledWith.historyEarnedPoints) continue;
      await record({ phase: "done" });
      continue;
    }
    const phase = state.phase as ImportPhase;
    let operationId = state.bulkOperationId;
    if (!operationId) {
      operationId = await startBulkQuery(graphql, phase === "customers" ? HISTORY_CUSTOMERS_BULK_QUERY : HISTORY_ORDERS_BULK_QUERY);
      await record({ bulkOperationId: operationId, linesDone: 0, linesTotal: 0 });
    }
    const operation = await waitForBulkOperation(graphql, operationId, options.pollIntervalMs ?? 200, renewLease);
    if (operation.status === "EXPIRED" || operation.status === "CANCELED") {
      // Its result is gone (Shopify keeps it a week): ask again; rows already imported are upserted, not doubled.
      await record({ bulkOperationId: null, linesDone: 0 });
      continue;
    }
    if (operation.status !== "COMPLETED") throw new Error(`Bulk operation ${operationId} ${operation.status}: ${operation.errorCode ?? "no error code"}`);
    await record({ linesTotal: Number(operation.objectCount) });
    if (operation.url) {
      const response = await fetch(operation.url);
      if (response.status === 403 || response.status === 404 || response.status === 410) {
        await record({ bulkOperationId: null, linesDone: 0 });
        continue;
      }
      if (!response.ok || !response.body) throw new Error(`Bulk result ${operation.url} answered ${response.status}`);
      await importHistoryLines(db, shop.id, phase, jsonLines(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>)), {
        pool: options.pool ?? (await import("../db.server")).pool,
        skipLines: state.linesDone,
        batchSize: options.batchSize,
        now: now(),
        leaseUntil: () => {
          stopIfStopping();
          return new Date(now().getTime() + LEASE_MS);
        },
      });
    }
    await record({ phase: phase === "customers" ? "orders" : "settle", bulkOperationId: null, linesDone: 0, linesTotal: 0 });
  }
  await record({ status: "done", finishedAt: now(), leaseUntil: null });
  // The imported orders place the shop's customers in their segments now, not at the next hourly run.
  wakeJob("customer-segments", shop.id);
  log("info", "history import finished", { shop: shopDomain });
}

async function startBulkQuery(graphql: AdminGraphql, query: string): Promise<string> {
  const { bulkOperationRunQuery: result } = await adminQuery(graphql, BULK_OPERATION_RUN_QUERY, { variables: { query }, ...BACKGROUND });
  if (!result?.bulkOperation) throw new Error(`bulkOperationRunQuery refused: ${(result?.userErrors ?? []).map((error) => error.message).join("; ")}`);
  return result.bulkOperation.id;
}

const finishWaiters = new Map<string, Set<() => void>>();

/**
 * bulk_operations/finish arrived for this operation: an import waiting on it in this process asks for
 * its status at once instead of at its next poll (polling stays, for a webhook that is late or lost).
 */
export function bulkOperationFinished(operationId: string): void {
  for (const wake of finishWaiters.get(operationId) ?? []) wake();
}

function pause(operationId: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const waiters = finishWaiters.get(operationId) ?? new Set<() => void>();
    finishWaiters.set(operationId, waiters);
    const wake = () => {
      clearTimeout(timer);
      waiters.delete(wake);
      if (waiters.size === 0) finishWaiters.delete(operationId);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    waiters.add(wake);
  });
}

async function waitForBulkOperation(graphql: AdminGraphql, id: string, firstWaitMs: number, renewLease: () => Promise<unknown>) {
  let wait = firstWaitMs;
  for (;;) {
    const { node } = await adminQuery(graphql, BULK_OPERATION_STATUS_QUERY, { variables: { id }, ...BACKGROUND });
    if (!node) throw new Error(`Bulk operation ${id} is gone`);
    if (node.status !== "CREATED" && node.status !== "RUNNING" && node.status !== "CANCELING") return node;
    await renewLease();
    await pause(id, wait);
    wait = Math.min(5000, Math.ceil(wait * 1.5));
  }
}

/** The lines of a streamed body, pulled one chunk at a time so memory stays flat whatever the file's size. */
export async function* jsonLines(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  // The start of a line the previous chunks began; only it is joined with the next chunk, so a chunk's
  // text is never copied whole into a joined string.
  let rest = "";
  for await (const chunk of body) {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let newline = text.indexOf("\n");
    if (newline === -1) {
      rest += text;
      continue;
    }
    const first = rest + text.slice(0, newline);
    if (first.trim()) yield first;
    let start = newline + 1;
    while ((newline = text.indexOf("\n", start)) !== -1) {
      const line = text.slice(start, newline);
      start = newline + 1;
      if (line.trim()) yield line;
    }
    rest = text.slice(start);
  }
  rest += decoder.decode();
  if (rest.trim()) yield rest;
}

/** A root line (a customer or an order) and, for an order, the line items that followed it. */
interface ImportedLine {
  lineNumber: number;
  line: Record<string, unknown>;
  lineItems: Record<string, unknown>[];
}

/**
 * Writes a phase's JSONL lines in batches, each batch committed with the progress it reached.
 * `skipLines` resumes after the lines an earlier run committed (always a batch boundary: an order and
 * the line items that follow it are never split).
 *
 * Each line is read with the same zod schemas and into the same snapshots as the webhooks
 * (payloads.ts), and written by the same store (store.server.ts), a batch at a time: one statement
 * for the orders, one for their line items, one for their refunds. Then the report rows and the progress
 * commit together. A crash between the two re-imports the batch: the store adds nothing twice, and
 * the report rows are recomputed for every order of the batch, changed or not. A line the schemas
 * refuse (an order with one of its line items) is left out with a warning naming its line and fields.
 */
export async function importHistoryLines(
  db: PrismaClient,
  shopId: string,
  phase: ImportPhase,
  lines: AsyncIterable<string>,
  options: { pool: pg.Pool; skipLines?: number; batchSize?: number; now: Date; leaseUntil?: () => Date },
): Promise<{ lines: number; rows: number; skipped: number }> {
  const batchSize = options.batchSize ?? 5000;
  let lineNumber = 0;
  let rows = 0;
  let skipped = 0;
  // The root line being read (its line items follow it), then the batch's snapshots: each root is
  // read through the schemas as soon as its line items are complete, so the raw JSON never outlives
  // its order (it dies young, and the garbage collector never copies it into the old generation).
  let current: ImportedLine | null = null;
  let batch: { customers: CustomerSnapshot[]; consents: ConsentSnapshot[]; orders: OrderSnapshot[]; roots: number } = { customers: [], consents: [], orders: [], roots: 0 };
  const readCurrent = () => {
    if (!current) return;
    const entry = current;
    current = null;
    batch.roots += 1;
    if (phase === "customers") {
      const line = parsedLine(shopId, entry, customerLineOf);
      if (line) {
        batch.customers.push(bulkCustomerSnapshot(line));
        const consent = bulkCustomerConsent(line);
        if (consent) batch.consents.push(consent);
      } else skipped += 1;
    } else {
      const order = parsedLine(shopId, entry, orderOf);
      if (order) batch.orders.push(order);
      else skipped += 1;
    }
  };
  // Batches are parsed while earlier ones are written, WRITERS of them at once on their own
  // connections (the database, not the parsing, is what takes the time). Their progress is recorded
  // in the order of the file, each only once its own rows and every earlier batch's are committed,
  // so a resumed import never skips a batch. Memory holds WRITERS + 1 batches, whatever the file's size.
  const writes = new Set<Promise<void>>();
  let recorded: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | null = null;
  const flush = async (linesDone: number) => {
    if (batch.roots === 0) return;
    const snapshots = phase === "customers" ? { customers: batch.customers, consents: batch.consents } : { orders: batch.orders };
    batch = { customers: [], consents: [], orders: [], roots: 0 };
    while (writes.size >= WRITERS && !failure) await Promise.race(writes).catch(() => undefined);
    if (failure) throw failure.error;
    const stored = storeBatch(snapshots);
    writes.add(stored);
    // A failure stops the reading at the next batch; never an unhandled rejection.
    stored.then(() => writes.delete(stored), (error: unknown) => {
      failure ??= { error };
      writes.delete(stored);
    });
    recorded = Promise.all([stored, recorded]).then(() => recordBatch(snapshots, linesDone));
    recorded.catch((error: unknown) => (failure ??= { error }));
  };
  const storeBatch = (snapshots: { customers?: CustomerSnapshot[]; consents?: ConsentSnapshot[]; orders?: OrderSnapshot[] }) =>
    inTransaction(options.pool, shopId, async (client) => {
      // The store's own statements, on this connection.
      const run: RunStatement = async <T>(statement: StoreStatement) => (await client.query(statement.text, statement.values)).rows as T[];
      if (snapshots.customers) {
        const customers = customerUpsert(shopId, snapshots.customers);
        if (customers) await run(customers);
        // Each customer's email marketing consent as Shopify stated it: a campaign's count reads it.
        const consents = marketingConsentUpsert(shopId, snapshots.consents ?? [], new Date(), "if-newer");
        if (consents) await run(consents);
      }
      if (snapshots.orders) {
        await writeOrders(run, shopId, snapshots.orders, { imported: true });
        const refunds = refundInsert(shopId, snapshots.orders.flatMap((order) => order.refunds));
        if (refunds) await run(refunds);
      }
    });
  // The batch's report rows and progress: background work, as long as its rows' own transaction may take.
  const recordBatch = async (snapshots: { customers?: CustomerSnapshot[]; orders?: OrderSnapshot[] }, linesDone: number) => {
    const count = (snapshots.customers ?? snapshots.orders ?? []).length;
    await db.$transaction(async (tx) => {
      await allowLongStatements(tx, IMPORT_BATCH_TIMEOUT_MS);
      if (snapshots.orders?.length) await recordOrdersForReports(tx, shopId, snapshots.orders.map((order) => order.shopifyId));
      await tx.historyImport.updateMany({
        where: { shopId },
        data: {
          linesDone,
          ...(phase === "customers" ? { customersImported: { increment: count } } : { ordersImported: { increment: count } }),
          ...(options.leaseUntil ? { leaseUntil: options.leaseUntil() } : {}),
        },
      });
    }, IMPORT_TRANSACTION);
    rows += count;
  };

  try {
    for await (const text of lines) {
      lineNumber += 1;
      if (lineNumber <= (options.skipLines ?? 0)) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        skipped += 1;
        log("warn", "history import left out a line that is not JSON", { shop: shopId, line: lineNumber });
        continue;
      }
      if (typeof line.__parentId === "string") {
        // Shopify writes a node's children right after it; a child whose parent is not the last root is dropped.
        if (current && current.line.id === line.__parentId) current.lineItems.push(line);
        continue;
      }
      readCurrent();
      if (batch.roots >= batchSize) await flush(lineNumber - 1);
      current = { lineNumber, line, lineItems: [] };
    }
    readCurrent();
    await flush(lineNumber);
    await recorded;
  } finally {
    // Nothing is left running on the pool when this returns or throws.
    await Promise.allSettled([...writes, recorded]);
  }
  if (skipped > 0) log("warn", "history import left out lines it cannot read", { shop: shopId, phase, skipped });
  return { lines: lineNumber, rows, skipped };
}

// A batch of thousands of orders is written in statements longer than a request may run.
const IMPORT_BATCH_TIMEOUT_MS = 10 * 60_000;
const IMPORT_TRANSACTION = { timeout: IMPORT_BATCH_TIMEOUT_MS, maxWait: 60_000 };
/** Batches written at once: two keep the database busy while the next batch is parsed. */
const WRITERS = 2;

/**
 * The store's statements run on one of the pool's connections, in a transaction of their own, with the
 * foreign keys checked once per batch instead of once per row where the database lets this role.
 */
async function inTransaction(pool: pg.Pool, shopId: string, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    // The batch's commit does not wait for its flush: the batch's progress commits after it, and waits
    // for the flush of every record before its own, the batch's included. A crash before that loses the
    // batch with its progress, and the resumed import writes it again. (Webhooks keep synchronous commits.)
    // Sent together with BEGIN (and, once the pool is known to be allowed it, the setting below): one round trip.
    await client.query(skipsRowChecks.has(pool) ? `${BATCH_BEGIN}; ${SKIP_ROW_CHECKS}` : BATCH_BEGIN);
    await client.query(LONG_STATEMENTS_SQL, [String(IMPORT_BATCH_TIMEOUT_MS)]);
    await checkForeignKeysOnce(pool, client, shopId);
    await work(client);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    // The next batch tries the setting again (the role's rights may have changed).
    skipsRowChecks.delete(pool);
    throw error;
  } finally {
    client.release();
  }
}

const BATCH_BEGIN = "BEGIN; SET LOCAL synchronous_commit = off";
const SKIP_ROW_CHECKS = "SET LOCAL session_replication_role = replica";
/** Pools whose role may not set session_replication_role: they keep the row-by-row checks. */
const checksEveryRow = new WeakSet<pg.Pool>();
/** Pools whose role may: their batches set it with BEGIN, without the savepoint that tries it. */
const skipsRowChecks = new WeakSet<pg.Pool>();

/**
 * A batch's rows reference only the shop and the batch's own orders, so their foreign keys hold by
 * construction once the shop's row is held: the shop is locked here as each row's check would lock it
 * (FOR KEY SHARE, so an erasure waits for the batch and its cascade takes the batch's rows), and each
 * line's order is the row this transaction's upsert just wrote and still locks. The per-row checks
 * (about a third of a batch's time in the database, docs/decisions/order-store.md) are then skipped
 * for this transaction only (`session_replication_role = replica`, which also skips triggers: these
 * tables have none). Only a role allowed that setting (a superuser, or one granted SET on it) skips
 * them; any other keeps the checks. The first batch on a pool tries the setting in a savepoint; the
 * later ones know the answer. Throws when the shop is gone.
 */
async function checkForeignKeysOnce(pool: pg.Pool, client: pg.PoolClient, shopId: string): Promise<void> {
  if (checksEveryRow.has(pool)) return;
  const shop = await client.query(`SELECT 1 FROM "Shop" WHERE id = $1 FOR KEY SHARE`, [shopId]);
  if (shop.rowCount === 0) throw new Error("the shop is gone (erased): its history import stops");
  if (skipsRowChecks.has(pool)) return;
  await client.query("SAVEPOINT foreign_keys");
  try {
    await client.query(SKIP_ROW_CHECKS);
    await client.query("RELEASE SAVEPOINT foreign_keys");
    skipsRowChecks.add(pool);
  } catch {
    await client.query("ROLLBACK TO SAVEPOINT foreign_keys");
    checksEveryRow.add(pool);
  }
}

const customerLineOf = (entry: ImportedLine) => BulkCustomerLine.parse(entry.line);
const orderOf = (entry: ImportedLine): OrderSnapshot =>
  bulkOrderSnapshot(readBulkOrderLine(entry.line), entry.lineItems.map((item) => readBulkLineItemLine(item)));

/** A root line's snapshot, or null when the schemas refuse it: left out with a warning (its fields, never its values). */
function parsedLine<T>(shopId: string, entry: ImportedLine, snapshotOf: (entry: ImportedLine) => T): T | null {
  try {
    return snapshotOf(entry);
  } catch (error) {
    const problems = error instanceof z.ZodError ? error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) : [String(error)];
    log("warn", "history import left out a line the app cannot read", { shop: shopId, line: entry.lineNumber, problems });
    return null;
  }
}
