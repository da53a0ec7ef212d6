/**
 * What the codes on an order mean to the program (called for the stored orders, in their transaction,
 * holding the customers' locks, before the customers' points are settled):
 * - a redemption's code marks that redemption used;
 * - a referred friend's code names the friend, so their first order rewards the referrer even when
 *   they arrived as a guest.
 */
import type { Tx } from "../database/transaction";
import { markRedemptionsUsed } from "./redemption.server";

export async function recordOrderDiscountCodes(
  tx: Tx,
  shopId: string,
  order: { shopifyId: string; discountCodes: string[]; email: string | null },
  customer: { id: string; email: string | null } | null,
  now: Date,
): Promise<void> {
  if (order.discountCodes.length === 0) return;
  await markRedemptionsUsed(tx, shopId, order, now);
  if (!customer) return;
  const friendCodes = await tx.referralDiscount.findMany({ where: { shopId, code: { in: order.discountCodes.map((code) => code.toUpperCase()) } } });
  for (const { referralId } of friendCodes) {
    const referral = await tx.referral.findUnique({ where: { id: referralId }, include: { referrer: { select: { id: true, email: true } } } });
    if (!referral || referral.status !== "PENDING" || (referral.friendId && referral.friendId !== customer.id)) continue;
    const email = (customer.email ?? order.email)?.toLowerCase() ?? null;
    // The referrer's own order with the friend's code (their link opened signed out) earns nothing.
    const self = referral.referrerId === customer.id || (email !== null && referral.referrer.email?.toLowerCase() === email);
    await tx.referral.update({
      where: { id: referral.id },
      data: self ? { status: "REFUSED", refusalReason: "self_referral", friendId: customer.id } : { friendId: customer.id, friendEmail: email },
    });
  }
}

/**
 * `recordOrderDiscountCodes` for the stored orders of a batch, in the order given, with one query for
 * all their codes: most codes are the merchant's own, not the program's, and only an order carrying
 * one of the program's (a redemption's or a referred friend's) goes on to its own checks. A code the
 * query did not find cannot become the program's within the batch (an earlier order can only use a
 * redemption up), so skipping those orders changes nothing.
 */
export async function recordOrdersDiscountCodes(
  tx: Tx,
  shopId: string,
  orders: { order: { shopifyId: string; discountCodes: string[]; email: string | null }; customer: { id: string; email: string | null } | null }[],
  now: Date,
): Promise<void> {
  const withCodes = orders.filter(({ order }) => order.discountCodes.length > 0);
  if (withCodes.length === 0) return;
  const codes = [...new Set(withCodes.flatMap(({ order }) => order.discountCodes.map((code) => code.toUpperCase())))];
  const programCodes = await tx.$queryRaw<{ code: string }[]>`
    SELECT code FROM "Redemption" WHERE "shopId" = ${shopId} AND code = ANY(${codes}::text[]) AND status::text IN ('ISSUED', 'EXPIRED')
    UNION
    SELECT code FROM "ReferralDiscount" WHERE "shopId" = ${shopId} AND code = ANY(${codes}::text[])`;
  if (programCodes.length === 0) return;
  const known = new Set(programCodes.map(({ code }) => code));
  for (const { order, customer } of withCodes) {
    if (order.discountCodes.some((code) => known.has(code.toUpperCase()))) await recordOrderDiscountCodes(tx, shopId, order, customer, now);
  }
}
