/**
 * The inbox processor: takes accepted deliveries oldest first (`FOR UPDATE SKIP LOCKED`, so any number
 * of processes share the inbox without taking the same row), runs the topic's handler, and marks the
 * row processed in the handler's own transaction: a delivery's effects and its "done" commit together,
 * exactly once. A handler that fails leaves nothing half-written; its row keeps the error and the
 * attempt count and is tried again after a growing pause, until `maxAttempts` failures make it dead:
 * no longer retried, kept with its error for the Sync issues page, its body (personal data) cleared
 * `deadBodyDays` later by the lanes' upkeep.
 *
 * Per-order and per-customer ordering is not the queue's job: the handlers lock each subject and
 * ignore versions older than the stored one (orders/sync.server.ts), so lanes may run side by side.
 */
import type { PrismaClient } from "../generated/prisma/client";
import { logger } from "../logger.server";
import { onDeliveryAccepted } from "./inbox.server";
import { WEBHOOK_TOPICS, type InboxDelivery } from "./topics.server";

export interface WebhookInboxProcessor {
  /** Finishes the deliveries in hand, then stops. */
  stop(): Promise<void>;
}

export interface WebhookInboxOptions {
  db: PrismaClient;
  /** Deliveries processed side by side (each lane holds one connection while it works). */
  lanes?: number;
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
  attempts: number;
}

/** The pause before the next attempt after `attempts` failures: 1 s, 2 s, 4 s… at most an hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 2 ** Math.max(0, attempts - 1));
}

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 1000);

/**
 * Processes the oldest due delivery, if any; false when there is none. The row is claimed and marked
 * processed by one statement at the start of the transaction, so the mark commits with the handler's
 * writes or not at all.
 */
export async function processNextDelivery(db: PrismaClient, now: () => Date = () => new Date(), maxAttempts = DEFAULT_MAX_ATTEMPTS): Promise<boolean> {
  let claimed: InboxRow | undefined;
  try {
    return await db.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<InboxRow[]>`
          WITH due AS (
            SELECT id, topic, "shopDomain", "eventId", "webhookId", "triggeredAt", body, attempts FROM "WebhookEvent"
             WHERE "processedAt" IS NULL AND "deadAt" IS NULL AND "nextAttemptAt" <= ${now()}
             ORDER BY sequence
             LIMIT 1
               FOR UPDATE SKIP LOCKED
          ),
          marked AS (
            UPDATE "WebhookEvent" SET "processedAt" = ${now()}, body = NULL, "lastError" = NULL FROM due WHERE "WebhookEvent".id = due.id
          )
          SELECT * FROM due`;
        if (!row) return false;
        claimed = row;
        const handler = WEBHOOK_TOPICS[row.topic];
        if (!handler) throw new Error(`no handler for topic ${row.topic}`);
        const rawBody = row.body ?? "";
        const reading = handler.read(JSON.parse(rawBody), rawBody, row.shopDomain);
        if (!reading.ok) throw new Error(`unexpected payload: ${reading.issues.map((issue) => issue.message).join("; ")}`);
        const delivery: InboxDelivery = {
          topic: row.topic,
          shop: row.shopDomain,
          eventId: row.eventId,
          webhookId: row.webhookId,
          triggeredAt: row.triggeredAt,
        };
        await handler.handle(tx, delivery, reading.value, now());
        return true;
      },
      { timeout: 60_000, maxWait: 30_000 },
    );
  } catch (error) {
    if (!claimed) throw error;
    // Everything the handler wrote rolled back with the mark; the row keeps its body, gains the error
    // and waits before its next attempt. (Another lane may take it sooner: that only retries early.)
    // Counted in SQL: two lanes that both failed the row count two attempts.
    const next = new Date(now().getTime() + retryDelaySeconds(claimed.attempts + 1) * 1000);
    const [updated] = await db.$queryRaw<{ attempts: number; dead: boolean }[]>`
      UPDATE "WebhookEvent"
         SET attempts = attempts + 1, "lastError" = ${describe(error)}, "nextAttemptAt" = ${next},
             "deadAt" = CASE WHEN attempts + 1 >= ${maxAttempts} THEN ${now()}::timestamp(3) ELSE NULL END
       WHERE id = ${claimed.id} AND "processedAt" IS NULL
      RETURNING attempts, "deadAt" IS NOT NULL AS dead`;
    const dead = updated?.dead ?? false;
    logger.error(dead ? "webhook delivery dead: no more attempts" : "webhook processing failed", {
      topic: claimed.topic,
      shop: claimed.shopDomain,
      eventId: claimed.eventId,
      attempts: updated?.attempts ?? claimed.attempts + 1,
      ...(dead ? {} : { retryAt: next }),
      error: describe(error),
    });
    return true;
  }
}

/** Clears the bodies of deliveries dead for longer than `days`; how many it cleared. */
export async function purgeDeadDeliveryBodies(db: PrismaClient, now: Date, days = DEFAULT_DEAD_BODY_DAYS): Promise<number> {
  const before = new Date(now.getTime() - days * 24 * 3600 * 1000);
  return db.$executeRaw`
    UPDATE "WebhookEvent" SET body = NULL
     WHERE "deadAt" IS NOT NULL AND body IS NOT NULL AND "deadAt" <= ${before}`;
}

/** Starts the lanes; each is woken at once by a delivery this process accepts. */
export function startWebhookInbox(options: WebhookInboxOptions): WebhookInboxProcessor {
  const lanes = Math.max(1, options.lanes ?? 1);
  const pollMs = options.pollMs ?? 1_000;
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
        if (await processNextDelivery(options.db, now, options.maxAttempts)) continue;
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
