import "@shopify/shopify-api/adapters/node";
import { LogSeverity, shopifyApi } from "@shopify/shopify-api";

import { API_VERSION } from "../../app/shopify/api-version";
import { DEV_SHOP } from "../../dev-store/config";
import { signAppProxyQuery } from "../../dev-store/hosts/app-proxy";
import { legacyResourceId } from "../../dev-store/store/gid";

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

/**
 * The query Shopify's app proxy adds to a storefront request, signed with `secret`: the shop, the
 * signed-in customer (empty for a guest), the proxy's prefix and the time.
 */
export function signedAppProxyQuery(customerGid: string | null, secret: string = TEST_APP.apiSecret): URLSearchParams {
  const query = new URLSearchParams({
    shop: TEST_APP.shop,
    logged_in_customer_id: customerGid ? String(legacyResourceId(customerGid)) : "",
    path_prefix: "/apps/loyalty",
    timestamp: String(Math.floor(Date.now() / 1000)),
  });
  query.append("signature", signAppProxyQuery(query, secret));
  return query;
}
