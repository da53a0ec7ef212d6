/**
 * The customer base as the dashboard shows it now: customers per health colour, customers whose
 * points balance is below zero, and each RFM segment's customers, revenue and repeat rate. Each reads
 * every customer (seconds at 250,000), so the "customer-segments" job counts them right after it
 * places the segments (hourly, and within SEGMENTS_MIN_GAP_MS of orders being applied) and keeps them
 * on the shop's SegmentState with the moment they describe; the dashboard reads them there, and counts
 * live only before the first run, or when the health thresholds changed since.
 */
import { allowLongStatements } from "../database-timeouts.server";
import type { Db } from "../database/transaction";
import type { Prisma, PrismaClient } from "../generated/prisma/client";
import { pointsLiability } from "../loyalty/ledger.server";
import { customersByHealthColour, healthThresholdsOfShop } from "./directory.server";
import type { HealthColour, HealthThresholds } from "./health";
import { segmentFigures, type SegmentFigures, type ShopSegments } from "./segments.server";

export interface CustomerBaseFigures {
  /** The moment the figures describe (ISO). */
  computedAt: string;
  thresholds: HealthThresholds;
  health: Record<HealthColour, number>;
  /** Customers whose points balance is below zero (points taken back after they were spent). */
  customersInDebt: number;
  segments: SegmentFigures[];
}

const COUNT_TIMEOUT_MS = 5 * 60_000;

async function countCustomerBase(db: Db, shopId: string, thresholds: HealthThresholds, now: Date): Promise<CustomerBaseFigures> {
  const [health, liability, segments] = await Promise.all([customersByHealthColour(db, shopId, thresholds, now), pointsLiability(db, shopId), segmentFigures(db, shopId)]);
  return { computedAt: now.toISOString(), thresholds, health, customersInDebt: liability.customersInDebt, segments };
}

/** Counts the shop's customer base at `now` and keeps the figures on its SegmentState (the segments job, after placing them). */
export async function recordCustomerBaseFigures(db: PrismaClient, shopId: string, now: Date): Promise<CustomerBaseFigures> {
  return db.$transaction(
    async (tx) => {
      await allowLongStatements(tx, COUNT_TIMEOUT_MS);
      const figures = await countCustomerBase(tx, shopId, await healthThresholdsOfShop(tx, shopId), now);
      await tx.segmentState.update({ where: { shopId }, data: { figures: figures as unknown as Prisma.InputJsonObject } });
      return figures;
    },
    { timeout: COUNT_TIMEOUT_MS, maxWait: 60_000 },
  );
}

function isFigures(value: unknown): value is CustomerBaseFigures {
  return typeof value === "object" && value !== null && "computedAt" in value && "health" in value && "segments" in value && "customersInDebt" in value;
}

/** The figures the last run kept for the shop, or null (none yet, or the segments were placed again since). */
export async function keptCustomerBaseFigures(db: Db, shopId: string): Promise<CustomerBaseFigures | null> {
  const state = await db.segmentState.findUnique({ where: { shopId }, select: { figures: true } });
  return isFigures(state?.figures) ? state.figures : null;
}

/** Customers per health colour: as kept by the last run when it used the shop's current thresholds, else counted now. */
export async function healthCounts(db: Db, shopId: string, now: Date): Promise<{ counts: Record<HealthColour, number>; asOf: string }> {
  const [kept, thresholds] = await Promise.all([keptCustomerBaseFigures(db, shopId), healthThresholdsOfShop(db, shopId)]);
  if (kept && kept.thresholds.slippingDays === thresholds.slippingDays && kept.thresholds.lapsedDays === thresholds.lapsedDays) {
    return { counts: kept.health, asOf: kept.computedAt };
  }
  return { counts: await customersByHealthColour(db, shopId, thresholds, now), asOf: now.toISOString() };
}

/** Customers whose balance is below zero: as kept by the last run, else counted now. */
export async function customersInDebt(db: Db, shopId: string): Promise<number> {
  const kept = await keptCustomerBaseFigures(db, shopId);
  return kept ? kept.customersInDebt : (await pointsLiability(db, shopId)).customersInDebt;
}

/**
 * Each segment's figures as of the last recompute (the dashboard's Segments card, `npm run report`):
 * as counted by the job right after it placed them, or from the stored segments before that.
 */
export async function shopSegments(db: Db, shopId: string): Promise<ShopSegments> {
  const [state, kept] = await Promise.all([
    db.segmentState.findUnique({ where: { shopId }, select: { computedAt: true } }),
    keptCustomerBaseFigures(db, shopId),
  ]);
  const segments = kept ? kept.segments : await segmentFigures(db, shopId);
  return { computedAt: state?.computedAt.toISOString() ?? null, customers: segments.reduce((sum, s) => sum + s.customers, 0), segments };
}
