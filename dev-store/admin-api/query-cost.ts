/**
 * Shopify's calculated query cost. Requested cost is read off the operation before it runs: scalars and
 * enums 0, objects 1, interfaces and unions the most expensive possible selection, connections 2 plus
 * `first`/`last` times the cost of one node, mutations 10. Actual cost counts what execution returned.
 */
import {
  Kind,
  getNamedType,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  valueFromASTUntyped,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

export const MUTATION_COST = 10;

export function isConnectionType(type: GraphQLNamedType): type is GraphQLObjectType {
  if (!isObjectType(type) || !type.name.endsWith("Connection")) return false;
  const fields = type.getFields();
  return "pageInfo" in fields && ("edges" in fields || "nodes" in fields);
}

/** Edge and PageInfo objects belong to their connection's 2 points. */
export function isConnectionPart(type: GraphQLNamedType): boolean {
  return type.name === "PageInfo" || (isObjectType(type) && type.name.endsWith("Edge") && "cursor" in type.getFields() && "node" in type.getFields());
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

interface CostContext {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function argumentValue(field: FieldNode, name: string, variables: Record<string, unknown>): unknown {
  const argument = field.arguments?.find((candidate) => candidate.name.value === name);
  return argument ? valueFromASTUntyped(argument.value, variables) : undefined;
}

function appliesTo(condition: string | undefined, type: GraphQLObjectType, schema: GraphQLSchema): boolean {
  if (!condition || condition === type.name) return true;
  const conditionType = schema.getType(condition);
  return conditionType !== undefined && isAbstractType(conditionType) && schema.isSubType(conditionType, type);
}

/** The fields a selection set asks of one concrete type, fragments spread in. */
function fieldsFor(type: GraphQLObjectType, selectionSet: SelectionSetNode, context: CostContext): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (appliesTo(selection.typeCondition?.name.value, type, context.schema)) fields.push(...fieldsFor(type, selection.selectionSet, context));
    } else {
      const fragment = context.fragments.get(selection.name.value);
      if (fragment && appliesTo(fragment.typeCondition.name.value, type, context.schema)) fields.push(...fieldsFor(type, fragment.selectionSet, context));
    }
  }
  return fields;
}

function selectionCost(type: GraphQLCompositeType, selectionSet: SelectionSetNode | undefined, context: CostContext): number {
  if (!selectionSet) return 0;
  const concreteTypes = isObjectType(type) ? [type] : context.schema.getPossibleTypes(type);
  let most = 0;
  for (const concrete of concreteTypes) {
    let cost = 0;
    for (const field of fieldsFor(concrete, selectionSet, context)) {
      const definition = concrete.getFields()[field.name.value];
      if (definition) cost += fieldCost(definition, field, context);
    }
    most = Math.max(most, cost);
  }
  return most;
}

function connectionNodeCost(connection: GraphQLObjectType, selectionSet: SelectionSetNode | undefined, context: CostContext): number {
  if (!selectionSet) return 0;
  let most = 0;
  for (const field of fieldsFor(connection, selectionSet, context)) {
    const definition = connection.getFields()[field.name.value];
    if (!definition) continue;
    if (field.name.value === "nodes") {
      most = Math.max(most, 1 + selectionCost(getNamedType(definition.type) as GraphQLCompositeType, field.selectionSet, context));
    } else if (field.name.value === "edges" && field.selectionSet) {
      const edge = getNamedType(definition.type) as GraphQLObjectType;
      for (const edgeField of fieldsFor(edge, field.selectionSet, context)) {
        if (edgeField.name.value !== "node") continue;
        const nodeType = getNamedType(edge.getFields().node.type) as GraphQLCompositeType;
        most = Math.max(most, 1 + selectionCost(nodeType, edgeField.selectionSet, context));
      }
    }
  }
  return most;
}

function fieldCost(definition: GraphQLField<unknown, unknown>, field: FieldNode, context: CostContext): number {
  const named = getNamedType(definition.type);
  if (isLeafType(named)) return 0;
  if (isConnectionType(named)) {
    const pageSize = Number(argumentValue(field, "first", context.variables) ?? argumentValue(field, "last", context.variables) ?? 0);
    return 2 + pageSize * connectionNodeCost(named, field.selectionSet, context);
  }
  const perObject = 1 + selectionCost(named as GraphQLCompositeType, field.selectionSet, context);
  if (!isList(definition.type)) return perObject;
  const ids = argumentValue(field, "ids", context.variables);
  const count = Array.isArray(ids) ? ids.length : Number(argumentValue(field, "first", context.variables) ?? 1);
  return count * perObject;
}

export function requestedQueryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  const context: CostContext = { schema, fragments, variables };
  if (operation.operation === "mutation") {
    return MUTATION_COST * fieldsFor(schema.getMutationType()!, operation.selectionSet, context).length;
  }
  return selectionCost(schema.getQueryType()!, operation.selectionSet, context);
}

/** What one resolved field adds to the actual cost: objects returned, not objects asked for. */
export function actualFieldCost(returnType: GraphQLOutputType, value: unknown): number {
  const named = getNamedType(returnType);
  if (isLeafType(named) || isConnectionPart(named) || value === null || value === undefined) return 0;
  if (isConnectionType(named)) return 2;
  return Array.isArray(value) ? value.filter((item) => item !== null && item !== undefined).length : 1;
}
