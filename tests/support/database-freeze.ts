/**
 * A database that stops answering (frozen, not down: connections stay open, nothing comes back)
 * while Shopify delivers a webhook. Shopify waits 5 s: the app must answer within that, with a
 * failure Shopify retries, and the retry after the database is back must be stored and applied.
 * Shared by the embedded and the server variants (one app per test file).
 */
import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startEmbeddedDatabase } from "../../app/embedded-database.server";
import { applyMigrations } from "../../app/migrations.server";
import type { TestDatabase } from "./database";
import { createEmptyDatabase, databaseServer } from "./database-server";
import { startPausableProxy, type PausableProxy } from "./pausable-proxy";
import { startTestApp, TEST_APP, type TestApp } from "./test-app";
import { deliveryProcessed, samplePayload } from "./webhooks";

/** Shopify's wait for a webhook answer. */
const SHOPIFY_WAITS_MS = 5_000;

async function freshDatabase(kind: "embedded" | "server", serverUrl: string | null): Promise<TestDatabase> {
  if (kind === "embedded") {
    const embedded = await startEmbeddedDatabase({ migrate: true });
    return { url: embedded.url, drop: () => embedded.close() };
  }
  const database = await createEmptyDatabase(serverUrl!, "loyalty_freeze");
  await applyMigrations(database.url);
  return database;
}

export async function describeDatabaseFreeze(kind: "embedded" | "server") {
  const server = kind === "server" ? await databaseServer() : { url: null, reason: "" };
  const skip = kind === "server" && !server.url;
  let app: TestApp;
  let proxy: PausableProxy;

  beforeAll(async () => {
    if (skip) return;
    const database = await freshDatabase(kind, server.url);
    const direct = new URL(database.url);
    proxy = await startPausableProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    // A little under the 4 s default, so a busy test machine's own delays stay inside Shopify's 5 s.
    process.env.DATABASE_STATEMENT_TIMEOUT_MS = "3000";
    app = await startTestApp({}, { database, appDatabaseUrl: (url) => proxy.urlFor(url) });
    await app.installAndImportHistory();
  }, 180_000);

  afterAll(async () => {
    proxy?.resume();
    await app?.close();
    await proxy?.close();
  });

  function customersCreate(customerGid: string) {
    const now = new Date().toISOString();
    const body = JSON.stringify({
      ...samplePayload<Record<string, unknown>>("customers/create"),
      admin_graphql_api_id: customerGid,
      email: `${customerGid.split("/").pop()}@example.com`,
      state: "enabled",
      created_at: now,
      updated_at: now,
    });
    const eventId = `freeze-${randomUUID()}`;
    return {
      eventId,
      send: () =>
        fetch(new URL("/webhooks/customers/create", app.appUrl), {
          method: "POST",
          body,
          headers: {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "customers/create",
            "X-Shopify-Shop-Domain": TEST_APP.shop,
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Webhook-Id": randomUUID(),
            "X-Shopify-Event-Id": eventId,
            "X-Shopify-Triggered-At": now,
            "X-Shopify-Hmac-Sha256": createHmac("sha256", TEST_APP.apiSecret).update(body).digest("base64"),
          },
          // Shopify gives up after 5 s: an answer must arrive before.
          signal: AbortSignal.timeout(SHOPIFY_WAITS_MS),
        }),
    };
  }

  describe.skipIf(skip)(`a webhook while the ${kind} database is frozen${skip && server.url === null ? ` (skipped: ${server.reason})` : ""}`, () => {
    it("is answered with a failure within Shopify's 5 s, and its redelivery is stored and applied once the database is back", async () => {
      const warmUp = customersCreate("gid://shopify/Customer/880001");
      expect((await warmUp.send()).status).toBe(200);
      await deliveryProcessed(app, "customers/create", warmUp.eventId);

      const customerGid = "gid://shopify/Customer/880002";
      const delivery = customersCreate(customerGid);
      proxy.pause();
      let answer: Response;
      try {
        answer = await delivery.send();
      } finally {
        proxy.resume();
      }
      expect(answer.status).toBe(503);
      expect(answer.headers.get("retry-after")).toBe("5");

      // Shopify retries the same delivery.
      const retried = await delivery.send();
      expect(retried.status).toBe(200);
      await deliveryProcessed(app, "customers/create", delivery.eventId);
      const customers = await app.db.customer.findMany({ where: { shopifyId: customerGid }, select: { email: true } });
      expect(customers).toEqual([{ email: "880002@example.com" }]);
      expect(await app.db.webhookEvent.count({ where: { eventId: delivery.eventId } })).toBe(1);
    });
  });
}
