/**
 * The inbox applies its deliveries in batches, one transaction per batch: a delivery that fails does
 * not hold back or undo the others of its batch and alone records its error, and whatever the batch
 * sizes and the order the deliveries arrived in, the ledger ends as it does when every delivery is
 * applied one at a time, in time order.
 *
 * The app's own inbox lanes are off (PROCESS_WEBHOOKS_IN_APP=false, as with `npm run worker`): the
 * test stores the deliveries and drives the processor itself.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { BatchOutcome } from "../../app/webhooks/inbox-processor.server";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { paidOrderPayload, samplePayload } from "../support/webhooks";

let app: TestApp;
let shopId: string;
let processDueDeliveries: (limit: number) => Promise<BatchOutcome>;

const onServer = Boolean(process.env.DATABASE_URL);
const RUNS = Number(process.env.BATCH_CONVERGENCE_RUNS ?? (onServer ? 6 : 3));
const MAX_ATTEMPTS = 5;

beforeAll(async () => {
  process.env.PROCESS_WEBHOOKS_IN_APP = "false";
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  const processor = await import("../../app/webhooks/inbox-processor.server");
  processDueDeliveries = (limit) => processor.processDueDeliveries(app.db, () => new Date(), MAX_ATTEMPTS, limit);
  // What the install left in the inbox (bulk_operations/finish…), out of the way.
  await drain(100);
}, 120_000);
afterAll(async () => {
  delete process.env.PROCESS_WEBHOOKS_IN_APP;
  await app?.close();
});

let sequence = 0;
const gid = (type: string) => `gid://shopify/${type}/${Date.now()}${++sequence}`;

/** Stores a delivery in the inbox as the route does once it has verified it. */
async function store(topic: string, payload: unknown, body = JSON.stringify(payload)): Promise<string> {
  const eventId = randomUUID();
  await app.db.webhookEvent.create({ data: { shopDomain: TEST_APP.shop, eventId, webhookId: randomUUID(), topic, body } });
  return eventId;
}

/** Runs batches of these sizes (the last repeated) until nothing is due; the outcomes. */
async function drain(...sizes: number[]): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = [];
  for (let round = 0; ; round++) {
    const outcome = await processDueDeliveries(sizes[Math.min(round, sizes.length - 1)]);
    if (outcome.taken === 0) return outcomes;
    outcomes.push(outcome);
    if (round > 10_000) throw new Error("the inbox never emptied");
  }
}

async function spendPoints(customerShopifyId: string): Promise<number> {
  const customer = await app.db.customer.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } } });
  if (!customer) return 0;
  const { _sum } = await app.db.pointsLedgerEntry.aggregate({ where: { customerId: customer.id, reason: "SPEND" }, _sum: { points: true } });
  return _sum.points ?? 0;
}

describe("a batch with a failing delivery", () => {
  it("applies the others and records the failure on that delivery only", async () => {
    // A real failure inside the batch's transaction, after other deliveries' rows are written: PostgreSQL refuses a line item.
    await app.db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_sabotaged_line() RETURNS trigger AS $$
      BEGIN IF NEW.title = 'Sabotaged' THEN RAISE EXCEPTION 'line item refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await app.db.$executeRawUnsafe(`CREATE TRIGGER refuse_sabotaged_line BEFORE INSERT ON "OrderLineItem" FOR EACH ROW EXECUTE FUNCTION refuse_sabotaged_line()`);
    try {
      const deliveries = Array.from({ length: 6 }, (_, n) => ({ orderId: gid("Order"), customerId: gid("Customer"), sabotaged: n === 2 }));
      const eventIds: string[] = [];
      for (const delivery of deliveries) {
        eventIds.push(await store("orders/paid", paidOrderPayload(delivery.orderId, delivery.customerId, delivery.sabotaged ? "Sabotaged" : "Coffee")));
      }
      // A delivery whose stored payload no longer reads is refused inside the same batch, without a replay.
      const unreadable = await store("orders/paid", null, JSON.stringify({ admin_graphql_api_id: "not an order" }));

      // One batch (and the replay of its rows one by one): the failed rows are due again a second later.
      expect(await processDueDeliveries(50)).toMatchObject({ taken: 7, applied: 5, failed: 2, busy: 0 });

      for (const delivery of deliveries) {
        const stored = await app.db.order.count({ where: { shopId, shopifyId: delivery.orderId } });
        expect(stored, delivery.orderId).toBe(delivery.sabotaged ? 0 : 1);
        expect(await spendPoints(delivery.customerId) > 0).toBe(!delivery.sabotaged);
      }
      const rows = await app.db.webhookEvent.findMany({ where: { eventId: { in: [...eventIds, unreadable] } } });
      const row = (eventId: string) => rows.find((candidate) => candidate.eventId === eventId)!;
      deliveries.forEach((delivery, n) => {
        if (delivery.sabotaged) {
          expect(row(eventIds[n])).toMatchObject({ processedAt: null, attempts: 1, deadAt: null });
          expect(row(eventIds[n]).lastError).toContain("line item refused for the test");
          expect(row(eventIds[n]).body).toContain(delivery.orderId);
        } else {
          expect(row(eventIds[n])).toMatchObject({ attempts: 0, lastError: null, body: null });
          expect(row(eventIds[n]).processedAt).toBeInstanceOf(Date);
        }
      });
      expect(row(unreadable)).toMatchObject({ processedAt: null, attempts: 1 });
      expect(row(unreadable).lastError).toContain("unexpected payload");
    } finally {
      await app.db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS refuse_sabotaged_line ON "OrderLineItem"`);
      await app.db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS refuse_sabotaged_line()`);
      // Out of the way of the next test: dead, as after its last attempt.
      await app.db.webhookEvent.updateMany({ where: { processedAt: null }, data: { deadAt: new Date() } });
    }
  });
});

// ---- generated histories ----

interface OrderPlan {
  cents: number;
  paid: boolean;
  /** Refunded share of a paid order (0: none). */
  refund: number;
  cancelled: boolean;
}

interface CustomerPlan {
  enabled: boolean;
  orders: OrderPlan[];
}

const history: fc.Arbitrary<CustomerPlan[]> = fc.array(
  fc.record({
    enabled: fc.boolean(),
    orders: fc.array(
      fc.record({ cents: fc.constantFrom(1000, 2500, 5399), paid: fc.boolean(), refund: fc.constantFrom(0, 0, 0.5, 1), cancelled: fc.boolean() }),
      { minLength: 1, maxLength: 4 },
    ),
  }),
  { minLength: 1, maxLength: 4 },
);

interface Delivery {
  topic: string;
  payload: Record<string, unknown>;
}

const money = (cents: number) => ({ shop_money: { amount: (cents / 100).toFixed(2), currency_code: "USD" }, presentment_money: { amount: (cents / 100).toFixed(2), currency_code: "USD" } });

/** The history as Shopify would deliver it, in time order; ids from `base`. */
function deliveriesOf(plan: CustomerPlan[], base: number, start: Date, run: string): Delivery[] {
  const stamp = (seconds: number) => new Date(start.getTime() + seconds * 1000).toISOString();
  const deliveries: Delivery[] = [];
  plan.forEach((customer, c) => {
    const customerId = `gid://shopify/Customer/${base + c}`;
    const customerPayload = {
      ...samplePayload<Record<string, unknown>>("customers/create"),
      id: base + c,
      admin_graphql_api_id: customerId,
      email: `${run}-${c}@example.com`,
      state: customer.enabled ? "enabled" : "disabled",
      created_at: stamp(c * 100),
      updated_at: stamp(c * 100),
      default_address: { address1: `${run} ${c} Main St`, zip: "10001", country_code: "US" },
    };
    deliveries.push({ topic: "customers/create", payload: customerPayload });
    customer.orders.forEach((order, o) => {
      const orderNumber = base + c * 10 + o;
      const placed = c * 100 + 1 + o * 10;
      const refundCents = order.paid ? Math.round(order.cents * order.refund) : 0;
      const refundPayload = () => {
        const payload = samplePayload<Record<string, any>>("refunds/create");
        return {
          ...payload,
          id: orderNumber,
          admin_graphql_api_id: `gid://shopify/Refund/${orderNumber}`,
          order_id: orderNumber,
          created_at: stamp(placed + 2),
          refund_line_items: [{ ...payload.refund_line_items[0], subtotal_set: money(refundCents), total_tax_set: money(0) }],
          refund_shipping_lines: [],
          order_adjustments: [],
        };
      };
      const version = (at: number, status: string, refunded: boolean, cancelled: boolean) => {
        const payload = samplePayload<Record<string, any>>("orders/updated");
        return {
          ...payload,
          id: orderNumber,
          admin_graphql_api_id: `gid://shopify/Order/${orderNumber}`,
          name: `#${run}-${c}-${o}`,
          email: `${run}-${c}@example.com`,
          created_at: stamp(placed),
          updated_at: stamp(at),
          financial_status: refunded ? (refundCents >= order.cents ? "refunded" : "partially_refunded") : cancelled && !order.paid ? "voided" : status,
          cancelled_at: cancelled ? stamp(placed + 3) : null,
          cancel_reason: cancelled ? "customer" : null,
          test: false,
          subtotal_price_set: money(order.cents),
          total_price_set: money(order.cents),
          total_tax_set: money(0),
          total_discounts_set: money(0),
          discount_codes: [],
          shipping_lines: [],
          line_items: [
            {
              ...payload.line_items[0],
              admin_graphql_api_id: `gid://shopify/LineItem/${orderNumber}`,
              title: "Coffee beans",
              quantity: 1,
              price_set: money(order.cents),
              discount_allocations: [],
            },
          ],
          customer: customerPayload,
          shipping_address: { ...payload.shipping_address, address1: `${run} ${c} Main St`, zip: "10001", country_code: "US", phone: null },
          billing_address: { ...payload.billing_address, address1: `${run} ${c} Main St`, zip: "10001", country_code: "US", phone: null },
          refunds: refunded ? [refundPayload()] : [],
        };
      };
      deliveries.push({ topic: "orders/create", payload: version(placed, "pending", false, false) });
      if (order.paid) deliveries.push({ topic: "orders/paid", payload: version(placed + 1, "paid", false, false) });
      if (refundCents > 0) {
        deliveries.push({ topic: "refunds/create", payload: refundPayload() });
        deliveries.push({ topic: "orders/updated", payload: version(placed + 2, "paid", true, false) });
      }
      if (order.cancelled) deliveries.push({ topic: "orders/cancelled", payload: version(placed + 3, "paid", refundCents > 0, true) });
    });
  });
  return deliveries;
}

/** Each customer's net points by order and reason, and their balance, named by history position. */
async function ledgerOf(plan: CustomerPlan[], base: number) {
  const customers = await app.db.customer.findMany({ where: { shopId, shopifyId: { in: plan.map((_, c) => `gid://shopify/Customer/${base + c}`) } } });
  const name = (id: string | null) => (id === null ? "-" : String(Number(id.split("/").pop()) - base));
  const customerName = new Map(customers.map((customer) => [customer.id, name(customer.shopifyId)]));
  // A reversal counts under the reason it reverses: a bonus given and moved away nets to nothing.
  const reasonOf = (reason: string) => (reason === "SECOND_PURCHASE_REVERSAL" ? "SECOND_PURCHASE" : reason);
  const net: Record<string, number> = {};
  for (const entry of await app.db.pointsLedgerEntry.findMany({ where: { customerId: { in: customers.map((customer) => customer.id) } } })) {
    const key = `C${customerName.get(entry.customerId)} ${entry.source} ${entry.source === "ORDER" ? name(entry.sourceId) : "-"} ${reasonOf(entry.reason)}`;
    net[key] = (net[key] ?? 0) + entry.points;
  }
  for (const key of Object.keys(net)) if (net[key] === 0) delete net[key];
  return net;
}

let nextBase = 8_000_000_000;

describe("batches of any size, in any order", () => {
  it(`end with the ledger that one delivery at a time, in time order, gives (${RUNS} histories)`, async () => {
    const property = fc.asyncProperty(
      history.chain((plan) => {
        const count = deliveriesOf(plan, 0, new Date(0), "x").length;
        return fc.tuple(
          fc.constant(plan),
          fc.shuffledSubarray([...Array(count).keys()], { minLength: count, maxLength: count }),
          fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }),
        );
      }),
      async ([plan, order, sizes]) => {
        // In the future: every order is placed after the install.
        const start = new Date(Math.floor(Date.now() / 1000) * 1000 + 3 * 86_400_000);
        const [oneByOne, batched] = [(nextBase += 1_000), (nextBase += 1_000)];

        for (const delivery of deliveriesOf(plan, oneByOne, start, `one${oneByOne}`)) await store(delivery.topic, delivery.payload);
        const singles = await drain(1);
        expect(singles.every((outcome) => outcome.failed === 0)).toBe(true);

        const shuffled = deliveriesOf(plan, batched, start, `batch${batched}`);
        for (const index of order) await store(shuffled[index].topic, shuffled[index].payload);
        const batches = await drain(...sizes);
        expect(batches.every((outcome) => outcome.failed === 0)).toBe(true);
        expect(batches.reduce((sum, outcome) => sum + outcome.applied, 0)).toBe(shuffled.length);

        expect(await ledgerOf(plan, batched)).toEqual(await ledgerOf(plan, oneByOne));
      },
    );
    await fc.assert(property, { numRuns: RUNS, endOnFailure: true });
  }, 600_000);
});
