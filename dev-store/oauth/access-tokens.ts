/**
 * The app's Admin API credentials for the dev shop, as Shopify issues them: offline tokens (optionally
 * expiring after an hour, with a 90-day refresh token), and online tokens bound to a staff member.
 */
import { randomBytes } from "node:crypto";

import { legacyResourceId } from "../store/gid";
import type { AccessMode, AccessTokenRecord, AppInstallationRecord, RefreshTokenRecord, StaffMemberRecord } from "../store/records";
import { toShopifyDateTime, type ShopData } from "../store/shop-data";

export const EXPIRING_OFFLINE_TOKEN_SECONDS = 3600;
export const REFRESH_TOKEN_SECONDS = 90 * 24 * 3600;
export const ONLINE_TOKEN_SECONDS = 24 * 3600;

function secret(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString("hex")}`;
}

function secondsLeft(expiresAt: string, now: Date): number {
  return Math.max(0, Math.floor((new Date(expiresAt).getTime() - now.getTime()) / 1000));
}

function later(now: Date, seconds: number): string {
  return toShopifyDateTime(new Date(now.getTime() + seconds * 1000));
}

function isLive(expiresAt: string | null, now: Date): boolean {
  return expiresAt === null || new Date(expiresAt).getTime() > now.getTime();
}

/** The JSON body of POST /admin/oauth/access_token, as Shopify answers it. */
export type AccessTokenResponse = Record<string, unknown>;

function pruneExpired(installation: AppInstallationRecord, now: Date): void {
  installation.accessTokens = installation.accessTokens.filter((token) => isLive(token.expiresAt, now));
  installation.refreshTokens = installation.refreshTokens.filter((token) => isLive(token.expiresAt, now));
}

export function issueOfflineToken(store: ShopData, installation: AppInstallationRecord, options: { expiring: boolean; now: Date }): AccessTokenResponse {
  pruneExpired(installation, options.now);
  const scope = installation.scopes.join(",");
  const accessToken: AccessTokenRecord = {
    token: secret("shpat"),
    mode: "offline",
    scope,
    issuedAt: toShopifyDateTime(options.now),
    expiresAt: options.expiring ? later(options.now, EXPIRING_OFFLINE_TOKEN_SECONDS) : null,
    userId: null,
  };
  installation.accessTokens.push(accessToken);
  if (!options.expiring) {
    store.installationChanged();
    return { access_token: accessToken.token, scope };
  }
  const refreshToken: RefreshTokenRecord = {
    token: secret("shprt"),
    expiresAt: later(options.now, REFRESH_TOKEN_SECONDS),
    accessToken: accessToken.token,
    replacedBy: null,
  };
  installation.refreshTokens.push(refreshToken);
  store.installationChanged();
  return {
    access_token: accessToken.token,
    expires_in: EXPIRING_OFFLINE_TOKEN_SECONDS,
    refresh_token: refreshToken.token,
    refresh_token_expires_in: REFRESH_TOKEN_SECONDS,
    scope,
  };
}

export function issueOnlineToken(store: ShopData, installation: AppInstallationRecord, staffMember: StaffMemberRecord, now: Date): AccessTokenResponse {
  pruneExpired(installation, now);
  const scope = installation.scopes.join(",");
  const accessToken: AccessTokenRecord = {
    token: secret("shpua"),
    mode: "online",
    scope,
    issuedAt: toShopifyDateTime(now),
    expiresAt: later(now, ONLINE_TOKEN_SECONDS),
    userId: staffMember.id,
  };
  installation.accessTokens.push(accessToken);
  store.installationChanged();
  return {
    access_token: accessToken.token,
    scope,
    expires_in: secondsLeft(accessToken.expiresAt!, now),
    associated_user_scope: scope,
    associated_user: {
      id: legacyResourceId(staffMember.id),
      first_name: staffMember.firstName,
      last_name: staffMember.lastName,
      email: staffMember.email,
      email_verified: true,
      account_owner: staffMember.accountOwner,
      locale: staffMember.locale,
      collaborator: false,
    },
  };
}

/**
 * Trades a refresh token for a new expiring offline token and a new refresh token. The old refresh
 * token keeps working until the new access token is first used, so a lost response can be retried.
 */
export function refreshOfflineToken(store: ShopData, installation: AppInstallationRecord, refreshToken: string, now: Date): AccessTokenResponse | null {
  const presented = installation.refreshTokens.find((candidate) => candidate.token === refreshToken);
  if (!presented || !isLive(presented.expiresAt, now)) return null;
  const response = issueOfflineToken(store, installation, { expiring: true, now });
  const replacement = installation.refreshTokens.find((candidate) => candidate.token === response.refresh_token)!;
  presented.replacedBy = replacement.token;
  store.installationChanged();
  return response;
}

/** The live token behind an `X-Shopify-Access-Token` header, or null. Using a token retires the refresh tokens it replaced. */
export function authenticateAccessToken(store: ShopData, token: string, now: Date): { token: AccessTokenRecord; mode: AccessMode } | null {
  const installation = store.installation;
  if (!installation) return null;
  const record = installation.accessTokens.find((candidate) => candidate.token === token);
  if (!record || !isLive(record.expiresAt, now)) return null;
  const issuedWith = installation.refreshTokens.find((candidate) => candidate.accessToken === token);
  if (issuedWith) {
    const before = installation.refreshTokens.length;
    installation.refreshTokens = installation.refreshTokens.filter((candidate) => candidate.replacedBy !== issuedWith.token);
    if (installation.refreshTokens.length !== before) store.installationChanged();
  }
  return { token: record, mode: record.mode };
}
