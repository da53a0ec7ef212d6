/**
 * The follow-up pages in headless Chromium through the dev store's admin: a scheduled follow-up in
 * the list and cancelled from it, a template edited with the preview following, bad values refused
 * with their messages, and a product's interval set from the suggestion. Outside the browser: the
 * cancel refuses another shop's follow-up, and the settings action refuses bad values. Screenshots go
 * to test-artifacts/.
 */
import type { Browser, FrameLocator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { setFollowUpKindEnabled } from "../../app/follow-ups/settings.server";
import { DESKTOP_USER_AGENT, launchBrowser, openEmbeddedAdmin, screenshot } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let browser: Browser;
let shopId: string;
let ana: string;
let teaProduct: string;
const DAY = 86_400_000;

beforeAll(async () => {
  app = await startTestApp();
  const store = app.devStore.store;
  const tea = store.createProduct({ title: "Breakfast Tea", variants: [{ price: "12.00" }] });
  teaProduct = tea.id;
  // History: three customers restocking tea every 30 days, six repeats before the app is installed.
  const now = Date.now();
  for (const [i, email] of ["cy@example.com", "dee@example.com", "eli@example.com"].entries()) {
    const customer = store.createCustomer({ email, firstName: email.split("@")[0], createdAt: new Date(now - 200 * DAY).toISOString() });
    for (const daysAgo of [190, 160, 130, 100].slice(0, 4 - i)) {
      store.createOrder({ customerId: customer.id, lineItems: [{ variantId: tea.variants[0].id, quantity: 1 }], createdAt: new Date(now - daysAgo * DAY).toISOString() });
    }
  }
  shopId = await app.installAndImportHistory();
  // Follow-ups start off: the merchant turns them on before Ana's order.
  for (const kind of ["THANK_YOU", "NEXT_PURCHASE", "REPLENISHMENT", "WIN_BACK"] as const) await setFollowUpKindEnabled(app.db, shopId, kind, true, new Date());
  ana = store.createCustomer({ email: "ana@example.com", firstName: "Ana", hasAccount: true, emailMarketing: "SUBSCRIBED" }).id;
  store.createOrder({ customerId: ana, lineItems: [{ variantId: tea.variants[0].id, quantity: 1 }] });
  await app.devStore.webhooks.idle();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function openAdmin(path: string): Promise<{ page: Page; frame: FrameLocator }> {
  const { page, frame } = await openEmbeddedAdmin(browser, app.devStore, path);
  await frame.getByRole("heading", { name: "Follow-ups", exact: true }).waitFor();
  return { page, frame };
}

describe("the follow-ups pages in a browser", () => {
  it("lists the scheduled thank-you and cancels it", async () => {
    const thankYou = await app.db.followUp.findFirstOrThrow({ where: { shopId, customerShopifyId: ana, kind: "THANK_YOU" } });
    expect(thankYou.status).toBe("SCHEDULED");

    const { page, frame } = await openAdmin("/follow-ups");
    const row = frame.getByRole("row").filter({ hasText: "Thank-you" }).filter({ hasText: "ana@example.com" });
    await row.waitFor();
    await expect(row.innerText()).resolves.toContain("Ana");
    await expect(row.innerText()).resolves.not.toContain("tries again");
    await expect(frame.getByRole("button", { name: /^Scheduled \(2\)$/ }).isVisible()).resolves.toBe(true);
    await screenshot(page, "follow-ups-list");

    await row.getByRole("button", { name: /Cancel the thank-you/ }).click();
    await frame.getByText("Follow-up cancelled. It will not be sent.").waitFor();
    await row.waitFor({ state: "detached" });
    expect(await app.db.followUp.findUniqueOrThrow({ where: { id: thankYou.id } })).toMatchObject({ status: "CANCELLED", cancelReason: "cancelled by the merchant" });

    await frame.getByRole("button", { name: /^Failed \(0\)$/ }).click();
    await frame.getByText("A follow-up that cannot be sent after its retries appears here").waitFor();
    await frame.getByRole("button", { name: /^Cancelled \(1\)$/ }).click();
    await frame.getByRole("row").filter({ hasText: "cancelled by the merchant" }).waitFor();
    await screenshot(page, "follow-ups-cancelled");
    // Filtered to one type, the tabs count that type only.
    await frame.getByLabel("Type").selectOption({ label: "Next-purchase discount" });
    await frame.getByRole("button", { name: /^Cancelled \(0\)$/ }).waitFor();
    await frame.getByText("No follow-up has been cancelled").waitFor();
    await expect(frame.getByRole("button", { name: /^Scheduled \(1\)$/ }).isVisible()).resolves.toBe(true);
  });

  it("says what a retry means for the merchant, with Shopify's words as the detail", async () => {
    const nextPurchase = await app.db.followUp.findFirstOrThrow({ where: { shopId, customerShopifyId: ana, kind: "NEXT_PURCHASE" } });
    await app.db.followUp.update({ where: { id: nextPurchase.id }, data: { attempts: 1, lastError: "Admin API: Throttled" } });
    try {
      const { page, frame } = await openAdmin("/follow-ups");
      const row = frame.getByRole("row").filter({ hasText: "Next-purchase discount" }).filter({ hasText: "ana@example.com" });
      await row.getByText("Shopify asked the app to slow down while it created the discount code. The app tries again by itself. Nothing to do.").waitFor();
      await expect(row.innerText()).resolves.not.toContain("Retrying: Admin API");
      await screenshot(page, "follow-ups-retrying");
    } finally {
      await app.db.followUp.update({ where: { id: nextPurchase.id }, data: { attempts: 0, lastError: null } });
    }
  });

  it("edits a template with the preview following, and refuses bad values with their messages", async () => {
    const { page, frame } = await openAdmin("/follow-ups/settings");
    const subject = frame.getByLabel("Subject");
    await expect(frame.locator("[data-preview=subject]").innerText()).resolves.toBe("Thank you for your order, Ana!");

    await subject.fill("A little thank-you from {{shop_name}}, {{first_name}}");
    await expect.poll(() => frame.locator("[data-preview=subject]").innerText()).toBe(`A little thank-you from ${app.devStore.store.shop.name}, Ana`);
    await frame.getByLabel("Body").fill("Hi {{first_name}},\n\nYou have {{points_balance}} points waiting.");
    const preview = frame.frameLocator('iframe[title="Email preview"]');
    await preview.getByText("You have 240 points waiting.").waitFor();
    await expect(frame.locator("[data-preview=text]").textContent()).resolves.toContain("You have 240 points waiting.");
    await screenshot(page, "follow-ups-template-preview");

    // An unknown merge field and a bad colour show their messages; saving changes nothing.
    await subject.fill("Hello {{nickname}}");
    await frame.getByText("{{nickname}} is not a merge field").first().waitFor();
    await frame.getByLabel("Brand colour").fill("blue-ish");
    await frame.getByText("must be a hex colour, like #2c6ecb").first().waitFor();
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("Some settings need a fix before they can be saved").waitFor();
    await frame.getByText("Some settings need a fix before they can be saved").scrollIntoViewIfNeeded();
    await screenshot(page, "follow-ups-settings-errors");
    expect((await app.db.followUpSettings.findUniqueOrThrow({ where: { shopId } })).templates).toEqual({});

    await subject.fill("A little thank-you from {{shop_name}}, {{first_name}}");
    await frame.getByLabel("Brand colour").fill("#0a7d55");
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("Settings saved.").waitFor();
    const saved = await app.db.followUpSettings.findUniqueOrThrow({ where: { shopId } });
    expect(saved.brandColor).toBe("#0a7d55");
    expect((saved.templates as Record<string, { subject: string }>).THANK_YOU.subject).toBe("A little thank-you from {{shop_name}}, {{first_name}}");
  });

  it("says who the win-back reaches, past customers only as far back as chosen, and saves a Reply-To", async () => {
    const { page, frame } = await openAdmin("/follow-ups/settings");
    await frame.getByRole("tab", { name: "Win-back" }).click();
    // Cy's, Dee's and Eli's last orders were 100, 130 and 160 days ago: past the 60-to-90-day window, so only if included.
    await frame.getByText("Goes to customers whose last order was 60 days ago and who agreed to email marketing, once per lapse. In the last 30 days, 0 customers reached 60 days.").waitFor();
    const past = frame.getByLabel("Past customers when it is turned on");
    await expect(past.locator("option").allInnerTexts()).resolves.toEqual([
      "None: only customers who lapse from then on",
      "Also those who lapsed up to 30 days before (0 today)",
      "Also those who lapsed up to 90 days before (2 today)",
      "Also those who lapsed up to 180 days before (3 today)",
      "Also those who lapsed up to 365 days before (3 today)",
    ]);
    await frame.getByText("Preview, as Ana would get it 60 days after her last order").waitFor();
    await past.selectOption("90");
    await frame.getByLabel("Reply-To").fill("care@tea.example");
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("Settings saved.").waitFor();
    await screenshot(page, "follow-ups-settings-win-back-audience");
    expect(await app.db.followUpSettings.findUniqueOrThrow({ where: { shopId } })).toMatchObject({ winBackPastDays: 90, replyToEmail: "care@tea.example" });
  });

  it("times the win-back by each customer's rhythm when chosen, and refuses a grace under 1", async () => {
    const { page, frame } = await openAdmin("/follow-ups/settings");
    await frame.getByRole("tab", { name: "Win-back" }).click();
    await frame.getByLabel("When to write").selectOption("RHYTHM");
    const grace = frame.getByLabel("Grace (expected gaps)");
    await grace.fill("0.5");
    await frame.getByText("is at least 1 (the day their next order was expected)").first().waitFor();
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("Some settings need a fix before they can be saved").waitFor();
    expect((await app.db.followUpSettings.findUniqueOrThrow({ where: { shopId } })).winBackTiming).toBe("FIXED");
    await grace.fill("2");
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("Settings saved.").waitFor();
    await frame.locator("[data-rhythm=win-back]").getByText("Each customer is written to 2 × their own expected gap between orders after their last one").waitFor();
    await screenshot(page, "follow-ups-settings-win-back-rhythm");
    const saved = await app.db.followUpSettings.findUniqueOrThrow({ where: { shopId } });
    expect({ timing: saved.winBackTiming, grace: saved.winBackGraceFactor.toFixed(2) }).toEqual({ timing: "RHYTHM", grace: "2.00" });
    await app.db.followUpSettings.update({ where: { shopId }, data: { winBackTiming: "FIXED", winBackGraceFactor: 1.5 } });
  });

  it("shows the interval the shop's repeat purchases suggest and sets it", async () => {
    const { page, frame } = await openAdmin("/follow-ups/products");
    const row = frame.getByRole("row").filter({ hasText: "Breakfast Tea" });
    await row.locator('[data-suggested="30"]').waitFor();
    // Ana's one order counts as a customer who has not bought it again (yet).
    await expect(row.innerText()).resolves.toContain("median of 6 repeat purchases by 3 of 4 customers (75%)");
    await row.getByRole("button", { name: "Use it" }).click();
    await row.getByText("Saved.").waitFor();
    await screenshot(page, "follow-ups-intervals");
    expect(await app.db.replenishmentInterval.findUniqueOrThrow({ where: { shopId_productShopifyId: { shopId, productShopifyId: teaProduct } } })).toMatchObject({
      intervalDays: 30,
      leadDays: null,
    });
  });
});

describe("the follow-ups actions", () => {
  const post = (path: string, body: Record<string, string>) =>
    fetch(`${app.appUrl}${path}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${app.devStore.sessionToken()}`, "User-Agent": DESKTOP_USER_AGENT },
      body: new URLSearchParams(body),
    });

  it("never cancels another shop's follow-up", async () => {
    const other = await app.db.shop.create({ data: { domain: "someone-else.myshopify.com" } });
    const theirs = await app.db.followUp.create({
      data: { shopId: other.id, kind: "THANK_YOU", key: "thank-you:other", customerShopifyId: "gid://shopify/Customer/1", dueAt: new Date(Date.now() + DAY) },
    });
    const answer = await post("/app/follow-ups?index&_data=routes%2Fapp.follow-ups._index", { intent: "cancel", id: theirs.id });
    expect(answer.status).toBe(404);
    expect(await answer.json()).toMatchObject({ ok: false, message: "No such follow-up in this shop." });
    expect(await app.db.followUp.findUniqueOrThrow({ where: { id: theirs.id } })).toMatchObject({ status: "SCHEDULED", cancelledAt: null });

    // The same request for this shop's own scheduled follow-up does cancel it.
    const mine = await app.db.followUp.findFirstOrThrow({ where: { shopId, customerShopifyId: ana, kind: "NEXT_PURCHASE" } });
    const ok = await post("/app/follow-ups?index&_data=routes%2Fapp.follow-ups._index", { intent: "cancel", id: mine.id });
    expect(ok.status).toBe(200);
    expect(await app.db.followUp.findUniqueOrThrow({ where: { id: mine.id } })).toMatchObject({ status: "CANCELLED" });
    const again = await post("/app/follow-ups?index&_data=routes%2Fapp.follow-ups._index", { intent: "cancel", id: mine.id });
    expect(again.status).toBe(409);
  });

  it("refuses bad settings field by field and keeps what was saved", async () => {
    const before = await app.db.followUpSettings.findUniqueOrThrow({ where: { shopId } });
    const answer = await post("/app/follow-ups/settings?_data=routes%2Fapp.follow-ups.settings", {
      brandColor: "#12345",
      logoUrl: "ftp://example.com/logo.png",
      senderEmail: "not-an-address",
      quietHoursStart: "21",
      quietHoursEnd: "9",
      thankYouEnabled: "true",
      thankYouDelayMinutes: "30",
      nextPurchaseEnabled: "true",
      nextPurchaseDelayDays: "14",
      nextPurchaseDiscountPercent: "10",
      nextPurchaseCodeValidDays: "30",
      replenishmentEnabled: "true",
      replenishmentLeadDays: "7",
      winBackEnabled: "true",
      winBackAfterDays: "60",
      winBackDiscountPercent: "0",
      winBackCodeValidDays: "30",
      "templates.THANK_YOU.subject": " ",
      "templates.THANK_YOU.body": "Hi",
      "templates.NEXT_PURCHASE.subject": "Your code",
      "templates.NEXT_PURCHASE.body": "Use {{code}}",
      "templates.REPLENISHMENT.subject": "Restock {{code}}",
      "templates.REPLENISHMENT.body": "{{product}}",
      "templates.WIN_BACK.subject": "Back?",
      "templates.WIN_BACK.body": "Come back",
    });
    expect(answer.status).toBe(400);
    const { errors } = (await answer.json()) as { errors: Record<string, string> };
    expect(errors).toEqual({
      brandColor: "must be a hex colour, like #2c6ecb",
      logoUrl: expect.stringMatching(/^must be an https:\/\/ address/),
      senderEmail: "must be an email address, like hello@yourshop.com",
      "templates.THANK_YOU.subject": "is required",
      "templates.REPLENISHMENT.subject": "{{code}} has no value in a replenishment reminder email",
    });
    expect(await app.db.followUpSettings.findUniqueOrThrow({ where: { shopId } })).toEqual(before);
  });
});
