/**
 * Accepting a webhook delivery: verify its HMAC, check its payload, store it in the inbox with one
 * INSERT, answer 200. Nothing else runs while Shopify waits: no session lookup, no Prisma, no handler.
 * The inbox processor (inbox-processor.server.ts) applies it moments later, woken by `deliveryAccepted`.
 */
import { WebhookType, WebhookValidationErrorReason } from "@shopify/shopify-api";
import type pg from "pg";

import { sharesOneSession } from "../embedded-database.server";
import { logger } from "../logger.server";
import { validateWebhook } from "../shopify/signatures.server";
import { WEBHOOK_TOPICS, type PayloadIssue } from "./topics.server";

const log = (message: string, fields: Record<string, unknown>) => logger.warn(message, fields);

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

const listeners = new Set<() => void>();

/** Calls `listener` after each delivery this process stores; returns the unsubscribe. */
export function onDeliveryAccepted(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A delivery ready for the inbox: the row's values, in the order of the INSERT's columns. */
type InboxRow = [shop: string, eventId: string, webhookId: string, topic: string, triggeredAt: string | null, body: string, snapshot: string | null];

const COLUMNS = 7;
// One statement text, prepared once per connection, for each batch size up to this.
const MAX_BATCH = 64;
// Batches on their way to the database at once; the deliveries that arrive meanwhile wait for the next.
const MAX_BATCHES_IN_FLIGHT = 4;

const insertStatements = Array.from({ length: MAX_BATCH + 1 }, (_, size) => {
  const rows = Array.from({ length: size }, (_, row) => {
    const [shop, eventId, webhookId, topic, triggeredAt, body, snapshot] = Array.from({ length: COLUMNS }, (_, column) => `$${row * COLUMNS + column + 1}`);
    return `(gen_random_uuid()::text, ${shop}, ${eventId}, ${webhookId}, ${topic}, ${triggeredAt}::timestamptz AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', ${body}, ${snapshot}, now() AT TIME ZONE 'UTC')`;
  });
  return {
    name: `accept-webhooks-${size}`,
    text: `INSERT INTO "WebhookEvent" (id, "shopDomain", "eventId", "webhookId", topic, "triggeredAt", "receivedAt", body, snapshot, "nextAttemptAt")
      VALUES ${rows.join(", ")}
      ON CONFLICT ("shopDomain", "eventId", topic) DO NOTHING`,
  };
});

interface Waiting {
  row: InboxRow;
  stored: () => void;
  failed: (error: unknown) => void;
}

/**
 * Group commit: deliveries that arrive while earlier batches are on their way are stored together by
 * one multi-row INSERT, one round trip and one commit for all of them. A delivery's 200 still waits
 * for its own row's commit. A batch the database refuses is retried row by row, so one bad row fails
 * only its own delivery.
 */
class InboxWriter {
  private waiting: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly prepared: boolean;

  constructor(
    private readonly pool: pg.Pool,
    private readonly timeoutMs: number,
  ) {
    this.prepared = !sharesOneSession(pool.options.connectionString);
  }

  store(row: InboxRow): Promise<void> {
    return new Promise<void>((stored, failed) => {
      this.waiting.push({ row, stored, failed });
      this.schedule();
    });
  }

  private schedule() {
    if (this.scheduled || this.inFlight >= MAX_BATCHES_IN_FLIGHT || this.waiting.length === 0) return;
    this.scheduled = true;
    // After the current I/O callbacks, so the deliveries read in the same turn share the batch.
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.waiting.splice(0, MAX_BATCH);
      if (batch.length === 0) return;
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
      this.schedule();
    });
  }

  private async write(batch: Waiting[]) {
    try {
      await this.insert(batch.map((entry) => entry.row));
      for (const entry of batch) entry.stored();
    } catch (error) {
      // A database that times out or is out of reach fails them all at once; only a row it refuses is tried alone.
      if (batch.length === 1 || isUnavailable(error)) {
        for (const entry of batch) entry.failed(error);
        return;
      }
      await Promise.all(
        batch.map((entry) =>
          this.insert([entry.row]).then(
            () => entry.stored(),
            (rowError: unknown) => entry.failed(rowError),
          ),
        ),
      );
    }
    for (const listener of listeners) listener();
  }

  private async insert(rows: InboxRow[]) {
    const statement = insertStatements[rows.length];
    // Also bounded on this side: a database that does not answer at all cannot time the statement out.
    // The pool drops a connection whose query failed, so no later query waits behind this one.
    await this.pool.query({
      ...(this.prepared ? { name: statement.name } : {}),
      text: statement.text,
      values: rows.flat(),
      query_timeout: this.timeoutMs,
    } as pg.QueryConfig);
  }
}

class StoreTimeoutError extends Error {}

/**
 * The database did not answer rather than refuse: no PostgreSQL error code (a client-side timeout,
 * a lost or refused connection), a connection error (08), a statement or lock timeout or shutdown
 * (57, 55P03, 25P03), or no resources (53).
 */
function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreTimeoutError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code !== "string" || /^(08|53|57)/.test(code) || code === "55P03" || code === "25P03";
}

/** Resolves or rejects as `work` does, or rejects after `ms`. */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(`the database did not store the delivery within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Shopify waits 5 s for an answer; the delivery's row gets most of that. */
const DEFAULT_STORE_TIMEOUT_MS = 4_000;

const writers = new WeakMap<pg.Pool, InboxWriter>();

function inboxWriter(pool: pg.Pool, timeoutMs: number): InboxWriter {
  let writer = writers.get(pool);
  if (!writer) writers.set(pool, (writer = new InboxWriter(pool, timeoutMs)));
  return writer;
}

/** The default body limit when a caller names none (env WEBHOOK_MAX_BODY_BYTES in the routes). */
export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * The request's body, read up to `limit` bytes: null as soon as it is longer (by its Content-Length, or
 * by counting a chunked or lying body as it streams in), so an oversize body is never held whole.
 */
async function readBodyUpTo(request: Request, limit: number): Promise<Buffer | null> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Stop reading; the 413 closes the connection (cancelling would reset it before the answer).
      reader.releaseLock();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The body's JSON text made storable: PostgreSQL text and jsonb hold no NUL and no lone surrogate, so
 * a `\u0000` escape is dropped and an unpaired `\uD800`–`\uDFFF` escape becomes U+FFFD. Done on the
 * text, not on a re-serialised parse, so numeric ids past 2^53 keep every digit.
 */
export function storableJsonText(text: string): string {
  return text.replace(/\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|\\[^u]/g, (escape, high, _low, single: string | undefined) => {
    if (high || !single) return escape;
    const code = parseInt(single, 16);
    if (code === 0) return "";
    return code >= 0xd800 && code <= 0xdfff ? "\\ufffd" : escape;
  });
}

// X-Shopify-Triggered-At as Shopify sends it (ISO 8601, e.g. 2026-10-01T12:00:00.123456789Z).
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/** The delivery's trigger time as an ISO string the database stores, or null for anything else. */
export function triggeredAtOf(header: string | null): string | null {
  if (!header || !ISO_TIME.test(header)) return null;
  const time = Date.parse(header);
  if (Number.isNaN(time) || time < Date.UTC(2000, 0, 1) || time >= Date.UTC(2100, 0, 1)) return null;
  return new Date(time).toISOString();
}

/** What the inbox reads of a delivery: its headers by name (any case), and its body up to a limit. */
export interface WebhookDelivery {
  headers: { get(name: string): string | null };
  /** The body, or null as soon as it is longer than `limit` bytes (never held whole then). */
  readBody(limit: number): Promise<Buffer | null>;
}

/** The inbox's answer to a delivery, for whichever server carries it. */
export interface WebhookAnswer {
  status: number;
  body: string | null;
  headers?: Record<string, string>;
}

const answer = (status: number, body: string | null = null, headers?: Record<string, string>): WebhookAnswer => ({ status, body, ...(headers ? { headers } : {}) });

export interface AcceptOptions {
  pool: pg.Pool;
  secret: string;
  customShopDomain?: string;
  topics: readonly string[];
  maxBodyBytes?: number;
  timeoutMs?: number;
}

/** `acceptDelivery` for a web `Request` (the Remix route's), answered as a `Response`. */
export async function acceptWebhook(request: Request, options: AcceptOptions): Promise<Response> {
  const result = await acceptDelivery({ headers: request.headers, readBody: (limit) => readBodyUpTo(request, limit) }, options);
  return new Response(result.body, { status: result.status, headers: result.headers });
}

/**
 * A delivery Shopify sent to one of the app's webhook routes. 401: no HMAC or a wrong one (checked with
 * the rules of @shopify/shopify-api's `webhooks.validate`, signatures.server.ts); 400: a header every
 * delivery carries missing, a topic the route is not subscribed to, not JSON, or no shop; 413: a body
 * over `maxBodyBytes`; 422 (and a log line): a payload without what its topic needs, or naming another
 * shop. Only a 200 means the delivery is stored; a redelivery of a stored event is a 200 too. 503: the
 * database did not answer within `timeoutMs` (kept under Shopify's 5 s, so Shopify sees a failure it
 * retries rather than a hung request); a row committed after all makes the retry a no-op.
 */
export async function acceptDelivery(delivery: WebhookDelivery, options: AcceptOptions): Promise<WebhookAnswer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  const headers = delivery.headers;
  const topic = headers.get("x-shopify-topic") ?? "";
  const hmac = headers.get("x-shopify-hmac-sha256");
  if (!hmac) {
    log("webhook refused: no HMAC header", { topic });
    return answer(401, "Missing X-Shopify-Hmac-Sha256");
  }
  // The HMAC does not cover the topic header: a route takes only the topics subscribed to it.
  const handler = options.topics.includes(topic) ? WEBHOOK_TOPICS[topic] : undefined;
  if (!handler) {
    log("webhook refused: unexpected topic", { topic });
    return answer(400, `Unexpected topic ${topic}`);
  }
  const body = await delivery.readBody(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  if (!body) {
    log("webhook refused: body too large", { topic });
    return answer(413, "Payload too large", { Connection: "close" });
  }
  const text = body.toString("utf8");
  // Shopify's check (the rules of @shopify/shopify-api's webhooks.validate, on node:crypto): the body's
  // HMAC with the app's secret, compared in constant time, and the headers every delivery carries. Over
  // the text, as Shopify signs it: a body that is not UTF-8 is not Shopify's.
  const check = validateWebhook(options.secret, text, headers);
  if (!check.valid) {
    if (check.reason === WebhookValidationErrorReason.MissingBody) {
      log("webhook refused: empty body", { topic });
      return answer(400, "Body is not JSON");
    }
    if (check.reason === WebhookValidationErrorReason.MissingHeaders) {
      const missing = "missingHeaders" in check ? check.missingHeaders : [];
      log("webhook refused: missing headers", { topic, missing });
      return answer(400, `Missing ${missing.join(", ")}`);
    }
    log("webhook refused: HMAC does not match", { topic });
    return answer(401, "Unauthorized");
  }
  // The check takes Shopify's newer Events headers too; this route reads only X-Shopify-*, so it
  // accepts only a delivery whose X-Shopify-Hmac-Sha256 is the one checked.
  if (check.webhookType !== WebhookType.Webhooks) {
    log("webhook refused: HMAC does not match", { topic });
    return answer(401, "Unauthorized");
  }
  const shop = check.domain.toLowerCase();
  if (!SHOP_DOMAIN.test(shop) && shop !== options.customShopDomain) {
    log("webhook refused: no shop domain", { topic });
    return answer(400, "Missing X-Shopify-Shop-Domain");
  }
  const rawBody = storableJsonText(text);
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    log("webhook refused: body is not JSON", { topic, shop });
    return answer(400, "Body is not JSON");
  }
  const reading = handler.read(payload, rawBody, shop);
  if (!reading.ok) return refusedPayload(topic, shop, reading.issues);

  const webhookId = check.webhookId;
  // Older API versions send no event id; the webhook id then names the delivery.
  const eventId = check.eventId || webhookId;
  if (!eventId) return answer(400, "Missing X-Shopify-Event-Id");
  if (eventId.length > 255 || webhookId.length > 255) return answer(400, "X-Shopify-Event-Id too long");
  const triggeredAt = triggeredAtOf(headers.get("x-shopify-triggered-at"));
  try {
    // Only compliance payloads name a shop id (rare deliveries: one lookup by the unique domain).
    if (reading.shopId !== undefined) {
      const stored = await within(storedShopifyId(options.pool, shop), timeoutMs);
      if (stored && stored !== reading.shopId) return refusedPayload(topic, shop, [{ path: ["shop_id"], message: "is not the id of the X-Shopify-Shop-Domain's shop" }]);
    }
    // What was read is kept beside the body (for the topics that keep it): the processor reads it back instead of the body.
    const kept = handler.keep?.(reading.value) ?? null;
    await within(inboxWriter(options.pool, timeoutMs).store([shop, eventId, webhookId, topic, triggeredAt, rawBody, kept]), timeoutMs);
  } catch (error) {
    // A row PostgreSQL refuses is the app's error (500); a database out of reach is a 503.
    if (!isUnavailable(error)) throw error;
    log("webhook not stored: the database did not answer", { topic, shop, error: error instanceof Error ? error.message : String(error) });
    return answer(503, "The delivery could not be stored; Shopify will retry it", { "Retry-After": "5" });
  }
  return answer(200);
}

/** The Shopify id stored for the shop at install; null for an unknown shop or one installed before ids were kept. */
async function storedShopifyId(pool: pg.Pool, shop: string): Promise<string | null> {
  const { rows } = await pool.query<{ shopifyId: string | null }>(`SELECT "shopifyId" FROM "Shop" WHERE domain = $1`, [shop]);
  return rows[0]?.shopifyId ?? null;
}

/** A verified delivery whose payload lacks what the topic needs: 422 and a log line, nothing written. */
function refusedPayload(topic: string, shop: string, issues: PayloadIssue[]): WebhookAnswer {
  const problems = issues.slice(0, 5).map((issue) => `${(issue.path ?? []).map(String).join(".") || "payload"}: ${issue.message}`);
  log("webhook refused: unexpected payload", { topic, shop, problems });
  return answer(422, `Unexpected payload: ${problems.join("; ")}`);
}
