/**
 * Points expiry reminders in the database: the hourly sweep that schedules one reminder per customer
 * and expiry date (rules.ts `planPointsExpiryReminder`), and what the dispatch reads again at send
 * time to cancel one the customer's activity or the program made pointless (`whyNotRemindOfExpiry`).
 */
import type { Db } from "../database/transaction";
import { quietBalances, type QuietBalance } from "../loyalty/ledger.server";
import { planPointsExpiryReminder, whyNotRemindOfExpiry } from "./rules";
import { followUpSettings } from "./schedule.server";

/**
 * For every installed shop whose points expire and whose reminder is on, schedules the reminders now
 * due (balances expiring within the lead days). Returns how many were scheduled; a second run adds none.
 */
export async function schedulePointsExpiryReminders(db: Db, now: Date): Promise<number> {
  const shops = await db.$queryRaw<{ id: string; timezone: string; expiry_months: number }[]>`
    SELECT s.id, s."ianaTimezone" AS timezone, p."expiryMonths" AS expiry_months FROM "Shop" s
      JOIN "ProgramSettings" p ON p."shopId" = s.id
      JOIN "FollowUpSettings" f ON f."shopId" = s.id
     WHERE s."uninstalledAt" IS NULL AND p."expiryMonths" IS NOT NULL AND f."pointsExpiryEnabled"`;
  let scheduled = 0;
  for (const shop of shops) {
    const settings = await followUpSettings(db, shop.id);
    const planned = (await quietBalances(db, shop.id, now)).flatMap((balance) => {
      const reminder = planPointsExpiryReminder({
        customerId: balance.customerId,
        balance,
        expiryMonths: shop.expiry_months,
        leadDays: settings.pointsExpiryLeadDays,
        timezone: shop.timezone,
        quietHours: { start: settings.quietHoursStart, end: settings.quietHoursEnd },
        now,
      });
      return reminder ? [{ ...reminder, customerId: balance.customerId }] : [];
    });
    if (planned.length === 0) continue;
    // Someone Shopify erased or deleted, or a customer without a Shopify id, is never written to.
    scheduled += await db.$executeRaw`
      INSERT INTO "FollowUp" (id, "shopId", kind, key, "customerShopifyId", "dueAt", "pointsExpireAt", "pointsExpiring", "createdAt", "updatedAt")
      SELECT gen_random_uuid()::text, ${shop.id}, 'POINTS_EXPIRY'::"FollowUpKind", r.key, c."shopifyId",
             r.due_at::timestamptz AT TIME ZONE 'UTC', r.expires_at::timestamptz AT TIME ZONE 'UTC', r.points, ${now}, ${now}
        FROM unnest(${planned.map((r) => r.customerId)}::text[], ${planned.map((r) => r.key)}::text[],
                    ${planned.map((r) => r.dueAt.toISOString())}::text[], ${planned.map((r) => r.expiresAt.toISOString())}::text[],
                    ${planned.map((r) => r.points)}::int[]) AS r(customer_id, key, due_at, expires_at, points)
        JOIN "Customer" c ON c.id = r.customer_id AND c."shopId" = ${shop.id}
       WHERE c."redactedAt" IS NULL AND c."deletedAt" IS NULL
      ON CONFLICT ("shopId", key) DO NOTHING`;
  }
  return scheduled;
}

/**
 * How many reachable customers the sweep would remind now if the reminder were on: the same plan,
 * counted (the launch checklist's "writes to N customers today"). 0 when the program's points do not expire.
 */
export async function pointsExpiryReminderReach(db: Db, shopId: string, now: Date): Promise<number> {
  const [shop] = await db.$queryRaw<{ timezone: string; expiry_months: number | null }[]>`
    SELECT s."ianaTimezone" AS timezone, p."expiryMonths" AS expiry_months FROM "Shop" s JOIN "ProgramSettings" p ON p."shopId" = s.id WHERE s.id = ${shopId}`;
  if (!shop?.expiry_months) return 0;
  const settings = await followUpSettings(db, shopId);
  const due = (await quietBalances(db, shopId, now)).filter((balance) =>
    planPointsExpiryReminder({
      customerId: balance.customerId,
      balance,
      expiryMonths: shop.expiry_months,
      leadDays: settings.pointsExpiryLeadDays,
      timezone: shop.timezone,
      quietHours: { start: settings.quietHoursStart, end: settings.quietHoursEnd },
      now,
    }),
  );
  if (due.length === 0) return 0;
  return db.customer.count({ where: { shopId, id: { in: due.map((balance) => balance.customerId) }, redactedAt: null, deletedAt: null } });
}

/**
 * For the claimed reminders of one shop, the points expiring now (to write in the email) or why the
 * reminder no longer applies, by follow-up id.
 */
export async function checkPointsExpiryReminders(
  db: Db,
  shopId: string,
  reminders: { id: string; customerId: string | null; pointsExpireAt: Date | null }[],
  now: Date,
): Promise<Map<string, { points: number; expiresAt: Date } | { reason: string }>> {
  const answers = new Map<string, { points: number; expiresAt: Date } | { reason: string }>();
  if (reminders.length === 0) return answers;
  const program = await db.programSettings.findUnique({ where: { shopId }, select: { expiryMonths: true } });
  const customerIds = reminders.flatMap((reminder) => (reminder.customerId ? [reminder.customerId] : []));
  const balances = new Map<string, QuietBalance>((await quietBalances(db, shopId, now, customerIds)).map((balance) => [balance.customerId, balance]));
  for (const reminder of reminders) {
    const balance = reminder.customerId ? (balances.get(reminder.customerId) ?? null) : null;
    const reason = whyNotRemindOfExpiry({ plannedExpiresAt: reminder.pointsExpireAt, balance, expiryMonths: program?.expiryMonths ?? null, now });
    answers.set(reminder.id, reason ? { reason } : { points: balance!.spendable, expiresAt: reminder.pointsExpireAt! });
  }
  return answers;
}
