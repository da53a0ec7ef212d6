import type { ActionFunctionArgs } from "@remix-run/node";

import { pool } from "../db.server";
import { env } from "../env.server";
import { acceptWebhook } from "./inbox.server";

/**
 * The action of every webhook route in shopify.app.toml: the delivery's X-Shopify-Topic says what it
 * is, so one action verifies, checks and stores them all (inbox.server.ts).
 */
export async function webhookAction({ request }: ActionFunctionArgs): Promise<Response> {
  const settings = env();
  return acceptWebhook(request, {
    pool,
    secret: settings.SHOPIFY_API_SECRET,
    customShopDomain: settings.SHOP_CUSTOM_DOMAIN,
    timeoutMs: settings.DATABASE_STATEMENT_TIMEOUT_MS,
  });
}
