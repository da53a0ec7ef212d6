/**
 * Starts a process's background jobs (catalog.server.ts) and stops them cleanly: `npm run worker`
 * and the app process both call startBackgroundJobs. Each round job runs on its schedule and when
 * woken (wake.server.ts), never two rounds of one job at once in a process; its single-runner rule
 * is held across processes (single-runner.server.ts); every run that did something or failed is
 * written to the run log (run-log.server.ts).
 */
import type pg from "pg";

import type { Env } from "../env.server";
import type { MailTransport } from "../follow-ups/mail.server";
import type { PrismaClient } from "../generated/prisma/client";
import type { AdminGraphql } from "../shopify/admin-graphql.server";
import { jobDefinition, type JobContext, type JobDefinition, type RoundJob, type ShopRoundJob } from "./catalog.server";
import type { JobName } from "./names";
import { describeJobError, logJobRun, recordJobRun, type JobRunRecord } from "./run-log.server";
import { singleRunnerLocks, type SingleRunnerLocks } from "./single-runner.server";
import { onWake } from "./wake.server";
import { logger } from "../logger.server";

export interface BackgroundJobsOptions {
  db: PrismaClient;
  /** The pool under `db`: a single-runner lock holds one of its connections for the length of a run. */
  pool: pg.Pool;
  /** The database is one session (the embedded one): the single-runner locks are then this process's. */
  sharesOneSession: boolean;
  settings: Env;
  process: "app" | "worker";
  jobs: JobName[];
  /**
   * Jobs this process runs only when woken (wake.server.ts), not on their schedule: a per-shop one
   * then only for the shops it was woken for. Others (`npm run worker`) run them on schedule.
   */
  wokenOnly?: JobName[];
  adminGraphqlFor: (shopDomain: string) => Promise<AdminGraphql>;
  /** Opens the mail transport (the first follow-up round does). */
  mailTransport: () => MailTransport;
  now?: () => Date;
  /** Jobs to run instead of the catalog's (tests). */
  definitions?: JobDefinition[];
}

export interface BackgroundJobs {
  /** The jobs this process runs. */
  jobs: JobName[];
  /** Those of them it runs only when woken. */
  wokenOnly: JobName[];
  /** Stops every job after the step in hand and waits for it. */
  stop(): Promise<void>;
}

export function startBackgroundJobs(options: BackgroundJobsOptions): BackgroundJobs {
  let stopping = false;
  let transport: MailTransport | undefined;
  const context: JobContext = {
    db: options.db,
    settings: options.settings,
    process: options.process,
    now: options.now ?? (() => new Date()),
    adminGraphqlFor: options.adminGraphqlFor,
    mail: () => (transport ??= options.mailTransport()),
    stopping: () => stopping,
  };
  const locks = singleRunnerLocks(options.pool, { sharesOneSession: options.sharesOneSession });
  const definitions = options.jobs.map((name) => options.definitions?.find((job) => job.name === name) ?? jobDefinition(name));

  const stoppers: (() => Promise<void>)[] = [];
  const sleepers = new Set<() => void>();
  for (const job of definitions) {
    if (job.kind === "loop") {
      const loop = job.start(context);
      stoppers.push(() => loop.stop());
      continue;
    }
    const scheduled = !options.wokenOnly?.includes(job.name);
    let woken = false;
    // The shops a per-shop job was woken for ("all" when woken without one).
    let wokenFor = new Set<string>() as Set<string> | "all";
    let wakeNow: (() => void) | null = null;
    const unsubscribe = onWake(job.name, (shopId) => {
      woken = true;
      if (!shopId) wokenFor = "all";
      else if (wokenFor !== "all") wokenFor.add(shopId);
      wakeNow?.();
    });
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        if (woken || stopping) return resolve();
        const done = () => {
          clearTimeout(timer);
          sleepers.delete(done);
          wakeNow = null;
          resolve();
        };
        // Timers do not hold the process open, so the app can stop cleanly.
        const timer = setTimeout(done, ms);
        timer.unref?.();
        wakeNow = done;
        sleepers.add(done);
      });
    // A job run only when woken sleeps until then (a day at a time: the timer's bound).
    const pause = () => (scheduled ? job.everyMs(options.settings) : 24 * 3600_000);
    const loop = (async () => {
      await sleep(scheduled ? job.firstAfterMs : pause());
      while (!stopping) {
        if (scheduled || woken) {
          const shops = { only: scheduled ? ("all" as const) : wokenFor, woken: wokenFor === "all" ? new Set<string>() : wokenFor };
          woken = false;
          wokenFor = new Set();
          await runRound(job, context, locks, shops);
        }
        if (!stopping) await sleep(pause());
      }
    })();
    stoppers.push(async () => {
      unsubscribe();
      if (job.kind === "shop-rounds") await job.onStop?.();
      await loop;
    });
  }

  return {
    jobs: definitions.map((job) => job.name),
    wokenOnly: definitions.map((job) => job.name).filter((name) => options.wokenOnly?.includes(name)),
    async stop() {
      stopping = true;
      for (const wake of [...sleepers]) wake();
      await Promise.all(stoppers.map((stop) => stop()));
      transport?.close();
    },
  };
}

/** One round of a job: under its single-runner rule, each run timed, logged and (unless idle) recorded. */
export async function runRound(
  job: RoundJob | ShopRoundJob,
  context: JobContext,
  locks: SingleRunnerLocks,
  shopsWoken: { only: ReadonlySet<string> | "all"; woken: ReadonlySet<string> } = { only: "all", woken: new Set() },
): Promise<void> {
  if (job.kind === "rounds") {
    const release = job.singleRunner === "global" ? await tryLock(locks, job.name) : async () => undefined;
    if (!release) return;
    try {
      await timedRun(context, job.name, null, () => job.round(context));
    } finally {
      await release();
    }
    return;
  }
  let shops: { id: string; domain: string }[];
  try {
    const { only, woken } = shopsWoken;
    shops = (await job.shops(context, woken)).filter((shop) => only === "all" || only.has(shop.id));
  } catch (error) {
    await finish(context, { job: job.name, shopId: null, startedAt: context.now(), finishedAt: context.now(), outcome: "failed", summary: null, error: describeJobError(error) });
    return;
  }
  for (const shop of shops) {
    if (context.stopping()) return;
    const release = await tryLock(locks, job.name, shop.id);
    if (!release) continue;
    try {
      await timedRun(context, job.name, shop.id, () => job.round(context, shop));
    } finally {
      await release();
    }
  }
}

async function tryLock(locks: SingleRunnerLocks, job: JobName, shopId?: string) {
  try {
    return await locks.tryLock(job, shopId);
  } catch (error) {
    logger.error("job lock failed", { job, error: describeJobError(error) });
    return null;
  }
}

async function timedRun(context: JobContext, job: JobName, shopId: string | null, run: () => Promise<string | null>): Promise<void> {
  const startedAt = new Date();
  let summary: string | null;
  try {
    summary = await run();
  } catch (error) {
    await finish(context, { job, shopId, startedAt, finishedAt: new Date(), outcome: "failed", summary: null, error: describeJobError(error) });
    return;
  }
  if (summary === null) return;
  await finish(context, { job, shopId, startedAt, finishedAt: new Date(), outcome: "ok", summary, error: null });
}

async function finish(context: JobContext, run: JobRunRecord): Promise<void> {
  logJobRun(run);
  // The run log is a view of what happened; a database that cannot take it loses the row, not the process.
  await recordJobRun(context.db, run).catch((error: unknown) =>
    logger.error("job run not recorded", { job: run.job, error: describeJobError(error) }),
  );
}
