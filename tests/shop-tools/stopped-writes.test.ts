/**
 * A write to Shopify that keeps failing stops after MAX_WRITE_ATTEMPTS and is shown to the merchant on
 * the Sync issues page with what it carried, for whom and why; "Retry" sends it again once the cause is
 * gone. Through the page's loader and action with a session token, as the embedded admin calls them,
 * and in Chromium.
 */
import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { enqueueFlowTrigger } from "../../app/shop-tools/outbox.server";
import { MAX_WRITE_ATTEMPTS, sendShopifyWrites } from "../../app/shop-tools/shopify-writes.server";
import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { DESKTOP_USER_AGENT, launchBrowser, openEmbeddedAdmin, screenshot } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let browser: Browser | undefined;

beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const ROUTE = "/app/sync-issues?_data=routes%2Fapp.sync-issues";
const adminHeaders = () => ({
  "user-agent": DESKTOP_USER_AGENT,
  authorization: `Bearer ${mintSessionToken({ shop: TEST_APP.shop, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret })}`,
});

interface StoppedWrite {
  id: string;
  what: string;
  customer: { id: string; name: string } | null;
  attempts: number;
  error: string | null;
}

async function shopifyWrites(): Promise<{ retrying: number; stopped: StoppedWrite[] }> {
  const response = await fetch(new URL(ROUTE, app.appUrl), { headers: adminHeaders() });
  expect(response.status).toBe(200);
  return (await response.json()).shopifyWrites;
}

async function post(form: Record<string, string>): Promise<{ ok: boolean; error: string | null }> {
  const response = await fetch(new URL(ROUTE, app.appUrl), { method: "POST", headers: adminHeaders(), body: new URLSearchParams(form) });
  expect(response.status).toBe(200);
  return response.json();
}

describe("a write to Shopify that keeps failing", () => {
  it(`stops after ${MAX_WRITE_ATTEMPTS} failures, is listed for the merchant with its customer and reason, and is sent on Retry`, async () => {
    const customer = app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Rosa", lastName: "Stopped", hasAccount: true });
    await app.devStore.webhooks.idle();
    const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    const numericId = Number(customer.id.split("/").pop());
    // Anything queued by the install goes first, so only the trigger is left.
    await sendShopifyWrites(app.db, shopId, await app.adminGraphqlFor(TEST_APP.shop), { sleep: async () => {} });
    await app.db.$transaction((tx) => enqueueFlowTrigger(tx, shopId, "points-earned", { customer_id: numericId, Points: 50, "Points balance": 150, Reason: "Order" }));
    const trigger = await app.db.shopifyWrite.findFirstOrThrow({ where: { shopId, kind: "FLOW_TRIGGER", handle: "points-earned" } });
    await app.db.shopifyWrite.update({ where: { id: trigger.id }, data: { customerId: stored.id } });

    // Shopify fails every attempt; each round tries once, after the backoff (never more than an hour).
    app.devStore.adminApi.injectFault({ field: "flowTriggerReceive", kind: "internal-error", times: MAX_WRITE_ATTEMPTS + 5 });
    let clock = Date.now();
    for (let round = 0; round < MAX_WRITE_ATTEMPTS + 2; round++) {
      clock += 2 * 3_600_000;
      await sendShopifyWrites(app.db, shopId, await app.adminGraphqlFor(TEST_APP.shop), { now: () => new Date(clock), sleep: async () => {} });
      if (round === 0) expect(await shopifyWrites()).toMatchObject({ retrying: 1, stopped: [] });
    }
    expect(await app.db.shopifyWrite.findUniqueOrThrow({ where: { id: trigger.id } })).toMatchObject({ attempts: MAX_WRITE_ATTEMPTS });

    const listed = await shopifyWrites();
    expect(listed.retrying).toBe(0);
    expect(listed.stopped).toEqual([
      { id: trigger.id, what: 'Flow trigger "Points earned"', customer: { id: stored.id, name: "Rosa Stopped" }, attempts: MAX_WRITE_ATTEMPTS, error: expect.stringContaining("Internal error"), queuedAt: expect.any(String) },
    ]);

    browser = await launchBrowser();
    const { page, frame } = await openEmbeddedAdmin(browser, app.devStore, "/sync-issues");
    await frame.getByRole("heading", { name: "Writes to Shopify" }).waitFor();
    await frame.getByText('Flow trigger "Points earned"').waitFor();
    expect(await frame.getByRole("link", { name: "Rosa Stopped" }).isVisible()).toBe(true);
    expect(await frame.getByText(/Internal error/).first().isVisible()).toBe(true);
    await screenshot(page, "sync-issues-stopped-write");

    // A made-up id, or none, is refused with a reason.
    expect(await post({ intent: "retry-write", id: "not-a-write" })).toEqual({ ok: false, error: "This write is no longer stopped: it was sent, or is being tried again." });
    expect(await post({ intent: "retry-write" })).toEqual({ ok: false, error: "Unknown request" });

    // The cause is gone: Retry, in the browser, and the next round sends it.
    app.devStore.adminApi.clearFaults();
    await frame.getByRole("button", { name: 'Retry: Flow trigger "Points earned" for Rosa Stopped' }).click();
    await frame.getByText("No write to Shopify has stopped.").waitFor();
    expect(await app.db.shopifyWrite.findUniqueOrThrow({ where: { id: trigger.id } })).toMatchObject({ attempts: 0 });
    const before = app.devStore.store.flowTriggerRuns().length;
    expect(await sendShopifyWrites(app.db, shopId, await app.adminGraphqlFor(TEST_APP.shop), { sleep: async () => {} })).toMatchObject({ sent: 1, failed: 0 });
    expect(app.devStore.store.flowTriggerRuns().slice(before)).toEqual([
      { handle: "points-earned", payload: { customer_id: numericId, Points: 50, "Points balance": 150, Reason: "Order" }, receivedAt: expect.any(String) },
    ]);
    expect(await shopifyWrites()).toEqual({ retrying: 0, maxAttempts: MAX_WRITE_ATTEMPTS, stopped: [] });
  }, 120_000);
});
