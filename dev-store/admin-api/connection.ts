/**
 * Relay connections as Shopify pages them: `first`/`after` or `last`/`before` (one of first or last is
 * required, at most 250), opaque base64 cursors carrying the sort value and id of the last row.
 * A bulk operation reads every row, so it ignores both.
 */
import { GraphQLError } from "graphql";

import { legacyResourceId } from "../store/gid";

export const MAX_PAGE_SIZE = 250;

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

type SortValue = string | number;

export interface PageOptions<T> {
  /** Every row's sort value; rows are ordered by it, then by id. */
  sortValue: (row: T) => SortValue;
  id: (row: T) => string;
  bulk: boolean;
  /** The field name, for error messages. */
  fieldName: string;
}

function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_REQUEST" } });
}

function encodeCursor(lastId: number, lastValue: SortValue): string {
  return Buffer.from(JSON.stringify({ last_id: lastId, last_value: lastValue })).toString("base64");
}

function decodeCursor(cursor: string): { lastId: number; lastValue: SortValue } {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, "base64").toString("utf8")) as { last_id?: unknown; last_value?: unknown };
    if (typeof decoded.last_id === "number" && (typeof decoded.last_value === "string" || typeof decoded.last_value === "number")) {
      return { lastId: decoded.last_id, lastValue: decoded.last_value };
    }
  } catch {
    // falls through to the error Shopify gives
  }
  throw badRequest("Invalid cursor for current pagination sort.");
}

function compareKeys(a: [SortValue, number], b: [SortValue, number]): number {
  if (a[0] < b[0]) return -1;
  if (a[0] > b[0]) return 1;
  return a[1] - b[1];
}

export function paginate<T>(rows: readonly T[], args: ConnectionArgs, options: PageOptions<T>): Connection<T> {
  const { first, last, after, before } = args;
  if (!options.bulk) {
    if (first == null && last == null) throw badRequest("you must provide one of first or last");
    if (first != null && last != null) throw badRequest("providing both first and last is not supported");
    for (const [name, size] of [["first", first], ["last", last]] as const) {
      if (size != null && (size < 0 || size > MAX_PAGE_SIZE)) {
        throw badRequest(`Argument '${name}' on Field '${options.fieldName}' has an invalid value (${size}). Expected a page size from 0 to ${MAX_PAGE_SIZE}.`);
      }
    }
  }
  const keyed = rows.map((row) => ({ row, key: [options.sortValue(row), legacyResourceId(options.id(row))] as [SortValue, number] }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  if (args.reverse) keyed.reverse();
  const direction = args.reverse ? -1 : 1;
  const beyond = (cursor: string) => {
    const { lastId, lastValue } = decodeCursor(cursor);
    return (key: [SortValue, number]) => direction * compareKeys(key, [lastValue, lastId]);
  };

  let start = 0;
  let end = keyed.length;
  if (after) {
    const position = beyond(after);
    start = keyed.findIndex((entry) => position(entry.key) > 0);
    if (start === -1) start = keyed.length;
  }
  if (before) {
    const position = beyond(before);
    const firstAtOrBeyond = keyed.findIndex((entry) => position(entry.key) >= 0);
    end = firstAtOrBeyond === -1 ? keyed.length : firstAtOrBeyond;
  }
  end = Math.max(start, end);
  let from = start;
  let to = end;
  if (!options.bulk) {
    if (first != null) to = Math.min(to, from + first);
    if (last != null) from = Math.max(from, to - last);
  }
  const page = keyed.slice(from, to);
  const edges = page.map(({ row, key }) => ({ cursor: encodeCursor(key[1], key[0]), node: row }));
  return {
    edges,
    nodes: page.map(({ row }) => row),
    pageInfo: {
      hasNextPage: to < keyed.length,
      hasPreviousPage: from > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
