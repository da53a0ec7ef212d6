/** The Admin API as a storefront route reaches it: through the shop's offline session, with a deadline. */
import { env } from "../env.server";
import type { ShopifyAccess } from "../loyalty/redemption.server";
import type { AdminGraphql } from "../shopify/admin-graphql.server";
import { unauthenticated } from "../shopify.server";

export function shopifyAccessFor(shopDomain: string): ShopifyAccess {
  return {
    graphql: async () => (await unauthenticated.admin(shopDomain)).admin.graphql as unknown as AdminGraphql,
    timeoutMs: env().DISCOUNT_CREATE_TIMEOUT_MS,
  };
}
