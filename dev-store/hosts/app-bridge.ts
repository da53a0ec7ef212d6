import { readFileSync } from "node:fs";

import { assertDevStoreAllowed, type DevStoreConfig } from "../config";
import { requestUrl, type DevStoreRequestHandler } from "../http";

export const APP_BRIDGE_SCRIPT_PATH = "/app-bridge.js";

const appBridgeScript = readFileSync(new URL("./browser/app-bridge.js", import.meta.url), "utf8");

/**
 * Serves the App Bridge stand-in at /app-bridge.js. The app loads it from here instead of
 * Shopify's CDN through APP_BRIDGE_URL (server-rendered pages) and AppProvider's __APP_BRIDGE_URL.
 */
export function createAppBridgeScriptHandler(options: { config: Pick<DevStoreConfig, "apiSecret" | "nodeEnv"> }): DevStoreRequestHandler {
  assertDevStoreAllowed(options.config);
  return async (req, res) => {
    if (requestUrl(req).pathname !== APP_BRIDGE_SCRIPT_PATH || (req.method !== "GET" && req.method !== "HEAD")) return false;
    res.writeHead(200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "no-cache",
      // The app's pages load it from another origin.
      "Access-Control-Allow-Origin": "*",
      "Cross-Origin-Resource-Policy": "cross-origin",
      "X-Content-Type-Options": "nosniff",
    });
    res.end(req.method === "HEAD" ? undefined : appBridgeScript);
    return true;
  };
}
