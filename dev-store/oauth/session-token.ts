/**
 * Session tokens (ID tokens) as Shopify Admin mints them for an embedded app: HS256 JWTs signed with
 * the app secret, valid for a minute. App Bridge's `shopify.idToken()` stand-in hands these out.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

import { firstId, legacyResourceId } from "../store/gid";

export interface SessionTokenClaims {
  iss: string;
  dest: string;
  aud: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid: string;
  sig: string;
}

export interface SessionTokenRequest {
  shop: string;
  apiKey: string;
  apiSecret: string;
  /** The staff member's user id; a new dev shop's account owner by default. */
  userId?: string | number;
  /** The admin session id; a fresh one by default. */
  sid?: string;
  now?: Date;
  /** Shopify's tokens live 60 seconds. */
  lifetimeSeconds?: number;
}

/** Every dev shop's account owner has this user id: the first StaffMember id a shop hands out. */
export const ACCOUNT_OWNER_USER_ID = String(legacyResourceId(firstId("StaffMember")));

function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString("base64url");
}

function sign(unsigned: string, secret: string): string {
  return createHmac("sha256", secret).update(unsigned).digest("base64url");
}

export function mintSessionToken(request: SessionTokenRequest): string {
  const issuedAt = Math.floor((request.now ?? new Date()).getTime() / 1000);
  const claims: SessionTokenClaims = {
    iss: `https://${request.shop}/admin`,
    dest: `https://${request.shop}`,
    aud: request.apiKey,
    sub: String(request.userId ?? ACCOUNT_OWNER_USER_ID),
    exp: issuedAt + (request.lifetimeSeconds ?? 60),
    nbf: issuedAt,
    iat: issuedAt,
    jti: randomUUID(),
    sid: request.sid ?? randomUUID().replace(/-/g, ""),
    sig: randomUUID().replace(/-/g, ""),
  };
  const unsigned = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
  return `${unsigned}.${sign(unsigned, request.apiSecret)}`;
}

export type SessionTokenCheck = { valid: true; claims: SessionTokenClaims } | { valid: false; reason: string };

/** Shopify allows a few seconds of clock skew between the admin that minted a token and itself. */
const CLOCK_TOLERANCE_SECONDS = 5;

export function verifySessionToken(
  token: string,
  expected: { apiKey: string; apiSecret: string; shop: string; now: Date },
): SessionTokenCheck {
  const parts = token.split(".");
  if (parts.length !== 3) return { valid: false, reason: "not a JWT" };
  const [header, payload, signature] = parts;
  let algorithm: unknown;
  let claims: SessionTokenClaims;
  try {
    algorithm = (JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: unknown }).alg;
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as SessionTokenClaims;
  } catch {
    return { valid: false, reason: "not a JWT" };
  }
  if (algorithm !== "HS256") return { valid: false, reason: "not signed with HS256" };
  const expectedSignature = Buffer.from(sign(`${header}.${payload}`, expected.apiSecret));
  const givenSignature = Buffer.from(signature);
  if (expectedSignature.length !== givenSignature.length || !timingSafeEqual(expectedSignature, givenSignature)) {
    return { valid: false, reason: "signature does not match the app secret" };
  }
  const now = Math.floor(expected.now.getTime() / 1000);
  if (typeof claims.exp !== "number" || claims.exp + CLOCK_TOLERANCE_SECONDS <= now) return { valid: false, reason: "expired" };
  if (typeof claims.nbf !== "number" || claims.nbf - CLOCK_TOLERANCE_SECONDS > now) return { valid: false, reason: "not valid yet" };
  if (claims.aud !== expected.apiKey) return { valid: false, reason: "issued for another app" };
  if (claims.dest !== `https://${expected.shop}`) return { valid: false, reason: "issued for another shop" };
  return { valid: true, claims };
}

export interface CustomerAccountSessionTokenRequest {
  shop: string;
  apiKey: string;
  apiSecret: string;
  /** The signed-in customer's GID (gid://shopify/Customer/<id>). */
  customerGid: string;
  now?: Date;
  /** Shopify's extension tokens live 5 minutes. */
  lifetimeSeconds?: number;
}

/**
 * The session token a customer account UI extension's `shopify.sessionToken.get()` gives: HS256 with
 * the app's secret, `dest` the shop's domain (no scheme, unlike the admin's), `sub` the customer's GID,
 * no `iss` or `sid`.
 */
export function mintCustomerAccountSessionToken(request: CustomerAccountSessionTokenRequest): string {
  const issuedAt = Math.floor((request.now ?? new Date()).getTime() / 1000);
  const claims = {
    dest: request.shop,
    aud: request.apiKey,
    sub: request.customerGid,
    exp: issuedAt + (request.lifetimeSeconds ?? 300),
    nbf: issuedAt,
    iat: issuedAt,
    jti: randomUUID(),
  };
  const unsigned = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
  return `${unsigned}.${sign(unsigned, request.apiSecret)}`;
}
