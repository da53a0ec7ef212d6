/**
 * The fields of Shopify's REST webhook payloads (orders/*, refunds/create, customers/*) the app relies
 * on, validated with zod, turned into the app's own snapshots. Amounts are the shop's currency
 * (`*_set.shop_money`); everything is keyed by `admin_graphql_api_id`, never the numeric id (which can
 * exceed 2^53).
 */
import { z } from "zod";

import { contactKeysOf } from "../loyalty/contact-keys";
import { ONE_UNIT, allocateLargestRemainder, minorUnitOf, parseAmount, type Amount } from "./money";

// Bounds of what the app stores, checked when a delivery is accepted (422 beyond them) so the inbox
// processor can always store what was accepted: Shopify's ids are 64-bit, its quantities 32-bit Ints,
// and no real order is dated outside 2000–2099 or worth ten billion in its currency.
const MAX_INT = 2 ** 31 - 1;
/** The largest amount, in the shop's currency, of one order, refund or line (Decimal(18, 4) holds 10^14). */
export const MAX_ORDER_AMOUNT = 10_000_000_000;
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

const gidPattern = (type: string) => new RegExp(`^gid://shopify/${type}/\\d{1,20}$`);
const gid = (type: string) => z.string().regex(gidPattern(type), `must be a ${type} GID`);
const inCenturies = (value: string) => {
  const time = Date.parse(value);
  return time >= EARLIEST && time < LATEST;
};
const timestamp = z.string().refine(inCenturies, "must be a timestamp in 2000–2099");
/** The longest email the app stores. */
const MAX_EMAIL = 320;
const decimal = z.union([z.string(), z.number()]).refine((value) => /^-?\d+(\.\d+)?$/.test(String(value)), "must be a decimal");
const moneySet = z.object({ shop_money: z.object({ amount: decimal, currency_code: z.string() }) });
// Numbers past 2^53 are real here (gidOf then gives null); strings must be ids.
const legacyId = z.union([z.number().nonnegative(), z.string().regex(/^\d{1,20}$/)]).nullish();
// Emails are indexed: a btree index row holds at most 2,704 bytes.
const email = z.string().max(MAX_EMAIL).nullish();

const AddressPayload = z
  .object({
    address1: z.string().nullish(),
    address2: z.string().nullish(),
    zip: z.string().nullish(),
    country_code: z.string().nullish(),
    phone: z.string().nullish(),
  })
  .nullish();

export const CustomerPayload = z.object({
  admin_graphql_api_id: gid("Customer"),
  email,
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  phone: z.string().nullish(),
  state: z.string().nullish(),
  created_at: timestamp.nullish(),
  updated_at: timestamp.nullish(),
  default_address: AddressPayload,
  addresses: z.array(AddressPayload).nullish(),
});

const RefundPayload = z.object({
  admin_graphql_api_id: gid("Refund"),
  created_at: timestamp,
  refund_line_items: z.array(z.object({ subtotal_set: moneySet, total_tax_set: moneySet })).default([]),
  refund_shipping_lines: z.array(z.object({ subtotal_amount_set: moneySet, tax_amount_set: moneySet.nullish() })).nullish(),
  order_adjustments: z
    .array(z.object({ kind: z.string().nullish(), amount_set: moneySet.nullish(), tax_amount_set: moneySet.nullish() }))
    .default([]),
});
export const RefundWebhookPayload = RefundPayload;

export const OrderPayload = z.object({
  admin_graphql_api_id: gid("Order"),
  name: z.string(),
  email,
  currency: z.string(),
  financial_status: z.string().nullish(),
  created_at: timestamp,
  updated_at: timestamp,
  cancelled_at: timestamp.nullish(),
  cancel_reason: z.string().nullish(),
  test: z.boolean().nullish(),
  subtotal_price_set: moneySet,
  total_tax_set: moneySet.nullish(),
  total_discounts_set: moneySet.nullish(),
  total_price_set: moneySet,
  discount_codes: z.array(z.object({ code: z.string() })).default([]),
  shipping_lines: z.array(z.object({ discounted_price_set: moneySet.nullish(), price_set: moneySet })).default([]),
  phone: z.string().nullish(),
  shipping_address: AddressPayload,
  billing_address: AddressPayload,
  customer: CustomerPayload.nullish(),
  line_items: z.array(
    z.object({
      admin_graphql_api_id: gid("LineItem"),
      product_id: legacyId,
      variant_id: legacyId,
      title: z.string(),
      quantity: z.number().int().min(0).max(MAX_INT),
      price_set: moneySet,
      discount_allocations: z.array(z.object({ amount_set: moneySet })).default([]),
    }),
  ),
  refunds: z.array(RefundPayload).default([]),
  fulfillments: z.array(z.object({ created_at: timestamp, status: z.string().nullish() })).default([]),
});

export interface CustomerSnapshot {
  shopifyId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  addressKey: string | null;
  hasAccount: boolean;
  shopifyCreatedAt: Date | null;
  shopifyUpdatedAt: Date | null;
  /** Hashes of the email, phones and addresses on the record (loyalty/contact-keys.ts). */
  contactKeys?: string[];
}

export interface RefundSnapshot {
  shopifyId: string;
  orderShopifyId: string;
  /** Merchandise given back: refund lines plus `discrepancy`. */
  subtotal: Amount;
  /** Money given back beyond the refund lines (refund_discrepancy adjustments); part of subtotal. */
  discrepancy: Amount;
  shipping: Amount;
  tax: Amount;
  total: Amount;
  refundedAt: Date;
}

export interface LineItemSnapshot {
  shopifyId: string;
  productShopifyId: string | null;
  variantShopifyId: string | null;
  title: string;
  quantity: number;
  price: Amount;
  discount: Amount;
}

export interface OrderSnapshot {
  shopifyId: string;
  name: string;
  email: string | null;
  currencyCode: string;
  financialStatus: string;
  subtotal: Amount;
  shipping: Amount;
  tax: Amount;
  totalDiscounts: Amount;
  total: Amount;
  discountCodes: string[];
  test: boolean;
  cancelledAt: Date | null;
  cancelReason: string | null;
  /** The earliest successful fulfilment Shopify lists (surveys are timed from it); absent or null while unfulfilled. */
  fulfilledAt?: Date | null;
  placedAt: Date;
  shopifyUpdatedAt: Date;
  customer: CustomerSnapshot | null;
  /** Hashes of the order's email, phone, shipping and billing addresses (loyalty/contact-keys.ts). */
  contactKeys?: string[];
  lineItems: LineItemSnapshot[];
  refunds: RefundSnapshot[];
}

/** An amount the app stores: within ±MAX_ORDER_AMOUNT, or the payload is refused. */
function bounded(amount: Amount): Amount {
  if (Math.abs(amount) > MAX_ORDER_AMOUNT * ONE_UNIT) throw new Error(`Amount above ${MAX_ORDER_AMOUNT.toLocaleString("en")}: ${amount / ONE_UNIT}`);
  return amount;
}
const shop = (set: z.infer<typeof moneySet> | null | undefined): Amount => (set ? bounded(parseAmount(set.shop_money.amount)) : 0);
const date = (value: string | null | undefined) => (value ? new Date(value) : null);

/** A REST numeric id as a GID, or null when it cannot be represented exactly. */
function gidOf(type: string, id: number | string | null | undefined): string | null {
  if (id === null || id === undefined) return null;
  if (typeof id === "number" && !Number.isSafeInteger(id)) return null;
  return `gid://shopify/${type}/${id}`;
}

/** Same street, postcode and country: how self-referrals from one household are recognised. */
export function addressKeyOf(address: { address1?: string | null; zip?: string | null; country_code?: string | null } | null | undefined): string | null {
  if (!address?.address1) return null;
  const normalise = (value: string | null | undefined) => (value ?? "").toLowerCase().replace(/[^a-z0-9]/g, "");
  return [normalise(address.address1), normalise(address.zip), normalise(address.country_code)].join("|");
}

export function customerSnapshot(payload: z.infer<typeof CustomerPayload>): CustomerSnapshot {
  return {
    shopifyId: payload.admin_graphql_api_id,
    email: payload.email?.toLowerCase() ?? null,
    firstName: payload.first_name ?? null,
    lastName: payload.last_name ?? null,
    phone: payload.phone ?? null,
    addressKey: addressKeyOf(payload.default_address),
    hasAccount: payload.state === "enabled",
    shopifyCreatedAt: date(payload.created_at),
    shopifyUpdatedAt: date(payload.updated_at),
    contactKeys: contactKeysOf({
      emails: [payload.email],
      phones: [payload.phone, payload.default_address?.phone, ...(payload.addresses ?? []).map((address) => address?.phone)],
      addresses: [payload.default_address, ...(payload.addresses ?? [])],
    }),
  };
}

/**
 * What one refund gives back, each amount once:
 * - merchandise: its refund lines' subtotals, plus money returned without refund lines (a
 *   `refund_discrepancy` adjustment, negative when money went back: units an edit removed after
 *   payment, or an amount refunded by hand);
 * - shipping: Shopify lists it in `refund_shipping_lines` and, in older and some current payloads,
 *   as a `shipping_refund` adjustment carrying the same money: the shipping lines when there are any,
 *   else the adjustments, never both.
 */
export function refundSnapshot(payload: z.infer<typeof RefundPayload>, orderShopifyId: string): RefundSnapshot {
  const sum = <T>(items: T[], amount: (item: T) => Amount) => items.reduce((total, item) => total + amount(item), 0);
  const adjustments = (kind: string) => payload.order_adjustments.filter((adjustment) => adjustment.kind === kind);
  const lines = payload.refund_line_items;
  const shippingLines = payload.refund_shipping_lines ?? [];
  const shippingAdjustments = adjustments("shipping_refund");
  const discrepancies = adjustments("refund_discrepancy");

  const discrepancy = -sum(discrepancies, (adjustment) => shop(adjustment.amount_set));
  const subtotal = sum(lines, (line) => shop(line.subtotal_set)) + discrepancy;
  const fromShippingLines = shippingLines.length > 0;
  const shipping = fromShippingLines
    ? sum(shippingLines, (line) => shop(line.subtotal_amount_set))
    : -sum(shippingAdjustments, (adjustment) => shop(adjustment.amount_set));
  const shippingTax = fromShippingLines
    ? sum(shippingLines, (line) => shop(line.tax_amount_set))
    : -sum(shippingAdjustments, (adjustment) => shop(adjustment.tax_amount_set));
  const tax = sum(lines, (line) => shop(line.total_tax_set)) + shippingTax - sum(discrepancies, (adjustment) => shop(adjustment.tax_amount_set));
  return {
    shopifyId: payload.admin_graphql_api_id,
    orderShopifyId,
    subtotal: bounded(subtotal),
    discrepancy: bounded(discrepancy),
    shipping: bounded(shipping),
    tax: bounded(tax),
    total: bounded(subtotal + shipping + tax),
    refundedAt: new Date(payload.created_at),
  };
}

/**
 * Each line's discount, reconciled with the order's own figure: `subtotal_price` is the lines after
 * every discount (line-level and order-level, lines added by edits included), so what the lines'
 * `discount_allocations` leave unexplained is an order-level discount, shared among the lines in
 * proportion to what they cost after their own discounts, in whole minor units (largest remainder).
 */
export function reconciledLineDiscounts(
  lines: { price: Amount; quantity: number; discount: Amount }[],
  subtotal: Amount,
  currencyCode: string,
): Amount[] {
  const own = lines.map((line) => line.discount);
  const net = lines.map((line) => line.price * line.quantity - line.discount);
  const unexplained = net.reduce((total, amount) => total + amount, 0) - subtotal;
  const ownTotal = own.reduce((total, amount) => total + amount, 0);
  if (unexplained === 0 || lines.length === 0) return own;
  const unit = minorUnitOf(currencyCode);
  if (unexplained > 0) {
    const shares = allocateLargestRemainder(unexplained, net, unit);
    return own.map((discount, index) => discount + shares[index]);
  }
  // The allocations say more than the order: take the excess back from them, never below zero.
  if (ownTotal < -unexplained) return own;
  const shares = allocateLargestRemainder(-unexplained, own, unit);
  return own.map((discount, index) => discount - shares[index]);
}

export function orderSnapshot(payload: z.infer<typeof OrderPayload>): OrderSnapshot {
  const orderId = payload.admin_graphql_api_id;
  // The reports store an order's sales (line price × quantity − discounts) in the same bounds.
  bounded(payload.line_items.reduce((sum, line) => sum + shop(line.price_set) * line.quantity, 0));
  const subtotal = shop(payload.subtotal_price_set);
  const currencyCode = payload.subtotal_price_set.shop_money.currency_code;
  const lines = payload.line_items.map((line) => ({
    shopifyId: line.admin_graphql_api_id,
    productShopifyId: gidOf("Product", line.product_id),
    variantShopifyId: gidOf("ProductVariant", line.variant_id),
    title: line.title,
    quantity: line.quantity,
    price: shop(line.price_set),
    discount: line.discount_allocations.reduce((sum, allocation) => sum + shop(allocation.amount_set), 0),
  }));
  const discounts = reconciledLineDiscounts(lines, subtotal, currencyCode);
  const lineItems = lines.map((line, index) => ({ ...line, discount: discounts[index] }));
  return {
    shopifyId: orderId,
    name: payload.name,
    email: payload.email?.toLowerCase() ?? null,
    currencyCode,
    financialStatus: payload.financial_status ?? "pending",
    subtotal,
    shipping: bounded(payload.shipping_lines.reduce((sum, line) => sum + shop(line.discounted_price_set ?? line.price_set), 0)),
    tax: shop(payload.total_tax_set),
    totalDiscounts: shop(payload.total_discounts_set),
    total: shop(payload.total_price_set),
    discountCodes: payload.discount_codes.map((discount) => discount.code),
    test: payload.test ?? false,
    cancelledAt: date(payload.cancelled_at),
    cancelReason: payload.cancel_reason ?? null,
    fulfilledAt: earliestFulfilment(payload.fulfillments),
    placedAt: new Date(payload.created_at),
    shopifyUpdatedAt: new Date(payload.updated_at),
    customer: payload.customer ? customerSnapshot(payload.customer) : null,
    contactKeys: contactKeysOf({
      emails: [payload.email],
      phones: [payload.phone, payload.shipping_address?.phone, payload.billing_address?.phone],
      addresses: [payload.shipping_address, payload.billing_address],
    }),
    lineItems,
    refunds: payload.refunds.map((refund) => refundSnapshot(refund, orderId)),
  };
}

/** A snapshot as JSON holds it: its dates as ISO strings. */
type Kept<T> = T extends Date ? string : T extends (infer U)[] ? Kept<U>[] : T extends object ? { [K in keyof T]: Kept<T[K]> } : T;

/** The kept form's version: a delivery kept by another version of the app is read again from its body. */
const KEPT_ORDER_VERSION = 1;

/**
 * The snapshot as the inbox keeps it beside the raw body (webhooks/inbox.server.ts), so the processor
 * reads it back with one small JSON.parse instead of parsing, checking and reading the payload again.
 */
export function keptOrderSnapshot(snapshot: OrderSnapshot): string {
  return JSON.stringify({ v: KEPT_ORDER_VERSION, order: snapshot });
}

const keptDate = (value: string | null | undefined) => (value === null || value === undefined ? null : new Date(value));

/** What `keptOrderSnapshot` kept, or null when another version kept it (then the body is read). */
export function revivedOrderSnapshot(kept: string): OrderSnapshot | null {
  const { v, order } = JSON.parse(kept) as { v: unknown; order: Kept<OrderSnapshot> };
  if (v !== KEPT_ORDER_VERSION) return null;
  const { fulfilledAt, ...rest } = order;
  return {
    ...rest,
    cancelledAt: keptDate(order.cancelledAt),
    ...(fulfilledAt === undefined ? {} : { fulfilledAt: keptDate(fulfilledAt) }),
    placedAt: new Date(order.placedAt),
    shopifyUpdatedAt: new Date(order.shopifyUpdatedAt),
    customer: order.customer
      ? { ...order.customer, shopifyCreatedAt: keptDate(order.customer.shopifyCreatedAt), shopifyUpdatedAt: keptDate(order.customer.shopifyUpdatedAt) }
      : null,
    refunds: order.refunds.map((refund) => ({ ...refund, refundedAt: new Date(refund.refundedAt) })),
  };
}

/** Shopify's fulfilment statuses that did not ship anything. */
const UNSHIPPED_FULFILMENT = new Set(["cancelled", "error", "failure"]);

function earliestFulfilment(fulfillments: { created_at: string; status?: string | null }[]): Date | null {
  const times = fulfillments.filter((f) => !UNSHIPPED_FULFILMENT.has(f.status ?? "")).map((f) => new Date(f.created_at).getTime());
  return times.length ? new Date(Math.min(...times)) : null;
}

/**
 * refunds/create names its order only by the numeric `order_id`, which JSON.parse cannot hold exactly
 * past 2^53: read it from the raw body's text instead (every order_id in a refund is the same order).
 */
export function refundOrderGid(rawBody: string): string | null {
  return gidFromRawBody(rawBody, "order_id", "Order");
}

/** A numeric id the payload names by `field`, read from the raw body's text (exact past 2^53) as a GID of `type`. */
function gidFromRawBody(rawBody: string, field: string, type: string): string | null {
  const match = new RegExp(`"${field}"\\s*:\\s*"?(\\d+)`).exec(rawBody);
  return match ? `gid://shopify/${type}/${match[1]}` : null;
}

/**
 * customers_email_marketing_consent/update: the customer by numeric `customer_id` only (read exactly
 * from the raw body, as refunds/create's order), the address and the consent in REST's lower case.
 */
export const EmailMarketingConsentPayload = z.object({
  customer_id: z.union([z.number().nonnegative(), z.string().regex(/^\d{1,20}$/)]),
  email_address: z.string().max(320).nullish(),
  email_marketing_consent: z.object({ state: z.string().min(1).max(40), opt_in_level: z.string().max(40).nullish(), consent_updated_at: timestamp.nullish() }),
});

export function emailMarketingConsentSnapshot(payload: z.infer<typeof EmailMarketingConsentPayload>, rawBody: string): ConsentSnapshot | null {
  const customerShopifyId = gidFromRawBody(rawBody, "customer_id", "Customer");
  if (!customerShopifyId) return null;
  const consent = payload.email_marketing_consent;
  return { customerShopifyId, state: consent.state.toLowerCase(), updatedAt: consent.consent_updated_at ? new Date(consent.consent_updated_at) : null };
}

/*
 * The history import's Bulk Operation lines (Admin GraphQL, camelCase; HISTORY_CUSTOMERS_BULK_QUERY and
 * HISTORY_ORDERS_BULK_QUERY in shopify/operations.ts), checked with the same bounds as the webhooks'
 * and turned into the same snapshots, so both paths store the same thing. Each order's line items
 * follow it on their own lines, naming it in `__parentId`.
 */
// GraphQL's Decimal is a string; parseAmount refuses one that is not a plain decimal.
const bulkMoney = z.object({ shopMoney: z.object({ amount: z.string(), currencyCode: z.string().nullish() }) }).nullish();
const bulkNode = (type: string) => z.object({ id: gid(type) }).nullish();

export const BulkCustomerLine = z.object({
  id: gid("Customer"),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  phone: z.string().nullish(),
  state: z.string().nullish(),
  createdAt: timestamp,
  updatedAt: timestamp,
  defaultEmailAddress: z.object({ emailAddress: email, marketingState: z.string().max(40).nullish(), marketingUpdatedAt: timestamp.nullish() }).nullish(),
  defaultAddress: z.object({ address1: z.string().nullish(), zip: z.string().nullish(), countryCodeV2: z.string().nullish() }).nullish(),
});

export const BulkOrderLine = z.object({
  id: gid("Order"),
  name: z.string(),
  email,
  createdAt: timestamp,
  updatedAt: timestamp,
  cancelledAt: timestamp.nullish(),
  cancelReason: z.string().nullish(),
  test: z.boolean().nullish(),
  displayFinancialStatus: z.string().nullish(),
  discountCodes: z.array(z.string()).nullish(),
  customer: bulkNode("Customer"),
  subtotalPriceSet: bulkMoney,
  totalShippingPriceSet: bulkMoney,
  totalTaxSet: bulkMoney,
  totalDiscountsSet: bulkMoney,
  totalPriceSet: bulkMoney,
  currentSubtotalPriceSet: bulkMoney,
  currentShippingPriceSet: bulkMoney,
  currentTotalTaxSet: bulkMoney,
  // A refund's createdAt is nullable in the Admin schema: one without it cannot be dated and is left out.
  refunds: z.array(z.object({ id: gid("Refund"), createdAt: timestamp.nullish(), totalRefundedSet: bulkMoney })).nullish(),
});

export const BulkLineItemLine = z.object({
  id: gid("LineItem"),
  title: z.string(),
  quantity: z.number().int().min(0).max(MAX_INT),
  product: bulkNode("Product"),
  variant: bulkNode("ProductVariant"),
  originalUnitPriceSet: bulkMoney,
  totalDiscountSet: bulkMoney,
  __parentId: gid("Order"),
});

/*
 * The import reads millions of these lines, and zod's checks and the copy it makes of each line took
 * a third of the import's own time. A line the checks below accept, the schemas above accept as it
 * is (the checks are the schemas' own, field by field, and refuse anything else, such as an unusual
 * but valid shape, for zod to decide): it is used without the copy. Any other line goes through zod,
 * which accepts it or refuses it with the same issues as before. tests/app/bulk-lines.property.test.ts
 * holds the checks to the schemas.
 */
type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain => typeof value === "object" && value !== null && !Array.isArray(value);
const isNullish = (value: unknown) => value === null || value === undefined;
const isNullishString = (value: unknown) => isNullish(value) || typeof value === "string";
const isTimestamp = (value: unknown) => typeof value === "string" && inCenturies(value);
const ORDER_GID = gidPattern("Order");
const LINE_ITEM_GID = gidPattern("LineItem");
const CUSTOMER_GID = gidPattern("Customer");
const PRODUCT_GID = gidPattern("Product");
const VARIANT_GID = gidPattern("ProductVariant");
const REFUND_GID = gidPattern("Refund");
const isGid = (value: unknown, pattern: RegExp) => typeof value === "string" && pattern.test(value);
const isBulkNode = (value: unknown, pattern: RegExp) => isNullish(value) || (isPlain(value) && isGid(value.id, pattern));
const isBulkMoney = (value: unknown) =>
  isNullish(value) || (isPlain(value) && isPlain(value.shopMoney) && typeof value.shopMoney.amount === "string" && isNullishString(value.shopMoney.currencyCode));
const isBulkRefund = (value: unknown) =>
  isPlain(value) && isGid(value.id, REFUND_GID) && (isNullish(value.createdAt) || isTimestamp(value.createdAt)) && isBulkMoney(value.totalRefundedSet);

function isBulkOrderLine(line: Plain): boolean {
  return (
    isGid(line.id, ORDER_GID) && typeof line.name === "string" &&
    (isNullish(line.email) || (typeof line.email === "string" && line.email.length <= MAX_EMAIL)) &&
    isTimestamp(line.createdAt) && isTimestamp(line.updatedAt) && (isNullish(line.cancelledAt) || isTimestamp(line.cancelledAt)) &&
    isNullishString(line.cancelReason) && (isNullish(line.test) || typeof line.test === "boolean") && isNullishString(line.displayFinancialStatus) &&
    (isNullish(line.discountCodes) || (Array.isArray(line.discountCodes) && line.discountCodes.every((code) => typeof code === "string"))) &&
    isBulkNode(line.customer, CUSTOMER_GID) &&
    isBulkMoney(line.subtotalPriceSet) && isBulkMoney(line.totalShippingPriceSet) && isBulkMoney(line.totalTaxSet) &&
    isBulkMoney(line.totalDiscountsSet) && isBulkMoney(line.totalPriceSet) && isBulkMoney(line.currentSubtotalPriceSet) &&
    isBulkMoney(line.currentShippingPriceSet) && isBulkMoney(line.currentTotalTaxSet) &&
    (isNullish(line.refunds) || (Array.isArray(line.refunds) && line.refunds.every(isBulkRefund)))
  );
}

function isBulkLineItemLine(line: Plain): boolean {
  const quantity = line.quantity;
  return (
    isGid(line.id, LINE_ITEM_GID) && typeof line.title === "string" &&
    typeof quantity === "number" && Number.isInteger(quantity) && quantity >= 0 && quantity <= MAX_INT &&
    isBulkNode(line.product, PRODUCT_GID) && isBulkNode(line.variant, VARIANT_GID) &&
    isBulkMoney(line.originalUnitPriceSet) && isBulkMoney(line.totalDiscountSet) && isGid(line.__parentId, ORDER_GID)
  );
}

/** A parsed JSONL order line as `BulkOrderLine` reads it; throws its ZodError when the schema refuses it. */
export function readBulkOrderLine(line: unknown): z.infer<typeof BulkOrderLine> {
  return isPlain(line) && isBulkOrderLine(line) ? (line as z.infer<typeof BulkOrderLine>) : BulkOrderLine.parse(line);
}

/** A parsed JSONL line item as `BulkLineItemLine` reads it; throws its ZodError when the schema refuses it. */
export function readBulkLineItemLine(line: unknown): z.infer<typeof BulkLineItemLine> {
  return isPlain(line) && isBulkLineItemLine(line) ? (line as z.infer<typeof BulkLineItemLine>) : BulkLineItemLine.parse(line);
}

const bulkShop = (set: z.infer<typeof bulkMoney>): Amount => (set ? bounded(parseAmount(set.shopMoney.amount)) : 0);

/** What an order tells of its customer: only the id. Stored, it creates the customer and never overwrites one (no updated_at). */
export function customerStub(shopifyId: string): CustomerSnapshot {
  return { shopifyId, email: null, firstName: null, lastName: null, phone: null, addressKey: null, hasAccount: false, shopifyCreatedAt: null, shopifyUpdatedAt: null };
}

/** A customer's email marketing consent as Shopify states it (lower case, as MarketingConsent keeps it). */
export interface ConsentSnapshot {
  customerShopifyId: string;
  state: string;
  updatedAt: Date | null;
}

/** The consent an imported customer line carries; null without an address (nothing to consent with). */
export function bulkCustomerConsent(line: z.infer<typeof BulkCustomerLine>): ConsentSnapshot | null {
  const address = line.defaultEmailAddress;
  if (!address?.emailAddress) return null;
  return { customerShopifyId: line.id, state: (address.marketingState ?? "NOT_SUBSCRIBED").toLowerCase(), updatedAt: address.marketingUpdatedAt ? new Date(address.marketingUpdatedAt) : null };
}

export function bulkCustomerSnapshot(line: z.infer<typeof BulkCustomerLine>): CustomerSnapshot {
  const address = line.defaultAddress;
  return {
    shopifyId: line.id,
    email: line.defaultEmailAddress?.emailAddress?.toLowerCase() ?? null,
    firstName: line.firstName ?? null,
    lastName: line.lastName ?? null,
    phone: line.phone ?? null,
    addressKey: addressKeyOf(address && { address1: address.address1, zip: address.zip, country_code: address.countryCodeV2 }),
    hasAccount: line.state === "ENABLED",
    shopifyCreatedAt: new Date(line.createdAt),
    shopifyUpdatedAt: new Date(line.updatedAt),
  };
}

/**
 * Bulk queries cannot reach a refund's line items (a connection inside a list), only its total; the
 * order's refunded subtotal, shipping and tax (original minus current) are shared among its refunds
 * in proportion to their totals, the last taking the rounding.
 */
export function splitImportedRefunds(
  refunded: { subtotal: Amount; shipping: Amount; tax: Amount },
  refunds: { shopifyId: string; total: Amount; refundedAt: string }[],
) {
  const sum = refunds.reduce((total, refund) => total + refund.total, 0);
  const left = { ...refunded };
  return refunds.map((refund, index) => {
    const last = index === refunds.length - 1;
    const share = (part: Amount) => (sum > 0 ? Math.floor((part * refund.total) / sum) : 0);
    const parts = last ? { ...left } : { subtotal: share(refunded.subtotal), shipping: share(refunded.shipping), tax: share(refunded.tax) };
    left.subtotal -= parts.subtotal;
    left.shipping -= parts.shipping;
    left.tax -= parts.tax;
    return { ...refund, ...parts };
  });
}

/** An order and its line items from a bulk result, as the same snapshot a webhook gives. */
export function bulkOrderSnapshot(line: z.infer<typeof BulkOrderLine>, items: z.infer<typeof BulkLineItemLine>[]): OrderSnapshot {
  const subtotal = bulkShop(line.subtotalPriceSet);
  const shipping = bulkShop(line.totalShippingPriceSet);
  const tax = bulkShop(line.totalTaxSet);
  const currencyCode = line.subtotalPriceSet?.shopMoney.currencyCode ?? "";
  const lines = items.map((item) => ({
    shopifyId: item.id,
    productShopifyId: item.product?.id ?? null,
    variantShopifyId: item.variant?.id ?? null,
    title: item.title,
    quantity: item.quantity,
    price: bulkShop(item.originalUnitPriceSet),
    // A line's totalDiscountSet leaves out order-level discounts: reconciled with the order's subtotal below.
    discount: bulkShop(item.totalDiscountSet),
  }));
  // The reports store an order's sales (line price × quantity − discounts) in the same bounds.
  bounded(lines.reduce((sum, item) => sum + item.price * item.quantity, 0));
  const discounts = reconciledLineDiscounts(lines, subtotal, currencyCode);
  const dated = (line.refunds ?? []).flatMap((refund) =>
    refund.createdAt ? [{ shopifyId: refund.id, total: bulkShop(refund.totalRefundedSet), refundedAt: refund.createdAt }] : [],
  );
  const refunds = dated.length === 0 ? [] : splitImportedRefunds(
    {
      subtotal: Math.max(0, subtotal - bulkShop(line.currentSubtotalPriceSet)),
      shipping: Math.max(0, shipping - bulkShop(line.currentShippingPriceSet)),
      tax: Math.max(0, tax - bulkShop(line.currentTotalTaxSet)),
    },
    dated,
  );
  return {
    shopifyId: line.id,
    name: line.name,
    email: line.email?.toLowerCase() ?? null,
    currencyCode,
    financialStatus: line.displayFinancialStatus?.toLowerCase() ?? "pending",
    subtotal,
    shipping,
    tax,
    totalDiscounts: bulkShop(line.totalDiscountsSet),
    total: bulkShop(line.totalPriceSet),
    discountCodes: line.discountCodes ?? [],
    test: line.test ?? false,
    cancelledAt: date(line.cancelledAt),
    cancelReason: line.cancelReason?.toLowerCase() ?? null,
    placedAt: new Date(line.createdAt),
    shopifyUpdatedAt: new Date(line.updatedAt),
    customer: line.customer ? customerStub(line.customer.id) : null,
    lineItems: lines.map((item, index) => ({ ...item, discount: discounts[index] })),
    refunds: refunds.map((refund) => ({
      shopifyId: refund.shopifyId,
      orderShopifyId: line.id,
      subtotal: refund.subtotal,
      discrepancy: 0,
      shipping: refund.shipping,
      tax: refund.tax,
      total: refund.total,
      refundedAt: new Date(refund.refundedAt),
    })),
  };
}
