/**
 * The customer account UI extension's bundles, built offline: each target's module
 * (extensions/customer-account/src) bundled with Preact and minified by Vite into
 * extensions/customer-account/bundle, which the dev store's customer account host loads. Shopify CLI
 * builds the same sources on `shopify app deploy`. The app's address the extension calls is
 * shopify.app.toml's application_url, written into src/app-url.ts.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

import { parse } from "smol-toml";
import { build, transformWithEsbuild, type Rollup } from "vite";

export const EXTENSION_DIR = path.resolve("extensions/customer-account");
export const APP_URL_SOURCE = path.join(EXTENSION_DIR, "src/app-url.ts");
export const BUNDLE_DIR = path.join(EXTENSION_DIR, "bundle");

/** Each target and its module, as shopify.extension.toml declares them. */
export async function extensionTargets(): Promise<{ target: string; module: string; bundle: string }[]> {
  const toml = parse(await readFile(path.join(EXTENSION_DIR, "shopify.extension.toml"), "utf8")) as {
    extensions: { targeting: { target: string; module: string }[] }[];
  };
  return toml.extensions.flatMap((extension) =>
    extension.targeting.map(({ target, module }) => ({ target, module: path.join(EXTENSION_DIR, module), bundle: path.join(BUNDLE_DIR, `${target}.js`) })),
  );
}

/** src/app-url.ts for the app's address in shopify.app.toml. */
export async function appUrlSource(appTomlPath = path.resolve("shopify.app.toml")): Promise<string> {
  const { application_url: url } = parse(await readFile(appTomlPath, "utf8")) as { application_url?: unknown };
  if (typeof url !== "string" || !/^https?:\/\//.test(url)) throw new Error("shopify.app.toml: application_url must be the app's https URL");
  return `// Written by \`npm run build:account\` from shopify.app.toml's application_url: edit that, not this.
/** Where the app answers the extension's requests (its /customer-account/* routes). */
export const APP_URL = ${JSON.stringify(url.replace(/\/+$/, ""))};
`;
}

const header = (target: string, module: string) =>
  `/* ${target}: built from extensions/customer-account/${path.relative(EXTENSION_DIR, module)} by \`npm run build:account\`: edit the source. */\n`;

/** One target's bundle: an ES module whose default export renders the extension, as Shopify calls it. */
export async function buildTargetBundle(target: string, module: string): Promise<string> {
  // Vite reads NODE_ENV for its production switches (JSX without dev checks among them); tests run with "test".
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  let output: Rollup.RollupOutput[] | Rollup.RollupOutput;
  try {
    output = await bundleWithVite(module);
  } finally {
    if (nodeEnv === undefined) Reflect.deleteProperty(process.env, "NODE_ENV");
    else process.env.NODE_ENV = nodeEnv;
  }
  const [chunk] = (Array.isArray(output) ? output[0] : output).output;
  if (chunk.type !== "chunk") throw new Error(`${module}: no script in the build`);
  // Vite leaves an ES library's whitespace for later bundlers; this is the last step, so minify it all.
  const { code } = await transformWithEsbuild(chunk.code, `${target}.js`, { minify: true, target: "es2022", format: "esm", legalComments: "none", loader: "js" });
  return header(target, module) + code;
}

async function bundleWithVite(module: string) {
  return (await build({
    configFile: false,
    logLevel: "silent",
    root: EXTENSION_DIR,
    mode: "production",
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    esbuild: { jsx: "automatic", jsxImportSource: "preact", legalComments: "none" },
    build: {
      write: false,
      target: "es2022",
      minify: "esbuild",
      lib: { entry: module, formats: ["es"], fileName: () => "bundle.js" },
      rollupOptions: { output: { inlineDynamicImports: true } },
    },
  })) as Rollup.RollupOutput[] | Rollup.RollupOutput;
}
