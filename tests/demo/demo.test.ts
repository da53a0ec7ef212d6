import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

import { startEmbeddedDatabase } from "../../app/embedded-database.server";
import { freePort } from "../support/test-app";

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
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("npm run demo", () => {
  it("installs the dev shop with DEMO_SEED=0, stops cleanly on Ctrl-C and keeps its data for the next run", async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "loyalty-demo-"));
    const port = await freePort();
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

  it("refuses to start in production", async () => {
    const demo = startDemo({ NODE_ENV: "production", PORT: String(await freePort()), DATA_DIR: path.join(tmpdir(), "never") });
    expect(await demo.exited).toBe(1);
    expect(demo.output()).toContain("The dev store refuses to start: NODE_ENV is production");
  });
});
