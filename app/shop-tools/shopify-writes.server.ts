/**
 * Sends what the app owes Shopify's tools (outbox.server.ts queues it) for one shop: the loyalty
 * metafield definitions, each queued customer's record (the `$app:loyalty` metafields points_balance and
 * tier, up to 25 metafields per metafieldsSet call, the tier metafield deleted when the customer no longer
 * holds a tier, and the tier tag when the merchant turned tags on),
 * then the Flow triggers in the order they happened. The shopify-writes job runs it (app/jobs/catalog.server.ts).
 *
 * adminQuery waits out THROTTLED answers; a write Shopify still refuses or does not answer stays queued
 * and is tried again later (5 s, 10 s, 20 s… at most an hour apart), up to MAX_WRITE_ATTEMPTS times.
 * A row is deleted only at the version that was sent: a change coalesced into it meanwhile is sent next.
 */
import type { PrismaClient, ShopifyWrite } from "../generated/prisma/client";
import { errorFields, logger } from "../logger.server";
import { adminQuery, BACKGROUND, type AdminGraphql } from "../shopify/admin-graphql.server";
import {
  CUSTOMER_METAFIELDS_DELETE_MUTATION,
  CUSTOMER_METAFIELDS_SET_MUTATION,
  CUSTOMER_TAGS_ADD_MUTATION,
  CUSTOMER_TAGS_REMOVE_MUTATION,
  FLOW_TRIGGER_RECEIVE_MUTATION,
  METAFIELD_DEFINITION_CREATE_MUTATION,
} from "../shopify/operations";
import { customerTiersForShopify, type TierReader } from "./customer-tiers.server";
import { tierTag } from "./tier-tag";

/** The app-owned namespace Shopify resolves to app--<app id>--loyalty. */
export const LOYALTY_NAMESPACE = "$app:loyalty";
export const LOYALTY_METAFIELDS = [
  { key: "points_balance", type: "number_integer", name: "Loyalty points balance", description: "Every point the customer holds (pending points included), kept up to date by the loyalty app." },
  { key: "tier", type: "single_line_text_field", name: "Loyalty tier", description: "The customer's VIP tier in the loyalty program." },
] as const;
/** Shopify's limit for one metafieldsSet call. */
export const METAFIELDS_PER_CALL = 25;
export const MAX_WRITE_ATTEMPTS = 10;
const BACKOFF_FIRST_MS = 5_000;
const BACKOFF_MAX_MS = 60 * 60_000;

export interface SendOptions {
  now?: () => Date;
  /** Where tiers come from (customer-tiers.server.ts); tests give tiers of their own. */
  tiers?: TierReader;
  /** Rows taken per round. */
  limit?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SendSummary {
  sent: number;
  failed: number;
  metafieldCalls: number;
}

class Round {
  summary: SendSummary = { sent: 0, failed: 0, metafieldCalls: 0 };
  constructor(
    readonly db: PrismaClient,
    readonly graphql: AdminGraphql,
    readonly now: () => Date,
    readonly sleep?: (ms: number) => Promise<void>,
  ) {}

  /** Nobody waits on these writes: they leave shoppers their share of the shop's rate limit. */
  query: typeof adminQuery = (graphql, operation, options) => adminQuery(graphql, operation, { ...options, ...BACKGROUND, ...(this.sleep ? { sleep: this.sleep } : {}) });

  async done(row: ShopifyWrite): Promise<void> {
    // Plain SQL, not the ORM: one of these per write sent (a Flow trigger per earning order), and each
    // ORM call goes through Prisma's query compiler (about a sixth of the worker's CPU under the
    // orders-webhooks bench when it was `deleteMany`).
    await this.db.$executeRaw`DELETE FROM "ShopifyWrite" WHERE id = ${row.id} AND version = ${row.version}`;
    this.summary.sent++;
  }

  async failed(rows: ShopifyWrite[], why: string): Promise<void> {
    for (const row of rows) {
      const wait = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** row.attempts);
      await this.db.shopifyWrite.updateMany({
        where: { id: row.id },
        data: { attempts: { increment: 1 }, lastError: why.slice(0, 500), dueAt: new Date(this.now().getTime() + wait) },
      });
    }
    this.summary.failed += rows.length;
    logger.warn("shopify write failed; it stays queued", { rows: rows.length, kind: rows[0]?.kind, reason: why.slice(0, 200) });
  }
}

/** The installed shops with writes due (the shopify-writes job's shops). */
export async function shopsWithShopifyWrites(db: PrismaClient, now: Date): Promise<{ id: string; domain: string }[]> {
  return db.shop.findMany({
    where: { uninstalledAt: null, shopifyWrites: { some: { dueAt: { lte: now }, attempts: { lt: MAX_WRITE_ATTEMPTS } } } },
    select: { id: true, domain: true },
  });
}

/** One round for the shop: everything due, at most `limit` rows. Stops early when Shopify does not answer. */
export async function sendShopifyWrites(db: PrismaClient, shopId: string, graphql: AdminGraphql, options: SendOptions = {}): Promise<SendSummary> {
  const now = options.now ?? (() => new Date());
  const round = new Round(db, graphql, now, options.sleep);
  const shop = await db.shop.findUnique({ where: { id: shopId }, include: { settings: true } });
  if (!shop || shop.uninstalledAt || !shop.settings) return round.summary;
  const rows = await db.shopifyWrite.findMany({
    where: { shopId, dueAt: { lte: now() }, attempts: { lt: MAX_WRITE_ATTEMPTS } },
    orderBy: { sequence: "asc" },
    take: options.limit ?? 500,
  });
  try {
    for (const row of rows.filter((candidate) => candidate.kind === "METAFIELD_DEFINITIONS")) await createDefinitions(round, row);
    const records = rows.filter((row) => row.kind === "CUSTOMER_RECORD");
    if (records.length > 0) await writeCustomerRecords(round, shopId, records, shop.settings, options.tiers ?? customerTiersForShopify);
    for (const row of rows.filter((candidate) => candidate.kind === "FLOW_TRIGGER")) await sendFlowTrigger(round, row);
  } catch (error) {
    // Shopify did not answer (or kept throttling): the rest waits for the next round.
    if (!(error instanceof ShopifyUnreachable)) throw error;
    logger.warn("shopify writes paused: Shopify did not answer", errorFields(error.cause));
  }
  return round.summary;
}

class ShopifyUnreachable extends Error {}

/** Runs one Admin call; a call that fails outright marks `rows` failed and ends the round. */
async function attempt<T>(round: Round, rows: ShopifyWrite[], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    await round.failed(rows, error instanceof Error ? error.message : String(error));
    throw new ShopifyUnreachable("Shopify did not answer", { cause: error });
  }
}

async function createDefinitions(round: Round, row: ShopifyWrite): Promise<void> {
  for (const field of LOYALTY_METAFIELDS) {
    const { metafieldDefinitionCreate: result } = await attempt(round, [row], () =>
      round.query(round.graphql, METAFIELD_DEFINITION_CREATE_MUTATION, {
        variables: { definition: { name: field.name, namespace: LOYALTY_NAMESPACE, key: field.key, type: field.type, ownerType: "CUSTOMER", description: field.description } },
      }),
    );
    // TAKEN: made by an earlier install.
    const refused = (result?.userErrors ?? []).filter((error) => error.code !== "TAKEN");
    if (refused.length > 0) return round.failed([row], `metafieldDefinitionCreate ${field.key}: ${refused.map((error) => error.message).join("; ")}`);
  }
  await round.done(row);
}

interface CustomerPlan {
  row: ShopifyWrite;
  customerId: string;
  gid: string;
  balance: number;
  tier: string | null;
  metafields: { ownerId: string; namespace: string; key: string; type: string; value: string }[];
  /** The tier metafield goes: the customer held a tier and holds none now. */
  deleteTier: boolean;
  removeTag: string | null;
  addTag: string | null;
  tierTag: string | null;
}

async function writeCustomerRecords(
  round: Round,
  shopId: string,
  rows: ShopifyWrite[],
  settings: { customerTagsEnabled: boolean; customerTagPrefix: string },
  tiers: TierReader,
): Promise<void> {
  const { db } = round;
  const ids = rows.map((row) => row.customerId).filter((id): id is string => id !== null);
  const customers = new Map(
    (await db.customer.findMany({ where: { id: { in: ids }, shopId }, select: { id: true, shopifyId: true, redactedAt: true, deletedAt: true, shopifyRecord: true } })).map((customer) => [customer.id, customer]),
  );
  const balances = new Map(
    (await db.$queryRaw<{ customerId: string; balance: number }[]>`
      SELECT "customerId", COALESCE(SUM(points), 0)::int AS balance FROM "PointsLedgerEntry" WHERE "customerId" = ANY(${ids}::text[]) GROUP BY "customerId"`).map((row) => [row.customerId, row.balance]),
  );
  const tierOf = await tiers(db, shopId, ids);
  const plans: CustomerPlan[] = [];
  for (const row of rows) {
    const customer = row.customerId ? customers.get(row.customerId) : undefined;
    if (!customer || customer.redactedAt || customer.deletedAt) {
      await round.done(row);
      continue;
    }
    const record = customer.shopifyRecord;
    const balance = balances.get(customer.id) ?? 0;
    const tier = tierOf.get(customer.id)?.name ?? null;
    const metafields = [];
    if (record?.pointsBalance !== balance) metafields.push({ ownerId: customer.shopifyId, namespace: LOYALTY_NAMESPACE, key: "points_balance", type: "number_integer", value: String(balance) });
    if (tier !== null && record?.tier !== tier) metafields.push({ ownerId: customer.shopifyId, namespace: LOYALTY_NAMESPACE, key: "tier", type: "single_line_text_field", value: tier });
    const wantedTag = settings.customerTagsEnabled && tier !== null ? tierTag(settings.customerTagPrefix, tier) : null;
    const currentTag = record?.tierTag ?? null;
    plans.push({
      row,
      customerId: customer.id,
      gid: customer.shopifyId,
      balance,
      tier,
      metafields,
      deleteTier: tier === null && (record?.tier ?? null) !== null,
      removeTag: currentTag !== null && currentTag !== wantedTag ? currentTag : null,
      addTag: wantedTag !== null && wantedTag !== currentTag ? wantedTag : null,
      tierTag: wantedTag,
    });
  }

  // Metafields first, as few calls as the limit allows (a customer's fields never split across calls).
  const written: CustomerPlan[] = plans.filter((plan) => plan.metafields.length === 0);
  let pending = plans.filter((plan) => plan.metafields.length > 0);
  while (pending.length > 0) {
    const chunk: CustomerPlan[] = [];
    let count = 0;
    while (pending.length > 0 && count + pending[0].metafields.length <= METAFIELDS_PER_CALL) {
      count += pending[0].metafields.length;
      chunk.push(pending.shift()!);
    }
    const inputs = chunk.flatMap((plan) => plan.metafields.map((metafield) => ({ metafield, plan })));
    round.summary.metafieldCalls++;
    const { metafieldsSet: result } = await attempt(round, chunk.map((plan) => plan.row), () =>
      round.query(round.graphql, CUSTOMER_METAFIELDS_SET_MUTATION, { variables: { metafields: inputs.map(({ metafield }) => metafield) } }),
    );
    const userErrors = result?.userErrors ?? [];
    if (userErrors.length === 0) {
      written.push(...chunk);
      continue;
    }
    // Shopify wrote none of them: the customers it named fail, the others go again.
    const refused = new Set(userErrors.map((error) => (error.elementIndex !== null && error.elementIndex !== undefined ? inputs[error.elementIndex]?.plan : undefined)));
    if (refused.has(undefined)) {
      await round.failed(chunk.map((plan) => plan.row), `metafieldsSet: ${userErrors.map((error) => error.message).join("; ")}`);
      continue;
    }
    for (const plan of refused as Set<CustomerPlan>) {
      const messages = userErrors.filter((error) => inputs[error.elementIndex ?? -1]?.plan === plan).map((error) => error.message);
      await round.failed([plan.row], `metafieldsSet: ${messages.join("; ")}`);
    }
    pending = [...chunk.filter((plan) => !refused.has(plan)), ...pending];
  }

  // Lost tiers next, 25 identifiers a call like the writes; a customer whose delete fails keeps its row queued.
  const deleting = written.filter((plan) => plan.deleteTier);
  // The customers whose metafields are all as they should be: their tag and record come next.
  const ready = new Set(written.filter((plan) => !plan.deleteTier));
  for (let index = 0; index < deleting.length; index += METAFIELDS_PER_CALL) {
    const chunk = deleting.slice(index, index + METAFIELDS_PER_CALL);
    const { metafieldsDelete: result } = await attempt(round, chunk.map((plan) => plan.row), () =>
      round.query(round.graphql, CUSTOMER_METAFIELDS_DELETE_MUTATION, { variables: { metafields: chunk.map((plan) => ({ ownerId: plan.gid, namespace: LOYALTY_NAMESPACE, key: "tier" })) } }),
    );
    const userErrors = result?.userErrors ?? [];
    if (userErrors.length > 0) {
      await round.failed(chunk.map((plan) => plan.row), `metafieldsDelete: ${userErrors.map((error) => error.message).join("; ")}`);
      continue;
    }
    for (const plan of chunk) ready.add(plan);
  }

  for (const plan of written.filter((candidate) => ready.has(candidate))) {
    if (plan.removeTag !== null) {
      const { tagsRemove } = await attempt(round, [plan.row], () => round.query(round.graphql, CUSTOMER_TAGS_REMOVE_MUTATION, { variables: { id: plan.gid, tags: [plan.removeTag!] } }));
      if (tagsRemove?.userErrors.length) {
        await round.failed([plan.row], `tagsRemove: ${tagsRemove.userErrors.map((error) => error.message).join("; ")}`);
        continue;
      }
    }
    if (plan.addTag !== null) {
      const { tagsAdd } = await attempt(round, [plan.row], () => round.query(round.graphql, CUSTOMER_TAGS_ADD_MUTATION, { variables: { id: plan.gid, tags: [plan.addTag!] } }));
      if (tagsAdd?.userErrors.length) {
        await round.failed([plan.row], `tagsAdd: ${tagsAdd.userErrors.map((error) => error.message).join("; ")}`);
        continue;
      }
    }
    // Plain SQL for the same reason as `done`: one per customer record written.
    await db.$executeRaw`
      INSERT INTO "CustomerShopifyRecord" ("customerId", "shopId", "pointsBalance", tier, "tierTag", "writtenAt")
      VALUES (${plan.customerId}, ${shopId}, ${plan.balance}, ${plan.tier}, ${plan.tierTag}, ${round.now()})
      ON CONFLICT ("customerId") DO UPDATE SET
        "pointsBalance" = EXCLUDED."pointsBalance", tier = EXCLUDED.tier, "tierTag" = EXCLUDED."tierTag", "writtenAt" = EXCLUDED."writtenAt"`;
    await round.done(plan.row);
  }
}

async function sendFlowTrigger(round: Round, row: ShopifyWrite): Promise<void> {
  const { flowTriggerReceive: result } = await attempt(round, [row], () =>
    round.query(round.graphql, FLOW_TRIGGER_RECEIVE_MUTATION, { variables: { handle: row.handle!, payload: row.payload } }),
  );
  if (result?.userErrors.length) return round.failed([row], `flowTriggerReceive: ${result.userErrors.map((error) => error.message).join("; ")}`);
  await round.done(row);
}

// ---- for the merchant: the Sync issues page ----

/** A write that gave up after MAX_WRITE_ATTEMPTS: what it carried, for whom, and why. */
export interface StoppedShopifyWrite {
  id: string;
  /** What the write carries, in the merchant's words. */
  what: string;
  customer: { id: string; name: string } | null;
  attempts: number;
  error: string | null;
  queuedAt: Date;
}

export interface ShopifyWriteIssues {
  /** Writes still being tried after failing at least once. */
  retrying: number;
  stopped: StoppedShopifyWrite[];
}

const FLOW_TRIGGER_NAMES: Record<string, string> = { "points-earned": "Points earned", "reward-redeemed": "Reward redeemed", "tier-changed": "Tier changed" };
const STOPPED_LISTED = 100;

function describeWrite(row: Pick<ShopifyWrite, "kind" | "handle">): string {
  if (row.kind === "METAFIELD_DEFINITIONS") return "The loyalty metafield definitions";
  if (row.kind === "CUSTOMER_RECORD") return "Points balance and tier on the customer's record";
  return `Flow trigger "${FLOW_TRIGGER_NAMES[row.handle ?? ""] ?? row.handle}"`;
}

/** The shop's writes to Shopify that failed: how many are still tried, and those that stopped (newest first, at most a hundred). */
export async function shopifyWriteIssues(db: PrismaClient, shopId: string): Promise<ShopifyWriteIssues> {
  const [retrying, stopped] = await Promise.all([
    db.shopifyWrite.count({ where: { shopId, attempts: { gt: 0, lt: MAX_WRITE_ATTEMPTS } } }),
    db.shopifyWrite.findMany({
      where: { shopId, attempts: { gte: MAX_WRITE_ATTEMPTS } },
      orderBy: { sequence: "desc" },
      take: STOPPED_LISTED,
      include: { customer: { select: { id: true, firstName: true, lastName: true, email: true } } },
    }),
  ]);
  return {
    retrying,
    stopped: stopped.map((row) => ({
      id: row.id,
      what: describeWrite(row),
      customer: row.customer
        ? { id: row.customer.id, name: [row.customer.firstName, row.customer.lastName].filter(Boolean).join(" ") || row.customer.email || "A customer" }
        : null,
      attempts: row.attempts,
      error: row.lastError,
      queuedAt: row.createdAt,
    })),
  };
}

/** Puts the shop's stopped writes (one, or all) back in the queue, due now; how many. */
export async function retryStoppedShopifyWrites(db: PrismaClient, shopId: string, which: { id: string } | "all", now: Date = new Date()): Promise<number> {
  const { count } = await db.shopifyWrite.updateMany({
    where: { shopId, attempts: { gte: MAX_WRITE_ATTEMPTS }, ...(which === "all" ? {} : { id: which.id }) },
    data: { attempts: 0, dueAt: now },
  });
  return count;
}
