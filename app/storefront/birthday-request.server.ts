/**
 * A signed-in shopper's birthday, however the shopper was verified (the app proxy's signature for the
 * storefront widget, a customer account session token for the account page): the limits counted, the
 * body read, the birthday stored (setCustomerBirthday) and the whole account answered, so either client
 * shows the saved date without asking again.
 */
import db, { pool } from "../db.server";
import { setCustomerBirthday } from "../loyalty/birthdays.server";
import { isoMonthDay, storefrontAccount } from "../loyalty/storefront-account.server";

import { BIRTHDAY_PER_CUSTOMER, BIRTHDAY_PER_IP, takeRateLimits } from "./rate-limits.server";

export interface BirthdayShopper {
  shop: string;
  customerGid: string;
  /** The shopper's address for the per-address limit ("unknown" when nothing says). */
  ip: string;
}

const NO_STORE = { "Cache-Control": "no-store" };

/** Body `{ month, day }` (both null removes it) → `{ birthday: "--MM-DD" | null, account }`, or `{ error }`. */
export async function setBirthdayForShopper(request: Request, shopper: BirthdayShopper, now = new Date()): Promise<Response> {
  const verdict = await takeRateLimits(
    db,
    shopper.shop,
    [
      { limit: BIRTHDAY_PER_CUSTOMER, subject: shopper.customerGid },
      { limit: BIRTHDAY_PER_IP, subject: shopper.ip },
    ],
    now,
  );
  if (!verdict.allowed) {
    return Response.json(
      { error: `Too many attempts. Try again in ${verdict.retryAfterSeconds} seconds.`, retryAfter: verdict.retryAfterSeconds },
      { status: 429, headers: { "Retry-After": String(verdict.retryAfterSeconds), ...NO_STORE } },
    );
  }
  const input = await request.json().catch(() => undefined);
  const outcome = await setCustomerBirthday(db, { shopDomain: shopper.shop, customerGid: shopper.customerGid, input, now });
  if (!outcome.ok) return Response.json({ error: outcome.error }, { status: outcome.status, headers: NO_STORE });
  const account = await storefrontAccount(pool, shopper.shop, shopper.customerGid, now);
  return Response.json({ birthday: isoMonthDay(outcome.birthday?.month ?? null, outcome.birthday?.day ?? null), account }, { headers: NO_STORE });
}
