/**
 * Every advisory lock the app takes is named here, so two places that must take the same lock cannot
 * drift apart. A key is a string that SQL hashes with `hashtextextended(key, 0)`; pass it as a bound
 * parameter (`pg_advisory_xact_lock(hashtextextended(${key}, 0))`).
 *
 * Lock order, everywhere: a shop's reports lock (shared) before any subject; customer before order;
 * several subjects in the order given by the caller (the sync sorts them).
 */

/**
 * One customer or order of a shop, by Shopify GID. The order sync, the report rows, redemptions and
 * every other writer of a customer's points take this one, so a customer's changes run one at a time.
 */
export function subjectLockKey(shopId: string, shopifyGid: string): string {
  return `${shopId}:${shopifyGid}`;
}

/** A referrer's monthly reward count (two friends paying at once cannot both slip under the limit). */
export function referrerLockKey(shopId: string, referrerId: string): string {
  return `${shopId}:referrer:${referrerId}`;
}

/** A shop's report rows: shared by order writers, exclusive for a rebuild. */
export function shopReportsLockKey(shopId: string): string {
  return `${shopId}:reports`;
}

/** A background job that must have one runner at a time across every process. */
/** One points import applied at a time per shop: a double-submitted file is applied once, the other adds nothing. */
export function pointsImportLockKey(shopId: string): string {
  return `points-import:${shopId}`;
}

export function singleRunnerLockKey(job: string): string {
  return `job:${job}`;
}

/** The session lock `prisma migrate deploy`'s runner holds (a number, as Prisma's own migrate uses). */
export const MIGRATION_LOCK_ID = 72707369;
