/**
 * Shopify's own tools see the loyalty program: the app against the dev store's Admin API and a real
 * database. Balances land on the customer record as `$app:loyalty` metafields, one write per customer
 * however many changes came first, 25 metafields a call; a failed or throttled write stays queued and
 * lands later; tier tags follow the setting; Flow receives "points earned", "reward redeemed" and
 * "tier changed" with their payloads; nothing is written for another shop, a redacted customer or an
 * uninstalled shop.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { adjustPoints, appendLedgerEntries } from "../../app/loyalty/ledger.server";
import { customerTiers, recomputeAllShopTiers, saveTier, saveTierProgram } from "../../app/loyalty/tiers.server";
import { updateProgramSettings } from "../../app/loyalty/settings.server";
import { FlowPayloadError, enqueueCustomerRecords, enqueueFlowTrigger } from "../../app/shop-tools/outbox.server";
import type { CustomerTier, TierReader } from "../../app/shop-tools/customer-tiers.server";
import { sendShopifyWrites, shopsWithShopifyWrites } from "../../app/shop-tools/shopify-writes.server";
import type { AdminGraphql } from "../../app/shopify/admin-graphql.server";
import { launchBrowser, openEmbeddedAdmin, openPage, screenshot } from "../support/browser";
import { signedAppProxyQuery } from "../support/shopify-library";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { compliancePayload, sendWebhook } from "../support/webhooks";

let app: TestApp;
let shopId: string;
const NAMESPACE = `app--${TEST_APP.apiKey}--loyalty`;

beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
}, 60_000);
afterAll(async () => {
  await app?.close();
});

const store = () => app.devStore.store;
/** Every Admin call the job makes goes to the dev store; `calls` names each root field it sent. */
function shopify(calls: string[] = [], beforeEach?: (field: string) => Promise<void>): AdminGraphql {
  return async (query, options) => {
    const field = /\b(metafieldsSet|metafieldDefinitionCreate|tagsAdd|tagsRemove|flowTriggerReceive)\(/.exec(query)?.[1] ?? "other";
    calls.push(field);
    await beforeEach?.(field);
    return (await app.adminGraphqlFor(TEST_APP.shop))(query, options);
  };
}
const noWait = { sleep: async () => {} };
const later = (minutes: number) => () => new Date(Date.now() + minutes * 60_000);

async function shopper(email = `${randomUUID()}@example.com`) {
  const customer = store().createCustomer({ email, firstName: "Ada", lastName: "Shopper", hasAccount: true });
  await app.devStore.webhooks.idle();
  const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
  return { gid: customer.id, id: stored.id, numericId: Number(customer.id.split("/").pop()) };
}
const balanceMetafield = (gid: string) => store().metafieldsOf(gid).find((metafield) => metafield.namespace === NAMESPACE && metafield.key === "points_balance");
const tierMetafield = (gid: string) => store().metafieldsOf(gid).find((metafield) => metafield.namespace === NAMESPACE && metafield.key === "tier");
const adjust = (customerId: string, points: number) => adjustPoints(app.db, { shopId, customerId, points, reason: "Test", now: new Date() });
/** Sends everything due now, as the shopify-writes job's round does, and clears what Flow received from earlier tests. */
async function flush(calls: string[] = [], options: Parameters<typeof sendShopifyWrites>[3] = {}) {
  return sendShopifyWrites(app.db, shopId, shopify(calls), { ...noWait, ...options });
}

describe("at install", () => {
  it("creates the loyalty metafield definitions on customers, in the app's own namespace, once", async () => {
    const calls: string[] = [];
    await flush(calls);
    expect(store().metafieldDefinitions().map(({ ownerType, namespace, key, type }) => ({ ownerType, namespace, key, type }))).toEqual([
      { ownerType: "CUSTOMER", namespace: NAMESPACE, key: "points_balance", type: "number_integer" },
      { ownerType: "CUSTOMER", namespace: NAMESPACE, key: "tier", type: "single_line_text_field" },
    ]);
    expect(calls.filter((call) => call === "metafieldDefinitionCreate")).toHaveLength(2);
    // Nothing is left to send; a second round asks Shopify nothing.
    const again: string[] = [];
    expect(await flush(again)).toEqual({ sent: 0, failed: 0, metafieldCalls: 0 });
    expect(again).toEqual([]);
  });
});

describe("the points balance on the customer record", () => {
  it("writes the latest balance once, however many changes came before the job ran", async () => {
    const { gid, id } = await shopper();
    await adjust(id, 50);
    await adjust(id, 25);
    await adjust(id, -10);
    // Welcome 100 + 50 + 25 - 10.
    expect(await app.db.shopifyWrite.count({ where: { customerId: id, kind: "CUSTOMER_RECORD" } })).toBe(1);
    const calls: string[] = [];
    await flush(calls);
    expect(calls.filter((call) => call === "metafieldsSet")).toHaveLength(1);
    expect(balanceMetafield(gid)).toMatchObject({ type: "number_integer", value: "165" });
    // No tier ladder: no tier metafield.
    expect(tierMetafield(gid)).toBeUndefined();
    expect(await app.db.shopifyWrite.count({ where: { customerId: id, kind: "CUSTOMER_RECORD" } })).toBe(0);
  });

  it("packs 25 metafields a call: 30 customers' balances are 2 calls", async () => {
    const customers = [];
    for (let index = 0; index < 30; index++) customers.push(store().createCustomer({ email: `batch-${index}-${randomUUID()}@example.com`, hasAccount: true }));
    await app.devStore.webhooks.idle();
    const calls: string[] = [];
    const summary = await flush(calls);
    expect(summary.metafieldCalls).toBe(2);
    expect(calls.filter((call) => call === "metafieldsSet")).toHaveLength(2);
    expect(customers.map((customer) => balanceMetafield(customer.id)?.value)).toEqual(customers.map(() => "100"));
  });

  it("keeps a write Shopify failed and sends it later; waits out throttling in the same round", async () => {
    const { gid, id } = await shopper();
    app.devStore.adminApi.injectFault({ field: "metafieldsSet", kind: "internal-error", times: 1 });
    const failed = await flush();
    expect(failed.failed).toBe(1);
    expect(balanceMetafield(gid)).toBeUndefined();
    const row = await app.db.shopifyWrite.findFirstOrThrow({ where: { customerId: id, kind: "CUSTOMER_RECORD" } });
    expect(row).toMatchObject({ attempts: 1, lastError: expect.stringContaining("Admin API") });
    expect(row.dueAt.getTime()).toBeGreaterThan(Date.now());
    // Not due yet: a round now leaves it alone.
    expect((await flush()).metafieldCalls).toBe(0);
    // Its time comes: Shopify throttles twice, the app waits and writes it.
    app.devStore.adminApi.injectFault({ field: "metafieldsSet", kind: "throttled", times: 2 });
    const calls: string[] = [];
    const retried = await flush(calls, { now: later(1) });
    expect(calls.filter((call) => call === "metafieldsSet")).toHaveLength(3);
    expect(retried.failed).toBe(0);
    expect(balanceMetafield(gid)?.value).toBe("100");
    expect(await app.db.shopifyWrite.count({ where: { customerId: id } })).toBe(0);
  });

  it("keeps a change that arrives while its write is on the way, and sends it next", async () => {
    const { gid, id } = await shopper();
    let changed = false;
    const during = async (field: string) => {
      if (field === "metafieldsSet" && !changed) {
        changed = true;
        await adjust(id, 40);
      }
    };
    await sendShopifyWrites(app.db, shopId, shopify([], during), noWait);
    // What was sent was the balance before the change; the change is still queued.
    expect(balanceMetafield(gid)?.value).toBe("100");
    expect(await app.db.shopifyWrite.count({ where: { customerId: id, kind: "CUSTOMER_RECORD" } })).toBe(1);
    await flush();
    expect(balanceMetafield(gid)?.value).toBe("140");
  });
});

describe("tier tags", () => {
  it("follow the setting: added when on, changed with the tier, removed when off", async () => {
    const { gid, id } = await shopper();
    await flush();
    const tiers = new Map<string, CustomerTier>([[id, { name: "Gold" }]]);
    const tierReader: TierReader = async (_db, _shopId, ids) => new Map(ids.map((customerId) => [customerId, tiers.get(customerId) ?? null]));

    // Off (the default): the tier metafield is written, no tag.
    await enqueueCustomerRecords(app.db, shopId, [id]);
    await flush([], { tiers: tierReader });
    expect(tierMetafield(gid)?.value).toBe("Gold");
    expect(store().customer(gid)?.tags).toEqual([]);

    // On: every customer is queued again; the tag is the prefix and the tier.
    expect((await updateProgramSettings(app.db, shopId, { customerTagsEnabled: true, customerTagPrefix: "VIP" })).ok).toBe(true);
    expect(await app.db.shopifyWrite.count({ where: { customerId: id } })).toBe(1);
    await flush([], { tiers: tierReader });
    expect(store().customer(gid)?.tags).toEqual(["VIP Gold"]);

    // The tier changes: the old tag goes, the new one comes.
    tiers.set(id, { name: "Platinum" });
    await enqueueCustomerRecords(app.db, shopId, [id]);
    await flush([], { tiers: tierReader });
    expect(store().customer(gid)?.tags).toEqual(["VIP Platinum"]);
    expect(tierMetafield(gid)?.value).toBe("Platinum");

    // Off again: the tag is removed.
    expect((await updateProgramSettings(app.db, shopId, { customerTagsEnabled: false })).ok).toBe(true);
    await flush([], { tiers: tierReader });
    expect(store().customer(gid)?.tags).toEqual([]);
  });

  it("takes the tier metafield and tag off a customer who no longer holds a tier, and writes a tier reached again", async () => {
    const { gid, id } = await shopper();
    expect((await updateProgramSettings(app.db, shopId, { customerTagsEnabled: true, customerTagPrefix: "VIP" })).ok).toBe(true);
    const tiers = new Map<string, CustomerTier>([[id, { name: "Gold" }]]);
    const tierReader: TierReader = async (_db, _shopId, ids) => new Map(ids.map((customerId) => [customerId, tiers.get(customerId) ?? null]));
    await enqueueCustomerRecords(app.db, shopId, [id]);
    await flush([], { tiers: tierReader });
    expect(tierMetafield(gid)?.value).toBe("Gold");
    expect(store().customer(gid)?.tags).toEqual(["VIP Gold"]);

    // The tier lapses (its retention ended): Shopify's segments and Flow must not go on seeing "Gold".
    tiers.delete(id);
    await enqueueCustomerRecords(app.db, shopId, [id]);
    const calls: string[] = [];
    await flush(calls, { tiers: tierReader });
    expect(tierMetafield(gid)).toBeUndefined();
    expect(store().customer(gid)?.tags).toEqual([]);
    expect(balanceMetafield(gid)?.value).toBe("100");
    expect(await app.db.customerShopifyRecord.findUnique({ where: { customerId: id } })).toMatchObject({ tier: null, tierTag: null });
    // Written once: queued again with nothing changed, no call goes out.
    await enqueueCustomerRecords(app.db, shopId, [id]);
    const again: string[] = [];
    await flush(again, { tiers: tierReader });
    expect(again).toEqual([]);

    // Reached again: written again.
    tiers.set(id, { name: "Silver" });
    await enqueueCustomerRecords(app.db, shopId, [id]);
    await flush([], { tiers: tierReader });
    expect(tierMetafield(gid)?.value).toBe("Silver");
    expect(store().customer(gid)?.tags).toEqual(["VIP Silver"]);
    expect((await updateProgramSettings(app.db, shopId, { customerTagsEnabled: false })).ok).toBe(true);
    await flush([], { tiers: tierReader });
  });

  it("refuses a prefix with a comma, naming the field", async () => {
    expect(await updateProgramSettings(app.db, shopId, { customerTagPrefix: "VIP, gold" })).toEqual({ ok: false, errors: { customerTagPrefix: "cannot contain a comma (Shopify would make two tags of it)" } });
  });
});

describe("Flow triggers", () => {
  const runsFor = (numericId: number) => store().flowTriggerRuns().filter((run) => run.payload.customer_id === numericId);

  it("sends points earned with the points, the reason and the balance after", async () => {
    const { numericId, id } = await shopper();
    await adjust(id, 30); // an adjustment is not "earned"
    await appendLedgerEntries(app.db, shopId, id, [
      { key: `test-birthday:${id}`, points: 250, reason: "BIRTHDAY", source: "CUSTOMER", sourceId: null, availableAt: new Date(), note: null },
    ]);
    // The same event again is neither a second entry nor a second trigger.
    await appendLedgerEntries(app.db, shopId, id, [
      { key: `test-birthday:${id}`, points: 250, reason: "BIRTHDAY", source: "CUSTOMER", sourceId: null, availableAt: new Date(), note: null },
    ]);
    await flush();
    expect(runsFor(numericId)).toEqual([
      { handle: "points-earned", payload: { customer_id: numericId, Points: 100, "Points balance": 100, Reason: "Welcome" }, receivedAt: expect.any(String) },
      { handle: "points-earned", payload: { customer_id: numericId, Points: 250, "Points balance": 380, Reason: "Birthday" }, receivedAt: expect.any(String) },
    ]);
  });

  it("sends reward redeemed once Shopify made the reward's code", async () => {
    const { gid, numericId, id } = await shopper();
    await adjust(id, 500);
    const reward = await app.db.reward.findFirstOrThrow({ where: { shopId, kind: "AMOUNT_OFF", pointsCost: 500 } });
    const response = await fetch(`${app.appUrl}/proxy/redeem?${signedAppProxyQuery(gid)}`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-Forwarded-For": "198.51.100.77" },
      body: JSON.stringify({ rewardId: reward.id, idempotencyKey: randomUUID() }),
    });
    expect(response.status).toBe(200);
    await flush();
    expect(runsFor(numericId).filter((run) => run.handle === "reward-redeemed")).toEqual([
      { handle: "reward-redeemed", payload: { customer_id: numericId, Reward: reward.name, "Points spent": 500, "Points balance": 100 }, receivedAt: expect.any(String) },
    ]);
  });

  it("sends tier changed as the tiers feature queues it, and refuses a payload Flow would refuse before queuing it", async () => {
    const { numericId } = await shopper();
    await app.db.$transaction((tx) => enqueueFlowTrigger(tx, shopId, "tier-changed", { customer_id: numericId, Tier: "Gold", "Previous tier": "Silver" }, "tier:1"));
    await app.db.$transaction((tx) => enqueueFlowTrigger(tx, shopId, "tier-changed", { customer_id: numericId, Tier: "Gold", "Previous tier": "Silver" }, "tier:1"));
    await expect(
      app.db.$transaction((tx) => enqueueFlowTrigger(tx, shopId, "tier-changed", { customer_id: numericId, Tier: "G".repeat(50_001), "Previous tier": "" })),
    ).rejects.toThrow(FlowPayloadError);
    await flush();
    expect(runsFor(numericId).filter((run) => run.handle === "tier-changed")).toEqual([
      { handle: "tier-changed", payload: { customer_id: numericId, Tier: "Gold", "Previous tier": "Silver" }, receivedAt: expect.any(String) },
    ]);
  });
});

describe("the VIP tier, from the tiers the merchant defined", () => {
  it("writes the tier a customer reaches to their record and sends Flow's tier changed once", async () => {
    const { gid, id, numericId } = await shopper();
    await adjust(id, 150);
    await flush();
    expect(tierMetafield(gid)).toBeUndefined();
    // The merchant defines a ladder by points earned: Insider from 200 (the welcome 100 and the 150 given by hand are earned points).
    expect(await saveTierProgram(app.db, shopId, { tierBasis: "POINTS_EARNED", tierWindowMonths: "", tierRetentionDays: "0" })).toEqual({ ok: true });
    expect(await saveTier(app.db, shopId, null, { name: "Insider", threshold: "200", multiplierPercent: "100", entryRewardPoints: "0", benefits: "" })).toEqual({ ok: true });
    await recomputeAllShopTiers(app.db, shopId, new Date());
    const held = (await customerTiers(app.db, shopId, [id])).get(id);
    expect(held).toEqual({ name: "Insider" });

    await flush();
    expect(tierMetafield(gid)).toMatchObject({ type: "single_line_text_field", value: "Insider" });
    const changed = store().flowTriggerRuns().filter((run) => run.handle === "tier-changed" && run.payload.customer_id === numericId);
    expect(changed).toEqual([{ handle: "tier-changed", payload: { customer_id: numericId, Tier: "Insider", "Previous tier": "" }, receivedAt: expect.any(String) }]);
    // Recomputing again changes nothing: no second trigger.
    await recomputeAllShopTiers(app.db, shopId, new Date());
    await flush();
    expect(store().flowTriggerRuns().filter((run) => run.handle === "tier-changed" && run.payload.customer_id === numericId)).toHaveLength(1);
  });
});

describe("in the admin, as the merchant sees it", () => {
  it("turns tier tags on from the Program page; the dev store's Customers and Flow pages show what the app wrote", async () => {
    expect((await updateProgramSettings(app.db, shopId, { customerTagsEnabled: false })).ok).toBe(true);
    const { gid, id } = await shopper("grace.tagged@example.com");
    const browser = await launchBrowser();
    try {
      const { page, frame } = await openEmbeddedAdmin(browser, app.devStore, "/program");
      await frame.getByRole("heading", { name: "In Shopify" }).waitFor();
      await frame.getByLabel("Tag customers with their tier").check();
      await frame.getByLabel("Tier tag prefix").fill("Club");
      await frame.getByText('e.g. "Club Gold"').waitFor();
      await frame.getByRole("button", { name: "Save", exact: true }).click();
      await frame.getByText("Program settings saved").waitFor();
      await screenshot(page, "shop-tools-program-tags");
      expect(await app.db.programSettings.findUniqueOrThrow({ where: { shopId } })).toMatchObject({ customerTagsEnabled: true, customerTagPrefix: "Club" });

      await flush([], { tiers: async (_db, _shopId, ids) => new Map(ids.map((customerId) => [customerId, customerId === id ? { name: "Gold" } : null])) });
      const admin = await openPage(browser);
      await admin.goto(`${app.devStore.adminOrdersUrl.replace(/\/orders$/, "/customers")}?q=grace.tagged`);
      const row = admin.locator(`tr[data-customer="${gid}"]`);
      await row.getByText("Club Gold").waitFor();
      expect(await row.textContent()).toContain(`${NAMESPACE}.points_balance = 100`);
      expect(await row.textContent()).toContain(`${NAMESPACE}.tier = Gold`);
      await screenshot(admin, "shop-tools-dev-store-customers");
      await admin.goto(app.devStore.adminOrdersUrl.replace(/\/orders$/, "/flow"));
      expect(await admin.locator('tr[data-trigger="points-earned"]').first().textContent()).toContain('"Reason":"Welcome"');
      await screenshot(admin, "shop-tools-dev-store-flow");
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe("only what the shop and the customer allow", () => {
  it("writes nothing for another shop, even for a customer with the same Shopify id", async () => {
    const { gid } = await shopper();
    await flush();
    const other = await app.db.shop.create({ data: { domain: `${randomUUID()}.myshopify.com`, settings: { create: {} } } });
    const twin = await app.db.customer.create({ data: { shopId: other.id, shopifyId: gid, referralCode: randomUUID().slice(0, 8) } });
    await appendLedgerEntries(app.db, other.id, twin.id, [{ key: "twin", points: 999, reason: "ADJUSTMENT", source: "ADJUSTMENT", sourceId: null, availableAt: new Date(), note: "x" }]);
    const calls: string[] = [];
    await flush(calls);
    expect(calls).toEqual([]);
    expect(balanceMetafield(gid)?.value).toBe("100");
    // The other shop's write waits for its own shop's round, with its own token.
    expect(await app.db.shopifyWrite.count({ where: { shopId: other.id, customerId: twin.id } })).toBe(1);
  });

  it("stops writing a customer's record once customers/redact erased them", async () => {
    const { gid, id, numericId } = await shopper();
    await flush();
    const request = (topic: string) => ({ ...compliancePayload<Record<string, unknown>>(app, topic), customer: { id: numericId, email: null, phone: null } });
    // A data request hands over what the app wrote on their Shopify record too.
    expect((await sendWebhook(app, "customers/data_request", request("customers/data_request"))).status).toBe(200);
    const report = await app.db.complianceRequest.findFirstOrThrow({ where: { topic: "customers/data_request", customerId: gid } });
    expect(report.report).toMatchObject({ shopifyRecord: { pointsBalance: 100, tier: null, tierTag: null } });
    await adjust(id, 10);
    expect((await sendWebhook(app, "customers/redact", request("customers/redact"))).status).toBe(200);
    expect(await app.db.shopifyWrite.count({ where: { customerId: id } })).toBe(0);
    // A later change to their points (a refund, an expiry) queues nothing either.
    await adjust(id, 5);
    expect(await app.db.shopifyWrite.count({ where: { customerId: id } })).toBe(0);
    await flush();
    // What was written before stays as Shopify has it (Shopify erases the customer itself); nothing after.
    expect(balanceMetafield(gid)?.value).toBe("100");
    expect(await app.db.customerShopifyRecord.count({ where: { customerId: id } })).toBe(0);
  });

  it("drops what is queued when the app is uninstalled, and sends nothing more", async () => {
    const { gid, id } = await shopper();
    expect(await app.db.shopifyWrite.count({ where: { shopId } })).toBeGreaterThan(0);
    // The merchant uninstalls: Shopify sends app/uninstalled (signed) to the app.
    store().uninstallApp();
    await app.devStore.webhooks.idle();
    expect(await app.db.shopifyWrite.count({ where: { shopId } })).toBe(0);
    await adjust(id, 10);
    expect((await shopsWithShopifyWrites(app.db, new Date())).map((shop) => shop.id)).not.toContain(shopId);
    const calls: string[] = [];
    expect(await sendShopifyWrites(app.db, shopId, shopify(calls), noWait)).toEqual({ sent: 0, failed: 0, metafieldCalls: 0 });
    expect(calls).toEqual([]);
    expect(balanceMetafield(gid)).toBeUndefined();
  });
});
