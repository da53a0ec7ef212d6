/**
 * What every customer account route (app/routes/customer-account.*) starts with: the customer account
 * UI extension's session token verified by `authenticate.public.customerAccount` (HS256 with the app's
 * secret, not expired, not before its time), then the claims this app relies on: issued for this app
 * (`aud`, which the library leaves unchecked for extension tokens), the shop it came from (`dest`) and
 * a signed-in customer (`sub`, a Customer GID). The shop and customer are only ever read from the token.
 */
import { env } from "../env.server";
import { authenticate } from "../shopify.server";
import { clientAddress, type ConnectionContext } from "./app-proxy.server";

export interface AccountCustomer {
  shop: string;
  customerGid: string;
  /** The shopper's address, for the per-address redeem limit. */
  ip: string;
  /** Adds the CORS headers the extension's origin needs (the library's helper). */
  cors: (response: Response) => Response;
}

const CUSTOMER_GID = /^gid:\/\/shopify\/Customer\/[1-9]\d*$/;
const SHOP_DOMAIN = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;

/** An answer the extension can read: JSON, never cached, with CORS for the extension's origin. */
export function accountError(request: Request, status: number, message: string, headers: Record<string, string> = {}): Response {
  return withCors(request, Response.json({ error: message }, { status, headers: { "Cache-Control": "no-store", ...headers } }));
}

/**
 * The library answers a preflight (204), a bot (410) and a bad token (401) by throwing a Response
 * without CORS headers, which the extension could not read: these get the same headers as any answer.
 */
function withCors(request: Request, response: Response): Response {
  if (request.headers.get("Origin")) {
    const headers = new Headers(response.headers);
    headers.set("Access-Control-Allow-Origin", "*");
    headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
    if (request.method === "OPTIONS") headers.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
  return response;
}

/** `dest` as Shopify writes it in these tokens ("shop.myshopify.com"; admin tokens carry "https://…"). */
function shopOf(dest: unknown): string | null {
  if (typeof dest !== "string") return null;
  const shop = dest.replace(/^https:\/\//, "").replace(/\/$/, "").toLowerCase();
  return SHOP_DOMAIN.test(shop) ? shop : null;
}

/** The verified customer, or the response that refuses the request (a preflight's answer included). */
export async function verifiedAccountCustomer(request: Request, connection: ConnectionContext = {}): Promise<AccountCustomer | Response> {
  let verified: Awaited<ReturnType<typeof authenticate.public.customerAccount>>;
  try {
    verified = await authenticate.public.customerAccount(request);
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    return thrown.status === 401 ? accountError(request, 401, "Sign in again to see your points.") : withCors(request, thrown);
  }
  const { sessionToken, cors } = verified;
  if (sessionToken.aud !== env().SHOPIFY_API_KEY) return accountError(request, 401, "This session is not for this app.");
  const shop = shopOf(sessionToken.dest);
  if (!shop) return accountError(request, 401, "This session names no shop.");
  const customerGid = typeof sessionToken.sub === "string" && CUSTOMER_GID.test(sessionToken.sub) ? sessionToken.sub : null;
  if (!customerGid) return accountError(request, 401, "Sign in to see your points.");
  return {
    shop,
    customerGid,
    // The extension calls the app straight from the shopper's browser: one trusted hop fewer than
    // through Shopify's app proxy (TRUSTED_PROXY_HOPS counts that proxy).
    ip: clientAddress(request.headers.get("x-forwarded-for"), typeof connection.socketAddress === "string" ? connection.socketAddress : null, Math.max(0, env().TRUSTED_PROXY_HOPS - 1)),
    cors,
  };
}
