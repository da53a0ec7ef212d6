/**
 * What the shop-tools outbox costs on the hot path: a batch of 100 earning ledger entries written by
 * appendCustomersLedgerEntries (entries, the customers' records and the "points earned" Flow triggers in
 * one statement) against the same entries written by the ledger's plain INSERT alone (the statement before
 * the outbox), alternated in one run on the PostgreSQL server, 10,000 customers in the shop.
 */
import { PrismaPg } from "@prisma/adapter-pg";

import { PrismaClient } from "../app/generated/prisma/client";
import { appendCustomersLedgerEntries } from "../app/loyalty/ledger.server";
import { median, percentile, type BenchRow } from "./table";

export const title = "Shop tools: a 100-entry ledger batch with its outbox rows, against the plain ledger insert (PostgreSQL server)";

const CUSTOMERS = 10_000;
const BATCH = 100;
const ROUNDS = 60;

export async function run(): Promise<BenchRow[]> {
  process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";
  const { createTestDatabase } = await import("../tests/support/database");
  const database = await createTestDatabase();
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 2 }) });
  try {
    const shop = await db.shop.create({ data: { domain: "bench-shop-tools.myshopify.com", name: "Bench Shop", ianaTimezone: "UTC" } });
    await db.$executeRaw`
      INSERT INTO "Customer" (id, "shopId", "shopifyId", "referralCode", "updatedAt")
      SELECT 'c' || n, ${shop.id}, 'gid://shopify/Customer/' || (7412000000000 + n), 'R' || n, now()
        FROM generate_series(1, ${CUSTOMERS}) AS n`;
    await db.$executeRaw`ANALYZE "Customer"`;
    const batch = (round: number, kind: string) =>
      Array.from({ length: BATCH }, (_, index) => ({
        customerId: `c${((round * BATCH + index) * 7919) % CUSTOMERS + 1}`,
        entry: { key: `${kind}:${round}:${index}`, points: 10 + index, reason: "SPEND" as const, source: "ORDER" as const, sourceId: null, availableAt: new Date(), note: null },
      }));
    const plainInsert = (entries: ReturnType<typeof batch>) => db.$executeRaw`
      INSERT INTO "PointsLedgerEntry" (id, "shopId", "customerId", points, reason, source, "sourceId", key, note, "availableAt", "createdAt")
      SELECT gen_random_uuid()::text, ${shop.id}, e.customer_id, e.points, e.reason::"PointsReason", e.source::"PointsSource", e.source_id, e.key, e.note,
             e.available_at::timestamptz AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
        FROM unnest(${entries.map(({ customerId }) => customerId)}::text[], ${entries.map(({ entry }) => entry.points)}::int[],
                    ${entries.map(({ entry }) => entry.reason)}::text[], ${entries.map(({ entry }) => entry.source)}::text[],
                    ${entries.map(({ entry }) => entry.sourceId)}::text[], ${entries.map(({ entry }) => entry.key)}::text[],
                    ${entries.map(({ entry }) => entry.note)}::text[], ${entries.map(({ entry }) => entry.availableAt.toISOString())}::text[])
             WITH ORDINALITY AS e(customer_id, points, reason, source, source_id, key, note, available_at, position)
       ORDER BY e.position
      ON CONFLICT ("shopId", key) DO NOTHING`;
    const withOutbox: number[] = [];
    const plain: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const timed = async (work: () => Promise<unknown>) => {
        const started = performance.now();
        await work();
        return performance.now() - started;
      };
      // Alternate which goes first so neither always meets a warmer cache.
      if (round % 2 === 0) {
        withOutbox.push(await timed(() => appendCustomersLedgerEntries(db, shop.id, batch(round, "outbox"))));
        plain.push(await timed(() => plainInsert(batch(round, "plain"))));
      } else {
        plain.push(await timed(() => plainInsert(batch(round, "plain"))));
        withOutbox.push(await timed(() => appendCustomersLedgerEntries(db, shop.id, batch(round, "outbox"))));
      }
    }
    const queued = await db.shopifyWrite.groupBy({ by: ["kind"], _count: true });
    const counts = Object.fromEntries(queued.map((row) => [row.kind, row._count]));
    const measured = (values: number[]) => values.slice(5); // the first rounds warm the plan caches
    return [
      { name: "100-entry ledger batch with its outbox rows, median", value: Number(median(measured(withOutbox)).toFixed(2)), unit: "ms", note: `p95 ${percentile(measured(withOutbox), 95).toFixed(2)} ms; queued ${counts.CUSTOMER_RECORD ?? 0} customer records, ${counts.FLOW_TRIGGER ?? 0} Flow triggers` },
      { name: "100-entry plain ledger insert (reference), median", value: Number(median(measured(plain)).toFixed(2)), unit: "ms", note: `p95 ${percentile(measured(plain), 95).toFixed(2)} ms` },
      { name: "outbox cost: with / without", value: Number((median(measured(withOutbox)) / median(measured(plain))).toFixed(2)), unit: "x" },
    ];
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}
