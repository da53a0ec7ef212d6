/**
 * Shopify's privacy requests for one customer: what we hold about them (customers/data_request) and
 * erasing it (customers/redact). Amounts, orders and ledger entries stay, without the person, so the
 * shop's totals and reports stay right.
 */
import type { Tx } from "../database/transaction";
import type { Prisma } from "../generated/prisma/client";
import { forgetContactKeys } from "../loyalty/contact-keys.server";

/** Everything the app stores about the customer, as plain JSON for the merchant to hand over. */
export async function customerDataReport(tx: Tx, shopId: string, customerShopifyId: string) {
  const customer = await tx.customer.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } } });
  const orders = await tx.order.findMany({
    where: { shopId, customerShopifyId },
    orderBy: { placedAt: "asc" },
    include: { lineItems: { select: { title: true, quantity: true, price: true, productShopifyId: true, variantShopifyId: true } } },
  });
  const ledger = customer
    ? await tx.pointsLedgerEntry.findMany({
        where: { customerId: customer.id },
        orderBy: { createdAt: "asc" },
        select: { points: true, reason: true, note: true, createdAt: true, availableAt: true },
      })
    : [];
  const referrals = customer
    ? await tx.referral.findMany({
        where: { OR: [{ referrerId: customer.id }, { friendId: customer.id }] },
        select: { status: true, refusalReason: true, friendEmail: true, createdAt: true, rewardedAt: true },
      })
    : [];
  const tierChanges = customer
    ? await tx.tierChange.findMany({
        where: { customerId: customer.id },
        orderBy: [{ createdAt: "asc" }, { sequence: "asc" }],
        select: { fromTierName: true, toTierName: true, reason: true, note: true, createdAt: true },
      })
    : [];
  return JSON.parse(
    JSON.stringify({
      customer: customer && {
        id: customer.shopifyId,
        email: customer.email,
        firstName: customer.firstName,
        lastName: customer.lastName,
        phone: customer.phone,
        hasAccount: customer.hasAccount,
        referralCode: customer.referralCode,
        birthday: customer.birthdayMonth !== null && customer.birthdayDay !== null ? { month: customer.birthdayMonth, day: customer.birthdayDay, setAt: customer.birthdaySetAt } : null,
        redactedAt: customer.redactedAt,
      },
      orders: orders.map((order) => ({
        id: order.shopifyId,
        name: order.name,
        email: order.email,
        placedAt: order.placedAt,
        financialStatus: order.financialStatus,
        cancelledAt: order.cancelledAt,
        total: order.total.toFixed(2),
        currencyCode: order.currencyCode,
        lineItems: order.lineItems.map((line) => ({ ...line, price: line.price.toFixed(2) })),
      })),
      pointsHistory: ledger,
      pointsBalance: ledger.reduce((sum, entry) => sum + entry.points, 0),
      referrals,
      tierChanges,
    }),
  ) as Prisma.InputJsonObject;
}

/**
 * customers/redact: the person's name, email, phone, address and birthday go from the customer, their orders
 * and referrals; the redacted mark also stops every follow-up to them. Amounts and points stay.
 */
export async function redactCustomer(tx: Tx, shopId: string, customerShopifyId: string, at: Date): Promise<void> {
  const customer = await tx.customer.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } } });
  await tx.order.updateMany({ where: { shopId, customerShopifyId }, data: { email: null } });
  // Nothing more goes out to them, and what was sent forgets the address it went to.
  await tx.followUp.updateMany({
    where: { shopId, customerShopifyId, status: "SCHEDULED" },
    data: { status: "CANCELLED", cancelledAt: at, cancelReason: "customer data erased (customers/redact)" },
  });
  await tx.followUp.updateMany({ where: { shopId, customerShopifyId }, data: { toEmail: null } });
  if (!customer) return;
  await tx.customer.update({
    where: { id: customer.id },
    data: { email: null, firstName: null, lastName: null, phone: null, addressKey: null, birthdayMonth: null, birthdayDay: null, birthdaySetAt: null, redactedAt: at },
  });
  await tx.referral.updateMany({ where: { friendId: customer.id }, data: { friendEmail: null } });
  await forgetContactKeys(tx, customer.id);
  // The one edit the ledger allows: a merchant's free-text reason may name the person.
  await tx.pointsLedgerEntry.updateMany({ where: { customerId: customer.id, reason: "ADJUSTMENT" }, data: { note: "(redacted)" } });
  // So may a tier override's reason.
  await tx.tierChange.updateMany({ where: { customerId: customer.id, note: { not: null } }, data: { note: "(redacted)" } });
  await tx.customerTier.updateMany({ where: { customerId: customer.id, overrideReason: { not: null } }, data: { overrideReason: "(redacted)" } });
}
