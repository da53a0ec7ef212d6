/**
 * The app's one logger (pino): a JSON line per event on stderr (pretty in development when pino-pretty
 * is installed), at LOG_LEVEL from env.server.ts. Secrets and personal data in a line's fields are
 * replaced by "[redacted]" wherever they sit in the first three levels: tokens, secrets, HMACs and
 * signatures, emails, names, phones, addresses, and bodies. A message itself is a fixed sentence; what
 * varies goes in the fields.
 */
import { createRequire } from "node:module";

import pino, { type DestinationStream, type Logger } from "pino";
import type PinoPretty from "pino-pretty";

import { loggingSettings, type Env } from "./env.server";

export type LogFields = Record<string, unknown>;

/** Field names whose values never reach a log, matched exactly (pino's redaction paths are exact). */
export const REDACTED_FIELDS = [
  // Secrets and credentials.
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "idToken",
  "sessionToken",
  "secret",
  "apiSecret",
  "apiSecretKey",
  "client_secret",
  "password",
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  "hmac",
  "x-shopify-hmac-sha256",
  "X-Shopify-Hmac-Sha256",
  "signature",
  // Personal data.
  "email",
  "emailAddress",
  "contactEmail",
  "contact_email",
  "customerEmail",
  "name",
  "firstName",
  "lastName",
  "first_name",
  "last_name",
  "customerName",
  "displayName",
  "phone",
  "phoneNumber",
  "address",
  "address1",
  "address2",
  "defaultAddress",
  "default_address",
  "billing_address",
  "shipping_address",
  "addresses",
  "zip",
  "ip",
  // Bodies (webhook payloads, requests, emails) carry all of the above.
  "body",
  "rawBody",
  "payload",
  "html",
  "text",
];

/** pino's redaction paths for REDACTED_FIELDS at the top level and two levels down. */
function redactionPaths(): string[] {
  return REDACTED_FIELDS.flatMap((field) => {
    const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
    const nested = key.startsWith("[") ? key : `.${key}`;
    return [key, `*${nested}`, `*.*${nested}`];
  });
}

/** pino-pretty when it is installed (a development dependency), for a developer's terminal. */
function prettyDestination(): DestinationStream | null {
  try {
    const pretty = createRequire(import.meta.url)("pino-pretty") as typeof PinoPretty;
    return pretty({ destination: 2, sync: true, messageKey: "message", translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" });
  } catch {
    return null;
  }
}

/**
 * Above every LOG_LEVEL: a process's start and stop (listening, stopping, stopped) are always written,
 * so an operator who keeps only warnings still sees when the app came and went.
 */
const LIFECYCLE_LEVEL = 55;

export type AppLogger = Logger<"lifecycle">;

/** A logger for these settings; `destination` for tests that read the lines. */
export function createLogger(settings: Pick<Env, "LOG_LEVEL" | "NODE_ENV">, destination?: DestinationStream): AppLogger {
  const stream = destination ?? (settings.NODE_ENV === "development" ? prettyDestination() : null) ?? pino.destination({ dest: 2, sync: true });
  return pino<"lifecycle">(
    {
      level: settings.LOG_LEVEL,
      customLevels: { lifecycle: LIFECYCLE_LEVEL },
      messageKey: "message",
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactionPaths(), censor: "[redacted]" },
    },
    stream,
  );
}

let root: AppLogger | undefined;

/** The app's logger, made on first use from the app's settings. */
function appLogger(): AppLogger {
  root ??= createLogger(loggingSettings());
  return root;
}

type Level = "error" | "warn" | "info" | "debug" | "lifecycle";

// The message first, then the fields, as the app's lines have always read.
const write = (level: Level) => (message: string, fields: LogFields = {}) => appLogger()[level]({ message, ...fields });

/** Log a fixed message with the fields that vary: `logger.warn("webhook refused: HMAC does not match", { topic })`. */
export const logger = {
  error: write("error"),
  warn: write("warn"),
  info: write("info"),
  debug: write("debug"),
  /** The process started or stopped: written whatever LOG_LEVEL says. */
  lifecycle: write("lifecycle"),
};

/** An error as a log field: its name and message (a stack only at debug level). */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: String(error) };
  return { error: error.message, errorName: error.name, ...(appLogger().isLevelEnabled("debug") && error.stack ? { stack: error.stack } : {}) };
}
