/**
 * Starts the background jobs of this process, the same way in `npm run worker` (scripts/worker.ts)
 * and in the app process (entry.server.tsx): the catalog says which jobs each runs.
 */
import db, { pool } from "../db.server";
import { sharesOneSession } from "../embedded-database.server";
import { env } from "../env.server";
import { mailTransportFor } from "../follow-ups/mail.server";
import type { AdminGraphql } from "../shopify/admin-graphql.server";
import { describeSchedule, jobDefinition, jobsForProcess } from "./catalog.server";
import { startBackgroundJobs, type BackgroundJobs } from "./runner.server";

declare global {
  // Survives dev-server module reloads, so a reload does not start a second set of jobs.
  var __loyaltyBackgroundJobs: Promise<BackgroundJobs> | undefined;
}

export function startProcessJobs(process: "app" | "worker"): Promise<BackgroundJobs> {
  return (globalThis.__loyaltyBackgroundJobs ??= (async () => {
    const settings = env();
    const { unauthenticated } = await import("../shopify.server");
    return startBackgroundJobs({
      db,
      pool,
      // No DATABASE_URL: the embedded database, which is one session.
      sharesOneSession: !settings.DATABASE_URL || sharesOneSession(settings.DATABASE_URL),
      settings,
      process,
      ...jobsForProcess(process, settings),
      adminGraphqlFor: async (shop) => (await unauthenticated.admin(shop)).admin.graphql as unknown as AdminGraphql,
      mailTransport: () => mailTransportFor(settings),
    });
  })());
}

/** Stops this process's jobs (each after the step in hand); nothing when none were started. */
export async function stopProcessJobs(): Promise<void> {
  const pending = globalThis.__loyaltyBackgroundJobs;
  globalThis.__loyaltyBackgroundJobs = undefined;
  await (await pending)?.stop();
}

/** The jobs this process runs with their schedules and rules, for a start-up log line. */
export function describeProcessJobs(jobs: BackgroundJobs): { job: string; schedule: string; singleRunner: string }[] {
  const settings = env();
  return jobs.jobs.map((name) => {
    const job = jobDefinition(name);
    return { job: name, schedule: jobs.wokenOnly.includes(name) ? "when a request wakes it" : describeSchedule(job, settings), singleRunner: job.singleRunner };
  });
}
