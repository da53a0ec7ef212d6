/**
 * The extension's calls to the app: each one carries a fresh session token (Shopify caches and renews
 * it), from which the app reads the shop and the signed-in customer. Nothing else identifies them.
 */
import type { OrderPoints } from "../../../app/loyalty/order-points.server";
import type { StorefrontAccount } from "../../../app/loyalty/storefront-account.server";
import { APP_URL } from "./app-url";

/**
 * The account the page shows: the storefront widget's (storefrontAccount, which carries the birthday
 * when the program gives birthday points, and the tier when it has tiers). A section is shown only when the app's answer carries its field.
 */
export type LoyaltyAccount = StorefrontAccount;

export type RedeemAnswer =
  | { ok: true; code: string; reward: string; endsAt: string; account: LoyaltyAccount }
  | { ok: false; error: string; points?: { balance: number; pending: number } };

export type { OrderPoints };

export interface SessionTokenSource {
  get(): Promise<string>;
}

async function callApp(sessionToken: SessionTokenSource, path: string, init: RequestInit = {}): Promise<Response> {
  const token = await sessionToken.get();
  return fetch(`${APP_URL}${path}`, {
    ...init,
    headers: { Accept: "application/json", Authorization: `Bearer ${token}`, ...(init.body ? { "Content-Type": "application/json" } : {}) },
  });
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`The app answered ${response.status}`);
  return (await response.json()) as T;
}

export async function loadAccount(sessionToken: SessionTokenSource): Promise<LoyaltyAccount> {
  return json<LoyaltyAccount>(await callApp(sessionToken, "/customer-account/account"));
}

/** Redeems `rewardId`; `idempotencyKey` is the click's, so a retried request never charges twice. */
export async function redeem(sessionToken: SessionTokenSource, rewardId: string, idempotencyKey: string): Promise<RedeemAnswer> {
  const response = await callApp(sessionToken, "/customer-account/redeem", { method: "POST", body: JSON.stringify({ rewardId, idempotencyKey }) });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok) return { ok: true, ...(body as { code: string; reward: string; endsAt: string; account: LoyaltyAccount }) };
  const points = body.points as { balance: number; pending: number } | undefined;
  return { ok: false, error: typeof body.error === "string" ? body.error : `The app answered ${response.status}`, ...(points ? { points } : {}) };
}

/** Gives or changes the customer's birthday (month 1-12 and day, as typed: the app says what is wrong). */
export async function saveBirthday(
  sessionToken: SessionTokenSource,
  month: string,
  day: string,
): Promise<{ ok: true; birthday: string | null; account: LoyaltyAccount } | { ok: false; error: string }> {
  const response = await callApp(sessionToken, "/customer-account/birthday", { method: "POST", body: JSON.stringify({ month, day }) });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok) return { ok: true, ...(body as { birthday: string | null; account: LoyaltyAccount }) };
  return { ok: false, error: typeof body.error === "string" ? body.error : `The app answered ${response.status}` };
}

/** What the order (its GID, gid://shopify/Order/<id>) earned the signed-in customer. */
export async function loadOrderPoints(sessionToken: SessionTokenSource, orderGid: string): Promise<OrderPoints> {
  const id = /^gid:\/\/shopify\/Order\/(\d+)$/.exec(orderGid)?.[1];
  if (!id) throw new Error(`Not an order id: ${orderGid}`);
  return json<OrderPoints>(await callApp(sessionToken, `/customer-account/orders/${id}`));
}

/** "1,500 points", "1 point": the program's name for its points, as the server's pointsText writes it. */
export function pointsLabel(points: number, pointsName: string, formatNumber: (value: number) => string): string {
  const name = Math.abs(points) === 1 && pointsName.length > 1 && pointsName.endsWith("s") ? pointsName.slice(0, -1) : pointsName;
  return `${formatNumber(points)} ${name}`;
}
