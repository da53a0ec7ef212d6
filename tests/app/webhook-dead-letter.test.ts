/**
 * A delivery that keeps failing ends dead after WEBHOOK_MAX_ATTEMPTS attempts (3 here): no longer
 * retried, kept with its error, listed for the merchant on the Sync issues page with a Retry, and its
 * body (personal data) cleared WEBHOOK_DEAD_BODY_DAYS after it died.
 */
import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { DESKTOP_USER_AGENT, launchBrowser, openEmbeddedAdmin, screenshot } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { paidOrderPayload, sendWebhook } from "../support/webhooks";

const MAX_ATTEMPTS = 3;

let app: TestApp;
let shopId: string;
let browser: Browser | undefined;
beforeAll(async () => {
  // The app reads its settings once, when its build is first imported by startTestApp.
  process.env.WEBHOOK_MAX_ATTEMPTS = String(MAX_ATTEMPTS);
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  await app.db.$executeRawUnsafe(`
    CREATE FUNCTION refuse_sabotaged_line() RETURNS trigger AS $$
    BEGIN IF NEW.title = 'Sabotaged' THEN RAISE EXCEPTION 'line item refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
  await app.db.$executeRawUnsafe(`CREATE TRIGGER refuse_sabotaged_line BEFORE INSERT ON "OrderLineItem" FOR EACH ROW EXECUTE FUNCTION refuse_sabotaged_line()`);
});
afterAll(async () => {
  delete process.env.WEBHOOK_MAX_ATTEMPTS;
  await browser?.close();
  await app?.close();
});

let sequence = 0;
const gid = (type: string) => `gid://shopify/${type}/${Date.now()}${++sequence}`;


/** Delivers a signed orders/paid as Shopify does, without waiting for the inbox. */
async function deliver(orderId: string, eventId: string) {
  const response = await sendWebhook(app, "orders/paid", paidOrderPayload(orderId, gid("Customer"), "Sabotaged"), { eventId, acceptOnly: true });
  expect(response.status).toBe(200);
}

async function waitFor<T>(find: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ROUTE = "/app/sync-issues?_data=routes%2Fapp.sync-issues";
const adminHeaders = () => ({
  "user-agent": DESKTOP_USER_AGENT,
  authorization: `Bearer ${mintSessionToken({ shop: TEST_APP.shop, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret })}`,
});

interface Issue {
  id: string;
  topic: string;
  receivedAt: string;
  attempts: number;
  error: string | null;
  dead: boolean;
  retryable: boolean;
}

async function syncIssues(): Promise<Issue[]> {
  const response = await fetch(new URL(ROUTE, app.appUrl), { headers: adminHeaders() });
  expect(response.status).toBe(200);
  return (await response.json()).issues;
}

async function retry(id: string): Promise<{ ok: boolean; error: string | null }> {
  const response = await fetch(new URL(ROUTE, app.appUrl), { method: "POST", headers: adminHeaders(), body: new URLSearchParams({ intent: "retry", id }) });
  expect(response.status).toBe(200);
  return response.json();
}

describe("a delivery that always fails", () => {
  const orderId = gid("Order");
  const eventId = `dead-${randomUUID()}`;

  it(`is dead after ${MAX_ATTEMPTS} attempts, keeps its error and body, and is tried no more`, async () => {
    await deliver(orderId, eventId);
    const dead = await waitFor(() => app.db.webhookEvent.findFirst({ where: { eventId, deadAt: { not: null } } }));
    expect(dead).toMatchObject({ attempts: MAX_ATTEMPTS, processedAt: null });
    expect(dead.lastError).toContain("line item refused for the test");
    expect(dead.body).toContain(orderId);
    // The next retry would have come 4 s after the third failure.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await app.db.webhookEvent.findFirstOrThrow({ where: { eventId } })).toMatchObject({ attempts: MAX_ATTEMPTS });
    expect(await app.db.order.count({ where: { shopId, shopifyId: orderId } })).toBe(0);
  });

  it("is listed for the merchant on the Sync issues page, with its error and a Retry", async () => {
    const [issue] = (await syncIssues()).filter((entry) => entry.topic === "orders/paid");
    expect(issue).toMatchObject({ attempts: MAX_ATTEMPTS, dead: true, retryable: true });
    expect(issue.error).toContain("line item refused for the test");

    browser = await launchBrowser();
    const { page, frame } = await openEmbeddedAdmin(browser, app.devStore, "/sync-issues");
    await frame.getByRole("heading", { name: "Sync issues" }).waitFor();
    await frame.getByText("line item refused for the test").waitFor();
    expect(await frame.getByText("1 update was not applied").isVisible()).toBe(true);
    expect(await frame.getByText("orders/paid").isVisible()).toBe(true);
    expect(await frame.getByText("Stopped", { exact: true }).isVisible()).toBe(true);
    expect(await frame.getByRole("button", { name: "Retry the orders/paid update" }).isVisible()).toBe(true);
    await screenshot(page, "sync-issues");
  });

  it("is applied when the merchant retries it once the cause is gone", async () => {
    await app.db.$executeRawUnsafe(`DROP TRIGGER refuse_sabotaged_line ON "OrderLineItem"`);
    const [issue] = await syncIssues();
    expect(await retry(issue.id)).toEqual({ ok: true, error: null });
    await waitFor(() => app.db.webhookEvent.findFirst({ where: { eventId, processedAt: { not: null } } }));
    expect(await app.db.order.count({ where: { shopId, shopifyId: orderId } })).toBe(1);
    expect(await syncIssues()).toEqual([]);
  });

  it("loses its body a week after it died, and can then no longer be retried", async () => {
    await app.db.$executeRawUnsafe(`CREATE TRIGGER refuse_sabotaged_line BEFORE INSERT ON "OrderLineItem" FOR EACH ROW EXECUTE FUNCTION refuse_sabotaged_line()`);
    const purgedOrder = gid("Order");
    const purgedEvent = `dead-purged-${randomUUID()}`;
    const recentOrder = gid("Order");
    const recentEvent = `dead-recent-${randomUUID()}`;
    await deliver(purgedOrder, purgedEvent);
    await deliver(recentOrder, recentEvent);
    await waitFor(async () => (await app.db.webhookEvent.count({ where: { eventId: { in: [purgedEvent, recentEvent] }, deadAt: { not: null } } })) === 2);
    // One died eight days ago, the other six days ago.
    await app.db.$executeRaw`UPDATE "WebhookEvent" SET "deadAt" = now() - interval '8 days' WHERE "eventId" = ${purgedEvent}`;
    await app.db.$executeRaw`UPDATE "WebhookEvent" SET "deadAt" = now() - interval '6 days' WHERE "eventId" = ${recentEvent}`;
    const purged = await waitFor(() => app.db.webhookEvent.findFirst({ where: { eventId: purgedEvent, body: null } }));
    expect(purged.lastError).toContain("line item refused for the test");
    expect((await app.db.webhookEvent.findFirstOrThrow({ where: { eventId: recentEvent } })).body).toContain(recentOrder);

    const issues = await syncIssues();
    const gone = issues.find((entry) => entry.id === purged.id)!;
    expect(gone).toMatchObject({ dead: true, retryable: false });
    expect(await retry(gone.id)).toMatchObject({ ok: false });
    expect(issues.find((entry) => entry.id !== purged.id)).toMatchObject({ dead: true, retryable: true });
  });
});
