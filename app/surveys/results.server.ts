/**
 * The Surveys page's and the report's figures for a period of the shop's local days (and the one
 * before): NPS, CSAT, the response rate, the monthly trend and the comments. One module for both, so
 * the page and `npm run report` cannot disagree.
 */
import type { Db } from "../database/transaction";
import { Prisma } from "../generated/prisma/client";
import { addMonths, chartMonths, monthOf, previousPeriod, type Period } from "../reports/metrics";
import { OPENS_ISSUE_SQL_TEXT, responseRate, type CommentFilter, surveyFigures, type ScoreCount, type SurveyFigures, type SurveyType } from "./scores";

export interface SurveyPeriodFigures extends SurveyFigures {
  from: string;
  to: string;
  /** Every answer in the period: emailed and from the widget. */
  responses: number;
  /** Survey emails sent in the period. */
  surveysSent: number;
  /** Of those, how many were answered (whenever). */
  surveysAnswered: number;
  /** surveysAnswered ÷ surveysSent, whole percent; null when none was sent. */
  responseRate: number | null;
}

export interface SurveyMonth {
  /** First day of the month (shop's time zone). */
  month: string;
  nps: number | null;
  csat: number | null;
  responses: number;
}

/** A day of the shop's calendar for a stored UTC timestamp column. */
const localDay = (column: Prisma.Sql, timezone: string) => Prisma.sql`((${column} AT TIME ZONE 'UTC') AT TIME ZONE ${timezone})::date`;

async function periodFigures(db: Db, shop: { id: string; ianaTimezone: string }, period: Period): Promise<SurveyPeriodFigures> {
  const day = localDay(Prisma.sql`r."respondedAt"`, shop.ianaTimezone);
  const sentDay = localDay(Prisma.sql`f."sentAt"`, shop.ianaTimezone);
  const [counts, [sent]] = await Promise.all([
    db.$queryRaw<ScoreCount[]>`
      SELECT r.type::text AS type, r.score, COUNT(*)::int AS count FROM "SurveyResponse" r
       WHERE r."shopId" = ${shop.id} AND ${day} BETWEEN ${period.from}::date AND ${period.to}::date
       GROUP BY r.type, r.score`,
    db.$queryRaw<{ sent: number; answered: number }[]>`
      SELECT COUNT(*)::int AS sent, COUNT(r.id)::int AS answered
        FROM "FollowUp" f LEFT JOIN "SurveyResponse" r ON r."followUpId" = f.id
       WHERE f."shopId" = ${shop.id} AND f.kind = 'SURVEY' AND f.status = 'SENT' AND f."sentAt" IS NOT NULL
         AND ${sentDay} BETWEEN ${period.from}::date AND ${period.to}::date`,
  ]);
  const figures = surveyFigures(counts);
  return {
    from: period.from,
    to: period.to,
    ...figures,
    responses: counts.reduce((sum, row) => sum + row.count, 0),
    surveysSent: sent.sent,
    surveysAnswered: sent.answered,
    responseRate: responseRate(sent.answered, sent.sent),
  };
}

/** NPS, CSAT and answers for each month the chart shows, ending with the period's last. */
async function monthlyTrend(db: Db, shop: { id: string; ianaTimezone: string }, period: Period): Promise<SurveyMonth[]> {
  const last = monthOf(period.to);
  const months = Array.from({ length: chartMonths(period) }, (_, index) => addMonths(last, index - chartMonths(period) + 1));
  const day = localDay(Prisma.sql`r."respondedAt"`, shop.ianaTimezone);
  const rows = await db.$queryRaw<(ScoreCount & { month: string })[]>`
    SELECT to_char(date_trunc('month', ${day}), 'YYYY-MM-DD') AS month, r.type::text AS type, r.score, COUNT(*)::int AS count
      FROM "SurveyResponse" r
     WHERE r."shopId" = ${shop.id} AND ${day} >= ${months[0]}::date AND ${day} <= ${period.to}::date
     GROUP BY 1, r.type, r.score`;
  return months.map((month) => {
    const counts = rows.filter((row) => row.month === month);
    const { nps, csat } = surveyFigures(counts);
    return { month, nps, csat, responses: counts.reduce((sum, row) => sum + row.count, 0) };
  });
}

export async function surveyResults(db: Db, shop: { id: string; ianaTimezone: string }, period: Period) {
  const previous = previousPeriod(period);
  const [current, before, months] = await Promise.all([periodFigures(db, shop, period), periodFigures(db, shop, previous), monthlyTrend(db, shop, period)]);
  return { current, previous: before, months };
}

export type SurveyResults = Awaited<ReturnType<typeof surveyResults>>;


const FILTER_SQL: Record<CommentFilter, Prisma.Sql> = {
  all: Prisma.empty,
  issues: Prisma.sql`AND ${Prisma.raw(OPENS_ISSUE_SQL_TEXT)}`,
  open: Prisma.sql`AND ${Prisma.raw(OPENS_ISSUE_SQL_TEXT)} AND r."resolvedAt" IS NULL`,
  detractors: Prisma.sql`AND r.type = 'NPS' AND r.score <= 6`,
  passives: Prisma.sql`AND r.type = 'NPS' AND r.score BETWEEN 7 AND 8`,
  promoters: Prisma.sql`AND r.type = 'NPS' AND r.score >= 9`,
  unhappy: Prisma.sql`AND r.type = 'CSAT' AND r.score <= 2`,
  satisfied: Prisma.sql`AND r.type = 'CSAT' AND r.score >= 4`,
};

export interface SurveyComment {
  id: string;
  type: SurveyType;
  score: number;
  comment: string;
  source: "EMAIL" | "WIDGET";
  respondedAt: Date;
  resolvedAt: Date | null;
  opensIssue: boolean;
  /** The Customers page's id, null when the customer is not stored (or was erased). */
  customerId: string | null;
  customerName: string | null;
}

/**
 * The period's answers that carry a comment, detractors and low CSATs first (open before resolved),
 * then newest first; each with its customer for the link.
 */
export async function surveyComments(db: Db, shop: { id: string; ianaTimezone: string }, period: Period, filter: CommentFilter, take = 50): Promise<SurveyComment[]> {
  const day = localDay(Prisma.sql`r."respondedAt"`, shop.ianaTimezone);
  return db.$queryRaw<SurveyComment[]>`
    SELECT r.id, r.type::text AS type, r.score, r.comment, r.source::text AS source, r."respondedAt", r."resolvedAt",
           ${Prisma.raw(OPENS_ISSUE_SQL_TEXT)} AS "opensIssue",
           c.id AS "customerId", NULLIF(trim(concat_ws(' ', c."firstName", c."lastName")), '') AS "customerName"
      FROM "SurveyResponse" r
      LEFT JOIN "Customer" c ON c."shopId" = r."shopId" AND c."shopifyId" = r."customerShopifyId" AND c."redactedAt" IS NULL
     WHERE r."shopId" = ${shop.id} AND r.comment IS NOT NULL AND ${day} BETWEEN ${period.from}::date AND ${period.to}::date
           ${FILTER_SQL[filter]}
     ORDER BY ${Prisma.raw(OPENS_ISSUE_SQL_TEXT)} DESC, (r."resolvedAt" IS NULL) DESC, r."respondedAt" DESC, r.id
     LIMIT ${take}`;
}
