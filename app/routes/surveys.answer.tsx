/**
 * The survey email's score links land here, public: the signed token names the shop and the survey,
 * the only credential. A GET records the score (a mail client's prefetch may do that: the person can
 * change it, and a second click does); the comment and the points for answering need the person, so
 * they come only with the page's form, posted with its anti-forgery field from this same origin.
 */
import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";

import db from "../db.server";
import { env } from "../env.server";
import { checkComment, completeEmailResponse, emailResponseOf, recordEmailScore } from "../surveys/responses.server";
import { COMMENT_MAX_LENGTH, SURVEY_SCALES, scoresOf, type SurveyType } from "../surveys/scores";
import { isSurveyFormCheck, readSurveyToken, surveyFormCheck } from "../surveys/survey-token.server";

// As the unsubscribe page: the token stays out of other sites' Referer, the page is never cached or indexed.
const NO_STORE = { "Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex", "X-Frame-Options": "DENY" };
const MAX_FORM_BYTES = 16_384;
const INVALID = "This survey link is not valid.";

async function surveyOf(request: Request) {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  const subject = readSurveyToken(token, env().SHOPIFY_API_SECRET);
  if (!subject) return null;
  const [shop, settings] = await Promise.all([
    db.shop.findUnique({ where: { id: subject.shopId }, select: { name: true, domain: true } }),
    db.followUpSettings.findUnique({ where: { shopId: subject.shopId }, select: { brandColor: true, surveyPoints: true } }),
  ]);
  if (!shop) return null;
  return { subject, token, shopName: shop.name ?? shop.domain, brandColor: settings?.brandColor ?? "#2c6ecb", points: settings?.surveyPoints ?? 0 };
}

function parseScore(value: unknown): number | null {
  return typeof value === "string" && /^\d{1,2}$/.test(value) ? Number(value) : null;
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const survey = await surveyOf(request);
  if (!survey) throw new Response(INVALID, { status: 404, headers: NO_STORE });
  const score = parseScore(new URL(request.url).searchParams.get("score"));
  const now = new Date();
  const response = score === null ? await emailResponseOf(db, survey.subject) : await recordEmailScore(db, survey.subject, score, now);
  if (!response) throw new Response(INVALID, { status: 404, headers: NO_STORE });
  return Response.json(
    {
      shopName: survey.shopName,
      brandColor: /^#[0-9a-fA-F]{3,8}$/.test(survey.brandColor) ? survey.brandColor : "#2c6ecb",
      type: survey.subject.type,
      score: response.score,
      comment: response.comment ?? "",
      points: response.pointsAwarded > 0 ? 0 : survey.points,
      pointsAwarded: response.pointsAwarded,
      check: surveyFormCheck(survey.token, env().SHOPIFY_API_SECRET),
      // The form posts to the link without its score: the page shown after the post must not record the link's score again.
      formAction: `?${new URLSearchParams({ token: survey.token })}`,
    },
    { headers: NO_STORE },
  );
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const survey = await surveyOf(request);
  if (!survey) return new Response(INVALID, { status: 404, headers: NO_STORE });
  if (Number(request.headers.get("content-length") ?? 0) > MAX_FORM_BYTES) return new Response("Too large.", { status: 413, headers: NO_STORE });
  const form = await request.formData();
  if (!isSurveyFormCheck(survey.token, form.get("check"), env().SHOPIFY_API_SECRET)) {
    return Response.json({ ok: false, error: "This form has expired: open the link in the email again." }, { status: 403, headers: NO_STORE });
  }
  const comment = checkComment(form.get("comment"));
  if (!comment.ok) return Response.json({ ok: false, error: comment.error }, { status: 400, headers: NO_STORE });
  const now = new Date();
  const score = parseScore(form.get("score"));
  if (score !== null && !(await recordEmailScore(db, survey.subject, score, now))) {
    return Response.json({ ok: false, error: `Choose a score from ${SURVEY_SCALES[survey.subject.type].min} to ${SURVEY_SCALES[survey.subject.type].max}.` }, { status: 400, headers: NO_STORE });
  }
  const result = await completeEmailResponse(db, survey.subject, { comment: comment.comment }, now);
  if (!result) return new Response(INVALID, { status: 404, headers: NO_STORE });
  return Response.json({ ok: true, pointsAwarded: result.pointsAwarded, score: result.response.score }, { headers: NO_STORE });
};

export const headers: HeadersFunction = () => NO_STORE;

export const meta: MetaFunction = () => [{ title: "Your feedback" }, { name: "robots", content: "noindex" }];

interface Loaded {
  shopName: string;
  brandColor: string;
  type: SurveyType;
  score: number;
  comment: string;
  points: number;
  pointsAwarded: number;
  check: string;
  formAction: string;
}
type Answered = { ok: true; pointsAwarded: number; score: number } | { ok: false; error: string };

export default function SurveyAnswer() {
  const page = useLoaderData<Loaded>();
  const answered = useActionData<Answered>();
  const scale = SURVEY_SCALES[page.type];
  const colour = page.brandColor;
  return (
    <main style={{ maxWidth: 560, margin: "48px auto", padding: "0 16px", fontFamily: "system-ui, sans-serif", lineHeight: 1.5, color: "#1f2937" }}>
      <header style={{ background: colour, color: "#ffffff", padding: "16px 20px", borderRadius: 8 }}>
        <h1 style={{ fontSize: 22, margin: 0 }}>{page.shopName}</h1>
      </header>
      {answered?.ok ? (
        <section role="status" data-answered="true">
          <h2 style={{ fontSize: 20 }}>Thank you for your feedback!</h2>
          <p>{`Your answer (${answered.score}) is with ${page.shopName}.`}</p>
          {answered.pointsAwarded > 0 && <p data-points-awarded={answered.pointsAwarded}>{`You earned ${answered.pointsAwarded.toLocaleString("en")} points.`}</p>}
        </section>
      ) : (
        // A plain form posting to this same URL (token included): it works without JavaScript.
        <form method="post" action={page.formAction}>
          <p style={{ fontWeight: 600 }}>{scale.question(page.shopName)}</p>
          <p role="status" data-recorded-score={page.score}>{`We recorded your answer: ${page.score}. You can change it below.`}</p>
          <fieldset style={{ border: 0, padding: 0, display: "flex", flexWrap: "wrap", gap: 4 }}>
            <legend style={{ fontSize: 13, color: "#6b7280" }}>{`${scale.lowLabel} · ${scale.highLabel}`}</legend>
            {scoresOf(page.type).map((score) => (
              <label key={score} style={{ border: `1px solid ${colour}`, borderRadius: 4, padding: "6px 8px", cursor: "pointer" }}>
                <input type="radio" name="score" value={score} defaultChecked={score === page.score} /> {score}
              </label>
            ))}
          </fieldset>
          <label htmlFor="comment" style={{ display: "block", marginTop: 16 }}>
            Anything you would like to tell us? (optional)
          </label>
          <textarea id="comment" name="comment" rows={5} maxLength={COMMENT_MAX_LENGTH} defaultValue={page.comment} style={{ width: "100%", boxSizing: "border-box", fontSize: 16 }} />
          <p style={{ fontSize: 12, color: "#6b7280", margin: 0 }}>{`At most ${COMMENT_MAX_LENGTH.toLocaleString("en")} characters.`}</p>
          <input type="hidden" name="check" value={page.check} />
          {answered && !answered.ok && (
            <p role="alert" style={{ color: "#b91c1c" }}>
              {answered.error}
            </p>
          )}
          <button type="submit" style={{ marginTop: 12, padding: "10px 20px", fontSize: 16, background: colour, color: "#ffffff", border: 0, borderRadius: 6 }}>
            {page.points > 0 ? `Send and earn ${page.points.toLocaleString("en")} points` : "Send"}
          </button>
        </form>
      )}
    </main>
  );
}
