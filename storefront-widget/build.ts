/**
 * The widget's script as Shopify serves it: storefront-widget/loyalty-widget.js minified (esbuild,
 * through Vite) into the theme app extension's assets. Shopify's theme check refuses an app block
 * script over 10,000 bytes, so the readable source lives here and the asset is its build.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

import { transformWithEsbuild } from "vite";

export const WIDGET_SOURCE = path.resolve("storefront-widget/loyalty-widget.js");
export const WIDGET_ASSET = path.resolve("extensions/loyalty-widget/assets/loyalty-widget.js");

const HEADER = "/* Loyalty widget, minified from storefront-widget/loyalty-widget.js by `npm run build:widget`: edit that file. */\n";

export async function buildWidgetScript(): Promise<string> {
  const source = await readFile(WIDGET_SOURCE, "utf8");
  // es2021: the logical assignments (||=) stay as written; every browser Shopify supports has them.
  const { code } = await transformWithEsbuild(source, WIDGET_SOURCE, { minify: true, target: "es2021", legalComments: "none", loader: "js" });
  return HEADER + code;
}
