/**
 * VIP tiers for a customer with many orders: what a recompute does in memory (the tier held at each
 * order's placement, for its multiplier, then the tier held now), from tier-rules.ts alone. A
 * wholesale buyer with thousands of orders must not make their own order's batch slow.
 */
import { heldTierAt, ProgressTimeline, tierAtPlacement, type ProgressEvent, type TierLadder } from "../app/loyalty/tier-rules";
import { median, type BenchRow } from "./table";

export const title = "VIP tiers: a recompute's in-memory work for a customer with many orders";

const DAY_MS = 86_400_000;
const LADDER: TierLadder = {
  basis: "POINTS_EARNED",
  windowMonths: 12,
  retentionDays: 30,
  tiers: [
    { id: "bronze", name: "Bronze", threshold: 500, multiplierPercent: 100, entryRewardPoints: 0 },
    { id: "silver", name: "Silver", threshold: 2_000, multiplierPercent: 125, entryRewardPoints: 100 },
    { id: "gold", name: "Gold", threshold: 5_000, multiplierPercent: 150, entryRewardPoints: 250 },
  ],
};

/** `orders` orders a day apart, each earning 40 to 139 points, every tenth partly refunded. */
function eventsOf(orders: number, start: number): ProgressEvent[] {
  const events: ProgressEvent[] = [];
  for (let index = 0; index < orders; index++) {
    const at = new Date(start + index * DAY_MS);
    const points = 40 + ((index * 37) % 100);
    events.push({ at, value: points, gross: points });
    if (index % 10 === 0) events.push({ at, value: -Math.floor(points / 2), gross: 0 });
  }
  return events;
}

/** As recomputeCustomerTiers does it: the customer's timeline built once, then read at each placement and now. */
function recompute(events: ProgressEvent[], placements: Date[], now: Date): number {
  const timeline = new ProgressTimeline(events);
  let bonusTiers = 0;
  for (const placedAt of placements) if (tierAtPlacement(LADDER, timeline, placedAt, [])) bonusTiers++;
  return bonusTiers + (heldTierAt(LADDER, timeline, now, new Date(now.getTime() + 1)) ? 1 : 0);
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const orders of [100, 1_000, 10_000]) {
    const now = Date.now();
    const events = eventsOf(orders, now - orders * DAY_MS);
    const placements = [...new Set(events.map((event) => event.at.getTime()))].map((time) => new Date(time));
    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      recompute(events, placements, new Date(now));
      times.push(performance.now() - started);
    }
    rows.push({
      name: `tier recompute, a customer with ${orders.toLocaleString("en")} orders, median`,
      value: Number(median(times).toFixed(2)),
      unit: "ms",
      ...(orders === 1_000 ? { target: "< 20" } : {}),
      note: "the tier at each order's placement and now; 12-month window, 30 days' retention",
    });
  }
  return rows;
}
