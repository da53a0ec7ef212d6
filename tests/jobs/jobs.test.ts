/**
 * The jobs module: every background job named once with its schedule and rule, a single-runner job
 * run by two processes at once runs once, and the run log keeps what failed with its error.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import { connectionLimitOf, sharesOneSession } from "../../app/embedded-database.server";
import { parseEnv } from "../../app/env.server";
import { PrismaClient } from "../../app/generated/prisma/client";
import { describeSchedule, JOBS, jobsForProcess, type JobDefinition } from "../../app/jobs/catalog.server";
import { JOB_NAMES, type JobName } from "../../app/jobs/names";
import { jobRunsForShop, recordJobRun, RUNS_KEPT } from "../../app/jobs/run-log.server";
import { startBackgroundJobs, type BackgroundJobs } from "../../app/jobs/runner.server";
import { wakeJob } from "../../app/jobs/wake.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { logger } from "../../app/logger.server";

const settings = parseEnv({ SHOPIFY_API_KEY: "key", SHOPIFY_API_SECRET: "secret", SHOPIFY_APP_URL: "https://loyalty.example.com" });

/** One "process": its own pool and client on the test database, as `npm run worker` opens them. */
interface FakeProcess {
  db: PrismaClient;
  pool: pg.Pool;
  close(): Promise<void>;
}

let database: TestDatabase;
const processes: FakeProcess[] = [];
let runners: BackgroundJobs[] = [];

function openProcess(): FakeProcess {
  const pool = new pg.Pool({ connectionString: database.url, max: connectionLimitOf(database.url, 4) });
  const db = new PrismaClient({ adapter: new PrismaPg(pool) });
  const opened = { db, pool, close: async () => (await db.$disconnect(), await pool.end().catch(() => undefined)) };
  processes.push(opened);
  return opened;
}

function start(process: FakeProcess, definitions: JobDefinition[], options: { wokenOnly?: JobName[] } = {}): BackgroundJobs {
  const runner = startBackgroundJobs({
    db: process.db,
    pool: process.pool,
    sharesOneSession: sharesOneSession(database.url),
    settings,
    process: "worker",
    jobs: definitions.map((job) => job.name),
    wokenOnly: options.wokenOnly,
    definitions,
    adminGraphqlFor: () => Promise.reject(new Error("no Admin API in this test")),
    mailTransport: () => {
      throw new Error("no mail in this test");
    },
  });
  runners.push(runner);
  return runner;
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(runners.map((runner) => runner.stop()));
  runners = [];
  vi.restoreAllMocks();
});
afterAll(async () => {
  await Promise.all(processes.map((process) => process.close()));
  await database?.drop();
});

describe("the catalog", () => {
  it("lists every background job once, with its schedule and single-runner rule", () => {
    expect(JOBS.map((job) => job.name)).toEqual([...JOB_NAMES]);
    expect(new Set(JOB_NAMES).size).toBe(JOB_NAMES.length);
    const table = Object.fromEntries(JOBS.map((job) => [job.name, { schedule: describeSchedule(job, settings), singleRunner: job.singleRunner }]));
    expect(table).toEqual({
      "webhook-inbox": { schedule: expect.stringMatching(/^continuous: woken the moment a delivery is accepted/), singleRunner: "none" },
      "follow-up-dispatch": { schedule: "every 5 s", singleRunner: "none" },
      "win-back-sweep": { schedule: "every 10 minutes", singleRunner: "global" },
      "survey-sweep": { schedule: "every 10 minutes", singleRunner: "global" },
      "points-expiry": { schedule: "hourly", singleRunner: "global" },
      "points-expiry-reminders": { schedule: "hourly", singleRunner: "global" },
      "redemption-upkeep": { schedule: "every 10 minutes", singleRunner: "none" },
      "report-rebuild": { schedule: "every 15 s, for each shop that needs it", singleRunner: "per-shop" },
      "history-import": { schedule: "every minute, for each shop that needs it", singleRunner: "per-shop" },
      "customer-segments": { schedule: "hourly, for each shop that needs it", singleRunner: "per-shop" },
      "birthday-points": { schedule: "hourly, for each shop that needs it", singleRunner: "per-shop" },
      "shopify-writes": { schedule: "every 5 s, for each shop that needs it", singleRunner: "per-shop" },
      "tier-recompute": { schedule: "daily, for each shop that needs it", singleRunner: "per-shop" },
    });
  });

  it("runs every job in npm run worker, and in the app what the app needs", () => {
    expect(jobsForProcess("worker", { ...settings, DATABASE_URL: "postgresql://db/app" })).toEqual({ jobs: [...JOB_NAMES], wokenOnly: [] });
    // The embedded database belongs to the app: it runs everything itself.
    expect(jobsForProcess("app", settings)).toEqual({ jobs: [...JOB_NAMES], wokenOnly: [] });
    expect(jobsForProcess("app", { ...settings, DATABASE_URL: "postgresql://db/app" })).toEqual({
      jobs: ["webhook-inbox", "report-rebuild", "history-import", "customer-segments", "tier-recompute"],
      wokenOnly: ["report-rebuild", "customer-segments", "tier-recompute"],
    });
    expect(jobsForProcess("app", { ...settings, DATABASE_URL: "postgresql://db/app", PROCESS_WEBHOOKS_IN_APP: false }).jobs).not.toContain("webhook-inbox");
  });

  it("is the only place that starts a background loop", () => {
    // A loop started anywhere else (a loader, a module's top level) would escape the catalog.
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const file = path.join(dir, name);
        if (file.startsWith(path.join("app", "generated"))) return [];
        return statSync(file).isDirectory() ? walk(file) : /\.tsx?$/.test(name) ? [file] : [];
      });
    const files = ["app", "server", "scripts"].flatMap(walk);
    const startsLoops = files.filter((file) => /(?<!function )\bstart(WebhookInbox|ProcessJobs|BackgroundJobs)\(/.test(readFileSync(file, "utf8")));
    expect(startsLoops.sort()).toEqual(["app/entry.server.tsx", "app/jobs/catalog.server.ts", "app/jobs/process.server.ts", "scripts/worker.ts"]);
    // setInterval only in the browser (the dashboard's and a sending campaign's own refresh) and the worker's keep-alive.
    expect(files.filter((file) => readFileSync(file, "utf8").includes("setInterval(")).sort()).toEqual([
      "app/routes/app.campaigns.$id.tsx",
      "app/routes/app.dashboard.tsx",
      "scripts/worker.ts",
    ]);
  });
});

/** A job whose round takes a while and counts how many times it ran. */
function slowJob(name: JobName, singleRunner: "global" | "none", runs: { count: number }): JobDefinition {
  return {
    name,
    kind: "rounds",
    description: "test",
    singleRunner,
    everyMs: () => 3_600_000,
    firstAfterMs: 0,
    async round() {
      runs.count += 1;
      // Long enough that the other process's first round, however late it starts on a busy machine, meets the lock.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      return `round ${runs.count}`;
    },
  };
}

describe("single runners", () => {
  it("a global job that two processes start at once runs once", async () => {
    const runs = { count: 0 };
    const job = slowJob("points-expiry", "global", runs);
    start(openProcess(), [job]);
    start(openProcess(), [job]);
    const db = processes[0].db;
    await until(async () => (await db.jobRun.count({ where: { job: "points-expiry" } })) >= 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(runs.count).toBe(1);
    expect(await db.jobRun.findMany({ where: { job: "points-expiry" } })).toMatchObject([{ outcome: "ok", summary: "round 1", shopId: null, error: null }]);
  });

  it("a job without a rule runs in both", async () => {
    const runs = { count: 0 };
    const job = slowJob("redemption-upkeep", "none", runs);
    start(openProcess(), [job]);
    start(openProcess(), [job]);
    await until(() => runs.count === 2);
  });

  it("a per-shop job runs once per shop across processes, and a run for a woken shop only", async () => {
    const db = processes[0]?.db ?? openProcess().db;
    const shops = await Promise.all(["a", "b"].map((name) => db.shop.create({ data: { domain: `jobs-${name}.myshopify.com` } })));
    const ranFor: string[] = [];
    // Like the real per-shop jobs, a run checks under its lock whether the shop still needs it.
    const done = new Set<string>();
    const job: JobDefinition = {
      name: "report-rebuild",
      kind: "shop-rounds",
      description: "test",
      singleRunner: "per-shop",
      everyMs: () => 3_600_000,
      firstAfterMs: 0,
      shops: async () => shops.filter((shop) => !done.has(shop.id)).map(({ id, domain }) => ({ id, domain })),
      async round(_context, shop) {
        if (done.has(shop.id)) return "already current";
        ranFor.push(shop.id);
        await new Promise((resolve) => setTimeout(resolve, 400));
        done.add(shop.id);
        return "rebuilt";
      },
    };
    start(openProcess(), [job]);
    start(openProcess(), [job]);
    await until(() => done.size === 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ranFor.sort()).toEqual(shops.map((shop) => shop.id).sort());
    await Promise.all(runners.map((runner) => runner.stop()));
    runners = [];

    // Run only when woken (the app with a database server): nothing on start; a wake for one shop runs that shop.
    ranFor.length = 0;
    done.clear();
    start(openProcess(), [job], { wokenOnly: ["report-rebuild"] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ranFor).toEqual([]);
    wakeJob("report-rebuild", shops[1].id);
    await until(() => ranFor.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ranFor).toEqual([shops[1].id]);
  });
});

describe("the run log", () => {
  it("records a failed run with its error, and a log line saying so", async () => {
    const errors = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    const job: JobDefinition = {
      name: "win-back-sweep",
      kind: "rounds",
      description: "test",
      singleRunner: "global",
      everyMs: () => 3_600_000,
      firstAfterMs: 0,
      round: () => Promise.reject(new Error("could not serialize access due to concurrent update")),
    };
    const process = processes[0] ?? openProcess();
    start(process, [job]);
    await until(async () => (await process.db.jobRun.count({ where: { job: "win-back-sweep" } })) === 1);
    const [run] = await process.db.jobRun.findMany({ where: { job: "win-back-sweep" } });
    expect(run).toMatchObject({ outcome: "failed", error: "could not serialize access due to concurrent update", summary: null, shopId: null });
    expect(run.finishedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt.getTime());
    const line = errors.mock.calls.find(([message]) => message === "job failed");
    expect(line?.[1]).toMatchObject({ job: "win-back-sweep", error: "could not serialize access due to concurrent update" });
  });

  it("keeps the newest runs per job and shop, and shows a shop only its own runs and the global jobs' last", async () => {
    const db = (processes[0] ?? openProcess()).db;
    const [mine, theirs] = await Promise.all(["mine", "theirs"].map((name) => db.shop.create({ data: { domain: `log-${name}.myshopify.com` } })));
    const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 0, minutes));
    for (let minute = 0; minute < RUNS_KEPT + 5; minute++) {
      await recordJobRun(db, { job: "history-import", shopId: mine.id, startedAt: at(minute), finishedAt: at(minute), outcome: "ok", summary: `run ${minute}`, error: null });
    }
    const kept = await db.jobRun.findMany({ where: { job: "history-import", shopId: mine.id }, orderBy: { startedAt: "asc" } });
    expect(kept).toHaveLength(RUNS_KEPT);
    expect(kept[0].summary).toBe("run 5");
    await recordJobRun(db, { job: "history-import", shopId: theirs.id, startedAt: at(100), finishedAt: at(100), outcome: "failed", summary: null, error: "their secret" });
    await recordJobRun(db, { job: "follow-up-dispatch", shopId: null, startedAt: at(1), finishedAt: at(1), outcome: "ok", summary: "older", error: null });
    await recordJobRun(db, { job: "follow-up-dispatch", shopId: null, startedAt: at(2), finishedAt: at(2), outcome: "failed", summary: null, error: "about some-other-shop.myshopify.com" });

    const shown = await jobRunsForShop(db, mine.id, 5);
    expect(shown.filter((run) => run.scope === "shop")).toHaveLength(5);
    expect(shown.filter((run) => run.scope === "shop").every((run) => run.job === "history-import" && run.error === null)).toBe(true);
    const upkeep = shown.filter((run) => run.job === "follow-up-dispatch");
    // The global job's last run only, its failure shown without the error (which may be about another shop).
    expect(upkeep).toEqual([expect.objectContaining({ scope: "all shops", outcome: "failed", error: null })]);
    expect(JSON.stringify(shown)).not.toContain("their secret");
    expect(JSON.stringify(shown)).not.toContain("some-other-shop");

    // Erasing a shop erases its runs.
    await db.shop.delete({ where: { id: theirs.id } });
    expect(await db.jobRun.count({ where: { shopId: theirs.id } })).toBe(0);
  });
});
