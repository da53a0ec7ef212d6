import "@shopify/shopify-api/adapters/node";
import { LogSeverity, shopifyApi } from "@shopify/shopify-api";

import { API_VERSION } from "../../app/shopify/api-version";
import { DEV_SHOP } from "../../dev-store/config";

/** The app's credentials in tests: a dev secret the dev store accepts, never a real one. */
export const TEST_APP = {
  apiKey: "test-loyalty-app",
  apiSecret: "dev-store-test-secret",
  shop: DEV_SHOP,
} as const;

/**
 * Shopify's own library with the test app's credentials: what judges session tokens, webhook HMACs
 * and app-proxy signatures in tests, exactly as it does in the app.
 */
export function shopifyLibrary(hostName = "127.0.0.1") {
  return shopifyApi({
    apiKey: TEST_APP.apiKey,
    apiSecretKey: TEST_APP.apiSecret,
    apiVersion: API_VERSION,
    hostName,
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error },
  });
}
