/** orders/create, orders/paid, orders/updated and orders/cancelled share this shape (REST 2026-07). */
import { formatMinorUnits, ZERO_PAIR } from "../money";
import { orderTotals, shippingAfterDiscount } from "../order-pricing";
import type { CustomerRecord, OrderRecord, ShopRecord } from "../records";
import { embeddedCustomerPayload } from "./customer-payload";
import { currenciesOf, lineItemPayload, orderTaxLines, taxLinePayload } from "./line-item-payload";
import { refundPayload } from "./refund-payload";
import { legacyIdOf, moneySet, orderAddressPayload, restTags, restTimestamp, shopAmount } from "./rest-format";

/** The Online Store sales channel's app id, which web checkouts carry. */
const ONLINE_STORE_APP_ID = 580111;

export function orderPayload(order: OrderRecord, customer: CustomerRecord | null, shop: ShopRecord): Record<string, unknown> {
  const currencies = currenciesOf(order);
  const totals = orderTotals(order);
  const at = (iso: string | null) => restTimestamp(iso, shop.ianaTimezone);
  const money = (pair: typeof ZERO_PAIR) => moneySet(pair, currencies);
  const amount = (pair: typeof ZERO_PAIR) => shopAmount(pair, currencies);
  const shopLegacyId = legacyIdOf(shop.id);
  return {
    id: legacyIdOf(order.id),
    admin_graphql_api_id: order.id,
    app_id: order.sourceName === "web" ? ONLINE_STORE_APP_ID : null,
    browser_ip: null,
    buyer_accepts_marketing: order.buyerAcceptsMarketing,
    cancel_reason: order.cancelReason,
    cancelled_at: at(order.cancelledAt),
    cart_token: null,
    checkout_token: null,
    client_details: null,
    closed_at: at(order.closedAt),
    confirmation_number: order.confirmationNumber,
    confirmed: true,
    contact_email: order.email,
    created_at: at(order.createdAt),
    currency: order.currency,
    current_shipping_price_set: money(totals.current.shipping),
    current_subtotal_price: amount(totals.current.subtotal),
    current_subtotal_price_set: money(totals.current.subtotal),
    current_total_additional_fees_set: null,
    current_total_discounts: amount(totals.current.totalDiscounts),
    current_total_discounts_set: money(totals.current.totalDiscounts),
    current_total_duties_set: null,
    current_total_price: amount(totals.current.total),
    current_total_price_set: money(totals.current.total),
    current_total_tax: amount(totals.current.tax),
    current_total_tax_set: money(totals.current.tax),
    customer_locale: order.customerLocale,
    device_id: null,
    discount_codes: order.discountCodes.map((discountCode) => ({
      code: discountCode.code,
      amount: formatMinorUnits(discountCode.amount.presentment, order.presentmentCurrency),
      type: discountCode.type,
    })),
    duties_included: false,
    email: order.email,
    estimated_taxes: false,
    financial_status: order.financialStatus,
    fulfillment_status: order.fulfillment ? "fulfilled" : null,
    landing_site: null,
    landing_site_ref: null,
    location_id: null,
    merchant_business_entity_id: Buffer.from(String(shopLegacyId)).toString("base64").replace(/=+$/, ""),
    merchant_of_record_app_id: null,
    name: order.name,
    note: order.note,
    note_attributes: [],
    number: order.number - 1000,
    order_number: order.number,
    order_status_url: `https://${shop.myshopifyDomain}/${shopLegacyId}/orders/${order.token}/authenticate?key=${order.token.slice(0, 16)}`,
    original_total_additional_fees_set: null,
    original_total_duties_set: null,
    payment_gateway_names: [...new Set(order.transactions.map((transaction) => transaction.gateway))],
    phone: order.phone,
    po_number: null,
    presentment_currency: order.presentmentCurrency,
    processed_at: at(order.processedAt),
    reference: null,
    referring_site: null,
    source_identifier: null,
    source_name: order.sourceName,
    source_url: null,
    subtotal_price: amount(totals.subtotal),
    subtotal_price_set: money(totals.subtotal),
    tags: restTags(order.tags),
    tax_exempt: false,
    tax_lines: orderTaxLines(order).map((taxLine) => taxLinePayload(taxLine, currencies)),
    taxes_included: false,
    test: order.test,
    token: order.token,
    total_cash_rounding_payment_adjustment_set: money(ZERO_PAIR),
    total_cash_rounding_refund_adjustment_set: money(ZERO_PAIR),
    total_discounts: amount(totals.totalDiscounts),
    total_discounts_set: money(totals.totalDiscounts),
    total_line_items_price: amount(totals.lineItemsPrice),
    total_line_items_price_set: money(totals.lineItemsPrice),
    total_outstanding: amount(totals.outstanding),
    total_price: amount(totals.total),
    total_price_set: money(totals.total),
    total_shipping_price_set: money(totals.shipping),
    total_tax: amount(totals.tax),
    total_tax_set: money(totals.tax),
    total_tip_received: formatMinorUnits(0, order.currency),
    total_weight: order.lineItems.reduce((sum, line) => sum + line.grams * line.quantity, 0),
    updated_at: at(order.updatedAt),
    user_id: null,
    billing_address: orderAddressPayload(order.billingAddress),
    customer: customer ? embeddedCustomerPayload(customer, shop) : null,
    discount_applications: order.discountApplications.map((application) => ({
      target_type: application.targetType,
      type: application.type,
      value: application.value,
      value_type: application.valueType,
      allocation_method: application.allocationMethod,
      target_selection: application.targetSelection,
      code: application.code,
    })),
    fulfillments: order.fulfillment ? [fulfillmentPayload(order, order.fulfillment, shop)] : [],
    line_items: order.lineItems.map((line) => lineItemPayload(order, line)),
    payment_terms: null,
    refunds: order.refunds.map((refund) => refundPayload(order, refund, shop)),
    shipping_address: orderAddressPayload(order.shippingAddress),
    shipping_lines: order.shippingLines.map((shippingLine) => {
      const discounted = shippingAfterDiscount(shippingLine);
      return {
        id: legacyIdOf(shippingLine.id),
        carrier_identifier: null,
        code: shippingLine.code,
        current_discounted_price_set: money(order.cancelledAt ? ZERO_PAIR : discounted),
        discounted_price: amount(discounted),
        discounted_price_set: money(discounted),
        is_removed: false,
        phone: null,
        price: amount(shippingLine.price),
        price_set: money(shippingLine.price),
        requested_fulfillment_service_id: null,
        source: shippingLine.source,
        title: shippingLine.title,
        tax_lines: [],
        discount_allocations: shippingLine.discountAllocations.map((allocation) => ({
          amount: amount(allocation.amount),
          amount_set: money(allocation.amount),
          discount_application_index: allocation.applicationIndex,
        })),
      };
    }),
    returns: [],
    line_item_groups: [],
  };
}

/** The order's one fulfillment, as the order payload's `fulfillments` lists it (manual, no tracking). */
function fulfillmentPayload(order: OrderRecord, fulfillment: { id: string; createdAt: string }, shop: ShopRecord): Record<string, unknown> {
  const at = restTimestamp(fulfillment.createdAt, shop.ianaTimezone);
  return {
    id: legacyIdOf(fulfillment.id),
    admin_graphql_api_id: fulfillment.id,
    created_at: at,
    location_id: null,
    name: `${order.name}.1`,
    order_id: legacyIdOf(order.id),
    origin_address: {},
    receipt: {},
    service: "manual",
    shipment_status: null,
    status: "success",
    tracking_company: null,
    tracking_number: null,
    tracking_numbers: [],
    tracking_url: null,
    tracking_urls: [],
    updated_at: at,
    line_items: order.lineItems.map((line) => lineItemPayload(order, line)),
  };
}
