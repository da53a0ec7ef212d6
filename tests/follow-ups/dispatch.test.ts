/**
 * Follow-ups end to end: orders made in the dev store reach the app by webhooks and schedule
 * follow-ups; dispatch (with an injected clock) sends them over real SMTP to an in-process server,
 * creating discount codes in the dev store and reading consent from it.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { claimDueFollowUps, dispatchDueFollowUps, type DispatchOptions } from "../../app/follow-ups/dispatch.server";
import { smtpTransport, type MailTransport } from "../../app/follow-ups/mail.server";
import { sweepWinBacks } from "../../app/follow-ups/schedule.server";
import { setFollowUpKindEnabled } from "../../app/follow-ups/settings.server";
import { PrismaClient } from "../../app/generated/prisma/client";
import { pointsBalance } from "../../app/loyalty/ledger.server";
import { storeOrder } from "../support/factories";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { startSmtpSink, type SmtpSink } from "./smtp-sink";

const MINUTE = 60_000;
const DAY = 86_400_000;
let app: TestApp;
let sink: SmtpSink;
let transport: MailTransport;
let shopId: string;
let teaVariant: string;
let teaProduct: string;
const start = Date.now();
const at = (offsetMs: number) => new Date(start + offsetMs);

function options(now: Date, db: PrismaClient = app.db): DispatchOptions {
  return { db, transport, adminGraphqlFor: app.adminGraphqlFor, appUrl: app.appUrl, secret: TEST_APP.apiSecret, defaultFromAddress: "follow-ups@loyalty.example", now: () => now };
}

/** Dispatches until nothing more is due at that moment. */
async function drain(now: Date, db?: PrismaClient) {
  while ((await dispatchDueFollowUps(options(now, db))) > 0);
}

const mailTo = (email: string) => sink.received.filter((message) => message.recipients.includes(email));
const followUpsOf = (customerShopifyId: string) =>
  // Due order, then creation: a reorder's reminder may fall due in the same second as the first's.
  app.db.followUp.findMany({ where: { shopId, customerShopifyId }, orderBy: [{ dueAt: "asc" }, { createdAt: "asc" }] });

function buyer(email: string, firstName: string, marketing: "SUBSCRIBED" | "NOT_SUBSCRIBED", createdAt?: string) {
  return app.devStore.store.createCustomer({ email, firstName, hasAccount: true, emailMarketing: marketing, createdAt });
}

beforeAll(async () => {
  sink = await startSmtpSink();
  transport = smtpTransport(sink.url, { maxConnections: 2 });
  app = await startTestApp();
  // The install's history import runs first, as on a real shop: orders after it are new orders.
  shopId = await app.installAndImportHistory();
  // Deterministic timing for most tests: no quiet hours (one test sets them).
  await app.db.followUpSettings.upsert({ where: { shopId }, create: { shopId, quietHoursStart: 0, quietHoursEnd: 0 }, update: { quietHoursStart: 0, quietHoursEnd: 0 } });
  // Every kind starts off: the merchant turns them on (win-back including customers lapsed up to 30 days before).
  for (const kind of ["THANK_YOU", "NEXT_PURCHASE", "REPLENISHMENT"] as const) await setFollowUpKindEnabled(app.db, shopId, kind, true, new Date());
  await setFollowUpKindEnabled(app.db, shopId, "WIN_BACK", true, new Date(), { winBackPastDays: 30 });
  const tea = app.devStore.store.createProduct({ title: "Breakfast Tea", variants: [{ price: "12.00" }] });
  teaVariant = tea.variants[0].id;
  teaProduct = tea.id;
  await app.db.replenishmentInterval.create({ data: { shopId, productShopifyId: teaProduct, intervalDays: 30 } });
}, 120_000);

afterAll(async () => {
  transport?.close();
  await sink?.close();
  await app?.close();
});

describe("follow-ups scheduled by orders, sent over SMTP", () => {
  let ana: string;
  let bob: string;

  beforeAll(async () => {
    ana = buyer("ana@example.com", "Ana", "SUBSCRIBED").id;
    bob = buyer("bob@example.com", "Bob", "NOT_SUBSCRIBED").id;
    for (const customerId of [ana, bob]) app.devStore.store.createOrder({ customerId, lineItems: [{ variantId: teaVariant, quantity: 1 }] });
    await app.devStore.webhooks.idle();
  });

  it("a first order schedules a thank-you, a next-purchase code and a replenishment reminder", async () => {
    const rows = await followUpsOf(ana);
    expect(rows.map((row) => [row.kind, row.status])).toEqual([
      ["THANK_YOU", "SCHEDULED"],
      ["NEXT_PURCHASE", "SCHEDULED"],
      ["REPLENISHMENT", "SCHEDULED"],
    ]);
    expect(rows[0].dueAt.getTime() - Date.now()).toBeGreaterThan(25 * MINUTE);
  });

  it("sends the thank-you 30 minutes later with the customer's name, points and a one-click unsubscribe", async () => {
    await drain(at(20 * MINUTE));
    expect(sink.received).toHaveLength(0);
    await drain(at(31 * MINUTE));
    const [message] = mailTo("ana@example.com");
    expect(message.subject).toBe("Thank you for your order, Ana!");
    // From the shop's own name and contact address (Admin API shop.contactEmail), replies to it too.
    expect(message.headers.get("from")).toMatch(new RegExp(`^"?${app.devStore.store.shop.name}"? <hello@demo-loyalty\\.example>$`));
    expect(message.headers.get("reply-to")).toBe("hello@demo-loyalty.example");
    const customer = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: ana } } });
    const balance = (await pointsBalance(app.db, customer.id, new Date())).total;
    expect(balance).toBeGreaterThan(0);
    expect(message.text).toContain(`You have ${balance} points`);
    expect(message.html).toContain("Thank you for your first order");
    expect(message.headers.get("list-unsubscribe")).toMatch(new RegExp(`^<${app.appUrl}/follow-ups/unsubscribe\\?token=[\\w.-]+>$`));
    expect(message.headers.get("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
    // The thank-you is not marketing: Bob, who declined marketing, gets it too; nothing else is due yet.
    expect(sink.received.map((m) => m.subject).sort()).toEqual(["Thank you for your order, Ana!", "Thank you for your order, Bob!"]);
    expect((await followUpsOf(ana))[0]).toMatchObject({ status: "SENT", toEmail: "ana@example.com", attempts: 1 });
  });

  it("sends the next-purchase code two weeks later, created in the shop for that customer only; none to a customer without consent", async () => {
    await drain(at(15 * DAY));
    const [message] = mailTo("ana@example.com").filter((m) => m.subject.startsWith("10% off"));
    const code = /Your code: (THANKS-[A-Z0-9]{8})/.exec(message.text)?.[1];
    expect(code).toBeDefined();
    const discount = app.devStore.store.codeDiscountByCode(code!);
    expect(discount).toMatchObject({ usageLimit: 1, customerIds: [ana] });
    expect(new Date(discount!.endsAt!).getTime()).toBeGreaterThan(at(44 * DAY).getTime());
    expect(mailTo("bob@example.com").map((m) => m.subject)).toEqual(["Thank you for your order, Bob!"]);
    const bobs = await followUpsOf(bob);
    expect(bobs.find((row) => row.kind === "NEXT_PURCHASE")).toMatchObject({ status: "CANCELLED", cancelReason: "no email marketing consent" });
  });

  it("a reorder of the product cancels the first reminder: one reminder, for the new order", async () => {
    app.devStore.store.createOrder({ customerId: ana, lineItems: [{ variantId: teaVariant, quantity: 2 }] });
    await app.devStore.webhooks.idle();
    const reminders = (await followUpsOf(ana)).filter((row) => row.kind === "REPLENISHMENT");
    expect(reminders.map((row) => [row.status, row.cancelReason])).toEqual([
      ["CANCELLED", "customer reordered the product"],
      ["SCHEDULED", null],
    ]);
    await drain(at(24 * DAY));
    const sent = mailTo("ana@example.com").filter((m) => m.subject === "Running low on Breakfast Tea?");
    expect(sent).toHaveLength(1);
    expect(sent[0].text).toContain(`/cart/${teaVariant.split("/").pop()}:1`);
    expect(sent[0].headers.get("x-follow-up-id")).toBe(reminders[1].id);
  });

  it("unsubscribes at once from the link: GET confirms, a one-click POST unsubscribes, a forged token is refused", async () => {
    const link = mailTo("ana@example.com")[0].headers.get("list-unsubscribe")!.slice(1, -1);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Stop receiving follow-up emails");
    const forged = link.replace(/token=[^.]+/, `token=${Buffer.from(JSON.stringify([shopId, bob])).toString("base64url")}`);
    expect((await fetch(forged, { method: "POST", body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }) })).status).toBe(404);

    // The second order's thank-you would not come (not a first order); schedule a win-back to see it cancelled.
    await app.db.followUp.create({ data: { shopId, kind: "WIN_BACK", key: "test-win-back-ana", customerShopifyId: ana, dueAt: at(40 * DAY) } });
    const answer = await fetch(link, { method: "POST", body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }) });
    expect(answer.status).toBe(200);
    expect(await app.db.followUpUnsubscribe.count({ where: { shopId, customerShopifyId: ana } })).toBe(1);
    expect(await app.db.followUp.findUnique({ where: { shopId_key: { shopId, key: "test-win-back-ana" } } })).toMatchObject({
      status: "CANCELLED",
      cancelReason: "customer unsubscribed",
    });
    const before = mailTo("ana@example.com").length;
    await drain(at(60 * DAY));
    expect(mailTo("ana@example.com")).toHaveLength(before);
  });
});

describe("dispatch guarantees", () => {
  async function customerRow(email: string, extra: { redactedAt?: Date } = {}) {
    const customer = buyer(email, email.split("@")[0], "SUBSCRIBED");
    await app.devStore.webhooks.idle();
    if (extra.redactedAt) await app.db.customer.update({ where: { shopId_shopifyId: { shopId, shopifyId: customer.id } }, data: { redactedAt: extra.redactedAt, email: null } });
    return customer.id;
  }
  const thankYou = (customerShopifyId: string, key: string, dueAt: Date) =>
    app.db.followUp.create({ data: { shopId, kind: "THANK_YOU", key, customerShopifyId, dueAt } });

  it("recovers a follow-up whose worker crashed mid-send: sent once, after the lease", async () => {
    await drain(at(100 * DAY)); // what earlier tests left due
    const carol = await customerRow("carol@example.com");
    const row = await thankYou(carol, "crash-carol", at(100 * DAY));
    const [claimed] = await claimDueFollowUps(app.db, at(100 * DAY), 10, 5 * MINUTE);
    expect(claimed.id).toBe(row.id); // …and the worker dies here.
    await drain(at(100 * DAY + MINUTE));
    expect(mailTo("carol@example.com")).toHaveLength(0);
    await drain(at(100 * DAY + 6 * MINUTE));
    expect(mailTo("carol@example.com")).toHaveLength(1);
    expect(await app.db.followUp.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "SENT", attempts: 2 });
  });

  // Racing needs two database sessions; the embedded database is one session for every connection, so
  // this runs on a PostgreSQL server (DATABASE_URL, as in CI).
  it.skipIf(!process.env.DATABASE_URL)("two workers racing send every due follow-up exactly once", async () => {
    const customers = await Promise.all(Array.from({ length: 40 }, (_, i) => customerRow(`race${i}@example.com`)));
    for (const [i, customer] of customers.entries()) await thankYou(customer, `race-${i}`, at(110 * DAY));
    const other = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL!, max: 1 }) });
    try {
      const worker = async (db: PrismaClient) => {
        while ((await dispatchDueFollowUps({ ...options(at(110 * DAY), db), batchSize: 5, concurrency: 2 })) > 0);
      };
      await Promise.all([worker(app.db), worker(other)]);
    } finally {
      await other.$disconnect();
    }
    const ids = sink.received.filter((m) => m.recipients[0].startsWith("race")).map((m) => m.headers.get("x-follow-up-id"));
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    expect(await app.db.followUp.count({ where: { shopId, key: { startsWith: "race-" }, status: "SENT" } })).toBe(40);
  });

  it("retries an SMTP failure with back-off, and ends failed with the reason after the set attempts", async () => {
    const dan = await customerRow("dan@example.com");
    const row = await thankYou(dan, "retry-dan", at(120 * DAY));
    sink.failNext(1, 451, "mailbox busy");
    await drain(at(120 * DAY));
    let stored = await app.db.followUp.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored).toMatchObject({ status: "SCHEDULED", attempts: 1 });
    expect(stored.lastError).toContain("451");
    expect(stored.dueAt).toEqual(at(120 * DAY + MINUTE));
    await drain(at(120 * DAY + MINUTE));
    expect(await app.db.followUp.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "SENT", attempts: 2, lastError: null });
    expect(mailTo("dan@example.com")).toHaveLength(1);

    await app.db.followUpSettings.update({ where: { shopId }, data: { maxAttempts: 2 } });
    const erin = await customerRow("erin@example.com");
    const failing = await thankYou(erin, "retry-erin", at(130 * DAY));
    sink.failNext(2, 451, "mailbox busy");
    await drain(at(130 * DAY));
    await drain(at(130 * DAY + MINUTE));
    stored = await app.db.followUp.findUniqueOrThrow({ where: { id: failing.id } });
    expect(stored).toMatchObject({ status: "FAILED", attempts: 2 });
    expect(stored.lastError).toContain("mailbox busy");

    const frank = await customerRow("frank@example.com");
    const rejected = await thankYou(frank, "reject-frank", at(131 * DAY));
    sink.failNext(1, 550, "no such mailbox");
    await drain(at(131 * DAY));
    expect(await app.db.followUp.findUniqueOrThrow({ where: { id: rejected.id } })).toMatchObject({ status: "FAILED", attempts: 1 });
    await app.db.followUpSettings.update({ where: { shopId }, data: { maxAttempts: 5 } });
    expect(mailTo("erin@example.com")).toHaveLength(0);
  });

  it("holds a follow-up due in the shop's quiet hours until they end, without counting an attempt", async () => {
    await app.db.followUpSettings.update({ where: { shopId }, data: { quietHoursStart: 21, quietHoursEnd: 9 } });
    try {
      const gina = await customerRow("gina@example.com");
      const lateEvening = new Date("2027-01-12T04:30:00Z"); // 23:30 in New York
      const row = await thankYou(gina, "quiet-gina", lateEvening);
      await drain(lateEvening);
      expect(await app.db.followUp.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "SCHEDULED", attempts: 0, dueAt: new Date("2027-01-12T14:00:00Z") });
      await drain(new Date("2027-01-12T13:59:00Z"));
      expect(mailTo("gina@example.com")).toHaveLength(0);
      await drain(new Date("2027-01-12T14:00:00Z"));
      expect(mailTo("gina@example.com")).toHaveLength(1);
    } finally {
      await app.db.followUpSettings.update({ where: { shopId }, data: { quietHoursStart: 0, quietHoursEnd: 0 } });
    }
  });

  it("sends nothing to a redacted customer", async () => {
    const hal = await customerRow("hal@example.com", { redactedAt: new Date() });
    const row = await thankYou(hal, "redacted-hal", at(140 * DAY));
    await drain(at(140 * DAY));
    expect(await app.db.followUp.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "CANCELLED", cancelReason: "customer redacted" });
    expect(mailTo("hal@example.com")).toHaveLength(0);
  });

  it("win-back: the sweep finds a customer lapsed 60 days, once per lapse, and sends a code", async () => {
    const ivy = buyer("ivy@example.com", "Ivy", "SUBSCRIBED", new Date(start - 200 * DAY).toISOString()).id;
    app.devStore.store.createOrder({ customerId: ivy, lineItems: [{ variantId: teaVariant, quantity: 1 }], createdAt: new Date(start - 61 * DAY).toISOString() });
    await app.devStore.webhooks.idle();
    expect(await followUpsOf(ivy)).toEqual([]); // an order from before the install schedules nothing
    const now = at(0);
    await sweepWinBacks(app.db, now);
    await sweepWinBacks(app.db, at(DAY));
    const rows = await followUpsOf(ivy);
    expect(rows.map((row) => [row.kind, row.status])).toEqual([["WIN_BACK", "SCHEDULED"]]);
    await app.db.followUp.updateMany({ where: { id: rows[0].id }, data: { dueAt: at(150 * DAY) } });
    await drain(at(150 * DAY));
    const [message] = mailTo("ivy@example.com");
    expect(message.subject).toBe("We miss you, Ivy");
    expect(message.text).toMatch(/Come back with 15% off: use code COMEBACK-[A-Z0-9]{8}/);
  });
});

describe("a customer's last order", () => {
  it("is the one Shopify numbered last when two were placed in the same second, whichever was stored first", async () => {
    const placedAt = new Date(start - 70 * DAY);
    // Order 1000 is after order 999 (as numbers, not as text); one customer's arrived in each order.
    const first = buyer("first@example.com", "Fay", "SUBSCRIBED").id;
    const second = buyer("second@example.com", "Sam", "SUBSCRIBED").id;
    await app.devStore.webhooks.idle();
    await storeOrder(app.db, { shopId, id: 9_999_999_999, customerShopifyId: first, placedAt });
    await storeOrder(app.db, { shopId, id: 10_000_000_000, customerShopifyId: first, placedAt });
    await storeOrder(app.db, { shopId, id: 10_000_000_001, customerShopifyId: second, placedAt });
    await storeOrder(app.db, { shopId, id: 9_999_999_998, customerShopifyId: second, placedAt });
    await sweepWinBacks(app.db, at(0));
    expect((await followUpsOf(first)).map((row) => [row.kind, row.orderShopifyId])).toEqual([["WIN_BACK", "gid://shopify/Order/10000000000"]]);
    expect((await followUpsOf(second)).map((row) => [row.kind, row.orderShopifyId])).toEqual([["WIN_BACK", "gid://shopify/Order/10000000001"]]);
  });
});

describe("what an order's end, the customer's record and the shop's settings change", () => {
  const kindsAndStates = async (customerShopifyId: string) => (await followUpsOf(customerShopifyId)).map((row) => [row.kind, row.status, row.cancelReason]);

  it("a cancelled order and a fully refunded one cancel everything they scheduled", async () => {
    const jo = buyer("jo@example.com", "Jo", "SUBSCRIBED").id;
    const kim = buyer("kim@example.com", "Kim", "SUBSCRIBED").id;
    const joOrder = app.devStore.store.createOrder({ customerId: jo, lineItems: [{ variantId: teaVariant, quantity: 1 }] });
    const kimOrder = app.devStore.store.createOrder({ customerId: kim, lineItems: [{ variantId: teaVariant, quantity: 2 }] });
    await app.devStore.webhooks.idle();
    expect((await kindsAndStates(jo)).map(([, status]) => status)).toEqual(["SCHEDULED", "SCHEDULED", "SCHEDULED"]);

    app.devStore.store.cancelOrder(joOrder.id, { reason: "customer" });
    app.devStore.store.refundOrder(kimOrder.id, { lineItems: [{ lineItemId: kimOrder.lineItems[0].id, quantity: 2 }], shipping: true });
    await app.devStore.webhooks.idle();
    expect(await kindsAndStates(jo)).toEqual([
      ["THANK_YOU", "CANCELLED", "order cancelled"],
      ["NEXT_PURCHASE", "CANCELLED", "order cancelled"],
      ["REPLENISHMENT", "CANCELLED", "order cancelled"],
    ]);
    expect(await kindsAndStates(kim)).toEqual([
      ["THANK_YOU", "CANCELLED", "order refunded"],
      ["NEXT_PURCHASE", "CANCELLED", "order refunded"],
      ["REPLENISHMENT", "CANCELLED", "order refunded"],
    ]);
  });

  it("sends nothing to a deleted customer", async () => {
    const lou = buyer("lou@example.com", "Lou", "SUBSCRIBED").id;
    await app.devStore.webhooks.idle();
    await app.db.customer.update({ where: { shopId_shopifyId: { shopId, shopifyId: lou } }, data: { deletedAt: new Date() } });
    const row = await app.db.followUp.create({ data: { shopId, kind: "THANK_YOU", key: "deleted-lou", customerShopifyId: lou, dueAt: at(160 * DAY) } });
    await drain(at(160 * DAY));
    expect(await app.db.followUp.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "CANCELLED", cancelReason: "customer deleted" });
    expect(mailTo("lou@example.com")).toHaveLength(0);
  });

  it("sends from the shop's sender, with its logo and colour; a win-back without an incentive carries no code", async () => {
    await app.db.followUpSettings.update({
      where: { shopId },
      data: { senderName: "Tea Club", senderEmail: "hello@tea.example", replyToEmail: "care@tea.example", brandColor: "#0a7d55", logoUrl: "https://cdn.example/logo.png", winBackDiscountPercent: 0 },
    });
    try {
      const max = buyer("max@example.com", "Max", "SUBSCRIBED").id;
      await app.devStore.webhooks.idle();
      await app.db.followUp.create({ data: { shopId, kind: "WIN_BACK", key: "win-back-max", customerShopifyId: max, dueAt: at(170 * DAY) } });
      const discountsBefore = app.devStore.store.snapshot().codeDiscounts.length;
      await drain(at(170 * DAY));
      const [message] = mailTo("max@example.com");
      expect(message.headers.get("from")).toMatch(/^"?Tea Club"? <hello@tea\.example>$/);
      expect(message.headers.get("reply-to")).toBe("care@tea.example");
      expect(message.html).toContain('<img src="https://cdn.example/logo.png"');
      expect(message.html).toContain("background:#0a7d55");
      expect(message.subject).toBe("We miss you, Max");
      expect(message.text).not.toMatch(/code|COMEBACK/);
      expect(app.devStore.store.snapshot().codeDiscounts.length).toBe(discountsBefore);
    } finally {
      await app.db.followUpSettings.update({ where: { shopId }, data: { senderName: null, senderEmail: null, replyToEmail: null, brandColor: "#2c6ecb", logoUrl: null, winBackDiscountPercent: 15 } });
    }
  });
});
