/** Value objects many types return: money, counts, user errors, connection parts. */
import type { GraphQLResolveInfo } from "graphql";

import { legacyResourceId } from "../../store/gid";
import { formatMinorUnits, type MoneyPair } from "../../store/money";
import { paginate, type ConnectionArgs, type Connection } from "../connection";
import { compileSearch, type SearchFields } from "../search-syntax";
import { properties, type AdminContext, type ResolverMap } from "./resolver-types";

/** Shopify writes Decimal like Ruby's BigDecimal: "12.5", "12.0", "1250.0". */
export function graphqlDecimal(minor: number, currency: string): string {
  const plain = formatMinorUnits(minor, currency);
  if (!plain.includes(".")) return `${plain}.0`;
  return plain.replace(/0+$/, "").replace(/\.$/, ".0");
}

export interface MoneyV2 {
  amount: string;
  currencyCode: string;
}

export function moneyV2(minor: number, currency: string): MoneyV2 {
  return { amount: graphqlDecimal(minor, currency), currencyCode: currency };
}

export interface MoneyBag {
  shopMoney: MoneyV2;
  presentmentMoney: MoneyV2;
}

export function moneyBag(pair: MoneyPair, currencies: { currency: string; presentmentCurrency: string }): MoneyBag {
  return { shopMoney: moneyV2(pair.shop, currencies.currency), presentmentMoney: moneyV2(pair.presentment, currencies.presentmentCurrency) };
}

/** UnsignedInt64 travels as a string. */
export function unsignedInt64(value: number): string {
  return String(value);
}

export function legacyId(source: { id: string }): string {
  return unsignedInt64(legacyResourceId(source.id));
}

export interface UserError {
  field: string[] | null;
  message: string;
  code?: string | null;
  extraInfo?: string | null;
  elementIndex?: number | null;
}

/** A resource list as a connection, filtered by Shopify search syntax, warnings recorded for extensions.search. */
export function searchConnection<T>(
  rows: readonly T[],
  args: ConnectionArgs & { query?: string | null },
  context: AdminContext,
  info: GraphQLResolveInfo,
  options: { search: SearchFields<T>; sortValue: (row: T) => string | number; id: (row: T) => string },
): Connection<T> {
  const search = compileSearch(args.query, options.search);
  if (search.warnings.length > 0 && args.query) {
    context.searchWarnings.push({ path: pathOf(info), query: args.query, warnings: search.warnings });
  }
  return paginate(rows.filter(search.matches), args, { sortValue: options.sortValue, id: options.id, bulk: context.bulk, fieldName: info.fieldName });
}

export function pathOf(info: GraphQLResolveInfo): (string | number)[] {
  const path: (string | number)[] = [];
  for (let current: GraphQLResolveInfo["path"] | undefined = info.path; current; current = current.prev) path.unshift(current.key);
  return path;
}

/** A non-connection list that takes `first` (Order.refunds, Order.transactions). */
export function firstOf<T>(rows: readonly T[], first: number | null | undefined): T[] {
  return first == null ? [...rows] : rows.slice(0, first);
}

/** Connection, edge and page-info objects are plain values; every connection type reads them the same way. */
export function isGenericConnectionField(typeName: string, fieldName: string): boolean {
  if (typeName === "PageInfo") return ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"].includes(fieldName);
  if (typeName.endsWith("Connection")) return ["edges", "nodes", "pageInfo"].includes(fieldName);
  if (typeName.endsWith("Edge")) return ["cursor", "node"].includes(fieldName);
  return false;
}

export const valueResolvers: ResolverMap = {
  MoneyV2: properties<MoneyV2>("amount", "currencyCode"),
  MoneyBag: properties<MoneyBag>("shopMoney", "presentmentMoney"),
  Count: properties<{ count: number; precision: string }>("count", "precision"),
  DiscountUserError: properties<UserError>("field", "message", "code", "extraInfo"),
  MetafieldsSetUserError: properties<UserError>("field", "message", "code", "elementIndex"),
  BulkOperationUserError: properties<UserError>("field", "message", "code"),
};
