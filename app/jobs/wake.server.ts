/**
 * Wakes a background job of this process now instead of at its next scheduled run. A request only
 * wakes (an install wakes the history import, a dashboard visit the report rebuild): the job itself
 * runs in the jobs module's loop (runner.server.ts), never in the request.
 */
import type { JobName } from "./names";

declare global {
  // Survives dev-server module reloads, like the loops it wakes.
  var __loyaltyJobWakers: Map<JobName, Set<(shopId?: string) => void>> | undefined;
}

const wakers = (globalThis.__loyaltyJobWakers ??= new Map());

/**
 * Runs the job's next round now in this process (if this process runs it; otherwise its schedule
 * picks the work up). A per-shop job woken for one shop runs at least for that shop.
 */
export function wakeJob(job: JobName, shopId?: string): void {
  for (const wake of wakers.get(job) ?? []) wake(shopId);
}

/** For the runner: called on every wakeJob(job); returns the unsubscribe. */
export function onWake(job: JobName, wake: (shopId?: string) => void): () => void {
  const set = wakers.get(job) ?? new Set<(shopId?: string) => void>();
  wakers.set(job, set);
  set.add(wake);
  return () => set.delete(wake);
}
