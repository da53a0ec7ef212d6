/**
 * Rebuilding a shop's report rows takes about a minute at 1M orders, so no request waits for it.
 * The "report-rebuild" background job (app/jobs/catalog.server.ts) rebuilds every shop whose rows are
 * stale, one process at a time per shop; the dashboard only wakes it and shows "your numbers are
 * being prepared", or that the last attempt failed (from the job's run log, whichever process ran it).
 */
import type { PrismaClient } from "../generated/prisma/client";
import { wakeJob } from "../jobs/wake.server";
import { ensureReports } from "./aggregates.server";

/** After a failed rebuild, a dashboard visit waits this long before waking the rebuild again (the page rechecks every few seconds). */
const RETRY_AFTER_FAILURE_MS = 60_000;

/** Rebuilds the shop's report rows if they are stale; true when it rebuilt them. A failure throws (the job records it). */
export async function rebuildShopReports(db: PrismaClient, shopId: string): Promise<boolean> {
  return ensureReports(db, shopId);
}

/** The shop's last rebuild, if it failed and when. */
async function lastFailedRebuild(db: PrismaClient, shopId: string): Promise<Date | null> {
  const last = await db.jobRun.findFirst({ where: { job: "report-rebuild", shopId }, orderBy: [{ startedAt: "desc" }, { id: "desc" }], select: { outcome: true, finishedAt: true } });
  return last?.outcome === "failed" ? last.finishedAt : null;
}

/** Wakes the rebuild for a dashboard visit that found the rows missing, unless it just failed for this shop. */
export async function prepareReportsInBackground(db: PrismaClient, shopId: string, now = new Date()): Promise<{ failed: boolean }> {
  const failedAt = await lastFailedRebuild(db, shopId);
  if (!failedAt || now.getTime() - failedAt.getTime() >= RETRY_AFTER_FAILURE_MS) wakeJob("report-rebuild", shopId);
  return { failed: failedAt !== null };
}
