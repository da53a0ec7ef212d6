/**
 * A dropped database connection (a server restart, a failover, a database dropped under a test) is
 * reported by node-postgres as an `error` event on the pool or client; with no listener Node turns it
 * into an uncaught exception that ends the process. Every pg.Pool and pg.Client the app, its scripts,
 * benchmarks and test support open gets this listener: the pool drops the broken connection and the
 * next query opens a new one; a client's pending query fails with the error instead.
 */

import { logger } from "../logger.server";
interface EmitsErrors {
  on(event: "error", listener: (error: Error) => void): unknown;
}

export function survivesDroppedConnection<T extends EmitsErrors>(connection: T, what: string): T {
  connection.on("error", (error) => logger.warn(`${what}: database connection lost`, { error: error.message }));
  return connection;
}
