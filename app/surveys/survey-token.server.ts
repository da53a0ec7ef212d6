/**
 * The survey email's links: a token naming the shop and the survey (its follow-up), signed with the
 * app secret (HMAC-SHA256), so a score can only be recorded for the survey the email was sent for.
 * The score itself is a plain query parameter: one token serves every score link of one email.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

import { SURVEY_TYPES, type SurveyType } from "./scores";

export interface SurveySubject {
  shopId: string;
  followUpId: string;
  /** The scale the email asked on (the merchant may switch scales later). */
  type: SurveyType;
}

function signature(purpose: string, payload: string, secret: string): Buffer {
  return createHmac("sha256", secret).update(`${purpose}:${payload}`).digest();
}

export function surveyToken(subject: SurveySubject, secret: string): string {
  const payload = Buffer.from(JSON.stringify([subject.shopId, subject.followUpId, subject.type])).toString("base64url");
  return `${payload}.${signature("survey-answer", payload, secret).toString("base64url")}`;
}

/** The subject of a genuine token, or null for anything else. */
export function readSurveyToken(token: string | null | undefined, secret: string): SurveySubject | null {
  if (!token || token.length > 1024) return null;
  const [payload, mac, extra] = token.split(".");
  if (!payload || !mac || extra !== undefined) return null;
  const given = Buffer.from(mac, "base64url");
  const expected = signature("survey-answer", payload, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const [shopId, followUpId, type] = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown[];
    if (typeof shopId !== "string" || typeof followUpId !== "string" || !SURVEY_TYPES.includes(type as SurveyType)) return null;
    return { shopId, followUpId, type: type as SurveyType };
  } catch {
    return null;
  }
}

export function surveyAnswerUrl(appUrl: string, token: string, score: number): string {
  const url = new URL("/surveys/answer", appUrl);
  url.searchParams.set("token", token);
  url.searchParams.set("score", String(score));
  return url.toString();
}

/**
 * The comment form's anti-forgery field: bound to the survey token, so a form posted from another
 * site (which cannot read the page) cannot carry it.
 */
export function surveyFormCheck(token: string, secret: string): string {
  return signature("survey-form", token, secret).toString("base64url");
}

export function isSurveyFormCheck(token: string, check: unknown, secret: string): boolean {
  if (typeof check !== "string" || check.length > 100) return false;
  const given = Buffer.from(check, "base64url");
  const expected = signature("survey-form", token, secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
