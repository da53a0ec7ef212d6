import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

import { InvalidEnvironmentError, parseEnv } from "../../app/env.server";

const valid = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://loyalty.example.com",
};

function problemsOf(raw: Record<string, string | undefined>): string[] {
  try {
    parseEnv(raw);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
  return [];
}

describe("settings", () => {
  it("fills in defaults for what is optional", () => {
    const env = parseEnv(valid);
    expect(env.PORT).toBe(3000);
    expect(env.DATA_DIR).toBe(".data");
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it("names every missing or malformed setting", () => {
    const problems = problemsOf({ SHOPIFY_APP_URL: "not a url", PORT: "eighty", DATABASE_URL: "mysql://x" });
    expect(problems.join("\n")).toMatch(/SHOPIFY_API_KEY/);
    expect(problems.join("\n")).toMatch(/SHOPIFY_API_SECRET/);
    expect(problems.join("\n")).toMatch(/SHOPIFY_APP_URL/);
    expect(problems.join("\n")).toMatch(/PORT/);
    expect(problems.join("\n")).toMatch(/DATABASE_URL must be a postgresql:\/\/ connection string/);
  });

  it("refuses dev-store settings and the embedded database in production", () => {
    const problems = problemsOf({
      ...valid,
      NODE_ENV: "production",
      SHOPIFY_API_ORIGIN: "http://127.0.0.1:3001",
      APP_BRIDGE_URL: "http://127.0.0.1:3001/app-bridge.js",
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DATABASE_URL is required in production/),
        expect.stringMatching(/^SHOPIFY_API_ORIGIN must not be set in production/),
        expect.stringMatching(/^APP_BRIDGE_URL must not be set in production/),
      ]),
    );
  });

  it("refuses in production the app secrets the repository publishes for its dev store", () => {
    const production = { ...valid, NODE_ENV: "production", DATABASE_URL: "postgresql://db.example/loyalty", SMTP_URL: "smtp://mail.example" };
    for (const published of ["dev-store-demo-secret", "dev-store-test-secret", "dev-store-bench-secret", "bench-follow-ups-secret", "dev-store-any-other"]) {
      expect(problemsOf({ ...production, SHOPIFY_API_SECRET: published })).toEqual([
        expect.stringMatching(/^SHOPIFY_API_SECRET is one of the dev store's published secrets/),
      ]);
    }
    expect(problemsOf({ ...production, SHOPIFY_API_SECRET: "shpss_0123456789abcdef0123456789abcdef" })).toEqual([]);
    // The demo and the tests run on them outside production.
    expect(problemsOf({ ...valid, NODE_ENV: "development", SHOPIFY_API_SECRET: "dev-store-demo-secret" })).toEqual([]);
  });

  it("bounds the database waits by default, and takes other bounds", () => {
    expect(parseEnv(valid)).toMatchObject({
      DATABASE_CONNECT_TIMEOUT_MS: 2_000,
      DATABASE_STATEMENT_TIMEOUT_MS: 4_000,
      DATABASE_LOCK_TIMEOUT_MS: 3_000,
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 30_000,
    });
    expect(parseEnv({ ...valid, DATABASE_STATEMENT_TIMEOUT_MS: "2500" }).DATABASE_STATEMENT_TIMEOUT_MS).toBe(2_500);
    expect(problemsOf({ ...valid, DATABASE_STATEMENT_TIMEOUT_MS: "0" }).join("\n")).toMatch(/DATABASE_STATEMENT_TIMEOUT_MS/);
  });

  it("stops npm start in production with the demo's secret, naming it", async () => {
    const run = promisify(execFile);
    const start = run(process.execPath, ["--import", "tsx", "server/start.ts"], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        PORT: "0",
        SHOPIFY_API_KEY: "demo-loyalty-app",
        SHOPIFY_API_SECRET: "dev-store-demo-secret",
        SHOPIFY_APP_URL: "https://loyalty.example.com",
        DATABASE_URL: "postgresql://127.0.0.1:1/unused",
        SMTP_URL: "smtp://mail.example.com",
      },
    });
    await expect(start).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/SHOPIFY_API_SECRET is one of the dev store's published secrets/),
    });
  });

  it("stops the built app at start with a message naming what is missing", async () => {
    const run = promisify(execFile);
    const start = run(process.execPath, ["--input-type=module", "-e", "await import('./build/server/index.js')"], {
      env: { PATH: process.env.PATH, NODE_ENV: "production", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "https://a.example" },
    });
    await expect(start).rejects.toMatchObject({
      stderr: expect.stringMatching(/SHOPIFY_API_KEY is required[\s\S]*DATABASE_URL is required in production/),
    });
  });
});
