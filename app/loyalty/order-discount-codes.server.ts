/**
 * What the codes on an order mean to the program (called once per stored order, in its transaction,
 * holding the customer's lock, before the customer's points are settled):
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
