import type { IncomingMessage, ServerResponse } from "node:http";

import type { ActionFunctionArgs } from "@remix-run/node";

import { pool } from "../db.server";
import { env } from "../env.server";
import { errorFields, logger } from "../logger.server";
import { acceptDelivery, acceptWebhook, type AcceptOptions, type WebhookDelivery } from "./inbox.server";
import { WEBHOOK_SUBSCRIPTIONS, type WebhookUri } from "./subscriptions";

function acceptOptions(topics: readonly string[]): AcceptOptions {
  const settings = env();
  return {
    pool,
    secret: settings.SHOPIFY_API_SECRET,
    customShopDomain: settings.SHOP_CUSTOM_DOMAIN,
    topics,
    maxBodyBytes: settings.WEBHOOK_MAX_BODY_BYTES,
    timeoutMs: settings.DATABASE_STATEMENT_TIMEOUT_MS,
  };
}

/**
 * The action of the webhook route at `uri`: it verifies, checks and stores (inbox.server.ts) only the
 * topics shopify.app.toml sends there (subscriptions.ts); any other X-Shopify-Topic is refused.
 * The app's server answers these POSTs before Remix (`answerWebhookDirectly`); the route is the same
 * check for a server that does not.
 */
export function webhookAction(uri: WebhookUri) {
  const topics: readonly string[] = WEBHOOK_SUBSCRIPTIONS[uri];
  return async ({ request }: ActionFunctionArgs): Promise<Response> => acceptWebhook(request, acceptOptions(topics));
}

const routes = new Map<string, readonly string[]>(Object.entries(WEBHOOK_SUBSCRIPTIONS));

/**
 * Answers a POST to a webhook route straight from Node's request (server/app-server.ts calls it before
 * Express and Remix): the same `acceptDelivery` as the route, without the per-request cost of matching
 * every route, building a web Request and streaming its body (about a third of a delivery's CPU).
 * False, having done nothing, for any other request.
 */
export function answerWebhookDirectly(request: IncomingMessage, response: ServerResponse): boolean {
  if (request.method !== "POST" || !request.url) return false;
  const query = request.url.indexOf("?");
  const topics = routes.get(query === -1 ? request.url : request.url.slice(0, query));
  if (!topics) return false;
  const delivery: WebhookDelivery = {
    headers: {
      get(name) {
        const value = request.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
    },
    readBody: (limit) => readNodeBodyUpTo(request, limit),
  };
  acceptDelivery(delivery, acceptOptions(topics)).then(
    (answer) => {
      const headers: Record<string, string> = { ...answer.headers };
      if (answer.body !== null) headers["Content-Type"] = "text/plain;charset=UTF-8";
      response.writeHead(answer.status, headers);
      response.end(answer.body ?? undefined);
    },
    (error: unknown) => {
      logger.error("webhook delivery failed", errorFields(error));
      if (response.headersSent) response.destroy();
      else response.writeHead(500, { "Content-Type": "text/plain;charset=UTF-8" }).end("Unexpected Server Error");
    },
  );
  return true;
}

/**
 * The request's body, read up to `limit` bytes: null as soon as it is longer (by its Content-Length, or
 * by counting a chunked or lying body as it streams in), so an oversize body is never held whole.
 */
function readNodeBodyUpTo(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(request.headers["content-length"] ?? "");
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading; the 413 closes the connection.
        done();
        request.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onClose = () => {
      done();
      reject(new Error("the delivery's connection closed before its body was read"));
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("close", onClose);
  });
}
