/**
 * Every background job the app runs, in one place: what it does, when it runs, and how many
 * processes may run it at once. `npm run worker` and the app process start them through the same
 * runner (runner.server.ts); `jobsForProcess` says which each runs.
 *
 * Single-runner rules:
 * - "none": any number of processes run it at once; the work itself is shared row by row
 *   (claims with FOR UPDATE SKIP LOCKED, leases) so nothing is done twice.
 * - "per-shop": one process at a time per shop (an advisory lock per job and shop).
 * - "global": one process at a time across all of them (an advisory lock per job); the others skip that round.
 */
import { recordCustomerBaseFigures } from "../customers/base-figures.server";
import { recomputeShopPredictions } from "../customers/next-order.server";
import { recomputeShopSegments, SEGMENTS_EVERY_MS, segmentsWaitMs, shopsForSegments } from "../customers/segments.server";
import { allowLongStatements } from "../database-timeouts.server";
import { sharesOneSession } from "../embedded-database.server";
import type { Env } from "../env.server";
import { sweepSurveys, sweepWinBacks } from "../follow-ups/schedule.server";
import { dispatchDueFollowUps } from "../follow-ups/dispatch.server";
import { defaultFromAddress, type MailTransport } from "../follow-ups/mail.server";
import { schedulePointsExpiryReminders } from "../follow-ups/points-expiry-reminders.server";
import type { PrismaClient } from "../generated/prisma/client";
import { awardBirthdayPoints, shopsWithBirthdayPoints } from "../loyalty/birthdays.server";
import { expirePointsEverywhere } from "../loyalty/points-expiry.server";
import { recomputeAllShopTiers, shopsWithTiers } from "../loyalty/tiers.server";
import { runRedemptionUpkeep } from "../loyalty/redemption-upkeep.server";
import { historyImportsToResume, pauseHistoryImports, resumeHistoryImport } from "../orders/history-import.server";
import { rebuildShopReports } from "../reports/background-rebuild.server";
import { shopsWithStaleReports } from "../reports/aggregates.server";
import { shopsWithUnsummedPointsDays, sumClosedPointsDays } from "../reports/points-days.server";
import type { AdminGraphql } from "../shopify/admin-graphql.server";
import { sendShopifyWrites, shopsWithShopifyWrites } from "../shop-tools/shopify-writes.server";
import { startWebhookInbox } from "../webhooks/inbox-processor.server";
import type { JobName } from "./names";

export type SingleRunnerRule = "none" | "per-shop" | "global";

/** What a job's code is given. */
export interface JobContext {
  db: PrismaClient;
  settings: Env;
  /** Which kind of process runs it: the embedded app, or `npm run worker`. */
  process: "app" | "worker";
  now: () => Date;
  /** The Admin API through the shop's offline session. */
  adminGraphqlFor: (shopDomain: string) => Promise<AdminGraphql>;
  /** The mail transport (SMTP_URL or the outbox), opened on first use and closed when the jobs stop. */
  mail: () => MailTransport;
  /** True once the process is stopping: a round stops at its next step. */
  stopping: () => boolean;
}

interface JobBase {
  name: JobName;
  /** What it does, in a merchant's words (the admin shows it). */
  description: string;
  singleRunner: SingleRunnerRule;
}

/** A job that is its own loop (the webhook inbox's lanes, woken the moment a delivery is accepted). */
export interface LoopJob extends JobBase {
  kind: "loop";
  singleRunner: "none";
  schedule: string;
  start(context: JobContext): { stop(): Promise<void> };
}

/** A job run in rounds: the first `firstAfterMs` after start, then every `everyMs`, and whenever woken. */
export interface RoundJob extends JobBase {
  kind: "rounds";
  singleRunner: "none" | "global";
  everyMs(settings: Env): number;
  firstAfterMs: number;
  /** One round; what it did in a few words, or null when it found nothing to do (such a round is not written to the run log). */
  round(context: JobContext): Promise<string | null>;
}

/** A job run in rounds for each shop that needs it; each shop's run is its own entry in the run log. */
export interface ShopRoundJob extends JobBase {
  kind: "shop-rounds";
  singleRunner: "per-shop";
  everyMs(settings: Env): number;
  firstAfterMs: number;
  /** The shops that need a run now; `woken` are those a request asked for (wakeJob with a shop) since the last round. */
  shops(context: JobContext, woken: ReadonlySet<string>): Promise<{ id: string; domain: string }[]>;
  round(context: JobContext, shop: { id: string; domain: string }): Promise<string>;
  /** Called when the process stops, before the runner waits for the rounds in hand. */
  onStop?(): Promise<void>;
}

export type JobDefinition = LoopJob | RoundJob | ShopRoundJob;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const WIN_BACK_SWEEP_TIMEOUT_MS = 5 * MINUTE;

/** Lanes for a database server; the embedded database serves one connection, so one lane there. */
export function inboxLanes(settings: { DATABASE_URL?: string; WEBHOOK_LANES: number }): number {
  return settings.DATABASE_URL ? settings.WEBHOOK_LANES : 1;
}

/**
 * Deliveries per transaction: one where every connection is the same session (the embedded database),
 * so a batch never holds the database the webhook routes are waiting for to store what they accept.
 */
export function inboxBatchSize(settings: { DATABASE_URL?: string; WEBHOOK_BATCH_SIZE: number }): number {
  return !settings.DATABASE_URL || sharesOneSession(settings.DATABASE_URL) ? 1 : settings.WEBHOOK_BATCH_SIZE;
}

export const JOBS: readonly JobDefinition[] = [
  {
    name: "webhook-inbox",
    kind: "loop",
    description: "Applies the orders, refunds and customer changes Shopify sends",
    schedule: "continuous: woken the moment a delivery is accepted, otherwise looks every second (a quarter second in npm run worker)",
    singleRunner: "none",
    start: ({ db, settings, process }) =>
      startWebhookInbox({
        db,
        lanes: process === "worker" ? settings.WEBHOOK_LANES : inboxLanes(settings),
        // No delivery is accepted in a worker to wake it: it looks every quarter second.
        ...(process === "worker" ? { pollMs: 250 } : {}),
        batchSize: inboxBatchSize(settings),
        maxAttempts: settings.WEBHOOK_MAX_ATTEMPTS,
        deadBodyDays: settings.WEBHOOK_DEAD_BODY_DAYS,
      }),
  },
  {
    name: "follow-up-dispatch",
    kind: "rounds",
    description: "Sends the follow-up emails that are due",
    singleRunner: "none",
    everyMs: (settings) => settings.FOLLOW_UPS_POLL_MS,
    firstAfterMs: 0,
    async round(context) {
      const { settings } = context;
      let claimed = 0;
      // While anything is due, claim and send the next batch.
      for (;;) {
        const batch = await dispatchDueFollowUps({
          db: context.db,
          transport: context.mail(),
          adminGraphqlFor: context.adminGraphqlFor,
          appUrl: settings.SHOPIFY_APP_URL,
          secret: settings.SHOPIFY_API_SECRET,
          defaultFromAddress: defaultFromAddress(settings),
          now: context.now,
        });
        claimed += batch;
        if (batch === 0 || context.stopping()) break;
      }
      return claimed > 0 ? `${claimed} follow-up${claimed === 1 ? "" : "s"} handled` : null;
    },
  },
  {
    name: "win-back-sweep",
    kind: "rounds",
    description: "Schedules win-back emails for customers who stopped buying",
    singleRunner: "global",
    everyMs: () => 10 * MINUTE,
    firstAfterMs: 0,
    async round({ db, now }) {
      const scheduled = await db.$transaction(
        async (tx) => {
          await allowLongStatements(tx, WIN_BACK_SWEEP_TIMEOUT_MS);
          return sweepWinBacks(tx, now());
        },
        { timeout: WIN_BACK_SWEEP_TIMEOUT_MS, maxWait: MINUTE },
      );
      return `${scheduled} win-back${scheduled === 1 ? "" : "s"} scheduled`;
    },
  },
  {
    name: "survey-sweep",
    kind: "rounds",
    description: "Schedules satisfaction surveys for fulfilled orders",
    singleRunner: "global",
    everyMs: () => 10 * MINUTE,
    firstAfterMs: 0,
    async round({ db, now }) {
      const scheduled = await sweepSurveys(db, now());
      return scheduled > 0 ? `${scheduled} survey${scheduled === 1 ? "" : "s"} scheduled` : null;
    },
  },
  {
    name: "points-expiry",
    kind: "rounds",
    description: "Expires points balances left unused for the program's expiry period",
    singleRunner: "global",
    everyMs: () => 60 * MINUTE,
    firstAfterMs: 5 * SECOND,
    async round({ db, now }) {
      const entries = await expirePointsEverywhere(db, now());
      return `${entries} balance${entries === 1 ? "" : "s"} expired`;
    },
  },
  {
    name: "points-expiry-reminders",
    kind: "rounds",
    description: "Schedules reminder emails for points about to expire",
    singleRunner: "global",
    everyMs: () => 60 * MINUTE,
    firstAfterMs: 10 * SECOND,
    async round({ db, now }) {
      const scheduled = await schedulePointsExpiryReminders(db, now());
      return `${scheduled} points expiry reminder${scheduled === 1 ? "" : "s"} scheduled`;
    },
  },
  {
    name: "redemption-upkeep",
    kind: "rounds",
    description: "Ends expired reward codes and finishes redemptions a restart interrupted",
    // Every step is safe when several processes run it at once.
    singleRunner: "none",
    everyMs: () => 10 * MINUTE,
    firstAfterMs: 0,
    async round({ db, settings, adminGraphqlFor, now }) {
      const result = await runRedemptionUpkeep(db, (shop) => ({ graphql: () => adminGraphqlFor(shop), timeoutMs: settings.DISCOUNT_CREATE_TIMEOUT_MS }), now());
      return Object.entries(result)
        .map(([what, count]) => `${what} ${count}`)
        .join(", ");
    },
  },
  {
    name: "report-rebuild",
    kind: "shop-rounds",
    description: "Rebuilds the dashboard's report rows when they are missing or out of date, and sums each day of the points ledger once it has closed",
    singleRunner: "per-shop",
    everyMs: () => 15 * SECOND,
    firstAfterMs: 0,
    shops: async ({ db }) => {
      const ids = [...new Set([...(await shopsWithStaleReports(db)), ...(await shopsWithUnsummedPointsDays(db))])];
      if (ids.length === 0) return [];
      return db.shop.findMany({ where: { id: { in: ids } }, select: { id: true, domain: true } });
    },
    async round({ db }, shop) {
      if (await rebuildShopReports(db, shop.id)) return "report rows rebuilt";
      const days = await sumClosedPointsDays(db, shop.id);
      return days > 0 ? `points of ${days} closed day${days === 1 ? "" : "s"} summed` : "report rows already current";
    },
  },
  {
    name: "history-import",
    kind: "shop-rounds",
    description: "Imports the shop's past customers and orders after install, resuming where it stopped",
    singleRunner: "per-shop",
    // The import's lease: an import whose process stopped is picked up within a minute.
    everyMs: () => MINUTE,
    firstAfterMs: 0,
    // A shop whose merchant opened the app retries a failed import at once.
    shops: ({ db, now }, woken) => historyImportsToResume(db, now(), [...woken]),
    async round({ db, adminGraphqlFor }, shop) {
      await resumeHistoryImport(db, shop.domain, await adminGraphqlFor(shop.domain));
      const state = await db.historyImport.findUnique({ where: { shopId: shop.id }, select: { status: true, phase: true, error: true } });
      if (state?.error) throw new Error(state.error);
      return state?.status === "done" ? "history imported" : `stopped in the ${state?.phase ?? "first"} phase; resumes from its last batch`;
    },
    onStop: pauseHistoryImports,
  },
  {
    name: "customer-segments",
    kind: "shop-rounds",
    description: "Scores customers on recency, frequency and spend, places them in segments (Champions, At risk…) and predicts when each will order next",
    singleRunner: "per-shop",
    // Hourly for every shop, and at once for a shop whose orders the inbox or the history import just applied.
    everyMs: () => SEGMENTS_EVERY_MS,
    firstAfterMs: 10 * SECOND,
    shops: ({ db, now }, woken) => shopsForSegments(db, now(), [...woken]),
    async round({ db, now, stopping }, shop) {
      // At most one recompute per shop every SEGMENTS_MIN_GAP_MS: a busy shop's wakes wait out the gap.
      const until = Date.now() + (await segmentsWaitMs(db, shop.id, now()));
      while (Date.now() < until) {
        if (stopping()) return "stopped before recomputing; the next run does it";
        await new Promise((resolve) => setTimeout(resolve, Math.min(250, until - Date.now())));
      }
      const customers = await recomputeShopSegments(db, shop.id, now());
      // The next-order predictions read the same orders and are wanted as soon as the segments.
      const predicted = await recomputeShopPredictions(db, shop.id, now());
      // The dashboard's customer base (health colours, customers below zero, segment figures) for these segments.
      await recordCustomerBaseFigures(db, shop.id, now());
      return `${customers} customer${customers === 1 ? "" : "s"} placed in segments, ${predicted} next order${predicted === 1 ? "" : "s"} predicted`;
    },
  },
  {
    name: "birthday-points",
    kind: "shop-rounds",
    description: "Gives customers their birthday points on the day, in the shop's time zone, once a year",
    singleRunner: "per-shop",
    // Hourly: every shop's midnight passes within the hour; a day missed entirely is made up (BIRTHDAY_CATCH_UP_DAYS).
    everyMs: () => 60 * MINUTE,
    firstAfterMs: 15 * SECOND,
    shops: ({ db }) => shopsWithBirthdayPoints(db),
    async round({ db, now }, shop) {
      const { awarded, tooRecent } = await awardBirthdayPoints(db, shop.id, now());
      return `${awarded} birthday${awarded === 1 ? "" : "s"} given${tooRecent > 0 ? `, ${tooRecent} set too recently` : ""}`;
    },
  },
  {
    name: "shopify-writes",
    kind: "shop-rounds",
    description: "Writes points balances and tiers to Shopify's customer records (metafields, tags) and sends Flow triggers",
    singleRunner: "per-shop",
    everyMs: () => 5 * SECOND,
    firstAfterMs: 0,
    shops: ({ db, now }) => shopsWithShopifyWrites(db, now()),
    async round({ db, adminGraphqlFor }, shop) {
      const { sent, failed } = await sendShopifyWrites(db, shop.id, await adminGraphqlFor(shop.domain));
      return `${sent} write${sent === 1 ? "" : "s"} sent${failed > 0 ? `, ${failed} to try again` : ""}`;
    },
  },
  {
    name: "tier-recompute",
    kind: "shop-rounds",
    description: "Recomputes customers' VIP tiers daily (a rolling window passing old purchases, the retention period ending), and at once when the merchant changes the ladder",
    singleRunner: "per-shop",
    everyMs: () => 24 * 60 * MINUTE,
    firstAfterMs: 20 * SECOND,
    // Daily for every shop with tiers; woken for one shop, every customer of it (the ladder changed).
    shops: async ({ db }, woken) => {
      const shops = await shopsWithTiers(db);
      const wokenShops = await db.shop.findMany({ where: { id: { in: [...woken] } }, select: { id: true, domain: true } });
      return [...new Map([...shops, ...wokenShops].map((shop) => [shop.id, shop])).values()];
    },
    async round({ db, now }, shop) {
      const changed = await recomputeAllShopTiers(db, shop.id, now());
      return `${changed} customer${changed === 1 ? "" : "s"} changed tier`;
    },
  },
];

export function jobDefinition(name: JobName): JobDefinition {
  const job = JOBS.find((candidate) => candidate.name === name);
  if (!job) throw new Error(`No background job is called ${name}`);
  return job;
}

/** When a job runs, in words (the admin and the worker's start line show it). */
export function describeSchedule(job: JobDefinition, settings: Env): string {
  if (job.kind === "loop") return job.schedule;
  const every = job.everyMs(settings);
  const words =
    every % MINUTE === 0
      ? every === 24 * 60 * MINUTE
        ? "daily"
        : every === 60 * MINUTE
          ? "hourly"
          : every === MINUTE
            ? "every minute"
            : `every ${every / MINUTE} minutes`
      : `every ${every / SECOND} s`;
  return job.kind === "shop-rounds" ? `${words}, for each shop that needs it` : words;
}

/**
 * Which jobs a process runs, and which of those only when a request wakes them. `npm run worker` runs
 * them all on schedule. The app process applies the webhooks it accepts (unless
 * PROCESS_WEBHOOKS_IN_APP=false) and imports the history of the shops it installs; with a database
 * server it rebuilds a shop's reports only when that shop's dashboard asks, and recomputes a shop's
 * segments only when the orders it applied or imported wake it (the workers' schedule does the rest); on the embedded database, which belongs to it, it runs everything on schedule.
 */
export function jobsForProcess(
  process: "app" | "worker",
  settings: Pick<Env, "DATABASE_URL" | "PROCESS_WEBHOOKS_IN_APP">,
): { jobs: JobName[]; wokenOnly: JobName[] } {
  const all = JOBS.map((job) => job.name);
  if (process === "worker") return { jobs: all, wokenOnly: [] };
  if (!settings.DATABASE_URL) return { jobs: all.filter((name) => name !== "webhook-inbox" || settings.PROCESS_WEBHOOKS_IN_APP), wokenOnly: [] };
  return {
    jobs: all.filter((name) =>
      name === "webhook-inbox"
        ? settings.PROCESS_WEBHOOKS_IN_APP
        : name === "history-import" || name === "report-rebuild" || name === "customer-segments" || name === "tier-recompute",
    ),
    // A ladder changed in the admin is recomputed at once by the app; the daily run is the workers'.
    wokenOnly: ["report-rebuild", "customer-segments", "tier-recompute"],
  };
}
