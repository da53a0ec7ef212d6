import { createHmac, randomUUID } from "node:crypto";

import { assertDevStoreAllowed, type DevStoreConfig } from "../config";
import { keepIncludedFields } from "./include-fields";
import { readWebhookSubscriptions, type AppWebhookSubscriptions, type WebhookSubscription } from "./subscriptions";

/** What the store emits when something happens in the shop: one event may fire several topics. */
export interface WebhookEvent {
  topic: string;
  shop: string;
  /** The REST-shaped resource, as Shopify's webhook reference documents it for the topic. */
  payload: unknown;
  triggeredAt?: string | Date;
  /** Shared by every topic one event fires (X-Shopify-Event-Id); a fresh one when omitted. */
  eventId?: string;
}

export type DeliveryStatus = "pending" | "delivered" | "gave_up" | "cancelled";

export interface DeliveryAttempt {
  /** 1 for the first try, 2 for the first retry… */
  number: number;
  startedAt: string;
  /** The app's HTTP status, or null when it never answered. */
  responseStatus: number | null;
  latencyMs: number;
  /** Why the attempt failed: a non-2xx status, a timeout or a connection error. */
  error: string | null;
}

/** One topic of one event on its way to one subscription; retries reuse it and its webhook id. */
export interface WebhookDelivery {
  readonly webhookId: string;
  readonly eventId: string;
  readonly topic: string;
  readonly shop: string;
  readonly uri: string;
  readonly apiVersion: string;
  readonly triggeredAt: string;
  /** The exact bytes sent and signed. */
  readonly body: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  nextAttemptAt: string | null;
}

export interface WebhookDispatcherOptions {
  config: Pick<DevStoreConfig, "apiSecret" | "appUrl" | "appTomlPath" | "nodeEnv" | "webhookRetryDelaysMs" | "webhookTimeoutMs">;
  /** Defaults to the subscriptions in `config.appTomlPath`. */
  subscriptions?: AppWebhookSubscriptions;
  now?: () => Date;
  fetch?: typeof fetch;
  /** Deliveries in flight at once; the rest wait their turn. */
  maxInFlight?: number;
  /** Settled deliveries kept in the log, oldest dropped first. */
  logLimit?: number;
  onAttempt?: (delivery: WebhookDelivery, attempt: DeliveryAttempt) => void;
}

export interface WebhookDispatcher {
  readonly subscriptions: AppWebhookSubscriptions;
  /** Queues a delivery per subscription to the event's topic (none if the app did not subscribe). */
  enqueue(event: WebhookEvent): WebhookDelivery[];
  /** Sends at once, past the queue; resolves after each first attempt while retries go on as usual. */
  deliverNow(event: WebhookEvent): Promise<WebhookDelivery[]>;
  /** Every delivery still in the log, oldest first. */
  deliveries(): readonly WebhookDelivery[];
  /** Resolves once nothing is queued, in flight or waiting for a retry. */
  idle(): Promise<void>;
  /** Stops retries, aborts requests in flight and refuses new events. */
  close(): Promise<void>;
}

/** Shopify waits this long for a 2xx before counting the attempt as failed. */
export const SHOPIFY_WEBHOOK_TIMEOUT_MS = 5_000;

/** Shopify retries a failed delivery 8 times over 4 hours with exponential back-off: 57 s, doubling. */
export const SHOPIFY_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = Array.from({ length: 8 }, (_, retry) =>
  Math.round((4 * 60 * 60 * 1000 * 2 ** retry) / (2 ** 8 - 1)),
);

const USER_AGENT = "Shopify-Captain-Hook";

export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { config } = options;
  assertDevStoreAllowed(config);
  const subscriptions = options.subscriptions ?? readWebhookSubscriptions(config);
  const now = options.now ?? (() => new Date());
  const send = options.fetch ?? fetch;
  const retryDelaysMs = config.webhookRetryDelaysMs ?? SHOPIFY_WEBHOOK_RETRY_DELAYS_MS;
  const timeoutMs = config.webhookTimeoutMs ?? SHOPIFY_WEBHOOK_TIMEOUT_MS;
  const maxInFlight = options.maxInFlight ?? 8;
  const logLimit = options.logLimit ?? 10_000;

  const log: WebhookDelivery[] = [];
  const ready: WebhookDelivery[] = [];
  const retryTimers = new Map<WebhookDelivery, NodeJS.Timeout>();
  const inFlight = new Map<WebhookDelivery, { abort: AbortController; done: Promise<void> }>();
  let idleWaiters: Array<() => void> = [];
  let closed = false;

  function deliveriesFor(event: WebhookEvent): WebhookDelivery[] {
    if (closed) throw new Error("The webhook dispatcher is closed");
    const eventId = event.eventId ?? randomUUID();
    const triggeredAt = toIsoString(event.triggeredAt ?? now());
    return subscriptions
      .subscribedTo(event.topic)
      .filter((subscription) => subscription.matches(event.payload))
      .map((subscription) => {
        const delivery = newDelivery(event, subscription, eventId, triggeredAt);
        log.push(delivery);
        return delivery;
      });
  }

  function newDelivery(event: WebhookEvent, subscription: WebhookSubscription, eventId: string, triggeredAt: string): WebhookDelivery {
    return {
      webhookId: randomUUID(),
      eventId,
      topic: event.topic,
      shop: event.shop,
      uri: subscription.uri,
      apiVersion: subscriptions.apiVersion,
      triggeredAt,
      body: JSON.stringify(keepIncludedFields(event.payload, subscription.includeFields)),
      status: "pending",
      attempts: [],
      nextAttemptAt: null,
    };
  }

  function pump(): void {
    while (!closed && inFlight.size < maxInFlight && ready.length > 0) {
      void attempt(ready.shift() as WebhookDelivery);
    }
  }

  /** Resolves once this attempt is recorded and its retry, if any, scheduled. */
  function attempt(delivery: WebhookDelivery): Promise<void> {
    const abort = new AbortController();
    const done = post(delivery, abort).then((record) => {
      inFlight.delete(delivery);
      if (!closed) {
        delivery.attempts.push(record);
        settleAfter(delivery, record);
      }
      trimLog();
      pump();
      notifyIfIdle();
      if (!closed) options.onAttempt?.(delivery, record);
    });
    inFlight.set(delivery, { abort, done });
    return done;
  }

  async function post(delivery: WebhookDelivery, abort: AbortController): Promise<DeliveryAttempt> {
    const startedAt = toIsoString(now());
    const started = performance.now();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, timeoutMs);
    const finish = (responseStatus: number | null, error: string | null): DeliveryAttempt => ({
      number: delivery.attempts.length + 1,
      startedAt,
      responseStatus,
      latencyMs: Math.round(performance.now() - started),
      error,
    });
    try {
      const response = await send(delivery.uri, {
        method: "POST",
        headers: webhookHeaders(delivery, config.apiSecret),
        body: delivery.body,
        redirect: "manual",
        signal: abort.signal,
      });
      // Read the answer so the connection goes back to the pool.
      await response.arrayBuffer();
      const ok = response.status >= 200 && response.status < 300;
      return finish(response.status, ok ? null : `The app answered ${response.status}`);
    } catch (error) {
      if (timedOut) return finish(null, `No response within ${timeoutMs} ms`);
      return finish(null, describeFetchError(error));
    } finally {
      clearTimeout(timer);
    }
  }

  function settleAfter(delivery: WebhookDelivery, record: DeliveryAttempt): void {
    if (record.error === null) {
      delivery.status = "delivered";
      delivery.nextAttemptAt = null;
      return;
    }
    const retry = delivery.attempts.length - 1;
    if (retry >= retryDelaysMs.length) {
      delivery.status = "gave_up";
      delivery.nextAttemptAt = null;
      return;
    }
    const delayMs = retryDelaysMs[retry];
    delivery.nextAttemptAt = new Date(now().getTime() + delayMs).toISOString();
    retryTimers.set(
      delivery,
      setTimeout(() => {
        retryTimers.delete(delivery);
        ready.push(delivery);
        pump();
      }, delayMs),
    );
  }

  function pendingCount(): number {
    return ready.length + inFlight.size + retryTimers.size;
  }

  function notifyIfIdle(): void {
    if (pendingCount() > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  function trimLog(): void {
    let excess = log.length - logLimit;
    for (let index = 0; excess > 0 && index < log.length; ) {
      if (log[index].status === "pending") {
        index += 1;
      } else {
        log.splice(index, 1);
        excess -= 1;
      }
    }
  }

  return {
    subscriptions,
    enqueue(event) {
      const created = deliveriesFor(event);
      ready.push(...created);
      pump();
      return created;
    },
    async deliverNow(event) {
      const created = deliveriesFor(event);
      await Promise.all(created.map(attempt));
      return created;
    },
    deliveries: () => log,
    idle() {
      if (pendingCount() === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      closed = true;
      for (const [delivery, timer] of retryTimers) {
        clearTimeout(timer);
        delivery.status = "cancelled";
        delivery.nextAttemptAt = null;
      }
      retryTimers.clear();
      for (const delivery of ready.splice(0)) delivery.status = "cancelled";
      const stillRunning = [...inFlight].map(([delivery, { abort, done }]) => {
        delivery.status = "cancelled";
        abort.abort();
        return done;
      });
      await Promise.all(stillRunning);
      notifyIfIdle();
    },
  };
}

/** The headers Shopify sends with every HTTPS delivery. */
export function webhookHeaders(delivery: WebhookDelivery, apiSecret: string): Record<string, string> {
  return {
    "Content-Type": "application/json",
    "User-Agent": USER_AGENT,
    "X-Shopify-Topic": delivery.topic,
    "X-Shopify-Hmac-Sha256": signWebhookBody(delivery.body, apiSecret),
    "X-Shopify-Shop-Domain": delivery.shop,
    "X-Shopify-API-Version": delivery.apiVersion,
    "X-Shopify-Webhook-Id": delivery.webhookId,
    "X-Shopify-Event-Id": delivery.eventId,
    "X-Shopify-Triggered-At": delivery.triggeredAt,
  };
}

/** Base64 HMAC-SHA256 of the exact body bytes, keyed with the app's client secret. */
export function signWebhookBody(body: string, apiSecret: string): string {
  return createHmac("sha256", apiSecret).update(body, "utf8").digest("base64");
}

function toIsoString(value: string | Date): string {
  return typeof value === "string" ? new Date(value).toISOString() : value.toISOString();
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `Could not reach the app (${cause.code})`;
  return `Could not reach the app (${cause?.message ?? (error as Error).message})`;
}
