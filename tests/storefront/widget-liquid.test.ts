/**
 * The extension's Liquid, rendered the way the dev storefront renders it, with the global objects
 * a Shopify theme provides (including `routes`, which Shopify sets per storefront locale).
 */
import path from "node:path";

import { describe, expect, it } from "vitest";

import { storefrontGlobals, type StorefrontGlobals } from "../../dev-store/hosts/storefront-liquid";
import { loadThemeAppExtensions, renderThemeBlock, type ThemeAppExtension, type ThemeBlock } from "../../dev-store/hosts/theme-extension";

const { extensions } = loadThemeAppExtensions(path.resolve("extensions"));
const widget = extensions.find((extension) => extension.handle === "loyalty-widget") as ThemeAppExtension;
const MAYA = { id: "gid://shopify/Customer/7412000000001", firstName: "Maya", lastName: "Chen", email: "maya@example.com" };

function globals(options: { signedIn: boolean; locale?: string }): StorefrontGlobals {
  const prefix = options.locale && options.locale !== "en" ? `/${options.locale}` : "";
  return {
    ...storefrontGlobals({
      shopName: "Bean & Leaf",
      shopDomain: "bean-and-leaf.myshopify.com",
      currencyCode: "USD",
      customer: options.signedIn ? MAYA : null,
      url: new URL("https://bean-and-leaf.example/"),
      pageType: "index",
      locale: options.locale ?? "en",
    }),
    routes: {
      root_url: `${prefix}/`,
      cart_url: `${prefix}/cart`,
      account_login_url: `${prefix}/account/login`,
      account_register_url: `${prefix}/account/register`,
    },
  } as StorefrontGlobals;
}

function block(name: string, settings: Record<string, unknown> = {}): ThemeBlock {
  const found = [...widget.appBlocks, ...widget.appEmbeds].find((candidate) => candidate.name === name) as ThemeBlock;
  // The theme editor's values for the block, in place of its defaults.
  const schemaSettings = (found.schema.settings ?? []).map((setting) => (setting.id && setting.id in settings ? { ...setting, default: settings[setting.id] } : setting));
  return { ...found, schema: { ...found.schema, settings: schemaSettings } };
}

async function render(name: string, options: { signedIn: boolean; locale?: string; settings?: Record<string, unknown> }): Promise<string> {
  return renderThemeBlock({ extension: widget, block: block(name, options.settings), globals: globals(options), locale: options.locale ?? "en" });
}

/** Markup with character references decoded, so an assertion reads like the page. */
function decoded(markup: string): string {
  return markup.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replaceAll("&quot;", '"').replaceAll("&amp;", "&");
}

describe("loyalty widget Liquid", () => {
  it("has an app embed in <body> and an app block for sections, sharing one deferred script and stylesheet", () => {
    expect(widget.appEmbeds.map((embed) => [embed.name, embed.target])).toEqual([["launcher", "body"]]);
    expect(widget.appBlocks.map((appBlock) => appBlock.name)).toEqual(["rewards"]);
    for (const themeBlock of [...widget.appEmbeds, ...widget.appBlocks]) {
      expect(themeBlock.schema).toMatchObject({ javascript: "loyalty-widget.js", stylesheet: "loyalty-widget.css" });
    }
  });

  it("shows a guest how to join and sign in through the storefront's own account routes", async () => {
    for (const name of ["launcher", "rewards"]) {
      const markup = await render(name, { signedIn: false });
      expect(markup).toContain(`href="/account/register">Join now</a>`);
      expect(markup).toContain(`href="/account/login">Sign in</a>`);
      expect(markup).toContain("How it works");
      expect(markup).not.toContain("data-loyalty-account");
      expect(markup).not.toContain("Translation missing");
    }
  });

  it("gives a signed-in customer an account area to fill once opened, behind a labelled control", async () => {
    const launcher = await render("launcher", { signedIn: true });
    expect(launcher).toContain("Hi Maya");
    expect(launcher).toContain('data-customer="7412000000001"');
    expect(launcher).toContain("data-loyalty-account");
    expect(launcher).not.toContain("Join now");
    expect(launcher).toMatch(/<button[^>]*aria-expanded="false"[^>]*aria-controls="(LoyaltyPanel-[^"]+)"[\s\S]*id="\1"[^>]*role="dialog"[^>]*aria-modal="true"[^>]*aria-labelledby=/);

    const rewards = await render("rewards", { signedIn: true });
    expect(rewards).toMatch(/<button[^>]*aria-expanded="false"[^>]*aria-controls="(LoyaltyRewards-[^"]+)"[\s\S]*id="\1" hidden>/);
    expect(rewards).toContain("See my points and rewards");
  });

  it("speaks the storefront's language, with locale-aware routes", async () => {
    const markup = decoded(await render("launcher", { signedIn: false, locale: "fr" }));
    expect(markup).toContain("Programme de fidélité Bean & Leaf");
    expect(markup).toContain(`href="/fr/account/register">Je m'inscris</a>`);
    expect(markup).toContain(`data-cart-url="/fr/cart"`);
    expect(markup).not.toContain("Translation missing");
  });

  it("applies the merchant's colours, position and copy, escaped", async () => {
    const markup = await render("launcher", {
      signedIn: false,
      settings: { accent_color: "#7a2e8e", text_color: "#222222", position: "left", bottom_offset: 88, launcher_label: "Perks <3", program_title: "<b>VIP</b> club" },
    });
    expect(markup).toContain("loyalty-widget--left");
    expect(markup).toContain("--loyalty-accent: #7a2e8e;");
    expect(markup).toContain("--loyalty-text: #222222;");
    expect(markup).toContain("--loyalty-offset: 88px;");
    expect(markup).toContain("<span>Perks &lt;3</span>");
    expect(markup).toContain(">&lt;b&gt;VIP&lt;/b&gt; club</h2>");
    expect(markup).not.toContain("<b>VIP</b>");
  });
});
