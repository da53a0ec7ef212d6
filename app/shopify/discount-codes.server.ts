/**
 * Discount codes the app hands out: the code itself (rewards, referred friends, follow-up incentives)
 * and a follow-up's or a campaign's incentive created through the Admin API: unique, single-use, for
 * that customer only, ending after the set number of days.
 */
import { randomInt } from "node:crypto";

import { adminQuery, type AdminGraphql } from "./admin-graphql.server";
import { DISCOUNT_CODE_BASIC_CREATE_MUTATION } from "./operations";

const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/** e.g. THANKS-7K2Q9XHD: 40 random bits after a readable prefix. */
export function newDiscountCode(prefix: string): string {
  return `${prefix}-${Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("")}`;
}

export class DiscountRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DiscountRefusedError";
  }
}

/**
 * Creates the code; returns the discount's GID, or null when the code already exists (an earlier
 * attempt created it and stopped before recording that: the same code is used).
 */
export async function createFollowUpDiscount(
  graphql: AdminGraphql,
  input: { code: string; title: string; customerShopifyId: string; startsAt: Date; endsAt: Date } & ({ percent: number } | { amount: string }),
): Promise<string | null> {
  // A percentage as Shopify's fraction, or an amount off the whole order (a decimal string, shop currency).
  const value = "percent" in input ? { percentage: input.percent / 100 } : { discountAmount: { amount: input.amount, appliesOnEachItem: false } };
  const { discountCodeBasicCreate: result } = await adminQuery(graphql, DISCOUNT_CODE_BASIC_CREATE_MUTATION, {
    variables: {
      basicCodeDiscount: {
        title: input.title,
        code: input.code,
        startsAt: input.startsAt.toISOString(),
        endsAt: input.endsAt.toISOString(),
        usageLimit: 1,
        appliesOncePerCustomer: true,
        context: { customers: { add: [input.customerShopifyId] } },
        customerGets: { value, items: { all: true } },
        combinesWith: { orderDiscounts: false, productDiscounts: false, shippingDiscounts: true },
      },
    },
  });
  const userErrors = result?.userErrors ?? [];
  if (userErrors.some((error) => error.code === "TAKEN")) return null;
  if (userErrors.length > 0 || !result?.codeDiscountNode) {
    throw new DiscountRefusedError(`discount code refused: ${userErrors.map((error) => error.message).join("; ") || "no discount returned"}`);
  }
  return result.codeDiscountNode.id;
}
