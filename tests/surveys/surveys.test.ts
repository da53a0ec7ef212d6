/**
 * Satisfaction surveys against the real app and the dev store: the survey scheduled after fulfilment
 * and delivered over SMTP, its one-click score links (a second click changes the score, a forged or
 * another survey's token refused), the answer page's comment and points (once), the widget's feedback
 * through a real app-proxy signature, the open issue on the customer's health and its resolving,
 * NPS and CSAT for a period and the one before worked by hand and equal to `npm run report`, and
 * another shop's answers never shown.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CUSTOMER_COOKIE } from "../../dev-store/hosts/storefront";
import { legacyResourceId } from "../../dev-store/store/gid";
import { compliancePayload, sendWebhook } from "../support/webhooks";
import { customerDetail, searchCustomers } from "../../app/customers/directory.server";
import { dispatchDueFollowUps } from "../../app/follow-ups/dispatch.server";
import { smtpTransport, type MailTransport } from "../../app/follow-ups/mail.server";
import { sweepSurveys } from "../../app/follow-ups/schedule.server";
import { setFollowUpKindEnabled } from "../../app/follow-ups/settings.server";
import { surveyToken } from "../../app/surveys/survey-token.server";
import { DESKTOP_USER_AGENT } from "../support/browser";
import { startTestApp, TEST_APP, type TestApp } from "../support/test-app";
import { startSmtpSink, type SmtpSink } from "../follow-ups/smtp-sink";

const DAY = 86_400_000;
const thresholds = { slippingDays: 60, lapsedDays: 180 };
let app: TestApp;
let sink: SmtpSink;
let transport: MailTransport;
let shopId: string;
let tea: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  transport = smtpTransport(sink.url, { maxConnections: 1 });
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  await app.db.followUpSettings.upsert({ where: { shopId }, create: { shopId, quietHoursStart: 0, quietHoursEnd: 0 }, update: { quietHoursStart: 0, quietHoursEnd: 0 } });
  // On since 10 days ago: orders placed since are asked.
  await setFollowUpKindEnabled(app.db, shopId, "SURVEY", true, new Date(Date.now() - 10 * DAY));
  await app.db.followUpSettings.update({ where: { shopId }, data: { surveyPoints: 50, surveyDelayDays: 7 } });
  tea = app.devStore.store.createProduct({ title: "Breakfast Tea", variants: [{ price: "12.00" }] }).variants[0].id;
}, 120_000);

afterAll(async () => {
  transport?.close();
  await sink?.close();
  await app?.close();
});

async function drain(now: Date) {
  const options = { db: app.db, transport, adminGraphqlFor: app.adminGraphqlFor, appUrl: app.appUrl, secret: TEST_APP.apiSecret, defaultFromAddress: "follow-ups@loyalty.example", now: () => now };
  while ((await dispatchDueFollowUps(options)) > 0);
}

function buyer(firstName: string) {
  return app.devStore.store.createCustomer({ email: `${firstName.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`, firstName, hasAccount: true, emailMarketing: "NOT_SUBSCRIBED" });
}

/** The score links of the survey email a person received, by score. */
function scoreLinks(email: string): Map<number, string> {
  const message = sink.received.find((each) => each.recipients.includes(email));
  if (!message) throw new Error(`no survey email to ${email}`);
  return new Map([...message.html.matchAll(/<a href="([^"]+)" data-score="(\d+)"/g)].map(([, href, score]) => [Number(score), href.replace(/&#38;/g, "&")]));
}

const admin = (path: string, init: RequestInit = {}) =>
  fetch(new URL(path, app.appUrl), { ...init, headers: { "user-agent": DESKTOP_USER_AGENT, authorization: `Bearer ${app.devStore.sessionToken()}`, ...(init.headers ?? {}) } });

/** The answer page's form fields (its anti-forgery check among them). */
async function answerPage(link: string) {
  const response = await fetch(link);
  const html = await response.text();
  return { response, html, check: /name="check" value="([^"]+)"/.exec(html)?.[1] ?? null };
}

/** The page's form posts to the link without its score (the form's action). */
function postAnswer(link: string, fields: Record<string, string>) {
  const url = new URL(link);
  url.searchParams.delete("score");
  return fetch(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app.appUrl }, body: new URLSearchParams(fields) });
}

describe("the survey email after fulfilment", () => {
  let ana: { id: string; email: string | null };
  let links: Map<number, string>;
  let surveyId: string;

  beforeAll(async () => {
    ana = buyer("Ana");
    const placedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 2 * DAY);
    const order = app.devStore.store.createOrder({ customerId: ana.id, lineItems: [{ variantId: tea, quantity: 1 }], createdAt: placedAt.toISOString() });
    await app.devStore.webhooks.idle();
    // The shop fulfils through Shopify (an order fulfilled): Ana's waits for its fulfilment.
    const other = buyer("Ola");
    const earlier = app.devStore.store.createOrder({ customerId: other.id, lineItems: [{ variantId: tea, quantity: 1 }] });
    app.devStore.store.fulfillOrder(earlier.id);
    await app.devStore.webhooks.idle();
    await sweepSurveys(app.db, new Date());
    expect(await app.db.followUp.count({ where: { shopId, kind: "SURVEY", customerShopifyId: ana.id } })).toBe(0);

    const fulfilledAt = new Date(placedAt.getTime() + DAY);
    app.devStore.store.fulfillOrder(order.id, { at: fulfilledAt.toISOString() });
    await app.devStore.webhooks.idle();
    await sweepSurveys(app.db, new Date());
    await sweepSurveys(app.db, new Date());
    const [survey] = await app.db.followUp.findMany({ where: { shopId, kind: "SURVEY", customerShopifyId: ana.id } });
    // Due 7 days after the fulfilment, once however often the sweep runs.
    expect(survey).toMatchObject({ key: `survey:${order.id}`, status: "SCHEDULED", dueAt: new Date(fulfilledAt.getTime() + 7 * DAY) });
    surveyId = survey.id;
    await drain(new Date(survey.dueAt.getTime() + 1000));
    links = scoreLinks(ana.email!);
  }, 60_000);

  it("is delivered with one link per NPS score, and the answer page refuses to be framed or cached", async () => {
    const message = sink.received.find((each) => each.recipients.includes(ana.email!))!;
    expect(message.subject).toBe("How did we do, Ana?");
    expect(message.html).toContain(`How likely are you to recommend ${app.devStore.store.shop.name} to a friend or colleague?`);
    expect(message.html).toContain("Answer and earn 50 points.");
    expect([...links.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await app.db.followUp.findUniqueOrThrow({ where: { id: surveyId } })).toMatchObject({ status: "SENT", toEmail: ana.email });
  });

  it("records the score on a click, changes it on a second click, and keeps one answer per survey", async () => {
    const first = await answerPage(links.get(3)!);
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get("referrer-policy")).toBe("same-origin");
    expect(first.response.headers.get("cache-control")).toBe("no-store");
    expect(first.html).toContain("We recorded your answer: 3.");
    expect(await app.db.surveyResponse.findMany({ where: { followUpId: surveyId } })).toEqual([
      expect.objectContaining({ score: 3, type: "NPS", source: "EMAIL", customerShopifyId: ana.id, comment: null, pointsAwarded: 0 }),
    ]);
    const second = await answerPage(links.get(9)!);
    expect(second.html).toContain("We recorded your answer: 9.");
    expect(await app.db.surveyResponse.findMany({ where: { followUpId: surveyId }, select: { score: true } })).toEqual([{ score: 9 }]);
    // A GET alone gives no points: a mail client's prefetch is not the person.
    expect(await app.db.pointsLedgerEntry.count({ where: { shopId, reason: "SURVEY" } })).toBe(0);
  });

  it("refuses a forged token, another survey's token and a score off the scale", async () => {
    const url = new URL(links.get(5)!);
    const token = url.searchParams.get("token")!;
    const forged = new URL(url);
    forged.searchParams.set("token", `${token.slice(0, -2)}AA`);
    expect((await fetch(forged)).status).toBe(404);
    // A token the app signed, for a survey not sent (still scheduled): refused.
    const pending = await app.db.followUp.create({ data: { shopId, kind: "SURVEY", key: `survey:pending-${randomUUID()}`, customerShopifyId: ana.id, dueAt: new Date(Date.now() + DAY) } });
    const notSent = new URL(url);
    notSent.searchParams.set("token", surveyToken({ shopId, followUpId: pending.id, type: "NPS" }, TEST_APP.apiSecret));
    expect((await fetch(notSent)).status).toBe(404);
    // Ana's signature on another survey's id: refused.
    const [payload, mac] = token.split(".");
    const [, , type] = JSON.parse(Buffer.from(payload, "base64url").toString());
    const swapped = new URL(url);
    swapped.searchParams.set("token", `${Buffer.from(JSON.stringify([shopId, pending.id, type])).toString("base64url")}.${mac}`);
    expect((await fetch(swapped)).status).toBe(404);
    const offScale = new URL(url);
    offScale.searchParams.set("score", "11");
    expect((await fetch(offScale)).status).toBe(404);
    expect(await app.db.surveyResponse.findMany({ where: { followUpId: surveyId }, select: { score: true } })).toEqual([{ score: 9 }]);
  });

  it("takes the person's comment and gives the points once; a post without the page's check is refused", async () => {
    const link = links.get(4)!;
    const { check } = await answerPage(link);
    expect(check).toBeTruthy();
    const refused = await postAnswer(link, { score: "4", comment: "Forged" });
    expect(refused.status).toBe(403);
    const tooLong = await postAnswer(link, { check: check!, score: "4", comment: "x".repeat(1001) });
    expect(tooLong.status).toBe(400);
    const answered = await postAnswer(link, { check: check!, score: "4", comment: "The tea arrived late and the box was crushed." });
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain("You earned 50 points.");
    const again = await postAnswer(link, { check: check!, score: "5", comment: "Still unhappy." });
    expect(again.status).toBe(200);
    const customer = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: ana.id } } });
    expect(await app.db.pointsLedgerEntry.findMany({ where: { customerId: customer.id, reason: "SURVEY" }, select: { points: true } })).toEqual([{ points: 50 }]);
    expect(await app.db.surveyResponse.findUniqueOrThrow({ where: { followUpId: surveyId } })).toMatchObject({ score: 5, comment: "Still unhappy.", pointsAwarded: 50 });
  });

  it("turns Ana amber with an open issue until the merchant resolves it, and no other shop can resolve it", async () => {
    const customer = await app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: ana.id } } });
    expect((await customerDetail(app.db, shopId, customer.id, thresholds, new Date()))!.health).toBe("open-issue");
    const filtered = await searchCustomers(app.db, shopId, { query: "", page: 1, health: "open-issue" }, thresholds, new Date());
    expect(filtered.customers.map((each) => each.id)).toEqual([customer.id]);
    const response = await app.db.surveyResponse.findUniqueOrThrow({ where: { followUpId: surveyId } });

    // Another shop's session cannot resolve it (its shop has no such answer).
    const other = await app.db.shop.create({ data: { domain: `other-${randomUUID().slice(0, 6)}.myshopify.com`, name: "Other shop" } });
    await app.db.surveyResponse.create({
      data: { shopId: other.id, customerShopifyId: "gid://shopify/Customer/999", source: "WIDGET", type: "NPS", score: 0, comment: "Other shop's complaint", respondedAt: new Date() },
    });
    const resolve = (id: string) => admin("/app/surveys?_data=routes%2Fapp.surveys", { method: "POST", body: new URLSearchParams({ responseId: id }) });
    const theirs = await app.db.surveyResponse.findFirstOrThrow({ where: { shopId: other.id } });
    expect((await resolve(theirs.id)).status).toBe(404);
    expect((await app.db.surveyResponse.findUniqueOrThrow({ where: { id: theirs.id } })).resolvedAt).toBeNull();
    // The Surveys page lists this shop's comments only.
    const page = await (await admin("/app/surveys?preset=last30&_data=routes%2Fapp.surveys")).json();
    expect(page.comments.map((comment: { comment: string }) => comment.comment)).not.toContain("Other shop's complaint");

    expect((await resolve(response.id)).status).toBe(200);
    expect((await customerDetail(app.db, shopId, customer.id, thresholds, new Date()))!.health).toBe("recent");
    expect((await searchCustomers(app.db, shopId, { query: "", page: 1, health: "open-issue" }, thresholds, new Date())).customers).toEqual([]);
  });
});

describe("feedback from the storefront widget", () => {
  function fromStorefront(customerGid: string | null, body: unknown) {
    return fetch(`${app.devStore.storefrontUrl}/apps/loyalty/feedback`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json", ...(customerGid ? { Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(customerGid)}` } : {}) },
      body: JSON.stringify(body),
    });
  }

  it("stores a signed-in customer's score and comment, signed by the app proxy; refuses guests, bad scores and the unsigned", async () => {
    const bea = buyer("Bea");
    await app.devStore.webhooks.idle();
    const account = await (await fetch(`${app.devStore.storefrontUrl}/apps/loyalty/customer`, { headers: { Accept: "application/json", Cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(bea.id)}` } })).json();
    expect(account.feedback).toEqual({ min: 0, max: 10 });
    const sent = await fromStorefront(bea.id, { score: 10, comment: "Lovely tea" });
    expect(sent.status).toBe(200);
    expect(await app.db.surveyResponse.findMany({ where: { shopId, customerShopifyId: bea.id }, select: { source: true, type: true, score: true, comment: true } })).toEqual([
      { source: "WIDGET", type: "NPS", score: 10, comment: "Lovely tea" },
    ]);
    expect((await fromStorefront(null, { score: 10 })).status).toBe(401);
    const offScale = await fromStorefront(bea.id, { score: 11 });
    expect(offScale.status).toBe(400);
    expect(await offScale.json()).toEqual({ error: "Choose a score from 0 to 10." });
    const unsigned = await fetch(`${app.appUrl}/proxy/feedback?shop=${TEST_APP.shop}&logged_in_customer_id=1`, { method: "POST", body: JSON.stringify({ score: 0 }) });
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(await app.db.surveyResponse.count({ where: { shopId, customerShopifyId: bea.id } })).toBe(1);
  });

  it("is rate limited per customer: the fourth answer in a day waits", async () => {
    const cy = buyer("Cy");
    await app.devStore.webhooks.idle();
    for (let answer = 0; answer < 3; answer++) expect((await fromStorefront(cy.id, { score: 8 })).status).toBe(200);
    const limited = await fromStorefront(cy.id, { score: 8 });
    expect(limited.status).toBe(429);
    expect((await limited.json()).retryAfter).toBeGreaterThan(0);
    expect(await app.db.surveyResponse.count({ where: { shopId, customerShopifyId: cy.id } })).toBe(3);
  });
});

describe("privacy", () => {
  it("puts a customer's answers in their data request, and customers/redact erases the comment and who gave it", async () => {
    const dee = buyer("Dee");
    await app.devStore.webhooks.idle();
    await app.db.surveyResponse.create({ data: { shopId, customerShopifyId: dee.id, source: "WIDGET", type: "NPS", score: 4, comment: "My address is 1 Elm St, call me", respondedAt: new Date() } });
    const request = (topic: "customers/data_request" | "customers/redact") =>
      sendWebhook(app, topic, {
        ...compliancePayload<Record<string, unknown>>(app, topic),
        customer: { id: legacyResourceId(dee.id), email: dee.email, phone: null },
        ...(topic === "customers/redact" ? { orders_to_redact: [] } : { orders_requested: [] }),
      });
    expect((await request("customers/data_request")).status).toBe(200);
    const [stored] = await app.db.complianceRequest.findMany({ where: { topic: "customers/data_request" }, orderBy: { receivedAt: "desc" }, take: 1 });
    expect((stored.report as { surveyAnswers: unknown[] }).surveyAnswers).toEqual([expect.objectContaining({ type: "NPS", score: 4, comment: "My address is 1 Elm St, call me" })]);
    expect((await request("customers/redact")).status).toBe(200);
    expect(await app.db.surveyResponse.count({ where: { shopId, customerShopifyId: dee.id } })).toBe(0);
    expect(await app.db.surveyResponse.count({ where: { shopId, comment: "My address is 1 Elm St, call me" } })).toBe(0);
    // The score stays, belonging to no one, so past NPS does not move.
    expect(await app.db.surveyResponse.count({ where: { shopId, customerShopifyId: "", score: 4, type: "NPS" } })).toBe(1);
  });
});

describe("NPS and CSAT for a period", () => {
  it("equal the hand-worked figures on the Surveys page, the dashboard's source and npm run report", async () => {
    const shop = await app.db.shop.findUniqueOrThrow({ where: { id: shopId } });
    // A shop of its own for known figures: every answer above stays out of these periods (2025).
    const at = (day: string) => new Date(`${day}T12:00:00Z`);
    const answers: [string, "NPS" | "CSAT", number][] = [
      // Period 2025-03-01 to 2025-03-31: NPS 10, 9, 8, 6, 2 → 2 promoters, 2 detractors of 5: 0. CSAT 5, 4, 1 → 2 of 3: 67.
      ["2025-03-02", "NPS", 10], ["2025-03-05", "NPS", 9], ["2025-03-09", "NPS", 8], ["2025-03-20", "NPS", 6], ["2025-03-31", "NPS", 2],
      ["2025-03-03", "CSAT", 5], ["2025-03-04", "CSAT", 4], ["2025-03-30", "CSAT", 1],
      // Previous 31 days, 2025-01-29 to 2025-02-28: NPS 10, 10, 7 → 2 of 3: 67. CSAT 2, 3 → 0 of 2: 0.
      ["2025-01-29", "NPS", 10], ["2025-02-14", "NPS", 10], ["2025-02-28", "NPS", 7], ["2025-02-01", "CSAT", 2], ["2025-02-02", "CSAT", 3],
      // Outside both.
      ["2025-01-28", "NPS", 0], ["2025-04-01", "NPS", 0],
    ];
    await app.db.surveyResponse.createMany({
      data: answers.map(([day, type, score], index) => ({ shopId, customerShopifyId: `gid://shopify/Customer/period-${index}`, source: "WIDGET" as const, type, score, respondedAt: at(day) })),
    });
    // Two surveys sent in the period, one answered: 50%.
    const sent = await Promise.all(
      ["2025-03-10", "2025-03-11"].map((day, index) =>
        app.db.followUp.create({ data: { shopId, kind: "SURVEY", status: "SENT", key: `survey:period-${index}`, customerShopifyId: `gid://shopify/Customer/sent-${index}`, dueAt: at(day), sentAt: at(day) } }),
      ),
    );
    await app.db.surveyResponse.create({ data: { shopId, customerShopifyId: sent[0].customerShopifyId, followUpId: sent[0].id, source: "EMAIL", type: "NPS", score: 9, respondedAt: at("2025-04-02") } });

    const page = await (await admin(`/app/surveys?from=2025-03-01&to=2025-03-31&_data=routes%2Fapp.surveys`)).json();
    expect(page.results.current).toMatchObject({ nps: 0, csat: 67, responses: 8, npsResponses: 5, csatResponses: 3, surveysSent: 2, surveysAnswered: 1, responseRate: 50 });
    expect(page.results.previous).toMatchObject({ from: "2025-01-29", to: "2025-02-28", nps: 67, csat: 0, responses: 5 });
    expect(page.results.months.find((month: { month: string }) => month.month === "2025-03-01")).toEqual({ month: "2025-03-01", nps: 0, csat: 67, responses: 8 });

    const { stdout } = await promisify(execFile)("node_modules/.bin/tsx", ["scripts/report.ts", "--shop", shop.domain, "--from", "2025-03-01", "--to", "2025-03-31", "--json"], {
      env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL },
    });
    const report = JSON.parse(stdout);
    expect({ nps: report.nps, csat: report.csat, surveyResponses: report.surveyResponses }).toEqual({ nps: page.results.current.nps, csat: page.results.current.csat, surveyResponses: 8 });
    expect(report.surveys.previous.nps).toBe(page.results.previous.nps);
  }, 60_000);
});
