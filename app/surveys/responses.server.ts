/**
 * The one writer of survey responses: a score from the email's one-click links (once per survey, a
 * second click changes it), the person's comment and points from the answer page, feedback from the
 * storefront widget, and the merchant resolving an open issue.
 */
import type { Db } from "../database/transaction";
import type { PrismaClient } from "../generated/prisma/client";
import { appendLedgerEntries } from "../loyalty/ledger.server";
import { COMMENT_MAX_LENGTH, isValidScore, type SurveyType } from "./scores";
import type { SurveySubject } from "./survey-token.server";

/** The ledger key of a survey's points: one entry per answered survey, however often the page is posted. */
export const surveyPointsKey = (responseId: string) => `survey:${responseId}`;

export type CommentCheck = { ok: true; comment: string | null } | { ok: false; error: string };

/** A comment as the person typed it: trimmed, empty is none, at most COMMENT_MAX_LENGTH characters. */
export function checkComment(input: unknown): CommentCheck {
  if (input === undefined || input === null) return { ok: true, comment: null };
  if (typeof input !== "string") return { ok: false, error: "The comment must be text." };
  const comment = input.replace(/\r\n/g, "\n").trim();
  if (comment.length > COMMENT_MAX_LENGTH) return { ok: false, error: `The comment is at most ${COMMENT_MAX_LENGTH.toLocaleString("en")} characters (this one has ${comment.length.toLocaleString("en")}).` };
  return { ok: true, comment: comment || null };
}

/** The survey a token names, if it was sent: the email's follow-up of kind SURVEY, of that shop. */
async function sentSurvey(db: Db, subject: SurveySubject) {
  return db.followUp.findFirst({
    where: { id: subject.followUpId, shopId: subject.shopId, kind: "SURVEY", status: "SENT" },
    select: { id: true, shopId: true, customerShopifyId: true, orderShopifyId: true },
  });
}

/**
 * Records (or changes) the score of the survey the token names: a GET may do it, since a mail
 * client's prefetch recording a score the person then changes is harmless. Null when the survey was
 * not sent, or the score is not on its scale.
 */
export async function recordEmailScore(db: PrismaClient, subject: SurveySubject, score: number, now: Date) {
  if (!isValidScore(subject.type, score)) return null;
  const survey = await sentSurvey(db, subject);
  if (!survey) return null;
  return db.surveyResponse.upsert({
    where: { followUpId: survey.id },
    create: {
      shopId: survey.shopId,
      customerShopifyId: survey.customerShopifyId,
      source: "EMAIL",
      followUpId: survey.id,
      orderShopifyId: survey.orderShopifyId,
      type: subject.type,
      score,
      respondedAt: now,
    },
    // A changed score is a new answer: an issue it opens is open again.
    update: { score, respondedAt: now, resolvedAt: null },
  });
}

/** The response of the survey a token names, for the answer page. */
export async function emailResponseOf(db: Db, subject: SurveySubject) {
  return db.surveyResponse.findFirst({ where: { followUpId: subject.followUpId, shopId: subject.shopId } });
}

/**
 * The person's submit on the answer page: their comment (replacing an earlier one), and the shop's
 * points for answering, once per survey (the ledger's key makes a second submit add nothing).
 */
export async function completeEmailResponse(db: PrismaClient, subject: SurveySubject, input: { comment: string | null }, now: Date) {
  return db.$transaction(async (tx) => {
    const response = await emailResponseOf(tx, subject);
    if (!response) return null;
    const updated = await tx.surveyResponse.update({
      where: { id: response.id },
      data: { comment: input.comment, commentedAt: input.comment ? now : null },
    });
    const settings = await tx.followUpSettings.findUnique({ where: { shopId: subject.shopId }, select: { surveyPoints: true } });
    const points = settings?.surveyPoints ?? 0;
    if (points <= 0 || response.pointsAwarded > 0) return { response: updated, pointsAwarded: 0 };
    const customer = await tx.customer.findFirst({
      where: { shopId: subject.shopId, shopifyId: response.customerShopifyId, redactedAt: null, deletedAt: null },
      select: { id: true },
    });
    if (!customer) return { response: updated, pointsAwarded: 0 };
    const written = await appendLedgerEntries(tx, subject.shopId, customer.id, [
      { key: surveyPointsKey(response.id), points, reason: "SURVEY", source: "CUSTOMER", sourceId: response.id, availableAt: now },
    ]);
    if (written === 0) return { response: updated, pointsAwarded: 0 };
    const rewarded = await tx.surveyResponse.update({ where: { id: response.id }, data: { pointsAwarded: points } });
    return { response: rewarded, pointsAwarded: points };
  });
}

/** Feedback from the storefront widget: a signed-in customer's score on the shop's scale, and a comment. */
export async function recordWidgetFeedback(
  db: PrismaClient,
  shopId: string,
  customerShopifyId: string,
  input: { type: SurveyType; score: number; comment: string | null },
  now: Date,
) {
  return db.surveyResponse.create({
    data: {
      shopId,
      customerShopifyId,
      source: "WIDGET",
      type: input.type,
      score: input.score,
      comment: input.comment,
      commentedAt: input.comment ? now : null,
      respondedAt: now,
    },
  });
}

/** The merchant's "resolved" on an open issue; false when it is not this shop's. */
export async function resolveSurveyResponse(db: Db, shopId: string, id: string, now: Date): Promise<boolean> {
  const { count } = await db.surveyResponse.updateMany({ where: { id, shopId, resolvedAt: null }, data: { resolvedAt: now } });
  return count === 1;
}
