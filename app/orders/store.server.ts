/**
 * The one writer of the shop's customers, orders, order lines and refunds, for the webhooks (a batch
 * of one, or of a few deliveries) and the history import (batches of thousands): the same statements,
 * so the two paths cannot drift. Each function takes a batch of parsed snapshots (payloads.ts) and
 * writes it in one set-based statement, each column travelling as one typed array (`unnest`). The
 * statements are built here once (`customerUpsert`, `orderUpsert`, `refundInsert`); the functions run
 * them in the caller's transaction, and the history import runs the very same statements on its own
 * connection (its batches are large, and Prisma's raw queries cost more than PostgreSQL on them).
 *
 * The freshness rule, for both paths:
 * - A version is stored when its `updated_at` is the same as or later than the stored one's (`<=`).
 *   Shopify stamps `updated_at` to the second, and two versions of one order (orders/create and
 *   orders/paid, or a webhook and the bulk export) can share a second: refusing the later of them
 *   (`<`) would lose a payment, and a webhook carrying the version the import stored first would be
 *   refused as stale, its points never settled. An older version changes nothing.
 * - On an equal `updated_at` the financial status only moves forward (financial-status.ts), so the
 *   versions of one second converge on the one further along whatever their order of arrival.
 * - A cancellation, once stored, stays: Shopify cannot undo one.
 * - A version without `updated_at` (a customer known only from an order) may create the row, never
 *   overwrite one. An order always has one: both parsers require it, and `storeOrders` refuses a
 *   snapshot without it.
 * - Timestamps travel as ISO 8601 with their offset, are read as `timestamptz` and stored in UTC
 *   (`AT TIME ZONE 'UTC'`, the columns are UTC without a zone).
 * - Refunds never change once issued: the first copy to arrive is the copy.
 * - An erased or deleted customer is never written again.
 *
 * Locks: the webhook path holds the customer's and the order's advisory locks (sync.server.ts); the
 * import takes none and relies on the row locks of the upserts. Rows are written in GID order, so two
 * batches touching the same rows lock them in the same order.
 */
import { randomBytes } from "node:crypto";

import type { Tx } from "../database/transaction";
import { Prisma } from "../generated/prisma/client";
import { financialStatusProgress, financialStatusProgressSql } from "./financial-status";
import { formatAmount } from "./money";
import type { CustomerSnapshot, OrderSnapshot, RefundSnapshot } from "./payloads";
import { newReferralCode } from "../loyalty/referrals.server";

/** What the points rules and referrals read of a stored customer. */
export interface StoredCustomer {
  id: string;
  shopifyId: string;
  email: string | null;
  hasAccount: boolean;
  shopifyCreatedAt: Date | null;
  redactedAt: Date | null;
  deletedAt: Date | null;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/**
 * New rows' ids: UUIDv7s (RFC 9562: the Unix time in milliseconds, then random bits), so rows
 * written together sit together in the primary-key indexes instead of all over them. Made here and
 * sent with the batch (one random read per batch): built in SQL, one per row, they cost the
 * database more than the insert of the row itself.
 */
export function newRowIds(count: number): string[] {
  const bytes = randomBytes(16 * count);
  const millis = Date.now();
  // Written as text into one buffer, read as one string, and each id a slice of it.
  const text = Buffer.alloc(36 * count);
  for (let n = 0; n < count; n++) {
    const at = 16 * n;
    bytes.writeUIntBE(millis, at, 6);
    bytes[at + 6] = 0x70 | (bytes[at + 6] & 0x0f);
    bytes[at + 8] = 0x80 | (bytes[at + 8] & 0x3f);
    let out = 36 * n;
    for (let index = 0; index < 16; index++) {
      if (index === 4 || index === 6 || index === 8 || index === 10) text[out++] = DASH;
      const byte = bytes[at + index];
      text[out++] = HEX_DIGITS[byte >> 4];
      text[out++] = HEX_DIGITS[byte & 0x0f];
    }
  }
  const all = text.toString("latin1");
  const ids: string[] = new Array(count);
  for (let n = 0; n < count; n++) ids[n] = all.slice(36 * n, 36 * n + 36);
  return ids;
}
const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");
const DASH = "-".charCodeAt(0);

type ArrayElement = string | number | boolean | null | undefined;
/**
 * A column of a batch as one PostgreSQL array literal (`{"a","b",NULL}`), cast to its type in the
 * statement (`::text[]`, `::numeric[]`). pg would build the same literal element by element, with two
 * regular-expression replacements and new strings for each; a column whose values need no escaping
 * (ids, amounts, dates: nearly all of them) is one `join` here.
 */
export function sqlArray(values: readonly ArrayElement[]): string {
  if (values.length === 0) return "{}";
  let plain = true;
  for (let n = 0; n < values.length && plain; n++) {
    const value = values[n];
    plain = value !== null && value !== undefined && (typeof value !== "string" || !(value.includes('"') || value.includes("\\")));
  }
  if (plain) return `{"${values.join('","')}"}`;
  const elements: string[] = new Array(values.length);
  for (let n = 0; n < values.length; n++) {
    const value = values[n];
    elements[n] = value === null || value === undefined ? "NULL" : `"${String(value).replace(/["\\]/g, "\\$&")}"`;
  }
  return `{${elements.join(",")}}`;
}

/** The newest version of each order or customer in a batch (a batch may hold two versions of one). */
function newestOfEach<T extends { shopifyId: string }>(snapshots: T[], newer: (a: T, b: T) => boolean): T[] {
  // A bulk export lists its records in GID order: strictly ascending GIDs hold no two versions of one.
  let ascending = true;
  for (let n = 1; n < snapshots.length && ascending; n++) ascending = snapshots[n - 1].shopifyId < snapshots[n].shopifyId;
  if (ascending) return snapshots;
  const newest = new Map<string, T>();
  for (const snapshot of snapshots) {
    const held = newest.get(snapshot.shopifyId);
    if (!held || !newer(held, snapshot)) newest.set(snapshot.shopifyId, snapshot);
  }
  return newest.size === snapshots.length ? snapshots : [...newest.values()];
}
const time = (date: Date | null) => date?.getTime() ?? -Infinity;

/**
 * Of two versions of one order in a batch, the rule above decides: the newer, then the one further
 * along its money; on a full tie, the later in the batch.
 */
const newestOrders = (batch: OrderSnapshot[]) =>
  newestOfEach(batch, (held, next) => {
    const byTime = held.shopifyUpdatedAt.getTime() - next.shopifyUpdatedAt.getTime();
    return byTime !== 0 ? byTime > 0 : financialStatusProgress(held.financialStatus) > financialStatusProgress(next.financialStatus);
  });

/** The order's version is at least as new as the stored one (the freshness rule above). */
const ORDER_IS_FRESH = Prisma.sql`"Order"."shopifyUpdatedAt" <= EXCLUDED."shopifyUpdatedAt"`;
/** The customer's version is dated and at least as new as the stored one, which is not erased. */
const CUSTOMER_IS_FRESH = Prisma.sql`"Customer"."redactedAt" IS NULL AND "Customer"."deletedAt" IS NULL AND EXCLUDED."shopifyUpdatedAt" IS NOT NULL
  AND ("Customer"."shopifyUpdatedAt" IS NULL OR "Customer"."shopifyUpdatedAt" <= EXCLUDED."shopifyUpdatedAt")`;
/** The stored version is further along its money than a same-second one arriving (see financial-status.ts). */
const SAME_SECOND_STORED_AHEAD = Prisma.raw(
  `${financialStatusProgressSql('"Order"."financialStatus"')} > ${financialStatusProgressSql('EXCLUDED."financialStatus"')}`,
);
/** A statement built here: run by the functions below through Prisma, or by the history import on its pg client. */
export type StoreStatement = Prisma.Sql;

/**
 * The customers' upsert. Returns each customer's stored row (as it is now when this version was
 * written, as it was before the statement when it was not), in no particular order. A new customer
 * gets a referral code. Null for an empty batch.
 */
export function customerUpsert(shopId: string, batch: CustomerSnapshot[]): StoreStatement | null {
  if (batch.length === 0) return null;
  // Of two versions in one batch the later dated wins; on a tie, the later in the batch.
  const snapshots = newestOfEach(batch, (held, next) => time(held.shopifyUpdatedAt) > time(next.shopifyUpdatedAt));
  const column = (value: (snapshot: CustomerSnapshot) => ArrayElement) => sqlArray(snapshots.map(value));
  return Prisma.sql`
    WITH input AS (
      SELECT t.*
        FROM unnest(${column((c) => c.shopifyId)}::text[], ${column((c) => c.email)}::text[],
                    ${column((c) => c.firstName)}::text[], ${column((c) => c.lastName)}::text[], ${column((c) => c.phone)}::text[],
                    ${column((c) => c.addressKey)}::text[], ${column((c) => c.hasAccount)}::boolean[],
                    ${column((c) => iso(c.shopifyCreatedAt))}::timestamptz[], ${column((c) => iso(c.shopifyUpdatedAt))}::timestamptz[],
                    ${column(() => newReferralCode())}::text[], ${sqlArray(newRowIds(snapshots.length))}::text[])
             AS t(gid, email, first, last, phone, address, account, created, updated, code, id)
       ORDER BY t.gid
    ),
    stored AS (
      INSERT INTO "Customer" (id, "shopId", "shopifyId", "referralCode", email, "firstName", "lastName", phone, "addressKey", "hasAccount",
                              "shopifyCreatedAt", "shopifyUpdatedAt", "createdAt", "updatedAt")
      SELECT i.id, ${shopId}, i.gid, i.code, i.email, i.first, i.last, i.phone, i.address, i.account,
             i.created AT TIME ZONE 'UTC', i.updated AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
        FROM input i
      ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET
        email = EXCLUDED.email, "firstName" = EXCLUDED."firstName", "lastName" = EXCLUDED."lastName", phone = EXCLUDED.phone,
        "addressKey" = EXCLUDED."addressKey", "hasAccount" = EXCLUDED."hasAccount", "shopifyCreatedAt" = EXCLUDED."shopifyCreatedAt",
        "shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt", "updatedAt" = EXCLUDED."updatedAt"
      WHERE ${CUSTOMER_IS_FRESH}
      RETURNING id, "shopifyId", email, "hasAccount", "shopifyCreatedAt", "redactedAt", "deletedAt"
    )
    SELECT * FROM stored
    UNION ALL
    SELECT c.id, c."shopifyId", c.email, c."hasAccount", c."shopifyCreatedAt", c."redactedAt", c."deletedAt"
      FROM input i JOIN "Customer" c ON c."shopId" = ${shopId} AND c."shopifyId" = i.gid
     WHERE NOT EXISTS (SELECT 1 FROM stored s WHERE s."shopifyId" = i.gid)`;
}

/** Stores customers unless a newer version is held (or the customer was erased); see `customerUpsert`. */
export async function storeCustomers(tx: Tx, shopId: string, snapshots: CustomerSnapshot[]): Promise<StoredCustomer[]> {
  const statement = customerUpsert(shopId, snapshots);
  return statement ? tx.$queryRaw<StoredCustomer[]>(statement) : [];
}

/** One customer: `storeCustomers` with a batch of one. */
export async function storeCustomer(tx: Tx, shopId: string, snapshot: CustomerSnapshot): Promise<StoredCustomer> {
  const [customer] = await storeCustomers(tx, shopId, [snapshot]);
  return customer;
}

export interface StoreOrdersOptions {
  /** The rows come from the history import (kept on the order as `imported` when it is created). */
  imported?: boolean;
}

/**
 * The orders' upsert: a version older than the stored one changes nothing. Returns the orders
 * written (`WrittenOrder`), whose lines `lineItemsReplace` then writes. Null for an empty batch;
 * throws on an order without `updated_at`.
 */
export function orderUpsert(shopId: string, batch: OrderSnapshot[], options: StoreOrdersOptions = {}): StoreStatement | null {
  if (batch.length === 0) return null;
  for (const snapshot of batch) {
    if (!(snapshot.shopifyUpdatedAt instanceof Date) || Number.isNaN(snapshot.shopifyUpdatedAt.getTime())) {
      throw new Error(`Order ${snapshot.shopifyId} has no updated_at: refused, its freshness cannot be judged`);
    }
  }
  const snapshots = newestOrders(batch);
  const column = (value: (snapshot: OrderSnapshot) => ArrayElement) => sqlArray(snapshots.map(value));
  return Prisma.sql`
    WITH input AS (
      SELECT t.*
        FROM unnest(${column((o) => o.shopifyId)}::text[], ${column((o) => o.name)}::text[],
                    ${column((o) => o.customer?.shopifyId ?? null)}::text[], ${column((o) => o.email)}::text[],
                    ${column((o) => o.currencyCode)}::text[], ${column((o) => o.financialStatus)}::text[],
                    ${column((o) => formatAmount(o.subtotal))}::numeric[], ${column((o) => formatAmount(o.shipping))}::numeric[],
                    ${column((o) => formatAmount(o.tax))}::numeric[], ${column((o) => formatAmount(o.totalDiscounts))}::numeric[],
                    ${column((o) => formatAmount(o.total))}::numeric[], ${column((o) => JSON.stringify(o.discountCodes))}::text[],
                    ${column((o) => o.test)}::boolean[], ${column((o) => iso(o.cancelledAt))}::timestamptz[], ${column((o) => o.cancelReason)}::text[],
                    ${column((o) => iso(o.fulfilledAt ?? null))}::timestamptz[],
                    ${column((o) => iso(o.placedAt))}::timestamptz[], ${column((o) => iso(o.shopifyUpdatedAt))}::timestamptz[],
                    ${sqlArray(newRowIds(snapshots.length))}::text[])
             AS t(gid, name, customer, email, currency, status, subtotal, shipping, tax, discounts, total, codes, test, cancelled, reason, fulfilled,
                  placed, updated, id)
       ORDER BY t.gid
    ),
    stored AS (
      INSERT INTO "Order" (id, "shopId", "shopifyId", name, "customerShopifyId", email, "currencyCode", "financialStatus", subtotal, shipping,
                           tax, "totalDiscounts", total, "discountCodes", test, "cancelledAt", "cancelReason", "fulfilledAt", "placedAt", "shopifyUpdatedAt",
                           imported, "createdAt", "updatedAt")
      SELECT i.id, ${shopId}, i.gid, i.name, i.customer, i.email, i.currency, i.status, i.subtotal, i.shipping,
             i.tax, i.discounts, i.total, CASE WHEN i.codes = '[]' THEN '{}'::text[] ELSE ARRAY(SELECT json_array_elements_text(i.codes::json)) END,
             i.test, i.cancelled AT TIME ZONE 'UTC', i.reason, i.fulfilled AT TIME ZONE 'UTC', i.placed AT TIME ZONE 'UTC', i.updated AT TIME ZONE 'UTC', ${options.imported === true},
             now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
        FROM input i
      ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET
        name = EXCLUDED.name, "customerShopifyId" = EXCLUDED."customerShopifyId", email = EXCLUDED.email, "currencyCode" = EXCLUDED."currencyCode",
        "financialStatus" = CASE WHEN "Order"."shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt"
                                  AND ${SAME_SECOND_STORED_AHEAD} THEN "Order"."financialStatus" ELSE EXCLUDED."financialStatus" END,
        subtotal = EXCLUDED.subtotal, shipping = EXCLUDED.shipping, tax = EXCLUDED.tax,
        "totalDiscounts" = EXCLUDED."totalDiscounts", total = EXCLUDED.total, "discountCodes" = EXCLUDED."discountCodes", test = EXCLUDED.test,
        "cancelledAt" = COALESCE(EXCLUDED."cancelledAt", "Order"."cancelledAt"),
        "cancelReason" = CASE WHEN EXCLUDED."cancelledAt" IS NULL THEN "Order"."cancelReason" ELSE EXCLUDED."cancelReason" END,
        "fulfilledAt" = LEAST("Order"."fulfilledAt", EXCLUDED."fulfilledAt"),
        "placedAt" = EXCLUDED."placedAt", "shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt", "updatedAt" = EXCLUDED."updatedAt"
      WHERE ${ORDER_IS_FRESH}
      RETURNING id, "shopifyId", xmax = 0 AS created
    )
    SELECT id, "shopifyId", created FROM stored`;
}

/** An order `orderUpsert` wrote: its row id, GID, and whether the row is new. */
export interface WrittenOrder {
  id: string;
  shopifyId: string;
  created: boolean;
}

/**
 * The written orders' line items: an updated order's earlier lines make way for its version's. A
 * statement of its own, after `orderUpsert`: its snapshot then holds the lines of a writer that
 * committed the same order while the upsert waited for it (one statement would not see them, and
 * would leave both versions' lines).
 */
export function lineItemsReplace(written: WrittenOrder[], batch: OrderSnapshot[]): StoreStatement | null {
  if (written.length === 0) return null;
  // Each line carries its order's row id, read from the written rows here rather than joined in SQL.
  const rowIds = new Map(written.map((order) => [order.shopifyId, order.id]));
  const lines = newestOrders(batch).flatMap((snapshot) => {
    const orderId = rowIds.get(snapshot.shopifyId);
    return orderId === undefined ? [] : snapshot.lineItems.map((line) => ({ orderId, line }));
  });
  const lineColumn = (value: (line: OrderSnapshot["lineItems"][number]) => ArrayElement) => sqlArray(lines.map((entry) => value(entry.line)));
  // Only an updated order has earlier lines: they are found through the orderId index by their ids
  // (a join with the written rows may scan every stored line instead).
  const updatedIds = written.filter((order) => !order.created).map((order) => order.id);
  return Prisma.sql`
    WITH replaced AS (DELETE FROM "OrderLineItem" li WHERE li."orderId" = ANY(${sqlArray(updatedIds)}::text[]))
    INSERT INTO "OrderLineItem" (id, "orderId", "shopifyId", "productShopifyId", "variantShopifyId", title, quantity, price, discount)
    SELECT l.id, l.order_id, l.gid, l.product, l.variant, l.title, l.quantity, l.price, l.discount
      FROM unnest(${sqlArray(lines.map((entry) => entry.orderId))}::text[], ${lineColumn((l) => l.shopifyId)}::text[],
                  ${lineColumn((l) => l.productShopifyId)}::text[], ${lineColumn((l) => l.variantShopifyId)}::text[],
                  ${lineColumn((l) => l.title)}::text[], ${lineColumn((l) => l.quantity)}::int[],
                  ${lineColumn((l) => formatAmount(l.price))}::numeric[], ${lineColumn((l) => formatAmount(l.discount))}::numeric[],
                  ${sqlArray(newRowIds(lines.length))}::text[])
           AS l(order_id, gid, product, variant, title, quantity, price, discount, id)`;
}

/** Runs a statement built here and resolves to its rows: `$queryRaw` in a `Tx`, or the import's pg client. */
export type RunStatement = <T>(statement: StoreStatement) => Promise<T[]>;

/** The orders and their line items, through `run`: the GIDs of the orders written. */
export async function writeOrders(run: RunStatement, shopId: string, snapshots: OrderSnapshot[], options: StoreOrdersOptions = {}): Promise<string[]> {
  const upsert = orderUpsert(shopId, snapshots, options);
  if (!upsert) return [];
  const written = await run<WrittenOrder>(upsert);
  const lines = lineItemsReplace(written, snapshots);
  if (lines) await run(lines);
  return written.map((order) => order.shopifyId);
}


/** Stores orders and their line items unless a newer version is held; the GIDs of those written (see `orderUpsert`). */
export async function storeOrders(tx: Tx, shopId: string, snapshots: OrderSnapshot[], options: StoreOrdersOptions = {}): Promise<string[]> {
  return writeOrders(<T>(statement: StoreStatement) => tx.$queryRaw<T[]>(statement), shopId, snapshots, options);
}

/** One order: `storeOrders` with a batch of one; "stale" when a newer version is held. */
export async function storeOrder(tx: Tx, shopId: string, snapshot: OrderSnapshot, options: StoreOrdersOptions = {}): Promise<"stored" | "stale"> {
  const stored = await storeOrders(tx, shopId, [snapshot], options);
  return stored.length > 0 ? "stored" : "stale";
}

/** The refunds' insert: the first copy of each is kept, whether or not its order has arrived (it picks them up). */
export function refundInsert(shopId: string, refunds: RefundSnapshot[]): StoreStatement | null {
  if (refunds.length === 0) return null;
  const column = (value: (refund: RefundSnapshot) => ArrayElement) => sqlArray(refunds.map(value));
  return Prisma.sql`
    INSERT INTO "OrderRefund" (id, "shopId", "shopifyId", "orderShopifyId", subtotal, discrepancy, shipping, tax, total, "refundedAt", "createdAt")
    SELECT r.id, ${shopId}, r.gid, r.order_gid, r.subtotal, r.discrepancy, r.shipping, r.tax, r.total,
           r.at AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
      FROM unnest(${column((r) => r.shopifyId)}::text[], ${column((r) => r.orderShopifyId)}::text[],
                  ${column((r) => formatAmount(r.subtotal))}::numeric[], ${column((r) => formatAmount(r.discrepancy))}::numeric[],
                  ${column((r) => formatAmount(r.shipping))}::numeric[], ${column((r) => formatAmount(r.tax))}::numeric[],
                  ${column((r) => formatAmount(r.total))}::numeric[], ${column((r) => iso(r.refundedAt))}::timestamptz[],
                  ${sqlArray(newRowIds(refunds.length))}::text[])
           AS r(gid, order_gid, subtotal, discrepancy, shipping, tax, total, at, id)
     ORDER BY r.gid
    ON CONFLICT ("shopId", "shopifyId") DO NOTHING`;
}

/** Keeps refunds (see `refundInsert`). */
export async function storeRefunds(tx: Tx, shopId: string, refunds: RefundSnapshot[]): Promise<void> {
  const statement = refundInsert(shopId, refunds);
  if (statement) await tx.$executeRaw(statement);
}
