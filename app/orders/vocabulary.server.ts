/**
 * The SQL of each business word in vocabulary.ts, built from the same constants: compose these into
 * tagged `$queryRaw`/`$executeRaw` (`Prisma.sql`) instead of writing the condition again. Each takes
 * the alias of the row it reads (an "Order" `o`, a "Customer" `cu`). Fragments hold no bound values
 * (only this module's constants), so `.text` is plain SQL where a statement goes through the pg pool.
 */
import { Prisma } from "../generated/prisma/client";
import { GIVEN_BACK_STATUSES, HOLDING_PAYMENT_STATUSES, PAID_STATUSES } from "./vocabulary";

const ALIAS = /^[a-z_][a-z0-9_]*$/i;

/** `alias."column"`; the alias is the caller's constant, checked so nothing else can get in. */
function column(alias: string, name: string): Prisma.Sql {
  if (!ALIAS.test(alias)) throw new Error(`Not an SQL alias: ${alias}`);
  return Prisma.raw(`${alias}."${name}"`);
}

/** A constant list of statuses as SQL literals (never input: the constants of vocabulary.ts). */
function statusList(statuses: readonly string[]): Prisma.Sql {
  return Prisma.raw(statuses.map((status) => `'${status.replaceAll("'", "''")}'`).join(", "));
}

/** wasPaid. */
export function paidSql(order: string): Prisma.Sql {
  return Prisma.sql`${column(order, "financialStatus")} IN (${statusList(PAID_STATUSES)})`;
}

/** holdsPayment. */
export function holdingPaymentSql(order: string): Prisma.Sql {
  return Prisma.sql`${column(order, "financialStatus")} IN (${statusList(HOLDING_PAYMENT_STATUSES)})`;
}

/** isCompletedPurchase. */
export function completedPurchaseSql(order: string): Prisma.Sql {
  return Prisma.sql`${paidSql(order)} AND ${column(order, "cancelledAt")} IS NULL`;
}

/** isCountedOrder. */
export function countedOrderSql(order: string): Prisma.Sql {
  return Prisma.sql`${column(order, "customerShopifyId")} IS NOT NULL AND ${column(order, "cancelledAt")} IS NULL AND NOT ${column(order, "test")}`;
}

/** isCountedOrder as a Prisma filter on Order (with the shop and customer the caller adds). */
export const COUNTED_ORDER_WHERE = { customerShopifyId: { not: null }, cancelledAt: null, test: false } satisfies Prisma.OrderWhereInput;

/** isKeptPurchase. */
export function keptPurchaseSql(order: string): Prisma.Sql {
  return Prisma.sql`NOT ${column(order, "test")} AND ${column(order, "cancelledAt")} IS NULL
    AND ${column(order, "financialStatus")} NOT IN (${statusList(GIVEN_BACK_STATUSES)})`;
}

/**
 * Newest first, as "a customer's last order" means: by when it was placed, and orders placed in the
 * same second by Shopify's id, which grows with each order (compared as the number it ends in, not as
 * text). Whatever order the webhooks arrived in, the same order is the last one.
 */
export function newestOrderFirstSql(order: string): Prisma.Sql {
  const id = column(order, "shopifyId");
  return Prisma.sql`${column(order, "placedAt")} DESC, length(${id}) DESC, ${id} DESC`;
}

/** isMember, of a "Customer" row that may be missing (a LEFT JOIN): a missing customer is no member. */
export function memberSql(customer: string): Prisma.Sql {
  return Prisma.sql`COALESCE(${column(customer, "hasAccount")}, false)`;
}

