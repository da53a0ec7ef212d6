/**
 * The customer account extension's API through the app's real HTTP server on the PostgreSQL server:
 * GET /customer-account/account (the loyalty page) and GET /customer-account/orders/<id> (the order
 * status block), each request carrying a customer account session token as Shopify signs one, for 500
 * customers with a short history. Open loop, from a child process, as bench/storefront.bench.ts: requests
 * leave on schedule and latency counts from when each was due.
 */
import { mintCustomerAccountSessionToken } from "../dev-store/oauth/session-token";
import { loadFromChild, openLoop, serveLoad, type LoadResult } from "./open-loop";
import { median, percentile, type BenchRow } from "./table";

export const title = "Customer account API: the loyalty page and order status block at 50 and 200 requests/s (PostgreSQL server)";

const RATE = 200;
const SECONDS = 5;
const ROUNDS = 3;
const CUSTOMERS = 500;
// A shopper's browser: the app turns bots away.
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36";

interface Load {
  appUrl: string;
  /** One request per entry, taken in turn: the path and the customer's session token. */
  requests: { path: string; token: string }[];
  rate: number;
  seconds: number;
}

/** The child: `rate` requests a second for `seconds`, on schedule. */
function generateLoad(load: Load): Promise<LoadResult> {
  return openLoop(load.rate, load.seconds, async (n) => {
    const { path, token } = load.requests[n % load.requests.length];
    const response = await fetch(`${load.appUrl}${path}`, {
      headers: { Accept: "application/json", Authorization: `Bearer ${token}`, Origin: "https://extensions.shopifycdn.com", "User-Agent": BROWSER },
    });
    return { response, label: path };
  });
}

serveLoad(import.meta.url, generateLoad);

export async function run(): Promise<BenchRow[]> {
  process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";
  const { startTestApp, TEST_APP } = await import("../tests/support/test-app");
  const app = await startTestApp();
  try {
    await app.install();
    const shop = await app.db.shop.findUniqueOrThrow({ where: { domain: TEST_APP.shop } });
    const legacyIds = Array.from({ length: CUSTOMERS }, (_, i) => 6_000_000 + i);
    await app.db.customer.createMany({
      data: legacyIds.map((id) => ({ shopId: shop.id, shopifyId: `gid://shopify/Customer/${id}`, firstName: "Bench", referralCode: `BENCH${id}`, hasAccount: true })),
    });
    const customers = await app.db.customer.findMany({ where: { shopId: shop.id }, select: { id: true, shopifyId: true } });
    const now = new Date();
    // Each customer: one paid order that earned points, welcome points and a few adjustments.
    await app.db.order.createMany({
      data: customers.map((customer, n) => ({
        shopId: shop.id,
        shopifyId: `gid://shopify/Order/${7_000_000 + n}`,
        name: `#B${n}`,
        customerShopifyId: customer.shopifyId,
        currencyCode: "USD",
        financialStatus: "paid",
        subtotal: "40",
        shipping: "0",
        tax: "0",
        totalDiscounts: "0",
        total: "40",
        discountCodes: [],
        placedAt: now,
        shopifyUpdatedAt: now,
      })),
    });
    await app.db.pointsLedgerEntry.createMany({
      data: customers.flatMap((customer, index) =>
        Array.from({ length: 6 }, (_, n) => ({
          shopId: shop.id,
          customerId: customer.id,
          points: n === 0 ? 100 : n === 1 ? 40 : 25 * n,
          reason: n === 0 ? ("WELCOME" as const) : n === 1 ? ("SPEND" as const) : ("ADJUSTMENT" as const),
          source: n === 0 ? ("CUSTOMER" as const) : n === 1 ? ("ORDER" as const) : ("ADJUSTMENT" as const),
          sourceId: n === 1 ? `gid://shopify/Order/${7_000_000 + index}` : null,
          key: `bench:${customer.id}:${n}`,
          note: n <= 1 ? null : "Bench",
          availableAt: now,
        })),
      ),
    });

    // Tokens live 5 minutes, longer than the whole run; Shopify's extension caches one the same way.
    const tokens = customers.map((customer) =>
      mintCustomerAccountSessionToken({ shop: TEST_APP.shop, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret, customerGid: customer.shopifyId, lifetimeSeconds: 600 }),
    );
    const accountRequests = tokens.map((token) => ({ path: "/customer-account/account", token }));
    const orderRequests = tokens.map((token, n) => ({ path: `/customer-account/orders/${7_000_000 + n}`, token }));
    const load = (rate: number, requests: Load["requests"], seconds = SECONDS): Load => ({ appUrl: app.appUrl, requests, rate, seconds });
    await loadFromChild(import.meta.url, load(50, accountRequests, 2));
    await loadFromChild(import.meta.url, load(50, orderRequests, 1));

    const rows: BenchRow[] = [];
    const cases = [
      { rate: 50, name: "GET /customer-account/account", requests: accountRequests },
      { rate: RATE, name: "GET /customer-account/account", requests: accountRequests },
      { rate: RATE, name: "GET /customer-account/orders/<id>", requests: orderRequests },
    ];
    for (const { rate, name, requests } of cases) {
      const rounds: LoadResult[] = [];
      const cpuPerRequest: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const child = loadFromChild(import.meta.url, load(rate, requests));
        const cpuBefore = process.cpuUsage();
        const result = await child;
        const cpu = process.cpuUsage(cpuBefore);
        // An overloaded machine fails requests (the pool's connect timeout answers 500): counted as a row, not hidden.
        if (result.failures.length) process.stderr.write(`${name} at ${rate}/s: ${result.failed} failed, e.g. ${result.failures.join("; ")}\n`);
        rounds.push(result);
        cpuPerRequest.push((cpu.user + cpu.system) / 1000 / result.latencies.length);
      }
      const at = (p: number) => median(rounds.map((result) => percentile(result.latencies, p)));
      const note = `median of ${ROUNDS} rounds × ${SECONDS} s, open loop from a child process, achieved ${Math.round(median(rounds.map((result) => result.achievedRate)))}/s`;
      const label = `${name} (session token) at ${rate}/s`;
      rows.push(
        { name: `${label} p50`, value: at(50), unit: "ms", note },
        { name: `${label} p95`, value: at(95), unit: "ms", ...(rate === RATE ? { target: "< 100" } : {}), note },
        { name: `${label} p99`, value: at(99), unit: "ms", note },
        { name: `${label}: requests not answered 200`, value: median(rounds.map((result) => result.failed)), unit: "requests", target: "<= 0", note: `median of ${ROUNDS} rounds of ${rate * SECONDS}` },
        { name: `${label}: the app's CPU per request`, value: median(cpuPerRequest), unit: "ms", note: `median of ${ROUNDS} rounds; process.cpuUsage of the process serving the app` },
      );
    }
    return rows;
  } finally {
    await app.close();
  }
}
