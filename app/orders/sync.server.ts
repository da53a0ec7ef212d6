/**
 * Keeps the app's copy of the shop's customers and orders in step with Shopify's webhooks, and the
 * points ledger in step with them, in the caller's transaction (the one that records the event id).
 *
 * Deliveries arrive repeated, concurrently and out of order, so:
 * - each customer and order is locked (a transaction-scoped advisory lock) before it is read, so two
 *   deliveries about the same customer or order run one after the other;
 * - a version older than the stored one (`updated_at`) changes nothing;
 * - points are then settled from the stored state by loyalty/settlement.server.ts (the pure rules in
 *   loyalty/points-rules.ts), and the ledger's unique keys make a settlement that finds nothing new a no-op.
 */
import { lockSubjects } from "../database/subject-locks.server";
import type { Tx } from "../database/transaction";
import { followUpSettings, scheduleFollowUpsForOrders, type FollowUpSettings } from "../follow-ups/schedule.server";
import { forgetContactKeys, recordContactKeys, recordCustomersContactKeys } from "../loyalty/contact-keys.server";
import { appendCustomersLedgerEntries } from "../loyalty/ledger.server";
import { recordOrdersDiscountCodes } from "../loyalty/order-discount-codes.server";
import type { PlannedEntry } from "../loyalty/points-rules";
import type { ShopProgram } from "../loyalty/program.server";
import { awardWelcomePoints, settleCustomerPoints, settleCustomersPoints, welcomePointsEntries } from "../loyalty/settlement.server";
import { recordCustomerForReports, recordOrderForReports, recordOrdersForReports } from "../reports/aggregates.server";
import { forgetCustomerWrites } from "../shop-tools/outbox.server";
import type { CustomerSnapshot, OrderSnapshot, RefundSnapshot } from "./payloads";
import { storeCustomer, storeCustomers, storeOrders, storeRefunds, type StoredCustomer } from "./store.server";

/**
 * A batch of deliveries applied in one transaction (webhooks/inbox-processor.server.ts). It locked
 * every customer and order its deliveries name before applying them. Its orders are synced in two
 * phases: the store phase writes every queued order, then their customers and refunds, in one
 * set-based statement each (the order store's freshness rule decides in SQL which versions are
 * stale); the apply phase then keeps, for the batch's end, what each stored order asks for (contact
 * keys, welcome points, points settlement, follow-ups, report rows), which is done once for all of
 * them: each is recomputed from what is stored, so once for the batch ends where once per order would.
 */
export interface OrderBatch {
  /** Queues an order delivery: stored and applied with the batch's other queued orders (`syncQueuedOrders`). */
  syncOrderLater(shop: ShopProgram, snapshot: OrderSnapshot): void;
  /**
   * Stores and applies the queued orders now, when one of them names one of `subjects` (all of them
   * when `subjects` is not given): a delivery of another kind about a customer or order sees them stored.
   */
  syncQueuedOrders(subjects?: readonly string[]): Promise<void>;
  /** Settles the customer's points for this order with the batch's other customers, at its end. */
  settleLater(shop: ShopProgram, customer: StoredCustomer, orderShopifyId: string): void;
  /** Keeps welcome points for the batch's end, written with the other customers' in one statement before the points are settled. */
  welcomeLater(shopId: string, customerId: string, entries: PlannedEntry[]): void;
  reportOrderLater(shopId: string, orderShopifyId: string): void;
  /**
   * Keeps the customer's contact keys with the batch's other customers', written in one statement
   * before the points are settled (the referral check compares them) or before a delivery forgets them.
   */
  recordContactKeysLater(customerId: string, keys: string[]): void;
  /** Plans the order's follow-ups with the batch's other orders, at its end, in the order they were stored. */
  scheduleFollowUpsLater(shopId: string, orderShopifyId: string): void;
  /** Does now what the batch kept for its end (before a delivery that changes what that work reads). */
  finish(): Promise<void>;
}

export type { StoredCustomer } from "./store.server";

/**
 * The work a batch of order syncs keeps for its end (`OrderBatch`), done in a constant number of
 * statements per shop: the inbox's batches extend it, and a single `syncOrder` is a batch of one.
 */
export class OrderSyncBatch implements OrderBatch {
  private readonly queued = new Map<string, { shop: ShopProgram; snapshots: OrderSnapshot[] }>();
  private readonly queuedSubjects = new Set<string>();
  private readonly reportOrders = new Map<string, Set<string>>();
  /** The shops whose orders this batch wrote: their segments are recomputed once it commits. */
  readonly shopsWithOrders = new Set<string>();
  private readonly followUps = new Map<string, Promise<FollowUpSettings>>();
  private contactKeys = new Map<string, string[]>();
  private readonly welcome = new Map<string, { customerId: string; entry: PlannedEntry }[]>();
  private readonly followUpOrders = new Map<string, string[]>();
  private readonly settlements = new Map<string, { shop: ShopProgram; customers: Map<string, { customer: StoredCustomer; orderShopifyIds: string[] }> }>();

  constructor(
    protected readonly tx: Tx,
    protected readonly now: () => Date,
  ) {}

  /** Forgets the shops' settings read so far (a delivery about the shop itself may change them). */
  protected forgetSettings(): void {
    this.followUps.clear();
  }

  syncOrderLater(shop: ShopProgram, snapshot: OrderSnapshot): void {
    const pending = this.queued.get(shop.id) ?? { shop, snapshots: [] };
    pending.snapshots.push(snapshot);
    this.queued.set(shop.id, pending);
    for (const subject of orderSubjects(snapshot)) this.queuedSubjects.add(subject);
  }

  async syncQueuedOrders(subjects?: readonly string[]): Promise<void> {
    if (this.queued.size === 0) return;
    if (subjects && !subjects.some((subject) => this.queuedSubjects.has(subject))) return;
    const queued = [...this.queued.values()];
    this.queued.clear();
    this.queuedSubjects.clear();
    for (const { shop, snapshots } of queued) await storeAndApplyOrders(this.tx, shop, snapshots, this.now(), this);
  }

  private followUpSettings(shopId: string): Promise<FollowUpSettings> {
    let settings = this.followUps.get(shopId);
    if (!settings) this.followUps.set(shopId, (settings = followUpSettings(this.tx, shopId)));
    return settings;
  }

  recordContactKeysLater(customerId: string, keys: string[]): void {
    if (keys.length === 0) return;
    const kept = this.contactKeys.get(customerId);
    if (kept) kept.push(...keys);
    else this.contactKeys.set(customerId, [...keys]);
  }

  welcomeLater(shopId: string, customerId: string, entries: PlannedEntry[]): void {
    if (entries.length === 0) return;
    const kept = this.welcome.get(shopId) ?? [];
    kept.push(...entries.map((entry) => ({ customerId, entry })));
    this.welcome.set(shopId, kept);
  }

  scheduleFollowUpsLater(shopId: string, orderShopifyId: string): void {
    const orders = this.followUpOrders.get(shopId);
    if (orders) orders.push(orderShopifyId);
    else this.followUpOrders.set(shopId, [orderShopifyId]);
  }

  private async flushContactKeys(): Promise<void> {
    if (this.contactKeys.size === 0) return;
    const entries = [...this.contactKeys].map(([customerId, keys]) => ({ customerId, keys }));
    this.contactKeys = new Map();
    await recordCustomersContactKeys(this.tx, entries);
  }

  reportOrderLater(shopId: string, orderShopifyId: string): void {
    this.shopsWithOrders.add(shopId);
    const orders = this.reportOrders.get(shopId) ?? new Set<string>();
    this.reportOrders.set(shopId, orders.add(orderShopifyId));
  }

  settleLater(shop: ShopProgram, customer: StoredCustomer, orderShopifyId: string): void {
    const pending = this.settlements.get(shop.id) ?? { shop, customers: new Map() };
    const settlement = pending.customers.get(customer.id) ?? { customer, orderShopifyIds: [] };
    settlement.orderShopifyIds.push(orderShopifyId);
    pending.customers.set(customer.id, settlement);
    this.settlements.set(shop.id, pending);
  }

  /**
   * What the batch kept for its end, in one pass per shop: the queued orders' store and apply
   * phases, the contact keys, the welcome points, the points of every customer whose orders were
   * stored so far, their orders' follow-ups, then the report rows.
   */
  async finish(): Promise<void> {
    await this.syncQueuedOrders();
    // Before the points: a referral reward compares the friend's keys with the referrer's.
    await this.flushContactKeys();
    for (const [shopId, entries] of this.welcome) await appendCustomersLedgerEntries(this.tx, shopId, entries);
    this.welcome.clear();
    for (const { shop, customers } of this.settlements.values()) await settleCustomersPoints(this.tx, shop, [...customers.values()], this.now());
    this.settlements.clear();
    for (const [shopId, orders] of this.followUpOrders) await scheduleFollowUpsForOrders(this.tx, shopId, orders, this.now(), this.followUpSettings(shopId));
    this.followUpOrders.clear();
    // Last: the report rows of the day are shared by every order of the shop that day, and their row
    // locks are held from here to the commit.
    for (const [shopId, orders] of this.reportOrders) await recordOrdersForReports(this.tx, shopId, [...orders]);
    this.reportOrders.clear();
  }
}

/** customers/create and customers/update: store the customer, then welcome points if they made an account. */
export async function syncCustomer(tx: Tx, shop: ShopProgram, snapshot: CustomerSnapshot, now: Date, batch?: OrderBatch): Promise<void> {
  if (!batch) await lockSubjects(tx, shop.id, [snapshot.shopifyId]);
  const customer = await storeCustomer(tx, shop.id, snapshot);
  await recordCustomerForReports(tx, shop.id, snapshot.shopifyId);
  if (customer.redactedAt || customer.deletedAt) return;
  if (batch) batch.recordContactKeysLater(customer.id, snapshot.contactKeys ?? []);
  else await recordContactKeys(tx, customer.id, snapshot.contactKeys ?? []);
  await awardWelcomePoints(tx, shop, customer, snapshot, now);
}

/** customers/delete: Shopify deletes only customers without orders; their ledger stays for the shop's totals. */
export async function markCustomerDeleted(tx: Tx, shop: ShopProgram, customerShopifyId: string, at: Date, batch?: OrderBatch): Promise<void> {
  if (!batch) await lockSubjects(tx, shop.id, [customerShopifyId]);
  await tx.customer.updateMany({
    where: { shopId: shop.id, shopifyId: customerShopifyId },
    data: { deletedAt: at, email: null, firstName: null, lastName: null, phone: null, addressKey: null, birthdayMonth: null, birthdayDay: null, birthdaySetAt: null },
  });
  const deleted = await tx.customer.findUnique({ where: { shopId_shopifyId: { shopId: shop.id, shopifyId: customerShopifyId } }, select: { id: true } });
  if (!deleted) return;
  // What the batch kept for its end about them (their keys, their orders' follow-ups) is done first.
  await batch?.finish();
  await forgetContactKeys(tx, deleted.id);
  // Their Shopify record is gone: nothing more is written to it or sent to Flow about them.
  await forgetCustomerWrites(tx, deleted.id);
}

/** The subjects an order's sync locks, customer first. */
export function orderSubjects(snapshot: OrderSnapshot): string[] {
  return [...(snapshot.customer ? [snapshot.customer.shopifyId] : []), snapshot.shopifyId];
}

/**
 * orders/create, orders/paid, orders/updated, orders/cancelled, on their own (the inbox queues them
 * in its batch instead, `OrderBatch.syncOrderLater`): a batch of one, finished at once.
 * A cancellation, once stored, stays (Shopify cannot undo one), and on an equal `updated_at` the
 * financial status only moves forward; refunds are kept by their own ids and only ever added.
 */
export async function syncOrder(tx: Tx, shop: ShopProgram, snapshot: OrderSnapshot, now: Date): Promise<"stored" | "stale"> {
  await lockSubjects(tx, shop.id, orderSubjects(snapshot));
  const batch = new OrderSyncBatch(tx, () => now);
  const stored = await storeAndApplyOrders(tx, shop, [snapshot], now, batch);
  await batch.finish();
  return stored.has(snapshot) ? "stored" : "stale";
}

/**
 * The versions of a batch in rounds, each holding at most one version of an order (its n-th in the
 * batch, in arrival order): a round is stored in one statement, and an order's later version is
 * judged against its earlier one as when they arrived one after the other.
 */
function roundsOf(snapshots: OrderSnapshot[]): OrderSnapshot[][] {
  const rounds: OrderSnapshot[][] = [];
  const versions = new Map<string, number>();
  for (const snapshot of snapshots) {
    const round = versions.get(snapshot.shopifyId) ?? 0;
    versions.set(snapshot.shopifyId, round + 1);
    (rounds[round] ??= []).push(snapshot);
  }
  return rounds;
}

/**
 * The store phase and the apply phase of a batch's orders of one shop, in arrival order; the
 * snapshots stored (the others were stale: a newer version is held). The caller holds every
 * customer's and order's lock.
 *
 * Store: per round, the orders in one upsert (with their lines), then the customers of the stored
 * ones and their refunds in one statement each. Apply: the stored orders' discount codes in one
 * query (only an order with one of the program's codes goes on to its own checks), then per stored
 * order what it asks of the batch's end.
 */
async function storeAndApplyOrders(tx: Tx, shop: ShopProgram, snapshots: OrderSnapshot[], now: Date, batch: OrderBatch): Promise<Set<OrderSnapshot>> {
  const stored = new Set<OrderSnapshot>();
  for (const round of roundsOf(snapshots)) {
    // Same second is not older (store.server.ts): an older version changes nothing.
    const written = new Set(await storeOrders(tx, shop.id, round));
    const fresh = round.filter((snapshot) => written.has(snapshot.shopifyId));
    if (fresh.length === 0) continue;
    const customers = await storeCustomers(tx, shop.id, fresh.flatMap((snapshot) => (snapshot.customer ? [snapshot.customer] : [])));
    const customerOf = new Map(customers.map((customer) => [customer.shopifyId, customer]));
    await storeRefunds(tx, shop.id, fresh.flatMap((snapshot) => snapshot.refunds));
    const applied = fresh.map((order) => ({ order, customer: order.customer ? (customerOf.get(order.customer.shopifyId) ?? null) : null }));
    await recordOrdersDiscountCodes(tx, shop.id, applied, now);
    for (const { order, customer } of applied) {
      stored.add(order);
      applyStoredOrder(shop, order, customer, now, batch);
    }
  }
  return stored;
}

/** The apply phase of one stored order: what it asks of the batch's end. */
function applyStoredOrder(shop: ShopProgram, snapshot: OrderSnapshot, customer: StoredCustomer | null, now: Date, batch: OrderBatch): void {
  if (customer && !customer.redactedAt && !customer.deletedAt) {
    // Before the points are settled: a referral reward compares the friend's keys with the referrer's.
    batch.recordContactKeysLater(customer.id, [...(snapshot.contactKeys ?? []), ...(snapshot.customer?.contactKeys ?? [])]);
  }
  if (customer && !customer.redactedAt) {
    batch.settleLater(shop, customer, snapshot.shopifyId);
    if (snapshot.customer) batch.welcomeLater(shop.id, customer.id, welcomePointsEntries(shop, customer, snapshot.customer, now));
  }
  batch.scheduleFollowUpsLater(shop.id, snapshot.shopifyId);
  batch.reportOrderLater(shop.id, snapshot.shopifyId);
}

/** refunds/create: the refund is kept even when its order has not arrived yet; the order picks it up. */
export async function syncRefund(tx: Tx, shop: ShopProgram, refund: RefundSnapshot, now: Date): Promise<void> {
  const [order] = await tx.$queryRaw<{ customerShopifyId: string | null }[]>`
    SELECT "customerShopifyId" FROM "Order" WHERE "shopId" = ${shop.id} AND "shopifyId" = ${refund.orderShopifyId}`;
  await lockSubjects(tx, shop.id, [...(order?.customerShopifyId ? [order.customerShopifyId] : []), refund.orderShopifyId]);
  await storeRefunds(tx, shop.id, [refund]);
  if (!order?.customerShopifyId) return;
  const [customer] = await tx.$queryRaw<StoredCustomer[]>`
    SELECT id, "shopifyId", email, "hasAccount", "shopifyCreatedAt", "redactedAt", "deletedAt" FROM "Customer"
     WHERE "shopId" = ${shop.id} AND "shopifyId" = ${order.customerShopifyId}`;
  if (customer && !customer.redactedAt) await settleCustomerPoints(tx, shop, customer, now, [refund.orderShopifyId]);
  // Money returned without refund lines lowers the order's sales.
  if (refund.discrepancy !== 0) await recordOrderForReports(tx, shop.id, refund.orderShopifyId);
}
