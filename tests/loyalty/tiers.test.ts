/**
 * VIP tiers with known answers, through real signed webhooks applied by the app's inbox: tier up and
 * down with refunds, the multiplier on spend points (the tier held at each order's placement, whatever
 * order the deliveries come in), the entry reward once, the retention period of a rolling window, the
 * merchant's override and its clearing, and a tier-only reward refused below its tier.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { pointsBalance } from "../../app/loyalty/ledger.server";
import { updateProgramSettings } from "../../app/loyalty/settings.server";
import {
  customerTiers,
  customerTierView,
  recomputeShopTiers,
  saveTier,
  saveTierProgram,
  setTierOverride,
  tierHistory,
  tierRefusal,
  tierReport,
  TierOverrideError,
} from "../../app/loyalty/tiers.server";
import { DESKTOP_USER_AGENT } from "../support/browser";
import { signedAppProxyQuery } from "../support/shopify-library";
import { startTestApp, type TestApp } from "../support/test-app";
import { samplePayload, sendWebhook } from "../support/webhooks";

let app: TestApp;
let shopId: string;
/** Orders are placed in the hour after this (the program started before it). */
let base: number;

beforeAll(async () => {
  app = await startTestApp();
  shopId = await app.installAndImportHistory();
  // The program started a day ago, so orders placed in the last hours earn, and sit in the past.
  await app.db.shop.update({ where: { id: shopId }, data: { installedAt: new Date(Date.now() - 86_400_000) } });
  base = Date.now() - 3_600_000;
  const updated = await updateProgramSettings(app.db, shopId, { secondPurchaseBonus: 0, welcomePoints: 0 });
  expect(updated.ok).toBe(true);
  expect(await saveTierProgram(app.db, shopId, { tierBasis: "AMOUNT_SPENT", tierWindowMonths: "", tierRetentionDays: "0" })).toEqual({ ok: true });
  // Silver from 150.00 spent (1.5 times the spend points, 50 on entry), Gold from 400.00 (2 times, 200).
  expect(await saveTier(app.db, shopId, null, { name: "Silver", threshold: "150", multiplierPercent: "150", entryRewardPoints: "50", benefits: "1.5x points" })).toEqual({ ok: true });
  expect(await saveTier(app.db, shopId, null, { name: "Gold", threshold: "400", multiplierPercent: "200", entryRewardPoints: "200", benefits: "Double points" })).toEqual({ ok: true });
}, 90_000);
afterAll(async () => {
  await app?.close();
});

const gid = (type: string) => `gid://shopify/${type}/${Math.floor(Math.random() * 1e12)}`;
const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();

/** Shopify's sample orders/updated, made into one version of one order of `amount` placed at `placedAt`. */
function orderVersion(args: { orderId: string; customerId: string; placedAt: string; updatedAt?: string; amount: string; status: string; refunds?: unknown[]; cancelledAt?: string }) {
  const payload = samplePayload<Record<string, any>>("orders/updated");
  payload.admin_graphql_api_id = args.orderId;
  payload.created_at = args.placedAt;
  payload.updated_at = args.updatedAt ?? args.placedAt;
  payload.financial_status = args.status;
  payload.test = false;
  payload.cancelled_at = args.cancelledAt ?? null;
  payload.customer = { ...payload.customer, admin_graphql_api_id: args.customerId, state: "disabled", email: `${randomUUID()}@example.com` };
  payload.subtotal_price_set = { shop_money: { amount: args.amount, currency_code: "USD" }, presentment_money: { amount: args.amount, currency_code: "USD" } };
  payload.refunds = args.refunds ?? [];
  return payload;
}

function refundOf(amount: string, orderId: string, createdAt: string) {
  const refund = samplePayload<Record<string, any>>("refunds/create");
  refund.admin_graphql_api_id = gid("Refund");
  refund.created_at = createdAt;
  refund.order_id = Number(orderId.split("/").pop());
  refund.refund_line_items = [{ ...refund.refund_line_items[0], subtotal_set: { shop_money: { amount, currency_code: "USD" } }, total_tax_set: { shop_money: { amount: "0.00", currency_code: "USD" } } }];
  return refund;
}

async function customerOf(shopifyId: string) {
  return app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId } } });
}

async function balanceOf(shopifyId: string): Promise<number> {
  const customer = await customerOf(shopifyId);
  return (await pointsBalance(app.db, customer.id, new Date(Date.now() + 400 * 86_400_000))).total;
}

async function pointsByReason(shopifyId: string) {
  const customer = await customerOf(shopifyId);
  const sums = await app.db.pointsLedgerEntry.groupBy({ by: ["reason"], where: { customerId: customer.id }, _sum: { points: true } });
  return Object.fromEntries(sums.map((sum) => [sum.reason, sum._sum.points ?? 0]).filter(([, points]) => points !== 0));
}

async function tierOf(shopifyId: string): Promise<string | null> {
  const customer = await customerOf(shopifyId);
  return (await customerTiers(app.db, shopId, [customer.id])).get(customer.id)?.name ?? null;
}

async function changesOf(shopifyId: string) {
  const customer = await customerOf(shopifyId);
  return (await tierHistory(app.db, shopId, customer.id)).reverse().map((change) => [change.fromTierName, change.toTierName, change.reason]);
}

async function send(topic: string, payload: unknown) {
  expect((await sendWebhook(app, topic, payload)).status).toBe(200);
}

describe("a customer's tier from what they spend", () => {
  it("goes up when purchases reach a threshold and down when a refund takes it away; the multiplier and the entry reward follow", async () => {
    const customerId = gid("Customer");
    const [a, b, c, d] = [gid("Order"), gid("Order"), gid("Order"), gid("Order")];
    await send("orders/paid", orderVersion({ orderId: a, customerId, placedAt: at(0), amount: "100.00", status: "paid" }));
    expect(await tierOf(customerId)).toBe(null);
    // 200.00 spent: Silver (50 entry points). Order b itself was placed with 100.00 behind it: no multiplier.
    await send("orders/paid", orderVersion({ orderId: b, customerId, placedAt: at(1), amount: "100.00", status: "paid" }));
    expect(await tierOf(customerId)).toBe("Silver");
    // Order c is placed as a Silver customer: 40 points and half again (20).
    await send("orders/paid", orderVersion({ orderId: c, customerId, placedAt: at(2), amount: "40.00", status: "paid" }));
    expect(await pointsByReason(customerId)).toEqual({ SPEND: 240, TIER_BONUS: 20, TIER_ENTRY: 50 });
    expect(await balanceOf(customerId)).toBe(310);

    // Order b refunded in full: 140.00 kept, below Silver at once (a refund, not a lapse). Order c was
    // then placed with 100.00 behind it, so its multiplier goes; the entry reward stays.
    const refund = refundOf("100.00", b, at(3));
    await send("refunds/create", refund);
    await send("orders/updated", orderVersion({ orderId: b, customerId, placedAt: at(1), updatedAt: at(3), amount: "100.00", status: "refunded", refunds: [refund] }));
    expect(await tierOf(customerId)).toBe(null);
    expect(await pointsByReason(customerId)).toEqual({ SPEND: 240, REFUND: -100, TIER_ENTRY: 50 });
    expect(await balanceOf(customerId)).toBe(190);

    // 20.00 more: Silver again, and no second entry reward.
    await send("orders/paid", orderVersion({ orderId: d, customerId, placedAt: at(4), amount: "20.00", status: "paid" }));
    expect(await tierOf(customerId)).toBe("Silver");
    expect(await balanceOf(customerId)).toBe(210);
    expect(await changesOf(customerId)).toEqual([
      [null, "Silver", "EARNED"],
      ["Silver", null, "REFUND"],
      [null, "Silver", "EARNED"],
    ]);

    // A repeated delivery changes nothing.
    await send("orders/paid", orderVersion({ orderId: c, customerId, placedAt: at(2), amount: "40.00", status: "paid" }));
    expect(await balanceOf(customerId)).toBe(210);
    expect(await changesOf(customerId)).toHaveLength(3);
  });

  it("multiplies an order's spend points by the tier held when it was placed, whatever order the deliveries arrive in", async () => {
    // In placement order: 300.00 (nothing behind it), 150.00 (300.00 behind it: Silver), 50.00 (450.00 behind it: Gold).
    const plan = [
      { amount: "300.00", minute: 10 },
      { amount: "150.00", minute: 11 },
      { amount: "50.00", minute: 12 },
    ];
    const expected = { SPEND: 500, TIER_BONUS: 75 + 50, TIER_ENTRY: 250 };
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
      const customerId = gid("Customer");
      const ids = plan.map(() => gid("Order"));
      for (const index of order) {
        await send("orders/paid", orderVersion({ orderId: ids[index], customerId, placedAt: at(plan[index].minute), amount: plan[index].amount, status: "paid" }));
      }
      // 150.00 placed as Silver (300 behind it): 75 more; 50.00 placed as Gold (450 behind it): 50 more.
      expect(await pointsByReason(customerId)).toEqual(expected);
      expect(await tierOf(customerId)).toBe("Gold");
    }
  });

  it("shows the customer's progress to the next tier", async () => {
    const customerId = gid("Customer");
    await send("orders/paid", orderVersion({ orderId: gid("Order"), customerId, placedAt: at(20), amount: "175.50", status: "paid" }));
    const customer = await customerOf(customerId);
    const view = await customerTierView(app.db, shopId, customer, new Date());
    expect(view?.tier?.name).toBe("Silver");
    expect(view?.progress.next?.name).toBe("Gold");
    // 400.00 − 175.50 = 224.50, in ten-thousandths.
    expect(view?.progress.remaining).toBe(2_245_000);
  });
});

describe("the retention period", () => {
  it("keeps a tier for the retention days after a rolling window passes its purchases, then downgrades", async () => {
    expect(await saveTierProgram(app.db, shopId, { tierBasis: "AMOUNT_SPENT", tierWindowMonths: "12", tierRetentionDays: "30" })).toEqual({ ok: true });
    const customerId = gid("Customer");
    const placedAt = at(30);
    await send("orders/paid", orderVersion({ orderId: gid("Order"), customerId, placedAt, amount: "200.00", status: "paid" }));
    expect(await tierOf(customerId)).toBe("Silver");
    const yearLater = new Date(placedAt);
    yearLater.setUTCMonth(yearLater.getUTCMonth() + 12);
    const day = 86_400_000;
    // The window passed the purchase a day ago: 29 days of retention left.
    await recomputeShopTiers(app.db, shopId, new Date(yearLater.getTime() + day));
    expect(await tierOf(customerId)).toBe("Silver");
    await recomputeShopTiers(app.db, shopId, new Date(yearLater.getTime() + 29 * day));
    expect(await tierOf(customerId)).toBe("Silver");
    await recomputeShopTiers(app.db, shopId, new Date(yearLater.getTime() + 30 * day + 1000));
    expect(await tierOf(customerId)).toBe(null);
    expect(await changesOf(customerId)).toEqual([
      [null, "Silver", "EARNED"],
      ["Silver", null, "DOWNGRADED"],
    ]);
    expect(await saveTierProgram(app.db, shopId, { tierBasis: "AMOUNT_SPENT", tierWindowMonths: "", tierRetentionDays: "0" })).toEqual({ ok: true });
  });
});

describe("the merchant's override", () => {
  it("puts a customer in a tier with a reason, gives its entry reward once, and clearing it returns them to what they earned", async () => {
    const customerId = gid("Customer");
    await send("orders/paid", orderVersion({ orderId: gid("Order"), customerId, placedAt: at(40), amount: "160.00", status: "paid" }));
    const customer = await customerOf(customerId);
    expect(await tierOf(customerId)).toBe("Silver");
    const gold = await app.db.tier.findFirstOrThrow({ where: { shopId, name: "Gold" } });

    await expect(setTierOverride(app.db, { shopId, customerId: customer.id, tierId: gold.id, reason: "  ", now: new Date() })).rejects.toThrow(TierOverrideError);
    const overrideAt = new Date();
    await setTierOverride(app.db, { shopId, customerId: customer.id, tierId: gold.id, reason: "Wholesale partner", now: overrideAt });
    expect(await tierOf(customerId)).toBe("Gold");
    // An order placed under the override is multiplied by Gold's 2 times: 10 points and 10 more.
    await send("orders/paid", orderVersion({ orderId: gid("Order"), customerId, placedAt: new Date(overrideAt.getTime() + 1).toISOString(), amount: "10.00", status: "paid" }));
    expect(await tierOf(customerId)).toBe("Gold");
    expect(await pointsByReason(customerId)).toEqual({ SPEND: 170, TIER_BONUS: 10, TIER_ENTRY: 250 });

    await setTierOverride(app.db, { shopId, customerId: customer.id, tierId: null, reason: "", now: new Date() });
    expect(await tierOf(customerId)).toBe("Silver");
    // The order placed under the override keeps its multiplier; Gold's entry reward is not given twice.
    await setTierOverride(app.db, { shopId, customerId: customer.id, tierId: gold.id, reason: "Again", now: new Date() });
    await setTierOverride(app.db, { shopId, customerId: customer.id, tierId: null, reason: "", now: new Date() });
    expect(await pointsByReason(customerId)).toEqual({ SPEND: 170, TIER_BONUS: 10, TIER_ENTRY: 250 });
    const history = await tierHistory(app.db, shopId, customer.id);
    expect(history.reverse().map((c) => [c.fromTierName, c.toTierName, c.reason, c.note])).toEqual([
      [null, "Silver", "EARNED", null],
      ["Silver", "Gold", "OVERRIDE", "Wholesale partner"],
      ["Gold", "Silver", "OVERRIDE_CLEARED", null],
      ["Silver", "Gold", "OVERRIDE", "Again"],
      ["Gold", "Silver", "OVERRIDE_CLEARED", null],
    ]);
  });
});

describe("tier-only rewards", () => {
  it("refuses a customer below the reward's tier with the reason, and lets a holder through", async () => {
    const gold = await app.db.tier.findFirstOrThrow({ where: { shopId, name: "Gold" } });
    const silverCustomer = gid("Customer");
    await send("orders/paid", orderVersion({ orderId: gid("Order"), customerId: silverCustomer, placedAt: at(50), amount: "150.00", status: "paid" }));
    const silver = await customerOf(silverCustomer);
    expect(await tierRefusal(app.db, shopId, silver.id, gold.id)).toBe("This reward is for Gold members and above; you are Silver.");
    const nobody = gid("Customer");
    await send("orders/paid", orderVersion({ orderId: gid("Order"), customerId: nobody, placedAt: at(51), amount: "5.00", status: "paid" }));
    expect(await tierRefusal(app.db, shopId, (await customerOf(nobody)).id, gold.id)).toBe("This reward is for Gold members and above; you have no tier yet.");
    const goldCustomer = gid("Customer");
    await send("orders/paid", orderVersion({ orderId: gid("Order"), customerId: goldCustomer, placedAt: at(52), amount: "500.00", status: "paid" }));
    expect(await tierRefusal(app.db, shopId, (await customerOf(goldCustomer)).id, gold.id)).toBe(null);

    // Through the storefront's signed app proxy: the widget shows the reward locked with the reason,
    // and redeeming it is refused with the same sentence, the points untouched.
    const reward = await app.db.reward.create({ data: { shopId, name: "Gold tasting box", kind: "FREE_SHIPPING", pointsCost: 50, minTierId: gold.id } });
    const account = (await (await fetch(`${app.appUrl}/proxy/customer?${signedAppProxyQuery(silverCustomer)}`)).json()) as {
      rewards: { id: string; affordable: boolean; tier?: string; locked?: string }[];
      tier: { name: string; next: { name: string; amountToGo?: string } | null } | null;
    };
    expect(account.rewards.find((r) => r.id === reward.id)).toMatchObject({ affordable: false, tier: "Gold", locked: "This reward is for Gold members and above; you are Silver." });
    expect(account.tier).toMatchObject({ name: "Silver", next: { name: "Gold", amountToGo: "$250.00" } });
    const before = await balanceOf(silverCustomer);
    const refused = await fetch(`${app.appUrl}/proxy/redeem?${signedAppProxyQuery(silverCustomer)}`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ rewardId: reward.id, idempotencyKey: randomUUID() }),
    });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error).toBe("This reward is for Gold members and above; you are Silver.");
    expect(await balanceOf(silverCustomer)).toBe(before);
  });
});

describe("the tier report", () => {
  it("counts members per tier with their average order value and repeat rate", async () => {
    const rows = await tierReport(app.db, shopId);
    const names = rows.map((row) => row.tier);
    expect(names).toEqual(["No tier", "Silver", "Gold"]);
    for (const row of rows) expect(row.members).toBeGreaterThan(0);
  });
});

describe("points given by hand, with a ladder by points earned", () => {
  it("move the customer's tier as the merchant saves the adjustment, not at the next daily run", async () => {
    expect(await saveTierProgram(app.db, shopId, { tierBasis: "POINTS_EARNED", tierWindowMonths: "", tierRetentionDays: "0" })).toEqual({ ok: true });
    try {
      const customerId = gid("Customer");
      await send("orders/paid", orderVersion({ orderId: gid("Order"), customerId, placedAt: at(50), amount: "20.00", status: "paid" }));
      expect(await tierOf(customerId)).toBeNull();
      const customer = await customerOf(customerId);
      // The customer page's form, as the embedded admin posts it with its session token.
      const response = await fetch(`${app.appUrl}/app/customers/${customer.id}?_data=${encodeURIComponent("routes/app.customers_.$id")}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${app.devStore.sessionToken()}`, "User-Agent": DESKTOP_USER_AGENT },
        body: new URLSearchParams({ points: "150", reason: "Made up for a late parcel", adjustmentId: randomUUID() }),
      });
      expect(response.status).toBe(200);
      expect((await response.json()).ok).toBe(true);
      // 20 spend points and 150 by hand: Silver from 150 points earned, with its entry reward.
      expect(await tierOf(customerId)).toBe("Silver");
      expect(await changesOf(customerId)).toEqual([[null, "Silver", "EARNED"]]);
      expect(await pointsByReason(customerId)).toEqual({ SPEND: 20, ADJUSTMENT: 150, TIER_ENTRY: 50 });
    } finally {
      expect(await saveTierProgram(app.db, shopId, { tierBasis: "AMOUNT_SPENT", tierWindowMonths: "", tierRetentionDays: "0" })).toEqual({ ok: true });
    }
  });
});
