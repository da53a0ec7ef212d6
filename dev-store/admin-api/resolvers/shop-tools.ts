/**
 * What an app writes for the merchant's own tools: metafield definitions (metafieldDefinitionCreate),
 * tags (tagsAdd, tagsRemove) and Shopify Flow triggers (flowTriggerReceive), with Shopify's userErrors.
 * Writing a customer's metafields, definitions or tags takes write_customers, as on Shopify.
 */
import { GraphQLError } from "graphql";

import { hasScope } from "../../oauth/app-scopes";
import { parseGid } from "../../store/gid";
import type { MetafieldDefinitionRecord } from "../../store/records";
import type { AdminContext, ResolverMap } from "./resolver-types";
import { type UserError } from "./values";
import { METAFIELD_TYPES, resolveNamespace } from "./metafields";

/** Shopify refuses a Flow trigger payload above this many bytes. */
export const FLOW_PAYLOAD_MAX_BYTES = 50_000;

/** The write scope each owner type's metafields and tags need. */
const WRITE_SCOPES: Record<string, string> = { CUSTOMER: "write_customers", Customer: "write_customers", ORDER: "write_orders", Order: "write_orders", PRODUCT: "write_products", Product: "write_products" };

export function requireWriteScope(context: AdminContext, fieldName: string, owner: string): void {
  const scope = WRITE_SCOPES[owner];
  if (scope && !hasScope(context.scopes, scope)) {
    throw new GraphQLError(`Access denied for ${fieldName} field. Required access: \`${scope}\` access scope.`, {
      extensions: { code: "ACCESS_DENIED", documentation: "https://shopify.dev/api/usage/access-scopes", requiredAccess: `\`${scope}\` access scope.` },
    });
  }
}

interface DefinitionInput {
  name: string;
  namespace?: string | null;
  key: string;
  type: string;
  ownerType: string;
  description?: string | null;
}

/** tagsAdd accepts ["a", "b"] or "a, b": every element is split on commas. */
function tagList(tags: string[]): string[] {
  return tags.flatMap((tag) => tag.split(",")).map((tag) => tag.trim()).filter(Boolean);
}

function tagTarget(id: string, context: AdminContext, fieldName: string): { error: UserError } | { customerId: string } {
  const parsed = parseGid(id);
  if (parsed?.type === "Customer") {
    requireWriteScope(context, fieldName, "Customer");
    if (context.store.customer(id)) return { customerId: id };
  }
  // Orders, products and the rest exist in the schema; the dev store tags customers only.
  return { error: { field: ["id"], message: "Resource not found" } };
}

function tagError(tags: string[]): UserError | null {
  if (tags.length === 0) return { field: ["tags"], message: "Tags can't be blank" };
  const long = tags.find((tag) => tag.length > 255);
  return long ? { field: ["tags"], message: `Tag ${long.slice(0, 20)}… is too long (maximum is 255 characters)` } : null;
}

export const shopToolsResolvers: ResolverMap = {
  Mutation: {
    metafieldDefinitionCreate: (_root, args: { definition: DefinitionInput }, context) => {
      const input = args.definition;
      requireWriteScope(context, "metafieldDefinitionCreate", input.ownerType);
      const namespace = resolveNamespace(input.namespace ?? null, context);
      const refuse = (field: string, message: string, code: string) => ({ createdDefinition: null, userErrors: [{ field: ["definition", field], message, code }] });
      if (!input.name.trim()) return refuse("name", "Name can't be blank.", "BLANK");
      if (input.key.length < 2) return refuse("key", "Key is too short (minimum is 2 characters).", "TOO_SHORT");
      if (input.key.length > 64) return refuse("key", "Key is too long (maximum is 64 characters).", "TOO_LONG");
      if (!/^[a-zA-Z0-9_-]+$/.test(input.key)) return refuse("key", "Key contains one or more invalid characters.", "INVALID_CHARACTER");
      if (!METAFIELD_TYPES.has(input.type.replace(/^list\./, ""))) return refuse("type", "Type is not included in the list.", "INCLUSION");
      if (context.store.metafieldDefinition(input.ownerType, namespace, input.key)) {
        return refuse("key", `Key is in use for ${input.ownerType.charAt(0)}${input.ownerType.slice(1).toLowerCase()} metafields on the '${namespace}' namespace.`, "TAKEN");
      }
      const definition = context.store.createMetafieldDefinition({ ownerType: input.ownerType, namespace, key: input.key, name: input.name, type: input.type, description: input.description ?? null });
      return { createdDefinition: definition, userErrors: [] };
    },
    tagsAdd: (_root, args: { id: string; tags: string[] }, context) => {
      const target = tagTarget(args.id, context, "tagsAdd");
      if ("error" in target) return { node: null, userErrors: [target.error] };
      const tags = tagList(args.tags);
      const problem = tagError(tags);
      if (problem) return { node: null, userErrors: [problem] };
      return { node: context.store.addCustomerTags(target.customerId, tags), userErrors: [] };
    },
    tagsRemove: (_root, args: { id: string; tags: string[] }, context) => {
      const target = tagTarget(args.id, context, "tagsRemove");
      if ("error" in target) return { node: null, userErrors: [target.error] };
      const tags = tagList(args.tags);
      const problem = tagError(tags);
      if (problem) return { node: null, userErrors: [problem] };
      return { node: context.store.removeCustomerTags(target.customerId, tags), userErrors: [] };
    },
    flowTriggerReceive: (_root, args: { handle?: string | null; payload?: unknown; body?: string | null }, context) => {
      const refuse = (field: string, message: string) => ({ userErrors: [{ field: [field], message }] });
      if (args.body != null) return refuse("body", "The body argument is deprecated: send the handle and the payload.");
      if (!args.handle) return refuse("handle", "Handle can't be blank");
      const trigger = context.flowTriggers.get(args.handle);
      if (!trigger) return refuse("handle", `Invalid handle '${args.handle}': the app has no Flow trigger with this handle.`);
      const payload = args.payload;
      if (!payload || typeof payload !== "object" || Array.isArray(payload)) return refuse("payload", "Payload must be a JSON object.");
      const size = Buffer.byteLength(JSON.stringify(payload), "utf8");
      if (size > FLOW_PAYLOAD_MAX_BYTES) return refuse("payload", `Properties size exceeds the limit of ${FLOW_PAYLOAD_MAX_BYTES} bytes.`);
      const problems: string[] = [];
      const values = payload as Record<string, unknown>;
      for (const field of trigger.fields) {
        const value = values[field.property];
        if (value === undefined || value === null) problems.push(`Missing required property '${field.property}'`);
        else if (field.type.endsWith("_reference") || field.type === "number_integer") {
          if (!Number.isInteger(value)) problems.push(`Property '${field.property}' must be an integer`);
        } else if (field.type === "number_decimal" && typeof value !== "number") problems.push(`Property '${field.property}' must be a number`);
        else if (field.type === "boolean" && typeof value !== "boolean") problems.push(`Property '${field.property}' must be a boolean`);
        else if (!["number_decimal", "boolean"].includes(field.type) && typeof value !== "string") problems.push(`Property '${field.property}' must be a string`);
      }
      for (const property of Object.keys(values)) {
        if (!trigger.fields.some((field) => field.property === property)) problems.push(`Unknown property '${property}'`);
      }
      const customerId = values.customer_id;
      if (Number.isInteger(customerId) && trigger.fields.some((field) => field.property === "customer_id") && !context.store.customer(`gid://shopify/Customer/${String(customerId)}`)) {
        problems.push(`Customer ${String(customerId)} does not exist`);
      }
      if (problems.length > 0) return refuse("payload", `Errors validating schema:\n  ${problems.join("\n  ")}`);
      context.store.recordFlowTriggerRun(args.handle, values, context.now().toISOString());
      return { userErrors: [] };
    },
  },
  MetafieldDefinition: {
    id: (definition: MetafieldDefinitionRecord) => definition.id,
    name: (definition: MetafieldDefinitionRecord) => definition.name,
    namespace: (definition: MetafieldDefinitionRecord) => definition.namespace,
    key: (definition: MetafieldDefinitionRecord) => definition.key,
    description: (definition: MetafieldDefinitionRecord) => definition.description,
    ownerType: (definition: MetafieldDefinitionRecord) => definition.ownerType,
  },
  MetafieldDefinitionCreatePayload: {
    createdDefinition: (payload: { createdDefinition: MetafieldDefinitionRecord | null }) => payload.createdDefinition,
    userErrors: (payload: { userErrors: UserError[] }) => payload.userErrors,
  },
  MetafieldDefinitionCreateUserError: {
    field: (error: UserError) => error.field,
    message: (error: UserError) => error.message,
    code: (error: UserError) => error.code ?? null,
    elementIndex: () => null,
    elementKey: () => null,
  },
  TagsAddPayload: {
    node: (payload: { node: unknown }) => payload.node,
    userErrors: (payload: { userErrors: UserError[] }) => payload.userErrors,
  },
  TagsRemovePayload: {
    node: (payload: { node: unknown }) => payload.node,
    userErrors: (payload: { userErrors: UserError[] }) => payload.userErrors,
  },
  FlowTriggerReceivePayload: {
    userErrors: (payload: { userErrors: UserError[] }) => payload.userErrors,
  },
  UserError: {
    field: (error: UserError) => error.field,
    message: (error: UserError) => error.message,
  },
};
