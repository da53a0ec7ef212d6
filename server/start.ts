/**
 * npm start: the production server. It serves build/ through the same startAppServer that the
 * demo, the tests and the benchmarks use, so production runs what they run. PORT and HOST come from
 * the environment; SIGTERM or SIGINT stops taking requests, lets those in hand finish, and closes
 * the database.
 */
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
    // A setting the app refuses (app/env.server.ts) is a message for the operator, not a stack trace.
    console.error(error instanceof Error && error.name === "InvalidEnvironmentError" ? error.message : error);
    process.exit(1);
  }
  console.log(JSON.stringify({ level: "info", message: "app listening", url: app.url, pid: process.pid }));

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ level: "info", message: "app stopping", signal }));
    app.close({ graceMs: SHUTDOWN_GRACE_MS }).then(
      () => {
        console.log(JSON.stringify({ level: "info", message: "app stopped" }));
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

void main();
