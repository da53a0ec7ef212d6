/**
 * The one place Shopify's tools read a customer's VIP tier from (the `tier` metafield, the tier tag).
 *
 * The tiers feature will export `customerTiers(db, shopId, customerIds)` from app/loyalty/tiers.server.ts.
 * Until it does, nobody has a tier here, so no `tier` metafield and no tier tag is written. To wire it:
 * import that function and return `customerTiers(db, shopId, customerIds)` below; the tiers feature
 * queues the changed customers' records (enqueueCustomerRecords) and sends "tier changed"
 * (enqueueFlowTrigger with the "tier-changed" handle) in the transaction that changes a tier.
 */
import type { Db } from "../database/transaction";

export type CustomerTier = { name: string } | null;
export type TierReader = (db: Db, shopId: string, customerIds: string[]) => Promise<Map<string, CustomerTier>>;

export const customerTiersForShopify: TierReader = async (_db, _shopId, customerIds) => new Map(customerIds.map((id) => [id, null]));
