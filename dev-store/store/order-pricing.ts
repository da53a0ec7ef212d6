/**
 * How an order's money adds up, as pure functions of the order record: what was charged, what a
 * refund gives back, and what is left ("current") after refunds and cancellation.
 *
 * Every component is priced in the presentment currency and converted to the shop currency on its
 * own, as Shopify does, so both columns are sums of their parts and never drift.
 */
import {
  addPairs,
  allocateProportionally,
  convertMinorUnits,
  proportionalShare,
  subtractPairs,
  ZERO_PAIR,
  type MoneyPair,
} from "./money";
import type {
  CodeDiscountRecord,
  DiscountApplicationRecord,
  LineItemRecord,
  OrderRecord,
  ShippingLineRecord,
} from "./records";

export function multiplyPair(pair: MoneyPair, factor: number): MoneyPair {
  return { shop: pair.shop * factor, presentment: pair.presentment * factor };
}

function sharePair(total: MoneyPair, part: number, whole: number): MoneyPair {
  return {
    shop: proportionalShare(total.shop, part, whole),
    presentment: proportionalShare(total.presentment, part, whole),
  };
}

/** Both columns from a presentment amount: `rate` is shop currency per presentment unit. */
export function pairFromPresentment(presentment: number, order: Pick<OrderRecord, "currency" | "presentmentCurrency" | "exchangeRate">): MoneyPair {
  return {
    presentment,
    shop: convertMinorUnits(presentment, order.presentmentCurrency, order.currency, order.exchangeRate),
  };
}

export function lineOriginalTotal(line: LineItemRecord): MoneyPair {
  return multiplyPair(line.unitPrice, line.quantity);
}

export function lineDiscountTotal(line: LineItemRecord): MoneyPair {
  return addPairs(...line.discountAllocations.map((allocation) => allocation.amount));
}

export function lineTaxTotal(line: LineItemRecord): MoneyPair {
  return addPairs(...line.taxLines.map((taxLine) => taxLine.price));
}

export function lineDiscountedTotal(line: LineItemRecord): MoneyPair {
  return subtractPairs(lineOriginalTotal(line), lineDiscountTotal(line));
}

export function refundedQuantity(order: OrderRecord, lineItemId: string): number {
  let quantity = 0;
  for (const refund of order.refunds) {
    for (const refundLine of refund.refundLineItems) {
      if (refundLine.lineItemId === lineItemId) quantity += refundLine.quantity;
    }
  }
  return quantity;
}

/** Units still on the order: a cancelled order keeps none. */
export function currentQuantity(order: OrderRecord, line: LineItemRecord): number {
  return order.cancelledAt ? 0 : line.quantity - refundedQuantity(order, line.id);
}

/**
 * What refunding `quantity` more units of a line gives back. Shares are cumulative, so refunding a
 * line in several steps returns exactly its discounted total and tax.
 */
export function refundAmountsForLine(order: OrderRecord, line: LineItemRecord, quantity: number): { subtotal: MoneyPair; totalTax: MoneyPair } {
  const before = refundedQuantity(order, line.id);
  const after = before + quantity;
  const discounted = lineDiscountedTotal(line);
  const tax = lineTaxTotal(line);
  return {
    subtotal: subtractPairs(sharePair(discounted, after, line.quantity), sharePair(discounted, before, line.quantity)),
    totalTax: subtractPairs(sharePair(tax, after, line.quantity), sharePair(tax, before, line.quantity)),
  };
}

function remainingShare(order: OrderRecord, line: LineItemRecord, amount: MoneyPair): MoneyPair {
  if (order.cancelledAt) return ZERO_PAIR;
  return subtractPairs(amount, sharePair(amount, refundedQuantity(order, line.id), line.quantity));
}

export function shippingLinePrice(order: OrderRecord): MoneyPair {
  return addPairs(...order.shippingLines.map((shippingLine) => shippingLine.price));
}

export function shippingDiscount(order: OrderRecord): MoneyPair {
  return addPairs(...order.shippingLines.flatMap((shippingLine) => shippingLine.discountAllocations.map((allocation) => allocation.amount)));
}

export interface OrderTotals {
  lineItemsQuantity: number;
  lineItemsPrice: MoneyPair;
  subtotal: MoneyPair;
  shipping: MoneyPair;
  totalDiscounts: MoneyPair;
  tax: MoneyPair;
  total: MoneyPair;
  received: MoneyPair;
  refunded: MoneyPair;
  refundedShipping: MoneyPair;
  outstanding: MoneyPair;
  current: {
    lineItemsQuantity: number;
    subtotal: MoneyPair;
    shipping: MoneyPair;
    totalDiscounts: MoneyPair;
    tax: MoneyPair;
    total: MoneyPair;
  };
}

export function orderTotals(order: OrderRecord): OrderTotals {
  const lines = order.lineItems;
  const lineItemsPrice = addPairs(...lines.map(lineOriginalTotal));
  const lineDiscounts = addPairs(...lines.map(lineDiscountTotal));
  const subtotal = subtractPairs(lineItemsPrice, lineDiscounts);
  const shipping = shippingLinePrice(order);
  const discountOnShipping = shippingDiscount(order);
  const tax = addPairs(...lines.map(lineTaxTotal));
  const total = addPairs(subtotal, subtractPairs(shipping, discountOnShipping), tax);

  const received = addPairs(...order.transactions.filter((t) => t.kind === "sale").map((t) => t.amount));
  const refunded = addPairs(...order.transactions.filter((t) => t.kind === "refund").map((t) => t.amount));
  const refundedShipping = addPairs(...order.refunds.map((refund) => refund.shipping));

  const currentSubtotal = addPairs(...lines.map((line) => remainingShare(order, line, lineDiscountedTotal(line))));
  const currentLineDiscounts = addPairs(...lines.map((line) => remainingShare(order, line, lineDiscountTotal(line))));
  const currentTax = addPairs(...lines.map((line) => remainingShare(order, line, lineTaxTotal(line))));
  const currentShipping = order.cancelledAt
    ? ZERO_PAIR
    : subtractPairs(subtractPairs(shipping, discountOnShipping), refundedShipping);
  const currentShippingDiscount = order.cancelledAt ? ZERO_PAIR : discountOnShipping;

  return {
    lineItemsQuantity: lines.reduce((sum, line) => sum + line.quantity, 0),
    lineItemsPrice,
    subtotal,
    shipping,
    totalDiscounts: addPairs(lineDiscounts, discountOnShipping),
    tax,
    total,
    received,
    refunded,
    refundedShipping,
    outstanding: order.financialStatus === "voided" ? ZERO_PAIR : subtractPairs(total, received),
    current: {
      lineItemsQuantity: lines.reduce((sum, line) => sum + currentQuantity(order, line), 0),
      subtotal: currentSubtotal,
      shipping: currentShipping,
      totalDiscounts: addPairs(currentLineDiscounts, currentShippingDiscount),
      tax: currentTax,
      total: addPairs(currentSubtotal, currentShipping, currentTax),
    },
  };
}

/** A line as the checkout priced it, before discounts and tax, in the presentment currency. */
export interface CartLine {
  variantId: string;
  unitPrice: number;
  quantity: number;
}

/** Whether a code's value applies to this line: every line, or only the variants it names. */
export function lineIsEligible(discount: Pick<CodeDiscountRecord, "itemVariantIds">, line: Pick<CartLine, "variantId">): boolean {
  return !discount.itemVariantIds || discount.itemVariantIds.includes(line.variantId);
}

export interface AppliedCodeDiscount {
  application: DiscountApplicationRecord;
  /** Presentment amounts per cart line, in cart order. */
  lineAmounts: number[];
  shippingAmount: number;
  codeType: "percentage" | "fixed_amount" | "shipping";
}

/** Parts per million, so a Float percentage from the API multiplies exactly. */
function percentageInPpm(percentage: number): number {
  return Math.round(percentage * 1_000_000);
}

/**
 * What a code takes off a cart. Fixed amounts are in the shop currency and are converted with
 * `shopToPresentment` (presentment units per shop unit).
 */
export function applyCodeDiscount(
  discount: CodeDiscountRecord,
  code: string,
  cart: CartLine[],
  shippingPrice: number,
  toPresentment: (shopMinor: number) => number,
  formatPresentment: (minor: number) => string,
): AppliedCodeDiscount {
  // A value for some items only takes nothing off the other lines.
  const lineTotals = cart.map((line) => (lineIsEligible(discount, line) ? line.unitPrice * line.quantity : 0));
  const targetSelection = discount.itemVariantIds ? "entitled" : "all";
  if (discount.kind === "free_shipping") {
    return {
      application: {
        type: "discount_code",
        code,
        title: code,
        valueType: "percentage",
        value: "100.0",
        allocationMethod: "each",
        targetType: "shipping_line",
        targetSelection: "all",
      },
      lineAmounts: cart.map(() => 0),
      shippingAmount: shippingPrice,
      codeType: "shipping",
    };
  }
  const value = discount.customerGets;
  if (!value) throw new Error(`Discount ${discount.id} has no value`);
  if ("percentage" in value) {
    const ppm = percentageInPpm(value.percentage);
    return {
      application: {
        type: "discount_code",
        code,
        title: code,
        valueType: "percentage",
        value: (ppm / 10_000).toFixed(1),
        allocationMethod: "across",
        targetType: "line_item",
        targetSelection,
      },
      lineAmounts: lineTotals.map((total) => proportionalShare(total, ppm, 1_000_000)),
      shippingAmount: 0,
      codeType: "percentage",
    };
  }
  const amount = toPresentment(value.amount);
  const lineAmounts = value.appliesOnEachItem
    ? cart.map((line) => (lineIsEligible(discount, line) ? Math.min(amount, line.unitPrice) * line.quantity : 0))
    : allocateProportionally(Math.min(amount, lineTotals.reduce((sum, total) => sum + total, 0)), lineTotals);
  return {
    application: {
      type: "discount_code",
      code,
      title: code,
      valueType: "fixed_amount",
      value: formatPresentment(amount),
      allocationMethod: value.appliesOnEachItem ? "each" : "across",
      targetType: "line_item",
      targetSelection,
    },
    lineAmounts,
    shippingAmount: 0,
    codeType: "fixed_amount",
  };
}

/** Tax on a discounted line at a decimal rate ("0.0825"), rounded once per line. */
export function lineTax(discountedTotal: number, rate: string): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(rate);
  if (!match) throw new Error(`Not a tax rate: "${rate}"`);
  const decimals = match[2]?.length ?? 0;
  return proportionalShare(discountedTotal, Number(match[1] + (match[2] ?? "")), 10 ** decimals);
}

export function shippingAfterDiscount(line: ShippingLineRecord): MoneyPair {
  return subtractPairs(line.price, addPairs(...line.discountAllocations.map((allocation) => allocation.amount)));
}
