/**
 * The points ledger summed per local day of the shop (ReportPointsDay), so that what the program
 * earns and the points outstanding read a few hundred day rows and the entries of the days since,
 * instead of every entry of the period.
 *
 * The ledger is append-only (loyalty/ledger.server.ts) and stamps each entry with its transaction's
 * start (`now()`). A day is summed once no transaction can still write to it: it ended before the
 * oldest transaction still open on the database started (pg_stat_activity, which shows every session
 * of the app's role) and at least CLOSE_MARGIN ago. Its sums never change after that, so a day row is
 * written once; the "report-rebuild" job sums the days that closed since (jobs/catalog.server.ts),
 * and a rebuild (a time zone change) starts them again. Until a day is summed it is read from the
 * ledger itself, so the figures are exact whether or not the job has caught up.
 */
import type { Db } from "../database/transaction";
import { Prisma } from "../generated/prisma/client";

/**
 * Reasons whose added points are issued points (an adjustment only when it adds); a balance brought
 * over from another program (IMPORTED) was not issued by this one.
 */
export const ISSUING_REASONS = ["WELCOME", "SECOND_PURCHASE", "SPEND", "REFERRAL", "BIRTHDAY", "SURVEY", "ADJUSTMENT", "TIER_BONUS", "TIER_ENTRY"] as const;

/** How long after a day ends before it may be summed, beyond the open transactions' starts. */
const CLOSE_MARGIN = Prisma.sql`interval '10 minutes'`;

const ISSUING_LIST = ISSUING_REASONS.map((reason) => `'${reason}'`).join(", ");

/** Issued, redeemed and expired points and the net change, as defined in METRIC_DEFINITIONS (metrics.ts). */
export interface PointsSums {
  issued: number;
  redeemed: number;
  expired: number;
  net: number;
}

/** A range of local days, both ends included; `to` null: no end (every entry from `from` on). `from` null: from the first. */
export interface DayRange {
  from: string | null;
  to: string | null;
}

const sumColumns = (alias: string) =>
  Prisma.raw(`COALESCE(SUM(${alias}.points) FILTER (WHERE ${alias}.points > 0 AND ${alias}.reason::text IN (${ISSUING_LIST})), 0)::bigint AS issued,
    COALESCE(-SUM(${alias}.points) FILTER (WHERE ${alias}.reason = 'REDEMPTION'), 0)::bigint AS redeemed,
    COALESCE(-SUM(${alias}.points) FILTER (WHERE ${alias}.reason = 'EXPIRY'), 0)::bigint AS expired,
    COALESCE(SUM(${alias}.points), 0)::bigint AS net`);

/**
 * Local midnight at the start of a day in the shop's time zone, as the stored UTC-without-zone
 * timestamps (DST-correct); the day an SQL date expression.
 */
export const midnight = (day: Prisma.Sql, timezone: string) => Prisma.sql`((${day}::timestamp AT TIME ZONE ${timezone}) AT TIME ZONE 'UTC')`;

/** The last day summed into ReportPointsDay in the shop's current time zone, or null (none: read the ledger). */
async function summedThrough(db: Db, shopId: string): Promise<string | null> {
  const [row] = await db.$queryRaw<{ through: string | null }[]>`
    SELECT to_char(r."pointsThrough", 'YYYY-MM-DD') AS through FROM "ReportState" r JOIN "Shop" s ON s.id = r."shopId" AND s."ianaTimezone" = r.timezone
     WHERE r."shopId" = ${shopId}`;
  return row?.through ?? null;
}

/**
 * Each range's sums, in the order given: the summed days from ReportPointsDay, the days after them
 * from the ledger (by its shop-and-time index).
 */
export async function pointsSums(db: Db, shop: { id: string; ianaTimezone: string }, ranges: DayRange[]): Promise<PointsSums[]> {
  if (ranges.length === 0) return [];
  const through = await summedThrough(db, shop.id);
  const index = ranges.map((_, position) => position);
  const rows = await db.$queryRaw<{ idx: number; issued: bigint; redeemed: bigint; expired: bigint; net: bigint }[]>`
    WITH b AS (
      SELECT * FROM unnest(${index}::int[], ${ranges.map((range) => range.from)}::date[], ${ranges.map((range) => range.to)}::date[]) AS b(idx, from_day, to_day)
    ), summed AS (
      SELECT b.idx, COALESCE(SUM(d.issued), 0)::bigint AS issued, COALESCE(SUM(d.redeemed), 0)::bigint AS redeemed,
             COALESCE(SUM(d.expired), 0)::bigint AS expired, COALESCE(SUM(d.net), 0)::bigint AS net
        FROM b JOIN "ReportPointsDay" d ON d."shopId" = ${shop.id} AND ${through}::date IS NOT NULL
         AND d.day <= LEAST(b.to_day, ${through}::date) AND (b.from_day IS NULL OR d.day >= b.from_day)
       GROUP BY b.idx
    ), unsummed AS (
      SELECT b.idx, ${sumColumns("e")}
        FROM b JOIN "PointsLedgerEntry" e ON e."shopId" = ${shop.id}
         AND e."createdAt" >= ${midnight(Prisma.sql`COALESCE(GREATEST(b.from_day, ${through}::date + 1), '-infinity'::date)`, shop.ianaTimezone)}
         AND (b.to_day IS NULL OR e."createdAt" < ${midnight(Prisma.sql`(b.to_day + 1)`, shop.ianaTimezone)})
       GROUP BY b.idx
    )
    SELECT b.idx,
           (COALESCE(s.issued, 0) + COALESCE(u.issued, 0))::bigint AS issued, (COALESCE(s.redeemed, 0) + COALESCE(u.redeemed, 0))::bigint AS redeemed,
           (COALESCE(s.expired, 0) + COALESCE(u.expired, 0))::bigint AS expired, (COALESCE(s.net, 0) + COALESCE(u.net, 0))::bigint AS net
      FROM b LEFT JOIN summed s ON s.idx = b.idx LEFT JOIN unsummed u ON u.idx = b.idx`;
  const byIndex = new Map(rows.map((row) => [Number(row.idx), row]));
  return index.map((position) => {
    const row = byIndex.get(position);
    return { issued: Number(row?.issued ?? 0), redeemed: Number(row?.redeemed ?? 0), expired: Number(row?.expired ?? 0), net: Number(row?.net ?? 0) };
  });
}

/** Every balance of the shop summed (each customer's entries add up to their balance): the net of all days. */
export async function pointsOutstanding(db: Db, shop: { id: string; ianaTimezone: string }): Promise<number> {
  const [all] = await pointsSums(db, shop, [{ from: null, to: null }]);
  return all.net;
}

/**
 * Sums the days that closed since the last one summed (all of them the first time) into
 * ReportPointsDay, in the time zone the shop's report rows are kept in; the number of days summed.
 * Safe to run twice at once: a day's sums are final, so a second writer finds the row and leaves it.
 */
export async function sumClosedPointsDays(db: Db, shopId: string): Promise<number> {
  const [state] = await db.$queryRaw<{ timezone: string; through: string | null; last_closed: string }[]>`
    SELECT r.timezone, to_char(r."pointsThrough", 'YYYY-MM-DD') AS through,
           to_char((LEAST(now() - ${CLOSE_MARGIN},
                          (SELECT MIN(a.xact_start) FROM pg_stat_activity a WHERE a.datname = current_database()))
                    AT TIME ZONE r.timezone)::date - 1, 'YYYY-MM-DD') AS last_closed
      FROM "ReportState" r JOIN "Shop" s ON s.id = r."shopId" AND s."ianaTimezone" = r.timezone
     WHERE r."shopId" = ${shopId}`;
  if (!state || (state.through !== null && state.through >= state.last_closed)) return 0;
  const from = state.through;
  // A new statement, so a new snapshot: every transaction older than the closing moment has ended.
  const summed = await db.$executeRaw`
    INSERT INTO "ReportPointsDay" ("shopId", day, issued, redeemed, expired, net)
    SELECT ${shopId}, (e."createdAt" AT TIME ZONE 'UTC' AT TIME ZONE ${state.timezone})::date AS day, ${sumColumns("e")}
      FROM "PointsLedgerEntry" e
     WHERE e."shopId" = ${shopId}
       AND (${from}::date IS NULL OR e."createdAt" >= ${midnight(Prisma.sql`(${from}::date + 1)`, state.timezone)})
       AND e."createdAt" < ${midnight(Prisma.sql`(${state.last_closed}::date + 1)`, state.timezone)}
     GROUP BY 2
     ORDER BY 2
    ON CONFLICT ("shopId", day) DO NOTHING`;
  await db.$executeRaw`
    UPDATE "ReportState" SET "pointsThrough" = ${state.last_closed}::date
     WHERE "shopId" = ${shopId} AND timezone = ${state.timezone} AND ("pointsThrough" IS NULL OR "pointsThrough" < ${state.last_closed}::date)`;
  return summed;
}

/**
 * The installed shops with current report rows and a closed day not yet summed (each shop once a
 * day, just after its midnight): the report-rebuild job's other work.
 */
export async function shopsWithUnsummedPointsDays(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT s.id FROM "Shop" s JOIN "ReportState" r ON r."shopId" = s.id AND r.timezone = s."ianaTimezone"
     WHERE s."uninstalledAt" IS NULL
       AND (r."pointsThrough" IS NULL OR r."pointsThrough" < ((now() - ${CLOSE_MARGIN}) AT TIME ZONE s."ianaTimezone")::date - 1)
     ORDER BY s.id`;
  return rows.map((row) => row.id);
}
