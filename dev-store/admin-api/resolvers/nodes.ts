/** QueryRoot.node / nodes: any object the dev store keeps, looked up by GID. */
import { GraphQLError } from "graphql";

import { parseGid } from "../../store/gid";
import { visibleOrder } from "./orders";
import { discountNodeView } from "./discounts";
import type { AdminContext, ResolverMap } from "./resolver-types";

function findNode(context: AdminContext, id: string): unknown {
  const parsed = parseGid(id);
  if (!parsed) throw new GraphQLError(`Invalid global id '${id}'`, { extensions: { code: "argumentLiteralsIncompatible", typeName: "CoercionError" } });
  const { store } = context;
  switch (parsed.type) {
    case "Shop":
      return id === store.shop.id ? store.shop : null;
    case "Customer":
      return store.customer(id) ?? null;
    case "Order":
      return visibleOrder(context, id);
    case "Product":
      return store.product(id) ?? null;
    case "ProductVariant":
      return store.variant(id) ?? null;
    case "DiscountCodeNode":
      return store.codeDiscount(id) ?? null;
    case "DiscountNode": {
      const discount = store.codeDiscount(`gid://shopify/DiscountCodeNode/${parsed.id}`);
      return discount ? discountNodeView(discount) : null;
    }
    case "Metafield":
      return store.metafield(id) ?? null;
    case "BulkOperation": {
      const operation = store.bulkOperation(id);
      return operation && operation.appApiKey === context.appApiKey ? operation : null;
    }
    default:
      throw new GraphQLError(`dev store does not implement node lookups for ${parsed.type}`, { extensions: { code: "DEV_STORE_NOT_IMPLEMENTED" } });
  }
}

/** Shopify refuses more than 250 ids in one `nodes` call. */
const MAX_NODES = 250;

export const nodeResolvers: ResolverMap = {
  QueryRoot: {
    node: (_root, args: { id: string }, context) => findNode(context, args.id),
    nodes: (_root, args: { ids: string[] }, context) => {
      if (args.ids.length > MAX_NODES) {
        throw new GraphQLError(`The input array size of ${args.ids.length} is greater than the maximum allowed of ${MAX_NODES}.`, { extensions: { code: "MAX_INPUT_SIZE_EXCEEDED" } });
      }
      return args.ids.map((id) => findNode(context, id));
    },
  },
};
