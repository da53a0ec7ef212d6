/**
 * Background work leaves shoppers their share of Shopify's rate limit. Shopify meters an app's Admin
 * calls per shop with one bucket: while a worker's shopify-writes round sends a backlog of Flow triggers
 * (as after an install or a busy sale), a shopper redeeming in the widget must still get a code at once,
 * not "Shopify could not create your code". Against the dev store's bucket, made small so the backlog
 * takes seconds.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { adjustPoints } from "../../app/loyalty/ledger.server";
import { enqueueFlowTrigger } from "../../app/shop-tools/outbox.server";
import { sendShopifyWrites } from "../../app/shop-tools/shopify-writes.server";
import { SHOPPER_RESERVE } from "../../app/shopify/admin-graphql.server";
import { signedAppProxyQuery } from "../support/shopify-library";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

const BUCKET = { maximumAvailable: 200, restoreRate: 20 };
const BACKLOG = 50;
let app: TestApp;
let shopId: string;

beforeAll(async () => {
  app = await startTestApp({ throttle: BUCKET });
  shopId = await app.installAndImportHistory();
}, 60_000);
afterAll(async () => {
  await app?.close();
});

describe("shoppers and background work share Shopify's rate limit", () => {
  it("redeems at once while the app works through a backlog of Shopify writes, which keeps the shoppers' reserve", async () => {
    const customer = app.devStore.store.createCustomer({ email: `${randomUUID()}@example.com`, firstName: "Ada", lastName: "Shopper", hasAccount: true });
    await app.devStore.webhooks.idle();
    const stored = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } });
    await adjustPoints(app.db, { shopId, customerId: stored.id, points: 10_000, reason: "Test balance", now: new Date() });
    const reward = await app.db.reward.create({ data: { shopId, name: "$5 off", kind: "AMOUNT_OFF", amountOff: "5", pointsCost: 100, codeValidDays: 30 } });

    // A backlog of "points earned" triggers, one Admin call each: far more than the bucket holds.
    const customerId = Number(customer.id.split("/").pop());
    await app.db.$transaction(async (tx) => {
      for (let index = 0; index < BACKLOG; index++) {
        await enqueueFlowTrigger(tx, shopId, "points-earned", { customer_id: customerId, Points: 1, "Points balance": 1, Reason: "Order" }, `backlog:${index}`);
      }
    });
    const backlogSent = async () => BACKLOG - (await app.db.shopifyWrite.count({ where: { shopId, key: { startsWith: "flow:points-earned:backlog:" } } }));
    // The shopify-writes job's round, as a worker runs it.
    const round = sendShopifyWrites(app.db, shopId, await app.adminGraphqlFor(TEST_APP.shop));

    // The round spends the bucket down to the reserve and no further (give or take the one call,
    // 10 points, it sends when just above it).
    const reserve = BUCKET.maximumAvailable * SHOPPER_RESERVE;
    const deadline = Date.now() + 30_000;
    while ((await backlogSent()) < 15) {
      if (Date.now() > deadline) throw new Error("the backlog did not start");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seen: number[] = [];
    for (const end = Date.now() + 2_000; Date.now() < end; ) {
      seen.push(app.devStore.adminApi.bucketStatus().currentlyAvailable);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(reserve - 10);
    // Kept near the reserve, far from full (a busy machine's pauses between calls let a little more restore).
    expect(Math.max(...seen)).toBeLessThan(BUCKET.maximumAvailable / 2);

    let sentAtFirstCode = 0;
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await fetch(`${app.appUrl}/proxy/redeem?${signedAppProxyQuery(customer.id)}`, {
        method: "POST",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-Forwarded-For": `198.51.100.${attempt + 1}` },
        body: JSON.stringify({ rewardId: reward.id, idempotencyKey: randomUUID() }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
      expect(await response.json()).toMatchObject({ code: expect.stringMatching(/^REWARD-/) });
      if (attempt === 0) sentAtFirstCode = await backlogSent();
    }
    // The backlog was still going: the first code did not wait for it to end. Then it is all sent.
    expect(sentAtFirstCode).toBeLessThan(BACKLOG);
    expect(await app.db.redemption.count({ where: { customerId: stored.id, status: "ISSUED" } })).toBe(5);
    expect((await round).failed).toBe(0);
    expect(await backlogSent()).toBe(BACKLOG);
  }, 90_000);
});
