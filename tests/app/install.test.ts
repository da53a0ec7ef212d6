import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

describe("installing on the dev shop", () => {
  it("exchanges the admin's session token, stores the shop's session and gives it default settings", async () => {
    await app.install();

    const sessions = await app.db.session.findMany({ where: { shop: app.devStore.config.shop } });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ isOnline: false, scope: expect.stringContaining("read_orders") });
    expect(sessions[0].accessToken).toBeTruthy();
    expect(sessions[0].refreshToken).toBeTruthy();

    const shop = await app.db.shop.findUniqueOrThrow({
      where: { domain: app.devStore.config.shop },
      include: { settings: true },
    });
    expect(shop).toMatchObject({
      name: app.devStore.store.shop.name,
      currencyCode: "USD",
      ianaTimezone: "America/New_York",
      uninstalledAt: null,
    });
    expect(shop.settings).toMatchObject({ welcomePoints: 100, secondPurchaseBonus: 200, pointsPerCurrencyUnit: 1 });
  });
});
