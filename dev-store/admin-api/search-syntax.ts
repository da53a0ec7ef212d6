/**
 * Shopify's search syntax for the `query` argument: `field:value` terms (with `:>`, `:>=`, `:<`,
 * `:<=`), implicit AND, `OR`, `NOT`/`-` negation, parentheses, quoted values, `*` prefix wildcards,
 * and bare words matched against a resource's default text. A field the resource does not know is
 * ignored and reported, as Shopify does under `extensions.search`.
 */
export type Comparator = "=" | "<" | "<=" | ">" | ">=";

export interface SearchTerm {
  field: string | null;
  comparator: Comparator;
  value: string;
}

type Expression =
  | { kind: "term"; term: SearchTerm }
  | { kind: "not"; operand: Expression }
  | { kind: "and" | "or"; operands: Expression[] };

export interface SearchWarning {
  field: string;
  message: string;
}

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (const character of query) {
    if (quote) {
      current += character;
      if (character === quote) quote = null;
    } else if (character === '"' || character === "'") {
      quote = character;
      current += character;
    } else if (/\s/.test(character) || character === "(" || character === ")") {
      if (current) tokens.push(current);
      current = "";
      if (character !== " " && !/\s/.test(character)) tokens.push(character);
    } else {
      current += character;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

function parseTerm(token: string): SearchTerm {
  const match = /^([a-zA-Z_][\w.]*):(<=|>=|<|>)?(.*)$/.exec(token);
  if (!match) return { field: null, comparator: "=", value: unquote(token) };
  return { field: match[1].toLowerCase(), comparator: (match[2] as Comparator | undefined) ?? "=", value: unquote(match[3]) };
}

function parse(tokens: string[]): Expression {
  let position = 0;
  const parseOr = (): Expression => {
    const operands = [parseAnd()];
    while (tokens[position] === "OR") {
      position += 1;
      operands.push(parseAnd());
    }
    return operands.length === 1 ? operands[0] : { kind: "or", operands };
  };
  const parseAnd = (): Expression => {
    const operands: Expression[] = [];
    while (position < tokens.length && tokens[position] !== "OR" && tokens[position] !== ")") {
      if (tokens[position] === "AND") {
        position += 1;
        continue;
      }
      operands.push(parseUnary());
    }
    return operands.length === 1 ? operands[0] : { kind: "and", operands };
  };
  const parseUnary = (): Expression => {
    const token = tokens[position++];
    if (token === "NOT") return { kind: "not", operand: parseUnary() };
    if (token === "(") {
      const inner = parseOr();
      if (tokens[position] === ")") position += 1;
      return inner;
    }
    if (token.startsWith("-") && token.length > 1) return { kind: "not", operand: { kind: "term", term: parseTerm(token.slice(1)) } };
    return { kind: "term", term: parseTerm(token) };
  };
  return parseOr();
}

/** How one resource answers a term for a field, or a bare word. */
export interface SearchFields<T> {
  fields: Record<string, (record: T, term: SearchTerm) => boolean>;
  text: (record: T, word: string) => boolean;
}

export interface CompiledSearch<T> {
  matches: (record: T) => boolean;
  warnings: SearchWarning[];
}

export function compileSearch<T>(query: string | null | undefined, resource: SearchFields<T>): CompiledSearch<T> {
  const tokens = tokenize(query?.trim() ?? "");
  if (tokens.length === 0) return { matches: () => true, warnings: [] };
  const warnings: SearchWarning[] = [];
  const expression = parse(tokens);
  const evaluate = (record: T, node: Expression): boolean => {
    switch (node.kind) {
      case "term": {
        const { term } = node;
        if (term.field === null) return resource.text(record, term.value);
        const matcher = resource.fields[term.field];
        return matcher ? matcher(record, term) : true;
      }
      case "not":
        return !evaluate(record, node.operand);
      case "and":
        return node.operands.every((operand) => evaluate(record, operand));
      case "or":
        return node.operands.some((operand) => evaluate(record, operand));
    }
  };
  const collectUnknown = (node: Expression): void => {
    if (node.kind === "term") {
      if (node.term.field !== null && !(node.term.field in resource.fields) && !warnings.some((warning) => warning.field === node.term.field)) {
        warnings.push({ field: node.term.field, message: "Invalid search field for this query." });
      }
    } else if (node.kind === "not") collectUnknown(node.operand);
    else node.operands.forEach(collectUnknown);
  };
  collectUnknown(expression);
  return { matches: (record) => evaluate(record, expression), warnings };
}

// ---- term matchers resources compose ----

export function matchesText(actual: string | null | undefined, term: SearchTerm): boolean {
  if (actual === null || actual === undefined) return false;
  const value = term.value.toLowerCase();
  const subject = actual.toLowerCase();
  return value.endsWith("*") ? subject.startsWith(value.slice(0, -1)) : subject === value;
}

export function matchesAnyText(actual: readonly string[], term: SearchTerm): boolean {
  return actual.some((value) => matchesText(value, term));
}

function compare(actual: number, expected: number, comparator: Comparator): boolean {
  switch (comparator) {
    case "=":
      return actual === expected;
    case "<":
      return actual < expected;
    case "<=":
      return actual <= expected;
    case ">":
      return actual > expected;
    case ">=":
      return actual >= expected;
  }
}

export function matchesNumber(actual: number | null, term: SearchTerm): boolean {
  const expected = Number(term.value);
  return actual !== null && !Number.isNaN(expected) && compare(actual, expected, term.comparator);
}

/** A date-only value ("2025-03-01") is a whole UTC day: `:` matches within it, `:>` after it. */
export function matchesDate(actualIso: string | null, term: SearchTerm): boolean {
  if (actualIso === null) return false;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(term.value);
  const start = new Date(dateOnly ? `${term.value}T00:00:00Z` : term.value).getTime();
  if (Number.isNaN(start)) return false;
  const actual = new Date(actualIso).getTime();
  const end = dateOnly ? start + 24 * 3600 * 1000 : start + 1000;
  switch (term.comparator) {
    case "=":
      return actual >= start && actual < end;
    case "<":
      return actual < start;
    case "<=":
      return actual < end;
    case ">":
      return actual >= end;
    case ">=":
      return actual >= start;
  }
}

export function matchesBoolean(actual: boolean, term: SearchTerm): boolean {
  return String(actual) === term.value.toLowerCase();
}
