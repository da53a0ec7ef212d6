/**
 * The dev store's writes for the merchant's own tools answer like Shopify's: metafield definitions and
 * the app's `$app:` namespaces, the 25-metafield limit, customer tags, and Flow triggers checked against
 * the app's real flow_trigger extensions (unknown handle, missing or mistyped field, payload over 50 KB).
 * Real HTTP, a real token from token exchange, the real schema; write_customers where Shopify asks it.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { FLOW_TRIGGER_FIELDS } from "../../app/shop-tools/flow-triggers";
import { readFlowTriggers } from "../../dev-store/admin-api/flow-triggers";
import { createAdminApiHandler } from "../../dev-store/admin-api/handler";
import { DEV_SHOP } from "../../dev-store/config";
import { createOAuthHandler } from "../../dev-store/oauth/handler";
import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { ShopData } from "../../dev-store/store/shop-data";

const APP = { apiKey: "loyalty-dev-app", apiSecret: "dev-store-test-secret" };
const WRITE_SCOPES = "write_customers,read_orders";
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A dev shop whose app has the given scopes and the repository's own extensions (its Flow triggers). */
async function startDevShop(scopes = WRITE_SCOPES) {
  const folder = mkdtempSync(join(tmpdir(), "dev-store-tools-"));
  writeFileSync(join(folder, "shopify.app.toml"), `client_id = "${APP.apiKey}"\n[access_scopes]\nscopes = "${scopes}"\n`);
  cpSync("extensions", join(folder, "extensions"), { recursive: true, filter: (source) => !source.includes("node_modules") });
  const config = { shop: DEV_SHOP, ...APP, appTomlPath: join(folder, "shopify.app.toml") };
  const store = ShopData.create({ myshopifyDomain: DEV_SHOP, name: "Demo Loyalty" });
  const admin = createAdminApiHandler({ store, config });
  const oauth = createOAuthHandler({ store, config });
  const server: Server = createServer(async (request, response) => {
    if ((await oauth(request, response)) || (await admin(request, response))) return;
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(() => {
    server.close();
    rmSync(folder, { recursive: true, force: true });
  });
  const exchange = await fetch(`${origin}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "x-shopify-shop-domain": DEV_SHOP },
    body: JSON.stringify({
      client_id: APP.apiKey,
      client_secret: APP.apiSecret,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: mintSessionToken({ shop: DEV_SHOP, ...APP, now: new Date() }),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      expiring: "0",
    }),
  });
  const { access_token: token } = (await exchange.json()) as { access_token: string };
  return {
    store,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async graphql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
      const response = await fetch(`${origin}/admin/api/2026-10/graphql.json`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token, "x-shopify-shop-domain": DEV_SHOP },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    },
  };
}

const DEFINE = `mutation Define($definition: MetafieldDefinitionInput!) {
  metafieldDefinitionCreate(definition: $definition) { createdDefinition { id namespace key } userErrors { field message code } } }`;
const SET = `mutation Set($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) { metafields { namespace key value } userErrors { field message code elementIndex } } }`;
const TAGS_ADD = `mutation Add($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { ... on Customer { tags } } userErrors { field message } } }`;
const TAGS_REMOVE = `mutation Remove($id: ID!, $tags: [String!]!) { tagsRemove(id: $id, tags: $tags) { node { ... on Customer { tags } } userErrors { field message } } }`;
const FLOW = `mutation Flow($handle: String!, $payload: JSON!) { flowTriggerReceive(handle: $handle, payload: $payload) { userErrors { field message } } }`;

describe("metafield definitions and the app's namespace", () => {
  it("resolves $app:loyalty to the app's reserved namespace, once per owner type and key, and holds values to the definition's type", async () => {
    const shop = await startDevShop();
    const customer = shop.store.createCustomer({ email: "ada@example.com" });
    const definition = { name: "Loyalty points balance", namespace: "$app:loyalty", key: "points_balance", type: "number_integer", ownerType: "CUSTOMER" };
    const created = await shop.graphql(DEFINE, { definition });
    expect(created.data.metafieldDefinitionCreate).toEqual({
      createdDefinition: { id: expect.stringMatching(/^gid:\/\/shopify\/MetafieldDefinition\/\d+$/), namespace: "app--loyalty-dev-app--loyalty", key: "points_balance" },
      userErrors: [],
    });
    // A mutation costs 10 points of the bucket, as on Shopify.
    expect(created.extensions.cost.requestedQueryCost).toBe(10);
    expect((await shop.graphql(DEFINE, { definition })).data.metafieldDefinitionCreate).toEqual({
      createdDefinition: null,
      userErrors: [{ field: ["definition", "key"], message: "Key is in use for Customer metafields on the 'app--loyalty-dev-app--loyalty' namespace.", code: "TAKEN" }],
    });
    expect((await shop.graphql(DEFINE, { definition: { ...definition, key: "x" } })).data.metafieldDefinitionCreate.userErrors[0].code).toBe("TOO_SHORT");
    expect((await shop.graphql(DEFINE, { definition: { ...definition, key: "points", type: "integer" } })).data.metafieldDefinitionCreate.userErrors[0].code).toBe("INCLUSION");

    const set = await shop.graphql(SET, { metafields: [{ ownerId: customer.id, namespace: "$app:loyalty", key: "points_balance", type: "number_integer", value: "250" }] });
    expect(set.data.metafieldsSet).toEqual({ metafields: [{ namespace: "app--loyalty-dev-app--loyalty", key: "points_balance", value: "250" }], userErrors: [] });
    const wrongType = await shop.graphql(SET, { metafields: [{ ownerId: customer.id, namespace: "$app:loyalty", key: "points_balance", type: "single_line_text_field", value: "lots" }] });
    expect(wrongType.data.metafieldsSet.userErrors).toEqual([{ field: ["metafields", "0", "type"], message: "Type must be number_integer.", code: "INVALID_TYPE", elementIndex: 0 }]);
    const read = await shop.graphql(`query($id: ID!) { customer(id: $id) { metafield(namespace: "$app:loyalty", key: "points_balance") { value } } }`, { id: customer.id });
    expect(read.data.customer.metafield).toEqual({ value: "250" });
  });

  it("refuses more than 25 metafields in one call, writing none", async () => {
    const shop = await startDevShop();
    const customers = Array.from({ length: 26 }, (_, index) => shop.store.createCustomer({ email: `c${index}@example.com` }));
    const inputs = customers.map((customer) => ({ ownerId: customer.id, namespace: "$app:loyalty", key: "points_balance", type: "number_integer", value: "1" }));
    const refused = await shop.graphql(SET, { metafields: inputs });
    expect(refused.data.metafieldsSet).toEqual({ metafields: [], userErrors: [{ field: ["metafields"], message: "Exceeded the maximum metafields input limit of 25.", code: "LESS_THAN_OR_EQUAL_TO", elementIndex: null }] });
    expect(customers.flatMap((customer) => shop.store.metafieldsOf(customer.id))).toEqual([]);
    expect((await shop.graphql(SET, { metafields: inputs.slice(0, 25) })).data.metafieldsSet.userErrors).toEqual([]);
  });

  it("refuses definitions and metafields on customers to an app that may only read them", async () => {
    const shop = await startDevShop("read_customers");
    const customer = shop.store.createCustomer({ email: "ada@example.com" });
    const denied = await shop.graphql(DEFINE, { definition: { name: "Points", namespace: "$app:loyalty", key: "points_balance", type: "number_integer", ownerType: "CUSTOMER" } });
    expect(denied.errors[0]).toMatchObject({ message: "Access denied for metafieldDefinitionCreate field. Required access: `write_customers` access scope.", extensions: { code: "ACCESS_DENIED" } });
    expect((await shop.graphql(TAGS_ADD, { id: customer.id, tags: ["VIP Gold"] })).errors[0].extensions.code).toBe("ACCESS_DENIED");
    expect(shop.store.metafieldDefinitions()).toEqual([]);
    expect(shop.store.customer(customer.id)?.tags).toEqual([]);
  });
});

describe("customer tags", () => {
  it("adds tags (a comma-separated string is several), skips ones the customer has, and removes them whatever their case", async () => {
    const shop = await startDevShop();
    const customer = shop.store.createCustomer({ email: "ada@example.com", tags: ["wholesale"] });
    expect((await shop.graphql(TAGS_ADD, { id: customer.id, tags: ["VIP Gold, newsletter", "Wholesale"] })).data.tagsAdd).toEqual({ node: { tags: ["wholesale", "VIP Gold", "newsletter"] }, userErrors: [] });
    expect((await shop.graphql(TAGS_REMOVE, { id: customer.id, tags: ["vip gold"] })).data.tagsRemove).toEqual({ node: { tags: ["wholesale", "newsletter"] }, userErrors: [] });
    expect((await shop.graphql(TAGS_ADD, { id: "gid://shopify/Customer/1", tags: ["x"] })).data.tagsAdd).toEqual({ node: null, userErrors: [{ field: ["id"], message: "Resource not found" }] });
    expect((await shop.graphql(TAGS_ADD, { id: customer.id, tags: [" , "] })).data.tagsAdd.userErrors).toEqual([{ field: ["tags"], message: "Tags can't be blank" }]);
  });
});

describe("Flow triggers", () => {
  it("are declared alike in the app (flow-triggers.ts) and in its flow_trigger extensions", () => {
    const declared = [...readFlowTriggers("shopify.app.toml").values()].map((trigger) => [trigger.handle, Object.fromEntries(trigger.fields.map((field) => [field.property, field.type]))]);
    expect(Object.fromEntries(declared)).toEqual(FLOW_TRIGGER_FIELDS);
  });

  it("runs a trigger of the app's extensions with its payload, and refuses an unknown handle, a bad payload or one over 50 KB", async () => {
    const shop = await startDevShop();
    const customer = shop.store.createCustomer({ email: "ada@example.com" });
    const customerId = Number(customer.id.split("/").pop());
    const payload = { customer_id: customerId, Points: 120, "Points balance": 340, Reason: "Purchase" };
    expect((await shop.graphql(FLOW, { handle: "points-earned", payload })).data.flowTriggerReceive).toEqual({ userErrors: [] });
    expect(shop.store.flowTriggerRuns()).toEqual([{ handle: "points-earned", payload, receivedAt: expect.any(String) }]);

    const refusal = async (handle: string, body: unknown) => (await shop.graphql(FLOW, { handle, payload: body })).data.flowTriggerReceive.userErrors;
    expect(await refusal("points-spent", payload)).toEqual([{ field: ["handle"], message: "Invalid handle 'points-spent': the app has no Flow trigger with this handle." }]);
    expect(await refusal("points-earned", { ...payload, Points: "120" })).toEqual([{ field: ["payload"], message: "Errors validating schema:\n  Property 'Points' must be an integer" }]);
    const { Reason: _reason, ...withoutReason } = payload;
    expect(await refusal("points-earned", withoutReason)).toEqual([{ field: ["payload"], message: "Errors validating schema:\n  Missing required property 'Reason'" }]);
    expect(await refusal("points-earned", { ...payload, customer_id: 1 })).toEqual([{ field: ["payload"], message: "Errors validating schema:\n  Customer 1 does not exist" }]);
    expect(await refusal("points-earned", { ...payload, Reason: "x".repeat(50_001) })).toEqual([{ field: ["payload"], message: "Properties size exceeds the limit of 50000 bytes." }]);
    // Nothing refused was run.
    expect(shop.store.flowTriggerRuns()).toHaveLength(1);
  });
});
