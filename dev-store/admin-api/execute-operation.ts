/**
 * Runs a validated operation against the real schema with the dev store's resolvers. Strict: a field
 * the dev store does not implement is refused before anything runs, never answered with null.
 * Access scopes are enforced per field from the schema's own access metadata.
 */
import {
  GraphQLError,
  Kind,
  TypeInfo,
  execute,
  getNamedType,
  isAbstractType,
  isObjectType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type GraphQLTypeResolver,
  type OperationDefinitionNode,
} from "graphql";

import { hasScope } from "../oauth/app-scopes";
import { parseGid } from "../store/gid";
import type { AccessRule } from "./admin-schema";
import { parentsOf, staticPath, type ShopifyGraphQLError } from "./operation-errors";
import { actualFieldCost, isConnectionType, MUTATION_COST } from "./query-cost";
import { bulkOperationResolvers } from "./resolvers/bulk-operations";
import { customerResolvers } from "./resolvers/customers";
import { discountResolvers } from "./resolvers/discounts";
import { metafieldResolvers } from "./resolvers/metafields";
import { nodeResolvers } from "./resolvers/nodes";
import { orderResolvers } from "./resolvers/orders";
import { productResolvers } from "./resolvers/products";
import type { AdminContext, ResolverMap } from "./resolvers/resolver-types";
import { shopResolvers } from "./resolvers/shop";
import { shopToolsResolvers } from "./resolvers/shop-tools";
import { storeCreditResolvers } from "./resolvers/store-credit";
import { isGenericConnectionField, valueResolvers } from "./resolvers/values";

function mergeResolvers(...maps: ResolverMap[]): ResolverMap {
  const merged: ResolverMap = {};
  for (const map of maps) {
    for (const [typeName, fields] of Object.entries(map)) merged[typeName] = { ...merged[typeName], ...fields };
  }
  return merged;
}

export const RESOLVERS: ResolverMap = mergeResolvers(
  valueResolvers,
  shopResolvers,
  customerResolvers,
  orderResolvers,
  productResolvers,
  discountResolvers,
  metafieldResolvers,
  bulkOperationResolvers,
  storeCreditResolvers,
  shopToolsResolvers,
  nodeResolvers,
);

function implemented(typeName: string, fieldName: string): boolean {
  return Boolean(RESOLVERS[typeName]?.[fieldName]) || isGenericConnectionField(typeName, fieldName);
}

/** Whether the dev store ever hands out objects of this type (so a field on it must be implemented). */
function produced(typeName: string): boolean {
  return typeName in RESOLVERS || typeName.endsWith("Connection") || typeName.endsWith("Edge") || typeName === "PageInfo";
}

export function notImplementedError(typeName: string, fieldName: string, extra: Omit<ShopifyGraphQLError, "message" | "extensions"> = {}): ShopifyGraphQLError {
  return {
    message: `dev store does not implement ${typeName}.${fieldName}`,
    ...extra,
    extensions: { code: "DEV_STORE_NOT_IMPLEMENTED", typeName, fieldName },
  };
}

/** Every field the operation could reach that the dev store has no resolver for. */
export function unimplementedFieldErrors(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): ShopifyGraphQLError[] {
  const errors: ShopifyGraphQLError[] = [];
  const parents = parentsOf(document);
  const typeInfo = new TypeInfo(schema);
  const definitions = document.definitions.filter((definition) => definition === operation || definition.kind === Kind.FRAGMENT_DEFINITION);
  const report = (node: FieldNode, typeName: string) =>
    errors.push(notImplementedError(typeName, node.name.value, {
      locations: node.loc ? [{ line: node.loc.startToken.line, column: node.loc.startToken.column }] : undefined,
      path: staticPath(node, parents),
    }));
  for (const definition of definitions) {
    visit(definition, visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const fieldName = node.name.value;
        if (!parent || fieldName.startsWith("__") || parent.name.startsWith("__")) return;
        if (isObjectType(parent)) {
          if (produced(parent.name) && !implemented(parent.name, fieldName)) report(node, parent.name);
          return;
        }
        if (isAbstractType(parent)) {
          const missing = schema.getPossibleTypes(parent).find((type) => produced(type.name) && !implemented(type.name, fieldName));
          if (missing) report(node, missing.name);
        }
      },
    }));
  }
  return errors;
}

/** What a field's access is judged by: a connection by the objects it lists. */
function subjectOf(type: GraphQLNamedType): GraphQLNamedType {
  if (isConnectionType(type)) {
    const nodes = type.getFields().nodes ?? type.getFields().edges;
    const named = getNamedType(nodes.type);
    return isObjectType(named) && named.name.endsWith("Edge") ? getNamedType(named.getFields().node.type) : named;
  }
  return type;
}

function accessDenied(fieldName: string, rule: AccessRule): GraphQLError {
  return new GraphQLError(`Access denied for ${fieldName} field. Required access: ${rule.requiredAccess}`, {
    extensions: { code: "ACCESS_DENIED", documentation: "https://shopify.dev/api/usage/access-scopes", requiredAccess: rule.requiredAccess },
  });
}

function checkAccess(info: GraphQLResolveInfo, context: AdminContext): void {
  const granted = (rule: AccessRule | undefined) => !rule || rule.anyOf.some((scope) => hasScope(context.scopes, scope));
  const fieldRule = context.schema.fieldAccess.get(`${info.parentType.name}.${info.fieldName}`);
  if (!granted(fieldRule)) throw accessDenied(info.fieldName, fieldRule!);
  const subject = subjectOf(getNamedType(info.returnType));
  const typeRule = isObjectType(subject) ? context.schema.typeAccess.get(subject.name) : undefined;
  if (!granted(typeRule)) throw accessDenied(info.fieldName, typeRule!);
}

/** Shopify coerces every ID argument to a global id before resolving anything. */
function checkGlobalIds(args: Record<string, unknown>, info: GraphQLResolveInfo): void {
  for (const argument of info.parentType.getFields()[info.fieldName].args) {
    if (getNamedType(argument.type).name !== "ID") continue;
    const given = args[argument.name];
    for (const value of Array.isArray(given) ? given : [given]) {
      if (value !== undefined && value !== null && !parseGid(String(value))) {
        throw new GraphQLError(`Invalid global id '${String(value)}'`, { extensions: { code: "argumentLiteralsIncompatible", typeName: "CoercionError" } });
      }
    }
  }
}

const fieldResolver: GraphQLFieldResolver<unknown, AdminContext> = (source, args, context, info) => {
  checkAccess(info, context);
  checkGlobalIds(args, info);
  const resolve = RESOLVERS[info.parentType.name]?.[info.fieldName];
  let value: unknown;
  if (resolve) value = resolve(source, args, context, info);
  else if (isGenericConnectionField(info.parentType.name, info.fieldName)) value = (source as Record<string, unknown>)[info.fieldName];
  else throw new GraphQLError(notImplementedError(info.parentType.name, info.fieldName).message, { extensions: { code: "DEV_STORE_NOT_IMPLEMENTED" } });
  if (info.operation.operation === "mutation") {
    if (info.path.prev === undefined) context.actualCost += MUTATION_COST;
  } else {
    context.actualCost += actualFieldCost(info.returnType, value);
  }
  return value;
};

/** Records know their type from their GID; view objects say it with __typename. */
const typeResolver: GraphQLTypeResolver<unknown, AdminContext> = (value) => {
  const record = value as { __typename?: string; id?: string };
  if (record.__typename) return record.__typename;
  return record.id ? /^gid:\/\/shopify\/(\w+)\//.exec(record.id)?.[1] : undefined;
};

export async function executeOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  context: AdminContext,
): Promise<ExecutionResult> {
  return execute({
    schema,
    document,
    operationName: operation.name?.value,
    variableValues: variables,
    contextValue: context,
    fieldResolver,
    typeResolver,
  });
}
