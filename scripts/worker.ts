/**
 * npm run worker: dispatches due follow-ups (and runs the win-back sweep) as its own process. Run as
 * many as wanted against the same DATABASE_URL; they share the work without sending anything twice.
 * SIGINT/SIGTERM finish the batch in hand and exit.
 */
import { env } from "../app/env.server";

const settings = env();
if (!settings.DATABASE_URL) {
  console.error("npm run worker needs DATABASE_URL: on the embedded database the app dispatches follow-ups itself.");
  process.exit(1);
}

const { default: db, disconnectDatabase } = await import("../app/db.server");
const { startConfiguredDispatcher } = await import("../app/follow-ups/worker.server");

const dispatcher = await startConfiguredDispatcher(db);
// The loop's timers do not hold a process open (so the app can stop cleanly); this one does, until stop.
const keepAlive = setInterval(() => {}, 60_000);
console.log(JSON.stringify({ level: "info", message: "follow-ups worker started", pid: process.pid, smtp: Boolean(settings.SMTP_URL) }));

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(JSON.stringify({ level: "info", message: "follow-ups worker stopping", signal }));
  await dispatcher.stop();
  clearInterval(keepAlive);
  await disconnectDatabase();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
