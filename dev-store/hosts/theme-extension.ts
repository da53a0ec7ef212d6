import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { parse as parseToml } from "smol-toml";

import { createStorefrontLiquid, type StorefrontGlobals, type Translations } from "./storefront-liquid";

/** A theme app extension (extensions/<dir>/shopify.extension.toml with type = "theme"). */
export interface ThemeAppExtension {
  handle: string;
  name: string;
  directory: string;
  /** Blocks a merchant places in a section (schema target "section"). */
  appBlocks: ThemeBlock[];
  /** App embeds, rendered on every page (schema target "head", "body" or "compliance_head"). */
  appEmbeds: ThemeBlock[];
}

export interface ThemeBlock {
  /** The file name without .liquid: how the theme editor refers to the block. */
  name: string;
  target: "section" | "head" | "body" | "compliance_head";
  schema: ThemeBlockSchema;
  /** The block's Liquid without its {% schema %} tag. */
  liquid: string;
}

export interface ThemeBlockSchema {
  name?: string;
  target?: string;
  javascript?: string;
  stylesheet?: string;
  settings?: Array<{ id?: string; type?: string; default?: unknown }>;
  [key: string]: unknown;
}

export interface LoadedThemeExtensions {
  extensions: ThemeAppExtension[];
  /** Files that could not be read, reported on the page instead of failing it. */
  problems: string[];
}

const TARGETS = new Set(["section", "head", "body", "compliance_head"]);
const SCHEMA_TAG = /\{%-?\s*schema\s*-?%\}([\s\S]*?)\{%-?\s*endschema\s*-?%\}/;

/** Reads every theme app extension under `extensionsDir`; a missing folder means none yet. */
export function loadThemeAppExtensions(extensionsDir: string): LoadedThemeExtensions {
  const loaded: LoadedThemeExtensions = { extensions: [], problems: [] };
  if (!existsSync(extensionsDir)) return loaded;
  for (const entry of readdirSync(extensionsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const directory = path.join(extensionsDir, entry.name);
    const tomlPath = path.join(directory, "shopify.extension.toml");
    if (!existsSync(tomlPath)) continue;
    try {
      const identity = themeExtensionIdentity(parseToml(readFileSync(tomlPath, "utf8")), entry.name);
      if (identity) loaded.extensions.push(readThemeExtension(directory, identity, loaded.problems));
    } catch (error) {
      loaded.problems.push(`${path.relative(extensionsDir, tomlPath)}: ${(error as Error).message}`);
    }
  }
  return loaded;
}

/** Both layouts of shopify.extension.toml: top-level fields, or an [[extensions]] list. */
function themeExtensionIdentity(toml: Record<string, unknown>, directoryName: string): { handle: string; name: string } | null {
  const candidates = Array.isArray(toml.extensions) ? (toml.extensions as Array<Record<string, unknown>>) : [toml];
  const theme = candidates.find((candidate) => candidate.type === "theme");
  if (!theme) return null;
  const handle = typeof theme.handle === "string" ? theme.handle : directoryName;
  return { handle, name: typeof theme.name === "string" ? theme.name : handle };
}

function readThemeExtension(directory: string, identity: { handle: string; name: string }, problems: string[]): ThemeAppExtension {
  const blocks: ThemeBlock[] = [];
  const blocksDir = path.join(directory, "blocks");
  const files = existsSync(blocksDir) ? readdirSync(blocksDir).filter((file) => file.endsWith(".liquid")).sort() : [];
  for (const file of files) {
    const where = `${identity.handle}/blocks/${file}`;
    try {
      blocks.push(parseThemeBlock(file.slice(0, -".liquid".length), readFileSync(path.join(blocksDir, file), "utf8")));
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
  }
  return {
    ...identity,
    directory,
    appBlocks: blocks.filter((block) => block.target === "section"),
    appEmbeds: blocks.filter((block) => block.target !== "section"),
  };
}

export function parseThemeBlock(name: string, source: string): ThemeBlock {
  const match = SCHEMA_TAG.exec(source);
  if (!match) throw new Error("has no {% schema %} tag");
  let schema: ThemeBlockSchema;
  try {
    schema = JSON.parse(match[1]) as ThemeBlockSchema;
  } catch (error) {
    throw new Error(`its {% schema %} is not valid JSON (${(error as Error).message})`);
  }
  const target = schema.target ?? "section";
  if (!TARGETS.has(target)) throw new Error(`schema target "${target}" is not section, head, body or compliance_head`);
  return { name, target: target as ThemeBlock["target"], schema, liquid: source.replace(SCHEMA_TAG, "") };
}

/** The extension's strings for a locale: locales/<locale>.json, else the default locale file. */
export function extensionTranslations(extension: ThemeAppExtension, locale: string): Translations {
  const localesDir = path.join(extension.directory, "locales");
  if (!existsSync(localesDir)) return {};
  const files = readdirSync(localesDir).filter((file) => file.endsWith(".json") && !file.endsWith(".schema.json"));
  const file =
    files.find((candidate) => candidate === `${locale}.json` || candidate === `${locale}.default.json`) ??
    files.find((candidate) => candidate.endsWith(".default.json"));
  return file ? (JSON.parse(readFileSync(path.join(localesDir, file), "utf8")) as Translations) : {};
}

/** Where the storefront serves an extension's assets (Shopify serves them from its CDN). */
export function extensionAssetUrl(extension: Pick<ThemeAppExtension, "handle">, file: string): string {
  return `/extensions/${encodeURIComponent(extension.handle)}/assets/${encodeURIComponent(file)}`;
}

/** A stable id per block, in the shape of the ids Shopify gives app blocks. */
export function themeBlockId(extension: ThemeAppExtension, block: ThemeBlock): string {
  const digest = createHash("sha256").update(`${extension.handle}/${block.name}`).digest("base64url").slice(0, 14);
  return `A${digest}__${`${extension.handle}_${block.name}`.replace(/[^\w]/g, "_")}`;
}

/**
 * Renders one block the way a theme does: `block` with its settings' defaults, the schema's
 * `javascript`/`stylesheet` assets included, and (outside <head>) Shopify's app-block container.
 */
export async function renderThemeBlock(options: {
  extension: ThemeAppExtension;
  block: ThemeBlock;
  globals: StorefrontGlobals;
  locale: string;
}): Promise<string> {
  const { extension, block } = options;
  const id = themeBlockId(extension, block);
  const engine = createStorefrontLiquid({
    currencyCode: options.globals.shop.currency,
    snippetsDir: path.join(extension.directory, "snippets"),
    assetUrl: (file) => extensionAssetUrl(extension, file),
    translations: { locale: options.locale, strings: extensionTranslations(extension, options.locale) },
  });
  const settings = Object.fromEntries(
    (block.schema.settings ?? []).filter((setting) => setting.id).map((setting) => [setting.id as string, setting.default ?? null]),
  );
  // Theme-wide objects (shop, customer, routes, request) are globals: snippets see them too, as on Shopify.
  const markup = await engine.parseAndRender(
    block.liquid,
    {
      app: { metafields: {} },
      block: { id, type: `shopify://apps/${extension.handle}/blocks/${block.name}`, settings, shopify_attributes: "" },
    },
    { globals: { ...options.globals } },
  );
  const assets = [
    block.schema.stylesheet ? `<link rel="stylesheet" href="${extensionAssetUrl(extension, block.schema.stylesheet)}">` : "",
    block.schema.javascript ? `<script src="${extensionAssetUrl(extension, block.schema.javascript)}" defer></script>` : "",
  ].join("");
  // Head embeds go into <head> as they are; a <div> there would end the head early.
  if (block.target === "head" || block.target === "compliance_head") return `${assets}${markup}`;
  return `<div id="shopify-block-${id}" class="shopify-block shopify-app-block">${assets}${markup}</div>`;
}
