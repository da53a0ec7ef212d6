/**
 * The one freshness rule of the order store (app/orders/store.server.ts), where the history import
 * and the webhooks meet: an order placed after the install reaches the app through its webhooks
 * (orders/create pending, then orders/paid, in the same second or later) and through the history
 * import's bulk export, which saw one of those versions. Whatever the order of arrival, one after the
 * other or at the same time, the stored order is the newest version (the paid one, with its lines)
 * and the customer's points are what that version earns, once.
 */
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { pointsBalance } from "../../app/loyalty/ledger.server";
import { importHistoryLines } from "../../app/orders/history-import.server";
import { startTestApp, type TestApp } from "../support/test-app";
import { samplePayload, sendWebhook } from "../support/webhooks";

let app: TestApp;
let shopId: string;
let pool: pg.Pool;

// The embedded database serves one connection at a time: fewer runs there.
const onServer = Boolean(process.env.DATABASE_URL);
const RUNS = Number(process.env.ORDER_STORE_RUNS ?? (onServer ? 12 : 4));

beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  pool.on("error", () => undefined);
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await app?.close();
});

interface Version {
  status: "pending" | "paid";
  /** Seconds after the order was placed. */
  at: number;
  cents: number;
  title: string;
}

type Arrival = "import" | "create" | "paid";

const money = (cents: number) => (cents / 100).toFixed(2);
const webhookMoney = (cents: number) => ({
  shop_money: { amount: money(cents), currency_code: "USD" },
  presentment_money: { amount: money(cents), currency_code: "USD" },
});
const bulkMoney = (cents: number) => ({ shopMoney: { amount: money(cents), currencyCode: "USD" } });

let nextId = 8_100_000_000;

function orderOf(placed: Date, orderId: string, customerId: string) {
  const stamp = (seconds: number) => new Date(placed.getTime() + seconds * 1000).toISOString();
  const lineId = `gid://shopify/LineItem/${orderId.split("/").pop()}`;
  const webhook = (version: Version) => {
    const payload = samplePayload<Record<string, any>>("orders/updated");
    return {
      ...payload,
      id: Number(orderId.split("/").pop()),
      admin_graphql_api_id: orderId,
      name: `#R${orderId.split("/").pop()}`,
      email: `${customerId.split("/").pop()}@example.com`,
      created_at: stamp(0),
      updated_at: stamp(version.at),
      financial_status: version.status,
      cancelled_at: null,
      cancel_reason: null,
      test: false,
      subtotal_price_set: webhookMoney(version.cents),
      total_price_set: webhookMoney(version.cents),
      total_tax_set: webhookMoney(0),
      total_discounts_set: webhookMoney(0),
      discount_codes: [],
      shipping_lines: [],
      line_items: [
        { ...payload.line_items[0], admin_graphql_api_id: lineId, product_id: 1000, variant_id: 2000, title: version.title, quantity: 1, price_set: webhookMoney(version.cents), discount_allocations: [] },
      ],
      customer: { ...samplePayload<Record<string, unknown>>("customers/create"), id: Number(customerId.split("/").pop()), admin_graphql_api_id: customerId, state: "disabled", email: null, created_at: stamp(0), updated_at: stamp(0) },
      refunds: [],
    };
  };
  const bulk = (version: Version) => [
    JSON.stringify({
      id: orderId, name: `#R${orderId.split("/").pop()}`, email: null, createdAt: stamp(0), updatedAt: stamp(version.at), cancelledAt: null, cancelReason: null,
      test: false, displayFinancialStatus: version.status.toUpperCase(), discountCodes: [], customer: { id: customerId },
      subtotalPriceSet: bulkMoney(version.cents), totalShippingPriceSet: bulkMoney(0), totalTaxSet: bulkMoney(0), totalDiscountsSet: bulkMoney(0),
      totalPriceSet: bulkMoney(version.cents), currentSubtotalPriceSet: bulkMoney(version.cents), currentShippingPriceSet: bulkMoney(0),
      currentTotalTaxSet: bulkMoney(0), refunds: [],
    }),
    JSON.stringify({
      id: lineId, title: version.title, quantity: 1, product: { id: "gid://shopify/Product/1000" }, variant: { id: "gid://shopify/ProductVariant/2000" },
      originalUnitPriceSet: bulkMoney(version.cents), totalDiscountSet: bulkMoney(0), __parentId: orderId,
    }),
  ];
  return { webhook, bulk };
}

async function* linesOf(lines: string[]) {
  yield* lines;
}

const scenario = fc.record({
  // 0: orders/paid in the same second as orders/create (same amount); else an edit raised the amount.
  paidAfter: fc.constantFrom(0, 0, 1, 7),
  cents: fc.constantFrom(2000, 4550),
  raise: fc.constantFrom(500, 1250),
  /** The version the bulk export saw. */
  imported: fc.constantFrom<"create" | "paid">("create", "paid"),
  order: fc.shuffledSubarray<Arrival>(["import", "create", "paid"], { minLength: 3, maxLength: 3 }),
  /** For each arrival after the first: true when it starts while the one before is still running. */
  together: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
});

describe("the import reads its lines as webhooks are read", () => {
  it("leaves out an order it cannot read (no updated_at, an amount that is not a decimal) and imports the rest", async () => {
    const placed = new Date(Date.now() - 86_400_000);
    const ids = [1, 2, 3].map(() => `gid://shopify/Order/${(nextId += 1)}`);
    const customerId = `gid://shopify/Customer/${(nextId += 1)}`;
    const version: Version = { status: "paid", at: 0, cents: 1500, title: "Tea" };
    const [good, undated, malformed] = ids.map((id) => orderOf(placed, id, customerId).bulk(version));
    const withoutUpdatedAt = JSON.stringify({ ...JSON.parse(undated[0]), updatedAt: undefined });
    const notDecimal = JSON.stringify({ ...JSON.parse(malformed[0]), totalPriceSet: { shopMoney: { amount: "12,50" } } });

    const result = await importHistoryLines(app.db, shopId, "orders", linesOf([...good, withoutUpdatedAt, undated[1], notDecimal, malformed[1]]), { pool, now: new Date() });

    expect(result).toMatchObject({ rows: 1, skipped: 2 });
    const stored = await app.db.order.findMany({ where: { shopId, shopifyId: { in: ids } }, include: { lineItems: true } });
    expect(stored.map((order) => [order.shopifyId, order.financialStatus, order.total.toFixed(2), order.lineItems.length])).toEqual([[ids[0], "paid", "15.00", 1]]);
  });
});

describe("an import and a webhook racing on one order", () => {
  it(`store the newest version and earn its points once, in any order of arrival (${RUNS} races)`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ paidAfter, cents, raise, imported, order, together }) => {
        const orderId = `gid://shopify/Order/${(nextId += 1)}`;
        const customerId = `gid://shopify/Customer/${(nextId += 1)}`;
        // After the install, so the paid version earns (history's own orders do not, by default).
        const placed = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);
        const versions: Record<"create" | "paid", Version> = {
          create: { status: "pending", at: 0, cents, title: "Tea" },
          paid: { status: "paid", at: paidAfter, cents: paidAfter === 0 ? cents : cents + raise, title: paidAfter === 0 ? "Tea" : "Tea and a cup" },
        };
        const { webhook, bulk } = orderOf(placed, orderId, customerId);
        const arrive = async (arrival: Arrival) => {
          if (arrival === "import") {
            const result = await importHistoryLines(app.db, shopId, "orders", linesOf(bulk(versions[imported])), { pool, now: new Date() });
            expect(result.skipped).toBe(0);
            return;
          }
          const response = await sendWebhook(app, arrival === "create" ? "orders/create" : "orders/paid", webhook(versions[arrival]));
          expect(response.status).toBe(200);
        };

        // Arrivals marked `together` start before the previous one has finished.
        let running: Promise<void>[] = [arrive(order[0])];
        for (const [index, arrival] of order.slice(1).entries()) {
          if (!together[index]) {
            await Promise.all(running);
            running = [];
          }
          running.push(arrive(arrival));
        }
        await Promise.all(running);

        const newest = versions.paid;
        const stored = await app.db.order.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: orderId } }, include: { lineItems: true } });
        const context = JSON.stringify({ paidAfter, imported, order, together });
        expect(stored.financialStatus, context).toBe("paid");
        expect(stored.shopifyUpdatedAt.toISOString(), context).toBe(new Date(placed.getTime() + newest.at * 1000).toISOString());
        expect(stored.subtotal.toFixed(2), context).toBe(money(newest.cents));
        expect(stored.lineItems.map((line) => [line.title, line.price.toFixed(2)]), context).toEqual([[newest.title, money(newest.cents)]]);

        // One point per dollar of the paid version, once, whoever stored it.
        const customer = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customerId } } });
        const far = new Date(Date.now() + 3650 * 86_400_000);
        expect((await pointsBalance(app.db, customer.id, far)).total, context).toBe(Math.floor(newest.cents / 100));
      }),
      { numRuns: RUNS },
    );
  }, 300_000);
});
