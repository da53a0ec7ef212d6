/**
 * Satisfaction scores, pure: the two survey types, what each score means, and the period figures
 * (NPS, CSAT) as docs/metrics.md defines them. The admin page, the report and the health mark read
 * them from here.
 */
export type SurveyType = "NPS" | "CSAT";
export const SURVEY_TYPES: readonly SurveyType[] = ["NPS", "CSAT"];

export interface SurveyScale {
  min: number;
  max: number;
  question: (shopName: string) => string;
  lowLabel: string;
  highLabel: string;
}

export const SURVEY_SCALES: Record<SurveyType, SurveyScale> = {
  NPS: {
    min: 0,
    max: 10,
    question: (shop) => `How likely are you to recommend ${shop} to a friend or colleague?`,
    lowLabel: "0 = not at all likely",
    highLabel: "10 = extremely likely",
  },
  CSAT: {
    min: 1,
    max: 5,
    question: (shop) => `How satisfied are you with your recent order from ${shop}?`,
    lowLabel: "1 = very unsatisfied",
    highLabel: "5 = very satisfied",
  },
};

/** The most characters a comment keeps; the form and the widget say so. */
export const COMMENT_MAX_LENGTH = 1_000;

export function scoresOf(type: SurveyType): number[] {
  const { min, max } = SURVEY_SCALES[type];
  return Array.from({ length: max - min + 1 }, (_, index) => min + index);
}

export function isValidScore(type: SurveyType, score: unknown): score is number {
  const { min, max } = SURVEY_SCALES[type];
  return typeof score === "number" && Number.isInteger(score) && score >= min && score <= max;
}

/** NPS groups: 9–10 promoters, 7–8 passives, 0–6 detractors. */
export type NpsGroup = "promoter" | "passive" | "detractor";
export function npsGroup(score: number): NpsGroup {
  return score >= 9 ? "promoter" : score >= 7 ? "passive" : "detractor";
}

/** CSAT: 4 and 5 are satisfied; 1 and 2 are unhappy. */
export const isSatisfied = (score: number) => score >= 4;

/**
 * An answer that opens an issue on the customer (amber on the Customers page until the merchant
 * resolves it): an NPS detractor (0–6) or a CSAT of 1 or 2.
 */
export function opensIssue(type: SurveyType, score: number): boolean {
  return type === "NPS" ? score <= 6 : score <= 2;
}

/** SQL twin of opensIssue over a SurveyResponse row `r`; kept beside it so both say the same. */
export const OPENS_ISSUE_SQL_TEXT = `((r.type = 'NPS' AND r.score <= 6) OR (r.type = 'CSAT' AND r.score <= 2))`;

/** How many answers gave each score, per survey type: what the database counts, what the figures are made of. */
export interface ScoreCount {
  type: SurveyType;
  score: number;
  count: number;
}

export interface SurveyFigures {
  /** % promoters − % detractors of the NPS answers, whole number; null without NPS answers. */
  nps: number | null;
  /** % of 4s and 5s of the CSAT answers, whole number; null without CSAT answers. */
  csat: number | null;
  npsResponses: number;
  csatResponses: number;
  promoters: number;
  passives: number;
  detractors: number;
  satisfied: number;
}

/** NPS and CSAT from counts: each computed once here, whatever page or report shows it. */
export function surveyFigures(counts: readonly ScoreCount[]): SurveyFigures {
  const figures = { npsResponses: 0, csatResponses: 0, promoters: 0, passives: 0, detractors: 0, satisfied: 0 };
  for (const { type, score, count } of counts) {
    if (type === "NPS") {
      figures.npsResponses += count;
      figures[`${npsGroup(score)}s` as "promoters" | "passives" | "detractors"] += count;
    } else {
      figures.csatResponses += count;
      if (isSatisfied(score)) figures.satisfied += count;
    }
  }
  const percent = (part: number, whole: number) => (whole === 0 ? null : Math.round((part * 100) / whole));
  const difference = figures.promoters - figures.detractors;
  return {
    ...figures,
    // Rounded once from the exact fraction, so −0 never shows.
    nps: figures.npsResponses === 0 ? null : Math.round((difference * 100) / figures.npsResponses) + 0,
    csat: percent(figures.satisfied, figures.csatResponses),
  };
}

/**
 * Net Promoter Score of a set of NPS answers: % promoters − % detractors, rounded to a whole number
 * (−100 to 100); null with no answers.
 */
export function netPromoterScore(scores: readonly number[]): number | null {
  return surveyFigures(scores.map((score) => ({ type: "NPS", score, count: 1 }))).nps;
}

/** CSAT of a set of CSAT answers: % of 4s and 5s, rounded to a whole number; null with no answers. */
export function customerSatisfaction(scores: readonly number[]): number | null {
  return surveyFigures(scores.map((score) => ({ type: "CSAT", score, count: 1 }))).csat;
}

/** Responses ÷ survey emails sent, in whole percent; null when none was sent. */
export function responseRate(responses: number, sent: number): number | null {
  return sent === 0 ? null : Math.round((responses * 100) / sent);
}

/** The Surveys page's comment filters. */
export const COMMENT_FILTERS = ["all", "issues", "open", "detractors", "passives", "promoters", "unhappy", "satisfied"] as const;
export type CommentFilter = (typeof COMMENT_FILTERS)[number];
