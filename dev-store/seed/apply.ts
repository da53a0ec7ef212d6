import type { ShopData } from "../store/shop-data";
import { DEMO_EXCHANGE_RATES, type HistoryPlan, type SeedOrder } from "./history";

export interface AppliedHistory {
  products: number;
  customers: number;
  orders: number;
  refunds: number;
  cancellations: number;
}

const SHIPPING_FREE_FROM_CENTS = 5000;
const TAX_RATE = "0.08";

/**
 * Plays a history into the dev shop through its checkout and admin mutations: customers sign up,
 * orders are placed (with discount codes, shipping, tax, foreign currencies), refunded or cancelled.
 */
export function applyHistory(store: ShopData, plan: HistoryPlan): AppliedHistory {
  const variantOf = new Map<string, string>();
  for (const product of plan.products) {
    const record = store.createProduct({
      title: product.title,
      productType: product.productType,
      vendor: store.shop.name,
      tags: product.useUpDays ? [`use-up-${product.useUpDays}d`] : [],
      variants: [{ price: (product.priceCents / 100).toFixed(2), inventoryQuantity: 100_000 }],
      createdAt: plan.orders[0]?.createdAt.toISOString(),
    });
    variantOf.set(product.key, record.variants[0].id);
  }
  store.createCodeDiscount(
    {
      kind: "basic",
      title: "Welcome 10% off",
      code: "WELCOME10",
      startsAt: plan.orders[0]?.createdAt.toISOString() ?? new Date().toISOString(),
      endsAt: null,
      usageLimit: null,
      appliesOncePerCustomer: false,
      customerIds: null,
      customerGets: { percentage: 0.1 },
      maximumShippingPrice: null,
      minimumSubtotal: null,
      minimumQuantity: null,
      combinesWith: { orderDiscounts: false, productDiscounts: false, shippingDiscounts: true },
      tags: [],
      appApiKey: null,
    },
    plan.orders[0]?.createdAt.toISOString(),
  );

  const customerIdOf = new Map<string, string>();
  for (const customer of plan.customers) {
    const record = store.createCustomer({
      firstName: customer.firstName,
      lastName: customer.lastName,
      email: customer.email,
      hasAccount: customer.hasAccount,
      emailMarketing: customer.acceptsEmailMarketing ? "SUBSCRIBED" : "NOT_SUBSCRIBED",
      createdAt: customer.createdAt.toISOString(),
    });
    customerIdOf.set(customer.key, record.id);
  }

  const priceOf = new Map(plan.products.map((product) => [product.key, product.priceCents]));
  let refunds = 0;
  let cancellations = 0;
  for (const order of plan.orders) {
    const record = placeOrder(store, order, variantOf, customerIdOf, priceOf);
    if (order.cancellation) {
      store.cancelOrder(record.id, { reason: order.cancellation.reason, at: order.cancellation.at.toISOString() });
      cancellations++;
    } else if (order.refund) {
      const refundLines = order.refund.lines.map((line) => {
        const variantId = variantOf.get(line.productKey);
        const lineItem = record.lineItems.find((item) => item.variantId === variantId);
        if (!lineItem) throw new Error(`Order ${order.key} has no line for ${line.productKey}`);
        return { lineItemId: lineItem.id, quantity: line.quantity };
      });
      store.refundOrder(record.id, {
        lineItems: refundLines,
        ...(order.refund.shipping ? { shipping: true as const } : {}),
        at: order.refund.at.toISOString(),
      });
      refunds++;
    }
  }
  return {
    products: plan.products.length,
    customers: plan.customers.length,
    orders: plan.orders.length,
    refunds,
    cancellations,
  };
}

function placeOrder(
  store: ShopData,
  order: SeedOrder,
  variantOf: Map<string, string>,
  customerIdOf: Map<string, string>,
  priceOf: Map<string, number>,
) {
  const rate = DEMO_EXCHANGE_RATES[order.presentmentCurrency];
  const subtotalCents = order.lines.reduce((sum, line) => sum + (priceOf.get(line.productKey) ?? 0) * line.quantity, 0);
  const shippingCents = subtotalCents >= SHIPPING_FREE_FROM_CENTS ? 0 : 599;
  return store.createOrder({
    customerId: order.customerKey ? customerIdOf.get(order.customerKey) : null,
    email: order.email,
    lineItems: order.lines.map((line) => ({ variantId: variantOf.get(line.productKey)!, quantity: line.quantity })),
    presentmentCurrency: order.presentmentCurrency,
    ...(order.presentmentCurrency === "USD" ? {} : { exchangeRate: String(rate) }),
    shipping: {
      title: shippingCents === 0 ? "Free shipping" : "Standard",
      price: (Math.round(shippingCents / rate) / 100).toFixed(2),
    },
    taxRate: TAX_RATE,
    discountCode: order.discountCode,
    createdAt: order.createdAt.toISOString(),
    test: order.test,
  });
}
