/**
 * Runs bulk query operations in the background: validates the query against Shopify's bulk rules,
 * moves the operation CREATED → RUNNING → COMPLETED (or FAILED), reads every row, and writes Shopify's
 * JSONL: one object per line, nested connection nodes on their own lines with `__parentId`.
 */
import {
  GraphQLError,
  Kind,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

import type { AdminSchema } from "./admin-schema";
import { unimplementedFieldErrors } from "./execute-operation";
import { validationErrors } from "./operation-errors";
import { isConnectionType } from "./query-cost";
import type { AdminContext, BulkOperationStarter } from "./resolvers/resolver-types";

type Execute = (schema: AdminSchema, document: DocumentNode, operation: OperationDefinitionNode, context: AdminContext) => Promise<ExecutionResult>;

interface BulkUserError {
  field: string[];
  message: string;
  code: string;
}

const MAX_CONNECTIONS = 5;
const MAX_CONNECTION_DEPTH = 2;

/** From 2026-01 an app may run five bulk queries per shop at once; before, one. */
function concurrencyLimit(apiVersion: string): number {
  return apiVersion === "unstable" || apiVersion >= "2026-01" ? 5 : 1;
}

function invalid(message: string): { userErrors: BulkUserError[] } {
  return { userErrors: [{ field: ["query"], message, code: "INVALID" }] };
}

function isListOutput(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/** The fields a selection set asks of an object type, fragments spread in, first occurrence per response key. */
function fieldsOf(type: GraphQLObjectType, selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): FieldNode[] {
  const fields = new Map<string, FieldNode>();
  const collect = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        if (!fields.has(key)) fields.set(key, selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!selection.typeCondition || selection.typeCondition.name.value === type.name) collect(selection.selectionSet);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && fragment.typeCondition.name.value === type.name) collect(fragment.selectionSet);
      }
    }
  };
  collect(selectionSet);
  return [...fields.values()];
}

/** The object type one node of a connection has. */
function nodeTypeOf(connection: GraphQLObjectType): GraphQLObjectType | null {
  const nodes = connection.getFields().nodes;
  const named = nodes ? getNamedType(nodes.type) : null;
  return named && isObjectType(named) ? named : null;
}

/** The node selection of a connection field, whether written with `nodes` or `edges { node }`. */
function nodeSelection(connection: GraphQLObjectType, field: FieldNode, fragments: Map<string, FragmentDefinitionNode>): SelectionSetNode | null {
  if (!field.selectionSet) return null;
  for (const child of fieldsOf(connection, field.selectionSet, fragments)) {
    if (child.name.value === "nodes" && child.selectionSet) return child.selectionSet;
    if (child.name.value === "edges" && child.selectionSet) {
      const edge = getNamedType(connection.getFields().edges.type) as GraphQLObjectType;
      const node = fieldsOf(edge, child.selectionSet, fragments).find((edgeField) => edgeField.name.value === "node");
      if (node?.selectionSet) return node.selectionSet;
    }
  }
  return null;
}

interface Shape {
  connections: number;
  depth: number;
  problem: string | null;
}

/** Counts connections and their nesting, and finds the shapes Shopify's bulk queries refuse. */
function measure(type: GraphQLObjectType, selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, insideList: boolean): Shape {
  const shape: Shape = { connections: 0, depth: 0, problem: null };
  for (const field of fieldsOf(type, selectionSet, fragments)) {
    const definition = type.getFields()[field.name.value];
    if (!definition || !field.selectionSet) continue;
    const named = getNamedType(definition.type);
    if (!isObjectType(named)) continue;
    if (isConnectionType(named)) {
      if (insideList) shape.problem ??= "Queries that contain a connection field within a list field are not currently supported.";
      const nodeType = nodeTypeOf(named);
      const nodes = nodeSelection(named, field, fragments);
      const inner = nodeType && nodes ? measure(nodeType, nodes, fragments, false) : { connections: 0, depth: 0, problem: null };
      shape.connections += 1 + inner.connections;
      shape.depth = Math.max(shape.depth, 1 + inner.depth);
      shape.problem ??= inner.problem;
    } else {
      const inner = measure(named, field.selectionSet, fragments, insideList || isListOutput(definition.type));
      shape.connections += inner.connections;
      shape.depth = Math.max(shape.depth, inner.depth);
      shape.problem ??= inner.problem;
    }
  }
  return shape;
}

const ID_FIELD: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: "id" } };

/** A nested connection's rows name their parent by id, so a parent of one always selects it. */
function withParentIds(type: GraphQLObjectType, selectionSet: SelectionSetNode): SelectionSetNode {
  let parentOfConnection = false;
  const selections = selectionSet.selections.map((selection) => {
    if (selection.kind !== Kind.FIELD || !selection.selectionSet) return selection;
    const definition = type.getFields()[selection.name.value];
    const named = definition ? getNamedType(definition.type) : null;
    if (!named || !isObjectType(named)) return selection;
    if (isConnectionType(named)) {
      parentOfConnection = true;
      return { ...selection, selectionSet: connectionWithParentIds(named, selection.selectionSet) };
    }
    return { ...selection, selectionSet: withParentIds(named, selection.selectionSet) };
  });
  const selectsId = selections.some((selection) => selection.kind === Kind.FIELD && selection.name.value === "id" && !selection.alias);
  const needsId = parentOfConnection && !selectsId && "id" in type.getFields();
  return { ...selectionSet, selections: needsId ? [ID_FIELD, ...selections] : selections };
}

function connectionWithParentIds(connection: GraphQLObjectType, selectionSet: SelectionSetNode): SelectionSetNode {
  const nodeType = nodeTypeOf(connection);
  if (!nodeType) return selectionSet;
  return {
    ...selectionSet,
    selections: selectionSet.selections.map((selection) => {
      if (selection.kind !== Kind.FIELD || !selection.selectionSet) return selection;
      if (selection.name.value === "nodes") return { ...selection, selectionSet: withParentIds(nodeType, selection.selectionSet) };
      if (selection.name.value !== "edges") return selection;
      return {
        ...selection,
        selectionSet: {
          ...selection.selectionSet,
          selections: selection.selectionSet.selections.map((edgeSelection) =>
            edgeSelection.kind === Kind.FIELD && edgeSelection.name.value === "node" && edgeSelection.selectionSet
              ? { ...edgeSelection, selectionSet: withParentIds(nodeType, edgeSelection.selectionSet) }
              : edgeSelection,
          ),
        },
      };
    }),
  };
}

/** Flattens the result into JSONL lines in Shopify's bulk format. */
function jsonLines(schema: AdminSchema, operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>, data: Record<string, unknown>): { lines: string[]; roots: number } {
  const lines: string[] = [];
  let roots = 0;
  const emit = (type: GraphQLObjectType, selectionSet: SelectionSetNode, value: Record<string, unknown>, parentId: string | null) => {
    const line: Record<string, unknown> = {};
    const children: { type: GraphQLObjectType; selectionSet: SelectionSetNode; nodes: Record<string, unknown>[] }[] = [];
    for (const field of fieldsOf(type, selectionSet, fragments)) {
      const key = field.alias?.value ?? field.name.value;
      const definition = type.getFields()[field.name.value];
      const named = definition ? getNamedType(definition.type) : null;
      if (named && isConnectionType(named)) {
        const nodeType = nodeTypeOf(named);
        const nodes = nodeSelection(named, field, fragments);
        const connection = value[key] as { nodes?: Record<string, unknown>[]; edges?: { node: Record<string, unknown> }[] } | null;
        if (nodeType && nodes && connection) children.push({ type: nodeType, selectionSet: nodes, nodes: connection.nodes ?? connection.edges?.map((edge) => edge.node) ?? [] });
        continue;
      }
      line[key] = value[key];
    }
    if (parentId) line.__parentId = parentId;
    lines.push(JSON.stringify(line));
    for (const child of children) {
      for (const node of child.nodes) emit(child.type, child.selectionSet, node, (value.id as string | undefined) ?? null);
    }
  };
  const queryRoot = schema.schema.getQueryType()!;
  for (const field of fieldsOf(queryRoot, operation.selectionSet, fragments)) {
    const key = field.alias?.value ?? field.name.value;
    const named = getNamedType(queryRoot.getFields()[field.name.value].type);
    const value = data[key] as Record<string, unknown> | null;
    if (!value || !isObjectType(named) || !field.selectionSet) continue;
    if (isConnectionType(named)) {
      const nodeType = nodeTypeOf(named);
      const nodes = nodeSelection(named, field, fragments);
      const rows = (value.nodes as Record<string, unknown>[] | undefined) ?? (value.edges as { node: Record<string, unknown> }[] | undefined)?.map((edge) => edge.node) ?? [];
      if (!nodeType || !nodes) continue;
      for (const row of rows) {
        roots += 1;
        emit(nodeType, nodes, row, null);
      }
    } else {
      roots += 1;
      emit(named, field.selectionSet, value, null);
    }
  }
  return { lines, roots };
}

export class BulkQueryRunner implements BulkOperationStarter {
  private readonly results = new Map<string, string>();
  private readonly runs = new Map<string, Promise<void>>();

  constructor(private readonly executeQuery: Execute) {}

  start(query: string, context: AdminContext): { operationId: string } | { userErrors: BulkUserError[] } {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return invalid(`Invalid bulk query: ${(error as GraphQLError).message}`);
    }
    const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1 || operations[0].operation !== "query") return invalid("Bulk queries must contain exactly one query operation.");
    const [operation] = operations;
    const errors = validationErrors(context.schema.schema, document);
    if (errors.length > 0) return invalid(`Invalid bulk query: ${errors.map((error) => error.message).join(", ")}`);
    const rootFields = operation.selectionSet.selections.filter((selection): selection is FieldNode => selection.kind === Kind.FIELD);
    const topLevelNode = rootFields.find((field) => field.name.value === "node" || field.name.value === "nodes");
    if (topLevelNode) return invalid(`The top-level \`${topLevelNode.name.value}\` field is not supported in bulk queries.`);
    const fragments = new Map(document.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]));
    const shape = measure(context.schema.schema.getQueryType()!, operation.selectionSet, fragments, false);
    if (shape.problem) return invalid(shape.problem);
    if (shape.connections === 0) return invalid("Bulk queries must contain at least one connection.");
    if (shape.connections > MAX_CONNECTIONS) return invalid(`Bulk queries cannot contain more than ${MAX_CONNECTIONS} connections.`);
    if (shape.depth > MAX_CONNECTION_DEPTH) return invalid(`Bulk queries cannot contain connections with a nesting depth greater than ${MAX_CONNECTION_DEPTH}.`);
    const unimplemented = unimplementedFieldErrors(context.schema.schema, document, operation);
    if (unimplemented.length > 0) return invalid(unimplemented.map((error) => error.message).join(", "));

    const running = context.store.bulkOperations().filter((candidate) => candidate.appApiKey === context.appApiKey && candidate.type === "QUERY" && (candidate.status === "CREATED" || candidate.status === "RUNNING"));
    const limit = concurrencyLimit(context.schema.version);
    if (running.length >= limit) {
      return limit === 1
        ? { userErrors: [{ field: [], message: `A bulk query operation for this app and shop is already in progress: ${running[0].id}.`, code: "OPERATION_IN_PROGRESS" }] }
        : { userErrors: [{ field: [], message: "Bulk operations limit reached. Please try again later.", code: "LIMIT_REACHED" }] };
    }

    const record = context.store.createBulkOperation(query, context.appApiKey);
    const preparedOperation: OperationDefinitionNode = { ...operation, selectionSet: withParentIds(context.schema.schema.getQueryType()!, operation.selectionSet) };
    const prepared: DocumentNode = { ...document, definitions: document.definitions.map((definition) => (definition === operation ? preparedOperation : definition)) };
    const bulkContext: AdminContext = { ...context, bulk: true, actualCost: 0, searchWarnings: [] };
    this.runs.set(record.id, this.run(record.id, prepared, preparedOperation, fragments, bulkContext));
    return { operationId: record.id };
  }

  hasResult(operationId: string): boolean {
    return this.results.has(operationId);
  }

  /** The JSONL of a finished operation. */
  result(operationId: string): string | undefined {
    return this.results.get(operationId);
  }

  /** Resolves when the operation has finished (tests and the demo wait on it instead of polling). */
  async finished(operationId: string): Promise<void> {
    await this.runs.get(operationId);
  }

  private async run(id: string, document: DocumentNode, operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>, context: AdminContext): Promise<void> {
    // Shopify answers the mutation first and starts the work afterwards.
    await new Promise((resolve) => setImmediate(resolve));
    context.store.updateBulkOperation(id, { status: "RUNNING" });
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const result = await this.executeQuery(context.schema, document, operation, context);
      const denied = result.errors?.some((error) => error.extensions?.code === "ACCESS_DENIED");
      if (result.errors?.length || !result.data) {
        context.store.updateBulkOperation(id, { status: "FAILED", errorCode: denied ? "ACCESS_DENIED" : "INTERNAL_SERVER_ERROR" });
        return;
      }
      const { lines, roots } = jsonLines(context.schema, operation, fragments, result.data as Record<string, unknown>);
      const file = lines.length > 0 ? `${lines.join("\n")}\n` : "";
      if (file) this.results.set(id, file);
      context.store.updateBulkOperation(id, {
        status: "COMPLETED",
        objectCount: lines.length,
        rootObjectCount: roots,
        fileSize: file ? Buffer.byteLength(file) : null,
        resultFile: file ? id : null,
      });
    } catch {
      context.store.updateBulkOperation(id, { status: "FAILED", errorCode: "INTERNAL_SERVER_ERROR" });
    }
  }
}
