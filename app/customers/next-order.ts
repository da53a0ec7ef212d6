/**
 * The predicted next order (docs/metrics.md, "Predicted next order"), pure: a customer's expected gap
 * between orders is their own mean gap shrunk toward the shop's median gap, weighted by how many gaps
 * they have; the next order is expected that long after their last. The SQL that stores it for a
 * whole shop (next-order.server.ts) builds on the same constants.
 */

const DAY = 86_400_000;

/** The shop's median gap counts as this many gaps of the customer's own (the prior's weight). */
export const PRIOR_GAPS = 2;

/** Fewer gaps than this in the whole shop give no median: too few to speak for the shop. */
export const MIN_SHOP_GAPS = 5;

/** No expected gap is shorter than a day (two orders in one hour are not a rhythm). */
export const MIN_EXPECTED_GAP_DAYS = 1;

/** The median of a list of gaps (days), or null with fewer than MIN_SHOP_GAPS. */
export function shopMedianGap(gapsInDays: readonly number[]): number | null {
  if (gapsInDays.length < MIN_SHOP_GAPS) return null;
  const sorted = [...gapsInDays].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The expected gap (days) of a customer whose counted orders span `spanDays` from first to last over
 * `gaps` gaps (orders − 1): (span + PRIOR_GAPS × shop median) ÷ (gaps + PRIOR_GAPS), or their own mean
 * where the shop has no median; at least MIN_EXPECTED_GAP_DAYS.
 */
export function expectedGapDays(spanDays: number, gaps: number, shopMedian: number | null): number {
  if (gaps < 1) throw new RangeError("an expected gap needs 2 or more orders");
  const expected = shopMedian === null ? spanDays / gaps : (spanDays + PRIOR_GAPS * shopMedian) / (gaps + PRIOR_GAPS);
  return Math.max(MIN_EXPECTED_GAP_DAYS, expected);
}

export interface NextOrderOutlook {
  expectedAt: Date;
  /** Whole days past the expected date (0 when not yet due). */
  overdueDays: number;
  overdue: boolean;
  /**
   * How often a gap at least this long happens on the customer's rhythm, were their gaps exponential
   * with the expected gap as mean: e^(−days since last ÷ expected gap). Low means probably lost.
   */
  chanceOfGapThisLong: number;
}

export function nextOrderOutlook(lastOrderAt: Date, expectedGap: number, now: Date): NextOrderOutlook {
  const expectedAt = new Date(lastOrderAt.getTime() + expectedGap * DAY);
  const sinceLast = Math.max(0, (now.getTime() - lastOrderAt.getTime()) / DAY);
  const late = now.getTime() - expectedAt.getTime();
  return {
    expectedAt,
    overdue: late > 0,
    overdueDays: late > 0 ? Math.floor(late / DAY) : 0,
    chanceOfGapThisLong: Math.exp(-sinceLast / expectedGap),
  };
}
