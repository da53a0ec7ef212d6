/**
 * The redemptions' periodic upkeep (the "redemption-upkeep" background job, app/jobs/catalog.server.ts):
 * expired codes, redemptions a stopped process left creating, and ended rate-limit windows. Every
 * step is safe when several instances run it at once.
 */
import type { PrismaClient } from "../generated/prisma/client";
import { logger } from "../logger.server";
import { deleteEndedRateLimitWindows } from "../storefront/rate-limits.server";
import { expireAndSettleRedemptions, type ShopifyAccess } from "./redemption.server";

export async function runRedemptionUpkeep(db: PrismaClient, shopifyFor: (shopDomain: string) => ShopifyAccess, now: Date) {
  const redemptions = await expireAndSettleRedemptions(db, shopifyFor, now);
  const rateLimitWindows = await deleteEndedRateLimitWindows(db, now);
  return { ...redemptions, rateLimitWindows };
}
