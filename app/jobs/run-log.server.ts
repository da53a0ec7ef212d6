/**
 * What each background job did and when: one JobRun row per run that did something or failed (an
 * idle poll is not written), the newest RUNS_KEPT per job and shop, and a log line for each.
 */
import type { PrismaClient } from "../generated/prisma/client";
import type { JobName } from "./names";
import { logger } from "../logger.server";

/** Runs kept per job (and per shop, for a per-shop job): older ones are deleted as new ones are written. */
export const RUNS_KEPT = 50;

export interface JobRunRecord {
  job: JobName;
  shopId: string | null;
  startedAt: Date;
  finishedAt: Date;
  outcome: "ok" | "failed";
  summary: string | null;
  error: string | null;
}

/** A job's error as the run log keeps it: the message only (no stack), cut to a readable length. */
export function describeJobError(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1000);
}

export async function recordJobRun(db: PrismaClient, run: JobRunRecord): Promise<void> {
  await db.jobRun.create({ data: run });
  await db.$executeRaw`
    DELETE FROM "JobRun" WHERE id IN (
      SELECT id FROM "JobRun"
       WHERE job = ${run.job} AND "shopId" IS NOT DISTINCT FROM ${run.shopId}
       ORDER BY "startedAt" DESC, id DESC
      OFFSET ${RUNS_KEPT})`;
}

/** The structured log line of a run (`npm run worker` prints these; no shop data beyond its id). */
export function logJobRun(run: JobRunRecord): void {
  const fields = {
    job: run.job,
    ...(run.shopId ? { shopId: run.shopId } : {}),
    startedAt: run.startedAt.toISOString(),
    ms: run.finishedAt.getTime() - run.startedAt.getTime(),
    ...(run.summary ? { summary: run.summary } : {}),
    ...(run.error ? { error: run.error } : {}),
  };
  if (run.outcome === "failed") logger.error("job failed", fields);
  else logger.info("job ran", fields);
}

export interface JobRunView {
  job: string;
  scope: "shop" | "all shops";
  startedAt: Date;
  finishedAt: Date | null;
  outcome: string;
  summary: string | null;
  error: string | null;
}

/**
 * What the admin shows a shop: its own per-shop runs (newest first) and the last run of each job
 * that works across shops. Never another shop's rows.
 */
export async function jobRunsForShop(db: PrismaClient, shopId: string, limit = 20): Promise<JobRunView[]> {
  const [own, global] = await Promise.all([
    db.jobRun.findMany({ where: { shopId }, orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: limit }),
    db.$queryRaw<Omit<JobRunView, "scope">[]>`
      SELECT DISTINCT ON (job) job, "startedAt", "finishedAt", outcome, summary, error
        FROM "JobRun" WHERE "shopId" IS NULL
       ORDER BY job, "startedAt" DESC, id DESC`,
  ]);
  return [
    // A global run's error may be about another shop: the admin shows that it failed, the logs say why.
    ...global.map((run) => ({ ...run, scope: "all shops" as const, error: null })),
    ...own.map(({ job, startedAt, finishedAt, outcome, summary, error }) => ({ job, scope: "shop" as const, startedAt, finishedAt, outcome, summary, error })),
  ];
}
