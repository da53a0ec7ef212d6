/** An order's line item in REST shape, shared by order and refund payloads. */
import { currentQuantity } from "../order-pricing";
import { formatMinorUnits, ZERO_PAIR } from "../money";
import type { LineItemRecord, OrderRecord, TaxLineRecord } from "../records";
import { legacyIdOf, moneySet, shopAmount, type Currencies } from "./rest-format";

export function currenciesOf(order: OrderRecord): Currencies {
  return { shop: order.currency, presentment: order.presentmentCurrency };
}

export function taxLinePayload(taxLine: TaxLineRecord, currencies: Currencies): Record<string, unknown> {
  return {
    channel_liable: false,
    price: shopAmount(taxLine.price, currencies),
    price_set: moneySet(taxLine.price, currencies),
    rate: Number(taxLine.rate),
    title: taxLine.title,
  };
}

export function lineItemPayload(order: OrderRecord, line: LineItemRecord): Record<string, unknown> {
  const currencies = currenciesOf(order);
  const remaining = currentQuantity(order, line);
  return {
    id: legacyIdOf(line.id),
    admin_graphql_api_id: line.id,
    attributed_staffs: [],
    current_quantity: remaining,
    fulfillable_quantity: remaining,
    fulfillment_service: "manual",
    fulfillment_status: null,
    gift_card: false,
    grams: line.grams,
    name: line.variantTitle ? `${line.title} - ${line.variantTitle}` : line.title,
    price: shopAmount(line.unitPrice, currencies),
    price_set: moneySet(line.unitPrice, currencies),
    product_exists: line.productId !== null,
    product_id: line.productId ? legacyIdOf(line.productId) : null,
    properties: [],
    quantity: line.quantity,
    requires_shipping: line.requiresShipping,
    sales_line_item_group_id: null,
    sku: line.sku,
    taxable: line.taxable,
    title: line.title,
    // Deprecated in REST: discount codes show up in discount_allocations, never here.
    total_discount: formatMinorUnits(0, order.currency),
    total_discount_set: moneySet(ZERO_PAIR, currencies),
    variant_id: line.variantId ? legacyIdOf(line.variantId) : null,
    variant_inventory_management: line.variantId ? "shopify" : null,
    variant_title: line.variantTitle,
    vendor: line.vendor,
    tax_lines: line.taxLines.map((taxLine) => taxLinePayload(taxLine, currencies)),
    duties: [],
    discount_allocations: line.discountAllocations.map((allocation) => ({
      amount: shopAmount(allocation.amount, currencies),
      amount_set: moneySet(allocation.amount, currencies),
      discount_application_index: allocation.applicationIndex,
    })),
  };
}

/** Taxes summed by title and rate, as the order-level `tax_lines` list them. */
export function orderTaxLines(order: OrderRecord): TaxLineRecord[] {
  const byKey = new Map<string, TaxLineRecord>();
  for (const line of order.lineItems) {
    for (const taxLine of line.taxLines) {
      const key = `${taxLine.title}|${taxLine.rate}`;
      const seen = byKey.get(key);
      byKey.set(key, seen
        ? { ...seen, price: { shop: seen.price.shop + taxLine.price.shop, presentment: seen.price.presentment + taxLine.price.presentment } }
        : { ...taxLine });
    }
  }
  return [...byKey.values()];
}
