import { RequestedTokenType } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sendShopifyCallsTo } from "../../app/shopify/api-origin.server";
import { API_VERSION } from "../../app/shopify/api-version";
import { adminQuery, AdminApiError, type AdminGraphql } from "../../app/shopify/admin-graphql.server";
import { SHOP_PROFILE_QUERY } from "../../app/shopify/operations";
import { startDevStore, type DevStore } from "../../dev-store/server";
import { shopifyLibrary, TEST_APP } from "../support/shopify-library";

let devStore: DevStore;
let graphql: AdminGraphql;

beforeAll(async () => {
  // A bucket of 2 points restoring 1 per second: the third query in a row is throttled.
  devStore = await startDevStore({
    ...TEST_APP,
    appUrl: "http://127.0.0.1:9",
    appTomlPath: "shopify.app.toml",
    apiVersion: API_VERSION,
    nodeEnv: "test",
    throttle: { maximumAvailable: 2, restoreRate: 1 },
  });
  sendShopifyCallsTo(devStore.url);
  const shopify = shopifyLibrary();
  const { session } = await shopify.auth.tokenExchange({
    shop: TEST_APP.shop,
    sessionToken: devStore.sessionToken(),
    requestedTokenType: RequestedTokenType.OfflineAccessToken,
  });
  const client = new shopify.clients.Graphql({ session });
  // The same shape as admin.graphql from @shopify/shopify-app-remix.
  graphql = async (operation, options) =>
    new Response(JSON.stringify(await client.request(operation, { variables: options?.variables })));
});
afterAll(async () => {
  await devStore?.close();
});

describe("adminQuery", () => {
  it("waits out THROTTLED answers for as long as the bucket asks, then returns the data", async () => {
    const waits: number[] = [];
    const sleep = (ms: number) => {
      waits.push(ms);
      return new Promise<void>((resolve) => setTimeout(resolve, ms));
    };
    const shops: string[] = [];
    for (let i = 0; i < 3; i++) {
      const data = await adminQuery(graphql, SHOP_PROFILE_QUERY, { sleep });
      shops.push(data.shop.myshopifyDomain);
    }
    expect(shops).toEqual([TEST_APP.shop, TEST_APP.shop, TEST_APP.shop]);
    expect(waits.length).toBeGreaterThanOrEqual(1);
    // One point short at 1 point per second: about a second, never the blind exponential fallback.
    expect(waits[0]).toBeGreaterThanOrEqual(100);
    expect(waits[0]).toBeLessThanOrEqual(1000);
  });

  it("gives up after its attempts and says Shopify throttled it", async () => {
    const noWait = () => Promise.resolve();
    const attempt = async () => {
      for (let i = 0; i < 4; i++) await adminQuery(graphql, SHOP_PROFILE_QUERY, { sleep: noWait, maxAttempts: 2 });
    };
    await expect(attempt()).rejects.toThrow(AdminApiError);
    await expect(attempt()).rejects.toThrow(/Throttled/);
  });

  it("leaves the share of the bucket a background caller reserves: it pauses once an answer shows less left", async () => {
    await new Promise((resolve) => setTimeout(resolve, 2_100)); // the bucket full again: 2 points
    const waits: number[] = [];
    const sleep = (ms: number) => {
      waits.push(ms);
      return new Promise<void>((resolve) => setTimeout(resolve, ms));
    };
    // Half the bucket, 1 point, is left to others: the first query (1 point) leaves it; the second
    // spends it, and its caller waits the second it takes to restore before going on.
    await adminQuery(graphql, SHOP_PROFILE_QUERY, { sleep, reserve: 0.5 });
    expect(waits).toEqual([]);
    await adminQuery(graphql, SHOP_PROFILE_QUERY, { sleep, reserve: 0.5 });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(500);
    expect(waits[0]).toBeLessThanOrEqual(1000);
    // So the reserve is there for a call nobody should keep waiting.
    expect(devStore.adminApi.bucketStatus().currentlyAvailable).toBeGreaterThanOrEqual(1);
    await adminQuery(graphql, SHOP_PROFILE_QUERY, { sleep: () => Promise.reject(new Error("a shopper's call waited")) });
  });

  it("raises Shopify's own message for an operation Shopify refuses", async () => {
    // The typecheck refuses it first: only operations generated from the schema have a type.
    // @ts-expect-error "query { shop { nmae } }" is not an operation in app/types/admin.generated.d.ts
    await expect(adminQuery(graphql, "query { shop { nmae } }")).rejects.toThrow(/Field 'nmae' doesn't exist on type 'Shop'/);
  });
});
