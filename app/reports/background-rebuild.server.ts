/**
 * Rebuilding a shop's report rows takes about a minute at 1M orders, so no request waits for it.
 * The dashboard starts it here, in the app process but outside the request, and shows "your numbers
 * are being prepared"; every `npm run worker` (and the in-app dispatcher on the embedded database)
 * also rebuilds stale shops on its own loop, so a rebuild cut off by a restart is picked up again.
 * Two runners never rebuild one shop twice: the rebuild's lock makes the second wait, then skip.
 */
import type { PrismaClient } from "../generated/prisma/client";
import { logger } from "../logger.server";
import { ensureReports, shopsWithStaleReports } from "./aggregates.server";

const REBUILD_POLL_MS = 15_000;
/** After a failed rebuild, a dashboard visit waits this long before trying again (the page rechecks every few seconds). */
const RETRY_AFTER_FAILURE_MS = 60_000;

declare global {
  // Survives dev-server module reloads: one rebuild per shop per process at a time.
  var __loyaltyReportRebuilds: Map<string, Promise<void>> | undefined;
  var __loyaltyReportRebuildFailures: Map<string, { message: string; at: number }> | undefined;
}

const running = (globalThis.__loyaltyReportRebuilds ??= new Map());
const failures = (globalThis.__loyaltyReportRebuildFailures ??= new Map());

function log(level: "info" | "error", message: string, fields: Record<string, unknown>) {
  logger[level](message, fields);
}

async function rebuildNow(db: PrismaClient, shopId: string): Promise<void> {
  const started = Date.now();
  try {
    if (await ensureReports(db, shopId)) log("info", "report rows rebuilt", { shopId, ms: Date.now() - started });
    failures.delete(shopId);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    failures.set(shopId, { message, at: Date.now() });
    log("error", "report rebuild failed", { shopId, error: message });
  }
}

/** Starts the shop's rebuild in the background unless one is already running in this process or just failed. */
export function prepareReportsInBackground(db: PrismaClient, shopId: string, options: { retryNow?: boolean } = {}): void {
  if (running.has(shopId)) return;
  const failure = failures.get(shopId);
  if (failure && !options.retryNow && Date.now() - failure.at < RETRY_AFTER_FAILURE_MS) return;
  const task = rebuildNow(db, shopId).finally(() => running.delete(shopId));
  running.set(shopId, task);
}

/** What the dashboard shows while the rows are missing: preparing, or that the last attempt failed (the why is in the logs). */
export function reportPreparation(shopId: string): { failed: boolean } {
  return { failed: failures.has(shopId) };
}

/** Rebuilds every stale shop, one at a time; returns how many it looked at. */
export async function rebuildStaleReports(db: PrismaClient): Promise<number> {
  const shopIds = await shopsWithStaleReports(db);
  for (const shopId of shopIds) {
    prepareReportsInBackground(db, shopId, { retryNow: true });
    await running.get(shopId);
  }
  return shopIds.length;
}

export interface ReportRebuilder {
  stop(): Promise<void>;
}

/** The worker's loop: every poll, rebuild the shops whose report rows are stale. */
export function startReportRebuilder(db: PrismaClient, options: { pollMs?: number } = {}): ReportRebuilder {
  const pollMs = options.pollMs ?? REBUILD_POLL_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<unknown> = Promise.resolve();
  const tick = () => {
    pass = rebuildStaleReports(db)
      .catch((error) => log("error", "report rebuild pass failed", { error: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, pollMs).unref();
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
