/**
 * RFM segments: the names, and the rule placing a customer in one from their recency and frequency
 * scores (a standard RF grid; docs/metrics.md has the same table). Shared by the SQL that stores the
 * segments (segments.server.ts), the dashboard, the report and the Customers page.
 */

export const SEGMENTS = ["Champions", "Loyal", "Potential loyalists", "New", "At risk", "Can't lose them", "Hibernating", "Lost"] as const;

export type Segment = (typeof SEGMENTS)[number];

export function isSegment(value: string): value is Segment {
  return (SEGMENTS as readonly string[]).includes(value);
}

/**
 * The segment of an RF cell, rows by recency score (5 = ordered most recently), columns by frequency
 * score (1 to 5). Monetary value is scored and shown but does not move a customer between segments.
 */
export const RF_GRID: Readonly<Record<1 | 2 | 3 | 4 | 5, readonly [Segment, Segment, Segment, Segment, Segment]>> = {
  5: ["New", "Potential loyalists", "Potential loyalists", "Champions", "Champions"],
  4: ["New", "Potential loyalists", "Potential loyalists", "Loyal", "Loyal"],
  3: ["Hibernating", "Hibernating", "Potential loyalists", "Loyal", "Loyal"],
  2: ["Hibernating", "Hibernating", "At risk", "At risk", "Can't lose them"],
  1: ["Lost", "Lost", "At risk", "At risk", "Can't lose them"],
};

function score(value: number, what: string): 1 | 2 | 3 | 4 | 5 {
  if (!Number.isInteger(value) || value < 1 || value > 5) throw new Error(`${what} score must be 1 to 5, not ${value}`);
  return value as 1 | 2 | 3 | 4 | 5;
}

export function segmentOf(recencyScore: number, frequencyScore: number): Segment {
  return RF_GRID[score(recencyScore, "Recency")][score(frequencyScore, "Frequency") - 1];
}

/** The dashboard's hover text for its Segments section (docs/metrics.md says it in full). */
export const SEGMENTS_DEFINITION =
  "Every customer with a counted order is scored 1 to 5 on recency (days since their last counted order), frequency (counted orders) and monetary value (their counted orders' sales), by quintile within the shop, and placed in a segment by their recency and frequency scores. Revenue is their counted orders' sales, all time; repeat rate is the share of the segment with 2 or more counted orders. Recomputed hourly and as orders arrive.";
