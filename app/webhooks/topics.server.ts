/**
 * What the app does with each webhook topic, in two halves: `read` checks a payload with zod (the route
 * runs it before accepting a delivery, so a malformed one gets a 422 and nothing is stored; the inbox
 * processor runs it again on the stored body, unless the topic's `keep` stored what was read beside
 * it), and `handle` applies it in the processor's transaction, the one that marks the delivery processed.
 */
import { z } from "zod";

import { customerDataReport, redactCustomer } from "../customers/privacy.server";
import { marketingConsentUpsert } from "../follow-ups/consent.server";
import {
  CustomerPayload,
  customerSnapshot,
  EmailMarketingConsentPayload,
  emailMarketingConsentSnapshot,
  keptOrderSnapshot,
  OrderPayload,
  orderSnapshot,
  refundOrderGid,
  RefundWebhookPayload,
  refundSnapshot,
  revivedOrderSnapshot,
} from "../orders/payloads";
import { bulkOperationFinished } from "../orders/history-import.server";
import type { Tx } from "../database/transaction";
import type { ShopProgram } from "../loyalty/program.server";
import { markCustomerDeleted, orderSubjects, syncCustomer, syncRefund, type OrderBatch } from "../orders/sync.server";
import { eraseShop, recordUninstall } from "../shops/installation.server";

/** What a batch of deliveries shares: the shops' programs, read once, and the work done once at its end. */
export interface DeliveryBatch extends OrderBatch {
  program(domain: string): Promise<ShopProgram | null>;
}

/** A stored delivery as the processor hands it to a handler. */
export interface InboxDelivery {
  topic: string;
  shop: string;
  eventId: string;
  webhookId: string;
  triggeredAt: Date | null;
}

export interface PayloadIssue {
  path?: PropertyKey[];
  message: string;
}

/** `shopId`: the Shopify shop id a compliance payload names, which the inbox checks against the stored shop's. */
export type Reading<T> = { ok: true; value: T; shopId?: string } | { ok: false; issues: PayloadIssue[] };

export interface TopicHandler<T> {
  /** `shop` is the X-Shopify-Shop-Domain header's: a payload naming another shop is refused. */
  read(payload: unknown, rawBody: string, shop: string): Reading<T>;
  /**
   * What acceptance keeps of a read value beside the raw body, as text, so the processor need not
   * parse and check the body again; `revive` reads it back, or answers null (kept by another version
   * of the app) and the body is read instead.
   */
  keep?(value: T): string;
  revive?(kept: string): T | null;
  /**
   * The customers and orders (GIDs) the delivery is about, customer first: the processor locks them
   * for the whole batch before applying it. None for a topic about the shop itself.
   */
  subjects?(value: T): string[];
  /**
   * The handler only queues its delivery in the batch (`OrderBatch.syncOrderLater`), stored and applied
   * with the batch's other orders; before any other handler, the queued orders it is about are synced.
   */
  queuesOrders?: boolean;
  /** `batch`: the batch the delivery is applied in (its shop programs, each read once; its subjects locked). */
  handle(tx: Tx, delivery: InboxDelivery, value: T, now: Date, batch: DeliveryBatch): Promise<void>;
}

const topic = <T>(handler: TopicHandler<T>) => handler as TopicHandler<unknown>;

const refused = (issues: PayloadIssue[]): { ok: false; issues: PayloadIssue[] } => ({ ok: false, issues });

const fromZod = <T>(result: z.ZodSafeParseResult<T>): Reading<T> =>
  result.success ? { ok: true, value: result.data } : { ok: false, issues: result.error.issues };

/** Turns a snapshot builder's thrown error (an amount it cannot read exactly) into a refusal. */
function reading<T>(build: () => T): Reading<T> {
  try {
    return { ok: true, value: build() };
  } catch (error) {
    return { ok: false, issues: [{ message: (error as Error).message }] };
  }
}

const orderTopic = topic({
  read(payload) {
    const parsed = OrderPayload.safeParse(payload);
    if (!parsed.success) return refused(parsed.error.issues);
    return reading(() => orderSnapshot(parsed.data));
  },
  keep: keptOrderSnapshot,
  revive: revivedOrderSnapshot,
  subjects: orderSubjects,
  queuesOrders: true,
  async handle(_tx, delivery, snapshot, _now, batch) {
    const shop = await batch.program(delivery.shop);
    // A shop that uninstalled (or was erased) gets nothing stored; Shopify stops sending soon after.
    if (shop) batch.syncOrderLater(shop, snapshot);
  },
});

const customerTopic = topic({
  read(payload) {
    const parsed = CustomerPayload.safeParse(payload);
    return parsed.success ? { ok: true, value: customerSnapshot(parsed.data) } : refused(parsed.error.issues);
  },
  subjects: (customer) => [customer.shopifyId],
  async handle(tx, delivery, customer, now, batch) {
    const shop = await batch.program(delivery.shop);
    if (shop) await syncCustomer(tx, shop, customer, now, batch);
  },
});

const DeletedCustomer = z.object({ admin_graphql_api_id: z.string().regex(/^gid:\/\/shopify\/Customer\/\d+$/) });

const BulkOperationFinish = z.object({ admin_graphql_api_id: z.string().regex(/^gid:\/\/shopify\/BulkOperation\/\d+$/), status: z.string() });

const ScopesUpdate = z.object({ current: z.array(z.string()) });

// Shopify's documented compliance payloads. All three arrive at one route, so each shape refuses the
// others' fields: a customers/data_request body re-sent as shop/redact must not erase the shop.
// Ids are read as numbers past 2^53 too (the exact digits come from the raw body where they matter).
const numericId = z.union([z.number().positive(), z.string().regex(/^\d{1,20}$/)]);
const numericIds = z.array(numericId);
const absent = z.never({ error: "belongs to another topic's payload" }).optional();
const complianceCustomer = z.object({ id: numericId, email: z.string().nullish() });
const ComplianceShape = {
  "customers/data_request": z.object({
    shop_id: numericId,
    shop_domain: z.string(),
    customer: complianceCustomer,
    orders_requested: numericIds,
    data_request: z.object({ id: z.union([z.number(), z.string()]) }),
    orders_to_redact: absent,
  }),
  "customers/redact": z.object({
    shop_id: numericId,
    shop_domain: z.string(),
    customer: complianceCustomer,
    orders_to_redact: numericIds,
    orders_requested: absent,
    data_request: absent,
  }),
  "shop/redact": z.object({
    shop_id: numericId,
    shop_domain: z.string(),
    customer: absent,
    orders_requested: absent,
    orders_to_redact: absent,
    data_request: absent,
  }),
};

/** A compliance payload is about the shop whose header it came with, or it is refused. */
function sameShop(payloadShop: string, shop: string): PayloadIssue[] {
  return payloadShop.toLowerCase() === shop ? [] : [{ path: ["shop_domain"], message: "is not the X-Shopify-Shop-Domain of the delivery" }];
}

/** The payload's `shop_id` as exact digits: from the raw body when JSON.parse could not hold the number. */
function complianceShopId(shopId: number | string, rawBody: string): string {
  if (typeof shopId === "string" || Number.isSafeInteger(shopId)) return String(shopId);
  return /"shop_id"\s*:\s*(\d+)/.exec(rawBody)?.[1] ?? String(shopId);
}

// app/uninstalled carries the shop itself; its myshopify domain (or the custom domain the app accepts) is the header's.
const UninstalledShop = z.object({
  id: numericId,
  myshopify_domain: z.string().nullish(),
  domain: z.string().nullish(),
});

/** The customer's numeric id read from the raw body: JSON.parse cannot hold ids past 2^53 exactly. */
function complianceCustomerGid(rawBody: string): string | null {
  const match = /"customer"\s*:\s*\{[^{}]*?"id"\s*:\s*"?(\d+)/.exec(rawBody);
  return match ? `gid://shopify/Customer/${match[1]}` : null;
}

function customerRequestTopic(name: "customers/data_request" | "customers/redact") {
  return topic({
    read(payload, rawBody, shop) {
      const parsed = ComplianceShape[name].safeParse(payload);
      if (!parsed.success) return refused(parsed.error.issues);
      const otherShop = sameShop(parsed.data.shop_domain, shop);
      if (otherShop.length > 0) return refused(otherShop);
      const customerId = complianceCustomerGid(rawBody);
      if (!customerId) return { ok: false, issues: [{ path: ["customer", "id"], message: "no customer id" }] };
      return { ok: true, value: { customerId, payload: payload as object }, shopId: complianceShopId(parsed.data.shop_id, rawBody) };
    },
    async handle(tx, delivery, { customerId, payload }, now) {
      const shop = await tx.shop.findUnique({ where: { domain: delivery.shop }, select: { id: true } });
      const redacting = name === "customers/redact";
      if (shop && redacting) await redactCustomer(tx, shop.id, customerId, now);
      const report = shop && !redacting ? await customerDataReport(tx, shop.id, customerId) : undefined;
      await tx.complianceRequest.create({
        data: {
          shopDomain: delivery.shop,
          topic: name,
          customerId,
          // A redaction keeps no copy of the personal data it erased.
          payload: redacting ? { customer: { id: customerId } } : payload,
          ...(report ? { report } : {}),
          completedAt: now,
        },
      });
    },
  });
}

/** Every topic the app subscribes to in shopify.app.toml, by Shopify's name for it (X-Shopify-Topic). */
export const WEBHOOK_TOPICS: Record<string, TopicHandler<unknown>> = {
  "orders/create": orderTopic,
  "orders/paid": orderTopic,
  "orders/updated": orderTopic,
  "orders/cancelled": orderTopic,
  "customers/create": customerTopic,
  "customers/update": customerTopic,
  "customers/delete": topic({
    read: (payload) => fromZod(DeletedCustomer.safeParse(payload)),
    subjects: ({ admin_graphql_api_id: customerId }) => [customerId],
    async handle(tx, delivery, { admin_graphql_api_id: customerId }, now, batch) {
      const shop = await batch.program(delivery.shop);
      if (shop) await markCustomerDeleted(tx, shop, customerId, delivery.triggeredAt ?? now, batch);
    },
  }),
  "customers_email_marketing_consent/update": topic({
    read(payload, rawBody) {
      const parsed = EmailMarketingConsentPayload.safeParse(payload);
      if (!parsed.success) return refused(parsed.error.issues);
      const consent = emailMarketingConsentSnapshot(parsed.data, rawBody);
      return consent ? { ok: true, value: consent } : refused([{ message: "no customer_id" }]);
    },
    subjects: (consent) => [consent.customerShopifyId],
    // Recorded for campaigns' counts; a delivery older than the consent recorded changes nothing.
    async handle(tx, delivery, consent, now, batch) {
      const shop = await batch.program(delivery.shop);
      const upsert = shop ? marketingConsentUpsert(shop.id, [consent], now, "if-newer") : null;
      if (upsert) await tx.$executeRaw(upsert);
    },
  }),
  "refunds/create": topic({
    read(payload, rawBody) {
      const parsed = RefundWebhookPayload.safeParse(payload);
      if (!parsed.success) return refused(parsed.error.issues);
      // refunds/create names its order only by the numeric order_id, read exactly from the raw body.
      const orderShopifyId = refundOrderGid(rawBody);
      if (!orderShopifyId) return { ok: false, issues: [{ message: "no order_id" }] };
      return reading(() => refundSnapshot(parsed.data, orderShopifyId));
    },
    // The order's customer is looked up (and locked) by the handler.
    subjects: (refund) => [refund.orderShopifyId],
    async handle(tx, delivery, refund, now, batch) {
      const shop = await batch.program(delivery.shop);
      if (shop) await syncRefund(tx, shop, refund, now);
    },
  }),
  "app/uninstalled": topic({
    read(payload, _rawBody, shop) {
      const parsed = UninstalledShop.safeParse(payload);
      if (!parsed.success) return refused(parsed.error.issues);
      const domains = [parsed.data.myshopify_domain, parsed.data.domain].map((domain) => domain?.toLowerCase());
      if (!domains.includes(shop)) return refused([{ path: ["myshopify_domain"], message: "is not the X-Shopify-Shop-Domain of the delivery" }]);
      return { ok: true, value: parsed.data };
    },
    handle: (tx, delivery, _payload, now) => recordUninstall(tx, delivery.shop, delivery.triggeredAt ?? now),
  }),
  "bulk_operations/finish": topic({
    read: (payload) => fromZod(BulkOperationFinish.safeParse(payload)),
    // Nothing to store: the history import reads the operation's status and result from Shopify itself.
    handle: async (_tx, _delivery, { admin_graphql_api_id: operationId }) => bulkOperationFinished(operationId),
  }),
  "app/scopes_update": topic({
    read: (payload) => fromZod(ScopesUpdate.safeParse(payload)),
    async handle(tx, delivery, { current }) {
      await tx.session.updateMany({ where: { shop: delivery.shop }, data: { scope: current.join(",") } });
    },
  }),
  "customers/data_request": customerRequestTopic("customers/data_request"),
  "customers/redact": customerRequestTopic("customers/redact"),
  "shop/redact": topic({
    read(payload, rawBody, shop) {
      const parsed = ComplianceShape["shop/redact"].safeParse(payload);
      if (!parsed.success) return refused(parsed.error.issues);
      const otherShop = sameShop(parsed.data.shop_domain, shop);
      return otherShop.length > 0 ? refused(otherShop) : { ok: true, value: parsed.data, shopId: complianceShopId(parsed.data.shop_id, rawBody) };
    },
    handle: (tx, delivery) => eraseShop(tx, delivery.shop),
  }),
};
