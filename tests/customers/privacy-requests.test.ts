/**
 * The merchant's side of Shopify's privacy requests: a customers/data_request delivered by signed
 * webhook is listed on the Privacy requests page and its data downloads as JSON; an erasure is
 * listed without the personal data it erased; another shop's request is not there.
 */
import { readFile } from "node:fs/promises";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { legacyResourceId } from "../../dev-store/store/gid";
import { DESKTOP_USER_AGENT, launchBrowser, openEmbeddedAdmin, screenshot } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { compliancePayload, sendWebhook } from "../support/webhooks";

let app: TestApp;
let browser: Browser | undefined;
let ada: { id: string; orderId: string };
let grace: string;

beforeAll(async () => {
  app = await startTestApp();
  await app.installAndImportHistory();
  const store = app.devStore.store;
  const variantId = store.createProduct({ title: "Coffee beans", variants: [{ price: "24.00" }] }).variants[0].id;
  const customer = store.createCustomer({ firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", hasAccount: true });
  const order = store.createOrder({ customerId: customer.id, lineItems: [{ variantId, quantity: 2 }] });
  grace = store.createCustomer({ firstName: "Grace", email: "grace@example.com", hasAccount: true }).id;
  await app.devStore.webhooks.idle();
  ada = { id: customer.id, orderId: order.id };
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** An admin request from the embedded app: the session token as a bearer token, as App Bridge sends it. */
function fromAdmin(path: string) {
  return fetch(new URL(path, app.appUrl), { headers: { "user-agent": DESKTOP_USER_AGENT, authorization: `Bearer ${app.devStore.sessionToken()}` } });
}

function privacyRequest(topic: "customers/data_request" | "customers/redact", customer: { id: string; email: string }, orderIds: string[] = []) {
  return sendWebhook(app, topic, {
    ...compliancePayload<Record<string, unknown>>(app, topic),
    customer: { id: legacyResourceId(customer.id), email: customer.email, phone: null },
    // Each topic's own field, as Shopify sends them (a redaction names no orders_requested).
    ...(topic === "customers/redact" ? { orders_to_redact: orderIds.map(legacyResourceId) } : { orders_requested: orderIds.map(legacyResourceId) }),
  });
}

describe("privacy requests in the admin", () => {
  it("lists a data request and downloads what the app stores about the customer", async () => {
    expect((await privacyRequest("customers/data_request", { id: ada.id, email: "ada@example.com" }, [ada.orderId])).status).toBe(200);
    const page = await fromAdmin("/app/privacy?_data=routes%2Fapp.privacy");
    expect(page.status).toBe(200);
    const { rows } = (await page.json()) as { rows: { id: string; kind: string; customer: string; ordersRequested: number; completedAt: string | null }[] };
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: "data_request", customer: "ada@example.com", ordersRequested: 1 });
    expect(rows[0].completedAt).not.toBeNull();

    const download = await fromAdmin(`/app/privacy/${rows[0].id}`);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toBe(`attachment; filename="customer-${legacyResourceId(ada.id)}-data-${new Date().toISOString().slice(0, 10)}.json"`);
    expect(download.headers.get("cache-control")).toBe("private, no-store");
    const data = await download.json();
    expect(data.customer).toMatchObject({ id: ada.id, email: "ada@example.com", firstName: "Ada", lastName: "Lovelace", hasAccount: true });
    expect(data.orders).toHaveLength(1);
    expect(data.orders[0]).toMatchObject({ id: ada.orderId, lineItems: [{ title: "Coffee beans", quantity: 2, price: "24.00" }] });
    // 100 welcome points and 48 for the $48 order.
    expect(data.pointsBalance).toBe(148);
  });

  it("lists an erasure without the personal data it erased", async () => {
    expect((await privacyRequest("customers/redact", { id: grace, email: "grace@example.com" })).status).toBe(200);
    const { rows } = (await (await fromAdmin("/app/privacy?_data=routes%2Fapp.privacy")).json()) as { rows: { id: string; kind: string; customer: string }[] };
    expect(rows.map((row) => [row.kind, row.customer])).toEqual([
      ["redact", `Customer ${legacyResourceId(grace)}`],
      ["data_request", "ada@example.com"],
    ]);
    // An erasure has nothing to download.
    expect((await fromAdmin(`/app/privacy/${rows[0].id}`)).status).toBe(404);
  });

  it("answers another shop's request as one that does not exist, and needs a session token", async () => {
    const theirs = await app.db.complianceRequest.create({
      data: { shopDomain: "other-shop.myshopify.com", topic: "customers/data_request", customerId: ada.id, payload: {}, report: { customer: { email: "someone@example.com" } }, completedAt: new Date() },
    });
    const download = await fromAdmin(`/app/privacy/${theirs.id}`);
    expect(download.status).toBe(404);
    expect(await download.text()).not.toContain("someone@example.com");
    const { rows } = (await (await fromAdmin("/app/privacy?_data=routes%2Fapp.privacy")).json()) as { rows: { id: string }[] };
    expect(rows.map((row) => row.id)).not.toContain(theirs.id);

    const mine = await app.db.complianceRequest.findFirstOrThrow({ where: { shopDomain: TEST_APP.shop, topic: "customers/data_request" } });
    // Without a session token: sent to log in, nothing of the customer's in the answer.
    const anonymous = await fetch(new URL(`/app/privacy/${mine.id}`, app.appUrl), { headers: { "user-agent": DESKTOP_USER_AGENT }, redirect: "manual" });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toMatch(/^\/auth\/login/);
    expect(await anonymous.text()).not.toContain("ada@example.com");
  });

  it("shows the requests in the embedded admin and downloads the data from the page", async () => {
    browser = await launchBrowser();
    const { page, frame } = await openEmbeddedAdmin(browser, app.devStore, "/privacy");
    const row = frame.getByRole("row").filter({ hasText: "ada@example.com" });
    await row.getByText("Data request").waitFor();
    await frame.getByRole("row").filter({ hasText: "Erasure" }).getByText("Erased").waitFor();
    await screenshot(page, "admin-privacy-requests");
    const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("button", { name: "Download the data of ada@example.com" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^customer-\d+-data-\d{4}-\d{2}-\d{2}\.json$/);
    const data = JSON.parse(await readFile((await download.path())!, "utf8"));
    expect(data.customer.email).toBe("ada@example.com");
  });
});
