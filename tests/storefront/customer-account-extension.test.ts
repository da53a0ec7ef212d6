/**
 * The customer account UI extension as Shopify takes it: the targets its toml declares, each
 * committed bundle (what the dev store's account pages load) built from its source by
 * `npm run build:account`, within Shopify's 64 KB for a UI extension's script, and every text the
 * source asks for present in the default locale.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";

import { APP_URL_SOURCE, appUrlSource, buildTargetBundle, EXTENSION_DIR, extensionTargets } from "../../scripts/customer-account-extension";

const toml = parse(readFileSync(path.join(EXTENSION_DIR, "shopify.extension.toml"), "utf8")) as {
  api_version: string;
  extensions: { type: string; handle: string; capabilities?: { network_access?: boolean }; targeting: { target: string; module: string }[] }[];
};

describe("the customer account extension", () => {
  it("declares a full page and an order status block, each its own extension (a full page shares with no other target), with network access to call the app", () => {
    expect(toml.extensions.map((extension) => ({ type: extension.type, targets: extension.targeting.map((entry) => entry.target), network: extension.capabilities?.network_access }))).toEqual([
      { type: "ui_extension", targets: ["customer-account.page.render"], network: true },
      { type: "ui_extension", targets: ["customer-account.order-status.block.render"], network: true },
    ]);
    const { version } = JSON.parse(readFileSync("node_modules/@shopify/ui-extensions/package.json", "utf8")) as { version: string };
    const [year, month] = version.split(".");
    expect(toml.api_version).toBe(`${year}-${month.padStart(2, "0")}`);
  });

  it("calls the app at shopify.app.toml's application_url", async () => {
    expect(readFileSync(APP_URL_SOURCE, "utf8"), "run npm run build:account").toBe(await appUrlSource());
  });

  it("ships each target's bundle built from its source (npm run build:account), within Shopify's 64 KB", async () => {
    const targets = await extensionTargets();
    expect(readdirSync(path.join(EXTENSION_DIR, "bundle")).sort()).toEqual(targets.map((entry) => path.basename(entry.bundle)).sort());
    for (const { target, module, bundle } of targets) {
      const committed = readFileSync(bundle, "utf8");
      expect(committed, `${target}: run npm run build:account`).toBe(await buildTargetBundle(target, module));
      expect(Buffer.byteLength(committed), target).toBeLessThanOrEqual(64 * 1024);
    }
  }, 60_000);

  it("has every text the source translates in locales/en.default.json", () => {
    const locale = JSON.parse(readFileSync(path.join(EXTENSION_DIR, "locales/en.default.json"), "utf8")) as Record<string, unknown>;
    const lookup = (key: string) => key.split(".").reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined), locale);
    const sources = readdirSync(path.join(EXTENSION_DIR, "src"))
      .filter((file) => file.endsWith(".tsx"))
      .map((file) => readFileSync(path.join(EXTENSION_DIR, "src", file), "utf8"))
      .join("\n");
    const keys = [...sources.matchAll(/\bt\(\s*"([\w.]+)"/g)].map((match) => match[1]);
    // The status key is built from the three statuses a redeemed code has.
    keys.push(...["unused", "used", "expired"].map((status) => `my_rewards.status.${status}`));
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.filter((key) => typeof lookup(key) !== "string")).toEqual([]);
  });
});
