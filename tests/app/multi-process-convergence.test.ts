/**
 * Production's shape on one machine: two app processes (`npm start`, accepting only, as
 * PROCESS_WEBHOOKS_IN_APP=false deploys them behind a load balancer) and three `npm run worker`
 * processes applying the one inbox, all on ONE PostgreSQL server database.
 *
 * A generated history (customers created and updated; orders created, paid, refunded, cancelled,
 * reordered; referred friends) is delivered twice in the same shop under two sets of ids:
 * - the reference: in time order, one delivery after another, applied by one worker process with one
 *   lane (one process applying each delivery as it comes);
 * - the storm: shuffled, every delivery one to three times (a retry under Shopify's same event id or a
 *   separate event), 16 in flight, alternately to the two apps, applied by the three workers.
 * A delivery the app does not answer 200 (a 503 when the database cannot store it in time), or whose
 * connection fails, is sent again, as Shopify does. Once the inbox is empty both must have left the
 * same balances, net points per customer, order and reason, orders, follow-ups, report rows and
 * referrals. The timings are printed (docs/scaling.md).
 *
 * Needs a PostgreSQL server (the workers refuse the embedded database): DATABASE_URL, else the local
 * server if it answers; skipped, with the reason, when there is none.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { setReplenishmentInterval } from "../../app/follow-ups/schedule.server";
import { setFollowUpKindEnabled } from "../../app/follow-ups/settings.server";
import { applyMigrations } from "../../app/migrations.server";
import { rebuildReports } from "../../app/reports/aggregates.server";
import { createEmptyDatabase, databaseServer } from "../support/database-server";
import { added, customerHistories, deliveriesOf, idsFor, outcome, referralsBeforeDeliveries, reportDays } from "../support/order-histories";
import { freePort, inboxApplied, startTestApp, type TestApp } from "../support/test-app";
import { sendWebhook, type SendWebhookOptions } from "../support/webhooks";

const CUSTOMERS = Number(process.env.CONVERGENCE_CUSTOMERS ?? 20);
const SEED = Number(process.env.CONVERGENCE_SEED ?? Date.now() % 2 ** 31);
const IN_FLIGHT = 16;
const APPS = 2;
const WORKERS = 3;
const DRAIN_TIMEOUT_MS = 10 * 60_000;

const server = await databaseServer();
const skipReason = server.url === null ? ` (skipped: ${server.reason})` : "";

let app: TestApp;
let appStarted = false;
let database: { url: string; drop(): Promise<void> } | undefined;
let shopId: string;
let dataDir: string;
const children: ChildProcess[] = [];

/** Starts `npm start`'s server in its own process on the test's database; resolves to its address once it answers. */
async function startAppProcess(): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "server/start.ts"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", PROCESS_WEBHOOKS_IN_APP: "false", DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app process on port ${port} exited with ${child.exitCode}`);
    const answered = await fetch(`${url}/`, { signal: AbortSignal.timeout(1_000) }).then(() => true, () => false);
    if (answered) return url;
    if (Date.now() > deadline) throw new Error(`the app process on port ${port} did not answer within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts `npm run worker` in its own process on the test's database; resolves once it says it has started. */
async function startWorker(lanes?: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "warn", ...(lanes ? { WEBHOOK_LANES: String(lanes) } : {}) },
    // The log is on stderr: "worker started" is written whatever LOG_LEVEL says, then warnings and errors.
    stdio: ["ignore", "inherit", "pipe"],
  });
  children.push(child);
  // Loading the app's modules takes seconds on a busy machine: deliveries sent before then would wait on it.
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error("npm run worker did not start within 60 s")), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes("worker started")) return;
      clearTimeout(timer);
      child.stderr!.off("data", read);
      resolve();
    };
    child.stderr!.on("data", read);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm run worker exited with ${code} before it started: ${output}`));
    });
  });
  // Keep reading, so a full pipe never blocks the worker; its warnings and errors show in the test's output.
  child.stderr!.pipe(process.stderr);
  return child;
}

let redelivered = 0;

/**
 * Delivers as Shopify does: an answer other than 200 (a 503 when the database is too slow to store
 * the row within its timeout, as on a saturated machine), or a connection that fails, is sent again,
 * same event and webhook id, after a pause (Shopify waits longer, and retries 8 times).
 */
async function deliver(topic: string, payload: unknown, options: SendWebhookOptions & { eventId: string }): Promise<Response> {
  const webhookId = `${options.eventId}-webhook`;
  for (let attempt = 1; ; attempt++) {
    const response = await sendWebhook(app, topic, payload, { ...options, webhookId }).catch((error: unknown) => {
      if (attempt === 8) throw error;
      return null;
    });
    if (response && (response.status === 200 || attempt === 8)) return response;
    redelivered += 1;
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
  }
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

beforeAll(async () => {
  if (!server.url) return;
  process.env.PROCESS_WEBHOOKS_IN_APP = "false";
  dataDir = await mkdtemp(path.join(tmpdir(), "loyalty-convergence-"));
  // A server database whatever the suite runs on: the workers need one.
  database = await createEmptyDatabase(server.url, "loyalty_test");
  await applyMigrations(database.url);
  // The test's own app (accepting only) is the one the dev store installs through; deliveries go to the two app processes.
  app = await startTestApp({}, { database });
  appStarted = true;
  shopId = await app.installAndImportHistory();
  for (const kind of ["THANK_YOU", "NEXT_PURCHASE", "REPLENISHMENT"] as const) await setFollowUpKindEnabled(app.db, shopId, kind, true, new Date());
  for (let o = 0; o < 2; o++) await setReplenishmentInterval(app.db, shopId, `gid://shopify/Product/${1000 + o}`, { intervalDays: 30, leadDays: 5 });
  await rebuildReports(app.db, shopId);
}, 180_000);

afterAll(async () => {
  await Promise.all(children.map(stop));
  // The app drops its database on close; one that never started leaves it to be dropped here.
  await (appStarted ? app.close() : database?.drop());
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe.skipIf(!server.url)(`two app processes and three workers on one database${skipReason}`, () => {
  it(`converge on what one process applying the deliveries in order gives (${CUSTOMERS} customers, seed ${SEED})`, async () => {
    const [[plan, order, copies]] = fc.sample(
      customerHistories(CUSTOMERS, CUSTOMERS).chain((plan) => {
        const count = deliveriesOf(plan, idsFor(0), new Date(0), "x").length;
        return fc.tuple(
          fc.constant(plan),
          fc.shuffledSubarray([...Array(count).keys()], { minLength: count, maxLength: count }),
          fc.array(fc.integer({ min: 1, max: 3 }), { minLength: count, maxLength: count }),
        );
      }),
      { numRuns: 1, seed: SEED },
    );
    const start = new Date(Math.floor(Date.now() / 1000) * 1000 + 3 * 86_400_000);
    const base = 8_000_000_000 + (SEED % 1000) * 1_000_000;
    const calm = idsFor(base);
    const stormy = idsFor(base + 500_000);
    const calmDeliveries = deliveriesOf(plan, calm, start, `calm${SEED}`);
    const stormDeliveries = deliveriesOf(plan, stormy, start, `storm${SEED}`);
    const apps = await Promise.all(Array.from({ length: APPS }, startAppProcess));

    // The reference: one worker with one lane applies the deliveries one by one, in the order accepted.
    const single = await startWorker(1);
    const before = await reportDays(app.db, shopId);
    await referralsBeforeDeliveries(app, shopId, plan, calm, calmDeliveries, `calm${SEED}`, { appUrl: apps[0] });
    const calmStarted = performance.now();
    for (const delivery of calmDeliveries) {
      const response = await deliver(delivery.topic, delivery.payload, { appUrl: apps[0], acceptOnly: true, eventId: `calm-${SEED}-${delivery.sequence}` });
      expect(response.status, `${delivery.topic} at ${delivery.at}s`).toBe(200);
    }
    await inboxApplied(app.db, DRAIN_TIMEOUT_MS, 20);
    const calmMs = performance.now() - calmStarted;
    const afterCalm = await reportDays(app.db, shopId);
    await stop(single);

    // The storm: three workers, deliveries shuffled and repeated, alternately to both apps.
    await Promise.all(Array.from({ length: WORKERS }, () => startWorker()));
    await referralsBeforeDeliveries(app, shopId, plan, stormy, stormDeliveries, `storm${SEED}`, { appUrl: apps[1] });
    const sends: (() => Promise<Response>)[] = [];
    order.forEach((index, position) => {
      const delivery = stormDeliveries[index];
      const eventId = `storm-${SEED}-${delivery.sequence}-${delivery.payload.admin_graphql_api_id}-${delivery.topic}`;
      for (let copy = 0; copy < copies[position]; copy++) {
        const appUrl = apps[sends.length % APPS];
        // Shopify's retry reuses the event id; a second event about the same change does not.
        sends.push(() => deliver(delivery.topic, delivery.payload, { appUrl, acceptOnly: true, eventId: copy % 2 === 0 ? eventId : `${eventId}-${copy}` }));
      }
    });
    const inboxBefore = await app.db.webhookEvent.count();
    const stormStartedAt = new Date();
    const stormStarted = performance.now();
    let next = 0;
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < sends.length) {
          const response = await sends[next++]();
          if (response.status !== 200) failures.push(`${response.status}: ${await response.text()}`);
        }
      }),
    );
    const acceptedMs = performance.now() - stormStarted;
    expect(failures).toEqual([]);
    await inboxApplied(app.db, DRAIN_TIMEOUT_MS, 20);
    const stormMs = performance.now() - stormStarted;
    const afterStorm = await reportDays(app.db, shopId);
    // Rows the storm stored (a repeat under the same event id is not one) and the attempts that failed and were retried.
    const stored = (await app.db.webhookEvent.count()) - inboxBefore;
    const retried = await app.db.webhookEvent.count({ where: { attempts: { gt: 0 }, receivedAt: { gte: stormStartedAt } } });

    const expected = await outcome(app.db, shopId, calm, plan);
    const actual = await outcome(app.db, shopId, stormy, plan);
    const context = `seed ${SEED} (CONVERGENCE_SEED=${SEED} CONVERGENCE_CUSTOMERS=${CUSTOMERS} repeats it)`;
    expect(actual.orders.length, context).toBe(plan.reduce((sum, customer) => sum + customer.orders.length, 0));
    expect(actual.balances, context).toEqual(expected.balances);
    expect(actual.net, context).toEqual(expected.net);
    expect(actual.orders, context).toEqual(expected.orders);
    expect(actual.followUps, context).toEqual(expected.followUps);
    expect(actual.reportOrders, context).toEqual(expected.reportOrders);
    expect(actual.referrals, context).toEqual(expected.referrals);
    expect(added(afterCalm, afterStorm), context).toEqual(added(before, afterCalm));

    console.log(
      JSON.stringify({
        seed: SEED,
        customers: plan.length,
        orders: actual.orders.length,
        reference: { deliveries: calmDeliveries.length, ms: Math.round(calmMs), perSecond: Math.round(calmDeliveries.length / (calmMs / 1000)) },
        storm: {
          sends: sends.length,
          acceptedMs: Math.round(acceptedMs),
          acceptedPerSecond: Math.round(sends.length / (acceptedMs / 1000)),
          stored,
          appliedMs: Math.round(stormMs),
          appliedPerSecond: Math.round(stored / (stormMs / 1000)),
          drainedAfterAcceptingMs: Math.round(stormMs - acceptedMs),
          retriedAfterAFailedAttempt: retried,
          redeliveredAfterNot200OrAFailedConnection: redelivered,
        },
        // The machine's load while it ran: the timings are only comparable at similar loads.
        loadAverage: loadavg().map((load) => Math.round(load * 10) / 10),
      }),
    );
  }, 900_000);
});
