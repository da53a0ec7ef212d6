/**
 * npm run worker: applies the webhook inbox's deliveries, dispatches due follow-ups (and runs the
 * win-back sweep) and expires quiet points balances hourly, as its own process. Run as
 * many as wanted against the same DATABASE_URL; they share the work without sending anything twice.
 * SIGINT/SIGTERM finish the batch in hand and exit.
 */
import { env } from "../app/env.server";
import { logger } from "../app/logger.server";

const settings = env();
if (!settings.DATABASE_URL) {
  logger.error("npm run worker needs DATABASE_URL: on the embedded database the app dispatches follow-ups itself.");
  process.exit(1);
}

const { default: db, disconnectDatabase } = await import("../app/db.server");
const { startConfiguredDispatcher } = await import("../app/follow-ups/worker.server");
const { startWebhookInbox } = await import("../app/webhooks/inbox-processor.server");
const { startPointsExpiry } = await import("../app/loyalty/points-expiry.server");

const dispatcher = await startConfiguredDispatcher(db);
// No delivery is accepted in this process to wake it: it looks every quarter second.
const inbox = startWebhookInbox({ db, lanes: settings.WEBHOOK_LANES, pollMs: 250, maxAttempts: settings.WEBHOOK_MAX_ATTEMPTS, deadBodyDays: settings.WEBHOOK_DEAD_BODY_DAYS });
const expiry = startPointsExpiry({ db });
// The loop's timers do not hold a process open (so the app can stop cleanly); this one does, until stop.
const keepAlive = setInterval(() => {}, 60_000);
logger.lifecycle("worker started", { smtp: Boolean(settings.SMTP_URL) });

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.lifecycle("worker stopping", { signal });
  await Promise.all([dispatcher.stop(), inbox.stop(), expiry.stop()]);
  clearInterval(keepAlive);
  await disconnectDatabase();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
