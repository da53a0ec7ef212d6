/** Checkout, payment, refunds and discount codes behave as in a Shopify shop, to the cent. */
import { describe, expect, it } from "vitest";

import { DEV_SHOP } from "../../dev-store/config";
import { orderTotals } from "../../dev-store/store/order-pricing";
import { ShopData, ShopRuleError, type NewCodeDiscount } from "../../dev-store/store/shop-data";

function shop() {
  const store = ShopData.create({ myshopifyDomain: DEV_SHOP });
  const mug = store.createProduct({ title: "Mug", variants: [{ price: "10.00" }] });
  const ada = store.createCustomer({ firstName: "Ada", email: "ada@example.com", hasAccount: true });
  const bo = store.createCustomer({ firstName: "Bo", email: "bo@example.com" });
  return { store, mugId: mug.variants[0].id, ada, bo };
}

const singleUseFor = (customerId: string, code: string, value: NewCodeDiscount["customerGets"]): NewCodeDiscount => ({
  code,
  kind: "basic",
  title: `Reward ${code}`,
  startsAt: "2024-01-01T00:00:00Z",
  endsAt: null,
  usageLimit: 1,
  appliesOncePerCustomer: true,
  customerIds: [customerId],
  customerGets: value,
  maximumShippingPrice: null,
  minimumSubtotal: 2000,
  minimumQuantity: null,
  combinesWith: { orderDiscounts: false, productDiscounts: false, shippingDiscounts: false },
  tags: [],
  appApiKey: "loyalty-app",
});

describe("orders", () => {
  it("a guest checkout has no customer but keeps the email; a customer's account state says whether they signed up", () => {
    const { store, mugId, ada, bo } = shop();
    const guest = store.createOrder({ email: "walk-in@example.com", lineItems: [{ variantId: mugId, quantity: 1 }] });
    expect(guest.customerId).toBeNull();
    expect(guest.email).toBe("walk-in@example.com");
    expect(ada.state).toBe("ENABLED");
    expect(bo.state).toBe("DISABLED");
  });

  it("a pending order becomes paid when payment arrives, and counts towards the customer's spend only then", () => {
    const { store, mugId, ada } = shop();
    const order = store.createOrder({ customerId: ada.id, lineItems: [{ variantId: mugId, quantity: 2 }], financialStatus: "pending" });
    expect(store.customerStatistics(ada.id)).toMatchObject({ numberOfOrders: 1, amountSpent: 0 });
    store.markOrderPaid(order.id);
    expect(order.financialStatus).toBe("paid");
    expect(store.customerStatistics(ada.id).amountSpent).toBe(2000);
    expect(() => store.refundOrder(store.createOrder({ lineItems: [{ variantId: mugId, quantity: 1 }], financialStatus: "pending" }).id, { shipping: true })).toThrow(ShopRuleError);
  });

  it("refunding units one at a time gives back exactly the discounted, taxed line", () => {
    const { store, mugId, ada } = shop();
    store.createCodeDiscount(singleUseFor(ada.id, "ADA-5", { amount: 500, appliesOnEachItem: false }));
    const order = store.createOrder({ customerId: ada.id, lineItems: [{ variantId: mugId, quantity: 3 }], taxRate: "0.0825", discountCode: "ADA-5", shipping: { title: "Std", price: "4.99" } });
    const totals = orderTotals(order);
    expect(totals.subtotal.shop).toBe(2500);
    expect(totals.tax.shop).toBe(206); // 8.25% of 25.00, rounded once for the line
    for (let unit = 0; unit < 3; unit++) store.refundOrder(order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }] });
    store.refundOrder(order.id, { shipping: true });
    const after = orderTotals(order);
    expect(after.refunded.shop).toBe(totals.total.shop);
    expect(after.current.total.shop).toBe(0);
    expect(order.financialStatus).toBe("refunded");
    expect(() => store.refundOrder(order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }] })).toThrow(/is refunded/);
  });

  it("a single-use code for one customer works once, for that customer, above its minimum", () => {
    const { store, mugId, ada, bo } = shop();
    store.createCodeDiscount(singleUseFor(ada.id, "ADA-10PCT", { percentage: 0.1 }));
    expect(() => store.createOrder({ customerId: bo.id, lineItems: [{ variantId: mugId, quantity: 3 }], discountCode: "ADA-10PCT" })).toThrow(/other customers/);
    expect(() => store.createOrder({ customerId: ada.id, lineItems: [{ variantId: mugId, quantity: 1 }], discountCode: "ADA-10PCT" })).toThrow(/minimum subtotal/);
    const order = store.createOrder({ customerId: ada.id, lineItems: [{ variantId: mugId, quantity: 3 }], discountCode: "ada-10pct" });
    expect(orderTotals(order).totalDiscounts.shop).toBe(300);
    expect(store.codeDiscountByCode("ADA-10PCT")!.codes[0].asyncUsageCount).toBe(1);
    expect(() => store.createOrder({ customerId: ada.id, lineItems: [{ variantId: mugId, quantity: 3 }], discountCode: "ADA-10PCT" })).toThrow(/usage limit/);
  });

  it("cancelling a paid order refunds it and restocks; cancelling a pending one voids it", () => {
    const { store, mugId, ada } = shop();
    const paid = store.createOrder({ customerId: ada.id, lineItems: [{ variantId: mugId, quantity: 1 }] });
    store.cancelOrder(paid.id, { reason: "inventory" });
    expect(paid).toMatchObject({ financialStatus: "refunded", cancelReason: "inventory" });
    expect(paid.refunds[0].refundLineItems[0].restockType).toBe("cancel");
    const pending = store.createOrder({ customerId: ada.id, lineItems: [{ variantId: mugId, quantity: 1 }], financialStatus: "pending" });
    store.cancelOrder(pending.id, { reason: "declined" });
    expect(pending.financialStatus).toBe("voided");
    expect(store.customerStatistics(ada.id)).toMatchObject({ numberOfOrders: 2, amountSpent: 0 });
  });

  it("customers with orders cannot be deleted", () => {
    const { store, mugId, ada, bo } = shop();
    store.createOrder({ customerId: ada.id, lineItems: [{ variantId: mugId, quantity: 1 }] });
    expect(() => store.deleteCustomer(ada.id)).toThrow(/has orders/);
    store.deleteCustomer(bo.id);
    expect(store.customer(bo.id)).toBeUndefined();
  });
});
