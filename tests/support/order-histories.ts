/**
 * Generated order histories for convergence tests: a few customers with accounts made, enabled or
 * not; orders created pending or paid, paid later or in the same second, partly or fully refunded,
 * cancelled, refunded after the cancellation, reorders of a product with a use-up interval; a referred
 * friend. Each becomes Shopify-like deliveries under a set of ids, and `outcome` reads back what a run
 * left (balances, net points, follow-ups, report rows, referrals, orders) with the ids written as
 * history positions, so two runs of one history under two sets of ids compare equal.
 */
import fc from "fast-check";
import { expect } from "vitest";

import type { PrismaClient } from "../../app/generated/prisma/client";
import { pointsBalance } from "../../app/loyalty/ledger.server";
import { recordReferral } from "../../app/loyalty/referrals.server";
import { customerTiers } from "../../app/loyalty/tiers.server";
import type { TestApp } from "./test-app";
import { samplePayload, sendWebhook, type SendWebhookOptions } from "./webhooks";

// ---- the history, independent of ids ----

export interface OrderPlan {
  /** Seconds after the customer's previous order (0: the same second). */
  gap: number;
  cents: number;
  /** Which of two products the order buys: a customer's orders of the same one are reorders (replenishment). */
  product: number;
  /** null: never paid. 0: paid in the second it was created (orders/create may still say pending). */
  paidAfter: number | null;
  createdPaid: boolean;
  /** Refunds, each seconds after the previous event of the order, in cents of the order's subtotal. */
  refunds: { after: number; share: number }[];
  /** Cancelled this many seconds after the previous event (possibly after later orders), refunding the rest or not. */
  cancel: { after: number; refundRest: boolean; refundLater: { after: number; share: number } | null } | null;
}

export interface CustomerPlan {
  enabled: boolean;
  /** A customers/update that changes the account state, seconds after creation. */
  update: { after: number; enabled: boolean } | null;
  orders: OrderPlan[];
  /** Referred by the customer at this index (recorded before any delivery). */
  referredBy: number | null;
}

const orderPlan: fc.Arbitrary<OrderPlan> = fc.record({
  gap: fc.integer({ min: 0, max: 4 }),
  cents: fc.constantFrom(1000, 2500, 5399, 8000),
  product: fc.integer({ min: 0, max: 1 }),
  paidAfter: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 4 }),
  createdPaid: fc.boolean(),
  refunds: fc.array(fc.record({ after: fc.integer({ min: 1, max: 5 }), share: fc.constantFrom(0.25, 0.37, 0.5) }), { maxLength: 2 }),
  cancel: fc.option(
    fc.record({
      after: fc.integer({ min: 1, max: 12 }),
      refundRest: fc.boolean(),
      // Cancelled without a refund, refunded later (seconds after the cancellation).
      refundLater: fc.option(fc.record({ after: fc.integer({ min: 1, max: 5 }), share: fc.constantFrom(0.25, 0.5, 1) }), { freq: 2 }),
    }),
    { freq: 2 },
  ),
});

/** Histories of `minCustomers` to `maxCustomers` customers (the property test's are small: each run is real HTTP). */
export function customerHistories(maxCustomers = 3, minCustomers = 1): fc.Arbitrary<CustomerPlan[]> {
  return fc
    .array(
      fc.record({
        enabled: fc.boolean(),
        update: fc.option(fc.record({ after: fc.integer({ min: 0, max: 20 }), enabled: fc.boolean() }), { freq: 3 }),
        orders: fc.array(orderPlan, { minLength: 1, maxLength: 4 }),
        referredBy: fc.option(fc.nat(), { freq: 3 }),
      }),
      { minLength: minCustomers, maxLength: maxCustomers },
    )
    .map((customers) =>
      customers.map((customer, index) => ({
        ...customer,
        // Only an earlier customer refers a later one, never themselves.
        referredBy: customer.referredBy === null || index === 0 ? null : customer.referredBy % index,
      })),
    );
}

/** The property test's histories: one to three customers. */
export const history: fc.Arbitrary<CustomerPlan[]> = customerHistories(3);

// ---- deliveries ----

export interface Delivery {
  topic: string;
  payload: Record<string, unknown>;
  /** Seconds into the history: the in-order run sends them by this. */
  at: number;
  sequence: number;
}

export interface Ids {
  customer: (index: number) => string;
  order: (customer: number, order: number) => string;
  refund: (customer: number, order: number, refund: number) => string;
}

export function idsFor(base: number): Ids {
  // Increasing with placement, as Shopify's are (byPlacement breaks same-second ties by id).
  return {
    customer: (c) => `gid://shopify/Customer/${base + c}`,
    order: (c, o) => `gid://shopify/Order/${base + c * 10 + o}`,
    refund: (c, o, r) => `gid://shopify/Refund/${base + c * 100 + o * 10 + r}`,
  };
}

const money = (cents: number) => ({ shop_money: { amount: (cents / 100).toFixed(2), currency_code: "USD" }, presentment_money: { amount: (cents / 100).toFixed(2), currency_code: "USD" } });

export function deliveriesOf(plan: CustomerPlan[], ids: Ids, start: Date, run: string): Delivery[] {
  const stamp = (seconds: number) => new Date(start.getTime() + seconds * 1000).toISOString();
  const deliveries: Delivery[] = [];
  const add = (topic: string, at: number, payload: Record<string, unknown>) => deliveries.push({ topic, payload, at, sequence: deliveries.length });

  plan.forEach((customer, c) => {
    const createdAt = c * 100;
    const versions = [{ at: createdAt, enabled: customer.enabled }];
    if (customer.update) versions.push({ at: createdAt + 1 + customer.update.after, enabled: customer.update.enabled });
    const customerAt = (at: number) => {
      const version = [...versions].reverse().find((v) => v.at <= at) ?? versions[0];
      const payload = samplePayload<Record<string, unknown>>("customers/create");
      return {
        ...payload,
        id: Number(ids.customer(c).split("/").pop()),
        admin_graphql_api_id: ids.customer(c),
        email: `${run}-${c}@example.com`,
        state: version.enabled ? "enabled" : "disabled",
        created_at: stamp(createdAt),
        updated_at: stamp(version.at),
        default_address: { address1: `${run} ${c} Main St`, zip: "10001", country_code: "US" },
      };
    };
    add("customers/create", createdAt, customerAt(createdAt));
    if (customer.update) add("customers/update", versions[1].at, customerAt(versions[1].at));

    let placed = createdAt + 1;
    customer.orders.forEach((order, o) => {
      placed += order.gap;
      const placedAt = placed;
      const orderId = ids.order(c, o);
      const paidAt = order.paidAfter === null ? null : placedAt + (order.createdPaid ? 0 : order.paidAfter);
      const refunds: { id: string; at: number; cents: number }[] = [];
      let last = paidAt ?? placedAt;
      let refunded = 0;
      if (paidAt !== null) {
        for (const [r, refund] of order.refunds.entries()) {
          const cents = Math.min(Math.round(order.cents * refund.share), order.cents - refunded);
          if (cents <= 0) break;
          last += refund.after;
          refunded += cents;
          refunds.push({ id: ids.refund(c, o, r), at: last, cents });
        }
      }
      const cancelAt = order.cancel ? last + order.cancel.after : null;
      if (order.cancel && paidAt !== null && order.cancel.refundRest && refunded < order.cents) {
        refunds.push({ id: ids.refund(c, o, 9), at: cancelAt!, cents: order.cents - refunded });
        refunded = order.cents;
      }
      if (order.cancel?.refundLater && paidAt !== null && !order.cancel.refundRest) {
        const cents = Math.min(Math.round(order.cents * order.cancel.refundLater.share), order.cents - refunded);
        if (cents > 0) refunds.push({ id: ids.refund(c, o, 8), at: cancelAt! + order.cancel.refundLater.after, cents });
      }

      const refundPayload = (refund: (typeof refunds)[number]) => {
        const payload = samplePayload<Record<string, any>>("refunds/create");
        return {
          ...payload,
          id: Number(refund.id.split("/").pop()),
          admin_graphql_api_id: refund.id,
          order_id: Number(orderId.split("/").pop()),
          created_at: stamp(refund.at),
          refund_line_items: [{ ...payload.refund_line_items[0], subtotal_set: money(refund.cents), total_tax_set: money(0) }],
          refund_shipping_lines: [],
          order_adjustments: [],
        };
      };
      const version = (at: number, status: string) => {
        const payload = samplePayload<Record<string, any>>("orders/updated");
        const given = refunds.filter((refund) => refund.at <= at);
        const back = given.reduce((sum, refund) => sum + refund.cents, 0);
        const cancelled = cancelAt !== null && cancelAt <= at;
        const financial = back >= order.cents && back > 0 ? "refunded" : back > 0 ? "partially_refunded" : cancelled && paidAt === null ? "voided" : status;
        return {
          ...payload,
          id: Number(orderId.split("/").pop()),
          admin_graphql_api_id: orderId,
          name: `#${run}-${c}-${o}`,
          email: `${run}-${c}@example.com`,
          created_at: stamp(placedAt),
          updated_at: stamp(at),
          financial_status: financial,
          cancelled_at: cancelled ? stamp(cancelAt!) : null,
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
              admin_graphql_api_id: `gid://shopify/LineItem/${orderId.split("/").pop()}`,
              product_id: 1000 + order.product,
              variant_id: 2000 + order.product,
              title: "Coffee beans",
              quantity: 1,
              price_set: money(order.cents),
              discount_allocations: [],
            },
          ],
          customer: customerAt(at),
          // The customer's own address, not the sample's shared one (which would make every referral a self-referral).
          shipping_address: { ...payload.shipping_address, address1: `${run} ${c} Main St`, zip: "10001", country_code: "US", phone: null },
          billing_address: { ...payload.billing_address, address1: `${run} ${c} Main St`, zip: "10001", country_code: "US", phone: null },
          refunds: given.map(refundPayload),
        };
      };

      add("orders/create", placedAt, version(placedAt, order.createdPaid && paidAt !== null ? "paid" : "pending"));
      if (paidAt !== null) add("orders/paid", paidAt, version(paidAt, "paid"));
      for (const refund of refunds) {
        if (refund.at === cancelAt) continue;
        add("refunds/create", refund.at, refundPayload(refund));
        add("orders/updated", refund.at, version(refund.at, "paid"));
      }
      if (cancelAt !== null) {
        for (const refund of refunds.filter((r) => r.at === cancelAt)) add("refunds/create", cancelAt, refundPayload(refund));
        add("orders/cancelled", cancelAt, version(cancelAt, "paid"));
      }
    });
  });
  // Time order; within one second, in the order Shopify emits them (create before paid).
  return deliveries.sort((a, b) => a.at - b.at || a.sequence - b.sequence);
}

// ---- applying them ----

/**
 * Records each planned referral before any delivery, as a friend following the link does: the
 * referrer's customers/create first (through `app`, or the app at `options.appUrl`), then the referral.
 */
export async function referralsBeforeDeliveries(app: TestApp, shopId: string, plan: CustomerPlan[], ids: Ids, deliveries: Delivery[], run: string, options: SendWebhookOptions = {}) {
  const referrers = new Set(plan.flatMap((customer) => (customer.referredBy === null ? [] : [customer.referredBy])));
  // The referrer's account exists before the friend follows the link: in both runs, first.
  for (const index of referrers) {
    const created = deliveries.find((delivery) => delivery.topic === "customers/create" && delivery.payload.admin_graphql_api_id === ids.customer(index))!;
    expect((await sendWebhook(app, created.topic, created.payload, options)).status).toBe(200);
  }
  for (const [index, customer] of plan.entries()) {
    if (customer.referredBy === null) continue;
    const referrer = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: ids.customer(customer.referredBy) } } });
    // The friend is not a customer yet: known by the email they gave, as a guest following the link is.
    const outcome = await recordReferral(app.db, { shopId, code: referrer.referralCode, friend: { customerShopifyId: ids.customer(index), email: `${run}-${index}@example.com` }, now: new Date() });
    expect(outcome.status).toBe("recorded");
  }
}

// ---- what is compared ----

/** Everything a run left, with its ids written back to history positions (C0, C0/O1). */
export async function outcome(db: PrismaClient, shopId: string, ids: Ids, plan: CustomerPlan[]) {
  const names = new Map<string, string>();
  plan.forEach((customer, c) => {
    names.set(ids.customer(c), `C${c}`);
    customer.orders.forEach((_, o) => names.set(ids.order(c, o), `C${c}/O${o}`));
  });
  const name = (id: string | null) => (id === null ? "-" : (names.get(id) ?? id));
  const customers = await db.customer.findMany({ where: { shopId, shopifyId: { in: plan.map((_, c) => ids.customer(c)) } } });
  const customerName = new Map(customers.map((customer) => [customer.id, name(customer.shopifyId)]));
  const far = new Date(Date.now() + 3650 * 86_400_000);

  const balances: Record<string, number> = {};
  for (const customer of customers) balances[name(customer.shopifyId)] = (await pointsBalance(db, customer.id, far)).total;

  const entries = await db.pointsLedgerEntry.findMany({ where: { customerId: { in: customers.map((customer) => customer.id) } } });
  const referralNames = new Map<string, string>();
  for (const referral of await db.referral.findMany({ where: { shopId, referrerId: { in: customers.map((customer) => customer.id) } }, include: { friend: true } })) {
    referralNames.set(referral.id, `referral of ${name(referral.friend?.shopifyId ?? null)}`);
  }
  // A reversal counts under the reason it reverses: a bonus given and moved away nets to nothing.
  const reasonOf = (reason: string) => (reason === "SECOND_PURCHASE_REVERSAL" ? "SECOND_PURCHASE" : reason);
  const net: Record<string, number> = {};
  for (const entry of entries) {
    const source = entry.source === "REFERRAL" ? (referralNames.get(entry.sourceId ?? "") ?? "referral") : name(entry.sourceId);
    const key = `${customerName.get(entry.customerId)} ${source} ${reasonOf(entry.reason)}`;
    net[key] = (net[key] ?? 0) + entry.points;
  }
  for (const key of Object.keys(net)) if (net[key] === 0) delete net[key];

  const followUps = (
    await db.followUp.findMany({ where: { shopId, customerShopifyId: { in: plan.map((_, c) => ids.customer(c)) }, status: { not: "CANCELLED" } } })
  )
    .map((followUp) => `${followUp.kind} ${name(followUp.orderShopifyId)} due ${followUp.dueAt.toISOString()} ${followUp.status}`)
    .sort();

  const reportOrders = (await db.reportOrder.findMany({ where: { shopId, customerShopifyId: { in: plan.map((_, c) => ids.customer(c)) } } }))
    .map((row) =>
      [name(row.orderShopifyId), name(row.customerShopifyId), row.member, row.day.toISOString().slice(0, 10), row.firstMonth.toISOString().slice(0, 10),
        row.prevDay?.toISOString().slice(0, 10) ?? "-", row.prev2Day?.toISOString().slice(0, 10) ?? "-", row.revenue.toFixed(2)].join(" "),
    )
    .sort();

  const referrals = (await db.referral.findMany({ where: { shopId, referrerId: { in: customers.map((customer) => customer.id) } }, include: { friend: true } }))
    .map((referral) => `${name(referral.friend?.shopifyId ?? null)} ${referral.status} ${referral.refusalReason ?? ""}`)
    .sort();

  // The stored version of each order: the newest delivery's state, whatever order they came in.
  const orderIds = plan.flatMap((customer, c) => customer.orders.map((_, o) => ids.order(c, o)));
  const orders = (await db.order.findMany({ where: { shopId, shopifyId: { in: orderIds } }, include: { lineItems: true } }))
    .map((order) =>
      [name(order.shopifyId), name(order.customerShopifyId), order.financialStatus, order.subtotal.toFixed(2), order.total.toFixed(2),
        order.pointsEarnedOn?.toFixed(2) ?? "-", order.cancelledAt?.toISOString() ?? "-", order.placedAt.toISOString(), order.shopifyUpdatedAt.toISOString(),
        order.lineItems.map((line) => `${line.productShopifyId} x${line.quantity}`).join(",")].join(" "),
    )
    .sort();

  // The VIP tier each customer holds (none without a ladder).
  const held = await customerTiers(db, shopId, customers.map((customer) => customer.id));
  const tiers = Object.fromEntries(customers.map((customer) => [name(customer.shopifyId), held.get(customer.id)?.name ?? "-"]));

  return { balances, net, followUps, reportOrders, referrals, orders, tiers };
}

/** The shop's day rows, to compare what each run added to them. */
export async function reportDays(db: PrismaClient, shopId: string): Promise<Map<string, number[]>> {
  const rows = await db.reportDay.findMany({ where: { shopId } });
  return new Map(rows.map((row) => [`${row.day.toISOString().slice(0, 10)} ${row.member}`, [row.orders, Number(row.revenue)]]));
}

export function added(before: Map<string, number[]>, after: Map<string, number[]>) {
  const difference: Record<string, number[]> = {};
  for (const [key, values] of after) {
    const old = before.get(key) ?? values.map(() => 0);
    const delta = values.map((value, i) => Math.round((value - old[i]) * 100) / 100);
    if (delta.some((value) => value !== 0)) difference[key] = delta;
  }
  return difference;
}

