/**
 * Birthdays: the month and day a shopper gives (storefront widget or customer account page, both
 * through setCustomerBirthday), and the birthday points the birthday-points job gives on that day in
 * the shop's time zone, once a year.
 *
 * Rules:
 * - No year is asked or kept: only the month and day.
 * - Feb 29 is accepted; in a year without one the points come on Feb 28.
 * - Once a year: the ledger key names the customer and the year of the birthday
 *   (customer:<gid>:birthday:<year>), so a second run, a second process or a birthday moved to a later
 *   date the same year adds nothing.
 * - The abuse rule: a birthday set or changed fewer than `birthdayAbuseWindowDays` days before the date
 *   (counted in the shop's calendar days; set on the day itself is 0 days) earns nothing that year. The
 *   same date given again is not a change and keeps its original date.
 * - A day the job did not run at all is made up within BIRTHDAY_CATCH_UP_DAYS days.
 */
import { z } from "zod";

import type { PrismaClient } from "../generated/prisma/client";
import { appendCustomersLedgerEntries } from "./ledger.server";
import { moveTiersAfterPoints } from "./tiers.server";
import type { PlannedEntry } from "./points-rules";

export interface Birthday {
  month: number;
  day: number;
}

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** Days a missed birthday is still given late (the job stopped for a day): today and this many before. */
export const BIRTHDAY_CATCH_UP_DAYS = 2;

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
/** The longest each month can be (February: 29, the leap day). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const wholeNumber = (what: string) =>
  z.preprocess(
    (value) => (typeof value === "string" ? (value.trim() === "" ? undefined : Number(value.trim())) : value),
    z.number({ error: (issue) => (issue.input === undefined ? `Choose a ${what}.` : `The ${what} must be a number.`) }).int(`The ${what} must be a whole number.`),
  );

const BirthdayBody = z
  .object({ month: wholeNumber("month").pipe(z.number().min(1, "The month must be from 1 to 12.").max(12, "The month must be from 1 to 12.")), day: wholeNumber("day") })
  .superRefine(({ month, day }, context) => {
    const longest = MONTH_DAYS[month - 1];
    if (day < 1 || day > longest) context.addIssue({ code: "custom", path: ["day"], message: `${MONTH_NAMES[month - 1]} has days 1 to ${longest}.` });
  });

/**
 * The shopper's input as a birthday: `{ month, day }` (numbers or numeric strings), or both null to
 * remove it. Anything else is refused with one sentence saying what to fix.
 */
export function parseBirthday(input: unknown): { ok: true; birthday: Birthday | null } | { ok: false; error: string } {
  if (input === null || typeof input !== "object") return { ok: false, error: "Send the birthday as a month and a day." };
  const { month, day } = input as Record<string, unknown>;
  if (month === null && day === null) return { ok: true, birthday: null };
  if (month === null || day === null) return { ok: false, error: "Give both the month and the day, or neither to remove your birthday." };
  const parsed = BirthdayBody.safeParse({ month, day });
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? "Give a month from 1 to 12 and a day of that month." };
  return { ok: true, birthday: { month: parsed.data.month, day: parsed.data.day } };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The date a birthday is celebrated in `year`: itself, or Feb 28 for Feb 29 in a year without one. */
export function celebratedOn(birthday: Birthday, year: number): LocalDate {
  if (birthday.month === 2 && birthday.day === 29 && !isLeapYear(year)) return { year, month: 2, day: 28 };
  return { year, month: birthday.month, day: birthday.day };
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date at `at` on the shop's wall clock. */
export function localDate(at: Date, timeZone: string): LocalDate {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric" });
    dateFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const part = (type: string) => Number(parts.find((candidate) => candidate.type === type)?.value);
  return { year: part("year"), month: part("month"), day: part("day") };
}

function dayNumber(date: LocalDate): number {
  return Date.UTC(date.year, date.month - 1, date.day) / 86_400_000;
}

/** `date` moved by whole calendar days. */
function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date((dayNumber(date) + days) * 86_400_000);
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

function sameDate(a: LocalDate, b: LocalDate): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

/**
 * Whether a customer's birthday earns on `date` (a date in the shop's time zone): it is the day
 * celebrated that year, and the birthday was set at least `abuseWindowDays` of the shop's calendar days before it.
 */
export function birthdayEarnsOn(args: { birthday: Birthday; setAt: Date; date: LocalDate; timeZone: string; abuseWindowDays: number }): boolean {
  const { birthday, setAt, date, timeZone, abuseWindowDays } = args;
  if (!sameDate(celebratedOn(birthday, date.year), date)) return false;
  return dayNumber(date) - dayNumber(localDate(setAt, timeZone)) >= abuseWindowDays;
}

export function birthdayLedgerKey(customerGid: string, year: number): string {
  return `customer:${customerGid}:birthday:${year}`;
}

export type SetBirthdayResult =
  | { ok: true; birthday: Birthday | null; changed: boolean }
  | { ok: false; status: 400 | 404; error: string };

/**
 * Sets (or, with null month and day, removes) a signed-in shopper's birthday. The same date given
 * again changes nothing, so it keeps the date it was first set on for the abuse rule.
 */
export async function setCustomerBirthday(
  db: PrismaClient,
  request: { shopDomain: string; customerGid: string; input: unknown; now: Date },
): Promise<SetBirthdayResult> {
  const parsed = parseBirthday(request.input);
  if (!parsed.ok) return { ok: false, status: 400, error: parsed.error };
  const shop = await db.shop.findUnique({ where: { domain: request.shopDomain }, select: { id: true, uninstalledAt: true } });
  if (!shop || shop.uninstalledAt) return { ok: false, status: 404, error: "This shop's rewards program is not available." };
  const birthday = parsed.birthday;
  return db.$transaction(async (tx) => {
    // FOR UPDATE: two saves at once compare against the same stored birthday one after the other.
    const [customer] = await tx.$queryRaw<{ id: string; birthdayMonth: number | null; birthdayDay: number | null; gone: boolean }[]>`
      SELECT id, "birthdayMonth", "birthdayDay", ("deletedAt" IS NOT NULL OR "redactedAt" IS NOT NULL) AS gone
        FROM "Customer" WHERE "shopId" = ${shop.id} AND "shopifyId" = ${request.customerGid} FOR UPDATE`;
    if (!customer || customer.gone) return { ok: false as const, status: 404 as const, error: "We could not find your rewards account yet. Try again in a minute." };
    const unchanged = customer.birthdayMonth === (birthday?.month ?? null) && customer.birthdayDay === (birthday?.day ?? null);
    if (unchanged) return { ok: true as const, birthday, changed: false };
    await tx.customer.update({
      where: { id: customer.id },
      data: { birthdayMonth: birthday?.month ?? null, birthdayDay: birthday?.day ?? null, birthdaySetAt: birthday ? request.now : null },
    });
    return { ok: true as const, birthday, changed: true };
  });
}

/** The shops whose program gives birthday points (the job's shops). */
export async function shopsWithBirthdayPoints(db: PrismaClient): Promise<{ id: string; domain: string }[]> {
  return db.shop.findMany({ where: { uninstalledAt: null, settings: { birthdayPoints: { gt: 0 } } }, select: { id: true, domain: true } });
}

/**
 * Gives one shop's birthday points due at `now`: customers whose birthday is today in the shop's time
 * zone (or was, up to BIRTHDAY_CATCH_UP_DAYS days ago) and earns under the abuse rule. Returns the
 * entries written; an entry already in the ledger (that year's) is not written again.
 */
export async function awardBirthdayPoints(db: PrismaClient, shopId: string, now: Date): Promise<{ awarded: number; tooRecent: number }> {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId }, select: { ianaTimezone: true, uninstalledAt: true, settings: { select: { birthdayPoints: true, birthdayAbuseWindowDays: true } } } });
  const points = shop.settings?.birthdayPoints ?? 0;
  if (points <= 0 || shop.uninstalledAt) return { awarded: 0, tooRecent: 0 };
  const timeZone = shop.ianaTimezone;
  const today = localDate(now, timeZone);
  const dates = Array.from({ length: BIRTHDAY_CATCH_UP_DAYS + 1 }, (_, back) => addDays(today, -back));
  // The stored month and day each date celebrates: itself, and Feb 29 on Feb 28 of a year without one.
  const wanted = dates.flatMap((date) => [
    { month: date.month, day: date.day },
    ...(date.month === 2 && date.day === 28 && !isLeapYear(date.year) ? [{ month: 2, day: 29 }] : []),
  ]);
  const customers = await db.customer.findMany({
    where: { shopId, deletedAt: null, redactedAt: null, birthdaySetAt: { not: null }, OR: wanted.map(({ month, day }) => ({ birthdayMonth: month, birthdayDay: day })) },
    select: { id: true, shopifyId: true, birthdayMonth: true, birthdayDay: true, birthdaySetAt: true },
  });
  const entries: { customerId: string; entry: PlannedEntry }[] = [];
  let tooRecent = 0;
  for (const customer of customers) {
    const birthday = { month: customer.birthdayMonth as number, day: customer.birthdayDay as number };
    const date = dates.find((candidate) => sameDate(celebratedOn(birthday, candidate.year), candidate));
    if (!date || !customer.birthdaySetAt) continue;
    if (!birthdayEarnsOn({ birthday, setAt: customer.birthdaySetAt, date, timeZone, abuseWindowDays: shop.settings?.birthdayAbuseWindowDays ?? 0 })) {
      tooRecent += 1;
      continue;
    }
    entries.push({
      customerId: customer.id,
      entry: { key: birthdayLedgerKey(customer.shopifyId, date.year), points, reason: "BIRTHDAY", source: "CUSTOMER", sourceId: customer.shopifyId, availableAt: now },
    });
  }
  const awarded = await appendCustomersLedgerEntries(db, shopId, entries);
  // Birthday points are points earned: a ladder by points earned moves today, not at tomorrow's recompute.
  await moveTiersAfterPoints(db, shopId, entries.map(({ customerId }) => customerId), now);
  return { awarded, tooRecent };
}
