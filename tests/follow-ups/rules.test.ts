/** The follow-up rules and templates, pure: clock and settings passed in. */
import { describe, expect, it } from "vitest";

import {
  isQuietTime,
  nextSendableTime,
  planFirstOrderFollowUps,
  planOrderFollowUps,
  planReplenishmentFollowUps,
  retryDelayMs,
  suggestReplenishmentInterval,
  whyNotSend,
  winBackWindow,
  type ExistingFollowUp,
  type FollowUpRules,
  type OrderFacts,
} from "../../app/follow-ups/rules";
import { DEFAULT_TEMPLATES, renderEmail } from "../../app/follow-ups/templates";
import { readUnsubscribeToken, unsubscribeToken } from "../../app/follow-ups/unsubscribe-token.server";

const NY = "America/New_York";
const rules: FollowUpRules = {
  timezone: NY,
  quietHours: { start: 21, end: 9 },
  thankYouEnabled: true,
  thankYouDelayMinutes: 30,
  nextPurchaseEnabled: true,
  nextPurchaseDelayDays: 14,
  replenishmentEnabled: true,
  replenishmentLeadDays: 7,
  winBackEnabled: true,
  winBackAfterDays: 60,
  pointsExpiryEnabled: true,
  pointsExpiryLeadDays: 14,
  surveyEnabled: false,
  surveyDelayDays: 7,
};
const TEA = "gid://shopify/Product/1";
const order = (id: string, placedAt: string, extra: Partial<OrderFacts> = {}): OrderFacts => ({
  shopifyId: `gid://shopify/Order/${id}`,
  customerShopifyId: "gid://shopify/Customer/9",
  placedAt: new Date(placedAt),
  financialStatus: "paid",
  cancelledAt: null,
  test: false,
  imported: false,
  lines: [{ productShopifyId: TEA, variantShopifyId: "gid://shopify/ProductVariant/11", title: "Tea" }],
  ...extra,
});
const asCustomerOrder = (facts: OrderFacts) => ({ ...facts, productShopifyIds: facts.lines.flatMap((l) => (l.productShopifyId ? [l.productShopifyId] : [])) });
const installedAt = new Date("2026-01-01T00:00:00Z");

describe("quiet hours in the shop's time zone", () => {
  it("moves a 23:30 New York send to 09:00 the next morning, and leaves a 14:00 one alone", () => {
    const late = new Date("2026-03-03T04:30:00Z"); // 23:30 EST
    expect(isQuietTime(late, NY, rules.quietHours)).toBe(true);
    expect(nextSendableTime(late, NY, rules.quietHours).toISOString()).toBe("2026-03-03T14:00:00.000Z");
    const afternoon = new Date("2026-03-03T19:00:00Z");
    expect(nextSendableTime(afternoon, NY, rules.quietHours)).toEqual(afternoon);
  });

  it("lands on 09:00 local across the spring daylight-saving change", () => {
    // 22:00 EST on 7 March 2026; clocks go forward at 02:00 on 8 March.
    expect(nextSendableTime(new Date("2026-03-08T03:00:00Z"), NY, rules.quietHours).toISOString()).toBe("2026-03-08T13:00:00.000Z");
  });

  it("has no quiet hours when start equals end, and handles a window inside one day", () => {
    expect(isQuietTime(new Date("2026-03-03T04:30:00Z"), NY, { start: 0, end: 0 })).toBe(false);
    expect(nextSendableTime(new Date("2026-03-03T17:30:00Z"), "UTC", { start: 12, end: 18 }).toISOString()).toBe("2026-03-03T18:00:00.000Z");
  });
});

describe("what an order schedules and cancels", () => {
  const now = new Date("2026-03-03T15:00:00Z"); // 10:00 EST
  it("a paid first order schedules the thank-you 30 minutes after it is seen paid, the next-purchase code, and a replenishment reminder", () => {
    const first = order("1", "2026-03-03T14:55:00Z");
    const plan = planOrderFollowUps({ order: first, customerOrders: [asCustomerOrder(first)], existing: [], rules, intervals: new Map([[TEA, { intervalDays: 90, leadDays: null }]]), installedAt, now });
    expect(plan.cancel).toEqual([]);
    expect(plan.create.map((f) => [f.kind, f.dueAt.toISOString()])).toEqual([
      ["THANK_YOU", "2026-03-03T15:30:00.000Z"],
      ["NEXT_PURCHASE", "2026-03-17T15:00:00.000Z"],
      ["REPLENISHMENT", "2026-05-25T14:55:00.000Z"], // 90 − 7 days after purchase, 10:55 EDT
    ]);
  });

  it("a product's own lead time replaces the shop's", () => {
    const first = order("1", "2026-03-03T14:55:00Z");
    const plan = planOrderFollowUps({ order: first, customerOrders: [asCustomerOrder(first)], existing: [], rules, intervals: new Map([[TEA, { intervalDays: 90, leadDays: 20 }]]), installedAt, now });
    expect(plan.create.find((f) => f.kind === "REPLENISHMENT")?.dueAt.toISOString()).toBe("2026-05-12T14:55:00.000Z"); // 90 − 20 days
  });

  it("a second order schedules no thank-you, and cancels the first order's reminder for the same product and its unsent code", () => {
    const first = order("1", "2026-01-10T15:00:00Z");
    const second = order("2", "2026-03-03T14:00:00Z");
    const existing = [
      { key: "replenishment:1", kind: "REPLENISHMENT" as const, status: "SCHEDULED" as const, orderShopifyId: first.shopifyId, orderPlacedAt: first.placedAt, productShopifyId: TEA },
      { key: "next-purchase:1", kind: "NEXT_PURCHASE" as const, status: "SCHEDULED" as const, orderShopifyId: first.shopifyId, orderPlacedAt: first.placedAt, productShopifyId: null },
      { key: "thank-you:1", kind: "THANK_YOU" as const, status: "SENT" as const, orderShopifyId: first.shopifyId, orderPlacedAt: first.placedAt, productShopifyId: null },
    ];
    const plan = planOrderFollowUps({ order: second, customerOrders: [first, second].map(asCustomerOrder), existing, rules, intervals: new Map([[TEA, { intervalDays: 90, leadDays: null }]]), installedAt, now });
    expect(plan.cancel).toEqual([
      { key: "replenishment:1", reason: "customer reordered the product" },
      { key: "next-purchase:1", reason: "customer ordered again" },
    ]);
    expect(plan.create.map((f) => f.kind)).toEqual(["REPLENISHMENT"]);
  });

  it("tells two orders of one second apart by their ids: order 10 is a reorder after order 9, not before it", () => {
    const first = order("9", "2026-03-03T14:55:00Z");
    const reorder = order("10", "2026-03-03T14:55:00Z");
    const intervals = new Map([[TEA, { intervalDays: 90, leadDays: null }]]);
    const firstPlan = planOrderFollowUps({ order: first, customerOrders: [first].map(asCustomerOrder), existing: [], rules, intervals, installedAt, now });
    const existing = firstPlan.create.map((f) => ({ ...f, status: "SCHEDULED" as const }));
    const plan = planOrderFollowUps({ order: reorder, customerOrders: [first, reorder].map(asCustomerOrder), existing, rules, intervals, installedAt, now });
    expect(plan.cancel).toEqual([
      { key: "next-purchase:gid://shopify/Order/9", reason: "customer ordered again" },
      { key: "replenishment:gid://shopify/Order/9:gid://shopify/Product/1", reason: "customer reordered the product" },
    ]);
    expect(plan.create.map((f) => f.kind)).toEqual(["REPLENISHMENT"]);
    // Order 9 seen again afterwards (orders/updated) keeps its place: it is the first, and bought again
    // (its code stays cancelled: the same cancellation again, nothing new).
    const afterReorder = [...existing, ...plan.create.map((f) => ({ ...f, status: "SCHEDULED" as const }))];
    const replay = planOrderFollowUps({ order: first, customerOrders: [reorder, first].map(asCustomerOrder), existing: afterReorder, rules, intervals, installedAt, now });
    expect(replay.cancel).toEqual([
      { key: "next-purchase:gid://shopify/Order/9", reason: "customer ordered again" },
      { key: "replenishment:gid://shopify/Order/9:gid://shopify/Product/1", reason: "customer reordered the product" },
    ]);
    expect(replay.create).toEqual([]);
  });

  it("a cancelled or fully refunded order cancels what it scheduled and schedules nothing", () => {
    for (const change of [{ cancelledAt: now }, { financialStatus: "refunded" }]) {
      const gone = order("1", "2026-03-03T14:55:00Z", change);
      const existing = [{ key: "thank-you:1", kind: "THANK_YOU" as const, status: "SCHEDULED" as const, orderShopifyId: gone.shopifyId, orderPlacedAt: gone.placedAt, productShopifyId: null }];
      const plan = planOrderFollowUps({ order: gone, customerOrders: [asCustomerOrder(gone)], existing, rules, intervals: new Map(), installedAt, now });
      expect(plan.create).toEqual([]);
      expect(plan.cancel).toEqual([{ key: "thank-you:1", reason: change.cancelledAt ? "order cancelled" : "order refunded" }]);
    }
  });

  it("waits for payment, and history from before the install schedules nothing", () => {
    const pending = order("1", "2026-03-03T14:55:00Z", { financialStatus: "pending" });
    expect(planOrderFollowUps({ order: pending, customerOrders: [asCustomerOrder(pending)], existing: [], rules, intervals: new Map(), installedAt, now }).create).toEqual([]);
    const old = order("1", "2025-06-01T14:55:00Z");
    expect(planOrderFollowUps({ order: old, customerOrders: [asCustomerOrder(old)], existing: [], rules, intervals: new Map([[TEA, { intervalDays: 90, leadDays: null }]]), installedAt, now }).create).toEqual([]);
  });

  it("an order that is not the customer's first gets no thank-you", () => {
    const earlier = order("0", "2025-06-01T14:55:00Z", { imported: true });
    const later = order("1", "2026-03-03T14:55:00Z");
    const plan = planOrderFollowUps({ order: later, customerOrders: [earlier, later].map(asCustomerOrder), existing: [], rules, intervals: new Map(), installedAt, now });
    expect(plan.create).toEqual([]);
  });
});

describe("replenishment reminders follow the latest purchase of each product", () => {
  const now = new Date("2026-03-03T15:00:00Z");
  const intervals = new Map([[TEA, { intervalDays: 90, leadDays: null }]]);
  const first = order("1", "2026-01-10T15:00:00Z");
  const reorder = order("2", "2026-03-03T14:00:00Z");
  const reorderCancelled = { ...reorder, cancelledAt: new Date("2026-03-03T16:00:00Z") };
  const reminder = (of: OrderFacts, status: ExistingFollowUp["status"], cancelReason: string | null = null): ExistingFollowUp => ({
    key: `replenishment:${of.shopifyId}:${TEA}`, kind: "REPLENISHMENT", status, orderShopifyId: of.shopifyId, orderPlacedAt: of.placedAt, productShopifyId: TEA, cancelReason,
  });
  const plan = (of: OrderFacts, orders: OrderFacts[], existing: ExistingFollowUp[]) =>
    planReplenishmentFollowUps({ order: of, customerOrders: orders.map(asCustomerOrder), existing, rules, intervals, installedAt, now });

  it("moves the reminder back to the first order when the reorder is cancelled, whichever arrived first", () => {
    // In order: the reorder cancelled the first order's reminder; its cancellation brings it back.
    const inOrder = plan(reorderCancelled, [first, reorderCancelled], [reminder(first, "CANCELLED", "customer reordered the product"), reminder(reorder, "SCHEDULED")]);
    expect(inOrder).toEqual({ create: [], cancel: [], revive: [`replenishment:gid://shopify/Order/1:${TEA}`] });
    // The reorder seen first: the first order never had a reminder; now it gets one, 90 − 7 days after it was placed.
    const reorderFirst = plan(reorderCancelled, [reorderCancelled, first], [reminder(reorder, "SCHEDULED")]);
    expect(reorderFirst.create).toEqual([
      {
        kind: "REPLENISHMENT",
        key: `replenishment:gid://shopify/Order/1:${TEA}`,
        dueAt: new Date("2026-04-03T15:00:00Z"), // 11:00 in New York, outside quiet hours
        orderShopifyId: first.shopifyId,
        orderPlacedAt: first.placedAt,
        productShopifyId: TEA,
        variantShopifyId: "gid://shopify/ProductVariant/11",
        productTitle: "Tea",
      },
    ]);
    // The first order arriving after the reorder schedules nothing: the reorder holds the reminder.
    expect(plan(first, [reorder, first], [reminder(reorder, "SCHEDULED")])).toEqual({ create: [], cancel: [], revive: [] });
  });

  it("never sends a reminder twice nor undoes the merchant's cancel", () => {
    expect(plan(reorderCancelled, [first, reorderCancelled], [reminder(first, "SENT")])).toEqual({ create: [], cancel: [], revive: [] });
    expect(plan(reorderCancelled, [first, reorderCancelled], [reminder(first, "CANCELLED", "cancelled by the merchant")])).toEqual({ create: [], cancel: [], revive: [] });
  });

  it("through planOrderFollowUps: the cancelled reorder's reminder is cancelled and the first order's comes back", () => {
    const orderPlan = planOrderFollowUps({
      order: reorderCancelled,
      customerOrders: [first, reorderCancelled].map(asCustomerOrder),
      existing: [reminder(first, "CANCELLED", "customer reordered the product"), reminder(reorder, "SCHEDULED")],
      rules,
      intervals,
      installedAt,
      now,
    });
    expect(orderPlan.cancel).toEqual([{ key: `replenishment:gid://shopify/Order/2:${TEA}`, reason: "order cancelled" }]);
    expect(orderPlan.revive).toEqual([`replenishment:gid://shopify/Order/1:${TEA}`]);
  });
});

describe("who receives what", () => {
  const customer = { email: "a@example.com", redactedAt: null, deletedAt: null };
  it("needs consent for marketing, never writes to a redacted, deleted or unsubscribed customer", () => {
    expect(whyNotSend({ kind: "THANK_YOU", enabled: true, customer, consentState: null, unsubscribed: false })).toBeNull();
    expect(whyNotSend({ kind: "WIN_BACK", enabled: true, customer, consentState: "NOT_SUBSCRIBED", unsubscribed: false })).toBe("no email marketing consent");
    expect(whyNotSend({ kind: "WIN_BACK", enabled: true, customer, consentState: "SUBSCRIBED", unsubscribed: false })).toBeNull();
    expect(whyNotSend({ kind: "THANK_YOU", enabled: true, customer: { ...customer, redactedAt: new Date() }, consentState: null, unsubscribed: false })).toBe("customer redacted");
    expect(whyNotSend({ kind: "THANK_YOU", enabled: true, customer: { ...customer, deletedAt: new Date() }, consentState: null, unsubscribed: false })).toBe("customer deleted");
    expect(whyNotSend({ kind: "THANK_YOU", enabled: true, customer, consentState: null, unsubscribed: true })).toBe("customer unsubscribed");
  });

  it("retries back off from a minute to at most an hour; win-back looks at lapses of the last 30 days", () => {
    expect([1, 2, 3, 10].map(retryDelayMs)).toEqual([60_000, 120_000, 240_000, 3_600_000]);
    const { from, to } = winBackWindow(new Date("2026-03-03T00:00:00Z"), { afterDays: 60, startedAt: null, pastDays: 0 });
    expect([from.toISOString(), to.toISOString()]).toEqual(["2025-12-03T00:00:00.000Z", "2026-01-02T00:00:00.000Z"]);
  });

  it("win-back reaches customers who lapse after it went on, and past customers only as far back as the merchant chose", () => {
    const window = (now: string, startedAt: string, pastDays: number) => {
      const { from, to } = winBackWindow(new Date(now), { afterDays: 60, startedAt: new Date(startedAt), pastDays });
      return [from.toISOString().slice(0, 10), to.toISOString().slice(0, 10)];
    };
    // Turned on today, from now on: nobody yet (an empty window).
    expect(window("2026-03-03T00:00:00Z", "2026-03-03T00:00:00Z", 0)).toEqual(["2026-01-02", "2026-01-02"]);
    // Ten days later: the ten days of lapses since (last orders 70 to 60 days ago), never the 180-days-lapsed.
    expect(window("2026-03-13T00:00:00Z", "2026-03-03T00:00:00Z", 0)).toEqual(["2026-01-02", "2026-01-12"]);
    // Months later: the usual 30-day catch-up window.
    expect(window("2026-09-01T00:00:00Z", "2026-03-03T00:00:00Z", 0)).toEqual(["2026-06-03", "2026-07-03"]);
    // Turned on including customers who lapsed up to 120 days before: last orders 60 to 180 days ago.
    expect(window("2026-03-03T00:00:00Z", "2026-03-03T00:00:00Z", 120)).toEqual(["2025-09-04", "2026-01-02"]);
  });

  it("suggests the median days between repeat purchases once there are enough", () => {
    expect(suggestReplenishmentInterval([88, 92, 90, 95, 85])).toBe(90);
    expect(suggestReplenishmentInterval([30, 40])).toBeNull();
  });
});

describe("email", () => {
  it("fills merge fields, escapes them in HTML, and leaves out a paragraph whose field has no value", () => {
    const email = renderEmail({
      kind: "WIN_BACK",
      template: DEFAULT_TEMPLATES.WIN_BACK,
      values: { first_name: "<Ana>", shop_name: "Tea & Co", code: null, reorder_link: "https://shop.example" },
      branding: { shopName: "Tea & Co", brandColor: "#aa0000", logoUrl: null },
      unsubscribeUrl: "https://app.example/follow-ups/unsubscribe?token=t",
    });
    expect(email.subject).toBe("We miss you, <Ana>");
    expect(email.text).toContain("Hi <Ana>,");
    expect(email.text).not.toContain("use code");
    expect(email.html).toContain("Hi &#60;Ana&#62;,");
    expect(email.html).toContain("background:#aa0000");
    expect(email.text).toContain("Unsubscribe: https://app.example/follow-ups/unsubscribe?token=t");
  });

  it("signs unsubscribe tokens: a changed customer or another secret is refused", () => {
    const token = unsubscribeToken({ shopId: "shop1", customerShopifyId: "gid://shopify/Customer/1" }, "secret");
    expect(readUnsubscribeToken(token, "secret")).toEqual({ shopId: "shop1", customerShopifyId: "gid://shopify/Customer/1" });
    expect(readUnsubscribeToken(token, "other")).toBeNull();
    const forged = `${Buffer.from(JSON.stringify(["shop1", "gid://shopify/Customer/2"])).toString("base64url")}.${token.split(".")[1]}`;
    expect(readUnsubscribeToken(forged, "secret")).toBeNull();
  });
});

describe("quiet hours across the autumn change", () => {
  it("lands on 09:00 EST after the clocks go back", () => {
    // 22:00 EDT on 31 October 2026; clocks go back at 02:00 on 1 November.
    expect(nextSendableTime(new Date("2026-11-01T02:00:00Z"), NY, rules.quietHours).toISOString()).toBe("2026-11-01T14:00:00.000Z");
  });
});

describe("the first order's follow-ups follow the customer's orders", () => {
  const now = new Date("2026-03-03T15:00:00Z");
  const noReplenishment = { ...rules, replenishmentEnabled: false };
  const scheduledFor = (plan: ReturnType<typeof planFirstOrderFollowUps>) => plan.create.map((f) => `${f.kind} ${f.orderShopifyId}`);
  const applied = (plan: ReturnType<typeof planFirstOrderFollowUps>, existing: ExistingFollowUp[]): ExistingFollowUp[] => [
    ...existing.map((f) => {
      const cancel = plan.cancel.find((c) => c.key === f.key);
      if (cancel) return { ...f, status: "CANCELLED" as const, cancelReason: cancel.reason };
      if (plan.revive.includes(f.key)) return { ...f, status: "SCHEDULED" as const, cancelReason: null };
      return f;
    }),
    ...plan.create.map((f) => ({ key: f.key, kind: f.kind, status: "SCHEDULED" as const, orderShopifyId: f.orderShopifyId, orderPlacedAt: f.orderPlacedAt, productShopifyId: null })),
  ];

  it("moves the thank-you and the code to the next order when the first is cancelled (A paid, B paid, A cancelled)", () => {
    const a = order("1", "2026-03-03T14:00:00Z");
    const b = order("2", "2026-03-03T14:10:00Z");
    let existing = applied(planFirstOrderFollowUps({ customerOrders: [a].map(asCustomerOrder), existing: [], rules: noReplenishment, installedAt, now }), []);
    const afterB = planFirstOrderFollowUps({ customerOrders: [a, b].map(asCustomerOrder), existing, rules: noReplenishment, installedAt, now });
    expect(afterB.cancel).toEqual([{ key: "next-purchase:gid://shopify/Order/1", reason: "customer ordered again" }]);
    existing = applied(afterB, existing);
    const afterCancel = planFirstOrderFollowUps({ customerOrders: [{ ...a, cancelledAt: now }, b].map(asCustomerOrder), existing, rules: noReplenishment, installedAt, now });
    expect(afterCancel.cancel).toEqual([{ key: "thank-you:gid://shopify/Order/1", reason: "order cancelled" }]);
    expect(scheduledFor(afterCancel)).toEqual(["THANK_YOU gid://shopify/Order/2", "NEXT_PURCHASE gid://shopify/Order/2"]);
  });

  it("brings back the first order's code when the order that cancelled it is cancelled (A paid, B paid, B cancelled)", () => {
    const a = order("1", "2026-03-03T14:00:00Z");
    const b = order("2", "2026-03-03T14:10:00Z");
    let existing = applied(planFirstOrderFollowUps({ customerOrders: [a].map(asCustomerOrder), existing: [], rules: noReplenishment, installedAt, now }), []);
    existing = applied(planFirstOrderFollowUps({ customerOrders: [a, b].map(asCustomerOrder), existing, rules: noReplenishment, installedAt, now }), existing);
    const plan = planFirstOrderFollowUps({ customerOrders: [a, { ...b, cancelledAt: now }].map(asCustomerOrder), existing, rules: noReplenishment, installedAt, now });
    expect(plan.revive).toEqual(["next-purchase:gid://shopify/Order/1"]);
    expect(plan.create).toEqual([]);
  });

  it("never thanks twice: a thank-you already sent for an order since cancelled is not sent for the next", () => {
    const a = order("1", "2026-03-03T14:00:00Z", { cancelledAt: now });
    const b = order("2", "2026-03-03T14:10:00Z");
    const sent: ExistingFollowUp[] = [{ key: "thank-you:gid://shopify/Order/1", kind: "THANK_YOU", status: "SENT", orderShopifyId: a.shopifyId, orderPlacedAt: a.placedAt, productShopifyId: null }];
    expect(scheduledFor(planFirstOrderFollowUps({ customerOrders: [a, b].map(asCustomerOrder), existing: sent, rules: noReplenishment, installedAt, now }))).toEqual([
      "NEXT_PURCHASE gid://shopify/Order/2",
    ]);
  });
});
