/**
 * The Background jobs section of the Sync issues page: a shop sees what ran for it (here its real
 * history import, run by the app's history-import job) and the last run of each job that works
 * across shops, never another shop's runs or a global job's error text.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { DESKTOP_USER_AGENT, launchBrowser, openEmbeddedAdmin, screenshot } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let browser: Browser | undefined;
beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  const other = await app.db.shop.create({ data: { domain: "someone-else.myshopify.com" } });
  const at = new Date();
  await app.db.jobRun.createMany({
    data: [
      { job: "history-import", shopId: other.id, startedAt: at, finishedAt: at, outcome: "failed", error: "Bulk operation failed for someone-else" },
      { job: "points-expiry", shopId: null, startedAt: at, finishedAt: at, outcome: "failed", error: "expiry failed at shop someone-else.myshopify.com" },
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

interface JobRunRow {
  job: string;
  what: string;
  scope: "shop" | "all shops";
  outcome: string;
  summary: string | null;
  error: string | null;
}

async function jobRuns(token: string): Promise<{ status: number; runs: JobRunRow[] }> {
  const response = await fetch(new URL("/app/sync-issues?_data=routes%2Fapp.sync-issues", app.appUrl), {
    headers: { "user-agent": DESKTOP_USER_AGENT, authorization: `Bearer ${token}` },
  });
  return { status: response.status, runs: response.status === 200 ? (await response.json()).jobRuns : [] };
}

describe("the Background jobs section", () => {
  it("lists the shop's own runs and the global jobs' last runs, nothing of another shop", async () => {
    // The run is written as the import's job finishes, just after the import row says done.
    let runs: JobRunRow[] = [];
    for (let attempt = 0; attempt < 100 && !runs.some((run) => run.job === "history-import"); attempt++) {
      runs = (await jobRuns(mintSessionToken({ shop: TEST_APP.shop, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret }))).runs;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(runs.filter((run) => run.job === "history-import")).toEqual([
      expect.objectContaining({ scope: "shop", outcome: "ok", summary: "history imported", error: null, what: expect.stringContaining("past customers and orders") }),
    ]);
    expect(runs.filter((run) => run.job === "points-expiry")).toEqual([expect.objectContaining({ scope: "all shops", outcome: "failed", error: null })]);
    expect(JSON.stringify(runs)).not.toContain("someone-else");
    expect((await app.db.jobRun.findFirstOrThrow({ where: { job: "history-import", shopId } })).outcome).toBe("ok");
  });

  it("is refused without a valid session token", async () => {
    const forged = await jobRuns(mintSessionToken({ shop: TEST_APP.shop, apiKey: TEST_APP.apiKey, apiSecret: "not-the-app-secret" }));
    expect(forged.status).toBe(401);
  });

  it("shows the runs on the page", async () => {
    browser = await launchBrowser();
    const { page, frame } = await openEmbeddedAdmin(browser, app.devStore, "/sync-issues");
    await frame.getByRole("heading", { name: "Background jobs" }).waitFor();
    await frame.getByText("Imports the shop's past customers and orders after install, resuming where it stopped").waitFor();
    expect(await frame.getByText(/^history imported/).isVisible()).toBe(true);
    expect(await frame.getByText("All stores (last run)").isVisible()).toBe(true);
    expect(await frame.getByText("See the app's logs for the reason.").isVisible()).toBe(true);
    expect(await frame.getByText("someone-else", { exact: false }).count()).toBe(0);
    await screenshot(page, "background-jobs");
  });
});
