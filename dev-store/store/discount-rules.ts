/** When a code discount is live, and whether a checkout may use it. */
import type { CodeDiscountRecord } from "./records";

export type DiscountStatus = "ACTIVE" | "EXPIRED" | "SCHEDULED";

export function discountStatus(discount: CodeDiscountRecord, at: string): DiscountStatus {
  if (discount.startsAt > at) return "SCHEDULED";
  if (discount.endsAt !== null && discount.endsAt <= at) return "EXPIRED";
  return "ACTIVE";
}

export function usageCount(discount: CodeDiscountRecord): number {
  return discount.codes.reduce((sum, code) => sum + code.asyncUsageCount, 0);
}

export interface Checkout {
  at: string;
  customerId: string | null;
  /** Before discounts, in the shop currency. */
  subtotal: number;
  quantity: number;
  shippingPrice: number;
  /** How often this customer already used the discount. */
  usesByCustomer: number;
}

/** The reason a checkout would refuse the code, or null when it applies. */
export function whyCodeDoesNotApply(discount: CodeDiscountRecord, checkout: Checkout): string | null {
  const status = discountStatus(discount, checkout.at);
  if (status === "SCHEDULED") return "the discount has not started yet";
  if (status === "EXPIRED") return "the discount has expired";
  if (discount.usageLimit !== null && usageCount(discount) >= discount.usageLimit) {
    return "the discount reached its usage limit";
  }
  if (discount.customerIds !== null && (checkout.customerId === null || !discount.customerIds.includes(checkout.customerId))) {
    return "the discount is for other customers";
  }
  if (discount.appliesOncePerCustomer && checkout.usesByCustomer > 0) {
    return "the customer already used the discount";
  }
  if (discount.minimumSubtotal !== null && checkout.subtotal < discount.minimumSubtotal) {
    return "the order is below the discount's minimum subtotal";
  }
  if (discount.minimumQuantity !== null && checkout.quantity < discount.minimumQuantity) {
    return "the order has fewer items than the discount requires";
  }
  if (discount.kind === "free_shipping" && discount.maximumShippingPrice !== null && checkout.shippingPrice > discount.maximumShippingPrice) {
    return "the shipping rate is above the discount's maximum";
  }
  return null;
}
