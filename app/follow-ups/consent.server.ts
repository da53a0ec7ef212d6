/**
 * The one statement that records customers' email marketing consent (MarketingConsent): Shopify's
 * answer right before a marketing send or a campaign's count (refreshMarketingConsent, which always
 * overwrites: it is Shopify's state now), and the state the install's history import read with each
 * customer or a customers_email_marketing_consent/update delivery carries, which never replace a
 * consent changed more recently (Shopify stamps consent to the second: of two in one second, the one
 * that arrives last). A Prisma.Sql, so it runs on the ORM's connection or on the import's `pg` client.
 */
import { Prisma } from "../generated/prisma/client";
import type { ConsentSnapshot } from "../orders/payloads";

export function marketingConsentUpsert(shopId: string, consents: ConsentSnapshot[], heardAt: Date, replace: "always" | "if-newer"): Prisma.Sql | null {
  if (consents.length === 0) return null;
  const newer =
    replace === "always"
      ? Prisma.empty
      : Prisma.sql`WHERE m."consentUpdatedAt" IS NULL OR (excluded."consentUpdatedAt" IS NOT NULL AND excluded."consentUpdatedAt" >= m."consentUpdatedAt")`;
  return Prisma.sql`
    INSERT INTO "MarketingConsent" AS m ("shopId", "customerShopifyId", state, "consentUpdatedAt", "updatedAt")
    SELECT ${shopId}, c.id, c.state, c.updated_at::timestamp, ${heardAt.toISOString()}::timestamp
      FROM unnest(${consents.map((consent) => consent.customerShopifyId)}::text[], ${consents.map((consent) => consent.state)}::text[],
                  ${consents.map((consent) => consent.updatedAt?.toISOString() ?? null)}::text[]) AS c(id, state, updated_at)
     -- Nothing is kept about a customer whose data was erased (customers/redact).
     WHERE NOT EXISTS (SELECT 1 FROM "Customer" x WHERE x."shopId" = ${shopId} AND x."shopifyId" = c.id AND x."redactedAt" IS NOT NULL)
    ON CONFLICT ("shopId", "customerShopifyId") DO UPDATE
      SET state = excluded.state, "consentUpdatedAt" = excluded."consentUpdatedAt", "updatedAt" = excluded."updatedAt"
    ${newer}`;
}
