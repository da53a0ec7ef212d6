import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { parse, TypeInfo, validate, visit, visitWithTypeInfo, getNamedType, type DocumentNode } from "graphql";
import { describe, expect, it } from "vitest";

import { API_VERSION } from "../../app/shopify/api-version";
import * as operations from "../../app/shopify/operations";
import { adminSchema } from "../../dev-store/admin-api/admin-schema";

const toml = parseToml(readFileSync("shopify.app.toml", "utf8")) as {
  webhooks: { api_version: string };
  access_scopes: { scopes: string };
};
const grantedScopes = toml.access_scopes.scopes.split(",").map((scope) => scope.trim());
const schema = adminSchema(API_VERSION);

/** The operation texts the committed generated types know: the keys of its query and mutation interfaces. */
const generatedOperations = [...readFileSync("app/types/admin.generated.d.ts", "utf8").matchAll(/^ {2}("#graphql(?:[^"\\]|\\.)*"): \{return: /gm)].map(
  (match) => JSON.parse(match[1]) as string,
);

const documents = Object.entries(operations as Record<string, unknown>)
  .filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1].includes("#graphql"))
  .map(([name, source]) => [name, parse(source)] as const);

/** The access scopes Shopify demands for the types and fields an operation touches. */
function missingAccess(document: DocumentNode, granted: string[]): Set<string> {
  const required = new Set<string>();
  const typeInfo = new TypeInfo(schema!.schema);
  const demand = (rule: { anyOf: string[] } | undefined) => {
    if (rule && !rule.anyOf.some((scope) => granted.includes(scope) || granted.includes(scope.replace(/^read_/, "write_")))) {
      required.add(rule.anyOf.join(" or "));
    }
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return;
        demand(schema!.fieldAccess.get(`${parent.name}.${field.name}`));
        demand(schema!.typeAccess.get(getNamedType(field.type).name));
      },
    }),
  );
  return required;
}

describe("Admin GraphQL operations", () => {
  it("speak one API version: the app's, the toml's webhooks and a schema we have", () => {
    expect(toml.webhooks.api_version).toBe(API_VERSION);
    expect(schema, `no Admin schema for ${API_VERSION} in @shopify/dev-mcp`).not.toBeNull();
    expect(documents.length).toBeGreaterThan(0);
  });

  it.each(documents)("%s validates against the real Admin schema", (_name, document) => {
    expect(validate(schema!.schema, document).map((error) => error.message)).toEqual([]);
  });

  it.each(documents)("%s needs no access scope beyond shopify.app.toml's", (_name, document) => {
    expect([...missingAccess(document, grantedScopes)]).toEqual([]);
  });

  it("would catch an operation that needs a scope the app does not ask for", () => {
    const discounts = parse("query { discountNodes(first: 1) { nodes { id } } }");
    expect([...missingAccess(discounts, ["read_orders"])]).toEqual([expect.stringContaining("read_discounts")]);
  });

  // adminQuery takes only operations generated from the schema (npm run graphql-codegen), keyed by text.
  it.each(documents)("%s has its generated result and variables types (app/types/admin.generated.d.ts)", (name) => {
    expect(generatedOperations, "run npm run graphql-codegen").toContain((operations as Record<string, string>)[name]);
  });

  it("would catch a typo", () => {
    const typo = parse("query { shop { nmae } }");
    expect(validate(schema!.schema, typo).map((error) => error.message)).toEqual([
      'Cannot query field "nmae" on type "Shop". Did you mean "name"?',
    ]);
  });
});
