/**
 * Refusing a bad operation the way Shopify's GraphQL Admin API does (it runs graphql-ruby): HTTP 200,
 * `errors` only, graphql-ruby's messages and `extensions.code`s, and paths that start at the operation
 * ("query Name") and name the fields by their response keys.
 */
import {
  GraphQLError,
  Kind,
  coerceInputValue,
  isNonNullType,
  specifiedRules,
  typeFromAST,
  validate,
  visit,
  type ASTNode,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from "graphql";

export interface ShopifyGraphQLError {
  message: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

function locationsOf(error: GraphQLError): ShopifyGraphQLError["locations"] {
  return error.locations?.map(({ line, column }) => ({ line, column }));
}

/** graphql-js says where; graphql-ruby words it "unexpected X at [line, column]". */
export function syntaxError(error: GraphQLError): ShopifyGraphQLError {
  const location = error.locations?.[0] ?? { line: 1, column: 1 };
  const found = /found (.+?)\.?$/.exec(error.message)?.[1];
  const unexpected = !found || found === "<EOF>" ? "end of file" : found;
  return {
    message: `syntax error, unexpected ${unexpected} at [${location.line}, ${location.column}]`,
    locations: [{ line: location.line, column: location.column }],
    extensions: { code: "PARSE_ERROR" },
  };
}

export type ParentMap = Map<ASTNode, ASTNode>;

export function parentsOf(document: DocumentNode): ParentMap {
  const parents: ParentMap = new Map();
  const stack: ASTNode[] = [];
  visit(document, {
    enter(node) {
      const parent = stack.at(-1);
      if (parent) parents.set(node, parent);
      stack.push(node);
    },
    leave() {
      stack.pop();
    },
  });
  return parents;
}

export function operationLabel(definition: ASTNode): string {
  if (definition.kind === Kind.OPERATION_DEFINITION) {
    return definition.name ? `${definition.operation} ${definition.name.value}` : definition.operation;
  }
  if (definition.kind === Kind.FRAGMENT_DEFINITION) return `fragment ${definition.name.value}`;
  return "";
}

/** graphql-ruby's static path: ["query Name", "customers", "nodes", "email"]. */
export function staticPath(node: ASTNode, parents: ParentMap): string[] {
  const path: string[] = [];
  for (let current: ASTNode | undefined = node; current; current = parents.get(current)) {
    switch (current.kind) {
      case Kind.FIELD:
        path.unshift(current.alias?.value ?? current.name.value);
        break;
      case Kind.INLINE_FRAGMENT:
        path.unshift(current.typeCondition ? `... on ${current.typeCondition.name.value}` : "...");
        break;
      case Kind.ARGUMENT:
      case Kind.OBJECT_FIELD:
        path.unshift(current.name.value);
        break;
      case Kind.OPERATION_DEFINITION:
      case Kind.FRAGMENT_DEFINITION:
        path.unshift(operationLabel(current));
        break;
      default:
        break;
    }
  }
  return path;
}

function enclosing<K extends ASTNode["kind"]>(node: ASTNode, kind: K, parents: ParentMap): Extract<ASTNode, { kind: K }> | undefined {
  for (let current = parents.get(node); current; current = parents.get(current)) {
    if (current.kind === kind) return current as Extract<ASTNode, { kind: K }>;
  }
  return undefined;
}

type Translate = (error: GraphQLError, parents: ParentMap) => ShopifyGraphQLError;

const quoted = (message: string, pattern: RegExp): string[] => pattern.exec(message)?.slice(1) ?? [];

const withPath = (error: GraphQLError, parents: ParentMap, shaped: Omit<ShopifyGraphQLError, "locations" | "path">, node = error.nodes?.[0]): ShopifyGraphQLError => ({
  message: shaped.message,
  locations: locationsOf(error),
  ...(node ? { path: staticPath(node, parents) } : {}),
  extensions: shaped.extensions,
});

/** One translator per graphql-js rule, keyed by the rule function. */
const TRANSLATIONS = new Map<ValidationRule, Translate>();
const rule = (name: string) => specifiedRules.find((candidate) => candidate.name === name)!;

TRANSLATIONS.set(rule("FieldsOnCorrectTypeRule"), (error, parents) => {
  const [fieldName, typeName] = quoted(error.message, /Cannot query field "(.+?)" on type "(.+?)"/);
  return withPath(error, parents, {
    message: `Field '${fieldName}' doesn't exist on type '${typeName}'`,
    extensions: { code: "undefinedField", typeName, fieldName },
  });
});

TRANSLATIONS.set(rule("KnownArgumentNamesRule"), (error, parents) => {
  const [argumentName, owner] = quoted(error.message, /Unknown argument "(.+?)" on (?:field|directive) "(.+?)"/);
  const name = owner.includes(".") ? owner.slice(owner.lastIndexOf(".") + 1) : owner.replace(/^@/, "");
  const onDirective = owner.startsWith("@");
  return withPath(error, parents, {
    message: `${onDirective ? "Directive" : "Field"} '${name}' doesn't accept argument '${argumentName}'`,
    extensions: { code: "argumentNotAccepted", name, typeName: onDirective ? "Directive" : "Field", argumentName },
  });
});

TRANSLATIONS.set(rule("ScalarLeafsRule"), (error, parents) => {
  const noSubfields = quoted(error.message, /Field "(.+?)" must not have a selection since type "(.+?)" has no subfields/);
  if (noSubfields.length) {
    const [fieldName, typeName] = noSubfields;
    return withPath(error, parents, {
      message: `Selections can't be made on scalars (field '${fieldName}' returns ${typeName} but has selections [${
        (error.nodes?.[0] as { selectionSet?: { selections: { kind: string; name?: { value: string } }[] } })?.selectionSet?.selections
          .map((selection) => `"${selection.name?.value ?? "..."}"`).join(", ") ?? ""
      }])`,
      extensions: { code: "selectionMismatch", nodeName: `field '${fieldName}'`, typeName },
    });
  }
  const [fieldName, typeName] = quoted(error.message, /Field "(.+?)" of type "(.+?)" must have a selection of subfields/);
  return withPath(error, parents, {
    message: `Field must have selections (field '${fieldName}' returns ${typeName.replace(/[![\]]/g, "")} but has no selections. Did you mean '${fieldName} { ... }'?)`,
    extensions: { code: "selectionMismatch", nodeName: `field '${fieldName}'`, typeName: typeName.replace(/[![\]]/g, "") },
  });
});

TRANSLATIONS.set(rule("ValuesOfCorrectTypeRule"), (error, parents) => {
  const valueNode = error.nodes?.[0];
  const undefinedInputField = quoted(error.message, /Field "(.+?)" is not defined by type "(.+?)"/);
  if (undefinedInputField.length) {
    const [argumentName, inputType] = undefinedInputField;
    return withPath(error, parents, {
      message: `InputObject '${inputType}' doesn't accept argument '${argumentName}'`,
      extensions: { code: "argumentNotAccepted", name: inputType, typeName: "InputObject", argumentName },
    });
  }
  const missingInputField = quoted(error.message, /Field "(.+?)\.(.+?)" of required type "(.+?)" was not provided/);
  if (missingInputField.length) {
    const [inputType, argumentName, argumentType] = missingInputField;
    return withPath(error, parents, {
      message: `Argument '${argumentName}' on InputObject '${inputType}' is required. Expected type ${argumentType}`,
      extensions: { code: "missingRequiredInputObjectAttribute", argumentName, argumentType, inputObjectType: inputType },
    });
  }
  const argument = valueNode ? (valueNode.kind === Kind.ARGUMENT ? valueNode : enclosing(valueNode, Kind.ARGUMENT, parents)) : undefined;
  const objectField = valueNode ? enclosing(valueNode, Kind.OBJECT_FIELD, parents) : undefined;
  const expected = /Expected value of type "(.+?)"/.exec(error.message)?.[1] ?? /^(\w+) cannot represent/.exec(error.message)?.[1] ?? "value";
  const field = valueNode ? enclosing(valueNode, Kind.FIELD, parents) : undefined;
  const owner = objectField ? "InputObject" : "Field";
  const argumentName = objectField?.name.value ?? argument?.name.value ?? "";
  const ownerName = objectField ? expected : (field?.name.value ?? "");
  const literal = valueNode && valueNode.kind !== Kind.ARGUMENT ? printLiteral(valueNode) : "";
  return withPath(error, parents, {
    message: `Argument '${argumentName}' on ${owner} '${ownerName}' has an invalid value (${literal}). Expected type '${expected}'.`,
    extensions: { code: "argumentLiteralsIncompatible", typeName: owner, argumentName },
  }, argument ?? valueNode);
});

TRANSLATIONS.set(rule("VariablesInAllowedPositionRule"), (error, parents) => {
  const [variableName, variableType, expectedType] = quoted(error.message, /Variable "\$(.+?)" of type "(.+?)" used in position expecting type "(.+?)"/);
  const usage = error.nodes?.[1];
  const argument = usage ? enclosing(usage, Kind.ARGUMENT, parents) : undefined;
  const nullabilityOnly = variableType.replace(/!$/, "") === expectedType.replace(/!$/, "");
  const errorMessage = nullabilityOnly ? "Nullability mismatch" : "Type mismatch";
  return withPath(error, parents, {
    message: `${errorMessage} on variable $${variableName} and argument ${argument?.name.value ?? ""} (${variableType} / ${expectedType})`,
    extensions: { code: "variableMismatch", variableName, typeName: variableType, argumentName: argument?.name.value ?? "", errorMessage },
  }, usage);
});

const variableOperation = (error: GraphQLError, parents: ParentMap): string => {
  const node = error.nodes?.at(-1);
  const operation = node && (node.kind === Kind.OPERATION_DEFINITION ? node : enclosing(node, Kind.OPERATION_DEFINITION, parents));
  return operation?.name?.value ?? "anonymous query";
};

TRANSLATIONS.set(rule("NoUnusedVariablesRule"), (error, parents) => {
  const [variableName] = quoted(error.message, /Variable "\$(.+?)" is never used/);
  return withPath(error, parents, {
    message: `Variable $${variableName} is declared by ${variableOperation(error, parents)} but not used`,
    extensions: { code: "variableNotUsed", variableName },
  });
});

TRANSLATIONS.set(rule("NoUndefinedVariablesRule"), (error, parents) => {
  const [variableName] = quoted(error.message, /Variable "\$(.+?)" is not defined/);
  return withPath(error, parents, {
    message: `Variable $${variableName} is used by ${variableOperation(error, parents)} but not declared`,
    extensions: { code: "variableNotDefined", variableName },
  });
});

TRANSLATIONS.set(rule("KnownFragmentNamesRule"), (error, parents) => {
  const [fragmentName] = quoted(error.message, /Unknown fragment "(.+?)"/);
  return withPath(error, parents, {
    message: `Fragment ${fragmentName} was used, but not defined`,
    extensions: { code: "useAndDefineFragment", fragmentName },
  });
});

TRANSLATIONS.set(rule("NoUnusedFragmentsRule"), (error, parents) => {
  const [fragmentName] = quoted(error.message, /Fragment "(.+?)" is never used/);
  return withPath(error, parents, {
    message: `Fragment ${fragmentName} was defined, but not used`,
    extensions: { code: "useAndDefineFragment", fragmentName },
  });
});

TRANSLATIONS.set(rule("KnownTypeNamesRule"), (error, parents) => {
  const [typeName] = quoted(error.message, /Unknown type "(.+?)"/);
  const node = error.nodes?.[0];
  const variable = node ? enclosing(node, Kind.VARIABLE_DEFINITION, parents) : undefined;
  if (variable) {
    return withPath(error, parents, {
      message: `${typeName} isn't a defined input type (on $${variable.variable.name.value})`,
      extensions: { code: "variableRequiresValidType", typeName, variableName: variable.variable.name.value },
    });
  }
  return withPath(error, parents, {
    message: `No such type ${typeName}, so it can't be a fragment condition`,
    extensions: { code: "undefinedType", typeName },
  });
});

/** graphql-ruby lists every missing argument of a field in one error. */
function missingArgumentErrors(errors: readonly GraphQLError[], parents: ParentMap): ShopifyGraphQLError[] {
  const byField = new Map<ASTNode, { error: GraphQLError; fieldName: string; missing: string[] }>();
  for (const error of errors) {
    const [fieldName, argumentName] = quoted(error.message, /Field "(.+?)" argument "(.+?)" of type/);
    const node = error.nodes?.[0];
    if (!node) continue;
    const entry = byField.get(node) ?? { error, fieldName, missing: [] };
    entry.missing.push(argumentName);
    byField.set(node, entry);
  }
  return [...byField.values()].map(({ error, fieldName, missing }) =>
    withPath(error, parents, {
      message: `Field '${fieldName}' is missing required arguments: ${missing.join(", ")}`,
      extensions: { code: "missingRequiredArguments", className: "Field", name: fieldName, arguments: missing.join(", ") },
    }),
  );
}

function printLiteral(node: ASTNode): string {
  switch (node.kind) {
    case Kind.STRING:
      return JSON.stringify(node.value);
    case Kind.INT:
    case Kind.FLOAT:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return String(node.value);
    case Kind.NULL:
      return "null";
    case Kind.VARIABLE:
      return `$${node.name.value}`;
    default:
      return "...";
  }
}

/** graphql-ruby's rule names for the rules without a bespoke message. */
const GENERIC_CODES: Record<string, string> = {
  UniqueOperationNamesRule: "uniquelyNamedOperations",
  LoneAnonymousOperationRule: "anonymousOperationMustBeAlone",
  UniqueFragmentNamesRule: "fragmentNamesAreUnique",
  PossibleFragmentSpreadsRule: "cannotSpreadFragment",
  NoFragmentCyclesRule: "infiniteLoop",
  UniqueVariableNamesRule: "variableNotUnique",
  KnownDirectivesRule: "undefinedDirective",
  UniqueDirectivesPerLocationRule: "directiveNotUniqueForLocation",
  UniqueArgumentNamesRule: "argumentNotUnique",
  OverlappingFieldsCanBeMergedRule: "fieldConflict",
  UniqueInputFieldNamesRule: "inputFieldNotUnique",
  FragmentsOnCompositeTypesRule: "fragmentOnNonCompositeType",
  VariablesAreInputTypesRule: "variableRequiresValidType",
  ExecutableDefinitionsRule: "definitionNotExecutable",
};

/** Static validation against the real schema, in Shopify's words; empty when the document is valid. */
export function validationErrors(schema: GraphQLSchema, document: DocumentNode): ShopifyGraphQLError[] {
  if (validate(schema, document).length === 0) return [];
  const parents = parentsOf(document);
  const shaped: ShopifyGraphQLError[] = [];
  for (const validationRule of specifiedRules) {
    const errors = validate(schema, document, [validationRule]);
    if (errors.length === 0) continue;
    if (validationRule.name === "ProvidedRequiredArgumentsRule") {
      shaped.push(...missingArgumentErrors(errors, parents));
      continue;
    }
    const translate = TRANSLATIONS.get(validationRule);
    for (const error of errors) {
      shaped.push(
        translate
          ? translate(error, parents)
          : withPath(error, parents, { message: error.message, extensions: { code: GENERIC_CODES[validationRule.name] ?? "validationError" } }),
      );
    }
  }
  return shaped;
}

function explain(message: string): string {
  const undefinedField = /Field "(.+?)" is not defined by type "(.+?)"/.exec(message);
  if (undefinedField) return `Field is not defined on ${undefinedField[2]}`;
  if (/of required type .+ was not provided|Expected non-nullable type .+ not to be null/.test(message)) return "Expected value to not be null";
  const cannotRepresent = /^(\w+) cannot represent [^:]*: (.+)$/.exec(message);
  if (cannotRepresent) return `Could not coerce value ${cannotRepresent[2]} to ${cannotRepresent[1]}`;
  const badEnum = /Value "(.+?)" does not exist in "(.+?)" enum/.exec(message);
  if (badEnum) return `Expected "${badEnum[1]}" to be one of the ${badEnum[2]} values`;
  return message.replace(/\.$/, "");
}

/**
 * Coerces the request's variables for `operation`. Invalid ones come back as graphql-ruby's
 * INVALID_VARIABLE errors, one per variable, naming each problem's path.
 */
export function coerceVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  provided: Record<string, unknown>,
): { errors: ShopifyGraphQLError[]; values: Record<string, unknown> } {
  const errors: ShopifyGraphQLError[] = [];
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined;
    if (!type) continue;
    const given = provided[name];
    const location = definition.loc ? { line: definition.loc.startToken.line, column: definition.loc.startToken.column } : undefined;
    const typeName = String(type);
    if (given === undefined || given === null) {
      if (isNonNullType(type) && !definition.defaultValue) {
        errors.push({
          message: `Variable $${name} of type ${typeName} was provided invalid value`,
          ...(location ? { locations: [location] } : {}),
          extensions: { code: "INVALID_VARIABLE", value: null, problems: [{ path: [], explanation: "Expected value to not be null" }] },
        });
      } else if (given === null) {
        values[name] = null;
      }
      continue;
    }
    const problems: { path: (string | number)[]; explanation: string }[] = [];
    const coerced = coerceInputValue(given, type, (path, _invalid, error) => {
      problems.push({ path: [...path], explanation: explain(error.message) });
    });
    if (problems.length === 0) {
      values[name] = coerced;
      continue;
    }
    const located = problems.filter((problem) => problem.path.length > 0);
    errors.push({
      message: `Variable $${name} of type ${typeName} was provided invalid value${
        located.length ? ` for ${located.map((problem) => `${problem.path.join(".")} (${problem.explanation})`).join(", ")}` : ""
      }`,
      ...(location ? { locations: [location] } : {}),
      extensions: { code: "INVALID_VARIABLE", value: given, problems },
    });
  }
  return { errors, values };
}
