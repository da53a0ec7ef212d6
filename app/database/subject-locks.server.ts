/**
 * The customer and order locks every writer of a customer's orders or points takes (transaction-scoped
 * advisory locks on `subjectLockKey`), so two deliveries about one customer or order run one after the other.
 */
import { subjectLockKey } from "./lock-keys";
import type { Tx } from "./transaction";

/** Serialises every transaction touching one of these (customer or order GIDs) until commit. */
export async function lockSubjects(tx: Tx, shopId: string, subjects: string[]): Promise<void> {
  // One statement, locks taken in the order given: customer before order, everywhere.
  await tx.$executeRaw`
    SELECT pg_advisory_xact_lock(hashtextextended(key, 0))
      FROM unnest(${subjects.map((subject) => subjectLockKey(shopId, subject))}::text[]) WITH ORDINALITY AS s(key, position) ORDER BY position`;
}
