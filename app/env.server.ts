import { z } from "zod";

/**
 * Every setting the app reads, parsed once at start-up. A missing or malformed value stops the
 * app with a message that names it; nothing else in the app reads process.env.
 */
function required(what: string) {
  return z.string({ error: `is required (${what})` }).min(1, `is required (${what})`);
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  SHOPIFY_API_KEY: required("the app's Client ID"),
  SHOPIFY_API_SECRET: required("the app's Client secret"),
  SHOPIFY_APP_URL: required("the app's public URL").pipe(z.url("must be the app's public https URL")),
  SCOPES: z.string().optional(),
  SHOP_CUSTOM_DOMAIN: z.string().optional(),
  /** A PostgreSQL server. Without it the app runs on an embedded PostgreSQL under DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// connection string")
    .optional(),
  DATA_DIR: z.string().default(".data"),
  /**
   * Send Admin API and OAuth calls for shops to this origin instead of https://{shop}. Only for
   * the local dev store; refused in production.
   */
  SHOPIFY_API_ORIGIN: z.string().url().optional(),
  /** Where embedded pages load App Bridge from. Only for the local dev store; refused in production. */
  APP_BRIDGE_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(["error", "warn", "info", "debug"]).default("info"),
  /** Follow-up emails go out through this SMTP server (smtp:// or smtps://); without it, to a local outbox under DATA_DIR. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  /** The sender address when a shop has set none of its own (default follow-ups@ the app's host). */
  MAIL_FROM: z.email("must be an email address").optional(),
  /** How often a follow-up worker looks for due follow-ups, in milliseconds. */
  FOLLOW_UPS_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
  /** How long a redemption waits for Shopify to create its discount code before giving the points back. */
  DISCOUNT_CREATE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(8_000),
  /** The app process applies the webhooks it accepts; "false" leaves that to `npm run worker`. */
  PROCESS_WEBHOOKS_IN_APP: z.enum(["true", "false"], { error: 'must be "true" or "false"' }).default("true").transform((value) => value === "true"),
  /**
   * How many proxies in front of the app append to X-Forwarded-For: 1 when Shopify's app proxy connects
   * to the app directly, one more per load balancer or CDN of the host; 0 takes the connection's address.
   */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(1),
  /** Webhook batches one process applies side by side (on a database server). */
  WEBHOOK_LANES: z.coerce.number().int().min(1).max(32).default(4),
  /** Webhook deliveries applied per transaction (a failing one is retried alone, without the others). */
  WEBHOOK_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /**
   * The niceness `npm run worker` runs at (0 normal, 19 lowest): where it shares cores with the app,
   * the app's acceptance (Shopify waits on it) goes first; the inbox waits a little longer.
   */
  WORKER_NICENESS: z.coerce.number().int().min(0).max(19).default(10),
  /**
   * How long a request waits for a database connection (a new one, or a free one from the pool)
   * before it fails, so a database that does not answer costs a fast error, not a hung request.
   */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /**
   * The longest one statement may run (PostgreSQL's statement_timeout). The webhook answer waits at
   * most this long for its row, under Shopify's 5 s; background work that needs longer (report
   * rebuilds, the history import, sweeps) lifts it inside its own transaction.
   */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(4_000),
  /** The longest a statement waits for a lock (PostgreSQL's lock_timeout). */
  DATABASE_LOCK_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(3_000),
  /** A transaction left idle this long is ended by PostgreSQL, releasing its locks (idle_in_transaction_session_timeout). */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /**
   * The largest webhook body accepted, in bytes (413 beyond it, before it is read whole). Shopify's
   * largest payloads, orders with hundreds of lines, are a few hundred KB.
   */
  WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(64 * 1024).max(64 * 1024 * 1024).default(2 * 1024 * 1024),
  /** Failed attempts after which a webhook delivery is dead: kept with its error, no longer retried. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  /** Days a dead delivery keeps its body (personal data) for a retry from the Sync issues page. */
  WEBHOOK_DEAD_BODY_DAYS: z.coerce.number().int().min(1).max(90).default(7),
});

/**
 * App secrets this repository publishes: the local dev store's demo, tests and benchmarks sign with
 * them, so anyone could forge a webhook, session token or app-proxy request with one.
 */
const PUBLISHED_SECRETS = new Set(["dev-store-demo-secret", "dev-store-test-secret", "dev-store-bench-secret", "bench-follow-ups-secret"]);

function isPublishedSecret(secret: string): boolean {
  return PUBLISHED_SECRETS.has(secret) || secret.startsWith("dev-store-");
}

/** What production demands beyond a well-formed value: a real database, the real Shopify. */
function productionProblems(raw: Record<string, string>): string[] {
  if (raw.NODE_ENV !== "production") return [];
  const problems: string[] = [];
  if (!raw.DATABASE_URL) {
    problems.push("DATABASE_URL is required in production (the embedded database is for development and demos)");
  }
  if (!raw.SMTP_URL) {
    problems.push("SMTP_URL is required in production (the local outbox is for development and demos)");
  }
  if (raw.SHOPIFY_API_ORIGIN) {
    problems.push("SHOPIFY_API_ORIGIN must not be set in production: the app only talks to the real Shopify there");
  }
  if (raw.APP_BRIDGE_URL) {
    problems.push("APP_BRIDGE_URL must not be set in production: embedded pages load Shopify's own App Bridge");
  }
  if (raw.SHOPIFY_API_SECRET && isPublishedSecret(raw.SHOPIFY_API_SECRET)) {
    problems.push("SHOPIFY_API_SECRET is one of the dev store's published secrets: set the app's Client secret from the Partner Dashboard");
  }
  if (raw.SHOPIFY_APP_URL && !raw.SHOPIFY_APP_URL.startsWith("https://")) {
    problems.push("SHOPIFY_APP_URL must be an https:// URL in production");
  }
  return problems;
}

export type Env = z.infer<typeof EnvSchema>;

export class InvalidEnvironmentError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "InvalidEnvironmentError";
  }
}

/** Parses a raw environment; exported for tests and scripts that build their own. */
export function parseEnv(raw: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(
    Object.entries(raw).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = EnvSchema.safeParse(cleaned);
  const problems = [
    ...(result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".") || "environment"} ${issue.message}`)),
    ...productionProblems(cleaned as Record<string, string>),
  ];
  if (problems.length > 0 || !result.success) throw new InvalidEnvironmentError(problems);
  return result.data;
}

let cached: Env | undefined;

/** The app's settings, parsed on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/**
 * What the logger reads: the log level and the mode, on their own, so a log line can be written (for
 * example the error that the rest of the environment is invalid) before or without the app's settings.
 */
export function loggingSettings(raw: Record<string, string | undefined> = process.env): Pick<Env, "LOG_LEVEL" | "NODE_ENV"> {
  const pick = EnvSchema.pick({ LOG_LEVEL: true, NODE_ENV: true }).safeParse({
    ...(raw.LOG_LEVEL ? { LOG_LEVEL: raw.LOG_LEVEL } : {}),
    ...(raw.NODE_ENV ? { NODE_ENV: raw.NODE_ENV } : {}),
  });
  if (!pick.success) throw new InvalidEnvironmentError(pick.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`));
  return pick.data;
}
