/**
 * The one place Shopify's tools read a customer's VIP tier from (the `tier` metafield, the tier tag):
 * the tier each customer holds now, as the tiers feature keeps it (app/loyalty/tiers.server.ts). A tier
 * change queues the customer's record and the "tier changed" Flow trigger in its own transaction
 * (`recordTierChange` there), so the job that writes the record reads the new tier here.
 */
import type { Db } from "../database/transaction";
import { customerTiers } from "../loyalty/tiers.server";

export type CustomerTier = { name: string } | null;
export type TierReader = (db: Db, shopId: string, customerIds: string[]) => Promise<Map<string, CustomerTier>>;

export const customerTiersForShopify: TierReader = (db, shopId, customerIds) => customerTiers(db, shopId, customerIds);
