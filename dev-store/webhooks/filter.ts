/**
 * A subscription's `filter`: Shopify search syntax evaluated against the payload about to be
 * delivered (`status:active AND (product_type:Music OR vendor:"Acme Co")`, `variants.price:>=10.00`,
 * `id:*`). A dotted path reaches into nested objects and arrays; a term holds if any value there does.
 */
export type WebhookFilter = (payload: unknown) => boolean;

type Comparator = ":" | ":>" | ":>=" | ":<" | ":<=";

type Expression =
  | { kind: "term"; path: string[]; comparator: Comparator; value: string }
  | { kind: "not"; operand: Expression }
  | { kind: "and" | "or"; operands: Expression[] };

type Token = { kind: "open" | "close" | "and" | "or" | "not" } | { kind: "term"; text: string };

export function compileWebhookFilter(filter: string | null): WebhookFilter {
  if (filter === null || filter.trim() === "") return () => true;
  const expression = new FilterParser(tokenize(filter)).parse();
  return (payload) => evaluate(expression, payload);
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < filter.length) {
    const char = filter[index];
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === "(" || char === ")") {
      tokens.push({ kind: char === "(" ? "open" : "close" });
      index += 1;
    } else {
      let text = "";
      let quote: string | null = null;
      while (index < filter.length) {
        const next = filter[index];
        if (quote) {
          if (next === quote) quote = null;
          else text += next;
        } else if (next === '"' || next === "'") {
          quote = next;
        } else if (/\s/.test(next) || next === "(" || next === ")") {
          break;
        } else {
          text += next;
        }
        index += 1;
      }
      if (quote) throw new Error(`unterminated ${quote} in "${filter}"`);
      if (text === "AND") tokens.push({ kind: "and" });
      else if (text === "OR") tokens.push({ kind: "or" });
      else if (text === "NOT") tokens.push({ kind: "not" });
      else if (text.startsWith("-") && text.length > 1) tokens.push({ kind: "not" }, { kind: "term", text: text.slice(1) });
      else tokens.push({ kind: "term", text });
    }
  }
  return tokens;
}

class FilterParser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Expression {
    const expression = this.parseOr();
    if (this.position < this.tokens.length) throw new Error(`unexpected "${this.describe(this.tokens[this.position])}"`);
    return expression;
  }

  private parseOr(): Expression {
    const operands = [this.parseAnd()];
    while (this.peek()?.kind === "or") {
      this.position += 1;
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0] : { kind: "or", operands };
  }

  /** Terms side by side are ANDed, as in every Shopify search box. */
  private parseAnd(): Expression {
    const operands = [this.parseUnary()];
    for (let next = this.peek(); next && next.kind !== "or" && next.kind !== "close"; next = this.peek()) {
      if (next.kind === "and") this.position += 1;
      operands.push(this.parseUnary());
    }
    return operands.length === 1 ? operands[0] : { kind: "and", operands };
  }

  private parseUnary(): Expression {
    const token = this.tokens[this.position++];
    if (!token) throw new Error("the filter ends where a term was expected");
    if (token.kind === "not") return { kind: "not", operand: this.parseUnary() };
    if (token.kind === "open") {
      const inner = this.parseOr();
      if (this.tokens[this.position++]?.kind !== "close") throw new Error("missing )");
      return inner;
    }
    if (token.kind === "term") return parseTerm(token.text);
    throw new Error(`unexpected "${this.describe(token)}"`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private describe(token: Token): string {
    return token.kind === "term" ? token.text : { open: "(", close: ")", and: "AND", or: "OR", not: "NOT" }[token.kind];
  }
}

function parseTerm(text: string): Expression {
  const match = /^([A-Za-z_][\w.]*):(>=|<=|>|<)?(.*)$/.exec(text);
  if (!match || match[3] === "") throw new Error(`"${text}" is not a field:value term`);
  const comparator = `:${match[2] ?? ""}` as Comparator;
  return { kind: "term", path: match[1].split("."), comparator, value: match[3] };
}

function evaluate(expression: Expression, payload: unknown): boolean {
  switch (expression.kind) {
    case "and":
      return expression.operands.every((operand) => evaluate(operand, payload));
    case "or":
      return expression.operands.some((operand) => evaluate(operand, payload));
    case "not":
      return !evaluate(expression.operand, payload);
    case "term":
      return valuesAt(payload, expression.path).some((value) => termHolds(expression.comparator, expression.value, value));
  }
}

function valuesAt(value: unknown, path: string[]): unknown[] {
  if (Array.isArray(value)) return value.flatMap((item) => valuesAt(item, path));
  if (path.length === 0) return [value];
  if (typeof value !== "object" || value === null) return [];
  return valuesAt((value as Record<string, unknown>)[path[0]], path.slice(1));
}

function termHolds(comparator: Comparator, expected: string, actual: unknown): boolean {
  if (actual === null || actual === undefined) return false;
  if (comparator === ":") {
    if (expected === "*") return true;
    const text = String(actual).toLowerCase();
    const wanted = expected.toLowerCase();
    return wanted.endsWith("*") ? text.startsWith(wanted.slice(0, -1)) : text === wanted;
  }
  const order = compareValues(actual, expected);
  if (order === null) return false;
  switch (comparator) {
    case ":>":
      return order > 0;
    case ":>=":
      return order >= 0;
    case ":<":
      return order < 0;
    case ":<=":
      return order <= 0;
  }
}

/** Numbers (and Shopify's decimal-string money) compare as numbers, anything else (dates) as text. */
function compareValues(actual: unknown, expected: string): number | null {
  const decimal = /^-?\d+(\.\d+)?$/;
  const actualText = String(actual);
  if (decimal.test(actualText) && decimal.test(expected)) return Math.sign(Number(actualText) - Number(expected));
  if (typeof actual === "object") return null;
  return actualText < expected ? -1 : actualText > expected ? 1 : 0;
}
