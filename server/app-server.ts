import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";

/**
 * Serves the app's production build (`npm run build`) over HTTP: the one server production
 * (`npm start`, server/start.ts), the demo, the tests and the benchmarks all start, in-process.
 * The app reads its settings from process.env when the build is first imported.
 */
export interface AppServer {
  url: string;
  server: http.Server;
  /**
   * Stops listening and closes the database. Requests in hand get `graceMs` to finish (default 0:
   * cut at once, as tests and the demo want); keep-alive connections with nothing in hand close now.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

export async function startAppServer(options: { port?: number; host?: string; buildDir?: string } = {}): Promise<AppServer> {
  const buildDir = path.resolve(options.buildDir ?? "build");
  const build = (await import(pathToFileURL(path.join(buildDir, "server", "index.js")).href)) as ServerBuild;

  const app = express();
  app.disable("x-powered-by");
  app.use("/assets", express.static(path.join(buildDir, "client", "assets"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(buildDir, "client"), { maxAge: "1h" }));
  // Loaders see the connection's peer (storefront/app-proxy.server.ts reads the client's address from it).
  app.all("*", createRequestHandler({ build, mode: "production", getLoadContext: (req) => ({ socketAddress: req.socket.remoteAddress ?? null }) }));

  const entry = build.entry.module as {
    answerWebhookDirectly?: (request: http.IncomingMessage, response: http.ServerResponse) => boolean;
    disconnectDatabase?: () => Promise<void>;
  };
  // Webhook deliveries (most of the requests Shopify sends) skip Express and Remix: app/webhooks/receive.server.ts.
  const server = http.createServer((request, response) => {
    if (!entry.answerWebhookDirectly?.(request, response)) app(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as { port: number };
  return {
    url: `http://${options.host === "0.0.0.0" ? "localhost" : options.host ?? "127.0.0.1"}:${address.port}`,
    server,
    async close({ graceMs = 0 } = {}) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(cut);
      await entry.disconnectDatabase?.();
    },
  };
}
