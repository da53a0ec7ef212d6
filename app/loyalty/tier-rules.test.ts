/** The tier rules with known answers, worked by hand: points attributed to an order's placement, the retention period, the bonus. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { heldTierAt, pointsEvents, ProgressTimeline, progressAt, tierAtPlacement, tierBonusPoints, tierChangeWhy, tierForProgress, tiersReached, type ProgressEvent, type TierLadder } from "./tier-rules";

const silver = { id: "s", name: "Silver", threshold: 100, multiplierPercent: 150, entryRewardPoints: 10 };
const gold = { id: "g", name: "Gold", threshold: 300, multiplierPercent: 200, entryRewardPoints: 50 };
const ladder = (windowMonths: number | null, retentionDays: number): TierLadder => ({ basis: "POINTS_EARNED", windowMonths, retentionDays, tiers: [gold, silver] });
const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);

describe("points earned", () => {
  it("counts an order's entries at its placement, other entries when written, and leaves out redemptions and the tiers' own points", () => {
    const placed = new Map([["o1", day(0)]]);
    const events = pointsEvents(
      [
        { points: 120, reason: "SPEND", source: "ORDER", sourceId: "o1", createdAt: day(40) },
        { points: -20, reason: "REFUND", source: "ORDER", sourceId: "o1", createdAt: day(50) },
        { points: 60, reason: "TIER_BONUS", source: "ORDER", sourceId: "o1", createdAt: day(40) },
        { points: 100, reason: "WELCOME", source: "CUSTOMER", sourceId: null, createdAt: day(10) },
        { points: -150, reason: "REDEMPTION", source: "REDEMPTION", sourceId: null, createdAt: day(20) },
      ],
      placed,
    );
    expect(events).toEqual([
      { at: day(0), value: 120, gross: 120 },
      { at: day(0), value: -20, gross: 0 },
      { at: day(10), value: 100, gross: 100 },
    ]);
    // 100 net at day 0 is Silver; 200 from day 10: still Silver. Gross (without the refund) is 220.
    expect(heldTierAt(ladder(null, 0), events, day(5), day(6))?.name).toBe("Silver");
    expect(heldTierAt(ladder(null, 0), events, day(11), day(12), "gross")?.name).toBe("Silver");
  });
});

describe("the retention period", () => {
  it("keeps the tier a 1-month window reached for 10 days after the purchase leaves the window", () => {
    const events = [{ at: day(0), value: 150, gross: 150 }];
    // The window of January 1 ends on February 1 (exclusive start): 150 counts until then.
    expect(heldTierAt(ladder(1, 0), events, day(30), day(31))?.name).toBe("Silver");
    expect(heldTierAt(ladder(1, 0), events, day(31), day(32))).toBe(null);
    expect(heldTierAt(ladder(1, 10), events, day(40), day(41))?.name).toBe("Silver");
    expect(heldTierAt(ladder(1, 10), events, day(41), day(42))).toBe(null);
  });
});

describe("the multiplier", () => {
  it("uses the tier held before the order, or the override in force when it was placed", () => {
    const events = [
      { at: day(0), value: 320, gross: 320 },
      { at: day(5), value: 10, gross: 10 },
    ];
    expect(tierAtPlacement(ladder(null, 0), events, day(0), [])).toBe(null);
    expect(tierAtPlacement(ladder(null, 0), events, day(5), [])?.name).toBe("Gold");
    expect(tierAtPlacement(ladder(null, 0), events, day(0), [{ tierId: "s", from: day(-1), until: day(1) }])?.name).toBe("Silver");
    // 33 points kept at 150%: floor(33 × 50 ÷ 100) = 16; nothing below 100% or for nothing kept.
    expect(tierBonusPoints(33, 150)).toBe(16);
    expect(tierBonusPoints(33, 100)).toBe(0);
    expect(tierBonusPoints(-5, 200)).toBe(0);
  });

  it("names the change and the entry rewards a jump gives", () => {
    expect(tierChangeWhy(ladder(null, 0), null, gold, gold)).toBe("EARNED");
    expect(tierChangeWhy(ladder(null, 0), gold, silver, gold)).toBe("REFUND");
    expect(tierChangeWhy(ladder(null, 0), gold, silver, silver)).toBe("DOWNGRADED");
    expect(tiersReached(ladder(null, 0), null, gold).map((tier) => tier.name)).toEqual(["Silver", "Gold"]);
    expect(tiersReached(ladder(null, 0), gold, silver)).toEqual([]);
  });
});

describe("the tier held, computed with running sums", () => {
  /** The rule as written: every moment of the retention period's events, each summing its whole window. */
  function heldByDefinition(ladder: TierLadder, events: ProgressEvent[], at: Date, before: Date, pick: "value" | "gross"): string | null {
    const from = new Date(at.getTime() - ladder.retentionDays * 86_400_000);
    const moments = [from, ...events.filter((e) => e.at > from && e.at <= at && e.at < before).map((e) => e.at)];
    let held: { name: string; threshold: number } | null = null;
    for (const moment of moments) {
      const tier = tierForProgress(ladder, progressAt(ladder, events, moment, before, pick));
      if (tier && (!held || tier.threshold > held.threshold)) held = tier;
    }
    return held?.name ?? null;
  }

  it("is the tier the rule's definition gives, for any events, window, retention and moment", () => {
    const moment = fc.integer({ min: 0, max: 800 }).map((hours) => new Date(Date.UTC(2026, 0, 28) + hours * 3_600_000 * 12));
    const events = fc.array(fc.record({ at: moment, value: fc.integer({ min: -200, max: 300 }), gross: fc.integer({ min: 0, max: 300 }) }), { maxLength: 40 });
    fc.assert(
      fc.property(events, fc.constantFrom(null, 1, 2, 12), fc.constantFrom(0, 10, 45), moment, fc.integer({ min: 0, max: 3 }), fc.constantFrom("value" as const, "gross" as const), (list, windowMonths, retentionDays, at, ahead, pick) => {
        const chosen = ladder(windowMonths, retentionDays);
        // `before` just after `at` (today's tier), at it (an order's own placement) or days later.
        const before = new Date(at.getTime() + (ahead === 0 ? 0 : ahead === 1 ? 1 : ahead * 86_400_000));
        const expected = heldByDefinition(chosen, list, at, before, pick);
        expect(heldTierAt(chosen, list, at, before, pick)?.name ?? null).toBe(expected);
        expect(heldTierAt(chosen, new ProgressTimeline(list), at, before, pick)?.name ?? null).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});
