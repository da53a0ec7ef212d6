/**
 * Generated histories of balance changes, job rounds and rounds Shopify fails, in any order: once a
 * round succeeds after the last change, every customer's `points_balance` metafield in the dev store is
 * their ledger balance, and no round ever sends more than one metafieldsSet (3 customers fit one call),
 * however many changes it coalesced. Against the app's own code, the dev store and a real database.
 */
import fc from "fast-check";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { adjustPoints } from "../../app/loyalty/ledger.server";
import { sendShopifyWrites } from "../../app/shop-tools/shopify-writes.server";
import type { AdminGraphql } from "../../app/shopify/admin-graphql.server";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";

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

type Step = { kind: "change"; customer: number; points: number } | { kind: "round" } | { kind: "failed-round" };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("change" as const), customer: fc.integer({ min: 0, max: 2 }), points: fc.integer({ min: -300, max: 300 }).filter((points) => points !== 0) }) },
  { weight: 2, arbitrary: fc.constant({ kind: "round" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "failed-round" as const }) },
);

describe("the balance on the customer record", () => {
  it("ends as the ledger's balance for every customer, one metafieldsSet per round at most", async () => {
    let run = 0;
    const property = fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
      run++;
      const customers = [];
      for (let index = 0; index < 3; index++) {
        const created = app.devStore.store.createCustomer({ email: `p${run}-${index}-${randomUUID()}@example.com` });
        customers.push(created);
      }
      await app.devStore.webhooks.idle();
      const ids = await Promise.all(customers.map(async (customer) => (await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } } })).id));
      const calls: number[] = [];
      let clock = Date.now();
      const round = async () => {
        let metafieldCalls = 0;
        const graphql: AdminGraphql = async (query, options) => {
          if (query.includes("metafieldsSet(")) metafieldCalls++;
          return (await app.adminGraphqlFor(TEST_APP.shop))(query, options);
        };
        // Each round an hour later than the last: whatever failed before is due again.
        clock += 3_600_000;
        const at = clock;
        await sendShopifyWrites(app.db, shopId, graphql, { now: () => new Date(at), sleep: async () => {} });
        // A fault the round had no call for does not outlive it.
        app.devStore.adminApi.clearFaults();
        calls.push(metafieldCalls);
      };
      for (const next of steps) {
        if (next.kind === "change") await adjustPoints(app.db, { shopId, customerId: ids[next.customer], points: next.points, reason: "Generated", now: new Date() });
        else {
          // Shopify fails the round's metafieldsSet (armed only when the round has one to send, so it never outlives the round).
          const pending = await app.db.shopifyWrite.count({ where: { customerId: { in: ids }, kind: "CUSTOMER_RECORD" } });
          if (next.kind === "failed-round" && pending > 0) app.devStore.adminApi.injectFault({ field: "metafieldsSet", kind: "internal-error", times: 1 });
          await round();
        }
      }
      await round();
      for (const [index, customer] of customers.entries()) {
        const [row] = await app.db.$queryRaw<{ balance: number }[]>`SELECT COALESCE(SUM(points), 0)::int AS balance FROM "PointsLedgerEntry" WHERE "customerId" = ${ids[index]}`;
        const metafield = app.devStore.store.metafieldsOf(customer.id).find((candidate) => candidate.namespace === NAMESPACE && candidate.key === "points_balance");
        const changed = steps.some((candidate) => candidate.kind === "change" && candidate.customer === index);
        // A customer whose balance never changed has nothing written.
        expect(metafield?.value).toBe(changed ? String(row.balance) : undefined);
      }
      expect(Math.max(...calls)).toBeLessThanOrEqual(1);
      expect(await app.db.shopifyWrite.count({ where: { customerId: { in: ids } } })).toBe(0);
    });
    await fc.assert(property, { numRuns: 12, endOnFailure: true });
  }, 300_000);
});
