/**
 * Which topics each webhook route accepts: the `uri` → `topics` of shopify.app.toml's
 * [[webhooks.subscriptions]], written once here (a test checks they are the same). The HMAC covers only
 * the body, so the X-Shopify-Topic header is the sender's word: a route refuses every topic but its own,
 * and a signed orders/paid body cannot be replayed at /webhooks/app/uninstalled as app/uninstalled.
 */
export const WEBHOOK_SUBSCRIPTIONS = {
  "/webhooks/app/uninstalled": ["app/uninstalled"],
  "/webhooks/app/scopes_update": ["app/scopes_update"],
  "/webhooks/bulk_operations/finish": ["bulk_operations/finish"],
  "/webhooks/orders/create": ["orders/create"],
  "/webhooks/orders/paid": ["orders/paid"],
  "/webhooks/orders/updated": ["orders/updated"],
  "/webhooks/orders/cancelled": ["orders/cancelled"],
  "/webhooks/refunds/create": ["refunds/create"],
  "/webhooks/customers/create": ["customers/create"],
  "/webhooks/customers/update": ["customers/update"],
  "/webhooks/customers/delete": ["customers/delete"],
  "/webhooks/customers_email_marketing_consent/update": ["customers_email_marketing_consent/update"],
  "/webhooks/compliance": ["customers/data_request", "customers/redact", "shop/redact"],
} as const satisfies Record<string, readonly string[]>;

export type WebhookUri = keyof typeof WEBHOOK_SUBSCRIPTIONS;
