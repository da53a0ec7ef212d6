/**
 * The storefront widget in headless Chromium on the dev storefront, which renders the theme app
 * extension's blocks and forwards /apps/loyalty/* with Shopify's app-proxy signature. The app's
 * proxy routes are not built yet, so a small HTTP server plays them here: it verifies the signature
 * with the app's own library, as the routes will, and answers the documented JSON contract.
 */
import { existsSync, mkdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { DEV_SHOP } from "../../dev-store/config";
import { CUSTOMER_COOKIE } from "../../dev-store/hosts/storefront";
import { startDevStore, type DevStore } from "../../dev-store/server";
import { legacyResourceId } from "../../dev-store/store/gid";
import { launchBrowser, webVitals, DESKTOP_USER_AGENT } from "../support/browser";
import { shopifyLibrary, TEST_APP } from "../support/shopify-library";

const ARTIFACTS = path.resolve("test-artifacts");
const { apiKey: API_KEY, apiSecret: API_SECRET } = TEST_APP;

const shopify = shopifyLibrary();

interface Reward {
  id: string;
  name: string;
  cost: number;
}

interface MyReward {
  code: string;
  name: string;
  endsAt: string;
  status: "unused" | "used" | "expired";
}

/** One customer's loyalty account as the app would hold it. */
interface LoyaltyAccount {
  balance: number;
  pending: number;
  referralCode: string;
  myRewards: MyReward[];
  history: Array<{ at: string; points: number; reason: string }>;
}

interface ProxyRequest {
  method: string;
  path: string;
  /** logged_in_customer_id as Shopify signed it; "" for a guest. */
  customerId: string;
  body: unknown;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

const REWARDS: Reward[] = [
  { id: "reward-5-off", name: "$5 off your order", cost: 500 },
  { id: "reward-10-off", name: "$10 off your order", cost: 1000 },
  { id: "reward-free-shipping", name: "Free shipping", cost: 2000 },
];
const WAYS_TO_EARN = [
  { kind: "welcome", title: "Create an account", points: "200 beans" },
  { kind: "spend", title: "Every $1 you spend", points: "5 beans" },
  { kind: "second_order", title: "Your second order", points: "300 beans" },
  { kind: "referral", title: "A friend's first order", points: "500 beans" },
];
// What a customer with their welcome points and 7 orders can still earn.
const WAYS_FOR_A_REGULAR = WAYS_TO_EARN.filter((way) => way.kind === "spend" || way.kind === "referral");
// A shop far from UTC: a welcome at 21:30 UTC on 18 January is the 19th there.
const PROGRAM = { pointsName: "beans", pendingDays: 14, timezone: "Pacific/Auckland" };
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/**
 * The app's proxy routes as the contract describes them: GET /proxy/customer and POST
 * /proxy/redeem, refusing any request whose app-proxy signature does not verify.
 */
async function startProxyApp(storefrontUrl: () => string) {
  const accounts = new Map<string, LoyaltyAccount>();
  const requests: ProxyRequest[] = [];
  let override: ((request: ProxyRequest) => Answer | null) | null = null;

  function customerAnswer(customerId: string): Answer {
    const account = accounts.get(customerId);
    if (!customerId || !account) {
      const catalogue = REWARDS.map((reward) => ({ ...reward, affordable: false }));
      return { status: 200, body: { customer: null, rewards: catalogue, myRewards: [], waysToEarn: WAYS_TO_EARN, program: PROGRAM } };
    }
    return {
      status: 200,
      body: {
        customer: { id: `gid://shopify/Customer/${customerId}` },
        points: { balance: account.balance, pending: account.pending },
        referral: { code: account.referralCode, url: `${storefrontUrl()}/?ref=${account.referralCode}` },
        rewards: REWARDS.map((reward) => ({ ...reward, affordable: reward.cost <= account.balance })),
        myRewards: account.myRewards,
        history: account.history,
        waysToEarn: WAYS_FOR_A_REGULAR,
        program: PROGRAM,
      },
    };
  }

  function redeemAnswer(customerId: string, body: { rewardId?: string; idempotencyKey?: string }): Answer {
    const account = accounts.get(customerId);
    if (!account) return { status: 401, body: { error: "Sign in to redeem your points." } };
    const reward = REWARDS.find((candidate) => candidate.id === body.rewardId);
    if (!reward || !body.idempotencyKey) return { status: 400, body: { error: "That reward does not exist." } };
    if (reward.cost > account.balance) return { status: 409, body: { error: "You need more beans for this reward." } };
    account.balance -= reward.cost;
    account.history.unshift({ at: new Date().toISOString(), points: -reward.cost, reason: `Redeemed: ${reward.name}` });
    const code = `BEAN-${reward.cost}-Q7X2`;
    // Unused codes come first, the soonest ending first: the new one ends last.
    const unused = account.myRewards.filter((mine) => mine.status === "unused").length;
    account.myRewards.splice(unused, 0, { code, name: reward.name, endsAt: inDays(30), status: "unused" });
    return { status: 200, body: { code, points: { balance: account.balance, pending: account.pending }, account: customerAnswer(customerId).body } };
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url ?? "/", "http://app.test");
      const json = (answer: Answer) =>
        res.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers }).end(JSON.stringify(answer.body));
      const signed = await shopify.utils.validateHmac(Object.fromEntries(url.searchParams), { signator: "appProxy" }).catch(() => false);
      if (!signed || url.searchParams.get("shop") !== DEV_SHOP) return json({ status: 401, body: { error: "Unsigned request." } });
      const text = Buffer.concat(chunks).toString("utf8");
      const request: ProxyRequest = {
        method: req.method ?? "",
        path: url.pathname,
        customerId: url.searchParams.get("logged_in_customer_id") ?? "",
        body: text ? JSON.parse(text) : null,
      };
      requests.push(request);
      const answer = override?.(request);
      if (answer) return json(answer);
      if (request.method === "GET" && request.path === "/proxy/customer") return json(customerAnswer(request.customerId));
      if (request.method === "POST" && request.path === "/proxy/redeem") return json(redeemAnswer(request.customerId, request.body as never));
      json({ status: 404, body: { error: "Not found." } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accounts,
    requests,
    /** Answer the next matching requests differently (an outage, a refusal); null to stop. */
    answerWith(next: typeof override) {
      override = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("storefront widget", () => {
  let proxyApp: Awaited<ReturnType<typeof startProxyApp>>;
  let devStore: DevStore;
  let browser: Browser;
  let maya: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    proxyApp = await startProxyApp(() => devStore.storefrontUrl);
    devStore = await startDevStore({
      shop: DEV_SHOP,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      appUrl: proxyApp.url,
      appTomlPath: path.resolve("shopify.app.toml"),
      apiVersion: "2026-10",
      nodeEnv: "test",
      shopProfile: { name: "Bean & Leaf", email: "owner@bean-and-leaf.example", currencyCode: "USD", enabledPresentmentCurrencies: ["USD"], ianaTimezone: "America/New_York" },
    });
    devStore.store.createProduct({ title: "Cold brew concentrate", variants: [{ price: "24.00" }] });
    devStore.store.createProduct({ title: "Sencha green tea", variants: [{ price: "12.50" }] });
    devStore.store.createProduct({ title: "Ceramic pour-over", variants: [{ price: "38.00" }] });
    maya = devStore.store.createCustomer({ firstName: "Maya", lastName: "Chen", email: "maya@example.com", hasAccount: true }).id;

    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await devStore?.close();
    await proxyApp?.close();
  });

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  beforeEach(() => {
    proxyApp.requests.length = 0;
    proxyApp.answerWith(null);
    proxyApp.accounts.set(String(legacyResourceId(maya)), {
      balance: 1250,
      pending: 300,
      referralCode: "MAYA-7K2",
      myRewards: [
        { code: "BEAN-SPRING-5", name: "$5 off your order", endsAt: inDays(9), status: "unused" },
        { code: "BEAN-WINTER-10", name: "$10 off your order", endsAt: inDays(-20), status: "expired" },
        { code: "BEAN-FALL-5", name: "$5 off your order", endsAt: inDays(-40), status: "used" },
      ],
      history: [
        { at: "2026-03-14T15:20:00Z", points: 450, reason: "Order #1042" },
        { at: "2026-02-02T10:05:00Z", points: -500, reason: "Redeemed: $5 off your order" },
        { at: "2026-01-18T21:30:00Z", points: 200, reason: "Welcome to Bean & Leaf Rewards" },
      ],
    });
  });

  async function shopper(options: { signedInAs?: string; width?: number; height?: number } = {}): Promise<{ context: BrowserContext; page: Page; appRequests: string[] }> {
    const context = await browser.newContext({
      userAgent: DESKTOP_USER_AGENT,
      viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
      deviceScaleFactor: options.width && options.width < 600 ? 2 : 1,
    });
    if (options.signedInAs) {
      await context.addCookies([{ name: CUSTOMER_COOKIE, value: encodeURIComponent(options.signedInAs), url: devStore.storefrontUrl }]);
    }
    const page = await context.newPage();
    const appRequests: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith("/apps/loyalty")) appRequests.push(`${request.method()} ${url.pathname}`);
    });
    await page.goto(devStore.storefrontUrl);
    await page.waitForLoadState("networkidle");
    return { context, page, appRequests };
  }

  const launcher = (page: Page) => page.getByRole("button", { name: /^Rewards/ });
  const panel = (page: Page) => page.getByRole("dialog", { name: "Bean & Leaf Rewards" });

  it("shows a guest how the program works and how to join, without asking the app until opened", async () => {
    const { context, page, appRequests } = await shopper();

    const block = page.getByRole("region", { name: "Bean & Leaf Rewards" });
    await expect(block.getByRole("heading", { name: "How it works" }).isVisible()).resolves.toBe(true);
    await expect(block.getByRole("link", { name: "Join now" }).isVisible()).resolves.toBe(true);
    await expect(block.getByRole("link", { name: "Sign in" }).isVisible()).resolves.toBe(true);
    await expect(launcher(page).getAttribute("aria-expanded")).resolves.toBe("false");
    await expect(panel(page).count()).resolves.toBe(0);
    // Ways to earn without their points are not shown: they wait behind the block's button.
    await expect(block.getByRole("heading", { name: "Ways to earn" }).isVisible()).resolves.toBe(false);
    expect(appRequests).toEqual([]);
    expect(proxyApp.requests).toEqual([]);

    await launcher(page).click();
    await expect(launcher(page).getAttribute("aria-expanded")).resolves.toBe("true");
    const dialog = panel(page);
    await expect(dialog.getAttribute("aria-modal")).resolves.toBe("true");
    await expect(dialog.getByRole("link", { name: "Join now" }).isVisible()).resolves.toBe(true);
    await expect(dialog.getByRole("link", { name: "Sign in" }).isVisible()).resolves.toBe(true);
    // Opened, the panel shows the program's real ways to earn, with their points, and the rewards with their costs.
    await dialog.getByText("200 beans").waitFor();
    const allWays = ["Create an account\n200 beans", "Every $1.00 you spend\n5 beans", "Your second order\n300 beans", "A friend's first order\n500 beans"];
    await expect(dialog.locator(".loyalty-widget__way:visible").allInnerTexts()).resolves.toEqual(allWays);
    const catalogue = dialog.getByRole("region", { name: "Rewards" }).getByRole("listitem");
    await expect(catalogue.allInnerTexts()).resolves.toEqual(["$5 off your order\n500 beans", "$10 off your order\n1,000 beans", "Free shipping\n2,000 beans"]);
    await expect(dialog.getByRole("button", { name: /Redeem/ }).count()).resolves.toBe(0);
    expect(proxyApp.requests).toEqual([{ method: "GET", path: "/proxy/customer", customerId: "", body: null }]);
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-guest-panel.png") });

    // The Rewards block shows the same answer once opened, without asking the app again.
    await page.keyboard.press("Escape");
    const show = block.getByRole("button", { name: "See rewards and ways to earn" });
    await show.click();
    await expect(show.getAttribute("aria-expanded")).resolves.toBe("true");
    await expect(block.locator(".loyalty-widget__way:visible").allInnerTexts()).resolves.toEqual(allWays);
    await expect(block.getByText("2,000 beans").isVisible()).resolves.toBe(true);
    expect(proxyApp.requests).toHaveLength(1);
    await block.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-guest-block.png") });
    await context.close();
  });

  it("lets a guest open the Rewards block on its own: one request, ways with points and the catalogue", async () => {
    const { context, page } = await shopper();
    const block = page.getByRole("region", { name: "Bean & Leaf Rewards" });
    await block.getByRole("button", { name: "See rewards and ways to earn" }).click();
    await block.getByText("300 beans").waitFor();
    await expect(block.getByText("Your second order").isVisible()).resolves.toBe(true);
    await expect(block.getByText("$10 off your order").isVisible()).resolves.toBe(true);
    expect(proxyApp.requests).toEqual([{ method: "GET", path: "/proxy/customer", customerId: "", body: null }]);
    await context.close();
  });

  it("shows a signed-in customer's balance, progress, codes, history, rewards and referral link once opened", async () => {
    const { context, page, appRequests } = await shopper({ signedInAs: maya });
    expect(appRequests).toEqual([]);

    await launcher(page).click();
    const dialog = panel(page);
    await dialog.getByText("1,250").waitFor();
    await expect(dialog.getByText("Hi Maya").isVisible()).resolves.toBe(true);
    await expect(dialog.getByText("1,250 beans").isVisible()).resolves.toBe(true);
    await expect(dialog.getByText("300 pending").isVisible()).resolves.toBe(true);
    // The pending rule is a number of days, not fulfilment.
    await expect(dialog.getByText("300 pending").getAttribute("title")).resolves.toBe("Points from an order can be spent 14 days after it is placed.");
    // Progress to the next reward the balance does not reach.
    await expect(dialog.getByText("750 more beans for Free shipping").isVisible()).resolves.toBe(true);

    const rewards = dialog.getByRole("region", { name: "Redeem your points" }).getByRole("listitem");
    await expect(rewards.allInnerTexts()).resolves.toHaveLength(3);
    await expect(dialog.getByRole("button", { name: "Redeem $5 off your order" }).isEnabled()).resolves.toBe(true);
    await expect(dialog.getByRole("button", { name: "Redeem $10 off your order" }).isVisible()).resolves.toBe(true);
    await expect(dialog.getByRole("button", { name: "Redeem Free shipping" }).isVisible()).resolves.toBe(false);
    await expect(rewards.filter({ hasText: "Free shipping" }).innerText()).resolves.toContain("Not enough points yet");

    // My rewards: the unused code with its end date, copy and apply; used and expired ones marked.
    const mine = dialog.getByRole("region", { name: "My rewards" }).getByRole("listitem");
    const spring = mine.filter({ hasText: "BEAN-SPRING-5" });
    // Dates are the shop's (Pacific/Auckland): after 11:00 UTC its day is already tomorrow.
    const endDate = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: PROGRAM.timezone }).format(new Date(proxyApp.accounts.get(String(legacyResourceId(maya)))!.myRewards[0].endsAt));
    await expect(spring.innerText()).resolves.toContain(`Use by ${endDate}`);
    await expect(spring.getByRole("link", { name: "Apply to cart" }).getAttribute("href")).resolves.toBe("/discount/BEAN-SPRING-5?redirect=%2Fcart");
    await expect(mine.filter({ hasText: "BEAN-WINTER-10" }).innerText()).resolves.toContain("Expired");
    await expect(mine.filter({ hasText: "BEAN-FALL-5" }).innerText()).resolves.toContain("Used");
    await expect(mine.filter({ hasText: "BEAN-FALL-5" }).getByRole("link").count()).resolves.toBe(0);
    await expect(mine.filter({ hasText: "BEAN-WINTER-10" }).getByRole("button").count()).resolves.toBe(0);

    // Ways to earn: only what Maya can still earn (her welcome points and second order are behind her).
    await expect(dialog.getByText("Every $1.00 you spend").isVisible()).resolves.toBe(true);
    await expect(dialog.getByText("Create an account").isVisible()).resolves.toBe(false);
    await expect(dialog.getByText("Your second order").isVisible()).resolves.toBe(false);

    await expect(dialog.getByRole("textbox", { name: "Your referral link" }).inputValue()).resolves.toBe(`${devStore.storefrontUrl}/?ref=MAYA-7K2`);
    await expect(dialog.getByText("Order #1042").isVisible()).resolves.toBe(true);
    await expect(dialog.getByText("+450").isVisible()).resolves.toBe(true);
    await expect(dialog.getByText("-500").isVisible()).resolves.toBe(true);
    // Dated in the shop's time zone, as the admin dates it, whatever the shopper's browser says.
    const welcome = dialog.getByRole("region", { name: "Recent activity" }).getByRole("listitem").filter({ hasText: "Welcome to Bean & Leaf Rewards" });
    await expect(welcome.locator("time").getAttribute("datetime")).resolves.toBe("2026-01-18T21:30:00Z");
    await expect(welcome.locator("time").innerText()).resolves.toBe("Jan 19, 2026");

    expect(proxyApp.requests).toEqual([{ method: "GET", path: "/proxy/customer", customerId: String(legacyResourceId(maya)), body: null }]);
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-customer-panel.png") });
    await mine.last().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-my-rewards.png") });

    await dialog.getByText("Order #1042").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-customer-history.png") });

    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: devStore.storefrontUrl });
    await dialog.getByRole("button", { name: "Copy link" }).click();
    await dialog.getByRole("button", { name: "Copied" }).waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(`${devStore.storefrontUrl}/?ref=MAYA-7K2`);
    await spring.getByRole("button", { name: "Copy code" }).click();
    await spring.getByRole("button", { name: "Copied" }).waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe("BEAN-SPRING-5");
    await context.close();
  });

  it("asks before spending points: Cancel and Escape spend nothing and give the focus back", async () => {
    const { context, page } = await shopper({ signedInAs: maya });
    await launcher(page).click();
    const dialog = panel(page);
    const redeemFive = dialog.getByRole("button", { name: "Redeem $5 off your order" });
    await redeemFive.click();
    await expect(dialog.getByText("Spend 500 beans on $5 off your order?").isVisible()).resolves.toBe(true);
    await expect(redeemFive.getAttribute("aria-expanded")).resolves.toBe("true");
    const focusedText = () => page.evaluate(() => document.activeElement?.textContent?.trim());
    expect(await focusedText()).toBe("Yes, redeem");
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-redeem-confirm.png") });

    await page.keyboard.press("Escape");
    await expect(dialog.getByText("Spend 500 beans on $5 off your order?").isVisible()).resolves.toBe(false);
    await expect(dialog.isVisible()).resolves.toBe(true);
    expect(await focusedText()).toMatch(/^Redeem/);

    await page.keyboard.press("Enter");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog.getByText("Spend 500 beans").isVisible()).resolves.toBe(false);
    expect(await focusedText()).toMatch(/^Redeem/);
    expect(proxyApp.requests.filter((request) => request.path === "/proxy/redeem")).toEqual([]);
    await expect(dialog.getByText("1,250 beans").isVisible()).resolves.toBe(true);
    await context.close();
  });

  it("redeems a reward once confirmed: the code in view and focused in My rewards, history and balance updated at once", async () => {
    const { context, page } = await shopper({ signedInAs: maya });
    await launcher(page).click();
    const dialog = panel(page);
    await dialog.getByRole("button", { name: "Redeem $5 off your order" }).click();
    await page.keyboard.press("Enter");

    const code = dialog.getByText("BEAN-500-Q7X2", { exact: true });
    await code.waitFor();
    const item = dialog.getByRole("region", { name: "My rewards" }).getByRole("listitem").filter({ hasText: "BEAN-500-Q7X2" });
    // The focus is on the new code, not lost to <body>, and the code is in the panel's view with its actions.
    await expect(item.evaluate((element) => element === document.activeElement)).resolves.toBe(true);
    const body = (await dialog.locator(".loyalty-widget__body").boundingBox())!;
    const box = (await item.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(body.y);
    expect(box.y + box.height).toBeLessThanOrEqual(body.y + body.height + 1);
    await expect(item.getByRole("link", { name: "Apply to cart" }).getAttribute("href")).resolves.toBe("/discount/BEAN-500-Q7X2?redirect=%2Fcart");
    await expect(dialog.locator("[aria-live=polite]").innerText()).resolves.toBe("Your discount code is ready: BEAN-500-Q7X2");
    await expect(dialog.getByText("750 beans").isVisible()).resolves.toBe(true);
    // 750 no longer covers the $10 reward.
    await expect(dialog.getByRole("button", { name: "Redeem $10 off your order" }).isVisible()).resolves.toBe(false);
    await expect(dialog.getByText("250 more beans for $10 off your order").isVisible()).resolves.toBe(true);
    // Recent activity shows the redemption at once, without another request.
    const history = dialog.getByRole("region", { name: "Recent activity" }).getByRole("listitem");
    await expect(history.first().innerText()).resolves.toContain("Redeemed: $5 off your order");
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-redeemed.png") });

    const redemptions = proxyApp.requests.filter((request) => request.path === "/proxy/redeem");
    expect(redemptions).toHaveLength(1);
    expect(redemptions[0]).toMatchObject({ method: "POST", customerId: String(legacyResourceId(maya)), body: { rewardId: "reward-5-off" } });
    expect((redemptions[0].body as { idempotencyKey: string }).idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(proxyApp.requests.filter((request) => request.path === "/proxy/customer")).toHaveLength(1);

    // The launcher keeps the new balance for this tab, and shows it on the next page without asking the app.
    const requestsBefore = proxyApp.requests.length;
    await page.reload();
    await page.waitForLoadState("networkidle");
    await expect(launcher(page).innerText()).resolves.toContain("750");
    expect(proxyApp.requests).toHaveLength(requestsBefore);
    const layoutShift = (await webVitals(page)).cls;
    expect(layoutShift).toBe(0);
    await context.close();
  });

  it("shows the app's message when it refuses a redemption, and lets the shopper retry a failed load", async () => {
    const { context, page } = await shopper({ signedInAs: maya });
    proxyApp.answerWith((request) => (request.path === "/proxy/customer" ? { status: 502, body: { error: "Shopify is unavailable right now. Please try again in a minute." } } : null));
    await launcher(page).click();
    const dialog = panel(page);
    await expect(dialog.getByRole("alert").filter({ hasText: "Shopify is unavailable right now" }).innerText()).resolves.toContain("Please try again in a minute.");

    proxyApp.answerWith((request) => (request.path === "/proxy/redeem" ? { status: 409, body: { error: "You need 250 more beans for this reward." } } : null));
    await dialog.getByRole("button", { name: "Try again" }).click();
    await dialog.getByText("1,250 beans").waitFor();
    await dialog.getByRole("button", { name: "Redeem $10 off your order" }).click();
    await dialog.getByRole("button", { name: "Yes, redeem" }).click();
    await dialog.getByRole("alert").filter({ hasText: "You need 250 more beans" }).waitFor();
    await expect(dialog.getByText("Your discount code is ready").isVisible()).resolves.toBe(false);
    await expect(dialog.getByRole("button", { name: "Redeem $10 off your order" }).evaluate((element) => element === document.activeElement)).resolves.toBe(true);
    await dialog.getByText("You need 250 more beans").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-redeem-refused.png") });
    await context.close();
  });

  it("works from the keyboard: Tab to the launcher, Enter opens, focus stays in the panel, Escape closes", async () => {
    const { context, page } = await shopper({ signedInAs: maya });
    const focused = () => page.evaluate(() => document.activeElement?.closest("[role=dialog]") ? `dialog:${document.activeElement.textContent?.trim() || document.activeElement.getAttribute("aria-label")}` : document.activeElement?.className ?? "");

    for (let presses = 0; presses < 40 && (await focused()) !== "loyalty-widget__launcher"; presses++) await page.keyboard.press("Tab");
    expect(await focused()).toBe("loyalty-widget__launcher");
    await expect(launcher(page).evaluate((element) => getComputedStyle(element).outlineStyle)).resolves.not.toBe("none");

    await page.keyboard.press("Enter");
    await panel(page).getByText("1,250 beans").waitFor();
    expect(await focused()).toBe("dialog:Close");

    const stops = new Set<string>();
    for (let presses = 0; presses < 25; presses++) {
      await page.keyboard.press("Tab");
      const where = await focused();
      expect(where).toMatch(/^dialog:/);
      stops.add(where);
    }
    expect(stops).toContain("dialog:Close");
    expect(stops).toContain("dialog:Copy link");
    await page.keyboard.press("Shift+Tab");
    expect(await focused()).toMatch(/^dialog:/);
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-keyboard-focus.png") });

    await page.keyboard.press("Escape");
    await expect(panel(page).isVisible()).resolves.toBe(false);
    await expect(launcher(page).getAttribute("aria-expanded")).resolves.toBe("false");
    expect(await focused()).toBe("loyalty-widget__launcher");
    await context.close();
  });

  it("opens the Rewards block's account area in place, and fits a phone screen", async () => {
    const { context, page, appRequests } = await shopper({ signedInAs: maya, width: 390, height: 844 });
    const block = page.getByRole("region", { name: "Bean & Leaf Rewards" });
    const show = block.getByRole("button", { name: "See my points and rewards" });
    await show.scrollIntoViewIfNeeded();
    expect(appRequests).toEqual([]);
    await show.click();
    await expect(show.getAttribute("aria-expanded")).resolves.toBe("true");
    await block.getByText("1,250 beans").waitFor();
    await block.getByText("1,250 beans").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-block-mobile.png") });

    await launcher(page).click();
    await panel(page).getByText("1,250 beans").waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-panel-mobile.png") });
    const box = await panel(page).boundingBox();
    expect(box?.width).toBeLessThanOrEqual(390);
    await context.close();
  });
});
