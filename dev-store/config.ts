/**
 * The local dev store: a strict stand-in for Shopify that the demo, the tests and the benchmarks
 * run the app against. It lives apart from the app and is never part of the production build; the
 * app only knows it as "a Shopify at this address" (SHOPIFY_API_ORIGIN).
 */
export interface DevStoreConfig {
  /** The dev shop's myshopify domain, e.g. "demo-loyalty.myshopify.com". */
  shop: string;
  /** The app's Client ID and secret: session tokens, webhooks and proxy requests are signed with the secret. */
  apiKey: string;
  apiSecret: string;
  /** Where the app listens, e.g. "http://localhost:3000": webhook `uri`s and the admin iframe resolve against it. */
  appUrl: string;
  /** Path to shopify.app.toml: scopes, webhook subscriptions and the app proxy are read from it. */
  appTomlPath: string;
  /** The Admin API version the dev store serves (the app's API_VERSION). */
  apiVersion: string;
  /** A JSON file the store's data is kept in between runs; omit to keep it in memory only. */
  dataFile?: string;
  /** Cost-based throttling: the leaky bucket's size and restore rate per second (Shopify: 2000 / 100). */
  throttle?: { maximumAvailable: number; restoreRate: number };
  /** Waits between webhook delivery attempts (Shopify retries 8 times over 4 hours). */
  webhookRetryDelaysMs?: number[];
  /** A delivery that takes longer than this counts as failed (Shopify: 5 s). */
  webhookTimeoutMs?: number;
  /** The dev store's NODE_ENV check reads this; tests pass their own. */
  nodeEnv?: string;
}

export const DEV_SHOP = "demo-loyalty.myshopify.com";

/** Shopify app secrets look like `shpss_` followed by 32 hex digits (older ones are bare 32-hex strings). */
export function looksLikeRealAppSecret(secret: string): boolean {
  return /^shpss_[0-9a-f]{16,}$/i.test(secret) || /^[0-9a-f]{32}$/i.test(secret);
}

export class DevStoreRefusedError extends Error {
  constructor(reason: string) {
    super(`The dev store refuses to start: ${reason}`);
    this.name = "DevStoreRefusedError";
  }
}

/** The dev store mints session tokens with the app secret: it must never run against a real app. */
export function assertDevStoreAllowed(config: Pick<DevStoreConfig, "apiSecret" | "nodeEnv">): void {
  const nodeEnv = config.nodeEnv ?? process.env.NODE_ENV;
  if (nodeEnv === "production") {
    throw new DevStoreRefusedError("NODE_ENV is production; the dev store is for development, demos and tests only.");
  }
  if (looksLikeRealAppSecret(config.apiSecret)) {
    throw new DevStoreRefusedError(
      "the app secret looks like a real Shopify app secret; use a dev secret such as the demo's.",
    );
  }
}
