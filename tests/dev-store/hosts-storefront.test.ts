import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { DEV_SHOP, type DevStoreConfig } from "../../dev-store/config";
import { signAppProxyQuery } from "../../dev-store/hosts/app-proxy";
import { createStorefrontHandler, CUSTOMER_COOKIE, DISCOUNT_COOKIE } from "../../dev-store/hosts/storefront";
import { storefrontViewOf, type StorefrontView } from "../../dev-store/hosts/storefront-view";
import { ShopData } from "../../dev-store/store/shop-data";
import { shopifyLibrary, TEST_APP } from "../support/shopify-library";

const API_SECRET = TEST_APP.apiSecret;
const MAYA = { id: "gid://shopify/Customer/7412000000001", firstName: "Maya", lastName: "Chen", email: "maya@example.com" };
const OMAR = { id: "gid://shopify/Customer/7412000000002", firstName: "Omar", lastName: "<Script>", email: "omar@example.com" };

const view: StorefrontView = {
  shopName: "Bean & Leaf",
  currencyCode: "USD",
  customers: () => [MAYA, OMAR],
  products: () => [
    { id: "gid://shopify/Product/1", title: "Cold brew concentrate", handle: "cold-brew", priceMinorUnits: 2400 },
    { id: "gid://shopify/Product/2", title: "Sencha tea", handle: "sencha", priceMinorUnits: 1250 },
  ],
};

const shopify = shopifyLibrary();

interface ProxiedRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
}

type AppAnswer = (request: ProxiedRequest) => { status: number; headers?: Record<string, string>; body: string };

async function listen(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The app behind the proxy: records what reached it and checks the signature with the app's library. */
async function startApp() {
  const requests: ProxiedRequest[] = [];
  let answer: AppAnswer = () => ({ status: 200, headers: { "Content-Type": "application/json" }, body: "{}" });
  const server = await listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://app.test");
    const request = {
      method: req.method ?? "",
      url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      signatureValid: await shopify.utils.validateHmac(url.searchParams, { signator: "appProxy" }).catch(() => false),
    };
    requests.push(request);
    const reply = answer(request);
    res.writeHead(reply.status, reply.headers).end(reply.body);
  });
  return { ...server, requests, answerWith: (next: AppAnswer) => (answer = next) };
}

function writeFixtureExtension(root: string) {
  const directory = path.join(root, "loyalty-widget");
  for (const folder of ["blocks", "assets", "locales", "snippets"]) mkdirSync(path.join(directory, folder), { recursive: true });
  writeFileSync(path.join(directory, "shopify.extension.toml"), 'name = "Loyalty widget"\ntype = "theme"\nhandle = "loyalty-widget"\n');
  writeFileSync(
    path.join(directory, "blocks", "rewards.liquid"),
    `<div class="rewards-card" data-block-id="{{ block.id }}" data-script="{{ 'rewards.js' | asset_url }}">
  <h3>{{ block.settings.heading }}</h3>
  {% if customer %}<p class="greeting">{{ 'rewards.greeting' | t: name: customer.first_name }}</p>{% else %}<p class="greeting">{{ 'rewards.join_html' | t }}</p>{% endif %}
  <p class="shop">{{ shop.name }} · {{ 500 | money }}</p>
  {% render 'points', count: 3 %}
</div>
{% schema %}
{ "name": "Rewards", "target": "section", "javascript": "rewards.js", "stylesheet": "rewards.css",
  "settings": [{ "type": "text", "id": "heading", "label": "Heading", "default": "Earn points on every order" }] }
{% endschema %}`,
  );
  writeFileSync(path.join(directory, "snippets", "points.liquid"), `<p class="points">{{ 'rewards.points' | t: count: count }}</p>`);
  writeFileSync(
    path.join(directory, "blocks", "launcher.liquid"),
    `<div class="rewards-launcher" data-customer="{{ customer.id }}"></div>
{% schema %}{ "name": "Rewards launcher", "target": "body" }{% endschema %}`,
  );
  writeFileSync(
    path.join(directory, "blocks", "shop-meta.liquid"),
    `<meta name="loyalty-shop" content="{{ shop.permanent_domain }}">
{% schema %}{ "name": "Shop meta", "target": "head" }{% endschema %}`,
  );
  writeFileSync(path.join(directory, "assets", "rewards.js"), "document.documentElement.dataset.rewards = 'loaded';");
  writeFileSync(path.join(directory, "assets", "rewards.css"), ".rewards-card { padding: 8px; }");
  writeFileSync(
    path.join(directory, "locales", "en.default.json"),
    JSON.stringify({ rewards: { greeting: "Welcome back, {{ name }}!", join_html: "<a href=\"/account/register\">Join</a> to earn", points: { one: "{{ count }} point", other: "{{ count }} points" } } }),
  );
  return directory;
}

describe("the storefront host", () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let storefront: Awaited<ReturnType<typeof listen>>;
  let extensionsDir: string;

  const config = (appUrl: string): DevStoreConfig => ({
    shop: DEV_SHOP,
    apiKey: "test-loyalty-app",
    apiSecret: API_SECRET,
    appUrl,
    appTomlPath: path.resolve("shopify.app.toml"),
    apiVersion: "2026-10",
    nodeEnv: "test",
  });

  beforeAll(async () => {
    extensionsDir = mkdtempSync(path.join(tmpdir(), "dev-store-extensions-"));
    writeFixtureExtension(extensionsDir);
    app = await startApp();
    const handler = createStorefrontHandler({ config: config(app.url), view, extensionsDir });
    storefront = await listen(async (req, res) => {
      if (!(await handler(req, res))) res.writeHead(404).end();
    });
  });
  afterAll(async () => {
    await storefront.close();
    await app.close();
    rmSync(extensionsDir, { recursive: true, force: true });
  });
  afterEach(() => {
    app.requests.length = 0;
  });

  async function signInAs(customer: string): Promise<string> {
    const response = await fetch(`${storefront.url}/storefront/sign-in`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ customer, return_to: "/" }),
      redirect: "manual",
    });
    expect(response.status).toBe(303);
    return (response.headers.get("set-cookie") ?? "").split(";")[0];
  }

  describe("app proxy", () => {
    it("forwards /apps/loyalty/* to the app's proxy URL with a signature the app's library accepts", async () => {
      const response = await fetch(`${storefront.url}/apps/loyalty/points?sort=recent&tag=vip&tag=new`);

      expect(response.status).toBe(200);
      expect(app.requests).toHaveLength(1);
      const [request] = app.requests;
      expect(request.url.pathname).toBe("/proxy/points");
      expect(request.signatureValid).toBe(true);
      expect(request.url.searchParams.getAll("tag")).toEqual(["vip", "new"]);
      expect(request.url.searchParams.get("shop")).toBe(DEV_SHOP);
      expect(request.url.searchParams.get("path_prefix")).toBe("/apps/loyalty");
      expect(request.url.searchParams.get("logged_in_customer_id")).toBe("");
      expect(Number(request.url.searchParams.get("timestamp"))).toBeCloseTo(Date.now() / 1000, -1);
    });

    it("signs like Shopify's documented example", () => {
      const query = new URLSearchParams(
        "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555",
      );
      expect(signAppProxyQuery(query, "hush")).toBe("4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb");
    });

    it("tells the app which customer is signed in, and nobody once they choose Guest", async () => {
      const cookie = await signInAs(MAYA.id);
      await fetch(`${storefront.url}/apps/loyalty`, { headers: { Cookie: cookie } });
      const guestCookie = await signInAs("guest");
      await fetch(`${storefront.url}/apps/loyalty`, { headers: { Cookie: guestCookie } });

      expect(app.requests.map((request) => request.url.searchParams.get("logged_in_customer_id"))).toEqual(["7412000000001", ""]);
      expect(app.requests.map((request) => request.url.pathname)).toEqual(["/proxy", "/proxy"]);
      expect(guestCookie).toBe(`${CUSTOMER_COOKIE}=`);
    });

    it("drops a shopper's forged proxy parameters and cookies", async () => {
      await fetch(`${storefront.url}/apps/loyalty/redeem?logged_in_customer_id=7412000000002&signature=forged&shop=evil.myshopify.com`, {
        headers: { Cookie: "_secure_session_id=abc; theme=dark" },
      });

      const [request] = app.requests;
      expect(request.url.searchParams.getAll("logged_in_customer_id")).toEqual([""]);
      expect(request.url.searchParams.getAll("shop")).toEqual([DEV_SHOP]);
      expect(request.signatureValid).toBe(true);
      expect(request.headers.cookie).toBeUndefined();
    });

    it("forwards the method and body and passes the app's answer back without its cookies", async () => {
      app.answerWith((request) => ({
        status: 201,
        headers: { "Content-Type": "application/json", "Set-Cookie": "app_session=1" },
        body: JSON.stringify({ redeemed: JSON.parse(request.body).points }),
      }));
      const cookie = await signInAs(MAYA.id);

      const response = await fetch(`${storefront.url}/apps/loyalty/redemptions`, {
        method: "POST",
        headers: { Cookie: cookie, "Content-Type": "application/json" },
        body: JSON.stringify({ points: 500 }),
      });

      expect(response.status).toBe(201);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(response.headers.get("set-cookie")).toBeNull();
      expect(await response.json()).toEqual({ redeemed: 500 });
      const [request] = app.requests;
      expect(request.method).toBe("POST");
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.url.searchParams.get("logged_in_customer_id")).toBe("7412000000001");
      expect(request.signatureValid).toBe(true);
    });

    it("renders an application/liquid answer inside the theme with the storefront's objects", async () => {
      app.answerWith(() => ({
        status: 200,
        headers: { "Content-Type": "application/liquid" },
        body: "<h1 class=\"proxy-page\">{% if customer %}{{ customer.first_name }}'s rewards{% else %}Rewards{% endif %} at {{ shop.name }}</h1>",
      }));
      const cookie = await signInAs(MAYA.id);

      const response = await fetch(`${storefront.url}/apps/loyalty/page`, { headers: { Cookie: cookie } });
      const page = await response.text();

      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page).toContain('<h1 class="proxy-page">Maya\'s rewards at Bean & Leaf</h1>');
      expect(page).toContain('class="site-header"');
    });

    it("answers 502 when the app is down", async () => {
      const down = createStorefrontHandler({ config: config("http://127.0.0.1:9"), view, extensionsDir });
      const server = await listen(async (req, res) => {
        if (!(await down(req, res))) res.writeHead(404).end();
      });
      try {
        expect((await fetch(`${server.url}/apps/loyalty/points`)).status).toBe(502);
      } finally {
        await server.close();
      }
    });
  });

  describe("theme page", () => {
    it("shows the products and a picker of the customers with accounts plus Guest", async () => {
      const page = await (await fetch(`${storefront.url}/`)).text();

      expect(page).toContain("<title>Bean &#38; Leaf</title>");
      expect(page).toContain("Cold brew concentrate");
      expect(page).toContain("$24.00");
      expect(page).toContain('<strong data-testid="signed-in-as">Guest</strong>');
      expect(page).toContain(`value="${MAYA.id}"`);
      expect(page).toContain("Omar &#60;Script&#62;");
      expect(page).not.toContain("Omar <Script>");
    });

    it("remembers the customer picked in a cookie", async () => {
      const cookie = await signInAs(MAYA.id);
      const page = await (await fetch(`${storefront.url}/`, { headers: { Cookie: cookie } })).text();

      expect(cookie).toBe(`${CUSTOMER_COOKIE}=${encodeURIComponent(MAYA.id)}`);
      expect(page).toContain('<strong data-testid="signed-in-as">Maya Chen</strong>');
    });

    it("refuses to sign in as a customer the store does not have", async () => {
      const response = await fetch(`${storefront.url}/storefront/sign-in`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ customer: "gid://shopify/Customer/1" }),
        redirect: "manual",
      });
      expect(response.status).toBe(400);
    });

    it("renders the extension's app blocks in a Rewards section with the theme's Liquid objects", async () => {
      const guestPage = await (await fetch(`${storefront.url}/`)).text();
      const cookie = await signInAs(MAYA.id);
      const mayaPage = await (await fetch(`${storefront.url}/`, { headers: { Cookie: cookie } })).text();

      const rewards = /<section class="rewards"[\s\S]*?<\/section>/.exec(mayaPage)?.[0] ?? "";
      expect(rewards).toContain("<h3>Earn points on every order</h3>");
      expect(rewards).toContain('<p class="greeting">Welcome back, Maya!</p>');
      expect(rewards).toContain("Bean & Leaf · $5.00");
      expect(rewards).toContain('<p class="points">3 points</p>');
      expect(rewards).toContain('data-script="/extensions/loyalty-widget/assets/rewards.js"');
      expect(rewards).toContain('<script src="/extensions/loyalty-widget/assets/rewards.js" defer></script>');
      expect(rewards).toContain('<link rel="stylesheet" href="/extensions/loyalty-widget/assets/rewards.css">');
      expect(rewards).toMatch(/<div id="shopify-block-A[\w-]+__loyalty_widget_rewards" class="shopify-block shopify-app-block">/);
      expect(guestPage).toContain('<p class="greeting"><a href="/account/register">Join</a> to earn</p>');
    });

    it("renders app embeds on every page: body embeds after the content, head embeds in <head>", async () => {
      const cookie = await signInAs(MAYA.id);
      const page = await (await fetch(`${storefront.url}/`, { headers: { Cookie: cookie } })).text();

      const afterFooter = page.slice(page.indexOf("</footer>"));
      expect(afterFooter).toContain('<div class="rewards-launcher" data-customer="7412000000001"></div>');
      const head = page.slice(page.indexOf("<head>"), page.indexOf("</head>"));
      expect(head).toContain(`<meta name="loyalty-shop" content="${DEV_SHOP}">`);
      expect(head).not.toContain("<div");
    });

    it("serves the extension's assets with their content types", async () => {
      const script = await fetch(`${storefront.url}/extensions/loyalty-widget/assets/rewards.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(await script.text()).toContain("dataset.rewards");

      expect((await fetch(`${storefront.url}/extensions/loyalty-widget/assets/rewards.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8");
      expect((await fetch(`${storefront.url}/extensions/loyalty-widget/assets/missing.js`)).status).toBe(404);
      expect((await fetch(`${storefront.url}/extensions/loyalty-widget/assets/..%2Fshopify.extension.toml`)).status).toBe(404);
    });
  });

  describe("while the extension is being written", () => {
    async function storefrontWith(setUp: (dir: string) => void) {
      const dir = mkdtempSync(path.join(tmpdir(), "dev-store-extensions-"));
      setUp(dir);
      const handler = createStorefrontHandler({ config: config(app.url), view, extensionsDir: dir });
      const server = await listen(async (req, res) => {
        if (!(await handler(req, res))) res.writeHead(404).end();
      });
      return {
        page: async () => (await fetch(`${server.url}/`)).text(),
        status: async () => (await fetch(`${server.url}/`)).status,
        close: async () => {
          await server.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }

    it("works without any extension and shows no Rewards section", async () => {
      const bare = await storefrontWith(() => {});
      try {
        const page = await bare.page();
        expect(page).toContain("Cold brew concentrate");
        expect(page).not.toContain('class="rewards"');
      } finally {
        await bare.close();
      }
    });

    it("shows a Liquid error in place of the broken block and keeps the rest of the page", async () => {
      const broken = await storefrontWith((dir) => {
        const directory = writeFixtureExtension(dir);
        writeFileSync(path.join(directory, "blocks", "broken.liquid"), `{{ customer | no_such_filter }}{% schema %}{ "name": "Broken", "target": "section" }{% endschema %}`);
        writeFileSync(path.join(directory, "blocks", "bad-schema.liquid"), `<p>hi</p>{% schema %}{ "name": }{% endschema %}`);
      });
      try {
        expect(await broken.status()).toBe(200);
        const page = await broken.page();
        expect(page).toContain("Liquid error in loyalty-widget/blocks/broken.liquid: undefined filter: no_such_filter");
        expect(page).toContain("loyalty-widget/blocks/bad-schema.liquid: its {% schema %} is not valid JSON");
        expect(page).toContain("<h3>Earn points on every order</h3>");
      } finally {
        await broken.close();
      }
    });
  });

  describe("with the dev store's shop data", () => {
    it("lists customers who have an account and the active products at their lowest price", () => {
      const store = ShopData.create({ myshopifyDomain: DEV_SHOP, name: "Demo Loyalty", currencyCode: "USD" });
      store.createCustomer({ firstName: "Maya", lastName: "Chen", email: "maya@example.com", hasAccount: true });
      store.createCustomer({ firstName: "Guest", lastName: "Buyer", email: "guest@example.com", hasAccount: false });
      store.createProduct({ title: "Cold brew", variants: [{ title: "1 L", price: "24.00" }, { title: "250 ml", price: "9.50" }] });
      store.createProduct({ title: "Unreleased blend", status: "DRAFT", variants: [{ price: "30.00" }] });

      const storefrontView = storefrontViewOf(store);

      expect(storefrontView.shopName).toBe("Demo Loyalty");
      expect(storefrontView.customers().map((customer) => customer.email)).toEqual(["maya@example.com"]);
      expect(storefrontView.products().map(({ title, priceMinorUnits }) => [title, priceMinorUnits])).toEqual([["Cold brew", 950]]);
    });
  });

  it("keeps a code from Shopify's /discount/<code> link for checkout and sends the shopper on, only within the store", async () => {
    const applied = await fetch(`${storefront.url}/discount/${encodeURIComponent("FRIEND-7K2Q")}?redirect=${encodeURIComponent("/cart")}`, { redirect: "manual" });
    expect(applied.status).toBe(303);
    expect(applied.headers.get("location")).toBe("/cart");
    expect(applied.headers.get("set-cookie")).toBe(`${DISCOUNT_COOKIE}=FRIEND-7K2Q; Path=/; SameSite=Lax`);
    for (const elsewhere of ["//evil.example/", "https://evil.example/"]) {
      const response = await fetch(`${storefront.url}/discount/X?redirect=${encodeURIComponent(elsewhere)}`, { redirect: "manual" });
      expect(response.headers.get("location")).toBe("/");
    }
  });
});
