/**
 * npm start: the production server. It serves build/ through the same startAppServer that the
 * demo, the tests and the benchmarks use, so production runs what they run. PORT and HOST come from
 * the environment; SIGTERM or SIGINT stops taking requests, lets those in hand finish, and closes
 * the database.
 */
import { errorFields, logger } from "../app/logger.server";
import { startAppServer, type AppServer } from "./app-server";

/** How long a stopping server waits for the requests in hand (a host's own grace is usually 10–30 s). */
const SHUTDOWN_GRACE_MS = 8_000;

async function main() {
  const port = Number(process.env.PORT || 3000);
  const host = process.env.HOST || "0.0.0.0";
  let app: AppServer;
  try {
    app = await startAppServer({ port, host });
  } catch (error) {
    // A setting the app refuses (app/env.server.ts) is a message for the operator, not a stack trace,
    // and the logger, configured from those settings, cannot write it.
    if (error instanceof Error && error.name === "InvalidEnvironmentError") process.stderr.write(`${error.message}\n`);
    else logger.error("app failed to start", errorFields(error));
    process.exit(1);
  }
  logger.lifecycle("app listening", { url: app.url });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.lifecycle("app stopping", { signal });
    app.close({ graceMs: SHUTDOWN_GRACE_MS }).then(
      () => {
        logger.lifecycle("app stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error("app did not stop cleanly", errorFields(error));
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

void main();
