/** The shapes every resolver module shares. */
import type { GraphQLResolveInfo } from "graphql";

import type { ShopData } from "../../store/shop-data";
import type { AdminSchema } from "../admin-schema";
import type { FlowTriggerDefinition } from "../flow-triggers";
import type { SearchWarning } from "../search-syntax";

export interface BulkOperationStarter {
  /** Validates and starts a bulk query; returns Shopify's userErrors when it cannot start. */
  start(query: string, context: AdminContext): { operationId: string } | { userErrors: { field: string[]; message: string; code: string }[] };
  /** The JSONL a finished operation produced, if this process still holds it. */
  hasResult(operationId: string): boolean;
}

export interface AdminContext {
  store: ShopData;
  schema: AdminSchema;
  /** The access scopes the calling token carries. */
  scopes: readonly string[];
  appApiKey: string;
  now: () => Date;
  /** Running inside a bulk operation: connections return every row. */
  bulk: boolean;
  /** Where the dev store is reached, for URLs it hands out (bulk results). */
  origin: string;
  bulkOperations: BulkOperationStarter;
  /** Unknown search fields, reported under extensions.search. */
  searchWarnings: { path: readonly (string | number)[]; query: string; warnings: SearchWarning[] }[];
  /** The app's Flow triggers (its flow_trigger extensions), by handle. */
  flowTriggers: ReadonlyMap<string, FlowTriggerDefinition>;
  /** Grows as execution resolves objects. */
  actualCost: number;
}

// Resolvers receive whatever their parent returned; each module narrows it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Resolver<TSource = any> = (source: TSource, args: any, context: AdminContext, info: GraphQLResolveInfo) => unknown;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TypeResolvers<TSource = any> = Record<string, Resolver<TSource>>;

/** Implemented fields, by GraphQL type name. A field not listed here is refused, never guessed. */
export type ResolverMap = Record<string, TypeResolvers>;

/** Fields read straight off a plain value object. */
export function properties<T extends object>(...names: (keyof T & string)[]): TypeResolvers<T> {
  return Object.fromEntries(names.map((name) => [name, (source: T) => source[name]]));
}
