/**
 * The demo shop as one that installed the app months ago. The history before the install is what
 * the install's import finds; the history after it reaches the app through the webhooks Shopify
 * would have sent; the merchant turned follow-ups on in the app's settings; shoppers redeemed points
 * and referred friends through the storefront's app proxy. Everything goes through the app's own
 * doors (webhooks, the admin with a session token, the proxy), with two exceptions a real shop
 * never needs: the install is dated back to when the history says it happened, and the seed waits
 * on the app's database to know it has caught up.
 */
import { CUSTOMER_COOKIE } from "../hosts/storefront";
import { DESKTOP_USER_AGENT, type DevStore } from "../server";
import type { HistoryPlayer } from "./apply";

/** Every order since the install is a handful of webhooks the app applies one by one: a month keeps the demo's start short. */
export const INSTALLED_DAYS_AGO = 30;
const DAY_MS = 86_400_000;
const REDEMPTIONS = 12;
const REFERRALS = 6;
const BIRTHDAYS = 8;

/** The few statements the seed runs on the app's own database connection. */
export interface AppDatabase {
  query<Row>(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
}

export interface LivedInOptions {
  devStore: DevStore;
  player: HistoryPlayer;
  appUrl: string;
  database: AppDatabase;
  installedAt: Date;
  now: Date;
}

export interface LivedInSummary {
  ordersAfterInstall: number;
  redemptions: number;
  redeemedCodesUsed: number;
  referrals: number;
}

export function installMoment(now: Date): Date {
  return new Date(now.getTime() - INSTALLED_DAYS_AGO * DAY_MS);
}

/** After `installApp`: the app's history import, then the months since the install. */
export async function liveSinceInstall(options: LivedInOptions): Promise<LivedInSummary> {
  const { devStore, database, player } = options;
  const shop = devStore.config.shop;
  let lastVisit = 0;
  await waitFor("the history import", async () => {
    const { rows } = await database.query<{ status: string; error: string | null }>(
      `SELECT h.status, h.error FROM "HistoryImport" h JOIN "Shop" s ON s.id = h."shopId" WHERE s.domain = $1`,
      [shop],
    );
    // An import that stopped (a busy machine's timeout, say) resumes when the merchant opens the app.
    if (rows[0]?.error && rows[0].status !== "done" && Date.now() - lastVisit > 5_000) {
      lastVisit = Date.now();
      await openAppHome(options);
    }
    return rows[0]?.status === "done";
  });
  // The install happened when the history says: orders after it earn points and follow-ups.
  await database.query(`UPDATE "Shop" SET "installedAt" = $1 WHERE domain = $2`, [options.installedAt, shop]);
  await turnOnFollowUps(options);
  await defineTierLadder(options);

  const before = devStore.store.orders().length;
  player.playUntil(options.now);
  await caughtUp(options);
  const ordersAfterInstall = devStore.store.orders().length - before;

  const redeemed = await redeemPoints(options);
  const usedCodes = redeemed.filter((_, index) => index % 2 === 0);
  for (const { customerId, code } of usedCodes) placeRecentOrder(options, customerId, code, 2);
  const referrals = await referFriends(options, new Set(redeemed.map((redemption) => redemption.customerId)));
  await giveBirthdays(options);
  await giveFeedback(options);
  await caughtUp(options);
  return { ordersAfterInstall, redemptions: redeemed.length, redeemedCodesUsed: usedCodes.length, referrals };
}

/** The merchant opens the app's home page in the admin. */
async function openAppHome({ devStore, appUrl }: LivedInOptions) {
  const response = await fetch(`${appUrl}/app?_data=${encodeURIComponent("routes/app._index")}`, {
    headers: { Authorization: `Bearer ${devStore.sessionToken()}`, "User-Agent": DESKTOP_USER_AGENT },
  });
  await response.arrayBuffer();
}

/**
 * The merchant's choices on the Follow-ups settings page, saved through the page's own action with
 * a session token: every kind on, the thank-you straight after the first order, no quiet hours.
 */
async function turnOnFollowUps({ devStore, appUrl }: LivedInOptions) {
  const url = `${appUrl}/app/follow-ups/settings?_data=${encodeURIComponent("routes/app.follow-ups.settings")}`;
  const headers = { Authorization: `Bearer ${devStore.sessionToken()}`, "User-Agent": DESKTOP_USER_AGENT };
  const loaded = await fetch(url, { headers });
  if (!loaded.ok) throw new Error(`Reading the follow-up settings failed: ${loaded.status} ${await loaded.text()}`);
  const { form } = (await loaded.json()) as { form: Record<string, unknown> & { templates: Record<string, { subject: string; body: string }> } };
  const chosen = { ...form, thankYouEnabled: true, thankYouDelayMinutes: 0, nextPurchaseEnabled: true, replenishmentEnabled: true, winBackEnabled: true, surveyEnabled: true, surveyPoints: 25, quietHoursStart: 0, quietHoursEnd: 0 };
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(chosen)) if (key !== "templates") body.set(key, String(value ?? ""));
  for (const [kind, template] of Object.entries(form.templates)) {
    body.set(`templates.${kind}.subject`, template.subject);
    body.set(`templates.${kind}.body`, template.body);
  }
  const saved = await fetch(url, { method: "POST", headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" }, body });
  if (!saved.ok) throw new Error(`Saving the follow-up settings failed: ${saved.status} ${await saved.text()}`);
}

/** What shoppers told the shop through the widget's "Tell us how we're doing" (NPS, the default scale). */
const FEEDBACK: [number, string | null][] = [
  [10, "Best tea I have found online, and it arrives fast."],
  [9, "Lovely packaging. Will order again."],
  [10, null],
  [8, "Good, but shipping could be cheaper."],
  [9, null],
  [3, "My order arrived two weeks late and nobody answered my email."],
  [6, "The mug was chipped when it arrived."],
  [10, "Love the points, I got a free bag last month!"],
  [7, null],
  [2, "Charged twice for one order. Please refund."],
];

/** Some customers answer "Tell us how we're doing" in the widget (POST /apps/loyalty/feedback): the Surveys page has answers. */
async function giveFeedback({ devStore }: LivedInOptions) {
  const shoppers = devStore.store.customers().filter((customer) => customer.state === "ENABLED").slice(0, FEEDBACK.length);
  for (const [index, customer] of shoppers.entries()) {
    const [score, comment] = FEEDBACK[index];
    const response = await asShopper(devStore, customer.id, "/apps/loyalty/feedback", {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ score, comment }),
    });
    if (!response.ok) throw new Error(`Feedback from ${customer.id} failed: ${response.status} ${await response.text()}`);
  }
}

/**
 * The merchant's VIP ladder, saved through the VIP tiers page's own action with a session token:
 * tiers by lifetime amount spent, Bronze, Silver and Gold, each earning more on spend than the last.
 */
export const DEMO_TIERS = [
  { name: "Bronze", threshold: "50", multiplierPercent: "100", entryRewardPoints: "0", benefits: "Early access to new blends" },
  { name: "Silver", threshold: "200", multiplierPercent: "125", entryRewardPoints: "100", benefits: "1.25x points on every order" },
  { name: "Gold", threshold: "500", multiplierPercent: "150", entryRewardPoints: "250", benefits: "1.5x points and free shipping rewards" },
];

async function defineTierLadder({ devStore, appUrl }: LivedInOptions) {
  const url = `${appUrl}/app/tiers?_data=${encodeURIComponent("routes/app.tiers")}`;
  const headers = { Authorization: `Bearer ${devStore.sessionToken()}`, "User-Agent": DESKTOP_USER_AGENT, "Content-Type": "application/x-www-form-urlencoded" };
  const forms = [{ intent: "program", tierBasis: "AMOUNT_SPENT", tierWindowMonths: "", tierRetentionDays: "30" }, ...DEMO_TIERS.map((tier) => ({ intent: "save-tier", ...tier }))];
  for (const form of forms) {
    const saved = await fetch(url, { method: "POST", headers, body: new URLSearchParams(form) });
    const answer = (await saved.json()) as { ok: boolean; errors?: Record<string, string> };
    if (!saved.ok || !answer.ok) throw new Error(`Saving the VIP tiers failed: ${saved.status} ${JSON.stringify(answer)}`);
  }
}

interface StorefrontAccount {
  points: { balance: number };
  referral: { code: string } | null;
  rewards: { id: string; cost: number; affordable: boolean }[];
}

/** A signed-in shopper's request through the storefront, which signs it for the app proxy. */
function asShopper(devStore: DevStore, customerId: string | null, path: string, init: RequestInit = {}) {
  return fetch(`${devStore.storefrontUrl}${path}`, {
    ...init,
    redirect: "manual",
    headers: { "User-Agent": DESKTOP_USER_AGENT, ...(init.headers as Record<string, string>), ...(customerId ? { cookie: `${CUSTOMER_COOKIE}=${encodeURIComponent(customerId)}` } : {}) },
  });
}

/**
 * A dozen of the newest accounts make a big order this week (paid at checkout), then redeem the
 * cheapest reward they can afford in the widget (POST /apps/loyalty/redeem).
 */
async function redeemPoints(options: LivedInOptions): Promise<{ customerId: string; code: string }[]> {
  const { devStore } = options;
  const buyers = devStore.store.customers().filter((customer) => customer.state === "ENABLED").reverse().slice(0, REDEMPTIONS);
  const priciest = devStore.store.products().map((product) => product.variants[0]).sort((a, b) => b.price - a.price)[0];
  for (const buyer of buyers) {
    devStore.store.createOrder({ customerId: buyer.id, lineItems: [{ variantId: priciest.id, quantity: Math.ceil(50_000 / priciest.price) }], shipping: { title: "Free shipping", price: "0.00" } });
  }
  await caughtUp(options);
  const redeemed: { customerId: string; code: string }[] = [];
  for (const customer of buyers) {
    const account = (await (await asShopper(devStore, customer.id, "/apps/loyalty/customer")).json()) as StorefrontAccount;
    const reward = account.rewards.find((candidate) => candidate.affordable);
    if (!reward) continue;
    const response = await asShopper(devStore, customer.id, "/apps/loyalty/redeem", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ rewardId: reward.id, idempotencyKey: `demo-seed-${customer.id.split("/").pop()}` }),
    });
    if (!response.ok) throw new Error(`Redeeming for ${customer.email} failed: ${response.status} ${await response.text()}`);
    const { code } = (await response.json()) as { code: string };
    redeemed.push({ customerId: customer.id, code });
  }
  return redeemed;
}

/** Friends arrive through customers' referral links (/apps/loyalty/r/<code>), sign up and order with their code. */
async function referFriends(options: LivedInOptions, skip: Set<string>): Promise<number> {
  const { devStore } = options;
  let referred = 0;
  const referrers = devStore.store.customers().filter((customer) => customer.state === "ENABLED" && !skip.has(customer.id) && devStore.store.ordersOf(customer.id).length > 1);
  for (const referrer of referrers) {
    if (referred >= REFERRALS) break;
    const account = (await (await asShopper(devStore, referrer.id, "/apps/loyalty/customer")).json()) as StorefrontAccount;
    if (!account.referral) continue;
    // As a friend's browser does: the landing page, then the page's script claiming the code.
    const path = `/apps/loyalty/r/${encodeURIComponent(account.referral.code)}`;
    const landing = await asShopper(devStore, null, path);
    if (!landing.ok) throw new Error(`The referral link of ${referrer.email} did not open (${landing.status})`);
    const claimed = await asShopper(devStore, null, path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ visitor: null }) });
    const claim = (await claimed.json()) as { status: string; code?: string };
    const code = claim.status === "code" ? claim.code : undefined;
    if (!code) throw new Error(`The referral link of ${referrer.email} gave no code (${claimed.status} ${claim.status})`);
    const friend = devStore.store.createCustomer({
      firstName: "Friend of",
      lastName: referrer.firstName ?? "a customer",
      email: `friend-of-${referrer.id.split("/").pop()}@example.com`,
      hasAccount: true,
      emailMarketing: "SUBSCRIBED",
    });
    placeRecentOrder(options, friend.id, code, 3);
    referred++;
  }
  return referred;
}

/** A few repeat customers gave their birthday in the widget (POST /apps/loyalty/birthday), so customer pages show one. */
async function giveBirthdays(options: LivedInOptions): Promise<void> {
  const { devStore } = options;
  const repeaters = devStore.store.customers().filter((customer) => customer.state === "ENABLED" && devStore.store.ordersOf(customer.id).length > 1);
  for (const [index, customer] of repeaters.slice(0, BIRTHDAYS).entries()) {
    const birthday = { month: 1 + ((index * 5) % 12), day: 1 + ((index * 7) % 28) };
    const response = await asShopper(devStore, customer.id, "/apps/loyalty/birthday", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(birthday),
    });
    if (!response.ok) throw new Error(`Saving the birthday of ${customer.email} failed: ${response.status} ${await response.text()}`);
  }
}

/** An order placed today with a code, paid at checkout. */
function placeRecentOrder({ devStore }: LivedInOptions, customerId: string, code: string, units: number) {
  const variants = devStore.store.products().map((product) => product.variants[0]);
  const pick = variants[Number(customerId.split("/").pop()) % variants.length];
  devStore.store.createOrder({
    customerId,
    lineItems: [{ variantId: pick.id, quantity: units }],
    shipping: { title: "Standard", price: "5.99" },
    discountCode: code,
  });
}

/** Shopify has delivered everything and the app has applied it. */
async function caughtUp({ devStore, database }: LivedInOptions) {
  await devStore.webhooks.idle();
  await waitFor("the app's webhook inbox", async () => {
    const { rows } = await database.query<{ pending: string }>(`SELECT count(*) AS pending FROM "WebhookEvent" WHERE "processedAt" IS NULL`);
    return Number(rows[0].pending) === 0;
  }, 600_000);
}

async function waitFor(what: string, done: () => Promise<boolean>, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`Seeding the demo: ${what} did not finish within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
