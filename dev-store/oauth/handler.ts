/**
 * POST /admin/oauth/access_token for an embedded app with Shopify-managed installation: token exchange
 * of a session token (the first one installs the app with the scopes in shopify.app.toml) and the
 * refresh-token grant for expiring offline tokens. Errors are Shopify's OAuth error JSON.
 */
import type { DevStoreConfig } from "../config";
import { legacyResourceId } from "../store/gid";
import type { ShopData } from "../store/shop-data";
import { readBody, requestedShop, sendShopNotFound } from "../admin-api/http";
import { requestUrl, sendJson, type DevStoreRequestHandler } from "../http";
import { issueOfflineToken, issueOnlineToken, refreshOfflineToken } from "./access-tokens";
import { readAppScopes } from "./app-scopes";
import { verifySessionToken } from "./session-token";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
export const OFFLINE_ACCESS_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";
export const ONLINE_ACCESS_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token";

export interface OAuthHandlerOptions {
  store: ShopData;
  config: Pick<DevStoreConfig, "shop" | "apiKey" | "apiSecret" | "appTomlPath">;
  now?: () => Date;
}

type OAuthError = { status: number; body: { error: string; error_description: string } };

const oauthError = (status: number, error: string, description: string): OAuthError => ({
  status,
  body: { error, error_description: description },
});

const INVALID_CLIENT = oauthError(
  401,
  "invalid_client",
  "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
);
const INVALID_SUBJECT_TOKEN = oauthError(400, "invalid_subject_token", "Token exchange cannot be performed due to an invalid subject token.");

function parseForm(contentType: string | undefined, body: string): Record<string, unknown> | null {
  try {
    if (contentType?.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(body));
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function createOAuthHandler({ store, config, now = () => new Date() }: OAuthHandlerOptions): DevStoreRequestHandler {
  const tokenRequest = (form: Record<string, unknown>): OAuthError | { status: 200; body: Record<string, unknown> } => {
    if (form.client_id !== config.apiKey || form.client_secret !== config.apiSecret) return INVALID_CLIENT;
    const at = now();

    if (form.grant_type === "refresh_token") {
      const installation = store.installation;
      const refreshed = installation && typeof form.refresh_token === "string"
        ? refreshOfflineToken(store, installation, form.refresh_token, at)
        : null;
      return refreshed ? { status: 200, body: refreshed } : oauthError(400, "invalid_grant", "The refresh token is invalid, expired or revoked.");
    }

    if (form.grant_type !== TOKEN_EXCHANGE_GRANT) {
      return oauthError(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.");
    }
    if (form.subject_token_type !== ID_TOKEN_TYPE) {
      return oauthError(400, "invalid_subject_token_type", "Token exchange cannot be performed due to an invalid subject token type.");
    }
    if (typeof form.subject_token !== "string") return INVALID_SUBJECT_TOKEN;
    const check = verifySessionToken(form.subject_token, { apiKey: config.apiKey, apiSecret: config.apiSecret, shop: config.shop, now: at });
    if (!check.valid) return INVALID_SUBJECT_TOKEN;

    const requested = form.requested_token_type ?? OFFLINE_ACCESS_TOKEN_TYPE;
    if (requested !== OFFLINE_ACCESS_TOKEN_TYPE && requested !== ONLINE_ACCESS_TOKEN_TYPE) {
      return oauthError(400, "invalid_request", "The requested token type is not supported.");
    }
    const staffMember = store.shop.staff.find((member) => String(legacyResourceId(member.id)) === check.claims.sub);
    if (!staffMember) return INVALID_SUBJECT_TOKEN;

    // Managed installation: the merchant's first visit to the embedded app installs it.
    const installation = store.installation ?? store.recordInstallation(config.apiKey, readAppScopes(config.appTomlPath));
    if (requested === ONLINE_ACCESS_TOKEN_TYPE) {
      return { status: 200, body: issueOnlineToken(store, installation, staffMember, at) };
    }
    return { status: 200, body: issueOfflineToken(store, installation, { expiring: form.expiring === "1" || form.expiring === 1, now: at }) };
  };

  return async (request, response) => {
    if (requestUrl(request).pathname !== "/admin/oauth/access_token") return false;
    if (requestedShop(request) !== config.shop) {
      sendShopNotFound(response);
      return true;
    }
    if (request.method !== "POST") {
      sendJson(response, 405, { errors: "Method Not Allowed" }, { Allow: "POST" });
      return true;
    }
    const form = parseForm(request.headers["content-type"], await readBody(request));
    const result = form ? tokenRequest(form) : oauthError(400, "invalid_request", "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.");
    sendJson(response, result.status, result.body, { "Cache-Control": "no-store" });
    return true;
  };
}
