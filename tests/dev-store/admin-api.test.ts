/**
 * The dev store's GraphQL Admin API answers like Shopify's: real HTTP, a real token from token
 * exchange, the real schema, Shopify's error shapes, scopes, pagination, cost throttling and bulk.
 */
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { createAdminApiHandler } from "../../dev-store/admin-api/handler";
import { DEV_SHOP, type DevStoreConfig } from "../../dev-store/config";
import { createOAuthHandler } from "../../dev-store/oauth/handler";
import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { ShopData } from "../../dev-store/store/shop-data";
import type { WebhookEvent } from "../../dev-store/store/webhook-events";

const API_VERSION = "2026-10";
const APP = { apiKey: "loyalty-dev-app", apiSecret: "dev-store-test-secret" };
const ALL_SCOPES = "read_customers,read_orders,read_all_orders,read_products,write_discounts";

interface DevShop {
  store: ShopData;
  origin: string;
  token: string;
  advanceClock(milliseconds: number): void;
  graphql(query: string, variables?: Record<string, unknown>, options?: { token?: string; version?: string; shop?: string }): Promise<{ status: number; body: any }>;
  bulkOperationFinished(id: string): Promise<void>;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function startDevShop(options: { scopes?: string; throttle?: DevStoreConfig["throttle"]; seed?: (store: ShopData) => void } = {}): Promise<DevShop> {
  let clock = new Date("2025-06-01T12:00:00Z");
  const now = () => clock;
  const folder = mkdtempSync(join(tmpdir(), "dev-store-app-"));
  const appTomlPath = join(folder, "shopify.app.toml");
  writeFileSync(appTomlPath, `client_id = "${APP.apiKey}"\n[access_scopes]\nscopes = "${options.scopes ?? ALL_SCOPES}"\n`);
  const config = { shop: DEV_SHOP, ...APP, appTomlPath, throttle: options.throttle };
  const store = ShopData.create({ myshopifyDomain: DEV_SHOP, name: "Demo Loyalty" }, { now });
  options.seed?.(store);
  const admin = createAdminApiHandler({ store, config, now });
  const oauth = createOAuthHandler({ store, config, now });
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
      subject_token: mintSessionToken({ shop: DEV_SHOP, ...APP, now: clock }),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      expiring: "0",
    }),
  });
  const { access_token: token } = (await exchange.json()) as { access_token: string };

  return {
    store,
    origin,
    token,
    advanceClock: (milliseconds) => (clock = new Date(clock.getTime() + milliseconds)),
    bulkOperationFinished: (id) => admin.bulkOperationFinished(id),
    async graphql(query, variables = {}, request = {}) {
      const response = await fetch(`${origin}/admin/api/${request.version ?? API_VERSION}/graphql.json`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": request.token ?? token, "x-shopify-shop-domain": request.shop ?? DEV_SHOP },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: await response.json() };
    },
  };
}

/** 3 customers with 2 orders each, one product; orders a day apart. */
function seedCustomersWithOrders(store: ShopData, customers = 3, ordersEach = 2): void {
  const beans = store.createProduct({ title: "Beans", variants: [{ price: "18.00" }], createdAt: "2024-01-01T00:00:00Z" });
  let day = 0;
  for (let index = 0; index < customers; index++) {
    const customer = store.createCustomer({ firstName: `Customer${index}`, lastName: "Tester", email: `customer${index}@example.com`, createdAt: `2024-01-0${(index % 9) + 1}T00:00:00Z` });
    for (let order = 0; order < ordersEach; order++) {
      store.createOrder({ customerId: customer.id, lineItems: [{ variantId: beans.variants[0].id, quantity: order + 1 }], createdAt: new Date(Date.UTC(2025, 0, 1) + day++ * 86_400_000).toISOString() });
    }
  }
}

describe("requests Shopify refuses before running anything", () => {
  it("answers a wrong token with 401, an unknown version or shop with 404, and a body without a query with 400", async () => {
    const shop = await startDevShop();
    expect(await shop.graphql("{ shop { name } }", {}, { token: "shpat_not-a-real-token" })).toEqual({
      status: 401,
      body: { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" },
    });
    expect((await shop.graphql("{ shop { name } }", {}, { version: "2019-13" })).status).toBe(404);
    expect((await shop.graphql("{ shop { name } }", {}, { shop: "someone-else.myshopify.com" })).status).toBe(404);
    const noQuery = await fetch(`${shop.origin}/admin/api/${API_VERSION}/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": shop.token, "x-shopify-shop-domain": DEV_SHOP },
      body: JSON.stringify({ variables: {} }),
    });
    expect(noQuery.status).toBe(400);
  });

  it("reports a syntax error with its location", async () => {
    const shop = await startDevShop();
    const { status, body } = await shop.graphql("{ shop { name }");
    expect(status).toBe(200);
    expect(body).toEqual({ errors: [{ message: "syntax error, unexpected end of file at [1, 16]", locations: [{ line: 1, column: 16 }], extensions: { code: "PARSE_ERROR" } }] });
  });

  it("names an unknown field, argument or missing argument in graphql-ruby's words, with the operation path", async () => {
    const shop = await startDevShop();
    expect((await shop.graphql("query Loyalty { shop { nameX } }")).body).toEqual({
      errors: [{
        message: "Field 'nameX' doesn't exist on type 'Shop'",
        locations: [{ line: 1, column: 24 }],
        path: ["query Loyalty", "shop", "nameX"],
        extensions: { code: "undefinedField", typeName: "Shop", fieldName: "nameX" },
      }],
    });
    expect((await shop.graphql("{ customers(first: 1, colour: RED) { nodes { id } } }")).body.errors[0]).toMatchObject({
      message: "Field 'customers' doesn't accept argument 'colour'",
      path: ["query", "customers", "colour"],
      extensions: { code: "argumentNotAccepted", name: "customers", typeName: "Field", argumentName: "colour" },
    });
    expect((await shop.graphql("{ customer { id } }")).body.errors[0]).toMatchObject({
      message: "Field 'customer' is missing required arguments: id",
      path: ["query", "customer"],
      extensions: { code: "missingRequiredArguments", className: "Field", name: "customer", arguments: "id" },
    });
    expect((await shop.graphql("{ shop }")).body.errors[0].extensions).toEqual({ code: "selectionMismatch", nodeName: "field 'shop'", typeName: "Shop" });
  });

  it("rejects a variable of the wrong type as INVALID_VARIABLE", async () => {
    const shop = await startDevShop();
    const { body } = await shop.graphql("query Page($first: Int!) { customers(first: $first) { nodes { id } } }", { first: "ten" });
    expect(body).toEqual({
      errors: [{
        message: "Variable $first of type Int! was provided invalid value",
        locations: [{ line: 1, column: 12 }],
        extensions: { code: "INVALID_VARIABLE", value: "ten", problems: [{ path: [], explanation: 'Could not coerce value "ten" to Int' }] },
      }],
    });
  });

  it("refuses a valid field the dev store does not implement instead of answering null", async () => {
    const shop = await startDevShop();
    const { body } = await shop.graphql("{ customers(first: 1) { nodes { id lifetimeDuration } } }");
    expect(body).toEqual({
      errors: [{
        message: "dev store does not implement Customer.lifetimeDuration",
        locations: [{ line: 1, column: 36 }],
        path: ["query", "customers", "nodes", "lifetimeDuration"],
        extensions: { code: "DEV_STORE_NOT_IMPLEMENTED", typeName: "Customer", fieldName: "lifetimeDuration" },
      }],
    });
  });
});

describe("access scopes", () => {
  it("denies a discount mutation to an app without write_discounts, and creates nothing", async () => {
    const shop = await startDevShop({ scopes: "read_customers,read_orders" });
    const { body } = await shop.graphql(`mutation {
      discountCodeBasicCreate(basicCodeDiscount: { title: "x", code: "NOPE", startsAt: "2025-01-01T00:00:00Z", customerGets: { value: { percentage: 0.1 }, items: { all: true } } }) {
        codeDiscountNode { id }
      }
    }`);
    expect(body.data).toEqual({ discountCodeBasicCreate: null });
    expect(body.errors[0]).toMatchObject({
      message: "Access denied for discountCodeBasicCreate field. Required access: Apps must have `write_discounts` access scope.",
      path: ["discountCodeBasicCreate"],
      extensions: { code: "ACCESS_DENIED", documentation: "https://shopify.dev/api/usage/access-scopes" },
    });
    expect(shop.store.codeDiscounts()).toEqual([]);
  });

  it("shows only the last 60 days of orders without read_all_orders", async () => {
    const recent = await startDevShop({ scopes: "read_customers,read_orders", seed: (store) => seedCustomersWithOrders(store, 1, 1) });
    recent.store.createOrder({ lineItems: [{ variantId: recent.store.products()[0].variants[0].id, quantity: 1 }], createdAt: "2025-05-20T00:00:00Z" });
    const { body } = await recent.graphql("{ orders(first: 10) { nodes { createdAt } } }");
    expect(body.data.orders.nodes).toEqual([{ createdAt: "2025-05-20T00:00:00Z" }]);
  });
});

describe("pagination", () => {
  it("walks every customer exactly once, in id order, with edges, cursors and pageInfo", async () => {
    const shop = await startDevShop({ seed: (store) => seedCustomersWithOrders(store, 23, 0) });
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const { body }: { body: any } = await shop.graphql("query Page($after: String) { customers(first: 10, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }", { after });
      const connection = body.data.customers;
      seen.push(...connection.edges.map((edge: any) => edge.node.id));
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1).cursor);
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      pages += 1;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(shop.store.customers().map((customer) => customer.id));
  });

  it("filters and sorts orders with Shopify's search syntax, newest first", async () => {
    const shop = await startDevShop({ seed: (store) => seedCustomersWithOrders(store, 3, 2) });
    const ada = shop.store.customers()[1];
    const { body } = await shop.graphql(
      `query Recent($query: String) { orders(first: 5, query: $query, sortKey: CREATED_AT, reverse: true) { nodes { name customer { id } totalPriceSet { shopMoney { amount currencyCode } } } } }`,
      { query: `customer_id:${ada.id.split("/").pop()} created_at:>=2025-01-03 financial_status:paid` },
    );
    expect(body.data.orders.nodes).toEqual([
      { name: "#1004", customer: { id: ada.id }, totalPriceSet: { shopMoney: { amount: "36.0", currencyCode: "USD" } } },
      { name: "#1003", customer: { id: ada.id }, totalPriceSet: { shopMoney: { amount: "18.0", currencyCode: "USD" } } },
    ]);
    const unknownField = await shop.graphql(`{ orders(first: 1, query: "colour:red") { nodes { id } } }`);
    expect(unknownField.body.extensions.search).toEqual([{ path: ["orders"], query: "colour:red", warnings: [{ field: "colour", message: "Invalid search field for this query." }] }]);
  });

  it("requires first or last, as Shopify does", async () => {
    const shop = await startDevShop();
    const { body } = await shop.graphql("{ customers { nodes { id } } }");
    expect(body.data).toBeNull();
    expect(body.errors[0]).toMatchObject({ message: "you must provide one of first or last", path: ["customers"], extensions: { code: "BAD_REQUEST" } });
  });
});

describe("calculated query cost", () => {
  it("throttles a burst beyond the bucket, then serves again once the bucket has restored", async () => {
    const shop = await startDevShop({ throttle: { maximumAvailable: 100, restoreRate: 10 }, seed: (store) => seedCustomersWithOrders(store, 3, 0) });
    const query = "{ customers(first: 20) { nodes { id } } }"; // 2 + 20 × 1 requested, 2 + 3 actual
    const first = await shop.graphql(query);
    expect(first.body.extensions.cost).toEqual({ requestedQueryCost: 22, actualQueryCost: 5, throttleStatus: { maximumAvailable: 100, currentlyAvailable: 95, restoreRate: 10 } });

    const expensive = "{ customers(first: 90) { nodes { id } } }";
    expect((await shop.graphql(expensive)).body.extensions.cost.throttleStatus.currentlyAvailable).toBe(90);
    const throttled = await shop.graphql(expensive);
    expect(throttled.status).toBe(200);
    expect(throttled.body).toEqual({
      errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
      extensions: { cost: { requestedQueryCost: 92, actualQueryCost: null, throttleStatus: { maximumAvailable: 100, currentlyAvailable: 90, restoreRate: 10 } } },
    });

    shop.advanceClock(100); // 10 points a second: 91 available, still short of 92
    expect((await shop.graphql(expensive)).body.errors?.[0].extensions.code).toBe("THROTTLED");
    shop.advanceClock(1000);
    const restored = await shop.graphql(expensive);
    expect(restored.body.errors).toBeUndefined();
    expect(restored.body.data.customers.nodes).toHaveLength(3);
  });

  it("refuses a single query over 1,000 points whatever the bucket holds", async () => {
    const shop = await startDevShop({ throttle: { maximumAvailable: 20_000, restoreRate: 1000 } });
    const { body } = await shop.graphql("{ customers(first: 250) { nodes { orders(first: 10) { nodes { id } } } } }");
    expect(body.errors[0].extensions).toEqual({ code: "MAX_COST_EXCEEDED", cost: 3252, maxCost: 1000, documentation: "https://shopify.dev/api/usage/limits#rate-limits" });
    expect(body.errors[0].message).toMatch(/^Query cost is 3252, which exceeds the single query max cost limit \(1000\)\./);
  });
});

describe("discount codes the app creates", () => {
  const createReward = `mutation Reward($discount: DiscountCodeBasicInput!) {
    discountCodeBasicCreate(basicCodeDiscount: $discount) {
      codeDiscountNode { id codeDiscount { ... on DiscountCodeBasic { title status usageLimit appliesOncePerCustomer
        customerGets { value { ... on DiscountAmount { amount { amount currencyCode } appliesOnEachItem } } }
        minimumRequirement { ... on DiscountMinimumSubtotal { greaterThanOrEqualToSubtotal { amount } } }
        context { ... on DiscountCustomers { customers { id } } } } } }
      userErrors { field message code }
    }
  }`;

  it("creates a single-use code for one customer, refuses the same code twice, and finds it by code", async () => {
    const shop = await startDevShop({ seed: (store) => seedCustomersWithOrders(store, 1, 0) });
    const [customer] = shop.store.customers();
    const discount = {
      title: "Loyalty reward: $5 off",
      code: "LOYAL-5-ABCD",
      startsAt: "2025-06-01T00:00:00Z",
      usageLimit: 1,
      appliesOncePerCustomer: true,
      context: { customers: { add: [customer.id] } },
      customerGets: { value: { discountAmount: { amount: "5.00", appliesOnEachItem: false } }, items: { all: true } },
      minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: "20.00" } },
    };
    const created = await shop.graphql(createReward, { discount });
    expect(created.body.data.discountCodeBasicCreate).toEqual({
      codeDiscountNode: {
        id: expect.stringMatching(/^gid:\/\/shopify\/DiscountCodeNode\/\d+$/),
        codeDiscount: {
          title: "Loyalty reward: $5 off",
          status: "ACTIVE",
          usageLimit: 1,
          appliesOncePerCustomer: true,
          customerGets: { value: { amount: { amount: "5.0", currencyCode: "USD" }, appliesOnEachItem: false } },
          minimumRequirement: { greaterThanOrEqualToSubtotal: { amount: "20.0" } },
          context: { customers: [{ id: customer.id }] },
        },
      },
      userErrors: [],
    });

    const duplicate = await shop.graphql(createReward, { discount: { ...discount, code: "loyal-5-abcd" } });
    expect(duplicate.body.data.discountCodeBasicCreate).toEqual({
      codeDiscountNode: null,
      userErrors: [{ field: ["basicCodeDiscount", "code"], message: "Code must be unique. Please try a different code.", code: "TAKEN" }],
    });

    const found = await shop.graphql(`{ codeDiscountNodeByCode(code: "LOYAL-5-ABCD") { id } }`);
    expect(found.body.data.codeDiscountNodeByCode.id).toBe(created.body.data.discountCodeBasicCreate.codeDiscountNode.id);

    // The shopper redeems it at checkout; the app sees the use.
    shop.store.createOrder({ customerId: customer.id, lineItems: [{ variantId: shop.store.products()[0].variants[0].id, quantity: 2 }], discountCode: "LOYAL-5-ABCD" });
    const used = await shop.graphql(`{ codeDiscountNodes(first: 5, query: "code:LOYAL-5-ABCD") { nodes { codeDiscount { ... on DiscountCodeBasic { asyncUsageCount } } } } }`);
    expect(used.body.data.codeDiscountNodes.nodes).toEqual([{ codeDiscount: { asyncUsageCount: 1 } }]);
  });
});

describe("metafields", () => {
  it("sets metafields on a customer and reads them back by namespace and key", async () => {
    const shop = await startDevShop({ scopes: `${ALL_SCOPES},write_customers`, seed: (store) => seedCustomersWithOrders(store, 1, 0) });
    const [customer] = shop.store.customers();
    const set = await shop.graphql(
      `mutation Tier($metafields: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $metafields) { metafields { key value } userErrors { field message code } } }`,
      { metafields: [{ ownerId: customer.id, namespace: "loyalty", key: "points", type: "number_integer", value: "120" }, { ownerId: customer.id, namespace: "loyalty", key: "tier", type: "single_line_text_field", value: "gold" }] },
    );
    expect(set.body.data.metafieldsSet).toEqual({ metafields: [{ key: "points", value: "120" }, { key: "tier", value: "gold" }], userErrors: [] });
    const read = await shop.graphql(`query One($id: ID!) { customer(id: $id) { points: metafield(namespace: "loyalty", key: "points") { value jsonValue type } } }`, { id: customer.id });
    expect(read.body.data.customer.points).toEqual({ value: "120", jsonValue: 120, type: "number_integer" });

    const bad = await shop.graphql(`mutation { metafieldsSet(metafields: [{ ownerId: "${customer.id}", namespace: "loyalty", key: "points", type: "number_integer", value: "lots" }]) { metafields { id } userErrors { field code elementIndex } } }`);
    expect(bad.body.data.metafieldsSet).toEqual({ metafields: [], userErrors: [{ field: ["metafields", "0", "value"], code: "INVALID_VALUE", elementIndex: 0 }] });
  });

  it("refuses a customer's metafields to an app that may only read customers", async () => {
    const shop = await startDevShop({ seed: (store) => seedCustomersWithOrders(store, 1, 0) });
    const [customer] = shop.store.customers();
    const set = await shop.graphql(`mutation { metafieldsSet(metafields: [{ ownerId: "${customer.id}", namespace: "loyalty", key: "points", type: "number_integer", value: "1" }]) { userErrors { code } } }`);
    expect(set.body.errors[0]).toMatchObject({ message: "Access denied for metafieldsSet field. Required access: `write_customers` access scope.", extensions: { code: "ACCESS_DENIED" } });
    expect(shop.store.metafieldsOf(customer.id)).toEqual([]);
  });
});

describe("bulk query operations", () => {
  it("exports customers with their orders as JSONL, children on their own lines with __parentId", async () => {
    const shop = await startDevShop({ seed: (store) => seedCustomersWithOrders(store, 3, 2) });
    const finished: WebhookEvent[] = [];
    shop.store.events.on("webhook", (event) => event.topic === "bulk_operations/finish" && finished.push(event));
    const run = await shop.graphql(`mutation { bulkOperationRunQuery(query: """
      { customers { edges { node { id email orders { edges { node { id name } } } } } } }
    """) { bulkOperation { id status } userErrors { field message } } }`);
    const { bulkOperation, userErrors } = run.body.data.bulkOperationRunQuery;
    expect(userErrors).toEqual([]);
    expect(bulkOperation.status).toBe("CREATED");
    await shop.bulkOperationFinished(bulkOperation.id);

    const polled = await shop.graphql(`{ currentBulkOperation { id status errorCode objectCount rootObjectCount fileSize url partialDataUrl } }`);
    const operation = polled.body.data.currentBulkOperation;
    expect(operation).toMatchObject({ id: bulkOperation.id, status: "COMPLETED", errorCode: null, objectCount: "9", rootObjectCount: "3", partialDataUrl: null });
    const file = await (await fetch(operation.url)).text();
    expect(String(Buffer.byteLength(file))).toBe(operation.fileSize);
    const lines = file.trimEnd().split("\n").map((line) => JSON.parse(line));
    const expected = shop.store.customers().flatMap((customer) => [
      { id: customer.id, email: customer.email },
      ...shop.store.ordersOf(customer.id).map((order) => ({ id: order.id, name: order.name, __parentId: customer.id })),
    ]);
    expect(lines).toEqual(expected);
    expect(finished.map((event) => event.payload)).toEqual([expect.objectContaining({ admin_graphql_api_id: bulkOperation.id, status: "completed" })]);
  });

  it("refuses bulk queries Shopify refuses", async () => {
    const shop = await startDevShop();
    const run = async (query: string) => (await shop.graphql(`mutation Run($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id } userErrors { field message code } } }`, { query })).body.data.bulkOperationRunQuery;
    expect((await run("{ shop { name } }")).userErrors).toEqual([{ field: ["query"], message: "Bulk queries must contain at least one connection.", code: "INVALID" }]);
    expect((await run(`{ node(id: "gid://shopify/Customer/1") { id } }`)).userErrors[0].message).toMatch(/top-level `node` field/);
    expect((await run("{ customers { edges { node { orders { edges { node { lineItems { edges { node { id } } } } } } } } } }")).userErrors[0].message).toMatch(/nesting depth greater than 2/);
    expect((await run("{ customers { edges { node { nope } } } }")).userErrors[0].message).toBe("Invalid bulk query: Field 'nope' doesn't exist on type 'Customer'");
  });
});

describe("store credit", () => {
  const SCOPES = `${ALL_SCOPES},read_store_credit_accounts,write_store_credit_account_transactions`;
  const CREDIT = `mutation Credit($id: ID!, $creditInput: StoreCreditAccountCreditInput!) {
    storeCreditAccountCredit(id: $id, creditInput: $creditInput) {
      storeCreditAccountTransaction { id amount { amount currencyCode } balanceAfterTransaction { amount } expiresAt account { id balance { amount currencyCode } } }
      userErrors { field code message }
    }
  }`;
  const DEBIT = `mutation Debit($id: ID!, $debitInput: StoreCreditAccountDebitInput!) {
    storeCreditAccountDebit(id: $id, debitInput: $debitInput) { storeCreditAccountTransaction { id } userErrors { field code message } }
  }`;

  it("credits a customer's account in the shop currency, opening it on the first credit, and keeps its balance", async () => {
    let customerId = "";
    const shop = await startDevShop({ scopes: SCOPES, seed: (store) => (customerId = store.createCustomer({ email: "ada@example.com" }).id) });
    const credit = (amount: string, expiresAt: string | null = "2025-09-01T00:00:00Z") =>
      shop.graphql(CREDIT, { id: customerId, creditInput: { creditAmount: { amount, currencyCode: "USD" }, expiresAt } });
    const first = (await credit("10.00")).body.data.storeCreditAccountCredit;
    expect(first).toMatchObject({ userErrors: [], storeCreditAccountTransaction: { amount: { amount: "10.0", currencyCode: "USD" }, balanceAfterTransaction: { amount: "10.0" }, expiresAt: "2025-09-01T00:00:00Z" } });
    const second = (await credit("2.50", null)).body.data.storeCreditAccountCredit.storeCreditAccountTransaction;
    expect(second.account).toEqual({ id: first.storeCreditAccountTransaction.account.id, balance: { amount: "12.5", currencyCode: "USD" } });

    const read = await shop.graphql(`query($id: ID!) { customer(id: $id) { storeCreditAccounts(first: 5) { nodes { balance { amount } transactions(first: 5, query: "type:credit AND expires_at:<='2025-09-01T00:00:00Z'") { nodes { ... on StoreCreditAccountCreditTransaction { amount { amount } expiresAt } } } } } } }`, { id: customerId });
    expect(read.body.data.customer.storeCreditAccounts.nodes).toEqual([{ balance: { amount: "12.5" }, transactions: { nodes: [{ amount: { amount: "10.0" }, expiresAt: "2025-09-01T00:00:00Z" }] } }]);

    // A debit takes it back, never below zero.
    const accountId = first.storeCreditAccountTransaction.account.id;
    expect((await shop.graphql(DEBIT, { id: accountId, debitInput: { debitAmount: { amount: "20", currencyCode: "USD" } } })).body.data.storeCreditAccountDebit.userErrors).toEqual([
      { field: ["debitInput", "debitAmount", "amount"], code: "INSUFFICIENT_FUNDS", message: "The store credit account does not have sufficient funds." },
    ]);
    expect((await shop.graphql(DEBIT, { id: accountId, debitInput: { debitAmount: { amount: "12.50", currencyCode: "USD" } } })).body.data.storeCreditAccountDebit.userErrors).toEqual([]);
    expect(shop.store.storeCreditAccount(accountId)!.balance).toBe(0);
  });

  it("refuses a bad amount, another currency, an unknown customer and a past expiry with Shopify's userErrors, crediting nothing", async () => {
    let customerId = "";
    const shop = await startDevShop({ scopes: SCOPES, seed: (store) => (customerId = store.createCustomer({ email: "ada@example.com" }).id) });
    const errors = async (id: string, amount: string, currencyCode = "USD", expiresAt: string | null = null) =>
      (await shop.graphql(CREDIT, { id, creditInput: { creditAmount: { amount, currencyCode }, expiresAt } })).body.data.storeCreditAccountCredit;
    expect(await errors(customerId, "0")).toEqual({ storeCreditAccountTransaction: null, userErrors: [{ field: ["creditInput", "creditAmount", "amount"], code: "NEGATIVE_OR_ZERO_AMOUNT", message: "A positive amount must be used." }] });
    expect((await errors(customerId, "-5")).userErrors[0].code).toBe("NEGATIVE_OR_ZERO_AMOUNT");
    expect((await errors(customerId, "5", "EUR")).userErrors[0]).toEqual({ field: ["creditInput", "creditAmount", "currencyCode"], code: "UNSUPPORTED_CURRENCY", message: "The currency provided is not currently supported." });
    expect((await errors("gid://shopify/Customer/1", "5")).userErrors[0]).toEqual({ field: ["id"], code: "OWNER_NOT_FOUND", message: "Owner does not exist" });
    expect((await errors(customerId, "5", "USD", "2025-05-01T00:00:00Z")).userErrors[0].code).toBe("EXPIRES_AT_IN_PAST");
    expect(shop.store.storeCreditAccountsOf(customerId)).toEqual([]);
  });

  it("denies store credit to an app without the store credit scopes", async () => {
    let customerId = "";
    const shop = await startDevShop({ seed: (store) => (customerId = store.createCustomer({ email: "ada@example.com" }).id) });
    const answer = await shop.graphql(CREDIT, { id: customerId, creditInput: { creditAmount: { amount: "5", currencyCode: "USD" } } });
    expect(answer.body.errors[0].message).toContain("write_store_credit_account_transactions");
    expect(shop.store.storeCreditAccountsOf(customerId)).toEqual([]);
  });
});
