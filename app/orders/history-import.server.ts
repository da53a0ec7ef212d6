/**
 * History import on install: the shop's past customers, then its past orders, each through a Bulk
 * Operation whose JSONL result is streamed (one chunk at a time, flat memory) into the database in
 * batches. Each batch commits together with the line it reached, so an interrupted import resumes
 * there.
 *
 * It runs as an in-process task: started by the after-install hook, and started again by the next
 * admin page load if the process that ran it stopped (its lease then lapses). History counts for the
 * second-purchase bonus and reports; it earns points only if the merchant turns that on. The last
 * phase, "settle", gives each customer what their orders earn once the whole history is known; it
 * runs again (idempotently: ledger keys) when the merchant turns history's points on later.
 */
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";

import type pg from "pg";

import { allowLongStatements, LONG_STATEMENTS_SQL } from "../database-timeouts.server";
import type { Prisma, PrismaClient } from "../generated/prisma/client";
import { logger } from "../logger.server";
import { adminQuery, type AdminGraphql } from "../shopify/admin-graphql.server";
import {
  BULK_OPERATION_RUN_QUERY,
  BULK_OPERATION_STATUS_QUERY,
  HISTORY_CUSTOMERS_BULK_QUERY,
  HISTORY_ORDERS_BULK_QUERY,
} from "../shopify/operations";
import { formatAmount, parseAmount, type Amount } from "./money";
import { addressKeyOf, reconciledLineDiscounts } from "./payloads";
import { recordOrdersForReports } from "../reports/aggregates.server";
import { newReferralCode, settleCustomersAfterImport } from "./sync.server";

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

/** Creates the shop's import (once) and runs it in the background. */
export async function startHistoryImport(db: PrismaClient, shopDomain: string, graphql: AdminGraphql, options: HistoryImportOptions = {}) {
  const shop = await db.shop.findUnique({ where: { domain: shopDomain }, select: { id: true } });
  if (!shop) return;
  await db.historyImport.createMany({ data: [{ shopId: shop.id }], skipDuplicates: true });
  void resumeHistoryImport(db, shopDomain, graphql, options);
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
      // One plain UPDATE (no transaction): the lease goes, so the next start or admin visit resumes it.
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
  log("info", "history import finished", { shop: shopDomain });
}

async function startBulkQuery(graphql: AdminGraphql, query: string): Promise<string> {
  const { bulkOperationRunQuery: result } = await adminQuery(graphql, BULK_OPERATION_RUN_QUERY, { variables: { query } });
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
    const { node } = await adminQuery(graphql, BULK_OPERATION_STATUS_QUERY, { variables: { id } });
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
  let rest = "";
  for await (const chunk of body) {
    rest += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let newline: number;
    let start = 0;
    while ((newline = rest.indexOf("\n", start)) !== -1) {
      const line = rest.slice(start, newline);
      start = newline + 1;
      if (line.trim()) yield line;
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest.trim()) yield rest;
}

interface ImportedOrder {
  line: Record<string, unknown>;
  lineItems: Record<string, unknown>[];
}

/**
 * Writes a phase's JSONL lines in batches, each batch committed with the progress it reached.
 * `skipLines` resumes after the lines an earlier run committed (always a batch boundary: an order and
 * the line items that follow it are never split).
 *
 * A batch's rows go straight through `pool` as multi-row statements (Prisma's raw queries cost more
 * than PostgreSQL does on arrays this size); then the report rows and the progress commit together
 * through Prisma. A crash between the two re-imports the batch: the upserts add nothing twice, and
 * the report rows are recomputed for every order of the batch, changed or not.
 */
export async function importHistoryLines(
  db: PrismaClient,
  shopId: string,
  phase: ImportPhase,
  lines: AsyncIterable<string>,
  options: { pool: pg.Pool; skipLines?: number; batchSize?: number; now: Date; leaseUntil?: () => Date },
): Promise<{ lines: number; rows: number }> {
  const batchSize = options.batchSize ?? 5000;
  let lineNumber = 0;
  let rows = 0;
  let batch: ImportedOrder[] = [];
  // One batch is written while the next is parsed: the database and JSON.parse work side by side,
  // and memory holds two batches at most, whatever the file's size.
  let writing: Promise<void> = Promise.resolve();
  const flush = async (linesDone: number) => {
    if (batch.length === 0) return;
    const written = batch;
    batch = [];
    await writing;
    writing = write(written, linesDone);
    // A failed write surfaces at the next flush or at the end; never as an unhandled rejection.
    writing.catch(() => undefined);
  };
  const write = async (written: ImportedOrder[], linesDone: number) => {
    const orderGids = await inTransaction(options.pool, (client) =>
      phase === "customers" ? writeCustomers(client, shopId, written.map((entry) => entry.line)).then(() => []) : writeOrders(client, shopId, written),
    );
    // The batch's report rows: background work, as long as its orders' own transaction may take.
    await db.$transaction(async (tx) => {
      await allowLongStatements(tx, IMPORT_BATCH_TIMEOUT_MS);
      if (orderGids.length > 0) await recordOrdersForReports(tx, shopId, orderGids);
      await tx.historyImport.updateMany({
        where: { shopId },
        data: {
          linesDone,
          ...(phase === "customers" ? { customersImported: { increment: written.length } } : { ordersImported: { increment: written.length } }),
          ...(options.leaseUntil ? { leaseUntil: options.leaseUntil() } : {}),
        },
      });
    }, { timeout: IMPORT_BATCH_TIMEOUT_MS, maxWait: 60_000 });
    rows += written.length;
  };

  for await (const text of lines) {
    lineNumber += 1;
    if (lineNumber <= (options.skipLines ?? 0)) continue;
    const line = JSON.parse(text) as Record<string, unknown>;
    if (typeof line.__parentId === "string") {
      const parent = batch.at(-1);
      // Shopify writes a node's children right after it; a child whose parent is not the last root is dropped.
      if (parent && parent.line.id === line.__parentId) parent.lineItems.push(line);
      continue;
    }
    if (batch.length >= batchSize) await flush(lineNumber - 1);
    batch.push({ line, lineItems: [] });
  }
  await flush(lineNumber);
  await writing;
  return { lines: lineNumber, rows };
}

// A batch of thousands of orders is written in statements longer than a request may run.
const IMPORT_BATCH_TIMEOUT_MS = 10 * 60_000;

async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(LONG_STATEMENTS_SQL, [String(IMPORT_BATCH_TIMEOUT_MS)]);
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const idOf = (value: unknown): string | null => (value && typeof value === "object" ? str((value as { id?: unknown }).id) : null);
const shopMoney = (value: unknown): Amount => {
  const amount = (value as { shopMoney?: { amount?: string } } | null)?.shopMoney?.amount;
  return amount === undefined ? 0 : parseAmount(amount);
};
const utc = (value: unknown): string | null => (typeof value === "string" ? new Date(value).toISOString() : null);

async function writeCustomers(client: pg.PoolClient, shopId: string, lines: Record<string, unknown>[]) {
  const columns = {
    id: [] as string[],
    gid: [] as string[],
    email: [] as (string | null)[],
    first: [] as (string | null)[],
    last: [] as (string | null)[],
    phone: [] as (string | null)[],
    address: [] as (string | null)[],
    account: [] as boolean[],
    created: [] as (string | null)[],
    updated: [] as (string | null)[],
    code: [] as string[],
  };
  for (const line of lines) {
    const gid = str(line.id);
    if (!gid) continue;
    const address = line.defaultAddress as { address1?: string; zip?: string; countryCodeV2?: string } | null;
    columns.id.push(randomUUID());
    columns.gid.push(gid);
    columns.email.push(str((line.defaultEmailAddress as { emailAddress?: string } | null)?.emailAddress)?.toLowerCase() ?? null);
    columns.first.push(str(line.firstName));
    columns.last.push(str(line.lastName));
    columns.phone.push(str(line.phone));
    columns.address.push(addressKeyOf(address && { address1: address.address1, zip: address.zip, country_code: address.countryCodeV2 }));
    columns.account.push(line.state === "ENABLED");
    columns.created.push(utc(line.createdAt));
    columns.updated.push(utc(line.updatedAt));
    columns.code.push(newReferralCode());
  }
  if (columns.id.length === 0) return;
  await client.query(
    `INSERT INTO "Customer" (id, "shopId", "shopifyId", email, "firstName", "lastName", phone, "addressKey", "hasAccount",
                             "shopifyCreatedAt", "shopifyUpdatedAt", "referralCode", "createdAt", "updatedAt")
     SELECT t.id, $1, t.gid, t.email, t.first, t.last, t.phone, t.address, t.account,
            t.created::timestamp, t.updated::timestamp, t.code, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[],
                   $10::text[], $11::text[], $12::text[])
            AS t(id, gid, email, first, last, phone, address, account, created, updated, code)
     ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET
       email = EXCLUDED.email, "firstName" = EXCLUDED."firstName", "lastName" = EXCLUDED."lastName", phone = EXCLUDED.phone,
       "addressKey" = EXCLUDED."addressKey", "hasAccount" = EXCLUDED."hasAccount",
       "shopifyCreatedAt" = EXCLUDED."shopifyCreatedAt", "shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt", "updatedAt" = EXCLUDED."updatedAt"
     WHERE "Customer"."redactedAt" IS NULL AND "Customer"."deletedAt" IS NULL
       AND ("Customer"."shopifyUpdatedAt" IS NULL OR "Customer"."shopifyUpdatedAt" <= EXCLUDED."shopifyUpdatedAt")`,
    [shopId, columns.id, columns.gid, columns.email, columns.first, columns.last, columns.phone, columns.address, columns.account,
     columns.created, columns.updated, columns.code],
  );
}

/**
 * Bulk queries cannot reach a refund's line items (a connection inside a list), only its total; the
 * order's refunded subtotal, shipping and tax (original minus current) are shared among its refunds
 * in proportion to their totals, the last taking the rounding.
 */
export function splitImportedRefunds(
  refunded: { subtotal: Amount; shipping: Amount; tax: Amount },
  refunds: { shopifyId: string; total: Amount; refundedAt: string }[],
) {
  const sum = refunds.reduce((total, refund) => total + refund.total, 0);
  const left = { ...refunded };
  return refunds.map((refund, index) => {
    const last = index === refunds.length - 1;
    const share = (part: Amount) => (sum > 0 ? Math.floor((part * refund.total) / sum) : 0);
    const parts = last ? { ...left } : { subtotal: share(refunded.subtotal), shipping: share(refunded.shipping), tax: share(refunded.tax) };
    left.subtotal -= parts.subtotal;
    left.shipping -= parts.shipping;
    left.tax -= parts.tax;
    return { ...refund, ...parts };
  });
}

/** Writes a batch's orders, line items and refunds; returns the GIDs of every order in it. */
async function writeOrders(client: pg.PoolClient, shopId: string, orders: ImportedOrder[]): Promise<string[]> {
  const o = {
    id: [] as string[], gid: [] as string[], name: [] as string[], customer: [] as (string | null)[], email: [] as (string | null)[],
    currency: [] as string[], status: [] as string[], subtotal: [] as string[], shipping: [] as string[], tax: [] as string[],
    discounts: [] as string[], total: [] as string[], codes: [] as string[], test: [] as boolean[], cancelledAt: [] as (string | null)[],
    cancelReason: [] as (string | null)[], placedAt: [] as string[], updatedAt: [] as string[],
  };
  const li = { order: [] as string[], id: [] as string[], gid: [] as string[], product: [] as (string | null)[], variant: [] as (string | null)[], title: [] as string[], quantity: [] as number[], price: [] as string[], discount: [] as string[] };
  const rf = { id: [] as string[], gid: [] as string[], order: [] as string[], subtotal: [] as string[], shipping: [] as string[], tax: [] as string[], total: [] as string[], at: [] as string[] };

  for (const { line, lineItems } of orders) {
    const gid = str(line.id);
    const placedAt = utc(line.createdAt);
    if (!gid || !placedAt) continue;
    const subtotal = shopMoney(line.subtotalPriceSet);
    const shipping = shopMoney(line.totalShippingPriceSet);
    const tax = shopMoney(line.totalTaxSet);
    o.id.push(randomUUID());
    o.gid.push(gid);
    o.name.push(str(line.name) ?? gid);
    o.customer.push(idOf(line.customer));
    o.email.push(str(line.email)?.toLowerCase() ?? null);
    o.currency.push((line.subtotalPriceSet as { shopMoney?: { currencyCode?: string } } | null)?.shopMoney?.currencyCode ?? "");
    o.status.push((str(line.displayFinancialStatus) ?? "pending").toLowerCase());
    o.subtotal.push(formatAmount(subtotal));
    o.shipping.push(formatAmount(shipping));
    o.tax.push(formatAmount(tax));
    o.discounts.push(formatAmount(shopMoney(line.totalDiscountsSet)));
    o.total.push(formatAmount(shopMoney(line.totalPriceSet)));
    // Unit separator: discount codes travel as one text per order (unnest flattens nested arrays).
    o.codes.push(Array.isArray(line.discountCodes) ? line.discountCodes.join("\u001f") : "");
    o.test.push(line.test === true);
    o.cancelledAt.push(utc(line.cancelledAt));
    o.cancelReason.push(str(line.cancelReason)?.toLowerCase() ?? null);
    o.placedAt.push(placedAt);
    o.updatedAt.push(utc(line.updatedAt) ?? placedAt);

    // A line's totalDiscountSet leaves out order-level discounts: reconciled with the order's subtotal.
    const amounts = lineItems.map((item) => ({
      quantity: typeof item.quantity === "number" ? item.quantity : 0,
      price: shopMoney(item.originalUnitPriceSet),
      discount: shopMoney(item.totalDiscountSet),
    }));
    const discounts = reconciledLineDiscounts(amounts, subtotal, o.currency[o.currency.length - 1]);
    for (const [index, item] of lineItems.entries()) {
      li.order.push(gid);
      li.id.push(randomUUID());
      li.gid.push(str(item.id) ?? "");
      li.product.push(idOf(item.product));
      li.variant.push(idOf(item.variant));
      li.title.push(str(item.title) ?? "");
      li.quantity.push(amounts[index].quantity);
      li.price.push(formatAmount(amounts[index].price));
      li.discount.push(formatAmount(discounts[index]));
    }

    const refunds = Array.isArray(line.refunds) ? (line.refunds as { id?: string; createdAt?: string; totalRefundedSet?: unknown }[]) : [];
    if (refunds.length > 0) {
      const refunded = {
        subtotal: Math.max(0, subtotal - shopMoney(line.currentSubtotalPriceSet)),
        shipping: Math.max(0, shipping - shopMoney(line.currentShippingPriceSet)),
        tax: Math.max(0, tax - shopMoney(line.currentTotalTaxSet)),
      };
      const split = splitImportedRefunds(
        refunded,
        refunds.filter((refund) => refund.id && refund.createdAt).map((refund) => ({ shopifyId: refund.id!, total: shopMoney(refund.totalRefundedSet), refundedAt: utc(refund.createdAt)! })),
      );
      for (const refund of split) {
        rf.id.push(randomUUID());
        rf.gid.push(refund.shopifyId);
        rf.order.push(gid);
        rf.subtotal.push(formatAmount(refund.subtotal));
        rf.shipping.push(formatAmount(refund.shipping));
        rf.tax.push(formatAmount(refund.tax));
        rf.total.push(formatAmount(refund.total));
        rf.at.push(refund.refundedAt);
      }
    }
  }
  if (o.id.length === 0) return [];

  // A version already stored from a webhook and at least as new wins; the import only fills in or catches up.
  const { rows: written } = await client.query<{ id: string; shopifyId: string }>(
    `INSERT INTO "Order" (id, "shopId", "shopifyId", name, "customerShopifyId", email, "currencyCode", "financialStatus", subtotal, shipping,
                          tax, "totalDiscounts", total, "discountCodes", test, "cancelledAt", "cancelReason", "placedAt", "shopifyUpdatedAt",
                          imported, "createdAt", "updatedAt")
     SELECT t.id, $1, t.gid, t.name, t.customer, t.email, t.currency, t.status, t.subtotal, t.shipping, t.tax, t.discounts, t.total,
            CASE WHEN t.codes = '' THEN '{}'::text[] ELSE string_to_array(t.codes, chr(31)) END, t.test,
            t.cancelled::timestamp, t.reason, t.placed::timestamp, t.updated::timestamp, true,
            now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::numeric[], $10::numeric[],
                   $11::numeric[], $12::numeric[], $13::numeric[], $14::text[], $15::boolean[], $16::text[], $17::text[], $18::text[], $19::text[])
            AS t(id, gid, name, customer, email, currency, status, subtotal, shipping, tax, discounts, total, codes, test, cancelled, reason, placed, updated)
     ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET
       name = EXCLUDED.name, "customerShopifyId" = EXCLUDED."customerShopifyId", email = EXCLUDED.email,
       "currencyCode" = EXCLUDED."currencyCode", "financialStatus" = EXCLUDED."financialStatus", subtotal = EXCLUDED.subtotal,
       shipping = EXCLUDED.shipping, tax = EXCLUDED.tax, "totalDiscounts" = EXCLUDED."totalDiscounts", total = EXCLUDED.total,
       "discountCodes" = EXCLUDED."discountCodes", test = EXCLUDED.test, "cancelledAt" = EXCLUDED."cancelledAt",
       "cancelReason" = EXCLUDED."cancelReason", "placedAt" = EXCLUDED."placedAt", "shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt",
       "updatedAt" = EXCLUDED."updatedAt"
     WHERE "Order"."shopifyUpdatedAt" < EXCLUDED."shopifyUpdatedAt"
     RETURNING id, "shopifyId"`,
    [shopId, o.id, o.gid, o.name, o.customer, o.email, o.currency, o.status, o.subtotal, o.shipping, o.tax, o.discounts, o.total, o.codes,
     o.test, o.cancelledAt, o.cancelReason, o.placedAt, o.updatedAt],
  );
  if (written.length > 0) {
    const writtenIds = written.map((row) => row.id);
    const writtenGids = written.map((row) => row.shopifyId);
    const inserted = new Set(o.id);
    if (written.some((row) => !inserted.has(row.id))) {
      // Some rows updated an order already stored: its earlier line items make way for these.
      await client.query(`DELETE FROM "OrderLineItem" WHERE "orderId" = ANY($1::text[])`, [writtenIds]);
    }
    if (li.id.length > 0) {
      await client.query(
        `INSERT INTO "OrderLineItem" (id, "orderId", "shopifyId", "productShopifyId", "variantShopifyId", title, quantity, price, discount)
         SELECT l.id, w.id, l.gid, l.product, l.variant, l.title, l.quantity, l.price, l.discount
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::numeric[], $9::numeric[])
                AS l(order_gid, id, gid, product, variant, title, quantity, price, discount)
           JOIN unnest($10::text[], $11::text[]) AS w(id, gid) ON w.gid = l.order_gid`,
        [li.order, li.id, li.gid, li.product, li.variant, li.title, li.quantity, li.price, li.discount, writtenIds, writtenGids],
      );
    }
  }
  if (rf.id.length > 0) {
    await client.query(
      `INSERT INTO "OrderRefund" (id, "shopId", "shopifyId", "orderShopifyId", subtotal, shipping, tax, total, "refundedAt", "createdAt")
       SELECT r.id, $1, r.gid, r.order_gid, r.subtotal, r.shipping, r.tax, r.total, r.at::timestamp, now() AT TIME ZONE 'UTC'
         FROM unnest($2::text[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[], $9::text[])
              AS r(id, gid, order_gid, subtotal, shipping, tax, total, at)
       ON CONFLICT ("shopId", "shopifyId") DO NOTHING`,
      [shopId, rf.id, rf.gid, rf.order, rf.subtotal, rf.shipping, rf.tax, rf.total, rf.at],
    );
  }
  return o.gid;
}
