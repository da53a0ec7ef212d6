/**
 * Managed installation and tokens as Shopify does them for an embedded app: token exchange of a
 * session token, expiring offline tokens with refresh, online tokens, and uninstalling.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { createAdminApiHandler } from "../../dev-store/admin-api/handler";
import { DEV_SHOP } from "../../dev-store/config";
import { readAppScopes } from "../../dev-store/oauth/app-scopes";
import { createOAuthHandler } from "../../dev-store/oauth/handler";
import { ACCOUNT_OWNER_USER_ID, mintSessionToken, verifySessionToken } from "../../dev-store/oauth/session-token";
import { ShopData } from "../../dev-store/store/shop-data";
import type { WebhookTopic } from "../../dev-store/store/webhook-events";

const APP = { apiKey: "loyalty-dev-app", apiSecret: "dev-store-test-secret" };
const APP_TOML = join(process.cwd(), "shopify.app.toml");
const EXCHANGE = {
  client_id: APP.apiKey,
  client_secret: APP.apiSecret,
  grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
  subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
};
const OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token";
const ONLINE = "urn:shopify:params:oauth:token-type:online-access-token";

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function startDevShop() {
  let clock = new Date("2025-06-01T12:00:00Z");
  const now = () => clock;
  const config = { shop: DEV_SHOP, ...APP, appTomlPath: APP_TOML };
  const store = ShopData.create({ myshopifyDomain: DEV_SHOP }, { now });
  const handlers = [createOAuthHandler({ store, config, now }), createAdminApiHandler({ store, config, now })];
  const server = createServer(async (request, response) => {
    for (const handler of handlers) if (await handler(request, response)) return;
    response.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = async (body: Record<string, unknown>) => {
    const response = await fetch(`${origin}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "x-shopify-shop-domain": DEV_SHOP },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const shopName = async (token: string) => {
    const response = await fetch(`${origin}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token, "x-shopify-shop-domain": DEV_SHOP },
      body: JSON.stringify({ query: "{ shop { name } }" }),
    });
    return response.status;
  };
  return {
    store,
    post,
    shopName,
    sessionToken: (overrides: Partial<Parameters<typeof mintSessionToken>[0]> = {}) => mintSessionToken({ shop: DEV_SHOP, ...APP, now: clock, ...overrides }),
    advanceClock: (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000)),
  };
}

describe("session tokens", () => {
  it("are HS256 JWTs with the claims Shopify Admin puts in them, valid for a minute", () => {
    const now = new Date("2025-06-01T12:00:00Z");
    const token = mintSessionToken({ shop: DEV_SHOP, ...APP, now, sid: "admin-session-1" });
    const [header, payload] = token.split(".").slice(0, 2).map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    expect(payload).toMatchObject({ iss: `https://${DEV_SHOP}/admin`, dest: `https://${DEV_SHOP}`, aud: APP.apiKey, sub: ACCOUNT_OWNER_USER_ID, sid: "admin-session-1", iat: now.getTime() / 1000, nbf: now.getTime() / 1000, exp: now.getTime() / 1000 + 60 });
    expect(verifySessionToken(token, { ...APP, shop: DEV_SHOP, now }).valid).toBe(true);
    expect(verifySessionToken(token, { ...APP, shop: DEV_SHOP, now: new Date(now.getTime() + 120_000) })).toEqual({ valid: false, reason: "expired" });
    expect(verifySessionToken(token, { ...APP, apiSecret: "another-secret", shop: DEV_SHOP, now })).toEqual({ valid: false, reason: "signature does not match the app secret" });
  });
});

describe("token exchange", () => {
  it("installs the app with the scopes in shopify.app.toml on the first exchange, and the token reads the shop", async () => {
    const shop = await startDevShop();
    expect(shop.store.installation).toBeNull();
    const { status, body } = await shop.post({ ...EXCHANGE, subject_token: shop.sessionToken(), requested_token_type: OFFLINE, expiring: "0" });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["access_token", "scope"]);
    expect(body.scope.split(",")).toEqual(readAppScopes(APP_TOML));
    expect(shop.store.installation?.scopes).toEqual(readAppScopes(APP_TOML));
    expect(await shop.shopName(body.access_token)).toBe(200);
  });

  it("answers an expiring offline token with a refresh token, and the access token stops working after an hour", async () => {
    const shop = await startDevShop();
    const { body } = await shop.post({ ...EXCHANGE, subject_token: shop.sessionToken(), requested_token_type: OFFLINE, expiring: "1" });
    expect(body).toEqual({
      access_token: expect.stringMatching(/^shpat_/),
      expires_in: 3600,
      refresh_token: expect.stringMatching(/^shprt_/),
      refresh_token_expires_in: 7_776_000,
      scope: readAppScopes(APP_TOML).join(","),
    });
    expect(await shop.shopName(body.access_token)).toBe(200);
    shop.advanceClock(3601);
    expect(await shop.shopName(body.access_token)).toBe(401);
  });

  it("gives an online token for the staff member the session token names", async () => {
    const shop = await startDevShop();
    const { body } = await shop.post({ ...EXCHANGE, subject_token: shop.sessionToken(), requested_token_type: ONLINE });
    expect(body).toMatchObject({
      access_token: expect.stringMatching(/^shpua_/),
      expires_in: 86_400,
      associated_user_scope: body.scope,
      associated_user: { id: Number(ACCOUNT_OWNER_USER_ID), email: shop.store.shop.staff[0].email, account_owner: true, email_verified: true },
    });
  });

  it("refuses a session token that is forged, expired, for another app or for a user the shop lacks", async () => {
    const shop = await startDevShop();
    const invalidSubject = { status: 400, body: { error: "invalid_subject_token", error_description: "Token exchange cannot be performed due to an invalid subject token." } };
    expect(await shop.post({ ...EXCHANGE, subject_token: shop.sessionToken({ apiSecret: "not-the-app-secret" }), requested_token_type: OFFLINE })).toEqual(invalidSubject);
    expect(await shop.post({ ...EXCHANGE, subject_token: shop.sessionToken({ now: new Date("2025-06-01T11:50:00Z") }), requested_token_type: OFFLINE })).toEqual(invalidSubject);
    expect(await shop.post({ ...EXCHANGE, subject_token: shop.sessionToken({ apiKey: "another-app" }), requested_token_type: OFFLINE })).toEqual(invalidSubject);
    expect(await shop.post({ ...EXCHANGE, subject_token: shop.sessionToken({ userId: 1 }), requested_token_type: OFFLINE })).toEqual(invalidSubject);
    expect(shop.store.installation).toBeNull();
  });

  it("refuses wrong client credentials with 401 invalid_client", async () => {
    const shop = await startDevShop();
    const { status, body } = await shop.post({ ...EXCHANGE, client_secret: "guess", subject_token: shop.sessionToken(), requested_token_type: OFFLINE });
    expect(status).toBe(401);
    expect(body.error).toBe("invalid_client");
  });
});

describe("refreshing an expiring offline token", () => {
  it("rotates both tokens; the old refresh token works until the new access token is used", async () => {
    const shop = await startDevShop();
    const first = (await shop.post({ ...EXCHANGE, subject_token: shop.sessionToken(), requested_token_type: OFFLINE, expiring: "1" })).body;
    shop.advanceClock(3000);
    const refresh = (refreshToken: string) => shop.post({ client_id: APP.apiKey, client_secret: APP.apiSecret, grant_type: "refresh_token", refresh_token: refreshToken });

    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.access_token).not.toBe(first.access_token);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.expires_in).toBe(3600);

    // A lost response can be retried with the old refresh token...
    const retried = await refresh(first.refresh_token);
    expect(retried.status).toBe(200);
    // ...until a token it produced is used.
    expect(await shop.shopName(retried.body.access_token)).toBe(200);
    expect(await refresh(first.refresh_token)).toEqual({ status: 400, body: { error: "invalid_grant", error_description: "The refresh token is invalid, expired or revoked." } });
    expect((await refresh(retried.body.refresh_token)).status).toBe(200);
  });
});

describe("uninstalling", () => {
  it("revokes every token and sends app/uninstalled", async () => {
    const shop = await startDevShop();
    const { body } = await shop.post({ ...EXCHANGE, subject_token: shop.sessionToken(), requested_token_type: OFFLINE, expiring: "1" });
    const topics: WebhookTopic[] = [];
    shop.store.events.on("webhook", (event) => topics.push(event.topic));
    shop.store.uninstallApp();
    expect(topics).toEqual(["app/uninstalled"]);
    expect(await shop.shopName(body.access_token)).toBe(401);
    expect((await shop.post({ client_id: APP.apiKey, client_secret: APP.apiSecret, grant_type: "refresh_token", refresh_token: body.refresh_token })).status).toBe(400);
  });
});
