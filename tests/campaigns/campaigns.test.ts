/**
 * Campaigns end to end: customers made in the dev store reach the app by webhooks; the admin's
 * campaign routes are driven as App Bridge drives them (session token as a bearer token); the
 * follow-up workers (dispatch, with an injected clock) send over real SMTP to an in-process server,
 * creating each recipient's code in the dev store and reading consent from it.
 */
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { customerDataReport } from "../../app/customers/privacy.server";
import { claimDueFollowUps, dispatchDueFollowUps, type DispatchOptions } from "../../app/follow-ups/dispatch.server";
import { smtpTransport, type MailTransport } from "../../app/follow-ups/mail.server";
import { PrismaClient } from "../../app/generated/prisma/client";
import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { DESKTOP_USER_AGENT } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { startSmtpSink, type SmtpSink } from "../follow-ups/smtp-sink";

const MINUTE = 60_000;
// Read before startTestApp points DATABASE_URL at the file's own database (set: a PostgreSQL server).
const ON_SERVER = Boolean(process.env.DATABASE_URL);
const DAY = 86_400_000;
let app: TestApp;
let sink: SmtpSink;
let transport: MailTransport;
let shopId: string;
let variantId: string;
const customers: Record<string, string> = {};

function options(now: Date, db: PrismaClient = app.db): DispatchOptions {
  return { db, transport, adminGraphqlFor: app.adminGraphqlFor, appUrl: app.appUrl, secret: TEST_APP.apiSecret, defaultFromAddress: "campaigns@loyalty.example", now: () => now };
}
async function drain(now: Date, db?: PrismaClient) {
  while ((await dispatchDueFollowUps(options(now, db))) > 0);
}

const token = () => mintSessionToken({ shop: TEST_APP.shop, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret });
const headers = () => ({ "user-agent": DESKTOP_USER_AGENT, authorization: `Bearer ${token()}` });
const LIST = "/app/campaigns?index&_data=routes%2Fapp.campaigns._index";
const pageOf = (id: string) => `/app/campaigns/${id}?_data=${encodeURIComponent("routes/app.campaigns.$id")}`;

async function post(path: string, fields: Record<string, string>) {
  const response = await fetch(new URL(path, app.appUrl), { method: "POST", headers: headers(), body: new URLSearchParams(fields) });
  return { status: response.status, body: await response.json() };
}
async function report(id: string) {
  const response = await fetch(new URL(pageOf(id), app.appUrl), { headers: headers() });
  expect(response.status).toBe(200);
  return (await response.json()).campaign;
}

const CAMPAIGN = {
  intent: "send",
  name: "Come back",
  audience: "segment:At risk",
  subject: "A gift for you, {{first_name}}",
  body: "Hi {{first_name}},\n\nHere is {{discount}} off at {{shop_name}}.\n\nYour code: {{code}}\n\nIt expires on {{code_expires}}.",
  discountKind: "PERCENTAGE",
  discountValue: "15",
  discountValidDays: "14",
  ratePerMinute: "60",
  attributionDays: "14",
};

async function sendCampaign(fields: Partial<typeof CAMPAIGN> & { sendKey?: string }): Promise<string> {
  const { status, body } = await post(LIST, { ...CAMPAIGN, sendKey: randomUUID(), ...fields });
  expect(status, JSON.stringify(body)).toBe(200);
  expect(body.ok).toBe(true);
  return body.campaignId;
}

const mailsOf = (campaignId: string) => sink.received.filter((message) => message.headers.get("x-campaign-id") === campaignId);

beforeAll(async () => {
  sink = await startSmtpSink();
  transport = smtpTransport(sink.url, { maxConnections: 2 });
  // The app's own mail (the test send) goes to the sink too.
  process.env.SMTP_URL = sink.url;
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  await app.db.followUpSettings.upsert({ where: { shopId }, create: { shopId, quietHoursStart: 0, quietHoursEnd: 0 }, update: { quietHoursStart: 0, quietHoursEnd: 0 } });
  variantId = app.devStore.store.createProduct({ title: "Candle", variants: [{ price: "20.00" }] }).variants[0].id;

  // Hand-worked audience. At risk: ana, bob, cy, dee, eve, gus, hal; fay is a Champion.
  const people = [
    ["ana", "SUBSCRIBED"], // reachable
    ["bob", "NOT_SUBSCRIBED"], // no consent
    ["cy", "SUBSCRIBED"], // unsubscribed from the app's emails
    ["dee", "UNSUBSCRIBED"], // withdrew consent in Shopify
    ["eve", "SUBSCRIBED"], // erased (customers/redact): no address left
    ["fay", "SUBSCRIBED"], // reachable, but a Champion
    ["gus", "SUBSCRIBED"], // reachable
    ["hal", "NOT_SUBSCRIBED"], // the app last recorded "subscribed"; Shopify says otherwise now
  ] as const;
  for (const [name, marketing] of people) {
    customers[name] = app.devStore.store.createCustomer({ email: `${name}@example.com`, firstName: name[0].toUpperCase() + name.slice(1), hasAccount: true, emailMarketing: marketing }).id;
  }
  await app.devStore.webhooks.idle();
  await app.db.followUpUnsubscribe.create({ data: { shopId, customerShopifyId: customers.cy } });
  await app.db.customer.update({ where: { shopId_shopifyId: { shopId, shopifyId: customers.eve } }, data: { redactedAt: new Date(), email: null } });
  // hal's consent arrived as "not subscribed" (customers_email_marketing_consent/update); the app is made to have recorded "subscribed".
  await app.db.marketingConsent.update({ where: { shopId_customerShopifyId: { shopId, customerShopifyId: customers.hal } }, data: { state: "subscribed" } });
  // Heard two hours ago: a count asks Shopify again.
  await app.db.$executeRaw`UPDATE "MarketingConsent" SET "updatedAt" = now() - interval '2 hours' WHERE "customerShopifyId" = ${customers.hal}`;
  for (const [name] of people) {
    await app.db.customerSegment.create({
      data: {
        shopId,
        customerShopifyId: customers[name],
        lastOrderAt: new Date(Date.now() - 200 * DAY),
        recencyDays: 200,
        orders: 3,
        revenue: "60",
        recencyScore: name === "fay" ? 5 : 1,
        frequencyScore: name === "fay" ? 5 : 3,
        monetaryScore: 3,
        segment: name === "fay" ? "Champions" : "At risk",
      },
    });
  }
}, 120_000);

afterAll(async () => {
  transport?.close();
  await sink?.close();
  await app?.close();
});

describe("the campaign form", () => {
  it("counts the audience after consent, asking Shopify first, as the follow-ups decide it", async () => {
    const atRisk = await post(LIST, { intent: "count", audience: "segment:At risk" });
    // ana, bob, cy, dee, gus, hal have an address (eve was erased); only ana and gus may get marketing.
    expect(atRisk).toEqual({ status: 200, body: { intent: "count", ok: true, count: { customers: 6, reachable: 2, consentFromShopify: true, consentAsRecorded: 0 } } });
    const all = await post(LIST, { intent: "count", audience: "all" });
    expect(all.body.count).toEqual({ customers: 7, reachable: 3, consentFromShopify: true, consentAsRecorded: 0 });
    // Shopify's answer replaced what the app recorded for hal two hours ago.
    expect(await app.db.marketingConsent.findUnique({ where: { shopId_customerShopifyId: { shopId, customerShopifyId: customers.hal } } })).toMatchObject({ state: "not_subscribed" });
    const champions = await post(LIST, { intent: "count", audience: "segment:Champions" });
    expect(champions.body.count).toMatchObject({ customers: 1, reachable: 1 });
  });

  it("names each problem in a bad campaign and sends nothing", async () => {
    const bad = await post(LIST, {
      ...CAMPAIGN,
      name: " ",
      audience: "segment:Whales",
      subject: "Hi {{firstname}}",
      body: "",
      discountValue: "0x10",
      discountValidDays: "",
      ratePerMinute: "1e6",
      attributionDays: "+3",
    });
    expect(bad).toEqual({
      status: 422,
      body: {
        intent: "send",
        ok: false,
        errors: {
          name: "is required",
          audience: "must be one of the listed audiences",
          subject: "{{firstname}} is not a merge field. Use {{first_name}}, {{shop_name}}, {{points_balance}}, {{tier}}, {{code}}, {{discount}}, {{code_expires}}, {{reorder_link}}",
          body: "is required",
          discountValue: "must be a whole number",
          discountValidDays: "must be a whole number",
          ratePerMinute: "must be a whole number",
          attributionDays: "must be a whole number",
        },
      },
    });
    const amounts = await post(LIST, { ...CAMPAIGN, discountKind: "AMOUNT", discountValue: "4.999", ratePerMinute: "0", subject: "Your {{product}}" });
    expect(amounts.body.errors).toEqual({
      discountValue: "must be an amount like 5 or 7.50",
      ratePerMinute: "must be 1 to 1000",
      subject: "{{product}} has no value in a campaign email",
    });
    const nobody = await post(LIST, { ...CAMPAIGN, sendKey: randomUUID(), audience: "segment:Lost" });
    expect(nobody).toEqual({ status: 422, body: { intent: "send", ok: false, errors: { audience: "No customer in this audience can receive marketing email: nothing was sent" } } });
    expect(await app.db.campaign.count()).toBe(0);
  });

  it("sends a test to the merchant's own address, with an example code that is never created", async () => {
    const { body } = await post(LIST, { ...CAMPAIGN, intent: "test" });
    const to = app.devStore.store.shop.email;
    expect(body).toEqual({ intent: "test", ok: true, message: `Test email sent to ${to}.` });
    const [message] = sink.received.filter((mail) => mail.recipients.includes(to));
    expect(message.subject).toBe("[Test] A gift for you, Ana");
    expect(message.text).toContain("Here is 15% off at");
    expect(message.text).toContain("Your code: OFFER-EXAMPLE1");
    expect(app.devStore.store.codeDiscountByCode("OFFER-EXAMPLE1")).toBeUndefined();
    expect(await app.db.campaign.count()).toBe(0);
  });
});

describe("sending", () => {
  let comeBack: string;
  const codes: Record<string, string> = {};

  it("sends each reachable recipient one email with their own code, created in the shop for them only", async () => {
    const now = new Date();
    const sendKey = randomUUID();
    comeBack = await sendCampaign({ sendKey });
    expect(await app.db.followUp.count({ where: { campaignId: comeBack } })).toBe(2);
    // The same form sent again (a resubmit) finds its campaign: nobody is scheduled twice.
    expect(await sendCampaign({ sendKey })).toBe(comeBack);
    expect(await app.db.followUp.count({ where: { shopId, kind: "CAMPAIGN" } })).toBe(2);
    await drain(new Date());
    const mails = mailsOf(comeBack);
    expect(mails.map((mail) => mail.recipients[0]).sort()).toEqual(["ana@example.com", "gus@example.com"]);
    for (const mail of mails) {
      const name = mail.recipients[0].split("@")[0];
      expect(mail.subject).toBe(`A gift for you, ${name[0].toUpperCase()}${name.slice(1)}`);
      const code = /Your code: (OFFER-[A-Z0-9]{8})/.exec(mail.text)?.[1];
      expect(code).toBeDefined();
      codes[name] = code!;
      const discount = app.devStore.store.codeDiscountByCode(code!);
      expect(discount).toMatchObject({ usageLimit: 1, customerIds: [customers[name]] });
      expect(new Date(discount!.endsAt!).getTime() - now.getTime()).toBeGreaterThan(13.9 * DAY);
      expect(mail.headers.get("list-unsubscribe")).toMatch(new RegExp(`^<${app.appUrl}/follow-ups/unsubscribe\\?token=[\\w.-]+>$`));
    }
    expect(codes.ana).not.toBe(codes.gus);
    // A data request about ana lists the campaign email sent to her.
    const data = (await app.db.$transaction((tx) => customerDataReport(tx, shopId, customers.ana))) as { emails: unknown[] };
    expect(data.emails).toEqual([expect.objectContaining({ kind: "CAMPAIGN", status: "SENT", campaign: "Come back", toEmail: "ana@example.com", subject: "A gift for you, Ana", discountCode: codes.ana })]);
    expect(await report(comeBack)).toMatchObject({ state: "sent", recipients: 2, sent: 2, failed: 0, skipped: 0, waiting: 0, unsubscribed: 0, orders: 0, revenue: "0.00" });
  });

  it("an amount-off code says its amount in the shop's currency", async () => {
    const id = await sendCampaign({ name: "Five off", audience: "segment:Champions", discountKind: "AMOUNT", discountValue: "5", subject: "{{discount}} off for you" });
    await drain(new Date(Date.now() + 1_000));
    const [mail] = mailsOf(id);
    expect(mail.subject).toBe("$5.00 off for you");
    const code = /Your code: (OFFER-[A-Z0-9]{8})/.exec(mail.text)![1];
    expect(app.devStore.store.codeDiscountByCode(code)).toMatchObject({ customerIds: [customers.fay] });
  });

  it("counts the orders that used its codes within the campaign's days, and their sales", async () => {
    // Ana uses her code: $20 less 15% is $17. Gus uses his, but his email went out 20 days before.
    await app.db.followUp.updateMany({ where: { campaignId: comeBack, customerShopifyId: customers.gus }, data: { sentAt: new Date(Date.now() - 20 * DAY) } });
    app.devStore.store.createOrder({ customerId: customers.ana, lineItems: [{ variantId, quantity: 1 }], discountCode: codes.ana });
    app.devStore.store.createOrder({ customerId: customers.gus, lineItems: [{ variantId, quantity: 1 }], discountCode: codes.gus });
    // An order without a code is not the campaign's.
    app.devStore.store.createOrder({ customerId: customers.ana, lineItems: [{ variantId, quantity: 2 }] });
    await app.devStore.webhooks.idle();
    expect(await report(comeBack)).toMatchObject({ orders: 1, revenue: "17.00" });
    // With 30 days, Gus's order counts too.
    await app.db.campaign.update({ where: { id: comeBack }, data: { attributionDays: 30 } });
    expect(await report(comeBack)).toMatchObject({ orders: 2, revenue: "34.00" });
  });

  it("exactly once per recipient at the set rate, with two workers racing and one stopping mid-batch", async () => {
    // 30 more reachable customers; everyone reachable gets it: ana, fay, gus and them.
    for (let i = 0; i < 30; i++) app.devStore.store.createCustomer({ email: `race${i}@example.com`, firstName: `Race${i}`, hasAccount: true, emailMarketing: "SUBSCRIBED" });
    await app.devStore.webhooks.idle();
    const start = Date.now();
    const id = await sendCampaign({ name: "Everyone", audience: "all", ratePerMinute: "11", discountKind: "NONE", body: "Hi {{first_name}}, new candles are in at {{shop_name}}." });
    expect((await report(id)).recipients).toBe(33);
    const at = (minutes: number) => new Date(start + minutes * MINUTE + 1_000);

    // Racing needs two database sessions: on a PostgreSQL server a second client, embedded the one session.
    const other = ON_SERVER ? new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL!, max: 1 }) }) : app.db;
    const worker = async (db: PrismaClient, now: Date) => {
      while ((await dispatchDueFollowUps({ ...options(now, db), batchSize: 3, concurrency: 2 })) > 0);
    };
    try {
      // Minute 0: 11 are due; two workers race for them.
      await Promise.all([worker(app.db, at(0)), worker(other, at(0))]);
      expect(mailsOf(id)).toHaveLength(11);
      // Minute 1: a worker claims 4 and stops before sending (a restart); the other sends the rest due.
      const abandoned = await claimDueFollowUps(other, at(1), 4, 5 * MINUTE);
      expect(abandoned.filter((row) => row.campaignId === id)).toHaveLength(4);
      await Promise.all([worker(app.db, at(1)), worker(app.db, at(1))]);
      expect(mailsOf(id)).toHaveLength(18);
      // Minute 2: the next 11; the abandoned 4 are still leased.
      await Promise.all([worker(app.db, at(2)), worker(other, at(2))]);
      expect(mailsOf(id)).toHaveLength(29);
      // Minute 7: the abandoned claims' lease has passed; both workers, restarted, finish the campaign.
      await Promise.all([worker(app.db, at(7)), worker(other, at(7))]);
    } finally {
      if (other !== app.db) await other.$disconnect();
    }
    const recipients = mailsOf(id).map((mail) => mail.recipients[0]);
    expect(recipients).toHaveLength(33);
    expect(new Set(recipients).size).toBe(33);
    expect(await report(id)).toMatchObject({ state: "sent", sent: 33, failed: 0, waiting: 0 });
    // Never more than 11 in a minute: each email's send time is its row's.
    const sentAt = await app.db.followUp.groupBy({ by: ["sentAt"], where: { campaignId: id }, _count: { _all: true } });
    expect(sentAt.map((row) => row._count._all).sort((a, b) => a - b)).toEqual([4, 7, 11, 11]);
  });

  it("cancelling stops what has not gone out", async () => {
    const start = Date.now();
    const id = await sendCampaign({ name: "Slow", audience: "all", ratePerMinute: "10", discountKind: "NONE", body: "Hi {{first_name}}." });
    await drain(new Date(start + 1_000));
    expect(mailsOf(id)).toHaveLength(10);
    expect(await post(pageOf(id), { intent: "cancel" })).toEqual({ status: 200, body: { ok: true, message: "Campaign cancelled: nothing more of it goes out." } });
    await drain(new Date(start + 10 * MINUTE));
    expect(mailsOf(id)).toHaveLength(10);
    expect(await report(id)).toMatchObject({ state: "cancelled", sent: 10, skipped: 23, waiting: 0 });
    expect(await app.db.followUp.findFirst({ where: { campaignId: id, status: "CANCELLED" } })).toMatchObject({ cancelReason: "campaign cancelled" });
    expect(await post(pageOf(id), { intent: "cancel" })).toEqual({ status: 409, body: { ok: false, message: "This campaign is no longer sending." } });
  });

  it("respects an unsubscribe that happens mid-campaign, and counts the ones through its own emails", async () => {
    const start = Date.now();
    // Everyone reachable (33), one a minute.
    const id = await sendCampaign({ name: "One a minute", audience: "all", ratePerMinute: "1", discountKind: "NONE", body: "Hi {{first_name}}." });
    await drain(new Date(start + 1_000));
    const [first] = mailsOf(id);
    expect(mailsOf(id)).toHaveLength(1);
    // The first recipient unsubscribes through this campaign's email; ana or gus, still waiting, through an earlier campaign's.
    const waiting = first.recipients[0] === "gus@example.com" ? "ana@example.com" : "gus@example.com";
    const linkOf = (mail: { headers: Map<string, string> }) => /<([^>]+)>/.exec(mail.headers.get("list-unsubscribe")!)![1];
    for (const link of [linkOf(first), linkOf(mailsOf(comeBack).find((mail) => mail.recipients[0] === waiting)!)]) {
      const response = await fetch(link, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
      expect(response.status).toBe(200);
    }
    await drain(new Date(start + 40 * MINUTE));
    const recipients = mailsOf(id).map((mail) => mail.recipients[0]);
    expect(recipients).toHaveLength(32);
    expect(recipients).not.toContain(waiting);
    expect(new Set(recipients).size).toBe(32);
    expect(await report(id)).toMatchObject({ state: "sent", sent: 32, skipped: 1, unsubscribed: 1 });
    expect(await report(comeBack)).toMatchObject({ unsubscribed: 1 });
  });
});

describe("shops kept apart", () => {
  it("another shop's campaign is a 404, and cannot be cancelled from here", async () => {
    const other = await app.db.shop.create({ data: { domain: "other-shop.myshopify.com" } });
    const theirs = await app.db.campaign.create({
      data: { shopId: other.id, name: "Theirs", audience: "all", subject: "Hi", body: "Hi", ratePerMinute: 10, recipients: 0, sendKey: randomUUID(), sentAt: new Date() },
    });
    const response = await fetch(new URL(pageOf(theirs.id), app.appUrl), { headers: headers() });
    expect(response.status).toBe(404);
    expect(await post(pageOf(theirs.id), { intent: "cancel" })).toEqual({ status: 404, body: { ok: false, message: "No such campaign in this shop." } });
    expect(await app.db.campaign.findUniqueOrThrow({ where: { id: theirs.id } })).toMatchObject({ status: "SENDING" });
    const list = await (await fetch(new URL(LIST, app.appUrl), { headers: headers() })).json();
    expect(list.campaigns.map((campaign: { name: string }) => campaign.name)).not.toContain("Theirs");
  });
});
