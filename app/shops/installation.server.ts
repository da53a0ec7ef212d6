import type { Prisma, PrismaClient } from "../generated/prisma/client";
import { adminQuery, type AdminGraphql } from "../shopify/admin-graphql.server";
import { SHOP_PROFILE_QUERY, type ShopProfile } from "../shopify/operations";

/**
 * Runs after every successful token exchange (first install and reinstall): records the shop's
 * profile and gives it the default program settings once.
 */
export async function recordInstallation(
  db: PrismaClient,
  shopDomain: string,
  graphql: AdminGraphql,
): Promise<void> {
  const { shop } = await adminQuery<ShopProfile>(graphql, SHOP_PROFILE_QUERY);
  const profile = {
    name: shop.name,
    email: shop.email,
    currencyCode: shop.currencyCode,
    ianaTimezone: shop.ianaTimezone,
  };
  const record = await db.shop.upsert({
    where: { domain: shopDomain },
    create: { domain: shopDomain, ...profile },
    update: { ...profile, uninstalledAt: null },
  });
  await db.programSettings.upsert({
    where: { shopId: record.id },
    create: { shopId: record.id },
    update: {},
  });
}

/** app/uninstalled: the shop's sessions go at once; its data stays until shop/redact (48 h later). */
export async function recordUninstall(tx: Prisma.TransactionClient, shopDomain: string, at: Date): Promise<void> {
  await tx.session.deleteMany({ where: { shop: shopDomain } });
  await tx.shop.updateMany({ where: { domain: shopDomain }, data: { uninstalledAt: at } });
}

/** shop/redact: everything the app holds about the shop is deleted. */
export async function eraseShop(tx: Prisma.TransactionClient, shopDomain: string): Promise<void> {
  await tx.session.deleteMany({ where: { shop: shopDomain } });
  await tx.complianceRequest.deleteMany({ where: { shopDomain } });
  await tx.shop.deleteMany({ where: { domain: shopDomain } });
}
