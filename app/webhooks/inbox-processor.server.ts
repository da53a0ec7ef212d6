/**
 * The inbox processor: takes accepted deliveries oldest first, in batches (`FOR UPDATE SKIP LOCKED`, so
 * any number of processes share the inbox without taking the same row), runs each topic's handler, and
 * marks the rows processed in the batch's own transaction: a delivery's effects and its "done" commit
 * together, exactly once. A delivery that fails leaves nothing half-written and does not hold back the
 * others of its batch; its row keeps the error and the attempt count and is tried again after a
 * growing pause, until `maxAttempts` failures make it dead: no longer retried, kept with its error for
 * the Sync issues page, its body (personal data) cleared `deadBodyDays` later by the lanes' upkeep.
 *
 * Per-order and per-customer ordering: a batch locks every subject its deliveries name before
 * applying them (a subject another batch holds waits for the next batch), and the handlers ignore
 * versions older than the stored one (orders/sync.server.ts), so lanes and processes may run side by
 * side. The customers' points and the report rows of the orders a batch stored are recomputed once,
 * at its end (docs/decisions/apply-path.md).
 */
import { subjectLockKey } from "../database/lock-keys";
import type { Db, Tx } from "../database/transaction";
import type { PrismaClient } from "../generated/prisma/client";
import { ShopPrograms, type ShopProgram } from "../loyalty/program.server";
import { OrderSyncBatch } from "../orders/sync.server";
import { logger } from "../logger.server";
import { wakeJob } from "../jobs/wake.server";
import { onDeliveryAccepted } from "./inbox.server";
import { WEBHOOK_TOPICS, type DeliveryBatch, type InboxDelivery, type TopicHandler } from "./topics.server";

export interface WebhookInboxProcessor {
  /** Finishes the deliveries in hand, then stops. */
  stop(): Promise<void>;
}

export interface WebhookInboxOptions {
  db: PrismaClient;
  /** Batches processed side by side (each lane holds one connection while it works). */
  lanes?: number;
  /** Deliveries applied per transaction (env WEBHOOK_BATCH_SIZE). */
  batchSize?: number;
  /** How long an idle lane sleeps before looking again when nothing wakes it (another process's deliveries). */
  pollMs?: number;
  now?: () => Date;
  /** Failed attempts after which a delivery is dead (env WEBHOOK_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** Days a dead delivery keeps its body (env WEBHOOK_DEAD_BODY_DAYS). */
  deadBodyDays?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 10;
export const DEFAULT_DEAD_BODY_DAYS = 7;
export const DEFAULT_BATCH_SIZE = 100;
// How long a lane waits when every due delivery's subject was busy in another batch (it commits within milliseconds).
const BUSY_PAUSE_MS = 10;
// How often the lanes clear the bodies of deliveries dead for longer than deadBodyDays.
const PURGE_EVERY_MS = 5_000;

interface InboxRow {
  id: string;
  topic: string;
  shopDomain: string;
  eventId: string;
  webhookId: string;
  triggeredAt: Date | null;
  body: string | null;
  snapshot: string | null;
  attempts: number;
}

/** The pause before the next attempt after `attempts` failures: 1 s, 2 s, 4 s… at most an hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 2 ** Math.max(0, attempts - 1));
}

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 1000);

/** A delivery whose payload could be read, ready for its handler. */
interface ReadDelivery {
  row: InboxRow;
  handler: TopicHandler<unknown>;
  value: unknown;
  delivery: InboxDelivery;
}

/**
 * A stored delivery's value: what acceptance kept of it (the topic's `keep`), else its body read again
 * (its handler's zod check); throws what a failed attempt records.
 */
function readDelivery(row: InboxRow): ReadDelivery {
  const handler = WEBHOOK_TOPICS[row.topic];
  if (!handler) throw new Error(`no handler for topic ${row.topic}`);
  return {
    row,
    handler,
    value: keptValue(handler, row) ?? readBody(handler, row),
    delivery: { topic: row.topic, shop: row.shopDomain, eventId: row.eventId, webhookId: row.webhookId, triggeredAt: row.triggeredAt },
  };
}

/** What acceptance kept, or null: none kept, kept by another version, or not readable (the body decides then). */
function keptValue(handler: TopicHandler<unknown>, row: InboxRow): unknown {
  if (row.snapshot === null || !handler.revive) return null;
  try {
    return handler.revive(row.snapshot);
  } catch {
    return null;
  }
}

function readBody(handler: TopicHandler<unknown>, row: InboxRow): unknown {
  const rawBody = row.body ?? "";
  const reading = handler.read(JSON.parse(rawBody), rawBody, row.shopDomain);
  if (!reading.ok) throw new Error(`unexpected payload: ${reading.issues.map((issue) => issue.message).join("; ")}`);
  return reading.value;
}

/** What one batch did: rows it took, applied, left for later (a subject busy in another transaction), failed. */
export interface BatchOutcome {
  taken: number;
  applied: number;
  busy: number;
  failed: number;
}

const NOTHING: BatchOutcome = { taken: 0, applied: 0, busy: 0, failed: 0 };

/** A batch's transaction rolled back: the rows it had taken, and why. */
class BatchFailed extends Error {
  constructor(
    readonly rows: InboxRow[],
    readonly reason: unknown,
  ) {
    super(describe(reason));
  }
}

/**
 * Takes up to `limit` due deliveries, oldest first (`FOR UPDATE SKIP LOCKED`: another process's batch
 * never takes the same row), and applies them in one transaction that also marks them processed, so
 * each delivery's effects and its mark commit together, exactly once.
 *
 * Every customer and order the batch's deliveries name is locked up front with
 * `pg_try_advisory_xact_lock` in one statement: a delivery whose subject another transaction holds
 * (another worker's batch) is left for the next batch rather than waited for, so two batches never
 * wait on each other in opposite orders; a later delivery about a subject left behind waits too, so
 * one subject's deliveries still apply in the order they arrived.
 *
 * A delivery whose payload cannot be read again gets its failed attempt in the same transaction. A
 * handler that throws rolls the whole batch back; its rows are then applied one per transaction, so
 * only the failing one records the error and its attempt (no per-delivery savepoint: that would cost
 * two round trips for every delivery of every batch to save a replay only when one fails).
 */
export async function processDueDeliveries(
  db: PrismaClient,
  now: () => Date = () => new Date(),
  maxAttempts = DEFAULT_MAX_ATTEMPTS,
  limit = DEFAULT_BATCH_SIZE,
): Promise<BatchOutcome> {
  try {
    return await applyBatch(db, now, maxAttempts, limit, null);
  } catch (error) {
    if (!(error instanceof BatchFailed)) throw error;
    // Replay alone each row the batch had taken (one another lane took meanwhile is skipped).
    const outcome = { ...NOTHING };
    for (const { id } of error.rows) {
      const one = await applyOne(db, now, maxAttempts, id);
      outcome.taken += one.taken;
      outcome.applied += one.applied;
      outcome.busy += one.busy;
      outcome.failed += one.failed;
    }
    return outcome;
  }
}

/** One delivery in its own transaction; a handler's failure is recorded on its row. */
async function applyOne(db: PrismaClient, now: () => Date, maxAttempts: number, id: string | null): Promise<BatchOutcome> {
  try {
    return await applyBatch(db, now, maxAttempts, 1, id);
  } catch (error) {
    if (!(error instanceof BatchFailed)) throw error;
    await recordFailures(db, [{ row: error.rows[0], error: error.reason }], now(), maxAttempts);
    return { taken: 1, applied: 0, busy: 0, failed: 1 };
  }
}

async function applyBatch(db: PrismaClient, now: () => Date, maxAttempts: number, limit: number, onlyId: string | null): Promise<BatchOutcome> {
  let taken: InboxRow[] = [];
  let shopsWithOrders: ReadonlySet<string> = new Set();
  try {
    const outcome = await db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<InboxRow[]>`
          SELECT id, topic, "shopDomain", "eventId", "webhookId", "triggeredAt", body, snapshot, attempts FROM "WebhookEvent"
           WHERE "processedAt" IS NULL AND "deadAt" IS NULL AND "nextAttemptAt" <= ${now()}
             AND (${onlyId}::text IS NULL OR id = ${onlyId}::text)
           ORDER BY sequence
           LIMIT ${limit}
             FOR UPDATE SKIP LOCKED`;
        taken = rows;
        if (rows.length === 0) return NOTHING;

        const refused: { row: InboxRow; error: unknown }[] = [];
        const readable: ReadDelivery[] = [];
        for (const row of rows) {
          try {
            readable.push(readDelivery(row));
          } catch (error) {
            refused.push({ row, error });
          }
        }
        const batch = new Batch(tx, now);
        shopsWithOrders = batch.shopsWithOrders;
        const ready = await lockReadySubjects(tx, batch, readable);

        const applied: string[] = [];
        for (const item of ready) {
          // A topic about the shop itself (uninstall, erasure) may change what the deliveries around it read of it.
          if (!item.handler.subjects) await batch.finish();
          // Any other delivery (a customer's update, a refund) sees the queued orders it is about stored first.
          else if (!item.handler.queuesOrders) await batch.syncQueuedOrders(item.handler.subjects(item.value));
          await item.handler.handle(tx, item.delivery, item.value, now(), batch);
          applied.push(item.row.id);
          if (!item.handler.subjects) batch.forget();
        }
        await batch.finish();
        if (applied.length > 0) {
          await tx.$executeRaw`
            UPDATE "WebhookEvent" SET "processedAt" = ${now()}, body = NULL, snapshot = NULL, "lastError" = NULL WHERE id = ANY(${applied}::text[])`;
        }
        if (refused.length > 0) await recordFailures(tx, refused, now(), maxAttempts);
        return { taken: rows.length, applied: applied.length, busy: readable.length - ready.length, failed: refused.length };
      },
      { timeout: 60_000, maxWait: 30_000 },
    );
    // Committed: the segments of the shops whose orders it wrote are recomputed (a cheap wake; the job coalesces them).
    for (const shopId of shopsWithOrders) wakeJob("customer-segments", shopId);
    return outcome;
  } catch (error) {
    // Everything the batch wrote rolled back with its marks: the rows keep their bodies.
    if (taken.length === 0) throw error;
    throw new BatchFailed(taken, error);
  }
}

/**
 * Takes, without waiting, the subject locks (customers, orders) of every delivery in one statement,
 * and returns the deliveries to apply now, in their order: not one whose subject another transaction
 * holds, nor a later one sharing a subject with a delivery left behind.
 */
async function lockReadySubjects(tx: Tx, programs: DeliveryBatch, deliveries: ReadDelivery[]): Promise<ReadDelivery[]> {
  const keysOf = new Map<ReadDelivery, string[]>();
  for (const item of deliveries) {
    const subjects = item.handler.subjects?.(item.value) ?? [];
    if (subjects.length === 0) continue;
    const shop = await programs.program(item.delivery.shop);
    if (shop) keysOf.set(item, subjects.map((subject) => subjectLockKey(shop.id, subject)));
  }
  const keys = [...new Set([...keysOf.values()].flat())];
  if (keys.length === 0) return deliveries;
  const results = await tx.$queryRaw<{ key: string; locked: boolean }[]>`
    SELECT k.key, pg_try_advisory_xact_lock(hashtextextended(k.key, 0)) AS locked
      FROM unnest(${keys}::text[]) WITH ORDINALITY AS k(key, position)`;
  const held = new Set(results.filter((result) => result.locked).map((result) => result.key));
  const leftBehind = new Set<string>();
  return deliveries.filter((item) => {
    const itemKeys = keysOf.get(item) ?? [];
    if (itemKeys.every((key) => held.has(key) && !leftBehind.has(key))) return true;
    for (const key of itemKeys) leftBehind.add(key);
    return false;
  });
}

/** One batch's shared reads (the shops' programs) and the work it does once at its end (orders/sync.server.ts's OrderSyncBatch). */
class Batch extends OrderSyncBatch implements DeliveryBatch {
  private readonly programs: ShopPrograms;

  constructor(tx: Tx, now: () => Date) {
    super(tx, now);
    this.programs = new ShopPrograms(tx);
  }

  program(domain: string): Promise<ShopProgram | null> {
    return this.programs.program(domain);
  }

  forget(): void {
    this.programs.forget();
    this.forgetSettings();
  }
}

/** The failed attempts of these rows, in one statement: the error, the attempt count, the next try or death. */
async function recordFailures(db: Db, failures: { row: InboxRow; error: unknown }[], at: Date, maxAttempts: number): Promise<void> {
  // An attempt is counted once: two lanes that failed the row after reading the same count (one took
  // it between the other's rollback and its record, or a batch and its replay) count one attempt.
  const retryAt = (row: InboxRow) => new Date(at.getTime() + retryDelaySeconds(row.attempts + 1) * 1000);
  const updated = await db.$queryRaw<{ id: string; attempts: number; dead: boolean }[]>`
    UPDATE "WebhookEvent" w
       SET attempts = w.attempts + 1, "lastError" = f.error, "nextAttemptAt" = f.next_at::timestamptz AT TIME ZONE 'UTC',
           "deadAt" = CASE WHEN w.attempts + 1 >= ${maxAttempts} THEN ${at}::timestamp(3) ELSE NULL END
      FROM unnest(${failures.map((failure) => failure.row.id)}::text[], ${failures.map((failure) => failure.row.attempts)}::int[],
                  ${failures.map((failure) => describe(failure.error))}::text[], ${failures.map((failure) => retryAt(failure.row).toISOString())}::text[])
           AS f(id, seen, error, next_at)
     WHERE w.id = f.id AND w."processedAt" IS NULL AND w."deadAt" IS NULL AND w.attempts = f.seen
    RETURNING w.id, w.attempts, w."deadAt" IS NOT NULL AS dead`;
  for (const { row, error } of failures) {
    const result = updated.find((entry) => entry.id === row.id);
    // Another lane counted this attempt, and said so.
    if (!result) continue;
    const dead = result.dead;
    logger.error(dead ? "webhook delivery dead: no more attempts" : "webhook processing failed", {
      topic: row.topic,
      shop: row.shopDomain,
      eventId: row.eventId,
      attempts: result.attempts,
      ...(dead ? {} : { retryAt: retryAt(row) }),
      error: describe(error),
    });
  }
}

/** Clears the bodies of deliveries dead for longer than `days`; how many it cleared. */
export async function purgeDeadDeliveryBodies(db: PrismaClient, now: Date, days = DEFAULT_DEAD_BODY_DAYS): Promise<number> {
  const before = new Date(now.getTime() - days * 24 * 3600 * 1000);
  return db.$executeRaw`
    UPDATE "WebhookEvent" SET body = NULL, snapshot = NULL
     WHERE "deadAt" IS NOT NULL AND (body IS NOT NULL OR snapshot IS NOT NULL) AND "deadAt" <= ${before}`;
}

/** Starts the lanes; each is woken at once by a delivery this process accepts. */
export function startWebhookInbox(options: WebhookInboxOptions): WebhookInboxProcessor {
  const lanes = Math.max(1, options.lanes ?? 1);
  const pollMs = options.pollMs ?? 1_000;
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  let running = true;
  const sleepers = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...sleepers]) wake();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      // Timers do not hold the process open, so the app can stop cleanly.
      const timer = setTimeout(wake, ms);
      timer.unref?.();
      sleepers.add(wake);
    });
  // A wake between a lane's empty look and its sleep would be lost: count them, and look again.
  let wakes = 0;
  const unsubscribe = onDeliveryAccepted(() => {
    wakes += 1;
    wakeAll();
  });

  const now = options.now ?? (() => new Date());
  let purgedAt = 0;
  const lane = async () => {
    while (running) {
      const seen = wakes;
      try {
        const outcome = await processDueDeliveries(options.db, now, options.maxAttempts, batchSize);
        if (outcome.applied > 0 || outcome.failed > 0) continue;
        if (outcome.busy > 0) {
          await sleep(BUSY_PAUSE_MS);
          continue;
        }
        // Idle: the upkeep, at most every few seconds across the lanes.
        if (Date.now() - purgedAt >= PURGE_EVERY_MS) {
          purgedAt = Date.now();
          await purgeDeadDeliveryBodies(options.db, now(), options.deadBodyDays);
        }
        if (running && seen === wakes) await sleep(pollMs);
      } catch (error) {
        logger.error("webhook inbox: could not read the inbox", { error: describe(error) });
        if (running) await sleep(pollMs);
      }
    }
  };
  const loops = Array.from({ length: lanes }, lane);

  return {
    async stop() {
      running = false;
      unsubscribe();
      wakeAll();
      await Promise.all(loops);
    },
  };
}
