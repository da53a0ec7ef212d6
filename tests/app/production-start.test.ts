/**
 * What a deployment runs, as the README deploys it: the build (made before the tests, `npm run build`
 * with NODE_ENV=production), `npm run setup` (`prisma migrate deploy`) on a fresh database on the
 * PostgreSQL server, then `npm start` with NODE_ENV=production and real-looking settings, as a
 * process of its own. Storefront, webhook and admin requests then reach it as Shopify sends them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { PrismaClient } from "../../app/generated/prisma/client";
import { signAppProxyQuery } from "../../dev-store/hosts/app-proxy";
import { embeddedAppUrl } from "../../dev-store/hosts/embedded-app-url";
import { mintSessionToken } from "../../dev-store/oauth/session-token";
import { DESKTOP_USER_AGENT } from "../support/browser";
import { createEmptyDatabase, databaseServer } from "../support/database-server";
import { freePort, inboxApplied } from "../support/test-app";
import { samplePayload } from "../support/webhooks";

const server = await databaseServer();

/** A live app's credentials: none of the repository's published dev secrets. */
const APP = {
  apiKey: randomBytes(16).toString("hex"),
  apiSecret: `shpss_${randomBytes(16).toString("hex")}`,
  shop: "production-check.myshopify.com",
  shopName: "Production Check Supplies",
};

let database: Awaited<ReturnType<typeof createEmptyDatabase>> | undefined;
let db: PrismaClient | undefined;
let app: ChildProcess | undefined;
let appUrl = "";
const output: string[] = [];

/** Runs an npm script to its end; its output is part of the failure when it fails. */
async function npmRun(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn("npm", args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  child.stdout!.on("data", (chunk) => lines.push(String(chunk)));
  child.stderr!.on("data", (chunk) => lines.push(String(chunk)));
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`npm ${args.join(" ")} exited with ${code}:\n${lines.join("")}`);
}

/** Waits until the server answers HTTP at all (any status), or fails with what it printed. */
async function listening(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output.join("")}`);
    const answered = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      () => true,
      () => false,
    );
    if (answered) return;
    if (Date.now() > deadline) throw new Error(`npm start did not listen within ${timeoutMs} ms:\n${output.join("")}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The installed shop as the install would have left it: its row, its settings and its offline session (no token exchange). */
async function seedInstalledShop(client: PrismaClient) {
  await client.shop.create({ data: { domain: APP.shop, name: APP.shopName, settings: { create: {} } } });
  await client.session.create({
    data: {
      id: `offline_${APP.shop}`,
      shop: APP.shop,
      state: "",
      isOnline: false,
      scope: "read_customers,read_orders,write_discounts",
      accessToken: `shpat_${randomBytes(16).toString("hex")}`,
    },
  });
}

function proxyQuery(customerId = ""): URLSearchParams {
  const query = new URLSearchParams({
    shop: APP.shop,
    logged_in_customer_id: customerId,
    path_prefix: "/apps/loyalty",
    timestamp: String(Math.floor(Date.now() / 1000)),
  });
  query.append("signature", signAppProxyQuery(query, APP.apiSecret));
  return query;
}

function webhook(body: string, hmac: string | null, eventId: string) {
  return fetch(new URL("/webhooks/customers/create", appUrl), {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": "customers/create",
      "X-Shopify-Shop-Domain": APP.shop,
      "X-Shopify-API-Version": "2026-10",
      "X-Shopify-Webhook-Id": randomUUID(),
      "X-Shopify-Event-Id": eventId,
      "X-Shopify-Triggered-At": new Date().toISOString(),
      ...(hmac ? { "X-Shopify-Hmac-Sha256": hmac } : {}),
    },
  });
}

const sign = (body: string, secret: string) => createHmac("sha256", secret).update(body).digest("base64");

beforeAll(async () => {
  if (!server.url) return;
  database = await createEmptyDatabase(server.url, "loyalty_production");
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production" as const,
    DATABASE_URL: database.url,
  };
  // The production migration path: Prisma's own `migrate deploy`, not the app's embedded migrator.
  await npmRun(["run", "setup"], env);

  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 2 }) });
  await seedInstalledShop(db);

  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  app = spawn("npm", ["start"], {
    env: {
      ...env,
      PORT: String(port),
      HOST: "127.0.0.1",
      SHOPIFY_API_KEY: APP.apiKey,
      SHOPIFY_API_SECRET: APP.apiSecret,
      SHOPIFY_APP_URL: "https://loyalty.example.com",
      SMTP_URL: "smtp://mail.example.com:587",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so the test can stop npm and the server under it together.
    detached: true,
  });
  app.stdout!.on("data", (chunk) => output.push(String(chunk)));
  app.stderr!.on("data", (chunk) => output.push(String(chunk)));
  await listening(appUrl, app!);
}, 180_000);

afterAll(async () => {
  if (app && app.exitCode === null && app.signalCode === null) {
    const closed = once(app, "close");
    try {
      process.kill(-app.pid!, "SIGKILL");
      await closed;
    } catch {
      // Already gone.
    }
  }
  await db?.$disconnect();
  await database?.drop();
});

describe.skipIf(!server.url)(`npm start in production${server.url ? "" : ` (skipped: ${server.url === null ? server.reason : ""})`}`, () => {
  it("answers a signed storefront request with the program as JSON, and refuses an unsigned one", async () => {
    const signed = await fetch(new URL(`/proxy/customer?${proxyQuery()}`, appUrl));
    expect(signed.status, output.join("")).toBe(200);
    expect(signed.headers.get("content-type")).toMatch(/application\/json/);
    expect(await signed.json()).toMatchObject({ customer: null });

    const unsigned = await fetch(new URL(`/proxy/customer?shop=${APP.shop}&logged_in_customer_id=1`, appUrl));
    expect(unsigned.status).toBe(401);

    const guestRedeem = await fetch(new URL(`/proxy/redeem?${proxyQuery()}`, appUrl), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ rewardId: "any", idempotencyKey: "production-check-1" }),
    });
    expect(guestRedeem.status).toBe(401);
    expect(await guestRedeem.json()).toEqual({ error: "Sign in to redeem your points." });
  });

  it("stores a signed webhook and refuses a forged one", async () => {
    const body = JSON.stringify({ ...samplePayload("customers/create"), admin_graphql_api_id: "gid://shopify/Customer/7001" });
    const forged = await webhook(body, sign(body, "dev-store-demo-secret"), "production-forged");
    expect(forged.status).toBe(401);

    const signed = await webhook(body, sign(body, APP.apiSecret), "production-signed");
    expect(signed.status, output.join("")).toBe(200);
    const stored = await db!.webhookEvent.findMany({ select: { eventId: true, topic: true, shopDomain: true } });
    expect(stored).toEqual([{ eventId: "production-signed", topic: "customers/create", shopDomain: APP.shop }]);
    // The app process applies what it stored: the customer is the shop's.
    await inboxApplied(db!);
    expect(await db!.customer.count({ where: { shopifyId: "gid://shopify/Customer/7001" } })).toBe(1);
  });

  it("serves an embedded admin page to a request with a session token", async () => {
    const idToken = mintSessionToken({ shop: APP.shop, apiKey: APP.apiKey, apiSecret: APP.apiSecret });
    const url = embeddedAppUrl({ appUrl, appPath: "/app", shop: APP.shop, apiSecret: APP.apiSecret, idToken, locale: "en", now: new Date() });
    const page = await fetch(url, { headers: { "user-agent": DESKTOP_USER_AGENT } });
    expect(page.status, output.join("")).toBe(200);
    const html = await page.text();
    expect(html).toContain(APP.shopName);
    expect(html).toContain("How customers earn");

    const forged = embeddedAppUrl({
      appUrl,
      appPath: "/app",
      shop: APP.shop,
      apiSecret: APP.apiSecret,
      idToken: mintSessionToken({ shop: APP.shop, apiKey: APP.apiKey, apiSecret: "dev-store-demo-secret" }),
      locale: "en",
      now: new Date(),
    });
    const refused = await fetch(forged, { headers: { "user-agent": DESKTOP_USER_AGENT }, redirect: "manual" });
    expect(refused.status).not.toBe(200);
    expect(await refused.text()).not.toContain(APP.shopName);
  });

  it("stops on SIGTERM, closing the server and the database", async () => {
    // As a host stops a service's processes (npm itself does not pass the signal on): the server
    // closes and exits; the pipes close once it has.
    const closed = once(app!, "close");
    process.kill(-app!.pid!, "SIGTERM");
    await closed;
    const log = output.join("");
    expect(log).toMatch(/"message":"app stopping","signal":"SIGTERM"[\s\S]*"message":"app stopped"/);
  });
});
