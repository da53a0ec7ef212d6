/**
 * Sync issues: the shop's webhook deliveries that failed to apply, for the merchant (app.sync-issues.tsx).
 * A dead one (failed WEBHOOK_MAX_ATTEMPTS times) waits for the merchant; "Retry" puts it back in the
 * inbox while it still has its body.
 */
import type { PrismaClient } from "../generated/prisma/client";

export interface SyncIssue {
  id: string;
  topic: string;
  receivedAt: Date;
  attempts: number;
  error: string | null;
  /** Gave up (dead) rather than still being retried. */
  dead: boolean;
  /** A dead delivery can be retried while it still holds its body. */
  retryable: boolean;
}

const LIMIT = 100;

/** The shop's failing and dead deliveries, newest first (at most a hundred). */
export async function listSyncIssues(db: PrismaClient, shopDomain: string): Promise<SyncIssue[]> {
  const rows = await db.webhookEvent.findMany({
    where: { shopDomain, processedAt: null, OR: [{ deadAt: { not: null } }, { attempts: { gt: 0 } }] },
    orderBy: { receivedAt: "desc" },
    take: LIMIT,
    select: { id: true, topic: true, receivedAt: true, attempts: true, lastError: true, deadAt: true, body: true },
  });
  return rows.map((row) => ({
    id: row.id,
    topic: row.topic,
    receivedAt: row.receivedAt,
    attempts: row.attempts,
    error: row.lastError,
    dead: row.deadAt !== null,
    retryable: row.deadAt !== null && row.body !== null,
  }));
}

/** Puts a dead delivery of the shop back in the inbox, due now; false when it is not dead or has no body left. */
export async function retryDeadDelivery(db: PrismaClient, shopDomain: string, id: string, now: Date = new Date()): Promise<boolean> {
  const { count } = await db.webhookEvent.updateMany({
    where: { id, shopDomain, processedAt: null, deadAt: { not: null }, body: { not: null } },
    data: { deadAt: null, attempts: 0, nextAttemptAt: now },
  });
  return count === 1;
}
