/**
 * Shopify's privacy requests for one customer: what we hold about them (customers/data_request) and
 * erasing it (customers/redact). Amounts, orders and ledger entries stay, without the person, so the
 * shop's totals and reports stay right.
 */
import type { Tx } from "../database/transaction";
import type { Prisma } from "../generated/prisma/client";
import { forgetContactKeys } from "../loyalty/contact-keys.server";
import { forgetCustomerWrites } from "../shop-tools/outbox.server";

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
  // What the app derived from their orders (their RFM segment and predicted next order), the emails it
  // sent or meant to send them (follow-ups and campaigns), and their email choices.
  const [segment, prediction, emails, unsubscribe, consent] = await Promise.all([
    tx.customerSegment.findUnique({ where: { shopId_customerShopifyId: { shopId, customerShopifyId } } }),
    tx.nextOrderPrediction.findUnique({ where: { shopId_customerShopifyId: { shopId, customerShopifyId } } }),
    tx.followUp.findMany({
      where: { shopId, customerShopifyId },
      orderBy: { createdAt: "asc" },
      select: { kind: true, status: true, subject: true, toEmail: true, sentAt: true, discountCode: true, cancelReason: true, campaign: { select: { name: true } } },
    }),
    tx.followUpUnsubscribe.findUnique({ where: { shopId_customerShopifyId: { shopId, customerShopifyId } }, select: { unsubscribedAt: true } }),
    tx.marketingConsent.findUnique({ where: { shopId_customerShopifyId: { shopId, customerShopifyId } }, select: { state: true, consentUpdatedAt: true } }),
  ]);
  // What the app wrote on their Shopify customer record (the loyalty metafields, the tier tag).
  const shopifyRecord = customer
    ? await tx.customerShopifyRecord.findUnique({ where: { customerId: customer.id }, select: { pointsBalance: true, tier: true, tierTag: true, writtenAt: true } })
    : null;
  // Rows of balance imports naming them, with the tier the previous app gave them.
  const importedRows = customer
    ? await tx.pointsImportRow.findMany({ where: { customerId: customer.id }, select: { points: true, tierName: true, pointsImport: { select: { fileName: true, appliedAt: true } } } })
    : [];
  const surveyAnswers = await tx.surveyResponse.findMany({
    where: { shopId, customerShopifyId },
    orderBy: { respondedAt: "asc" },
    select: { type: true, score: true, comment: true, source: true, orderShopifyId: true, respondedAt: true, commentedAt: true, pointsAwarded: true, resolvedAt: true },
  });
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
      segment: segment && { segment: segment.segment, recencyScore: segment.recencyScore, frequencyScore: segment.frequencyScore, monetaryScore: segment.monetaryScore },
      nextOrder: prediction && { expectedAt: prediction.expectedNextAt, expectedGapDays: prediction.expectedGapDays, basedOnOrders: prediction.orders },
      emails: emails.map(({ campaign, ...email }) => ({ ...email, campaign: campaign?.name ?? null })),
      unsubscribedAt: unsubscribe?.unsubscribedAt ?? null,
      emailMarketingConsent: consent,
      shopifyRecord,
      importedBalances: importedRows.map((row) => ({ points: row.points, tierName: row.tierName, fileName: row.pointsImport.fileName, importedAt: row.pointsImport.appliedAt })),
      surveyAnswers,
      tierChanges,
    }),
  ) as Prisma.InputJsonObject;
}

/** Who an erased survey answer belongs to: no one. */
export const ERASED_CUSTOMER = "";

/**
 * customers/redact: the person's name, email, phone, address and birthday go from the customer, their orders,
 * referrals and survey answers (their comments go; their scores stay, belonging to no one); the redacted mark also stops every follow-up to them. Amounts and points stay.
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
  // Their email marketing consent goes too (a later consent webhook about them records nothing).
  await tx.marketingConsent.deleteMany({ where: { shopId, customerShopifyId } });
  // Survey answers keep only their score, for the shop's NPS and CSAT: no comment, no customer, no order.
  await tx.surveyResponse.updateMany({ where: { shopId, customerShopifyId }, data: { customerShopifyId: ERASED_CUSTOMER, comment: null, commentedAt: null, orderShopifyId: null } });
  if (!customer) return;
  await tx.customer.update({
    where: { id: customer.id },
    data: { email: null, firstName: null, lastName: null, phone: null, addressKey: null, birthdayMonth: null, birthdayDay: null, birthdaySetAt: null, redactedAt: at },
  });
  await tx.referral.updateMany({ where: { friendId: customer.id }, data: { friendEmail: null } });
  await forgetContactKeys(tx, customer.id);
  // Nothing more goes to their Shopify record or to Flow about them.
  await forgetCustomerWrites(tx, customer.id);
  // The tier the previous app gave them is about the person; the points stay in the ledger.
  await tx.pointsImportRow.updateMany({ where: { customerId: customer.id }, data: { tierName: null } });
  // The one edit the ledger allows: a merchant's free-text reason may name the person.
  await tx.pointsLedgerEntry.updateMany({ where: { customerId: customer.id, reason: "ADJUSTMENT" }, data: { note: "(redacted)" } });
  // So may a tier override's reason.
  await tx.tierChange.updateMany({ where: { customerId: customer.id, note: { not: null } }, data: { note: "(redacted)" } });
  await tx.customerTier.updateMany({ where: { customerId: customer.id, overrideReason: { not: null } }, data: { overrideReason: "(redacted)" } });
}
