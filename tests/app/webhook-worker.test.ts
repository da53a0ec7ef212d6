/**
 * Production's split: with PROCESS_WEBHOOKS_IN_APP=false the app only accepts deliveries, and a
 * separate `npm run worker` process applies them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startTestApp, type TestApp } from "../support/test-app";
import { deliveryProcessed, samplePayload } from "../support/webhooks";

let app: TestApp;
let worker: ChildProcess | undefined;
let dataDir: string;
beforeAll(async () => {
  process.env.PROCESS_WEBHOOKS_IN_APP = "false";
  app = await startTestApp();
  await app.install();
  dataDir = await mkdtemp(path.join(tmpdir(), "loyalty-worker-"));
});
afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill("SIGTERM");
    await once(worker, "exit");
  }
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("npm run worker", () => {
  it("applies what the app only stored, and stops cleanly on SIGTERM", async () => {
    const orderId = `gid://shopify/Order/${Date.now()}`;
    const customerId = `gid://shopify/Customer/${Date.now()}`;
    const now = new Date().toISOString();
    const body = JSON.stringify({
      ...samplePayload<Record<string, unknown>>("orders/paid"),
      admin_graphql_api_id: orderId,
      financial_status: "paid",
      created_at: now,
      updated_at: now,
      refunds: [],
      customer: { ...samplePayload<{ customer: object }>("orders/paid").customer, admin_graphql_api_id: customerId },
    });
    const eventId = `worker-${orderId}`;
    const response = await fetch(new URL("/webhooks/orders/paid", app.appUrl), {
      method: "POST",
      body,
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/paid",
        "X-Shopify-Shop-Domain": app.devStore.config.shop,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": `${eventId}-webhook`,
        "X-Shopify-Event-Id": eventId,
        "X-Shopify-Triggered-At": now,
        "X-Shopify-Hmac-Sha256": createHmac("sha256", process.env.SHOPIFY_API_SECRET!).update(body).digest("base64"),
      },
    });
    expect(response.status).toBe(200);
    // Stored, and nothing in the app applies it.
    const stored = await app.db.webhookEvent.findFirstOrThrow({ where: { eventId } });
    expect(stored).toMatchObject({ processedAt: null, attempts: 0 });
    expect(stored.body).toBe(body);
    expect(await app.db.order.count({ where: { shopifyId: orderId } })).toBe(0);

    worker = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    // The worker starts (tsx, the database pool) before it takes its first row.
    await deliveryProcessed(app, "orders/paid", eventId, 60_000);
    expect(await app.db.order.count({ where: { shopifyId: orderId } })).toBe(1);
    expect((await app.db.webhookEvent.findFirstOrThrow({ where: { eventId } })).body).toBeNull();

    worker.kill("SIGTERM");
    const [code] = await once(worker, "exit");
    expect(code).toBe(0);
  });
});
