import type pg from "pg";

import type { Tx } from "./database/transaction";
import type { Env } from "./env.server";

/**
 * How long the app waits on its database, so a stuck or unreachable PostgreSQL costs a request a
 * fast error (a webhook's non-2xx is retried by Shopify) instead of hanging it. Every pool the app
 * opens takes these: waiting for a connection is bounded on the client, and each session starts with
 * PostgreSQL's own statement, lock and idle-in-transaction timeouts.
 */
export function databaseTimeouts(settings: Env): Pick<
  pg.PoolConfig,
  "connectionTimeoutMillis" | "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout"
> {
  return {
    connectionTimeoutMillis: settings.DATABASE_CONNECT_TIMEOUT_MS,
    statement_timeout: settings.DATABASE_STATEMENT_TIMEOUT_MS,
    lock_timeout: settings.DATABASE_LOCK_TIMEOUT_MS,
    idle_in_transaction_session_timeout: settings.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}

/**
 * Lifts the statement and lock timeouts to `$1` milliseconds until the end of the current transaction,
 * for a pg client (the history import's bulk transport); a Prisma transaction calls allowLongStatements.
 */
export const LONG_STATEMENTS_SQL = "SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $1, true)";

/**
 * For background work no request waits on (report rebuilds, the history import, sweeps): its
 * statements may run for as long as its transaction may, rather than a request's few seconds.
 */
export async function allowLongStatements(tx: Tx, transactionTimeoutMs: number): Promise<void> {
  const milliseconds = String(transactionTimeoutMs);
  await tx.$executeRaw`SELECT set_config('statement_timeout', ${milliseconds}, true), set_config('lock_timeout', ${milliseconds}, true)`;
}
