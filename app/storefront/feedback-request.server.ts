/**
 * "Tell us how we're doing" from the storefront widget: a signed-in customer's score on the shop's
 * survey scale and an optional comment, counted against the rate limits, stored with the survey
 * responses (recordWidgetFeedback) and shown on the Surveys page with the emailed answers.
 */
import { z } from "zod";

import db from "../db.server";
import { checkComment, recordWidgetFeedback } from "../surveys/responses.server";
import { SURVEY_SCALES, isValidScore } from "../surveys/scores";
import { FEEDBACK_PER_CUSTOMER, FEEDBACK_PER_IP, takeRateLimits } from "./rate-limits.server";

export interface FeedbackShopper {
  shop: string;
  customerGid: string;
  ip: string;
}

const NO_STORE = { "Cache-Control": "no-store" };
const MAX_BODY_BYTES = 8_192;

const FeedbackBody = z.object({ score: z.union([z.number(), z.string()]), comment: z.unknown().optional() });

/** Body `{ score, comment? }` → `{ ok: true }`, or `{ error }` with 400, 404, 413 or 429. */
export async function sendFeedbackForShopper(request: Request, shopper: FeedbackShopper, now = new Date()): Promise<Response> {
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return Response.json({ error: "The feedback is too long." }, { status: 413, headers: NO_STORE });
  const verdict = await takeRateLimits(
    db,
    shopper.shop,
    [
      { limit: FEEDBACK_PER_CUSTOMER, subject: shopper.customerGid },
      { limit: FEEDBACK_PER_IP, subject: shopper.ip },
    ],
    now,
  );
  if (!verdict.allowed) {
    return Response.json(
      { error: `Thanks, we have your feedback. You can send more in ${Math.ceil(verdict.retryAfterSeconds / 60)} minutes.`, retryAfter: verdict.retryAfterSeconds },
      { status: 429, headers: { "Retry-After": String(verdict.retryAfterSeconds), ...NO_STORE } },
    );
  }
  const shop = await db.shop.findUnique({ where: { domain: shopper.shop }, select: { id: true, uninstalledAt: true, followUpSettings: { select: { surveyType: true } } } });
  if (!shop || shop.uninstalledAt) return Response.json({ error: "This shop's program is not available." }, { status: 404, headers: NO_STORE });
  const customer = await db.customer.findFirst({ where: { shopId: shop.id, shopifyId: shopper.customerGid }, select: { redactedAt: true, deletedAt: true } });
  if (customer && (customer.redactedAt || customer.deletedAt)) return Response.json({ error: "This account is closed." }, { status: 404, headers: NO_STORE });
  const type = shop.followUpSettings?.surveyType ?? "NPS";
  const { min, max } = SURVEY_SCALES[type];
  let body: z.infer<typeof FeedbackBody>;
  try {
    body = FeedbackBody.parse(JSON.parse(text));
  } catch {
    return Response.json({ error: `Choose a score from ${min} to ${max}.` }, { status: 400, headers: NO_STORE });
  }
  const score = typeof body.score === "string" && /^\d{1,2}$/.test(body.score.trim()) ? Number(body.score) : body.score;
  if (!isValidScore(type, score)) return Response.json({ error: `Choose a score from ${min} to ${max}.` }, { status: 400, headers: NO_STORE });
  const comment = checkComment(body.comment === "" ? null : body.comment);
  if (!comment.ok) return Response.json({ error: comment.error }, { status: 400, headers: NO_STORE });
  await recordWidgetFeedback(db, shop.id, shopper.customerGid, { type, score, comment: comment.comment }, now);
  return Response.json({ ok: true }, { headers: NO_STORE });
}
