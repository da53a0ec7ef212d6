import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startTestApp, type TestApp } from "../support/test-app";
import { compliancePayload, samplePayload, sendWebhook } from "../support/webhooks";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  // The install's history import finishes first: these tests are about deliveries, not about an
  // import cut short by the shop's erasure.
  await app.installAndImportHistory();
});
afterAll(async () => {
  await app?.close();
});

const shop = () => app.devStore.config.shop;

describe("webhook deliveries", () => {
  it("refuses a delivery signed with another secret, and changes nothing", async () => {
    const response = await sendWebhook(app, "app/uninstalled", samplePayload("app/uninstalled"), { secret: "someone-else" });
    expect(response.status).toBe(401);
    expect(await app.db.session.count({ where: { shop: shop() } })).toBe(1);
    expect(await app.db.webhookEvent.count({ where: { topic: "app/uninstalled" } })).toBe(0);
  });

  it("refuses a delivery with no HMAC header, and changes nothing", async () => {
    const response = await sendWebhook(app, "shop/redact", samplePayload("shop/redact"), { unsigned: true });
    expect(response.status).toBe(401);
    expect(await app.db.shop.count({ where: { domain: shop() } })).toBe(1);
  });

  it("answers a correctly signed body that is not JSON with 400", async () => {
    const response = await sendWebhook(app, "customers/redact", null, { rawBody: "{not json" });
    expect(response.status).toBe(400);
    expect(await app.db.complianceRequest.count()).toBe(0);
  });

  it("answers a payload without the fields the topic needs with 422 and records nothing", async () => {
    const response = await sendWebhook(app, "customers/redact", { shop_domain: shop() });
    expect(response.status).toBe(422);
    expect(await app.db.complianceRequest.count()).toBe(0);
    expect(await app.db.webhookEvent.count({ where: { topic: "customers/redact" } })).toBe(0);
  });

  it("records a customers/data_request once, however often it is delivered", async () => {
    const payload = compliancePayload(app, "customers/data_request");
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => sendWebhook(app, "customers/data_request", payload, { eventId: "event-data-request-1" })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await app.db.complianceRequest.count({ where: { topic: "customers/data_request" } })).toBe(1);
  });

  it("drops the shop's sessions when the dev store uninstalls the app", async () => {
    app.devStore.store.uninstallApp();
    await app.devStore.webhooks.idle();
    const [delivery] = app.devStore.webhooks.deliveries().filter((entry) => entry.topic === "app/uninstalled");
    expect(delivery.status).toBe("delivered");
    expect(await app.db.session.count({ where: { shop: shop() } })).toBe(0);
    expect((await app.db.shop.findUniqueOrThrow({ where: { domain: shop() } })).uninstalledAt).toBeInstanceOf(Date);
  });

  it("erases everything of the shop on shop/redact", async () => {
    const response = await sendWebhook(app, "shop/redact", compliancePayload(app, "shop/redact"));
    expect(response.status).toBe(200);
    expect(await app.db.shop.count({ where: { domain: shop() } })).toBe(0);
    expect(await app.db.complianceRequest.count()).toBe(0);
  });
});
