/**
 * The Customers pages against hostile input over real HTTP with session tokens: an adjustment's
 * points are a plain signed whole number (no `+`, hex or exponent), an adjustment id reused on another
 * customer is refused rather than answered ok, and a search with control characters answers 200.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DESKTOP_USER_AGENT } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;

beforeAll(async () => {
  app = await startTestApp();
  app.devStore.store.createCustomer({ firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", hasAccount: true });
  app.devStore.store.createCustomer({ firstName: "Grace", lastName: "Hopper", email: "grace@example.com", hasAccount: true });
  shopId = await app.installAndImportHistory();
}, 120_000);
afterAll(async () => {
  await app?.close();
});

const headers = () => ({ Authorization: `Bearer ${app.devStore.sessionToken()}`, "User-Agent": DESKTOP_USER_AGENT });

async function customerId(email: string): Promise<string> {
  return (await app.db.customer.findFirstOrThrow({ where: { shopId, email } })).id;
}

function adjust(id: string, fields: Record<string, string>) {
  return fetch(`${app.appUrl}/app/customers/${id}?_data=${encodeURIComponent("routes/app.customers_.$id")}`, {
    method: "POST",
    body: new URLSearchParams({ reason: "Goodwill", adjustmentId: crypto.randomUUID(), ...fields }),
    headers: headers(),
  });
}

const adjustments = (id: string) => app.db.pointsLedgerEntry.findMany({ where: { customerId: id, source: "ADJUSTMENT" }, select: { points: true } });

describe("adjusting points by hand", () => {
  it.each(["0x10", "1e6", "+3", "1.0", " 5 5", "３", "-", "--4", "0b11", "Infinity"])("refuses %j as points, with a field error, and writes nothing", async (points) => {
    const id = await customerId("ada@example.com");
    const response = await adjust(id, { points });
    expect(response.status).toBe(200);
    const result = await response.json();
    expect(result.ok).toBe(false);
    expect(result.errors.points).toBe("Points must be a whole number, like 50 or -20");
    expect(await adjustments(id)).toEqual([]);
  });

  it("refuses more than 1,000,000 either way, and takes a plain signed number", async () => {
    const id = await customerId("ada@example.com");
    expect((await (await adjust(id, { points: "1000001" })).json()).errors.points).toBe("Adjust by at most 1,000,000 points at a time");
    expect((await (await adjust(id, { points: "-99999999999999999999" })).json()).errors.points).toBe("Adjust by at most 1,000,000 points at a time");
    expect((await (await adjust(id, { points: "-25" })).json()).ok).toBe(true);
    expect((await (await adjust(id, { points: " 40 " })).json()).ok).toBe(true);
    expect((await adjustments(id)).map((entry) => entry.points).sort()).toEqual([-25, 40]);
  });

  it("refuses an adjustment id already recorded for another customer, and writes nothing", async () => {
    const ada = await customerId("ada@example.com");
    const grace = await customerId("grace@example.com");
    const adjustmentId = crypto.randomUUID();
    expect((await (await adjust(ada, { points: "10", adjustmentId })).json()).ok).toBe(true);
    const reused = await (await adjust(grace, { points: "500", adjustmentId })).json();
    expect(reused.ok).toBe(false);
    expect(reused.errors.form).toBe("This adjustment was already recorded for another customer: reload the page and try again");
    expect(await adjustments(grace)).toEqual([]);
    // The same form sent again for the same customer is still one adjustment, answered ok.
    expect((await (await adjust(ada, { points: "10", adjustmentId })).json()).ok).toBe(true);
    expect((await adjustments(ada)).filter((entry) => entry.points === 10)).toHaveLength(1);
  });
});

describe("searching customers", () => {
  it.each(["%00", "ada%00", "%01%1F%7F", "%00%00%00"])("answers 200 to a search with control characters (%s), ignoring them", async (raw) => {
    const response = await fetch(`${app.appUrl}/app/customers?query=${raw}&_data=routes%2Fapp.customers`, { headers: headers() });
    expect(response.status).toBe(200);
    const result = await response.json();
    expect(result.query).not.toMatch(/[\u0000-\u001f\u007f]/);
    if (raw.startsWith("ada")) expect(result.customers.map((customer: { email: string }) => customer.email)).toEqual(["ada@example.com"]);
  });
});
