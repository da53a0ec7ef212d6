/**
 * Points expiry reminders end to end: balances in the ledger, the hourly sweep that schedules a
 * reminder per expiry date, and dispatch (with an injected clock) over real SMTP, reading consent
 * from the dev store. Known answers: points earned on 10 January with a one-month expiry expire on
 * 10 February; a 14-day lead opens the reminder on 27 January.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { dispatchDueFollowUps } from "../../app/follow-ups/dispatch.server";
import { smtpTransport, type MailTransport } from "../../app/follow-ups/mail.server";
import { pointsExpiryReminderReach, schedulePointsExpiryReminders } from "../../app/follow-ups/points-expiry-reminders.server";
import { planPointsExpiryReminder, whyNotRemindOfExpiry } from "../../app/follow-ups/rules";
import { setFollowUpKindEnabled } from "../../app/follow-ups/settings.server";
import { appendLedgerEntries, expireInactivePoints } from "../../app/loyalty/ledger.server";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { startSmtpSink, type SmtpSink } from "./smtp-sink";

const DAY = 86_400_000;
const EARNED = new Date("2026-01-10T15:00:00Z");

describe("planPointsExpiryReminder and whyNotRemindOfExpiry (pure)", () => {
  const balance = { lastActivityAt: EARNED, spendable: 250 };
  const plan = (now: string, quietHours = { start: 0, end: 0 }) =>
    planPointsExpiryReminder({ customerId: "c1", balance, expiryMonths: 1, leadDays: 14, timezone: "America/New_York", quietHours, now: new Date(now) });

  it("opens 14 days before the expiry date and closes at it", () => {
    expect(plan("2026-01-27T14:59:00Z")).toBeNull();
    expect(plan("2026-01-27T15:00:00Z")).toEqual({
      key: "points-expiry:c1:2026-02-10T15:00:00.000Z",
      dueAt: new Date("2026-01-27T15:00:00Z"),
      expiresAt: new Date("2026-02-10T15:00:00Z"),
      points: 250,
    });
    expect(plan("2026-02-10T15:00:00Z")).toBeNull();
  });

  it("waits for the end of the shop's quiet hours (21:00 to 09:00 in New York)", () => {
    // 03:00 UTC on 1 February is 22:00 in New York: due at 09:00 there, 14:00 UTC.
    expect(plan("2026-02-01T03:00:00Z", { start: 21, end: 9 })?.dueAt).toEqual(new Date("2026-02-01T14:00:00Z"));
  });

  it("plans nothing for an empty balance or a program without expiry", () => {
    expect(planPointsExpiryReminder({ customerId: "c1", balance: { lastActivityAt: EARNED, spendable: 0 }, expiryMonths: 1, leadDays: 14, timezone: "UTC", quietHours: { start: 0, end: 0 }, now: new Date("2026-02-01T00:00:00Z") })).toBeNull();
    expect(planPointsExpiryReminder({ customerId: "c1", balance, expiryMonths: null, leadDays: 14, timezone: "UTC", quietHours: { start: 0, end: 0 }, now: new Date("2026-02-01T00:00:00Z") })).toBeNull();
  });

  it("says why a planned reminder no longer applies at send time", () => {
    const planned = new Date("2026-02-10T15:00:00Z");
    const now = new Date("2026-02-01T00:00:00Z");
    expect(whyNotRemindOfExpiry({ plannedExpiresAt: planned, balance, expiryMonths: 1, now })).toBeNull();
    expect(whyNotRemindOfExpiry({ plannedExpiresAt: planned, balance, expiryMonths: null, now })).toBe("points no longer expire");
    expect(whyNotRemindOfExpiry({ plannedExpiresAt: planned, balance: { lastActivityAt: EARNED, spendable: 0 }, expiryMonths: 1, now })).toBe("no points left to expire");
    expect(whyNotRemindOfExpiry({ plannedExpiresAt: planned, balance: { lastActivityAt: new Date("2026-01-30T10:00:00Z"), spendable: 50 }, expiryMonths: 1, now })).toBe(
      "expiry date moved: new points activity",
    );
    expect(whyNotRemindOfExpiry({ plannedExpiresAt: planned, balance, expiryMonths: 2, now })).toBe("expiry date moved: new points activity");
    expect(whyNotRemindOfExpiry({ plannedExpiresAt: planned, balance, expiryMonths: 1, now: new Date("2026-02-10T15:00:00Z") })).toBe("points already expired");
  });
});

describe("points expiry reminders scheduled by the sweep, sent over SMTP", () => {
  let app: TestApp;
  let sink: SmtpSink;
  let transport: MailTransport;
  let shopId: string;
  const customers: Record<string, { id: string; shopifyId: string }> = {};

  const dispatch = async (now: Date) => {
    const options = { db: app.db, transport, adminGraphqlFor: app.adminGraphqlFor, appUrl: app.appUrl, secret: TEST_APP.apiSecret, defaultFromAddress: "follow-ups@loyalty.example", now: () => now };
    while ((await dispatchDueFollowUps(options)) > 0);
  };
  const mailTo = (email: string) => sink.received.filter((message) => message.recipients.includes(email));
  const remindersOf = (name: string) =>
    app.db.followUp.findMany({ where: { shopId, customerShopifyId: customers[name].shopifyId, kind: "POINTS_EXPIRY" }, orderBy: { createdAt: "asc" } });

  /** A ledger entry as it was written on `at` (the ledger stamps entries with the database's clock). */
  async function earned(name: string, key: string, points: number, at: Date) {
    await appendLedgerEntries(app.db, shopId, customers[name].id, [{ key, points, reason: "ADJUSTMENT", source: "ADJUSTMENT", sourceId: null, availableAt: at, note: "test" }]);
    await app.db.pointsLedgerEntry.update({ where: { shopId_key: { shopId, key } }, data: { createdAt: at } });
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    transport = smtpTransport(sink.url, { maxConnections: 1 });
    app = await startTestApp();
    shopId = await app.installAndImportHistory();
    await app.db.programSettings.update({ where: { shopId }, data: { welcomePoints: 0, expiryMonths: 1 } });
    await app.db.followUpSettings.upsert({ where: { shopId }, create: { shopId, quietHoursStart: 0, quietHoursEnd: 0 }, update: { quietHoursStart: 0, quietHoursEnd: 0 } });
    const people = [
      ["cleo", "SUBSCRIBED"],
      ["dan", "SUBSCRIBED"],
      ["eve", "NOT_SUBSCRIBED"],
      ["finn", "SUBSCRIBED"],
    ] as const;
    for (const [name, marketing] of people) {
      const shopifyId = app.devStore.store.createCustomer({ email: `${name}@example.com`, firstName: name[0].toUpperCase() + name.slice(1), hasAccount: true, emailMarketing: marketing }).id;
      await app.devStore.webhooks.idle();
      const customer = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId } } });
      customers[name] = { id: customer.id, shopifyId };
    }
    // 10 January: Cleo 100 points, Dan 100, Eve 80; Finn earned 50 and spent them the same day.
    await earned("cleo", "cleo-jan", 100, EARNED);
    await earned("dan", "dan-jan", 100, EARNED);
    await earned("eve", "eve-jan", 80, EARNED);
    await earned("finn", "finn-jan", 50, new Date(EARNED.getTime() - 60_000));
    await earned("finn", "finn-spent", -50, EARNED);
  }, 120_000);

  afterAll(async () => {
    transport?.close();
    await sink?.close();
    await app?.close();
  });

  it("is off until the merchant turns it on; the launch checklist counts whom it would write to", async () => {
    expect(await schedulePointsExpiryReminders(app.db, new Date("2026-01-28T12:00:00Z"))).toBe(0);
    // Cleo, Dan and Eve (consent is asked at send time); Finn has nothing to lose; nobody before the window.
    expect(await pointsExpiryReminderReach(app.db, shopId, new Date("2026-01-28T12:00:00Z"))).toBe(3);
    expect(await pointsExpiryReminderReach(app.db, shopId, new Date("2026-01-20T12:00:00Z"))).toBe(0);
    await setFollowUpKindEnabled(app.db, shopId, "POINTS_EXPIRY", true, new Date("2026-01-01T00:00:00Z"));
  });

  it("schedules nothing before the 14-day window, then one per customer with points to lose", async () => {
    expect(await schedulePointsExpiryReminders(app.db, new Date("2026-01-27T14:00:00Z"))).toBe(0);
    expect(await schedulePointsExpiryReminders(app.db, new Date("2026-01-27T16:00:00Z"))).toBe(3);
    expect(await remindersOf("finn")).toEqual([]);
    const [cleo] = await remindersOf("cleo");
    expect(cleo).toMatchObject({ status: "SCHEDULED", pointsExpiring: 100, pointsExpireAt: new Date("2026-02-10T15:00:00Z"), dueAt: new Date("2026-01-27T16:00:00Z") });
    // The next hourly run adds nothing.
    expect(await schedulePointsExpiryReminders(app.db, new Date("2026-01-27T17:00:00Z"))).toBe(0);
  });

  it("sends Cleo's reminder with the points, the date and the balance; cancels Dan's, who spent points first; Eve gave no consent", async () => {
    // Dan redeems 40 points on 28 January: new activity, his points now expire on 28 February.
    await earned("dan", "dan-redeemed", -40, new Date("2026-01-28T10:00:00Z"));
    await dispatch(new Date("2026-01-28T12:00:00Z"));
    const [message] = mailTo("cleo@example.com");
    expect(message.subject).toBe("Your 100 points expire on February 10, 2026");
    expect(message.text).toContain("100 of your points at Demo Loyalty expire on February 10, 2026.");
    expect(message.text).toContain("Your balance: 100 points.");
    expect(message.text).toContain("Use my points: https://demo-loyalty.myshopify.com");
    expect(message.headers.get("x-follow-up-kind")).toBe("POINTS_EXPIRY");
    expect(mailTo("dan@example.com")).toEqual([]);
    expect(await remindersOf("dan")).toMatchObject([{ status: "CANCELLED", cancelReason: "expiry date moved: new points activity" }]);
    expect(await remindersOf("eve")).toMatchObject([{ status: "CANCELLED", cancelReason: "no email marketing consent" }]);
    expect(sink.received).toHaveLength(1);
  });

  it("never sends twice for one expiry date; Dan's new date gets its own reminder for what is left", async () => {
    expect(await schedulePointsExpiryReminders(app.db, new Date("2026-01-29T12:00:00Z"))).toBe(0);
    expect(await schedulePointsExpiryReminders(app.db, new Date("2026-02-14T12:00:00Z"))).toBe(1);
    await dispatch(new Date("2026-02-14T12:00:00Z"));
    expect(mailTo("dan@example.com").map((m) => m.subject)).toEqual(["Your 60 points expire on February 28, 2026"]);
    expect(mailTo("cleo@example.com")).toHaveLength(1);
  });

  it("a reminder whose points stop expiring before it goes out is cancelled", async () => {
    await earned("finn", "finn-feb", 30, new Date("2026-02-01T09:00:00Z"));
    expect(await schedulePointsExpiryReminders(app.db, new Date("2026-02-20T12:00:00Z"))).toBe(1);
    await app.db.programSettings.update({ where: { shopId }, data: { expiryMonths: null } });
    await dispatch(new Date("2026-02-20T12:05:00Z"));
    expect(mailTo("finn@example.com")).toEqual([]);
    expect(await remindersOf("finn")).toMatchObject([{ status: "CANCELLED", cancelReason: "points no longer expire" }]);
    await app.db.programSettings.update({ where: { shopId }, data: { expiryMonths: 1 } });
  });

  it("the expiry itself still happens on the date the reminder gave", async () => {
    expect(await expireInactivePoints(app.db, shopId, new Date("2026-02-10T14:59:00Z"))).toBe(0);
    expect(await expireInactivePoints(app.db, shopId, new Date("2026-02-10T15:00:00Z"))).toBe(2);
    const expired = await app.db.pointsLedgerEntry.findMany({ where: { shopId, reason: "EXPIRY" }, select: { customerId: true, points: true } });
    expect(expired.sort((a, b) => a.points - b.points)).toEqual([
      { customerId: customers.cleo.id, points: -100 },
      { customerId: customers.eve.id, points: -80 },
    ]);
  });
});
