/**
 * What the app owes Shopify's own tools, written in the transaction of the change that calls for it
 * (the ShopifyWrite table; the shopify-writes job sends it, shopify-writes.server.ts). Nothing is lost:
 * a change and its write commit together. Nothing is sent twice: each write has a key per shop, and a
 * customer's record is one row however many changes arrive before the job runs.
 */
import { Prisma } from "../generated/prisma/client";
import type { Db, Tx } from "../database/transaction";
import { EARNING_REASONS, flowPayloadProblem, type FlowTriggerHandle, type FlowTriggerPayload } from "./flow-triggers";

export class FlowPayloadError extends Error {}

/**
 * Queues a Flow trigger in the caller's transaction. `eventKey` names the event (the same key twice
 * is one trigger); without it every call is its own event. Throws on a payload Flow would refuse.
 */
export async function enqueueFlowTrigger<H extends FlowTriggerHandle>(
  tx: Tx,
  shopId: string,
  handle: H,
  payload: FlowTriggerPayload<H>,
  eventKey: string = crypto.randomUUID(),
): Promise<void> {
  const problem = flowPayloadProblem(handle, payload);
  if (problem) throw new FlowPayloadError(`Flow trigger ${handle}: ${problem}`);
  await tx.$executeRaw`
    INSERT INTO "ShopifyWrite" (id, "shopId", kind, key, handle, payload, "dueAt")
    VALUES (gen_random_uuid()::text, ${shopId}, 'FLOW_TRIGGER', ${`flow:${handle}:${eventKey}`}, ${handle}, ${JSON.stringify(payload)}::jsonb, now() AT TIME ZONE 'UTC')
    ON CONFLICT ("shopId", key) DO NOTHING`;
}

/** Queues a write of these customers' records (balance, tier, tier tag); a queued one is due now. */
export async function enqueueCustomerRecords(db: Db, shopId: string, customerIds: string[] | "all"): Promise<number> {
  const which = customerIds === "all" ? Prisma.empty : Prisma.sql`AND c.id = ANY(${customerIds}::text[])`;
  return db.$executeRaw`
    INSERT INTO "ShopifyWrite" AS w (id, "shopId", kind, key, "customerId", "dueAt")
    SELECT gen_random_uuid()::text, c."shopId", 'CUSTOMER_RECORD', 'customer:' || c.id, c.id, now() AT TIME ZONE 'UTC'
      FROM "Customer" c
     WHERE c."shopId" = ${shopId} AND c."redactedAt" IS NULL AND c."deletedAt" IS NULL ${which}
    ON CONFLICT ("shopId", key) DO UPDATE SET version = w.version + 1, "dueAt" = LEAST(w."dueAt", EXCLUDED."dueAt")`;
}

/** Queues the loyalty metafield definitions (install and reinstall; creating one twice is harmless). */
export async function enqueueMetafieldDefinitions(db: Db, shopId: string): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "ShopifyWrite" AS w (id, "shopId", kind, key, "dueAt")
    VALUES (gen_random_uuid()::text, ${shopId}, 'METAFIELD_DEFINITIONS', 'metafield-definitions', now() AT TIME ZONE 'UTC')
    ON CONFLICT ("shopId", key) DO UPDATE SET version = w.version + 1, "dueAt" = EXCLUDED."dueAt", attempts = 0`;
}

/** customers/redact and the like: nothing more is written to this customer's record or sent about them. */
export async function forgetCustomerWrites(tx: Tx, customerId: string): Promise<void> {
  await tx.shopifyWrite.deleteMany({ where: { customerId } });
  await tx.customerShopifyRecord.deleteMany({ where: { customerId } });
}

/** app/uninstalled: the app can no longer write to the shop; a reinstall queues the records again. */
export async function dropShopWrites(tx: Tx, shopDomain: string): Promise<void> {
  await tx.shopifyWrite.deleteMany({ where: { shop: { domain: shopDomain } } });
}

/**
 * The ledger's insert, made one statement with the writes it calls for: each customer whose balance
 * changed gets their record queued (coalesced), and each earning entry a "points earned" Flow trigger
 * (keyed by the entry's own key, so a repeated event is neither a second entry nor a second trigger).
 * `insert` is the INSERT into "PointsLedgerEntry"; its RETURNING is added here. Answers the entries written.
 */
export function ledgerInsertWithShopifyWrites(shopId: string, insert: Prisma.Sql): Prisma.Sql {
  const reasons = Object.keys(EARNING_REASONS);
  const labels = Object.values(EARNING_REASONS);
  return Prisma.sql`
    WITH inserted AS (${insert} RETURNING "customerId", points, reason::text AS reason, key),
    customers AS (
      SELECT c.id,
             CASE WHEN c."shopifyId" ~ '^gid://shopify/Customer/[0-9]{1,18}$' THEN split_part(c."shopifyId", '/', 5)::bigint END AS legacy_id,
             (SELECT COALESCE(SUM(e.points), 0) FROM "PointsLedgerEntry" e WHERE e."customerId" = c.id)
             + (SELECT SUM(i.points) FROM inserted i WHERE i."customerId" = c.id) AS balance
        FROM (SELECT DISTINCT "customerId" FROM inserted) AS written
        -- Each customer by primary key: with stale statistics an IN over the table compared every customer with every entry.
        CROSS JOIN LATERAL (SELECT * FROM "Customer" WHERE id = written."customerId" OFFSET 0) AS c
       WHERE c."redactedAt" IS NULL AND c."deletedAt" IS NULL
    ),
    records AS (
      INSERT INTO "ShopifyWrite" AS w (id, "shopId", kind, key, "customerId", "dueAt")
      SELECT gen_random_uuid()::text, ${shopId}, 'CUSTOMER_RECORD', 'customer:' || c.id, c.id, now() AT TIME ZONE 'UTC' FROM customers c
      ON CONFLICT ("shopId", key) DO UPDATE SET version = w.version + 1, "dueAt" = LEAST(w."dueAt", EXCLUDED."dueAt")
    ),
    triggers AS (
      INSERT INTO "ShopifyWrite" (id, "shopId", kind, key, "customerId", handle, payload, "dueAt")
      SELECT gen_random_uuid()::text, ${shopId}, 'FLOW_TRIGGER', 'flow:points-earned:' || i.key, c.id, 'points-earned',
             jsonb_build_object('customer_id', c.legacy_id, 'Points', i.points,
                                'Points balance', c.balance, 'Reason', l.label),
             now() AT TIME ZONE 'UTC'
        FROM inserted i
        JOIN customers c ON c.id = i."customerId"
        JOIN unnest(${reasons}::text[], ${labels}::text[]) AS l(reason, label) ON l.reason = i.reason
       WHERE i.points > 0 AND c.legacy_id IS NOT NULL
      ON CONFLICT ("shopId", key) DO NOTHING
    )
    SELECT COUNT(*)::int AS written FROM inserted`;
}
