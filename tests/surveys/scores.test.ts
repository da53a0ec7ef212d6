/**
 * The survey rules, pure, against answers worked by hand: NPS and CSAT of a set of answers, which
 * answers open an issue, when an order's survey is due (after fulfilment, or after the order in a shop
 * that does not fulfil through Shopify, out of quiet hours), the health mark with an open issue, and
 * the email's signed survey token (forged or altered ones refused).
 */
import { describe, expect, it } from "vitest";

import { customerHealth } from "../../app/customers/health";
import { surveyDueAt } from "../../app/follow-ups/rules";
import { checkComment } from "../../app/surveys/responses.server";
import { customerSatisfaction, netPromoterScore, opensIssue, responseRate, surveyFigures } from "../../app/surveys/scores";
import { readSurveyToken, surveyToken } from "../../app/surveys/survey-token.server";

describe("NPS and CSAT", () => {
  it("NPS is % promoters − % detractors, worked by hand", () => {
    // 10 answers: promoters 10, 9, 9, 10 (4 = 40%); passives 7, 8 (2); detractors 0, 6, 3, 5 (4 = 40%): 40 − 40 = 0.
    expect(netPromoterScore([10, 9, 9, 10, 7, 8, 0, 6, 3, 5])).toBe(0);
    // 8 answers: promoters 9, 10, 10, 9, 9 (5 = 62.5%); passive 8; detractors 6, 2 (2 = 25%): 37.5 → 38.
    expect(netPromoterScore([9, 10, 10, 9, 9, 8, 6, 2])).toBe(38);
    // 3 answers, all detractors: −100. One passive alone: 0. None: no score.
    expect(netPromoterScore([0, 1, 6])).toBe(-100);
    expect(netPromoterScore([7])).toBe(0);
    expect(netPromoterScore([])).toBeNull();
    // 7 answers: 1 promoter, 4 detractors: (1 − 4) / 7 = −42.86% → −43.
    expect(netPromoterScore([10, 7, 8, 1, 2, 3, 4])).toBe(-43);
  });

  it("CSAT is the % of 4s and 5s, worked by hand", () => {
    // 4, 5, 5 of 1, 2, 3, 4, 5, 5: 3 of 6 = 50%.
    expect(customerSatisfaction([1, 2, 3, 4, 5, 5])).toBe(50);
    // 2 of 3 = 66.7% → 67.
    expect(customerSatisfaction([5, 4, 3])).toBe(67);
    expect(customerSatisfaction([])).toBeNull();
  });

  it("counts of both types give each figure from its own answers", () => {
    const figures = surveyFigures([
      { type: "NPS", score: 10, count: 3 },
      { type: "NPS", score: 8, count: 1 },
      { type: "NPS", score: 4, count: 1 },
      { type: "CSAT", score: 5, count: 2 },
      { type: "CSAT", score: 2, count: 2 },
    ]);
    // NPS: 3 promoters, 1 detractor of 5 = 60 − 20 = 40. CSAT: 2 of 4 = 50.
    expect(figures).toEqual({ nps: 40, csat: 50, npsResponses: 5, csatResponses: 4, promoters: 3, passives: 1, detractors: 1, satisfied: 2 });
    expect(responseRate(3, 8)).toBe(38);
    expect(responseRate(0, 0)).toBeNull();
  });

  it("an NPS detractor (0–6) or a CSAT of 1 or 2 opens an issue, nothing else", () => {
    expect([0, 6, 7, 10].map((score) => opensIssue("NPS", score))).toEqual([true, true, false, false]);
    expect([1, 2, 3, 5].map((score) => opensIssue("CSAT", score))).toEqual([true, true, false, false]);
  });

  it("comments are trimmed, empty is none, and at most 1,000 characters", () => {
    expect(checkComment("  Slow delivery \r\n")).toEqual({ ok: true, comment: "Slow delivery" });
    expect(checkComment("   ")).toEqual({ ok: true, comment: null });
    expect(checkComment("x".repeat(1000))).toEqual({ ok: true, comment: "x".repeat(1000) });
    expect(checkComment("x".repeat(1001))).toEqual({ ok: false, error: "The comment is at most 1,000 characters (this one has 1,001)." });
    expect(checkComment(42)).toEqual({ ok: false, error: "The comment must be text." });
  });
});

describe("when the survey is due", () => {
  const rules = { surveyDelayDays: 7, timezone: "America/New_York", quietHours: { start: 21, end: 9 } };
  const placedAt = new Date("2026-11-02T15:00:00Z");

  it("7 days after fulfilment, moved out of the shop's quiet hours", () => {
    // Fulfilled 2026-11-03 16:00 UTC (11:00 in New York): due 2026-11-10 16:00 UTC, a sendable hour.
    expect(surveyDueAt({ placedAt, fulfilledAt: new Date("2026-11-03T16:00:00Z") }, true, rules)).toEqual(new Date("2026-11-10T16:00:00Z"));
    // Fulfilled at 03:00 UTC (22:00 the evening before in New York): due in quiet hours, sent at 09:00 local (14:00 UTC).
    expect(surveyDueAt({ placedAt, fulfilledAt: new Date("2026-11-04T03:00:00Z") }, true, rules)).toEqual(new Date("2026-11-11T14:00:00Z"));
  });

  it("a fulfilling shop's unfulfilled order waits; a shop that does not fulfil through Shopify is asked after the order", () => {
    expect(surveyDueAt({ placedAt, fulfilledAt: null }, true, rules)).toBeNull();
    expect(surveyDueAt({ placedAt, fulfilledAt: null }, false, rules)).toEqual(new Date("2026-11-09T15:00:00Z"));
  });
});

describe("the health mark with satisfaction", () => {
  const thresholds = { slippingDays: 60, lapsedDays: 180 };
  const now = new Date("2026-12-07T12:00:00Z");
  it("an open issue is amber whatever the recency; resolved, recency decides again", () => {
    const recent = new Date("2026-12-01T12:00:00Z");
    expect(customerHealth(recent, thresholds, now, true)).toBe("open-issue");
    expect(customerHealth(recent, thresholds, now, false)).toBe("recent");
    expect(customerHealth(null, thresholds, now, true)).toBe("open-issue");
  });
});

describe("the survey token", () => {
  const secret = "app-secret";
  const subject = { shopId: "shop-1", followUpId: "follow-up-1", type: "NPS" as const };
  it("reads back what it signed; a forged, altered or other secret's token is refused", () => {
    const token = surveyToken(subject, secret);
    expect(readSurveyToken(token, secret)).toEqual(subject);
    expect(readSurveyToken(token, "another-secret")).toBeNull();
    const [, mac] = token.split(".");
    const otherSurvey = Buffer.from(JSON.stringify(["shop-1", "follow-up-2", "NPS"])).toString("base64url");
    expect(readSurveyToken(`${otherSurvey}.${mac}`, secret)).toBeNull();
    expect(readSurveyToken(`${token}x`, secret)).toBeNull();
    expect(readSurveyToken("preview", secret)).toBeNull();
    expect(readSurveyToken(surveyToken({ ...subject, type: "CSAT" }, secret), secret)).toEqual({ ...subject, type: "CSAT" });
  });
});
