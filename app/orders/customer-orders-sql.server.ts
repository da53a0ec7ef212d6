/**
 * The orders of a set of customers, for the FROM clause of a tagged `$queryRaw`, as the row `o`:
 * one probe of the ("shopId", "customerShopifyId", "placedAt") index per customer.
 *
 * Written as a per-customer lookup rather than `o."customerShopifyId" = ANY(…)` because the planner
 * chooses between the two from the table's statistics: where they are stale (a shop that grew since
 * the last ANALYZE, or a server without autovacuum) it took the shop's whole order list through the
 * (shopId, shopifyId) index and filtered it, so a batch of 100 customers read every order of the shop
 * (docs/decisions/apply-path.md). `OFFSET 0` keeps the subquery from being flattened into a join the
 * planner could turn back into that scan.
 */
import { Prisma } from "../generated/prisma/client";

export function customersOrdersSql(shopId: string, customerShopifyIds: readonly string[]): Prisma.Sql {
  return Prisma.sql`unnest(${[...new Set(customerShopifyIds)]}::text[]) AS customers(shopify_id)
    CROSS JOIN LATERAL (SELECT * FROM "Order" WHERE "shopId" = ${shopId} AND "customerShopifyId" = customers.shopify_id OFFSET 0) AS o`;
}
