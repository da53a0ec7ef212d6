/** refunds/create and the `refunds` inside order payloads (REST 2026-07). */
import { formatMinorUnits, ZERO_PAIR, type MoneyPair } from "../money";
import type { OrderRecord, RefundRecord, ShopRecord, TransactionRecord } from "../records";
import { currenciesOf, lineItemPayload } from "./line-item-payload";
import { legacyIdOf, moneySet, restTimestamp } from "./rest-format";

/** The keys a line item keeps when it is embedded in a refund line. */
const REFUNDED_LINE_ITEM_KEYS = [
  "id", "variant_id", "title", "quantity", "sku", "variant_title", "vendor", "fulfillment_service", "product_id",
  "requires_shipping", "taxable", "gift_card", "name", "variant_inventory_management", "properties",
  "product_exists", "fulfillable_quantity", "grams", "price", "total_discount", "fulfillment_status", "price_set",
  "total_discount_set", "discount_allocations", "duties", "admin_graphql_api_id", "tax_lines",
] as const;

export function transactionPayload(order: OrderRecord, transaction: TransactionRecord, shop: ShopRecord): Record<string, unknown> {
  return {
    id: legacyIdOf(transaction.id),
    order_id: legacyIdOf(order.id),
    kind: transaction.kind,
    gateway: transaction.gateway,
    status: transaction.status,
    message: transaction.kind === "refund" ? "This is a refund" : null,
    created_at: restTimestamp(transaction.createdAt, shop.ianaTimezone),
    test: transaction.test,
    authorization: null,
    location_id: null,
    user_id: null,
    parent_id: transaction.parentId ? legacyIdOf(transaction.parentId) : null,
    processed_at: restTimestamp(transaction.createdAt, shop.ianaTimezone),
    device_id: null,
    error_code: null,
    source_name: order.sourceName,
    receipt: {},
    amount: formatMinorUnits(transaction.amount.presentment, order.presentmentCurrency),
    currency: order.presentmentCurrency,
    payment_id: `${order.confirmationNumber}.${order.transactions.indexOf(transaction) + 1}`,
    total_unsettled_set: {
      presentment_money: { amount: "0.0", currency: order.presentmentCurrency },
      shop_money: { amount: "0.0", currency: order.currency },
    },
    manual_payment_gateway: transaction.gateway === "manual",
    amount_rounding: null,
    admin_graphql_api_id: transaction.id,
  };
}

function orderAdjustment(order: OrderRecord, refund: RefundRecord, kind: string, reason: string, given: MoneyPair): Record<string, unknown> {
  const currencies = currenciesOf(order);
  const amount = { shop: -given.shop, presentment: -given.presentment };
  return {
    // One adjustment of each kind per refund: its id follows the refund's.
    id: legacyIdOf(refund.id) * 10 + (kind === "shipping_refund" ? 1 : 2),
    order_id: legacyIdOf(order.id),
    refund_id: legacyIdOf(refund.id),
    amount: formatMinorUnits(amount.shop, order.currency),
    amount_set: moneySet(amount, currencies),
    tax_amount: formatMinorUnits(0, order.currency),
    tax_amount_set: moneySet(ZERO_PAIR, currencies),
    kind,
    reason,
  };
}

export function refundPayload(order: OrderRecord, refund: RefundRecord, shop: ShopRecord): Record<string, unknown> {
  const currencies = currenciesOf(order);
  return {
    id: legacyIdOf(refund.id),
    order_id: legacyIdOf(order.id),
    created_at: restTimestamp(refund.createdAt, shop.ianaTimezone),
    note: refund.note,
    // The dev shop's refunds are issued by its account owner in the admin.
    user_id: legacyIdOf(shop.staff[0].id),
    processed_at: restTimestamp(refund.createdAt, shop.ianaTimezone),
    duties: [],
    total_duties_set: moneySet(ZERO_PAIR, currencies),
    return: null,
    refund_shipping_lines: order.shippingLines
      .filter(() => refund.shipping.presentment !== 0)
      .slice(0, 1)
      .map((shippingLine) => ({
        shipping_line_id: legacyIdOf(shippingLine.id),
        subtotal_amount_set: moneySet(refund.shipping, currencies),
        tax_amount_set: moneySet(ZERO_PAIR, currencies),
      })),
    restock: refund.restock,
    admin_graphql_api_id: refund.id,
    // Shopify records refunded shipping twice over: as a refund shipping line and as an order
    // adjustment of the same money (negative: given back); money beyond the lines is a discrepancy.
    order_adjustments: [
      ...(refund.shipping.presentment !== 0 ? [orderAdjustment(order, refund, "shipping_refund", "Shipping refund", refund.shipping)] : []),
      ...(refund.discrepancy ? [orderAdjustment(order, refund, "refund_discrepancy", "Refund discrepancy", refund.discrepancy)] : []),
    ],
    refund_line_items: refund.refundLineItems.map((refundLine) => {
      const line = order.lineItems.find((candidate) => candidate.id === refundLine.lineItemId);
      if (!line) throw new Error(`Refund ${refund.id} names a line item the order does not have`);
      const fullLine = lineItemPayload(order, line);
      return {
        id: legacyIdOf(refundLine.id),
        quantity: refundLine.quantity,
        line_item_id: legacyIdOf(line.id),
        location_id: null,
        restock_type: refundLine.restockType,
        // REST writes these two as JSON numbers.
        subtotal: Number(formatMinorUnits(refundLine.subtotal.shop, order.currency)),
        total_tax: Number(formatMinorUnits(refundLine.totalTax.shop, order.currency)),
        subtotal_set: moneySet(refundLine.subtotal, currencies),
        total_tax_set: moneySet(refundLine.totalTax, currencies),
        line_item: Object.fromEntries(REFUNDED_LINE_ITEM_KEYS.map((key) => [key, fullLine[key]])),
      };
    }),
    transactions: refund.transactionIds.map((transactionId) => {
      const transaction = order.transactions.find((candidate) => candidate.id === transactionId);
      if (!transaction) throw new Error(`Refund ${refund.id} names a transaction the order does not have`);
      return transactionPayload(order, transaction, shop);
    }),
  };
}
