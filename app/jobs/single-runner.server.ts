/**
 * The single-runner rule of a job: while one process runs it (or runs it for a shop), another that
 * tries skips that round. On a database server the lock is a transaction-scoped advisory lock
 * (lock-keys.ts `singleRunnerLockKey`) held by a connection of its own for as long as the run lasts,
 * so the run's work keeps its own transactions and a process that dies lets the lock go with its
 * connection. The embedded database is one session that belongs to one process: every connection is
 * that session, which holds any advisory lock it takes, so there the lock is this process's own.
 */
import type pg from "pg";

import { singleRunnerLockKey } from "../database/lock-keys";

export interface SingleRunnerLocks {
  /** Takes the job's lock (a shop's, when `shopId` is given); null when another runner holds it. */
  tryLock(job: string, shopId?: string): Promise<(() => Promise<void>) | null>;
}

declare global {
  // The embedded database's locks: one process, so one set (survives dev-server module reloads).
  var __loyaltyJobLocks: Set<string> | undefined;
}

/** The key of a job's lock, or of its lock for one shop. */
export function jobLockKey(job: string, shopId?: string): string {
  return singleRunnerLockKey(shopId ? `${job}:shop:${shopId}` : job);
}

export function singleRunnerLocks(pool: pg.Pool, options: { sharesOneSession: boolean }): SingleRunnerLocks {
  if (options.sharesOneSession) {
    const held = (globalThis.__loyaltyJobLocks ??= new Set());
    return {
      async tryLock(job, shopId) {
        const key = jobLockKey(job, shopId);
        if (held.has(key)) return null;
        held.add(key);
        return async () => void held.delete(key);
      },
    };
  }
  return {
    async tryLock(job, shopId) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        // The connection waits, idle in its transaction, while the run works on others.
        await client.query("SELECT set_config('idle_in_transaction_session_timeout', '0', true)");
        const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked", [jobLockKey(job, shopId)]);
        if (!rows[0]?.locked) {
          await client.query("ROLLBACK");
          client.release();
          return null;
        }
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        throw error;
      }
      return async () => {
        try {
          await client.query("COMMIT");
          client.release();
        } catch (error) {
          // A broken connection has let the lock go already: drop it from the pool.
          client.release(error instanceof Error ? error : true);
        }
      };
    },
  };
}
