/**
 * GET /apps/loyalty/customer (the widget's account view) at a steady 200 requests/s, open loop,
 * through the app's real HTTP server on the PostgreSQL server, each request signed as Shopify's app
 * proxy signs it, for 500 signed-in customers with a short history. Latency counts from when each
 * request was due, so a stall shows up rather than slowing the load. The load generator shares the
 * app's process and its 2 cores, so the numbers are a ceiling on latency.
 */
import { signAppProxyQuery } from "../dev-store/hosts/app-proxy";
import { median, percentile, type BenchRow } from "./table";

export const title = "Storefront: GET /apps/loyalty/customer at 200 requests/s (PostgreSQL server)";

const RATE = 200;
const SECONDS = 5;
const ROUNDS = 3;
const CUSTOMERS = 500;

export async function run(): Promise<BenchRow[]> {
  process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";
  const { startTestApp, TEST_APP } = await import("../tests/support/test-app");
  const app = await startTestApp();
  try {
    await app.install();
    const shop = await app.db.shop.findUniqueOrThrow({ where: { domain: TEST_APP.shop } });
    const customerIds = Array.from({ length: CUSTOMERS }, (_, i) => 5_000_000 + i);
    await app.db.customer.createMany({
      data: customerIds.map((id) => ({ shopId: shop.id, shopifyId: `gid://shopify/Customer/${id}`, firstName: "Bench", referralCode: `BENCH${id}`, hasAccount: true })),
    });
    const customers = await app.db.customer.findMany({ where: { shopId: shop.id }, select: { id: true } });
    const now = new Date();
    await app.db.pointsLedgerEntry.createMany({
      data: customers.flatMap((customer) =>
        Array.from({ length: 6 }, (_, n) => ({
          shopId: shop.id,
          customerId: customer.id,
          points: n === 0 ? 100 : 25 * n,
          reason: n === 0 ? ("WELCOME" as const) : ("ADJUSTMENT" as const),
          source: n === 0 ? ("CUSTOMER" as const) : ("ADJUSTMENT" as const),
          key: `bench:${customer.id}:${n}`,
          note: n === 0 ? null : "Bench",
          availableAt: now,
        })),
      ),
    });

    const get = async (n: number, due: number) => {
      const query = new URLSearchParams({
        shop: TEST_APP.shop,
        logged_in_customer_id: String(customerIds[n % CUSTOMERS]),
        path_prefix: "/apps/loyalty",
        timestamp: String(Math.floor(Date.now() / 1000)),
      });
      query.append("signature", signAppProxyQuery(query, TEST_APP.apiSecret));
      const response = await fetch(`${app.appUrl}/proxy/customer?${query}`, { headers: { Accept: "application/json" } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`/proxy/customer answered ${response.status}`);
      return performance.now() - due;
    };

    // Warm the build's modules and the pool before measuring.
    await Promise.all(Array.from({ length: 50 }, (_, n) => get(n, performance.now())));

    // 200/s is the target; 50/s shows the route's own latency when the machine is not the limit.
    const rows: BenchRow[] = [];
    for (const rate of [50, RATE]) {
      const p50s: number[] = [];
      const p95s: number[] = [];
      const rates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const total = rate * SECONDS;
        const started = performance.now();
        const pending: Promise<number>[] = [];
        for (let n = 0; n < total; n++) {
          const due = started + (n * 1000) / rate;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          pending.push(get(n, due));
        }
        const latencies = await Promise.all(pending);
        rates.push(total / ((performance.now() - started) / 1000));
        p50s.push(percentile(latencies, 50));
        p95s.push(percentile(latencies, 95));
      }
      const note = `median of ${ROUNDS} rounds × ${SECONDS} s, open loop, achieved ${Math.round(median(rates))}/s; ${CUSTOMERS} signed-in customers`;
      rows.push(
        { name: `GET /apps/loyalty/customer p50 at ${rate}/s`, value: median(p50s), unit: "ms", note },
        { name: `GET /apps/loyalty/customer p95 at ${rate}/s`, value: median(p95s), unit: "ms", ...(rate === RATE ? { target: "< 100" } : {}), note },
      );
    }
    return rows;
  } finally {
    await app.close();
  }
}
