/**
 * npm run graphql-codegen: TypeScript types for every `#graphql` Admin operation in app/shopify, from
 * the real Admin schema of the app's API version (shipped offline in @shopify/dev-mcp, gzipped
 * introspection JSON, unpacked here into .cache/). Writes app/types/admin.types.d.ts (the schema's
 * enums, scalars and inputs) and app/types/admin.generated.d.ts (each operation's result and
 * variables), both committed. An operation the schema does not have fails the generation.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

import type { CodegenConfig } from "@graphql-codegen/cli";
import { ApiType, pluckConfig, preset } from "@shopify/api-codegen-preset";

import { API_VERSION } from "./app/shopify/api-version";

/** The introspection JSON of the app's Admin API version, unpacked once from @shopify/dev-mcp. */
function adminSchemaFile(): string {
  const file = join(".cache", `admin_${API_VERSION}.schema.json`);
  if (!existsSync(file)) {
    // dev-mcp exports no file paths: its data folder is found along Node's module search path.
    const searched = createRequire(import.meta.url).resolve.paths("@shopify/dev-mcp") ?? [];
    const data = searched.map((modules) => join(modules, "@shopify", "dev-mcp", "dist", "data")).find((directory) => existsSync(directory));
    if (!data) throw new Error("The Admin API schema ships with @shopify/dev-mcp, which is not installed");
    const shipped = JSON.parse(gunzipSync(readFileSync(join(data, `admin_${API_VERSION}.json.gz`))).toString("utf8")) as { data: unknown };
    mkdirSync(".cache", { recursive: true });
    writeFileSync(file, JSON.stringify({ data: shipped.data }));
  }
  return file;
}

const schema = adminSchemaFile();

const config: CodegenConfig = {
  overwrite: true,
  // Finds the `#graphql` template literals (Shopify's pluck options, typed looser than codegen's).
  pluckConfig: pluckConfig as CodegenConfig["pluckConfig"],
  generates: {
    "app/types/admin.types.d.ts": {
      schema,
      plugins: ["typescript"],
      // As the app template's: each operation's result picks its fields from these object types.
      config: { defaultScalarType: "string", scalars: { JSON: "unknown" }, enumsAsTypes: true },
    },
    "app/types/admin.generated.d.ts": {
      schema,
      documents: ["app/shopify/operations.ts"],
      preset,
      presetConfig: { apiType: ApiType.Admin },
    },
  },
};

export default config;
