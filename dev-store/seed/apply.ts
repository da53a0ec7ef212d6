import type { ShopData } from "../store/shop-data";
import { DEMO_EXCHANGE_RATES, type HistoryPlan, type SeedCustomer, type SeedOrder } from "./history";

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
  return new HistoryPlayer(store, plan).playUntil(null);
}

type HistoryEvent =
  | { at: number; kind: "order"; order: SeedOrder }
  | { at: number; kind: "refund" | "cancellation"; order: SeedOrder };

/**
 * Plays a history in time order, in as many steps as wanted: the demo plays the part before the
 * app's install quietly (no app, no webhooks), then the rest with the app listening, so it arrives
 * through the same webhooks Shopify would have sent.
 */
export class HistoryPlayer {
  private readonly variantOf = new Map<string, string>();
  private readonly customerIdOf = new Map<string, string>();
  private readonly orderIdOf = new Map<string, string>();
  private readonly priceOf: Map<string, number>;
  private readonly customersByKey: Map<string, SeedCustomer>;
  private readonly customers: SeedCustomer[];
  private readonly events: HistoryEvent[];
  private nextCustomer = 0;
  private nextEvent = 0;
  private readonly played: AppliedHistory;

  constructor(
    private readonly store: ShopData,
    private readonly plan: HistoryPlan,
  ) {
    this.priceOf = new Map(plan.products.map((product) => [product.key, product.priceCents]));
    this.customersByKey = new Map(plan.customers.map((customer) => [customer.key, customer]));
    this.customers = [...plan.customers].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const events: HistoryEvent[] = [];
    for (const order of plan.orders) {
      events.push({ at: order.createdAt.getTime(), kind: "order", order });
      if (order.cancellation) events.push({ at: order.cancellation.at.getTime(), kind: "cancellation", order });
      else if (order.refund) events.push({ at: order.refund.at.getTime(), kind: "refund", order });
    }
    // Stable: an order comes before its own refund or cancellation, which are always later.
    this.events = events.sort((a, b) => a.at - b.at);
    this.played = { products: plan.products.length, customers: 0, orders: 0, refunds: 0, cancellations: 0 };
    this.createCatalogue();
  }

  /** Customers, orders, refunds and cancellations up to (not including) `until`; null: all of it. */
  playUntil(until: Date | null): AppliedHistory {
    const end = until?.getTime() ?? Infinity;
    for (; this.nextEvent < this.events.length && this.events[this.nextEvent].at < end; this.nextEvent++) {
      const event = this.events[this.nextEvent];
      this.createCustomersUntil(event.at);
      if (event.kind === "order") this.placeOrder(event.order);
      else if (event.kind === "cancellation") this.cancel(event.order);
      else this.refund(event.order);
    }
    this.createCustomersUntil(end);
    return { ...this.played };
  }

  private createCatalogue() {
    const { store, plan } = this;
    const start = plan.orders[0]?.createdAt.toISOString();
    for (const product of plan.products) {
      const record = store.createProduct({
        title: product.title,
        productType: product.productType,
        vendor: store.shop.name,
        tags: product.useUpDays ? [`use-up-${product.useUpDays}d`] : [],
        variants: [{ price: (product.priceCents / 100).toFixed(2), inventoryQuantity: 100_000 }],
        createdAt: start,
      });
      this.variantOf.set(product.key, record.variants[0].id);
    }
    store.createCodeDiscount(
      {
        kind: "basic",
        title: "Welcome 10% off",
        code: "WELCOME10",
        startsAt: start ?? new Date().toISOString(),
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
      start,
    );
  }

  private createCustomersUntil(at: number) {
    while (this.nextCustomer < this.customers.length && this.customers[this.nextCustomer].createdAt.getTime() < at) {
      this.createCustomer(this.customers[this.nextCustomer++], null);
    }
  }

  private createCustomer(customer: SeedCustomer, at: Date | null): string {
    const existing = this.customerIdOf.get(customer.key);
    if (existing) return existing;
    const record = this.store.createCustomer({
      firstName: customer.firstName,
      lastName: customer.lastName,
      email: customer.email,
      hasAccount: customer.hasAccount,
      emailMarketing: customer.acceptsEmailMarketing ? "SUBSCRIBED" : "NOT_SUBSCRIBED",
      createdAt: (at && at < customer.createdAt ? at : customer.createdAt).toISOString(),
    });
    this.customerIdOf.set(customer.key, record.id);
    this.played.customers++;
    return record.id;
  }

  private placeOrder(order: SeedOrder) {
    // A first order can be stamped earlier on the day the customer joined: the customer comes first.
    const customerId = order.customerKey ? this.createCustomer(this.customersByKey.get(order.customerKey)!, order.createdAt) : null;
    const record = placeOrder(this.store, order, this.variantOf, customerId, this.priceOf);
    this.orderIdOf.set(order.key, record.id);
    this.played.orders++;
  }

  private cancel(order: SeedOrder) {
    this.store.cancelOrder(this.orderIdOf.get(order.key)!, { reason: order.cancellation!.reason, at: order.cancellation!.at.toISOString() });
    this.played.cancellations++;
  }

  private refund(order: SeedOrder) {
    const record = this.store.order(this.orderIdOf.get(order.key)!)!;
    const refundLines = order.refund!.lines.map((line) => {
      const variantId = this.variantOf.get(line.productKey);
      const lineItem = record.lineItems.find((item) => item.variantId === variantId);
      if (!lineItem) throw new Error(`Order ${order.key} has no line for ${line.productKey}`);
      return { lineItemId: lineItem.id, quantity: line.quantity };
    });
    this.store.refundOrder(record.id, {
      lineItems: refundLines,
      ...(order.refund!.shipping ? { shipping: true as const } : {}),
      at: order.refund!.at.toISOString(),
    });
    this.played.refunds++;
  }
}

function placeOrder(
  store: ShopData,
  order: SeedOrder,
  variantOf: Map<string, string>,
  customerId: string | null,
  priceOf: Map<string, number>,
) {
  const rate = DEMO_EXCHANGE_RATES[order.presentmentCurrency];
  const subtotalCents = order.lines.reduce((sum, line) => sum + (priceOf.get(line.productKey) ?? 0) * line.quantity, 0);
  const shippingCents = subtotalCents >= SHIPPING_FREE_FROM_CENTS ? 0 : 599;
  return store.createOrder({
    customerId,
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
