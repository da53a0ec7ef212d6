import type { ActionFunctionArgs } from "@remix-run/node";

import { pool } from "../db.server";
import { env } from "../env.server";
import { acceptWebhook } from "./inbox.server";
import { WEBHOOK_SUBSCRIPTIONS, type WebhookUri } from "./subscriptions";

/**
 * The action of the webhook route at `uri`: it verifies, checks and stores (inbox.server.ts) only the
 * topics shopify.app.toml sends there (subscriptions.ts); any other X-Shopify-Topic is refused.
 */
export function webhookAction(uri: WebhookUri) {
  const topics: readonly string[] = WEBHOOK_SUBSCRIPTIONS[uri];
  return async ({ request }: ActionFunctionArgs): Promise<Response> => {
    const settings = env();
    return acceptWebhook(request, {
      pool,
      secret: settings.SHOPIFY_API_SECRET,
      customShopDomain: settings.SHOP_CUSTOM_DOMAIN,
      topics,
      maxBodyBytes: settings.WEBHOOK_MAX_BODY_BYTES,
      timeoutMs: settings.DATABASE_STATEMENT_TIMEOUT_MS,
    });
  };
}
