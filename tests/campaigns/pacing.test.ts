/**
 * A campaign's pace, pure: the set number of emails a minute, none in the shop's quiet hours, in
 * recipient order; a hand-worked case and a property over sizes, rates, starts and time zones.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { campaignSendTimes } from "../../app/campaigns/pacing";
import { isQuietTime } from "../../app/follow-ups/rules";

const MINUTE = 60_000;

describe("pacing", () => {
  it("sends the set number a minute, skipping the shop's quiet hours", () => {
    // 21:00 to 09:00 quiet in UTC; 5 recipients at 2 a minute from 20:58.
    const times = campaignSendTimes(5, 2, new Date("2026-12-07T20:58:00Z"), "UTC", { start: 21, end: 9 });
    expect(times.map((time) => time.toISOString())).toEqual([
      "2026-12-07T20:58:00.000Z",
      "2026-12-07T20:58:00.000Z",
      "2026-12-07T20:59:00.000Z",
      "2026-12-07T20:59:00.000Z",
      "2026-12-08T09:00:00.000Z",
    ]);
  });

  it("never more than the rate in a minute, never in quiet hours, in recipient order (any size, rate, start and time zone)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 50 }),
        fc.date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2027-12-31T00:00:00Z"), noInvalidDate: true }),
        fc.constantFrom("UTC", "Europe/Paris", "America/Los_Angeles", "Pacific/Auckland"),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 23 }),
        (recipients, rate, start, timezone, quietStart, quietEnd) => {
          const quiet = { start: quietStart, end: quietEnd };
          const times = campaignSendTimes(recipients, rate, start, timezone, quiet);
          expect(times).toHaveLength(recipients);
          const perMinute = new Map<number, number>();
          for (const [index, time] of times.entries()) {
            expect(isQuietTime(time, timezone, quiet)).toBe(false);
            if (index > 0) expect(time.getTime()).toBeGreaterThanOrEqual(times[index - 1].getTime());
            expect(time.getTime()).toBeGreaterThanOrEqual(start.getTime());
            const minute = Math.floor((time.getTime() - start.getTime()) / MINUTE);
            perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
          }
          for (const count of perMinute.values()) expect(count).toBeLessThanOrEqual(rate);
        },
      ),
      { numRuns: 200 },
    );
  });
});

