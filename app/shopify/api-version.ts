import { ApiVersion } from "@shopify/shopify-api";

/**
 * The one Admin API version the app speaks. shopify.app.toml's `[webhooks] api_version` and the
 * schema the operations are validated against follow it (a test holds them together).
 */
export const API_VERSION = ApiVersion.October26;
