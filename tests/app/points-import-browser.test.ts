/**
 * The Import points page in headless Chromium inside the dev store's admin: a merchant uploads a CSV,
 * reads the dry run (matched, not matched with line and reason, totals), applies it, and applying it
 * again adds nothing; a malformed file comes back with what is wrong.
 */
import { randomUUID } from "node:crypto";
import type { Browser, FrameLocator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { pointsBalance } from "../../app/loyalty/ledger.server";
import { customerTiers, saveTier, saveTierProgram } from "../../app/loyalty/tiers.server";
import { launchBrowser, openEmbeddedAdmin, screenshot } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let browser: Browser;
const emails = { ada: `ada-${randomUUID().slice(0, 6)}@example.com`, bo: `bo-${randomUUID().slice(0, 6)}@example.com` };

beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  await app.db.programSettings.update({ where: { shopId }, data: { welcomePoints: 0 } });
  // The file's tier column names the shop's Gold tier.
  expect(await saveTierProgram(app.db, shopId, { tierBasis: "POINTS_EARNED", tierWindowMonths: "", tierRetentionDays: "0" })).toEqual({ ok: true });
  expect(await saveTier(app.db, shopId, null, { name: "Gold", threshold: "5000", multiplierPercent: "150", entryRewardPoints: "0", benefits: "" })).toEqual({ ok: true });
  app.devStore.store.createCustomer({ email: emails.ada, firstName: "Ada", lastName: "Moss", hasAccount: true });
  app.devStore.store.createCustomer({ email: emails.bo, firstName: "Bo", lastName: "Reed", hasAccount: true });
  await app.devStore.webhooks.idle();
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const balanceOf = async (email: string) => {
  const customer = await app.db.customer.findFirstOrThrow({ where: { shopId, email } });
  return (await pointsBalance(app.db, customer.id, new Date())).total;
};

/** Chooses the file as the merchant does, once the page has come to life (an input changed before that is lost). */
async function chooseFile(frame: FrameLocator, name: string, text: string) {
  const input = frame.locator('input[type="file"]');
  for (let attempt = 0; attempt < 20; attempt++) {
    await input.setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
    if (await frame.getByText(`${name} (`).isVisible()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await screenshot(await frame.owner().page(), "points-import-no-file");
  throw new Error(`the page did not take ${name}`);
}

const csv = [`email,points,tier`, `${emails.ada},1200,Gold`, `${emails.bo},300,`, `nobody@example.com,50,`, `${emails.ada},10,`].join("\n");

describe("the Import points page", () => {
  it("shows the dry run, applies it once, and adds nothing the second time", async () => {
    const { page, frame } = await openEmbeddedAdmin(browser, app.devStore, "/points-import");
    await frame.getByRole("heading", { name: "Import points" }).waitFor();
    await chooseFile(frame, "old-app.csv", csv);
    await frame.getByRole("button", { name: "Check the file" }).click();
    await frame.getByText("What this file would import").waitFor();
    await expect(frame.getByText("4 rows", { exact: true }).isVisible()).resolves.toBe(true);
    await expect(frame.getByText("2 matched", { exact: true }).isVisible()).resolves.toBe(true);
    await expect(frame.getByText("1,500 new points", { exact: true }).isVisible()).resolves.toBe(true);
    const unmatched = frame.getByRole("table").first();
    await expect(unmatched.innerText()).resolves.toContain("unknown customer: no customer of this shop has it");
    await expect(unmatched.innerText()).resolves.toContain("duplicate row: the same customer as line 2");
    await screenshot(page, "points-import-dry-run");
    // The dry run wrote nothing.
    expect(await balanceOf(emails.ada)).toBe(0);

    await frame.getByRole("button", { name: "Import 1,500 points" }).click();
    await frame.getByText("Imported 1,500 points").waitFor();
    expect(await balanceOf(emails.ada)).toBe(1200);
    expect(await balanceOf(emails.bo)).toBe(300);
    // Ada's row named the Gold tier: she holds it, by an override the import records.
    const ada = await app.db.customer.findFirstOrThrow({ where: { shopId, email: emails.ada } });
    expect((await customerTiers(app.db, shopId, [ada.id])).get(ada.id)).toEqual({ name: "Gold" });
    await expect(frame.getByText("old-app.csv", { exact: true }).first().isVisible()).resolves.toBe(true);
    await screenshot(page, "points-import-applied");

    // The same file again: every matched row was imported before, and the import button has nothing to do.
    await frame.getByRole("button", { name: "Check the file" }).click();
    await frame.getByText("0 new points", { exact: true }).waitFor();
    await expect(frame.getByText("Imported before").count()).resolves.toBe(2);
    await expect(frame.getByRole("button", { name: "Import 0 points" }).isDisabled()).resolves.toBe(true);
    expect(await balanceOf(emails.ada)).toBe(1200);
    await page.close();
  }, 60_000);

  it("says what is wrong with a malformed file", async () => {
    const { page, frame } = await openEmbeddedAdmin(browser, app.devStore, "/points-import");
    await chooseFile(frame, "broken.csv", `email,points\n"${emails.ada},10\n`);
    await frame.getByRole("button", { name: "Check the file" }).click();
    await frame.getByText("The file is not a valid CSV: a quote is opened and never closed (line 2).").waitFor();
    await screenshot(page, "points-import-malformed");
    await page.close();
  }, 60_000);
});
