import type { Tx } from "../database/transaction";
import type { PrismaClient } from "../generated/prisma/client";
import { dropShopWrites, enqueueCustomerRecords, enqueueMetafieldDefinitions } from "../shop-tools/outbox.server";
import { seedDefaultRewards } from "../loyalty/rewards.server";
import { startHistoryImport } from "../orders/history-import.server";
import { adminQuery, type AdminGraphql } from "../shopify/admin-graphql.server";
import { SHOP_PROFILE_QUERY } from "../shopify/operations";
import { deleteShopRateLimitWindows } from "../storefront/rate-limits.server";

/**
 * Runs after every successful token exchange (first install and reinstall): records the shop's
 * profile and gives it the default program settings once.
 */
export async function recordInstallation(db: PrismaClient, shopDomain: string, graphql: AdminGraphql) {
  const { shop } = await adminQuery(graphql, SHOP_PROFILE_QUERY);
  const profile = {
    shopifyId: shop.id.slice(shop.id.lastIndexOf("/") + 1),
    name: shop.name,
    email: shop.email,
    contactEmail: shop.contactEmail,
    currencyCode: shop.currencyCode,
    ianaTimezone: shop.ianaTimezone,
  };
  // Insert-if-absent, then update: safe when two first requests of a new install race each other.
  await db.shop.createMany({ data: [{ domain: shopDomain, ...profile }], skipDuplicates: true });
  const record = await db.shop.update({ where: { domain: shopDomain }, data: { ...profile, uninstalledAt: null } });
  await db.programSettings.createMany({ data: [{ shopId: record.id }], skipDuplicates: true });
  await seedDefaultRewards(db, record.id, record.currencyCode);
  const settings = await db.programSettings.findUniqueOrThrow({ where: { shopId: record.id } });
  // Shopify's tools: the metafield definitions, and on a reinstall every customer's record again.
  await enqueueMetafieldDefinitions(db, record.id);
  await enqueueCustomerRecords(db, record.id, "all");
  // Once per shop; it runs in the background and is answered well before it finishes.
  await startHistoryImport(db, shopDomain);
  return { ...record, settings };
}

/**
 * The installed shop with its settings. Admin pages load in parallel with the after-install hook,
 * so a page that arrives first records the installation itself.
 */
export async function installedShop(db: PrismaClient, shopDomain: string, graphql: AdminGraphql) {
  const shop = await db.shop.findUnique({ where: { domain: shopDomain }, include: { settings: true } });
  if (shop?.settings && !shop.uninstalledAt) return { ...shop, settings: shop.settings };
  return recordInstallation(db, shopDomain, graphql);
}

/** app/uninstalled: the shop's sessions go at once; its data stays until shop/redact (48 h later). */
export async function recordUninstall(tx: Tx, shopDomain: string, at: Date): Promise<void> {
  await tx.session.deleteMany({ where: { shop: shopDomain } });
  await dropShopWrites(tx, shopDomain);
  await tx.shop.updateMany({ where: { domain: shopDomain }, data: { uninstalledAt: at } });
}

/**
 * shop/redact: everything the app holds about the shop is deleted. Every table of a shop references
 * Shop with ON DELETE CASCADE (directly or through its parent row), so deleting the Shop row takes
 * them all, a table added later included (tests/app/shop-erasure.test.ts checks the whole catalogue).
 *
 * Four tables are keyed by the shop's domain, not its row, and go by domain: sessions (the session
 * storage writes them at token exchange, before the Shop row exists), webhook deliveries and privacy
 * requests (accepted before any lookup, also for a shop that never finished installing) and the
 * storefront's rate-limit windows (counted per domain on the hot path).
 */
export async function eraseShop(tx: Tx, shopDomain: string): Promise<void> {
  await tx.session.deleteMany({ where: { shop: shopDomain } });
  await tx.complianceRequest.deleteMany({ where: { shopDomain } });
  await tx.webhookEvent.deleteMany({ where: { shopDomain } });
  await deleteShopRateLimitWindows(tx, shopDomain);
  await tx.shop.deleteMany({ where: { domain: shopDomain } });
}
