/**
 * The app process applies the webhooks it accepts itself, woken the moment each is stored, so an
 * order's points follow within milliseconds. `npm run worker` processes the same inbox too (they
 * share it row by row); PROCESS_WEBHOOKS_IN_APP=false leaves it to the workers alone.
 */
import db, { pool } from "../db.server";
import { sharesOneSession } from "../embedded-database.server";
import { env } from "../env.server";
import { startPointsExpiry, type PointsExpirySchedule } from "../loyalty/points-expiry.server";
import { startWebhookInbox, type WebhookInboxProcessor } from "./inbox-processor.server";

declare global {
  // Survive dev-server module reloads, so a reload does not start a second set of lanes.
  var __loyaltyInAppInbox: WebhookInboxProcessor | undefined;
  var __loyaltyInAppExpiry: PointsExpirySchedule | undefined;
}

/** Lanes for a database server; the embedded database serves one connection, so one lane there. */
export function inboxLanes(settings: { DATABASE_URL?: string; WEBHOOK_LANES: number }): number {
  return settings.DATABASE_URL ? settings.WEBHOOK_LANES : 1;
}

/**
 * Deliveries per transaction: one where every connection is the same session (the embedded database),
 * so a batch never holds the database the webhook routes are waiting for to store what they accept.
 */
export function inboxBatchSize(settings: { WEBHOOK_BATCH_SIZE: number }, connectionString: string | undefined): number {
  return sharesOneSession(connectionString) ? 1 : settings.WEBHOOK_BATCH_SIZE;
}

export function startInAppWebhookInbox(): void {
  const settings = env();
  // On the embedded database nothing else runs the hourly points expiry (a server has `npm run worker`).
  if (!settings.DATABASE_URL) globalThis.__loyaltyInAppExpiry ??= startPointsExpiry({ db });
  if (!settings.PROCESS_WEBHOOKS_IN_APP || globalThis.__loyaltyInAppInbox) return;
  globalThis.__loyaltyInAppInbox = startWebhookInbox({ db, lanes: inboxLanes(settings), batchSize: inboxBatchSize(settings, pool.options.connectionString), maxAttempts: settings.WEBHOOK_MAX_ATTEMPTS, deadBodyDays: settings.WEBHOOK_DEAD_BODY_DAYS });
}

export async function stopInAppWebhookInbox(): Promise<void> {
  const inbox = globalThis.__loyaltyInAppInbox;
  const expiry = globalThis.__loyaltyInAppExpiry;
  globalThis.__loyaltyInAppInbox = undefined;
  globalThis.__loyaltyInAppExpiry = undefined;
  await Promise.all([inbox?.stop(), expiry?.stop()]);
}
