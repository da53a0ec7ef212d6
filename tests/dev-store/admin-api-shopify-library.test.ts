/**
 * The app talks to the dev store through @shopify/shopify-api, exactly as it talks to Shopify: the
 * library's token exchange, refresh and GraphQL client, with its fetch sent to the dev store.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

import "@shopify/shopify-api/adapters/node";
import { ApiVersion, GraphqlQueryError, LogSeverity, RequestedTokenType, shopifyApi } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sendShopifyCallsTo } from "../../app/shopify/api-origin.server";
import { createAdminApiHandler } from "../../dev-store/admin-api/handler";
import { DEV_SHOP } from "../../dev-store/config";
import { createOAuthHandler } from "../../dev-store/oauth/handler";
import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { ShopData } from "../../dev-store/store/shop-data";

const APP = { apiKey: "loyalty-dev-app", apiSecret: "dev-store-test-secret" };

let server: Server;
let store: ShopData;
let clock = new Date();
const sentToDevStore: string[] = [];

beforeAll(async () => {
  const now = () => clock;
  const config = { shop: DEV_SHOP, ...APP, appTomlPath: join(process.cwd(), "shopify.app.toml"), throttle: { maximumAvailable: 60, restoreRate: 10 } };
  store = ShopData.create({ myshopifyDomain: DEV_SHOP, name: "Demo Loyalty" }, { now });
  const beans = store.createProduct({ title: "Beans", variants: [{ price: "18.00" }] });
  const maya = store.createCustomer({ firstName: "Maya", lastName: "Chen", email: "maya@example.com", hasAccount: true });
  store.createOrder({ customerId: maya.id, lineItems: [{ variantId: beans.variants[0].id, quantity: 2 }] });
  const handlers = [createOAuthHandler({ store, config, now }), createAdminApiHandler({ store, config, now })];
  server = createServer(async (request, response) => {
    sentToDevStore.push(request.url ?? "");
    for (const handler of handlers) if (await handler(request, response)) return;
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const devStore = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

  // The app's own seam: https://{shop}/... goes to the dev store.
  sendShopifyCallsTo(devStore.origin);
});

afterAll(() => server.close());

const shopify = shopifyApi({
  apiKey: APP.apiKey,
  apiSecretKey: APP.apiSecret,
  apiVersion: ApiVersion.October26,
  hostName: "loyalty.example.com",
  isEmbeddedApp: true,
  logger: { level: LogSeverity.Error },
});

async function offlineSession() {
  const { session } = await shopify.auth.tokenExchange({
    shop: DEV_SHOP,
    sessionToken: mintSessionToken({ shop: DEV_SHOP, ...APP, now: clock }),
    requestedTokenType: RequestedTokenType.OfflineAccessToken,
    expiring: true,
  });
  return session;
}

describe("@shopify/shopify-api against the dev store", () => {
  it("exchanges a session token for an expiring offline session and refreshes it", async () => {
    const session = await offlineSession();
    // The scopes shopify.app.toml asks for (write_customers for the loyalty metafields and tier tags).
    expect(session).toMatchObject({ shop: DEV_SHOP, isOnline: false, id: `offline_${DEV_SHOP}`, scope: "write_customers,read_orders,read_all_orders,read_products,write_discounts,read_store_credit_accounts,write_store_credit_account_transactions" });
    expect(session.accessToken).toMatch(/^shpat_/);
    expect(session.refreshToken).toMatch(/^shprt_/);
    expect(session.expires!.getTime() - Date.now()).toBeGreaterThan(3500_000);

    const { session: refreshed } = await shopify.auth.refreshToken({ shop: DEV_SHOP, refreshToken: session.refreshToken! });
    expect(refreshed.accessToken).not.toBe(session.accessToken);
  });

  it("queries customers and orders through the library's GraphQL client", async () => {
    const client = new shopify.clients.Graphql({ session: await offlineSession() });
    const response = await client.request(`#graphql
      query LoyaltyCustomers { customers(first: 5) { nodes { email numberOfOrders amountSpent { amount currencyCode } orders(first: 5) { nodes { name displayFinancialStatus } } } } }`);
    expect(response.data).toEqual({
      customers: { nodes: [{ email: "maya@example.com", numberOfOrders: "1", amountSpent: { amount: "36.0", currencyCode: "USD" }, orders: { nodes: [{ name: "#1001", displayFinancialStatus: "PAID" }] } }] },
    });
    // 2 + 5 × (customer 1 + amountSpent 1 + orders 2 + 5 × 1) requested; one customer with one order returned
    expect(response.extensions?.cost).toMatchObject({ requestedQueryCost: 47, actualQueryCost: 7 });
  });

  it("surfaces THROTTLED as Shopify does (HTTP 200): the client's retries, which cover 429 and 503 only, do not resend it", async () => {
    const client = new shopify.clients.Graphql({ session: await offlineSession() });
    const expensive = "{ customers(first: 50) { nodes { id } } }"; // 52 points of a 60-point bucket
    await client.request(expensive);
    const before = sentToDevStore.length;
    const failure = await client.request(expensive, { retries: 2 }).catch((error: unknown) => error);
    expect(sentToDevStore.length - before).toBe(1);
    expect(failure).toBeInstanceOf(GraphqlQueryError);
    const body = (failure as GraphqlQueryError).body as { errors: { graphQLErrors: { extensions: { code: string } }[] }; extensions: { cost: { throttleStatus: { currentlyAvailable: number; restoreRate: number } } } };
    expect(body.errors.graphQLErrors[0].extensions.code).toBe("THROTTLED");
    const { currentlyAvailable, restoreRate } = body.extensions.cost.throttleStatus;
    expect(currentlyAvailable).toBeLessThan(52);

    // What the app must do itself: wait until the bucket holds the query's cost, then resend.
    clock = new Date(clock.getTime() + Math.ceil(((52 - currentlyAvailable) / restoreRate) * 1000));
    const retried = await client.request(expensive);
    expect(retried.data).toEqual({ customers: { nodes: [{ id: store.customers()[0].id }] } });
  });
});
