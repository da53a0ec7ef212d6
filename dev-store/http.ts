import type http from "node:http";

import type { Html } from "./hosts/html";

/** The few HTTP chores the dev store's endpoints share. */

/** Each dev-store endpoint answers the paths it owns and returns false for the rest. */
export type DevStoreRequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

/** The origin the browser used to reach this host (the dev store listens on plain HTTP). */
export function requestOrigin(req: http.IncomingMessage): string {
  return `http://${req.headers.host ?? "127.0.0.1"}`;
}

export function requestUrl(req: http.IncomingMessage): URL {
  return new URL(req.url ?? "/", requestOrigin(req));
}

export function sendHtml(res: http.ServerResponse, status: number, page: Html, headers: http.OutgoingHttpHeaders = {}): true {
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    ...headers,
  });
  res.end(`<!doctype html>\n${page.value}`);
  return true;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): true {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
  return true;
}

export function sendText(res: http.ServerResponse, status: number, text: string, headers: http.OutgoingHttpHeaders = {}): true {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", ...headers });
  res.end(text);
  return true;
}

export function redirect(res: http.ServerResponse, location: string, status = 303): true {
  res.writeHead(status, { Location: location, "Cache-Control": "no-store" });
  res.end();
  return true;
}

export class RequestBodyTooLargeError extends Error {
  constructor(limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes`);
    this.name = "RequestBodyTooLargeError";
  }
}

export async function readRequestBody(req: http.IncomingMessage, limitBytes = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new RequestBodyTooLargeError(limitBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (header ?? "").split(";")) {
    const separator = pair.indexOf("=");
    if (separator < 0) continue;
    const name = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      cookies.set(name, value);
    }
  }
  return cookies;
}

/** A browser request from a page on this same origin (fetch and form posts carry Origin). */
export function isSameOriginRequest(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin) return origin === requestOrigin(req);
  return req.headers["sec-fetch-site"] === "same-origin";
}
