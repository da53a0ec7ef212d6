import { z } from "zod";

/**
 * Every setting the app reads, parsed once at start-up. A missing or malformed value stops the
 * app with a message that names it; nothing else in the app reads process.env.
 */
const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    SHOPIFY_API_KEY: z.string().min(1, "is required (the app's Client ID)"),
    SHOPIFY_API_SECRET: z.string().min(1, "is required (the app's Client secret)"),
    SHOPIFY_APP_URL: z.string().url("must be the app's public https URL"),
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
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== "production") return;
    if (!env.DATABASE_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_URL"],
        message: "is required in production (the embedded database is for development and demos)",
      });
    }
    if (env.SHOPIFY_API_ORIGIN) {
      ctx.addIssue({
        code: "custom",
        path: ["SHOPIFY_API_ORIGIN"],
        message: "must not be set in production: the app only talks to the real Shopify there",
      });
    }
    if (env.APP_BRIDGE_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["APP_BRIDGE_URL"],
        message: "must not be set in production: embedded pages load Shopify's own App Bridge",
      });
    }
    if (!env.SHOPIFY_APP_URL.startsWith("https://")) {
      ctx.addIssue({
        code: "custom",
        path: ["SHOPIFY_APP_URL"],
        message: "must be an https:// URL in production",
      });
    }
  });

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
  if (!result.success) {
    throw new InvalidEnvironmentError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "environment"} ${issue.message}`),
    );
  }
  return result.data;
}

let cached: Env | undefined;

/** The app's settings, parsed on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
