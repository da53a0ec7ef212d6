/**
 * Setting a birthday against the real app and the dev store: POST /apps/loyalty/birthday through the
 * app proxy (a real signature, the signed logged_in_customer_id the only customer) and
 * POST /customer-account/birthday (a real customer account session token). Bad input gets a clear
 * error and changes nothing; both count the same per-customer limit.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { mintCustomerAccountSessionToken } from "../../dev-store/oauth/session-token";
import { CUSTOMER_COOKIE } from "../../dev-store/hosts/storefront";
import { signedAppProxyQuery } from "../support/shopify-library";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36";

let app: TestApp;
let shopId: string;

beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  await app.db.programSettings.update({ where: { shopId }, data: { birthdayPoints: 200 } });
}, 60_000);
afterAll(async () => {
  await app?.close();
});

async function shopper() {
  const customer = app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Bea", lastName: "Shopper", hasAccount: true });
  await app.devStore.webhooks.idle();
  return customer.id;
}

const stored = (gid: string) => app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: gid } } });

/** The widget's request through the dev storefront, which signs it as Shopify's app proxy does. */
function fromStorefront(customerGid: string | null, body: unknown) {
  return fetch(`${app.devStore.storefrontUrl}/apps/loyalty/birthday`, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/json", ...(customerGid ? { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(customerGid)}` } : {}) },
    body: JSON.stringify(body),
  });
}

function direct(query: URLSearchParams, body: unknown, ip = "203.0.113.9") {
  return fetch(`${app.appUrl}/proxy/birthday?${query}`, { method: "POST", headers: { Accept: "application/json", "Content-Type": "application/json", "X-Forwarded-For": ip }, body: JSON.stringify(body) });
}

function fromAccount(token: string, body: unknown) {
  return fetch(`${app.appUrl}/customer-account/birthday`, {
    method: "POST",
    headers: { Origin: EXTENSION_ORIGIN, "User-Agent": BROWSER, Accept: "application/json", "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

const tokenFor = (customerGid: string, apiSecret: string = TEST_APP.apiSecret) => mintCustomerAccountSessionToken({ shop: TEST_APP.shop, apiKey: TEST_APP.apiKey, apiSecret, customerGid });

describe("POST /apps/loyalty/birthday", () => {
  it("stores the signed-in customer's birthday and answers it with the account, which offers birthday points", async () => {
    const gid = await shopper();
    const response = await fromStorefront(gid, { month: 12, day: 8 });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.birthday).toBe("--12-08");
    expect(body.account.birthday).toBe("--12-08");
    expect(body.account.waysToEarn).toContainEqual({ kind: "birthday", title: "Your birthday", points: "200 points" });
    expect(await stored(gid)).toMatchObject({ birthdayMonth: 12, birthdayDay: 8 });
    expect((await stored(gid)).birthdaySetAt).toBeInstanceOf(Date);
  });

  it("refuses bad input with a clear error and keeps the birthday it had", async () => {
    const gid = await shopper();
    await fromStorefront(gid, { month: 3, day: 3 });
    const refused = await fromStorefront(gid, { month: 2, day: 30 });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: "February has days 1 to 29." });
    const garbage = await fromStorefront(gid, "tomorrow");
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toEqual({ error: "Send the birthday as a month and a day." });
    expect(await stored(gid)).toMatchObject({ birthdayMonth: 3, birthdayDay: 3 });
  });

  it("refuses a guest, an unsigned or tampered request, and a GET", async () => {
    expect((await fromStorefront(null, { month: 1, day: 1 })).status).toBe(401);
    const gid = await shopper();
    const forged = direct(signedAppProxyQuery(gid, "someone-elses-secret"), { month: 1, day: 1 });
    expect((await forged).status).toBe(401);
    const tampered = signedAppProxyQuery(gid);
    tampered.set("logged_in_customer_id", "1");
    expect((await direct(tampered, { month: 1, day: 1 })).status).toBe(401);
    expect((await fetch(`${app.appUrl}/proxy/birthday?${signedAppProxyQuery(gid)}`)).status).toBe(405);
    expect(await stored(gid)).toMatchObject({ birthdayMonth: null, birthdayDay: null });
  });

  it("stops a customer after 10 saves in an hour, counted with the account page's", async () => {
    const gid = await shopper();
    for (let index = 0; index < 5; index += 1) expect((await direct(signedAppProxyQuery(gid), { month: 1, day: index + 1 }, "203.0.113.50")).status).toBe(200);
    for (let index = 0; index < 5; index += 1) expect((await fromAccount(await tokenFor(gid), { month: 2, day: index + 1 })).status).toBe(200);
    const stopped = await direct(signedAppProxyQuery(gid), { month: 6, day: 6 }, "203.0.113.50");
    expect(stopped.status).toBe(429);
    expect(Number(stopped.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await stored(gid)).toMatchObject({ birthdayMonth: 2, birthdayDay: 5 });
  });
});

describe("POST /customer-account/birthday", () => {
  it("stores the token's customer's birthday, readable by the extension, and the account page then shows it", async () => {
    const gid = await shopper();
    const token = await tokenFor(gid);
    const response = await fromAccount(token, { month: "2", day: "29" });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect((await response.json()).birthday).toBe("--02-29");
    const account = await (
      await fetch(`${app.appUrl}/customer-account/account`, { headers: { Origin: EXTENSION_ORIGIN, "User-Agent": BROWSER, Accept: "application/json", Authorization: `Bearer ${token}` } })
    ).json();
    expect(account.birthday).toBe("--02-29");
  });

  it("refuses a forged token and bad input, changing nothing", async () => {
    const gid = await shopper();
    expect((await fromAccount(await tokenFor(gid, "someone-elses-secret"), { month: 5, day: 5 })).status).toBe(401);
    const refused = await fromAccount(await tokenFor(gid), { month: 13, day: 1 });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: "The month must be from 1 to 12." });
    expect(await stored(gid)).toMatchObject({ birthdayMonth: null, birthdayDay: null });
  });
});
