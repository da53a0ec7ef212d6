import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { DESKTOP_USER_AGENT } from "../support/browser";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await app.install();
});
afterAll(async () => {
  await app?.close();
});


/** The home page's data, fetched as App Bridge does: with the session token as a bearer token. */
function homeData(token: string | null) {
  return fetch(new URL("/app?_data=routes%2Fapp._index", app.appUrl), {
    headers: { "user-agent": DESKTOP_USER_AGENT, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
}

const token = (overrides: Partial<Parameters<typeof mintSessionToken>[0]> = {}) =>
  mintSessionToken({ shop: TEST_APP.shop, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret, ...overrides });

describe("admin requests", () => {
  it("serve the shop's data with a valid session token", async () => {
    const response = await homeData(token());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ shopName: app.devStore.store.shop.name });
  });

  it("refuse a request with no session token", async () => {
    const response = await homeData(null);
    expect(response.status).toBe(204);
    expect(response.headers.get("x-remix-redirect")).toMatch(/^\/auth\/login/);
    expect(await response.text()).toBe("");
  });

  it("refuse a token signed with another secret", async () => {
    const response = await homeData(token({ apiSecret: "not-the-app-secret" }));
    expect(response.status).toBe(401);
    expect(response.headers.get("x-shopify-retry-invalid-session-request")).toBe("1");
  });

  it("refuse an expired token", async () => {
    const response = await homeData(token({ now: new Date(Date.now() - 10 * 60_000) }));
    expect(response.status).toBe(401);
  });

  it("refuse a token minted for another app", async () => {
    const response = await homeData(token({ apiKey: "another-app" }));
    expect(response.status).toBe(401);
  });

  it("do not serve one shop's page with another shop's token", async () => {
    const response = await homeData(token({ shop: "someone-else.myshopify.com" }));
    expect(response.status).not.toBe(200);
    expect(await response.text()).not.toContain(app.devStore.store.shop.name);
  });
});
