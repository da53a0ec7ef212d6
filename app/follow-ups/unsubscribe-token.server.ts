/**
 * The unsubscribe link's token: which shop and customer, signed with the app secret (HMAC-SHA256),
 * so it cannot be guessed or altered, and needs no table to look up.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface UnsubscribeSubject {
  shopId: string;
  customerShopifyId: string;
  /** The campaign whose email carried the link, so its page counts the unsubscribe. */
  campaignId?: string | null;
}

function signature(payload: string, secret: string): Buffer {
  return createHmac("sha256", secret).update(`follow-ups-unsubscribe:${payload}`).digest();
}

export function unsubscribeToken(subject: UnsubscribeSubject, secret: string): string {
  const fields = subject.campaignId ? [subject.shopId, subject.customerShopifyId, subject.campaignId] : [subject.shopId, subject.customerShopifyId];
  const payload = Buffer.from(JSON.stringify(fields)).toString("base64url");
  return `${payload}.${signature(payload, secret).toString("base64url")}`;
}

/** The subject of a genuine token, or null for anything else. */
export function readUnsubscribeToken(token: string | null | undefined, secret: string): UnsubscribeSubject | null {
  if (!token || token.length > 1024) return null;
  const [payload, mac, extra] = token.split(".");
  if (!payload || !mac || extra !== undefined) return null;
  const given = Buffer.from(mac, "base64url");
  const expected = signature(payload, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const [shopId, customerShopifyId, campaignId] = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown[];
    if (typeof shopId !== "string" || typeof customerShopifyId !== "string") return null;
    if (campaignId !== undefined && typeof campaignId !== "string") return null;
    return campaignId === undefined ? { shopId, customerShopifyId } : { shopId, customerShopifyId, campaignId };
  } catch {
    return null;
  }
}

export function unsubscribeUrl(appUrl: string, token: string): string {
  const url = new URL("/follow-ups/unsubscribe", appUrl);
  url.searchParams.set("token", token);
  return url.toString();
}
