/**
 * The contact keys (loyalty/contact-keys.ts) a customer has used, kept as customers and orders
 * arrive, and compared when a referral would be rewarded.
 */
import type { Tx } from "../database/transaction";

/** Adds the keys not yet kept for the customer, in one statement. */
export async function recordContactKeys(tx: Tx, customerId: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "CustomerContactKey" ("customerId", key)
    SELECT ${customerId}, k FROM unnest(${keys}::text[]) AS k
    ON CONFLICT DO NOTHING`;
}

/**
 * `recordContactKeys` for several customers in one statement (a batch of deliveries records its
 * customers' keys together, before their points are settled).
 */
export async function recordCustomersContactKeys(tx: Tx, entries: { customerId: string; keys: string[] }[]): Promise<void> {
  const customerIds: string[] = [];
  const keys: string[] = [];
  for (const entry of entries) {
    for (const key of new Set(entry.keys)) {
      customerIds.push(entry.customerId);
      keys.push(key);
    }
  }
  if (keys.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "CustomerContactKey" ("customerId", key)
    SELECT k.customer_id, k.key FROM unnest(${customerIds}::text[], ${keys}::text[]) AS k(customer_id, key)
    ON CONFLICT DO NOTHING`;
}

/** An erased or deleted customer's keys go with their other personal data. */
export async function forgetContactKeys(tx: Tx, customerId: string): Promise<void> {
  await tx.customerContactKey.deleteMany({ where: { customerId } });
}

/**
 * Why the friend is the referrer under another name, or null: an email or phone they share is a
 * self-referral, a shipping or billing address they share is the same household.
 */
export async function sharedContactReason(tx: Tx, referrerId: string, friendId: string): Promise<"self_referral" | "same_address" | null> {
  if (referrerId === friendId) return "self_referral";
  const shared = await tx.$queryRaw<{ key: string }[]>`
    SELECT f.key FROM "CustomerContactKey" f
      JOIN "CustomerContactKey" r ON r."customerId" = ${referrerId} AND r.key = f.key
     WHERE f."customerId" = ${friendId}
     ORDER BY f.key LIKE 'address:%'
     LIMIT 1`;
  if (shared.length === 0) return null;
  return shared[0].key.startsWith("address:") ? "same_address" : "self_referral";
}
