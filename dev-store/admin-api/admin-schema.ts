/**
 * Shopify's real Admin GraphQL schema, one per API version, as @shopify/dev-mcp ships it (introspection
 * JSON with each type's and field's required access scopes). Parsed once per version per process.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from "graphql";

/** Who may read or write something: any one of `anyOf` (a write_ scope also grants its read_). */
export interface AccessRule {
  requiredAccess: string;
  anyOf: string[];
}

export interface AdminSchema {
  version: string;
  schema: GraphQLSchema;
  /** Keyed by type name, e.g. "Customer". */
  typeAccess: ReadonlyMap<string, AccessRule>;
  /** Keyed by "Type.field", e.g. "Mutation.discountCodeBasicCreate". */
  fieldAccess: ReadonlyMap<string, AccessRule>;
}

interface ShippedSchemaFile {
  data: IntrospectionQuery;
  offline_scopes?: {
    items: { type: "type" | "field"; typeName: string; fieldName?: string; requiredAccess: string; offlineScopes: string[] }[];
  };
}

/** dev-mcp exports no file paths, so find its data folder along Node's module search path. */
function schemaDirectory(): string {
  const searched = createRequire(import.meta.url).resolve.paths("@shopify/dev-mcp") ?? [];
  const found = searched.map((modules) => join(modules, "@shopify", "dev-mcp", "dist", "data")).find((directory) => existsSync(directory));
  if (!found) throw new Error("The Admin API schema ships with @shopify/dev-mcp, which is not installed");
  return found;
}

let versions: string[] | null = null;

/** The Admin API versions the dev store can serve: those whose schema ships with @shopify/dev-mcp. */
export function servedApiVersions(): string[] {
  versions ??= readdirSync(schemaDirectory())
    .map((file) => /^admin_(\d{4}-\d{2}|unstable)\.json\.gz$/.exec(file)?.[1])
    .filter((version): version is string => Boolean(version))
    .sort();
  return versions;
}

const loaded = new Map<string, AdminSchema>();

export function adminSchema(version: string): AdminSchema | null {
  const cached = loaded.get(version);
  if (cached) return cached;
  if (!servedApiVersions().includes(version)) return null;
  const file = join(schemaDirectory(), `admin_${version}.json.gz`);
  if (!existsSync(file)) return null;
  const shipped = JSON.parse(gunzipSync(readFileSync(file)).toString("utf8")) as ShippedSchemaFile;
  const typeAccess = new Map<string, AccessRule>();
  const fieldAccess = new Map<string, AccessRule>();
  for (const item of shipped.offline_scopes?.items ?? []) {
    if (item.offlineScopes.length === 0) continue;
    const rule = { requiredAccess: item.requiredAccess, anyOf: item.offlineScopes };
    if (item.type === "type") typeAccess.set(item.typeName, rule);
    else fieldAccess.set(`${item.typeName}.${item.fieldName}`, rule);
  }
  const schema: AdminSchema = { version, schema: buildClientSchema(shipped.data), typeAccess, fieldAccess };
  loaded.set(version, schema);
  return schema;
}
