/**
 * The theme app extension passes Shopify's own linter, with the config Shopify CLI uses for theme
 * app extensions, and stays within the storefront budget of 10 KB of gzipped JS and CSS.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";

import { themeCheckRun, type Offense } from "@shopify/theme-check-node";
import { afterAll, describe, expect, it } from "vitest";

import { buildWidgetScript, WIDGET_ASSET } from "../../storefront-widget/build";

const EXTENSION = path.resolve("extensions/loyalty-widget");
const BUDGET_BYTES = 10 * 1024;

/** "blocks/launcher.liquid:12 TranslationKeyExists: …", so a failure says what to fix. */
function describeOffenses(root: string, offenses: Offense[]): string[] {
  return offenses.map((offense) => `${path.relative(root, new URL(offense.uri).pathname)}:${offense.start.line + 1} ${offense.check}: ${offense.message}`);
}

/** Shopify CLI lints an extension folder with the theme-app-extension config it picks for a folder holding shopify.extension.toml. */
async function lint(root: string): Promise<string[]> {
  const run = await themeCheckRun(root);
  expect(run.config.context).toBe("app");
  return describeOffenses(root, run.offenses);
}

describe("theme app extension", () => {
  const copies: string[] = [];
  afterAll(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it("has no theme-check offenses", async () => {
    expect(await lint(EXTENSION)).toEqual([]);
  }, 60_000);

  it("would be told about a missing translation and a parser-blocking script (the linter really runs)", async () => {
    const copy = mkdtempSync(path.join(tmpdir(), "loyalty-widget-"));
    copies.push(copy);
    cpSync(EXTENSION, copy, { recursive: true });
    const block = path.join(copy, "blocks", "rewards.liquid");
    writeFileSync(block, readFileSync(block, "utf8").replace("<section", `<p>{{ 'loyalty.no_such_text' | t }}</p><script src="{{ 'loyalty-widget.js' | asset_url }}"></script>\n<section`));

    const offenses = await lint(copy);
    expect(offenses.some((offense) => offense.includes("TranslationKeyExists"))).toBe(true);
    expect(offenses.some((offense) => offense.includes("ParserBlockingScript"))).toBe(true);
  }, 60_000);

  it("ships the widget's script built from its source (npm run build:widget), within Shopify's 10,000 bytes", async () => {
    const asset = readFileSync(WIDGET_ASSET, "utf8");
    expect(asset, "run npm run build:widget").toBe(await buildWidgetScript());
    expect(Buffer.byteLength(asset)).toBeLessThanOrEqual(10_000);
  });

  it("keeps all of the widget's JS and CSS within 10 KB gzipped", () => {
    const assetsDir = path.join(EXTENSION, "assets");
    const files = readdirSync(assetsDir).filter((file) => /\.(js|css)$/.test(file));
    expect(files).toEqual(["loyalty-widget.css", "loyalty-widget.js"]);
    const gzipped = files.reduce((total, file) => total + gzipSync(readFileSync(path.join(assetsDir, file))).length, 0);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
