/** What the dev store answers the way Shopify's Admin API and OAuth endpoints do. */
import type { IncomingMessage, ServerResponse } from "node:http";

import { readRequestBody, sendJson } from "../http";

/** Shopify's own cap on a GraphQL request body is far larger than any app query; this only stops runaways. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

export async function readBody(request: IncomingMessage): Promise<string> {
  return (await readRequestBody(request, MAX_BODY_BYTES)).toString("utf8");
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
