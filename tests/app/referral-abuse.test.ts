/**
 * A referrer ordering through their own link under another name earns nothing: the friend's order
 * shipped or billed to the referrer's address (written differently), or carrying their phone or
 * email, is refused with a reason the merchant sees. Through signed webhooks on a real database.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { pointsBalance } from "../../app/loyalty/ledger.server";
import { recordReferral } from "../../app/loyalty/referrals.server";
import type { NewAddress } from "../../dev-store/store/shop-inputs";
import { DESKTOP_USER_AGENT } from "../support/browser";
import { startTestApp, type TestApp } from "../support/test-app";

let app: TestApp;
let shopId: string;
let variantId: string;

beforeAll(async () => {
  app = await startTestApp();
  variantId = app.devStore.store.createProduct({ title: "Tea", variants: [{ price: "20.00" }] }).variants[0].id;
  shopId = await app.installAndImportHistory();
}, 60_000);
afterAll(async () => {
  await app?.close();
});

const store = () => app.devStore.store;
const RITA_HOME: NewAddress = { address1: "12 Harbour Street", address2: "Flat 3", city: "Leith", zip: "EH6 6QT", countryCode: "GB" };

async function stored(customerShopifyId: string) {
  return app.db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } } });
}

/** Rita, a customer with an account, her home address and phone; the referral her link recorded for a newcomer's email. */
async function ritaReferring(friendEmail: string) {
  const rita = store().createCustomer({ email: `rita.${randomUUID()}@gmail.com`, phone: "+44 7700 900123", hasAccount: true, address: RITA_HOME });
  await app.devStore.webhooks.idle();
  const outcome = await recordReferral(app.db, { shopId, code: (await stored(rita.id)).referralCode, friend: { email: friendEmail }, now: new Date() });
  expect(outcome.status).toBe("recorded");
  return rita;
}

/** The "friend" checks out as a guest with a new email: Shopify makes a customer record from the checkout. */
async function newcomerOrders(email: string, order: { shippingAddress?: NewAddress; billingAddress?: NewAddress; phone?: string } = {}) {
  const friend = store().createCustomer({ email, phone: order.phone ?? null, hasAccount: false });
  store().createOrder({ customerId: friend.id, lineItems: [{ variantId, quantity: 1 }], shippingAddress: order.shippingAddress, billingAddress: order.billingAddress });
  await app.devStore.webhooks.idle();
  return friend;
}

const referralOf = async (referrerShopifyId: string) => app.db.referral.findFirstOrThrow({ where: { referrer: { shopifyId: referrerShopifyId } } });
const balanceOf = async (shopifyId: string) => (await pointsBalance(app.db, (await stored(shopifyId)).id, new Date())).total;

describe("self-referral under another name", () => {
  it("refuses a friend whose order ships to the referrer's address, however it is written", async () => {
    const email = `${randomUUID()}@example.com`;
    const rita = await ritaReferring(email);
    await newcomerOrders(email, { shippingAddress: { address1: "12, harbour st.", address2: "FLAT 3", zip: "eh66qt", countryCode: "gb", city: "Edinburgh" } });
    expect(await referralOf(rita.id)).toMatchObject({ status: "REFUSED", refusalReason: "same_address" });
    expect(await balanceOf(rita.id)).toBe(100);
    // The merchant reads why on the referrer's page.
    const page = await fetch(`${app.appUrl}/app/customers/${(await stored(rita.id)).id}?_data=${encodeURIComponent("routes/app.customers_.$id")}`, {
      headers: { Authorization: `Bearer ${app.devStore.sessionToken()}`, "User-Agent": DESKTOP_USER_AGENT },
    });
    expect((await page.json()).customer.referrals).toEqual([expect.objectContaining({ status: "REFUSED", refusalReason: "same_address" })]);
  });

  it("refuses a friend billed at the referrer's address", async () => {
    const email = `${randomUUID()}@example.com`;
    const rita = await ritaReferring(email);
    await newcomerOrders(email, { shippingAddress: { address1: "1 Elsewhere Road", zip: "G1 1AA", countryCode: "GB" }, billingAddress: { ...RITA_HOME, address1: "12 HARBOUR  STREET" } });
    expect(await referralOf(rita.id)).toMatchObject({ status: "REFUSED", refusalReason: "same_address" });
    expect(await balanceOf(rita.id)).toBe(100);
  });

  it("refuses a friend with the referrer's phone number", async () => {
    const email = `${randomUUID()}@example.com`;
    const rita = await ritaReferring(email);
    await newcomerOrders(email, { phone: "07700 900123", shippingAddress: { address1: "1 Elsewhere Road", zip: "G1 1AA", countryCode: "GB" } });
    expect(await referralOf(rita.id)).toMatchObject({ status: "REFUSED", refusalReason: "self_referral" });
    expect(await balanceOf(rita.id)).toBe(100);
  });

  it("still rewards a real friend living elsewhere", async () => {
    const email = `${randomUUID()}@example.com`;
    const rita = await ritaReferring(email);
    await newcomerOrders(email, { shippingAddress: { address1: "12 Harbour Street", address2: "Flat 4", zip: "EH6 6QT", countryCode: "GB" } });
    expect(await referralOf(rita.id)).toMatchObject({ status: "REWARDED" });
    expect(await balanceOf(rita.id)).toBe(100 + 500);
  });
});
