import { PassThrough } from "node:stream";
import { renderToPipeableStream } from "react-dom/server";
import { RemixServer } from "@remix-run/react";
import { createReadableStreamFromReadable, type EntryContext } from "@remix-run/node";
import { isbot } from "isbot";

import { disconnectDatabase as closeDatabase } from "./db.server";
import { env } from "./env.server";
import { startProcessJobs, stopProcessJobs } from "./jobs/process.server";
import { errorFields, logger } from "./logger.server";
import { addDocumentResponseHeaders } from "./shopify.server";

const ABORT_DELAY_MS = 5_000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  addDocumentResponseHeaders(request, responseHeaders);
  pointAtDevStore(responseHeaders);
  const userAgent = request.headers.get("user-agent");
  const callbackName = isbot(userAgent ?? "") ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    const { pipe, abort } = renderToPipeableStream(
      <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY_MS} />,
      {
        [callbackName]: () => {
          const body = new PassThrough();
          const stream = createReadableStreamFromReadable(body);
          responseHeaders.set("Content-Type", "text/html");
          resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
          pipe(body);
        },
        onShellError(error) {
          reject(error);
        },
        onError(error) {
          responseStatusCode = 500;
          logger.error("page render failed", errorFields(error));
        },
      },
    );
    setTimeout(abort, ABORT_DELAY_MS);
  });
}

/**
 * Against the local dev store (never in production, see env.server): its admin frames the app from
 * its own origin, and App Bridge comes from it rather than Shopify's CDN.
 */
function pointAtDevStore(headers: Headers) {
  const { SHOPIFY_API_ORIGIN: devStore, APP_BRIDGE_URL: appBridge } = env();
  const policy = headers.get("Content-Security-Policy");
  if (devStore && policy) {
    const origin = new URL(devStore).origin;
    headers.set("Content-Security-Policy", policy.replace(/frame-ancestors ([^;]*)/, `frame-ancestors $1 ${origin}`));
  }
  const preload = headers.get("Link");
  if (appBridge && preload) {
    headers.set("Link", preload.replace("https://cdn.shopify.com/shopifycloud/app-bridge.js", appBridge));
  }
}

// The app process's background jobs (app/jobs/catalog.server.ts `jobsForProcess`): the webhook inbox,
// history imports and report rebuilds, and on the embedded database every other job too.
void startProcessJobs("app").catch((error: unknown) => logger.error("background jobs did not start", errorFields(error)));

// The server (server/app-server.ts) answers webhook deliveries with it before Express and Remix.
export { answerWebhookDirectly } from "./webhooks/receive.server";

/** Lets the process that serves the build stop its background jobs and close the database on shutdown. */
export async function disconnectDatabase(): Promise<void> {
  await stopProcessJobs();
  await closeDatabase();
}
