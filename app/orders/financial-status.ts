/**
 * How far along its money an order is. Shopify stamps `updated_at` to the second, so two versions of
 * one order (orders/create and orders/paid) can carry the same stamp; between those, the one further
 * along is the newer, and a same-second version never moves an order back (paid to pending).
 */
export const FINANCIAL_STATUS_PROGRESS: Readonly<Record<string, number>> = {
  pending: 0,
  authorized: 1,
  partially_paid: 2,
  paid: 3,
  voided: 3,
  partially_refunded: 4,
  refunded: 5,
};

export function financialStatusProgress(status: string): number {
  return FINANCIAL_STATUS_PROGRESS[status] ?? 0;
}

/** financialStatusProgress in SQL, of a column or expression (a constant of this file, never input). */
export function financialStatusProgressSql(expression: string): string {
  const cases = Object.entries(FINANCIAL_STATUS_PROGRESS).map(([status, rank]) => `WHEN '${status}' THEN ${rank}`).join(" ");
  return `(CASE ${expression} ${cases} ELSE 0 END)`;
}
