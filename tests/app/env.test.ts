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
