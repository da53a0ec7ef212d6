/**
 * npm run worker: runs every background job (app/jobs/catalog.server.ts) as its own process: the
 * webhook inbox's deliveries, follow-up dispatch and the win-back sweep, points expiry, redemption
 * upkeep, report rebuilds and history imports. Run as many as wanted against the same DATABASE_URL;
 * each job's single-runner rule keeps them from doing anything twice. Every run is a JSON log line
 * and a row of the run log. SIGINT/SIGTERM finish the step in hand and exit.
 */
import os from "node:os";

import { env } from "../app/env.server";
import { logger } from "../app/logger.server";

const settings = env();
if (!settings.DATABASE_URL) {
  logger.error("npm run worker needs DATABASE_URL: on the embedded database the app runs its background jobs itself.");
  process.exit(1);
}

// Below the app's priority where both share the machine's cores: accepting deliveries is what Shopify times.
if (settings.WORKER_NICENESS > 0) {
  try {
    os.setPriority(Math.max(os.getPriority(), settings.WORKER_NICENESS));
  } catch (error) {
    logger.warn("the worker's priority could not be lowered", { error: String(error) });
  }
}

const { disconnectDatabase } = await import("../app/db.server");
const { describeProcessJobs, startProcessJobs, stopProcessJobs } = await import("../app/jobs/process.server");

const jobs = await startProcessJobs("worker");
// The jobs' timers do not hold a process open (so the app can stop cleanly); this one does, until stop.
const keepAlive = setInterval(() => {}, 60_000);
logger.lifecycle("worker started", { smtp: Boolean(settings.SMTP_URL), jobs: describeProcessJobs(jobs) });

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.lifecycle("worker stopping", { signal });
  await stopProcessJobs();
  clearInterval(keepAlive);
  await disconnectDatabase();
  logger.lifecycle("worker stopped");
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
