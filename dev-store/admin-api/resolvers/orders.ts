/** Orders: QueryRoot.order/orders/ordersCount, Order and what hangs off it (lines, discounts, refunds, transactions). */
import { legacyResourceId } from "../../store/gid";
import { toMinorUnits, type MoneyPair } from "../../store/money";
import {
  currentQuantity,
  lineDiscountTotal,
  lineDiscountedTotal,
  lineOriginalTotal,
  orderTotals,
  shippingAfterDiscount,
} from "../../store/order-pricing";
import type {
  DiscountAllocationRecord,
  DiscountApplicationRecord,
  LineItemRecord,
  OrderRecord,
  RefundLineItemRecord,
  RefundRecord,
  ShippingLineRecord,
  TaxLineRecord,
  TransactionRecord,
} from "../../store/records";
import { hasScope } from "../../oauth/app-scopes";
import { paginate } from "../connection";
import { compileSearch, matchesAnyText, matchesBoolean, matchesDate, matchesNumber, matchesText, type SearchFields } from "../search-syntax";
import { metafieldFields } from "./metafields";
import type { AdminContext, ResolverMap } from "./resolver-types";
import { firstOf, legacyId, moneyBag, moneyV2, searchConnection } from "./values";

/** Without read_all_orders an app sees the last 60 days of orders only. */
const RECENT_ORDER_DAYS = 60;

function isVisible(context: AdminContext, order: OrderRecord): boolean {
  if (hasScope(context.scopes, "read_all_orders")) return true;
  const since = new Date(context.now().getTime() - RECENT_ORDER_DAYS * 24 * 3600 * 1000).toISOString();
  return order.createdAt >= since;
}

export function visibleOrders(context: AdminContext, orders: readonly OrderRecord[] = context.store.orders()): OrderRecord[] {
  return orders.filter((order) => isVisible(context, order));
}

export function visibleOrder(context: AdminContext, id: string | null): OrderRecord | null {
  const order = id ? context.store.order(id) : undefined;
  return order && isVisible(context, order) ? order : null;
}

/** The status Shopify's search calls `status`: open, closed or cancelled. */
function orderStatus(order: OrderRecord): string {
  if (order.cancelledAt) return "cancelled";
  return order.closedAt ? "closed" : "open";
}

export function orderSearch(context: AdminContext): SearchFields<OrderRecord> {
  return {
    fields: {
      id: (order, term) => matchesNumber(legacyResourceId(order.id), term),
      name: (order, term) => matchesText(order.name, term) || matchesText(String(order.number), term),
      email: (order, term) => matchesText(order.email, term),
      customer_id: (order, term) => order.customerId !== null && matchesNumber(legacyResourceId(order.customerId), term),
      created_at: (order, term) => matchesDate(order.createdAt, term),
      updated_at: (order, term) => matchesDate(order.updatedAt, term),
      processed_at: (order, term) => matchesDate(order.processedAt, term),
      financial_status: (order, term) => matchesText(order.financialStatus, term),
      fulfillment_status: (order, term) => matchesText("unfulfilled", term) || matchesText("unshipped", term),
      status: (order, term) => term.value.toLowerCase() === "any" || matchesText(orderStatus(order), term),
      test: (order, term) => matchesBoolean(order.test, term),
      tag: (order, term) => matchesAnyText(order.tags, term),
      tag_not: (order, term) => !matchesAnyText(order.tags, term),
      source_name: (order, term) => matchesText(order.sourceName, term),
      discount_code: (order, term) => matchesAnyText(order.discountCodes.map((used) => used.code), term),
      currency: (order, term) => matchesText(order.presentmentCurrency, term),
    },
    text: (order, word) => {
      const needle = word.toLowerCase().replace(/\*$/, "");
      const customer = order.customerId ? context.store.customer(order.customerId) : undefined;
      return [order.name, order.email, customer?.firstName, customer?.lastName].some((value) => value?.toLowerCase().includes(needle));
    },
  };
}

const ORDER_SORT: Record<string, (order: OrderRecord) => string | number> = {
  ID: (order) => legacyResourceId(order.id),
  RELEVANCE: (order) => legacyResourceId(order.id),
  CREATED_AT: (order) => order.createdAt,
  UPDATED_AT: (order) => order.updatedAt,
  PROCESSED_AT: (order) => order.processedAt,
  ORDER_NUMBER: (order) => order.number,
  TOTAL_PRICE: (order) => orderTotals(order).total.shop,
  CURRENT_TOTAL_PRICE: (order) => orderTotals(order).current.total.shop,
  FINANCIAL_STATUS: (order) => order.financialStatus,
  TOTAL_ITEMS_QUANTITY: (order) => orderTotals(order).lineItemsQuantity,
};

export function orderSortValue(sortKey: string | null | undefined): (order: OrderRecord) => string | number {
  return ORDER_SORT[sortKey ?? "ID"] ?? ORDER_SORT.ID;
}

/** Children of an order carry it along, since their money is in its currencies. */
interface InOrder<T> {
  order: OrderRecord;
  item: T;
}

const within = <T>(order: OrderRecord, items: readonly T[]): InOrder<T>[] => items.map((item) => ({ order, item }));
const bag = (order: OrderRecord, pair: MoneyPair) => moneyBag(pair, order);

export const orderResolvers: ResolverMap = {
  QueryRoot: {
    order: (_root, args: { id: string }, context) => visibleOrder(context, args.id),
    orders: (_root, args, context, info) =>
      searchConnection(visibleOrders(context), args, context, info, { search: orderSearch(context), sortValue: orderSortValue(args.sortKey), id: (order) => order.id }),
    ordersCount: (_root, args: { query?: string | null; limit?: number | null }, context) => {
      const search = compileSearch(args.query, orderSearch(context));
      const count = visibleOrders(context).filter(search.matches).length;
      const limit = args.limit ?? 10_000;
      return { count: Math.min(count, limit), precision: count > limit ? "AT_LEAST" : "EXACT" };
    },
  },
  Order: {
    id: (order: OrderRecord) => order.id,
    legacyResourceId: legacyId,
    name: (order: OrderRecord) => order.name,
    number: (order: OrderRecord) => order.number,
    confirmationNumber: (order: OrderRecord) => order.confirmationNumber,
    email: (order: OrderRecord) => order.email,
    phone: (order: OrderRecord) => order.phone,
    createdAt: (order: OrderRecord) => order.createdAt,
    updatedAt: (order: OrderRecord) => order.updatedAt,
    processedAt: (order: OrderRecord) => order.processedAt,
    cancelledAt: (order: OrderRecord) => order.cancelledAt,
    cancelReason: (order: OrderRecord) => order.cancelReason?.toUpperCase() ?? null,
    closed: (order: OrderRecord) => order.closedAt !== null,
    closedAt: (order: OrderRecord) => order.closedAt,
    confirmed: () => true,
    test: (order: OrderRecord) => order.test,
    tags: (order: OrderRecord) => order.tags,
    note: (order: OrderRecord) => order.note,
    sourceName: (order: OrderRecord) => order.sourceName,
    customerLocale: (order: OrderRecord) => order.customerLocale,
    customerAcceptsMarketing: (order: OrderRecord) => order.buyerAcceptsMarketing,
    displayFinancialStatus: (order: OrderRecord) => order.financialStatus.toUpperCase(),
    displayFulfillmentStatus: () => "UNFULFILLED",
    fullyPaid: (order: OrderRecord) => order.financialStatus !== "pending" && order.financialStatus !== "partially_paid" && order.financialStatus !== "voided",
    unpaid: (order: OrderRecord) => order.financialStatus === "pending",
    canMarkAsPaid: (order: OrderRecord) => (order.financialStatus === "pending" || order.financialStatus === "partially_paid") && order.cancelledAt === null,
    refundable: (order: OrderRecord) => (order.financialStatus === "paid" || order.financialStatus === "partially_refunded") && orderTotals(order).current.total.presentment > 0,
    currencyCode: (order: OrderRecord) => order.currency,
    presentmentCurrencyCode: (order: OrderRecord) => order.presentmentCurrency,
    customer: (order: OrderRecord, _args, context) => (order.customerId ? (context.store.customer(order.customerId) ?? null) : null),
    subtotalLineItemsQuantity: (order: OrderRecord) => orderTotals(order).lineItemsQuantity,
    currentSubtotalLineItemsQuantity: (order: OrderRecord) => orderTotals(order).current.lineItemsQuantity,
    subtotalPriceSet: (order: OrderRecord) => bag(order, orderTotals(order).subtotal),
    totalPriceSet: (order: OrderRecord) => bag(order, orderTotals(order).total),
    originalTotalPriceSet: (order: OrderRecord) => bag(order, orderTotals(order).total),
    totalDiscountsSet: (order: OrderRecord) => bag(order, orderTotals(order).totalDiscounts),
    totalShippingPriceSet: (order: OrderRecord) => bag(order, orderTotals(order).shipping),
    totalTaxSet: (order: OrderRecord) => bag(order, orderTotals(order).tax),
    totalReceivedSet: (order: OrderRecord) => bag(order, orderTotals(order).received),
    totalRefundedSet: (order: OrderRecord) => bag(order, orderTotals(order).refunded),
    totalRefundedShippingSet: (order: OrderRecord) => bag(order, orderTotals(order).refundedShipping),
    totalOutstandingSet: (order: OrderRecord) => bag(order, orderTotals(order).outstanding),
    netPaymentSet: (order: OrderRecord) => {
      const totals = orderTotals(order);
      return bag(order, { shop: totals.received.shop - totals.refunded.shop, presentment: totals.received.presentment - totals.refunded.presentment });
    },
    currentSubtotalPriceSet: (order: OrderRecord) => bag(order, orderTotals(order).current.subtotal),
    currentTotalPriceSet: (order: OrderRecord) => bag(order, orderTotals(order).current.total),
    currentTotalDiscountsSet: (order: OrderRecord) => bag(order, orderTotals(order).current.totalDiscounts),
    currentTotalTaxSet: (order: OrderRecord) => bag(order, orderTotals(order).current.tax),
    currentShippingPriceSet: (order: OrderRecord) => bag(order, orderTotals(order).current.shipping),
    discountCode: (order: OrderRecord) => order.discountCodes[0]?.code ?? null,
    discountCodes: (order: OrderRecord) => order.discountCodes.map((used) => used.code),
    paymentGatewayNames: (order: OrderRecord) => [...new Set(order.transactions.map((transaction) => transaction.gateway))],
    billingAddress: (order: OrderRecord) => order.billingAddress,
    shippingAddress: (order: OrderRecord) => order.shippingAddress,
    taxLines: (order: OrderRecord) => within(order, aggregateTaxLines(order.lineItems)),
    lineItems: (order: OrderRecord, args, context, info) =>
      paginate(within(order, order.lineItems), args, { sortValue: ({ item }) => legacyResourceId(item.id), id: ({ item }) => item.id, bulk: context.bulk, fieldName: info.fieldName }),
    shippingLine: (order: OrderRecord) => (order.shippingLines[0] ? { order, item: order.shippingLines[0] } : null),
    shippingLines: (order: OrderRecord, args, context, info) =>
      paginate(within(order, order.shippingLines), args, { sortValue: ({ item }) => legacyResourceId(item.id), id: ({ item }) => item.id, bulk: context.bulk, fieldName: info.fieldName }),
    discountApplications: (order: OrderRecord, args, context, info) =>
      paginate(order.discountApplications.map((application, index) => discountApplication(order, index)), args, {
        sortValue: ({ item }) => item.index,
        id: ({ item }) => `gid://shopify/DiscountApplication/${item.index + 1}`,
        bulk: context.bulk,
        fieldName: info.fieldName,
      }),
    refunds: (order: OrderRecord, args: { first?: number | null }) => firstOf(within(order, order.refunds), args.first),
    transactions: (order: OrderRecord, args: { first?: number | null }) => firstOf(within(order, order.transactions), args.first),
    ...metafieldFields,
  },
  LineItem: {
    id: ({ item }: InOrder<LineItemRecord>) => item.id,
    title: ({ item }: InOrder<LineItemRecord>) => item.title,
    name: ({ item }: InOrder<LineItemRecord>) => (item.variantTitle ? `${item.title} - ${item.variantTitle}` : item.title),
    variantTitle: ({ item }: InOrder<LineItemRecord>) => item.variantTitle,
    sku: ({ item }: InOrder<LineItemRecord>) => item.sku,
    vendor: ({ item }: InOrder<LineItemRecord>) => item.vendor,
    quantity: ({ item }: InOrder<LineItemRecord>) => item.quantity,
    currentQuantity: ({ order, item }: InOrder<LineItemRecord>) => currentQuantity(order, item),
    refundableQuantity: ({ order, item }: InOrder<LineItemRecord>) => currentQuantity(order, item),
    unfulfilledQuantity: ({ order, item }: InOrder<LineItemRecord>) => currentQuantity(order, item),
    taxable: ({ item }: InOrder<LineItemRecord>) => item.taxable,
    requiresShipping: ({ item }: InOrder<LineItemRecord>) => item.requiresShipping,
    isGiftCard: () => false,
    product: ({ item }: InOrder<LineItemRecord>, _args, context) => (item.productId ? (context.store.product(item.productId) ?? null) : null),
    variant: ({ item }: InOrder<LineItemRecord>, _args, context) => (item.variantId ? (context.store.variant(item.variantId) ?? null) : null),
    originalUnitPriceSet: ({ order, item }: InOrder<LineItemRecord>) => bag(order, item.unitPrice),
    originalTotalSet: ({ order, item }: InOrder<LineItemRecord>) => bag(order, lineOriginalTotal(item)),
    discountedTotalSet: ({ order, item }: InOrder<LineItemRecord>) => bag(order, lineDiscountedTotal(item)),
    discountedUnitPriceSet: ({ order, item }: InOrder<LineItemRecord>) => bag(order, discountedUnitPrice(item)),
    discountedUnitPriceAfterAllDiscountsSet: ({ order, item }: InOrder<LineItemRecord>) => bag(order, discountedUnitPrice(item)),
    totalDiscountSet: ({ order, item }: InOrder<LineItemRecord>) => bag(order, lineDiscountTotal(item)),
    discountAllocations: ({ order, item }: InOrder<LineItemRecord>) => within(order, item.discountAllocations),
    taxLines: ({ order, item }: InOrder<LineItemRecord>, args: { first?: number | null }) => firstOf(within(order, item.taxLines), args.first),
  },
  DiscountAllocation: {
    allocatedAmountSet: ({ order, item }: InOrder<DiscountAllocationRecord>) => bag(order, item.amount),
    discountApplication: ({ order, item }: InOrder<DiscountAllocationRecord>) => discountApplication(order, item.applicationIndex),
  },
  DiscountCodeApplication: {
    code: ({ item }: InOrder<{ application: DiscountApplicationRecord }>) => item.application.code,
    index: ({ item }: InOrder<{ index: number }>) => item.index,
    allocationMethod: ({ item }: InOrder<{ application: DiscountApplicationRecord }>) => item.application.allocationMethod.toUpperCase(),
    targetSelection: ({ item }: InOrder<{ application: DiscountApplicationRecord }>) => item.application.targetSelection.toUpperCase(),
    targetType: ({ item }: InOrder<{ application: DiscountApplicationRecord }>) => item.application.targetType.toUpperCase(),
    value: ({ order, item }: InOrder<{ application: DiscountApplicationRecord }>) =>
      item.application.valueType === "percentage"
        ? { __typename: "PricingPercentageValue", percentage: Number(item.application.value) }
        : { __typename: "MoneyV2", ...moneyV2(toMinorUnits(item.application.value, order.presentmentCurrency), order.presentmentCurrency) },
  },
  PricingPercentageValue: {
    percentage: (value: { percentage: number }) => value.percentage,
  },
  TaxLine: {
    title: ({ item }: InOrder<TaxLineRecord>) => item.title,
    rate: ({ item }: InOrder<TaxLineRecord>) => Number(item.rate),
    ratePercentage: ({ item }: InOrder<TaxLineRecord>) => Number(item.rate) * 100,
    priceSet: ({ order, item }: InOrder<TaxLineRecord>) => bag(order, item.price),
    channelLiable: () => false,
    source: () => "Shopify",
  },
  ShippingLine: {
    id: ({ item }: InOrder<ShippingLineRecord>) => item.id,
    title: ({ item }: InOrder<ShippingLineRecord>) => item.title,
    code: ({ item }: InOrder<ShippingLineRecord>) => item.code,
    source: ({ item }: InOrder<ShippingLineRecord>) => item.source,
    custom: () => false,
    isRemoved: () => false,
    originalPriceSet: ({ order, item }: InOrder<ShippingLineRecord>) => bag(order, item.price),
    discountedPriceSet: ({ order, item }: InOrder<ShippingLineRecord>) => bag(order, shippingAfterDiscount(item)),
    currentDiscountedPriceSet: ({ order }: InOrder<ShippingLineRecord>) => bag(order, orderTotals(order).current.shipping),
    discountAllocations: ({ order, item }: InOrder<ShippingLineRecord>) => within(order, item.discountAllocations),
    taxLines: () => [],
  },
  Refund: {
    id: ({ item }: InOrder<RefundRecord>) => item.id,
    legacyResourceId: ({ item }: InOrder<RefundRecord>) => legacyId(item),
    createdAt: ({ item }: InOrder<RefundRecord>) => item.createdAt,
    updatedAt: ({ item }: InOrder<RefundRecord>) => item.createdAt,
    processedAt: ({ item }: InOrder<RefundRecord>) => item.createdAt,
    note: ({ item }: InOrder<RefundRecord>) => item.note,
    order: ({ order }: InOrder<RefundRecord>) => order,
    totalRefundedSet: ({ order, item }: InOrder<RefundRecord>) =>
      bag(order, refundTransactions(order, item).reduce((sum, transaction) => ({ shop: sum.shop + transaction.amount.shop, presentment: sum.presentment + transaction.amount.presentment }), { shop: 0, presentment: 0 })),
    refundLineItems: ({ order, item }: InOrder<RefundRecord>, args, context, info) =>
      paginate(within(order, item.refundLineItems), args, { sortValue: (row) => legacyResourceId(row.item.id), id: (row) => row.item.id, bulk: context.bulk, fieldName: info.fieldName }),
    transactions: ({ order, item }: InOrder<RefundRecord>, args, context, info) =>
      paginate(within(order, refundTransactions(order, item)), args, { sortValue: (row) => legacyResourceId(row.item.id), id: (row) => row.item.id, bulk: context.bulk, fieldName: info.fieldName }),
  },
  RefundLineItem: {
    id: ({ item }: InOrder<RefundLineItemRecord>) => item.id,
    quantity: ({ item }: InOrder<RefundLineItemRecord>) => item.quantity,
    restockType: ({ item }: InOrder<RefundLineItemRecord>) => item.restockType.toUpperCase(),
    restocked: ({ item }: InOrder<RefundLineItemRecord>) => item.restockType !== "no_restock",
    lineItem: ({ order, item }: InOrder<RefundLineItemRecord>) => ({ order, item: order.lineItems.find((line) => line.id === item.lineItemId)! }),
    priceSet: ({ order, item }: InOrder<RefundLineItemRecord>) => bag(order, order.lineItems.find((line) => line.id === item.lineItemId)!.unitPrice),
    subtotalSet: ({ order, item }: InOrder<RefundLineItemRecord>) => bag(order, item.subtotal),
    totalTaxSet: ({ order, item }: InOrder<RefundLineItemRecord>) => bag(order, item.totalTax),
  },
  OrderTransaction: {
    id: ({ item }: InOrder<TransactionRecord>) => item.id,
    kind: ({ item }: InOrder<TransactionRecord>) => (item.kind === "void" ? "VOID" : item.kind.toUpperCase()),
    status: ({ item }: InOrder<TransactionRecord>) => item.status.toUpperCase(),
    gateway: ({ item }: InOrder<TransactionRecord>) => item.gateway,
    formattedGateway: ({ item }: InOrder<TransactionRecord>) => (item.gateway === "bogus" ? "Bogus" : item.gateway[0].toUpperCase() + item.gateway.slice(1)),
    test: ({ item }: InOrder<TransactionRecord>) => item.test,
    amountSet: ({ order, item }: InOrder<TransactionRecord>) => bag(order, item.amount),
    createdAt: ({ item }: InOrder<TransactionRecord>) => item.createdAt,
    processedAt: ({ item }: InOrder<TransactionRecord>) => item.createdAt,
    manualPaymentGateway: ({ item }: InOrder<TransactionRecord>) => item.gateway === "manual",
    order: ({ order }: InOrder<TransactionRecord>) => order,
    parentTransaction: ({ order, item }: InOrder<TransactionRecord>) => {
      const parent = order.transactions.find((transaction) => transaction.id === item.parentId);
      return parent ? { order, item: parent } : null;
    },
  },
};

/** Every discount the dev store applies is a code, so each application is a DiscountCodeApplication. */
function discountApplication(order: OrderRecord, index: number) {
  return { __typename: "DiscountCodeApplication", order, item: { application: order.discountApplications[index], index } };
}

function refundTransactions(order: OrderRecord, refund: RefundRecord): TransactionRecord[] {
  return order.transactions.filter((transaction) => refund.transactionIds.includes(transaction.id));
}

function discountedUnitPrice(line: LineItemRecord): MoneyPair {
  const discounted = lineDiscountedTotal(line);
  return { shop: Math.round(discounted.shop / line.quantity), presentment: Math.round(discounted.presentment / line.quantity) };
}

function aggregateTaxLines(lines: readonly LineItemRecord[]): TaxLineRecord[] {
  const byKey = new Map<string, TaxLineRecord>();
  for (const taxLine of lines.flatMap((line) => line.taxLines)) {
    const key = `${taxLine.title}|${taxLine.rate}`;
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, price: { shop: seen.price.shop + taxLine.price.shop, presentment: seen.price.presentment + taxLine.price.presentment } } : taxLine);
  }
  return [...byKey.values()];
}
