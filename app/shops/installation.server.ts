import type { Prisma, PrismaClient } from "../generated/prisma/client";
import { seedDefaultRewards } from "../loyalty/rewards.server";
import { startHistoryImport } from "../orders/history-import.server";
import { deleteShopReports } from "../reports/aggregates.server";
import { adminQuery, type AdminGraphql } from "../shopify/admin-graphql.server";
import { SHOP_PROFILE_QUERY } from "../shopify/operations";

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
  // Once per shop; it runs in the background and is answered well before it finishes.
  await startHistoryImport(db, shopDomain, graphql);
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
export async function recordUninstall(tx: Prisma.TransactionClient, shopDomain: string, at: Date): Promise<void> {
  await tx.session.deleteMany({ where: { shop: shopDomain } });
  await tx.shop.updateMany({ where: { domain: shopDomain }, data: { uninstalledAt: at } });
}

/** shop/redact: everything the app holds about the shop is deleted (its customers, orders and ledger cascade). */
export async function eraseShop(tx: Prisma.TransactionClient, shopDomain: string): Promise<void> {
  await tx.session.deleteMany({ where: { shop: shopDomain } });
  await tx.complianceRequest.deleteMany({ where: { shopDomain } });
  await tx.webhookEvent.deleteMany({ where: { shopDomain } });
  const shop = await tx.shop.findUnique({ where: { domain: shopDomain }, select: { id: true } });
  if (!shop) return;
  // Follow-ups, reports and referral discounts key their rows by shopId without a relation; the rest cascades from Shop.
  const where = { shopId: shop.id };
  await tx.followUp.deleteMany({ where });
  await tx.followUpSettings.deleteMany({ where });
  await tx.replenishmentInterval.deleteMany({ where });
  await tx.marketingConsent.deleteMany({ where });
  await tx.followUpUnsubscribe.deleteMany({ where });
  await tx.referralDiscount.deleteMany({ where });
  await deleteShopReports(tx, shop.id);
  await tx.shop.delete({ where: { id: shop.id } });
}
