/** The few HTTP chores the dev store's Shopify endpoints share. */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Shopify's own cap on a GraphQL request body is far larger than any app query; this only stops runaways. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** A handler the dev store's server mounts: it answers and returns true, or returns false for a path it does not own. */
export type DevStoreRequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

export class BodyTooLargeError extends Error {}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError("Request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function requestUrl(request: IncomingMessage): URL {
  return new URL(request.url ?? "/", "http://dev-store.invalid");
}

/** The shop a redirected request is for: the app's fetch names it in this header (the Host is the dev store's). */
export function requestedShop(request: IncomingMessage): string | null {
  const header = request.headers["x-shopify-shop-domain"];
  return typeof header === "string" ? header.toLowerCase() : null;
}

/** What Shopify answers for a shop it does not host. */
export function sendShopNotFound(response: ServerResponse): void {
  sendJson(response, 404, { errors: "Not Found" });
}
