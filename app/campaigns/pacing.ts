/**
 * When each recipient of a campaign is due, pure: `ratePerMinute` recipients a minute from `start`,
 * minutes that fall in the shop's quiet hours skipped (the sending resumes when they end). Dispatch
 * still defers a row that comes due in quiet hours anyway (the workers were down, the hours changed).
 */
import { nextSendableTime, type QuietHours } from "../follow-ups/rules";

const MINUTE = 60_000;

export function campaignSendTimes(recipients: number, ratePerMinute: number, start: Date, timezone: string, quietHours: QuietHours): Date[] {
  if (!Number.isInteger(ratePerMinute) || ratePerMinute < 1) throw new Error(`rate must be a whole number of emails a minute, not ${ratePerMinute}`);
  const times: Date[] = [];
  let slot = start;
  for (let index = 0; index < recipients; index++) {
    if (index > 0 && index % ratePerMinute === 0) slot = new Date(slot.getTime() + MINUTE);
    if (index % ratePerMinute === 0) slot = nextSendableTime(slot, timezone, quietHours);
    times.push(slot);
  }
  return times;
}
