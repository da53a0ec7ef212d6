/** Metafields on any owner the shop has, and the metafieldsSet and metafieldsDelete mutations. */
import type { MetafieldRecord } from "../../store/records";
import type { MetafieldWrite } from "../../store/shop-data";
import { paginate } from "../connection";
import type { AdminContext, ResolverMap, TypeResolvers } from "./resolver-types";
import { requireWriteScope } from "./shop-tools";
import { legacyId, type UserError } from "./values";

/** Shopify's owner types, by GID resource name. */
const OWNER_TYPES: Record<string, string> = {
  Shop: "SHOP",
  Customer: "CUSTOMER",
  Order: "ORDER",
  Product: "PRODUCT",
  ProductVariant: "PRODUCTVARIANT",
  DiscountCodeNode: "DISCOUNT",
};

function ownerTypeName(ownerId: string): string | undefined {
  return /^gid:\/\/shopify\/(\w+)\//.exec(ownerId)?.[1];
}

/** The `metafield(namespace, key)` and `metafields(...)` fields every HasMetafields owner shares. */
export const metafieldFields: TypeResolvers<{ id: string }> = {
  metafield: (owner, args: { namespace?: string | null; key: string }, context) => {
    const [namespace, key] = args.key.includes(".") && !args.namespace ? args.key.split(/\.(.+)/) : [resolveNamespace(args.namespace ?? null, context), args.key];
    return context.store.metafieldsOf(owner.id).find((metafield) => metafield.namespace === namespace && metafield.key === key) ?? null;
  },
  metafields: (owner, args: { namespace?: string | null; keys?: string[] | null; first?: number | null; last?: number | null; after?: string | null; before?: string | null; reverse?: boolean | null }, context, info) => {
    const namespace = args.namespace ? resolveNamespace(args.namespace, context) : null;
    const rows = context.store.metafieldsOf(owner.id).filter(
      (metafield) =>
        (!namespace || metafield.namespace === namespace) &&
        (!args.keys || args.keys.includes(`${metafield.namespace}.${metafield.key}`)),
    );
    return paginate(rows, args, { sortValue: (metafield) => metafield.id, id: (metafield) => metafield.id, bulk: context.bulk, fieldName: info.fieldName });
  },
};

/** Without a namespace, Shopify reads and writes the app's own reserved one. */
function appNamespace(context: AdminContext): string {
  return `app--${context.appApiKey}`;
}

/** "$app" and "$app:suffix" name the calling app's reserved namespaces (app--<app id>, app--<app id>--suffix). */
export function resolveNamespace(namespace: string | null, context: AdminContext): string {
  if (namespace === null || namespace === "$app") return appNamespace(context);
  if (namespace.startsWith("$app:")) return `${appNamespace(context)}--${namespace.slice("$app:".length)}`;
  return namespace;
}

/** Shopify's limit for one metafieldsSet call. */
export const METAFIELDS_SET_MAX = 25;

export const METAFIELD_TYPES = new Set([
  "single_line_text_field", "multi_line_text_field", "number_integer", "number_decimal", "boolean", "json", "date", "date_time", "url", "money", "color", "rating", "weight", "volume", "dimension", "rich_text_field",
  "product_reference", "variant_reference", "customer_reference", "collection_reference", "page_reference", "file_reference", "metaobject_reference", "mixed_reference", "order_reference",
]);

function invalidValue(type: string, value: string): string | null {
  const base = type.startsWith("list.") ? "json" : type;
  switch (base) {
    case "number_integer":
      return /^-?\d+$/.test(value) ? null : "Value must be an integer.";
    case "number_decimal":
      return /^-?\d+(\.\d+)?$/.test(value) ? null : "Value must be a decimal.";
    case "boolean":
      return value === "true" || value === "false" ? null : "Value must be true or false.";
    case "json":
    case "money":
    case "rating":
    case "weight":
    case "volume":
    case "dimension":
    case "rich_text_field":
      try {
        JSON.parse(value);
        return null;
      } catch {
        return "Value is invalid JSON.";
      }
    case "date":
      return /^\d{4}-\d{2}-\d{2}$/.test(value) ? null : "Value must be in YYYY-MM-DD format.";
    case "date_time":
      return Number.isNaN(new Date(value).getTime()) ? "Value must be a valid date time." : null;
    default:
      return null;
  }
}

interface MetafieldIdentifier {
  ownerId: string;
  namespace: string;
  key: string;
}

interface MetafieldsSetInput {
  ownerId: string;
  namespace?: string | null;
  key: string;
  type?: string | null;
  value: string;
  compareDigest?: string | null;
}

export const metafieldResolvers: ResolverMap = {
  Metafield: {
    id: (metafield: MetafieldRecord) => metafield.id,
    legacyResourceId: legacyId,
    namespace: (metafield: MetafieldRecord) => metafield.namespace,
    key: (metafield: MetafieldRecord) => metafield.key,
    type: (metafield: MetafieldRecord) => metafield.type,
    value: (metafield: MetafieldRecord) => metafield.value,
    jsonValue: (metafield: MetafieldRecord) => {
      if (["json", "money", "rating", "weight", "volume", "dimension", "rich_text_field"].includes(metafield.type) || metafield.type.startsWith("list.")) return JSON.parse(metafield.value);
      if (metafield.type === "number_integer") return Number(metafield.value);
      if (metafield.type === "boolean") return metafield.value === "true";
      return metafield.value;
    },
    ownerType: (metafield: MetafieldRecord) => OWNER_TYPES[ownerTypeName(metafield.ownerId) ?? ""] ?? null,
    owner: (metafield: MetafieldRecord, _args, context) => context.store.customer(metafield.ownerId) ?? context.store.order(metafield.ownerId) ?? context.store.product(metafield.ownerId) ?? (metafield.ownerId === context.store.shop.id ? context.store.shop : null),
    createdAt: (metafield: MetafieldRecord) => metafield.createdAt,
    updatedAt: (metafield: MetafieldRecord) => metafield.updatedAt,
    compareDigest: (metafield: MetafieldRecord) => Buffer.from(`${metafield.id}:${metafield.updatedAt}:${metafield.value}`).toString("base64url"),
  },
  Mutation: {
    metafieldsSet: (_root, args: { metafields: MetafieldsSetInput[] }, context) => {
      const userErrors: UserError[] = [];
      const writes: MetafieldWrite[] = [];
      if (args.metafields.length > METAFIELDS_SET_MAX) {
        return { metafields: [], userErrors: [{ field: ["metafields"], message: `Exceeded the maximum metafields input limit of ${METAFIELDS_SET_MAX}.`, code: "LESS_THAN_OR_EQUAL_TO", elementIndex: null }] };
      }
      for (const input of args.metafields) {
        const ownerType = ownerTypeName(input.ownerId);
        if (ownerType) requireWriteScope(context, "metafieldsSet", ownerType);
      }
      args.metafields.forEach((input, index) => {
        const error = (field: string, message: string, code: string) => userErrors.push({ field: ["metafields", String(index), field], message, code, elementIndex: index });
        const ownerType = ownerTypeName(input.ownerId);
        if (!ownerType || !(ownerType in OWNER_TYPES) || !context.store.exists(input.ownerId)) return error("ownerId", "Owner does not exist.", "INVALID");
        const namespace = resolveNamespace(input.namespace ?? null, context);
        const existing = context.store.metafieldsOf(input.ownerId).find((metafield) => metafield.namespace === namespace && metafield.key === input.key);
        const definition = context.store.metafieldDefinition(OWNER_TYPES[ownerType], namespace, input.key);
        const type = input.type ?? definition?.type ?? existing?.type;
        if (!type) return error("type", "Type can't be blank.", "BLANK");
        if (definition && definition.type !== type) return error("type", `Type must be ${definition.type}.`, "INVALID_TYPE");
        if (!METAFIELD_TYPES.has(type.replace(/^list\./, ""))) return error("type", `Type '${type}' is not a valid type.`, "INVALID_TYPE");
        if (input.key.length < 2) return error("key", "Key is too short (minimum is 2 characters)", "INVALID");
        if (namespace.length < 2) return error("namespace", "Namespace is too short (minimum is 2 characters)", "INVALID");
        const problem = invalidValue(type, input.value);
        if (problem) return error("value", problem, "INVALID_VALUE");
        writes.push({ ownerId: input.ownerId, namespace, key: input.key, type, value: input.value });
      });
      // Shopify writes all of them or none.
      if (userErrors.length > 0) return { metafields: [], userErrors };
      return { metafields: context.store.setMetafields(writes), userErrors: [] };
    },
    // Each identifier's metafield is deleted; one that does not exist is answered null, not an error.
    metafieldsDelete: (_root, args: { metafields: MetafieldIdentifier[] }, context) => {
      for (const input of args.metafields) {
        const ownerType = ownerTypeName(input.ownerId);
        if (ownerType) requireWriteScope(context, "metafieldsDelete", ownerType);
      }
      if (args.metafields.length === 0) return { deletedMetafields: [], userErrors: [{ field: ["metafields"], message: "At least one identifier must be specified." }] };
      const deletedMetafields = args.metafields.map((input) => {
        const namespace = resolveNamespace(input.namespace, context);
        return context.store.deleteMetafield(input.ownerId, namespace, input.key) ? { ownerId: input.ownerId, namespace, key: input.key } : null;
      });
      return { deletedMetafields, userErrors: [] };
    },
  },
  MetafieldIdentifier: {
    ownerId: (identifier: MetafieldIdentifier) => identifier.ownerId,
    namespace: (identifier: MetafieldIdentifier) => identifier.namespace,
    key: (identifier: MetafieldIdentifier) => identifier.key,
  },
  MetafieldsDeletePayload: {
    deletedMetafields: (payload: { deletedMetafields: (MetafieldIdentifier | null)[] }) => payload.deletedMetafields,
    userErrors: (payload: { userErrors: UserError[] }) => payload.userErrors,
  },
  MetafieldsSetPayload: {
    metafields: (payload: { metafields: MetafieldRecord[] }) => payload.metafields,
    userErrors: (payload: { userErrors: UserError[] }) => payload.userErrors,
  },
};
