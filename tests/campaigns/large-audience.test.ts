/**
 * A large audience is counted without keeping the merchant waiting on Shopify. The install's history
 * import records every customer's email marketing consent with the customer; a count asks Shopify
 * again (100 customers a query) only for up to CONSENT_ASKED_AT_ONCE customers not heard about in the
 * hour, and counts a larger audience from what is recorded, saying how many, since each recipient's
 * consent is asked once more before their email goes out. Against the dev store's Admin API.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CONSENT_ASKED_AT_ONCE, countCampaignAudience } from "../../app/campaigns/campaigns.server";
import type { AdminGraphql } from "../../app/shopify/admin-graphql.server";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { compliancePayload, sendWebhook } from "../support/webhooks";

const HOUR = 3_600_000;
const CUSTOMERS = CONSENT_ASKED_AT_ONCE + 1;
let app: TestApp;
let shopId: string;

beforeAll(async () => {
  app = await startTestApp();
  // A shop with customers before the app: every third subscribed to email marketing, one who
  // unsubscribed, and one without an address.
  for (let index = 0; index < CUSTOMERS; index++) {
    app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: `Shopper ${index}`, emailMarketing: index % 3 === 0 ? "SUBSCRIBED" : "NOT_SUBSCRIBED" });
  }
  app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Gone", emailMarketing: "UNSUBSCRIBED" });
  app.devStore.store.createCustomer({ phone: "+16135550100", firstName: "No address" });
  shopId = await app.installAndImportHistory();
}, 120_000);
afterAll(async () => {
  await app?.close();
});

/** The Admin API as the app reaches it, counting the consent queries sent. */
function countingGraphql(sent: { queries: number }): AdminGraphql {
  return async (operation, options) => {
    if (operation.includes("nodes(ids:")) sent.queries += 1;
    return (await app.adminGraphqlFor(TEST_APP.shop))(operation, options);
  };
}

const subscribed = Math.ceil(CUSTOMERS / 3);

describe("counting a large audience", () => {
  it("has every customer's consent from the install's history import", async () => {
    const states = await app.db.marketingConsent.groupBy({ by: ["state"], where: { shopId }, _count: { _all: true } });
    expect(Object.fromEntries(states.map((row) => [row.state, row._count._all]))).toEqual({ subscribed, not_subscribed: CUSTOMERS - subscribed, unsubscribed: 1 });
  });

  it(`counts more than ${CONSENT_ASKED_AT_ONCE} customers not heard about in the hour from the consent recorded, asking Shopify nothing`, async () => {
    await app.db.marketingConsent.updateMany({ where: { shopId }, data: { updatedAt: new Date(Date.now() - 2 * HOUR) } });
    const sent = { queries: 0 };
    expect(await countCampaignAudience(app.db, countingGraphql(sent), shopId, "all", new Date())).toEqual({
      customers: CUSTOMERS + 1,
      reachable: subscribed,
      consentFromShopify: true,
      consentAsRecorded: CUSTOMERS + 1,
    });
    expect(sent.queries).toBe(0);
  });

  it(`asks Shopify about up to ${CONSENT_ASKED_AT_ONCE}, 100 a query, and counts Shopify's answer`, async () => {
    // All heard within the hour but the first thousand; one of those subscribed since, in Shopify only.
    await app.db.marketingConsent.updateMany({ where: { shopId }, data: { updatedAt: new Date() } });
    const oldest = await app.db.customer.findMany({ where: { shopId, email: { not: null } }, orderBy: { shopifyId: "asc" }, take: CONSENT_ASKED_AT_ONCE, select: { shopifyId: true } });
    await app.db.marketingConsent.updateMany({ where: { shopId, customerShopifyId: { in: oldest.map((row) => row.shopifyId) } }, data: { updatedAt: new Date(Date.now() - 2 * HOUR) } });
    const convert = (await app.db.marketingConsent.findFirstOrThrow({ where: { shopId, customerShopifyId: { in: oldest.map((row) => row.shopifyId) }, state: "not_subscribed" } })).customerShopifyId;
    app.devStore.store.updateCustomer(convert, { emailMarketing: "SUBSCRIBED" });
    await app.devStore.webhooks.idle();

    const sent = { queries: 0 };
    expect(await countCampaignAudience(app.db, countingGraphql(sent), shopId, "all", new Date())).toEqual({
      customers: CUSTOMERS + 1,
      reachable: subscribed + 1,
      consentFromShopify: true,
      consentAsRecorded: 0,
    });
    expect(sent.queries).toBe(CONSENT_ASKED_AT_ONCE / 100);
  });
});

describe("consent as it changes after the install", () => {
  it("arrives with customers_email_marketing_consent/update and counts in a large audience without asking Shopify", async () => {
    const joiner = app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Joined later", emailMarketing: "NOT_SUBSCRIBED" });
    await app.devStore.webhooks.idle();
    app.devStore.store.updateCustomer(joiner.id, { emailMarketing: "SUBSCRIBED" });
    await app.devStore.webhooks.idle();
    expect(await app.db.marketingConsent.findUnique({ where: { shopId_customerShopifyId: { shopId, customerShopifyId: joiner.id } } })).toMatchObject({ state: "subscribed" });

    await app.db.marketingConsent.updateMany({ where: { shopId }, data: { updatedAt: new Date(Date.now() - 2 * HOUR) } });
    const sent = { queries: 0 };
    const count = await countCampaignAudience(app.db, countingGraphql(sent), shopId, "all", new Date());
    expect(count).toMatchObject({ customers: CUSTOMERS + 2, reachable: subscribed + 2, consentAsRecorded: CUSTOMERS + 2 });
    expect(sent.queries).toBe(0);
  });

  it("keeps the newest consent whichever of two deliveries comes first, forgets it with customers/redact, and refuses a payload without its customer", async () => {
    const customer = app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Changed twice" });
    await app.devStore.webhooks.idle();
    const legacyId = customer.id.split("/").pop()!;
    const delivery = (state: string, at: string) => ({ customer_id: Number(legacyId), email_address: customer.email, email_marketing_consent: { state, opt_in_level: null, consent_updated_at: at } });
    const older = delivery("subscribed", "2026-11-01T10:00:00-05:00");
    const newer = delivery("unsubscribed", "2026-11-02T10:00:00-05:00");
    for (const order of [[older, newer], [newer, older]]) {
      for (const payload of order) expect((await sendWebhook(app, "customers_email_marketing_consent/update", payload)).status).toBe(200);
      expect(await app.db.marketingConsent.findUnique({ where: { shopId_customerShopifyId: { shopId, customerShopifyId: customer.id } } })).toMatchObject({
        state: "unsubscribed",
        consentUpdatedAt: new Date("2026-11-02T15:00:00Z"),
      });
    }
    // Erased (customers/redact): the consent goes, and a later delivery about them records nothing.
    const redact = { ...compliancePayload<Record<string, unknown>>(app, "customers/redact"), customer: { id: Number(legacyId), email: customer.email, phone: null } };
    expect((await sendWebhook(app, "customers/redact", redact)).status).toBe(200);
    await app.devStore.webhooks.idle();
    const consentOf = () => app.db.marketingConsent.findUnique({ where: { shopId_customerShopifyId: { shopId, customerShopifyId: customer.id } } });
    expect(await consentOf()).toBeNull();
    expect((await sendWebhook(app, "customers_email_marketing_consent/update", delivery("subscribed", "2026-11-03T10:00:00-05:00"))).status).toBe(200);
    expect(await consentOf()).toBeNull();

    const { customer_id: _dropped, ...withoutCustomer } = newer;
    expect((await sendWebhook(app, "customers_email_marketing_consent/update", withoutCustomer)).status).toBe(422);
    // Another route's topic is refused at this route, as every route refuses topics not its own.
    expect((await sendWebhook(app, "customers/update", newer, { uri: "/webhooks/customers_email_marketing_consent/update" })).status).not.toBe(200);
  });
});
