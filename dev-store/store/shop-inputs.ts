/** What merchants, shoppers and the app hand the dev shop when they change it. */
import type { CancelReason, CodeDiscountRecord, EmailMarketingState, ProductRecord, RestockType, ShopRecord } from "./records";

export type NewShop = Partial<Omit<ShopRecord, "id" | "staff">> & {
  myshopifyDomain: string;
  staff?: Omit<ShopRecord["staff"][number], "id">[];
};

export interface NewAddress {
  firstName?: string | null;
  lastName?: string | null;
  company?: string | null;
  address1?: string | null;
  address2?: string | null;
  city?: string | null;
  province?: string | null;
  provinceCode?: string | null;
  country?: string | null;
  countryCode?: string | null;
  zip?: string | null;
  phone?: string | null;
}

export interface NewCustomer {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  /** true: the shopper made an account (ENABLED). false (default): a guest-checkout customer (DISABLED). */
  hasAccount?: boolean;
  emailMarketing?: EmailMarketingState;
  tags?: string[];
  note?: string | null;
  locale?: string;
  address?: NewAddress | null;
  createdAt?: string;
}

export type CustomerChanges = Omit<NewCustomer, "createdAt" | "address"> & { at?: string };

export interface NewProduct {
  title: string;
  /** The featured image's URL. */
  imageUrl?: string | null;
  vendor?: string;
  productType?: string;
  tags?: string[];
  descriptionHtml?: string;
  status?: ProductRecord["status"];
  /** Prices are decimal strings in the shop currency. */
  variants: { title?: string; price: string; compareAtPrice?: string; sku?: string; inventoryQuantity?: number; grams?: number }[];
  createdAt?: string;
}

export interface NewOrder {
  /** The buyer; omit (or null) for a guest checkout. */
  customerId?: string | null;
  /** Defaults to the customer's email. */
  email?: string | null;
  lineItems: { variantId: string; quantity: number; /** Unit price in the presentment currency; defaults to the variant's. */ price?: string }[];
  /** The currency the buyer paid in; defaults to the shop currency. */
  presentmentCurrency?: string;
  /** Shop currency per one unit of the presentment currency, e.g. "1.0834" for EUR in a USD shop. */
  exchangeRate?: string;
  /** In the presentment currency. */
  shipping?: { title: string; price: string } | null;
  /** A decimal fraction applied to each discounted line, e.g. "0.0825". */
  taxRate?: string | null;
  discountCode?: string | null;
  /** Store credit the signed-in buyer spends, a decimal in the shop currency: at most their balance and the order's total. */
  storeCredit?: string | null;
  /** "paid" (default) charges at checkout; "pending" waits for markOrderPaid (e.g. bank transfer). */
  financialStatus?: "paid" | "pending";
  gateway?: string;
  createdAt?: string;
  test?: boolean;
  sourceName?: string;
  tags?: string[];
  note?: string | null;
  buyerAcceptsMarketing?: boolean;
  shippingAddress?: NewAddress | null;
  billingAddress?: NewAddress | null;
}

export interface OrderChanges {
  tags?: string[];
  note?: string | null;
  email?: string | null;
  at?: string;
}

export interface Cancellation {
  reason: CancelReason;
  /** Put the items back in stock (default true). */
  restock?: boolean;
  /** Give a paid order's money back (default true), as the admin's "Refund payment" does. */
  refund?: boolean;
  /** The merchant's note, kept on the refund the cancellation makes. */
  staffNote?: string | null;
  at?: string;
}

export interface NewRefund {
  lineItems?: { lineItemId: string; quantity: number; restockType?: RestockType }[];
  /** Refund the order's remaining shipping (true) or this much of it, in the presentment currency. */
  shipping?: true | string;
  /**
   * Money given back without refund lines, in the presentment currency: what Shopify does after an
   * edit removes units from a paid order, or when the merchant refunds an amount by hand. The refund
   * carries it as a `refund_discrepancy` order adjustment.
   */
  discrepancy?: string;
  note?: string | null;
  at?: string;
}

export type NewCodeDiscount = Omit<CodeDiscountRecord, "id" | "codes" | "createdAt" | "updatedAt"> & { code: string };

export interface MetafieldWrite {
  ownerId: string;
  namespace: string;
  key: string;
  type: string;
  value: string;
}
