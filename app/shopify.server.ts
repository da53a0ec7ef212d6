import "@shopify/shopify-app-remix/adapters/node";
import { AppDistribution, LogSeverity, shopifyApp } from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";

import db from "./db.server";
import { env } from "./env.server";
import { logger } from "./logger.server";
import { sendShopifyCallsTo } from "./shopify/api-origin.server";
import { API_VERSION } from "./shopify/api-version";
import { recordInstallation } from "./shops/installation.server";

export { API_VERSION };

const settings = env();

const LOG_SEVERITY = {
  error: LogSeverity.Error,
  warn: LogSeverity.Warning,
  info: LogSeverity.Info,
  debug: LogSeverity.Debug,
} as const;

// The library's own lines go through the app's logger, as JSON with the rest.
const LOG_LEVEL_OF = {
  [LogSeverity.Error]: "error",
  [LogSeverity.Warning]: "warn",
  [LogSeverity.Info]: "info",
  [LogSeverity.Debug]: "debug",
} as const;

// A local dev store stands in for Shopify (development, demo and tests only).
if (settings.SHOPIFY_API_ORIGIN) sendShopifyCallsTo(settings.SHOPIFY_API_ORIGIN);

const shopify = shopifyApp({
  apiKey: settings.SHOPIFY_API_KEY,
  apiSecretKey: settings.SHOPIFY_API_SECRET,
  apiVersion: API_VERSION,
  scopes: settings.SCOPES?.split(","),
  appUrl: settings.SHOPIFY_APP_URL,
  authPathPrefix: "/auth",
  sessionStorage: new PrismaSessionStorage(db),
  distribution: AppDistribution.AppStore,
  logger: { level: LOG_SEVERITY[settings.LOG_LEVEL], log: (severity, message) => logger[LOG_LEVEL_OF[severity]](message) },
  future: {
    unstable_newEmbeddedAuthStrategy: true,
    expiringOfflineAccessTokens: true,
  },
  hooks: {
    afterAuth: async ({ session, admin }) => {
      await recordInstallation(db, session.shop, admin.graphql);
    },
  },
  ...(settings.SHOP_CUSTOM_DOMAIN ? { customShopDomains: [settings.SHOP_CUSTOM_DOMAIN] } : {}),
});

export default shopify;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const sessionStorage = shopify.sessionStorage;
