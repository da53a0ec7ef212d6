import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

import { startEmbeddedDatabase } from "../../app/embedded-database.server";
import { freePortRange } from "../support/test-app";

// The demo's app listens on PORT, the dev store's admin and storefront on the two after it.
const DEMO_PORTS = 3;

/** `npm run demo` without its build step (the test run has built the app already). */
function startDemo(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "dev-store/demo.ts"], {
    env: { NODE_ENV: "development", PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", () => {
      if (output.includes("Ctrl-C stops")) resolve(output);
    });
    child.once("exit", (code) => reject(new Error(`demo exited with ${code} before it was ready:\n${output}`)));
  });
  ready.catch(() => undefined); // a refusal test awaits `exited` instead
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, ready, exited, output: () => output };
}

async function stop(demo: { child: ChildProcess; exited: Promise<number | null> }) {
  demo.child.kill("SIGINT");
  return demo.exited;
}

let dataDir: string;
let seededDir: string;
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (seededDir) await rm(seededDir, { recursive: true, force: true });
});

/** Runs `sql` on a stopped demo's embedded database. */
async function queryDemoDatabase<Row extends Record<string, unknown>>(dir: string, statements: string[]): Promise<Row[][]> {
  const database = await startEmbeddedDatabase({ dataDir: path.join(dir, "postgres") });
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const results: Row[][] = [];
    for (const text of statements) results.push((await client.query<Row>(text)).rows);
    return results;
  } finally {
    await client.end();
    await database.close();
  }
}

describe("npm run demo", () => {
  it("installs the dev shop with DEMO_SEED=0, stops cleanly on Ctrl-C and keeps its data for the next run", async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "loyalty-demo-"));
    const port = await freePortRange(DEMO_PORTS);
    const env = { PORT: String(port), DATA_DIR: dataDir, DEMO_SEED: "0" };

    const first = startDemo(env);
    const printed = await first.ready;
    const adminUrl = /Admin\s+(\S+)/.exec(printed)?.[1];
    const storefrontUrl = /Storefront\s+(\S+)/.exec(printed)?.[1];
    expect(printed).toContain(`running on http://localhost:${port}, installed on demo-loyalty.myshopify.com`);
    expect(printed).toContain("(0 customers, 0 orders in the dev store)");

    const adminPage = await fetch(adminUrl!);
    expect(adminPage.status).toBe(200);
    expect(await adminPage.text()).toMatch(new RegExp(`<iframe[^>]+src="http://localhost:${port}/app\\?`));
    expect((await fetch(storefrontUrl!)).status).toBe(200);
    expect(await stop(first)).toBe(0);

    // The app's embedded database holds the install: the offline session and the shop's settings.
    const database = await startEmbeddedDatabase({ dataDir: path.join(dataDir, "postgres") });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const sessions = await client.query(`SELECT shop, "isOnline" FROM "Session"`);
    const shops = await client.query(
      `SELECT s.domain, p."welcomePoints" FROM "Shop" s JOIN "ProgramSettings" p ON p."shopId" = s.id`,
    );
    await client.end();
    await database.close();
    expect(sessions.rows).toEqual([{ shop: "demo-loyalty.myshopify.com", isOnline: false }]);
    expect(shops.rows).toEqual([{ domain: "demo-loyalty.myshopify.com", welcomePoints: 100 }]);

    const second = startDemo(env);
    expect(await second.ready).toContain("installed on demo-loyalty.myshopify.com");
    expect(second.output()).not.toContain("Seeded");
    expect(await stop(second)).toBe(0);
    // Two cold starts of the embedded database, each migrating or opening it: slow on a busy machine.
  }, 180_000);

  it("seeds a shop that installed the app months ago: balances, redemptions, referrals and sent emails", async () => {
    seededDir = await mkdtemp(path.join(tmpdir(), "loyalty-demo-seeded-"));
    const port = await freePortRange(DEMO_PORTS);
    const started = Date.now();
    const demo = startDemo({ PORT: String(port), DATA_DIR: seededDir });
    const printed = await demo.ready;
    const ready = Date.now() - started;
    // The weeks since the install arrive in the background; a line says when they are in.
    // Bounded, so a seed that never finishes fails here with the demo's output, not at the test's timeout.
    const seedDeadline = started + 600_000;
    const seedEnded = () => demo.output().includes("redemptions") || demo.output().includes("Seeding the demo failed") || demo.child.exitCode !== null;
    while (!seedEnded() && Date.now() < seedDeadline) await new Promise((resolve) => setTimeout(resolve, 1000));
    console.log(`demo ready in ${ready} ms, the lived-in seed in ${Date.now() - started} ms`);
    expect(demo.output()).toMatch(/Seeded demo-loyalty\.myshopify\.com: \d+ customers, \d+ orders over 18 months/);
    expect(demo.output()).toMatch(/\d+ orders since arrived as webhooks; 12 redemptions, 6 referrals/);
    const storefrontUrl = /Storefront\s+(\S+)/.exec(printed)![1];
    expect(await (await fetch(`${storefrontUrl}cart`)).text()).toContain("Your cart");

    // The follow-ups the seeded past scheduled go out from the app's own dispatcher.
    const outbox = path.join(seededDir, "outbox");
    const deadline = Date.now() + 120_000;
    while ((await readdir(outbox).catch(() => [])).filter((file) => file.endsWith(".json")).length < 10 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(await stop(demo)).toBe(0);

    const [balances, redemptions, referrals, sent, settings, installs] = await queryDemoDatabase<{ n: string } & Record<string, unknown>>(seededDir, [
      `SELECT count(*) AS n FROM (SELECT "customerId" FROM "PointsLedgerEntry" GROUP BY 1 HAVING sum(points) > 0) b`,
      `SELECT count(*) AS n FROM "Redemption"`,
      `SELECT count(*) AS n FROM "Referral" WHERE "rewardedAt" IS NOT NULL`,
      `SELECT count(*) AS n FROM "FollowUp" WHERE status = 'SENT'`,
      `SELECT "thankYouEnabled" AS n FROM "FollowUpSettings"`,
      `SELECT extract(day FROM now() - "installedAt") AS n FROM "Shop"`,
    ]);
    expect(Number(balances[0].n)).toBeGreaterThan(300);
    expect(Number(redemptions[0].n)).toBeGreaterThanOrEqual(12);
    expect(Number(referrals[0].n)).toBeGreaterThanOrEqual(6);
    expect(Number(sent[0].n)).toBeGreaterThanOrEqual(10);
    expect(settings[0].n).toBe(true);
    expect(Number(installs[0].n)).toBeGreaterThanOrEqual(29);
    expect((await readdir(outbox)).filter((file) => file.endsWith(".json")).length).toBeGreaterThanOrEqual(10);
  }, 900_000);

  it("refuses to start in production", async () => {
    const demo = startDemo({ NODE_ENV: "production", PORT: String(await freePortRange(DEMO_PORTS)), DATA_DIR: path.join(tmpdir(), "never") });
    expect(await demo.exited).toBe(1);
    expect(demo.output()).toContain("The dev store refuses to start: NODE_ENV is production");
  });
});
