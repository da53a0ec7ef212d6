/**
 * Code discounts the app creates (amount-off and free shipping, often single-use and for one customer):
 * the create/delete/deactivate mutations with Shopify's userErrors, lookups by id and code, listings.
 */
import { GraphQLError, type GraphQLResolveInfo } from "graphql";

import { discountStatus, usageCount } from "../../store/discount-rules";
import { legacyResourceId } from "../../store/gid";
import { formatMinorUnits, toMinorUnits } from "../../store/money";
import type { CodeDiscountRecord, CustomerGetsValue } from "../../store/records";
import { toShopifyDateTime, type NewCodeDiscount } from "../../store/shop-data";
import { paginate } from "../connection";
import { matchesDate, matchesNumber, matchesText, type SearchFields } from "../search-syntax";
import { metafieldFields } from "./metafields";
import type { AdminContext, ResolverMap } from "./resolver-types";
import { moneyV2, searchConnection, unsignedInt64, type UserError } from "./values";

type DiscountTypename = "DiscountCodeBasic" | "DiscountCodeFreeShipping";

/** The discount as the `DiscountCode`/`Discount` unions see it. */
interface DiscountView {
  __typename: DiscountTypename;
  discount: CodeDiscountRecord;
}

/** A code discount seen through `discountNodes`. */
interface DiscountNodeView {
  __typename: "DiscountNode";
  discount: CodeDiscountRecord;
}

export function discountView(discount: CodeDiscountRecord): DiscountView {
  return { __typename: discount.kind === "basic" ? "DiscountCodeBasic" : "DiscountCodeFreeShipping", discount };
}

export function discountNodeView(discount: CodeDiscountRecord): DiscountNodeView {
  return { __typename: "DiscountNode", discount };
}

function unsupported(what: string): GraphQLError {
  return new GraphQLError(`dev store does not implement ${what}`, { extensions: { code: "DEV_STORE_NOT_IMPLEMENTED" } });
}

// ---- inputs ----

interface CustomersInput {
  add?: string[] | null;
  remove?: string[] | null;
}

interface CodeDiscountInput {
  title?: string | null;
  code?: string | null;
  startsAt?: string | null;
  endsAt?: string | null;
  usageLimit?: number | null;
  appliesOncePerCustomer?: boolean | null;
  combinesWith?: { orderDiscounts?: boolean | null; productDiscounts?: boolean | null; shippingDiscounts?: boolean | null } | null;
  context?: { all?: string | null; customers?: CustomersInput | null; customerSegments?: unknown; markets?: unknown } | null;
  customerSelection?: { all?: boolean | null; customers?: CustomersInput | null; customerSegments?: unknown } | null;
  minimumRequirement?: { subtotal?: { greaterThanOrEqualToSubtotal?: string | null } | null; quantity?: { greaterThanOrEqualToQuantity?: string | null } | null } | null;
  tags?: string[] | null;
  recurringCycleLimit?: number | null;
}

interface BasicCodeDiscountInput extends CodeDiscountInput {
  customerGets?: {
    value?: { percentage?: number | null; discountAmount?: { amount?: string | null; appliesOnEachItem?: boolean | null } | null; discountOnQuantity?: unknown } | null;
    items?: {
      all?: boolean | null;
      products?: { productVariantsToAdd?: string[] | null; productVariantsToRemove?: string[] | null; productsToAdd?: string[] | null; productsToRemove?: string[] | null } | null;
      collections?: unknown;
    } | null;
    appliesOnOneTimePurchase?: boolean | null;
    appliesOnSubscription?: boolean | null;
  } | null;
}

interface FreeShippingCodeDiscountInput extends CodeDiscountInput {
  destination?: { all?: boolean | null; countries?: unknown } | null;
  maximumShippingPrice?: string | null;
  appliesOnOneTimePurchase?: boolean | null;
  appliesOnSubscription?: boolean | null;
}

/** Shopify caps a discount code at 255 characters. */
const MAX_CODE_LENGTH = 255;

/** Checks the parts both code discount kinds share; returns the customer restriction it settles on. */
function readCommonInput(
  input: CodeDiscountInput,
  argument: string,
  context: AdminContext,
  errors: UserError[],
): { customerIds: string[] | null; minimumSubtotal: number | null; minimumQuantity: number | null } {
  const error = (path: string[], message: string, code: string) => errors.push({ field: [argument, ...path], message, code, extraInfo: null });
  const currency = context.store.shop.currencyCode;
  const code = input.code?.trim() ?? "";
  if (!code) error(["code"], "Code can't be blank", "BLANK");
  else if (code.length > MAX_CODE_LENGTH) error(["code"], `Code is too long (maximum is ${MAX_CODE_LENGTH} characters)`, "TOO_LONG");
  else if (/[\r\n]/.test(code)) error(["code"], "Code cannot contain newline characters.", "INVALID");
  else if (context.store.codeDiscountByCode(code)) error(["code"], "Code must be unique. Please try a different code.", "TAKEN");
  if (!input.title?.trim()) error(["title"], "Title can't be blank", "BLANK");
  if (!input.startsAt) error(["startsAt"], "Starts at can't be blank", "BLANK");
  if (input.startsAt && input.endsAt && new Date(input.endsAt) <= new Date(input.startsAt)) error(["endsAt"], "Ends at needs to be after starts_at", "INVALID");
  if (input.usageLimit != null && input.usageLimit < 1) error(["usageLimit"], "Usage limit must be greater than 0", "GREATER_THAN");

  if (input.context?.customerSegments || input.customerSelection?.customerSegments) throw unsupported("customer segment discounts");
  if (input.context?.markets) throw unsupported("market-specific discounts");
  const customers = input.context?.customers ?? input.customerSelection?.customers ?? null;
  let customerIds: string[] | null = null;
  if (customers) {
    const selectionField = input.context ? ["context", "customers", "add"] : ["customerSelection", "customers", "add"];
    customerIds = [...new Set(customers.add ?? [])].filter((id) => !(customers.remove ?? []).includes(id));
    if (customerIds.some((id) => !context.store.customer(id))) error(selectionField, "Customer does not exist", "INVALID");
    if (customerIds.length === 0) error(selectionField, "Customer selection can't be blank", "BLANK");
  }

  const subtotal = input.minimumRequirement?.subtotal?.greaterThanOrEqualToSubtotal ?? null;
  const quantity = input.minimumRequirement?.quantity?.greaterThanOrEqualToQuantity ?? null;
  if (subtotal !== null && quantity !== null) {
    error(["minimumRequirement"], "Minimum subtotal and quantity range can't both be present", "MINIMUM_SUBTOTAL_AND_QUANTITY_RANGE_BOTH_PRESENT");
  }
  let minimumSubtotal: number | null = null;
  if (subtotal !== null) {
    try {
      minimumSubtotal = toMinorUnits(subtotal, currency);
    } catch {
      error(["minimumRequirement", "subtotal", "greaterThanOrEqualToSubtotal"], "Minimum subtotal is invalid", "INVALID");
    }
  }
  return { customerIds, minimumSubtotal, minimumQuantity: quantity === null ? null : Number(quantity) };
}

function readCustomerGets(input: BasicCodeDiscountInput, argument: string, context: AdminContext, errors: UserError[]): CustomerGetsValue | null {
  const error = (path: string[], message: string, code: string) => errors.push({ field: [argument, "customerGets", ...path], message, code, extraInfo: null });
  const gets = input.customerGets;
  if (!gets?.value) {
    error(["value"], "Value can't be blank", "BLANK");
    return null;
  }
  if (gets.items?.collections) throw unsupported("collection-specific discounts");
  if (gets.value.discountOnQuantity) throw unsupported("discountOnQuantity values");
  if (!gets.items?.all && !gets.items?.products) error(["items"], "Items in 'customer get' must be specified", "APPLIES_ON_NOTHING");
  if (gets.value.percentage != null) {
    if (gets.value.percentage <= 0 || gets.value.percentage > 1) error(["value", "percentage"], "Value must be between 0.0 and 1.0", "VALUE_OUTSIDE_RANGE");
    return { percentage: gets.value.percentage };
  }
  const amount = gets.value.discountAmount?.amount;
  if (amount != null) {
    let minor: number;
    try {
      minor = toMinorUnits(amount, context.store.shop.currencyCode);
    } catch {
      error(["value", "discountAmount", "amount"], "Value is invalid", "INVALID");
      return null;
    }
    if (minor <= 0) error(["value", "discountAmount", "amount"], "Value must be greater than 0", "GREATER_THAN");
    return { amount: minor, appliesOnEachItem: gets.value.discountAmount?.appliesOnEachItem ?? false };
  }
  error(["value"], "Value can't be blank", "BLANK");
  return null;
}

/** The variants `customerGets.items.products` names (whole products stand for all their variants); null for every item. */
function readItemVariants(input: BasicCodeDiscountInput, argument: string, context: AdminContext, errors: UserError[]): string[] | null {
  const products = input.customerGets?.items?.products;
  if (!products || input.customerGets?.items?.all) return null;
  const field = [argument, "customerGets", "items", "products"];
  const variantIds = new Set<string>();
  for (const id of products.productVariantsToAdd ?? []) {
    if (context.store.variant(id)) variantIds.add(id);
    else errors.push({ field: [...field, "productVariantsToAdd"], message: `Product variant ${id} does not exist`, code: "INVALID", extraInfo: null });
  }
  for (const id of products.productsToAdd ?? []) {
    const product = context.store.product(id);
    if (product) product.variants.forEach((variant) => variantIds.add(variant.id));
    else errors.push({ field: [...field, "productsToAdd"], message: `Product ${id} does not exist`, code: "INVALID", extraInfo: null });
  }
  for (const id of products.productVariantsToRemove ?? []) variantIds.delete(id);
  for (const id of products.productsToRemove ?? []) context.store.product(id)?.variants.forEach((variant) => variantIds.delete(variant.id));
  if (variantIds.size === 0 && errors.length === 0) errors.push({ field: [...field], message: "Items in 'customer get' must be specified", code: "APPLIES_ON_NOTHING", extraInfo: null });
  return [...variantIds];
}

function newDiscount(input: CodeDiscountInput, common: ReturnType<typeof readCommonInput>, context: AdminContext): Omit<NewCodeDiscount, "kind" | "customerGets" | "maximumShippingPrice"> {
  return {
    code: input.code!.trim(),
    title: input.title!.trim(),
    startsAt: toShopifyDateTime(input.startsAt!),
    endsAt: input.endsAt ? toShopifyDateTime(input.endsAt) : null,
    usageLimit: input.usageLimit ?? null,
    appliesOncePerCustomer: input.appliesOncePerCustomer ?? false,
    customerIds: common.customerIds,
    minimumSubtotal: common.minimumSubtotal,
    minimumQuantity: common.minimumQuantity,
    combinesWith: {
      orderDiscounts: input.combinesWith?.orderDiscounts ?? false,
      productDiscounts: input.combinesWith?.productDiscounts ?? false,
      shippingDiscounts: input.combinesWith?.shippingDiscounts ?? false,
    },
    tags: input.tags ?? [],
    appApiKey: context.appApiKey,
  };
}

// ---- reading ----

function discountSearch(context: AdminContext): SearchFields<CodeDiscountRecord> {
  const now = () => toShopifyDateTime(context.now());
  const discountType = (discount: CodeDiscountRecord) =>
    discount.kind === "free_shipping" ? "free_shipping" : discount.customerGets && "percentage" in discount.customerGets ? "percentage" : "fixed_amount";
  return {
    fields: {
      code: (discount, term) => discount.codes.some((code) => matchesText(code.code, term)),
      title: (discount, term) => matchesText(discount.title, term),
      status: (discount, term) => matchesText(discountStatus(discount, now()), term),
      discount_type: (discount, term) => matchesText(discountType(discount), term),
      type: (discount, term) => matchesText(discountType(discount), term),
      method: (_discount, term) => matchesText("code", term),
      starts_at: (discount, term) => matchesDate(discount.startsAt, term),
      ends_at: (discount, term) => matchesDate(discount.endsAt, term),
      created_at: (discount, term) => matchesDate(discount.createdAt, term),
      updated_at: (discount, term) => matchesDate(discount.updatedAt, term),
      times_used: (discount, term) => matchesNumber(usageCount(discount), term),
    },
    text: (discount, word) => {
      const needle = word.toLowerCase().replace(/\*$/, "");
      return discount.title.toLowerCase().includes(needle) || discount.codes.some((code) => code.code.toLowerCase().includes(needle));
    },
  };
}

const DISCOUNT_SORT: Record<string, (discount: CodeDiscountRecord) => string | number> = {
  ID: (discount) => legacyResourceId(discount.id),
  RELEVANCE: (discount) => legacyResourceId(discount.id),
  CREATED_AT: (discount) => discount.createdAt,
  UPDATED_AT: (discount) => discount.updatedAt,
  STARTS_AT: (discount) => discount.startsAt,
  ENDS_AT: (discount) => discount.endsAt ?? "9999",
  TITLE: (discount) => discount.title.toLowerCase(),
};

function summary(discount: CodeDiscountRecord, currency: string): { short: string; full: string } {
  const money = (minor: number) => `${formatMinorUnits(minor, currency)} ${currency}`;
  const value = discount.customerGets;
  const short =
    discount.kind === "free_shipping"
      ? "Free shipping on all products"
      : value && "percentage" in value
        ? `${Math.round(value.percentage * 10_000) / 100}% off entire order`
        : value
          ? `${money(value.amount)} off ${value.appliesOnEachItem ? "each eligible item" : "entire order"}`
          : "";
  const parts = [short];
  if (discount.minimumSubtotal !== null) parts.push(`Minimum purchase of ${money(discount.minimumSubtotal)}`);
  if (discount.minimumQuantity !== null) parts.push(`Minimum quantity of ${discount.minimumQuantity}`);
  if (discount.customerIds) parts.push(discount.customerIds.length === 1 ? "For 1 customer" : `For ${discount.customerIds.length} customers`);
  if (discount.usageLimit !== null) parts.push(discount.usageLimit === 1 ? "Limit of 1 use" : `Limit of ${discount.usageLimit} uses`);
  if (discount.appliesOncePerCustomer) parts.push("One use per customer");
  return { short, full: parts.join(" • ") };
}

const sharedDiscountFields = {
  title: ({ discount }: DiscountView) => discount.title,
  status: ({ discount }: DiscountView, _args: unknown, context: AdminContext) => discountStatus(discount, toShopifyDateTime(context.now())),
  summary: ({ discount }: DiscountView, _args: unknown, context: AdminContext) => summary(discount, context.store.shop.currencyCode).full,
  shortSummary: ({ discount }: DiscountView, _args: unknown, context: AdminContext) => summary(discount, context.store.shop.currencyCode).short,
  startsAt: ({ discount }: DiscountView) => discount.startsAt,
  endsAt: ({ discount }: DiscountView) => discount.endsAt,
  createdAt: ({ discount }: DiscountView) => discount.createdAt,
  updatedAt: ({ discount }: DiscountView) => discount.updatedAt,
  usageLimit: ({ discount }: DiscountView) => discount.usageLimit,
  appliesOncePerCustomer: ({ discount }: DiscountView) => discount.appliesOncePerCustomer,
  asyncUsageCount: ({ discount }: DiscountView) => usageCount(discount),
  tags: ({ discount }: DiscountView) => discount.tags,
  hasTimelineComment: () => false,
  combinesWith: ({ discount }: DiscountView) => ({ ...discount.combinesWith, productDiscountsWithTagsOnSameCartLine: null }),
  codesCount: ({ discount }: DiscountView) => ({ count: discount.codes.length, precision: "EXACT" }),
  codes: ({ discount }: DiscountView, args: Record<string, unknown>, context: AdminContext, info: GraphQLResolveInfo) =>
    paginate(discount.codes, args, { sortValue: (code) => legacyResourceId(code.id), id: (code) => code.id, bulk: context.bulk, fieldName: info.fieldName }),
  customerSelection: ({ discount }: DiscountView, _args: unknown, context: AdminContext) =>
    discount.customerIds === null
      ? { __typename: "DiscountCustomerAll", allCustomers: true }
      : { __typename: "DiscountCustomers", customers: discount.customerIds.map((id) => context.store.customer(id)).filter(Boolean) },
  context: ({ discount }: DiscountView, _args: unknown, context: AdminContext) =>
    discount.customerIds === null
      ? { __typename: "DiscountBuyerSelectionAll", all: "ALL" }
      : { __typename: "DiscountCustomers", customers: discount.customerIds.map((id) => context.store.customer(id)).filter(Boolean) },
  minimumRequirement: ({ discount }: DiscountView, _args: unknown, context: AdminContext) => {
    if (discount.minimumSubtotal !== null) {
      return { __typename: "DiscountMinimumSubtotal", greaterThanOrEqualToSubtotal: moneyV2(discount.minimumSubtotal, context.store.shop.currencyCode) };
    }
    if (discount.minimumQuantity !== null) return { __typename: "DiscountMinimumQuantity", greaterThanOrEqualToQuantity: unsignedInt64(discount.minimumQuantity) };
    return null;
  },
};

function basicCreatePayload(argument: string) {
  return (_root: unknown, args: Record<string, BasicCodeDiscountInput>, context: AdminContext) => {
    const input = args[argument];
    const errors: UserError[] = [];
    const common = readCommonInput(input, argument, context, errors);
    const customerGets = readCustomerGets(input, argument, context, errors);
    const itemVariantIds = readItemVariants(input, argument, context, errors);
    if (errors.length > 0 || !customerGets) return { codeDiscountNode: null, userErrors: errors };
    const discount = context.store.createCodeDiscount({ ...newDiscount(input, common, context), kind: "basic", customerGets, itemVariantIds, maximumShippingPrice: null });
    return { codeDiscountNode: discount, userErrors: [] };
  };
}

export const discountResolvers: ResolverMap = {
  QueryRoot: {
    codeDiscountNode: (_root, args: { id: string }, context) => context.store.codeDiscount(args.id) ?? null,
    codeDiscountNodeByCode: (_root, args: { code: string }, context) => context.store.codeDiscountByCode(args.code) ?? null,
    codeDiscountNodes: (_root, args, context, info) =>
      searchConnection(context.store.codeDiscounts(), args, context, info, {
        search: discountSearch(context),
        sortValue: DISCOUNT_SORT[args.sortKey ?? "ID"] ?? DISCOUNT_SORT.ID,
        id: (discount) => discount.id,
      }),
    discountNodes: (_root, args, context, info) => {
      const page = searchConnection(context.store.codeDiscounts(), args, context, info, {
        search: discountSearch(context),
        sortValue: DISCOUNT_SORT[args.sortKey ?? "ID"] ?? DISCOUNT_SORT.ID,
        id: (discount) => discount.id,
      });
      return {
        edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: discountNodeView(edge.node) })),
        nodes: page.nodes.map(discountNodeView),
        pageInfo: page.pageInfo,
      };
    },
  },
  Mutation: {
    discountCodeBasicCreate: basicCreatePayload("basicCodeDiscount"),
    discountCodeFreeShippingCreate: (_root, args: { freeShippingCodeDiscount: FreeShippingCodeDiscountInput }, context) => {
      const argument = "freeShippingCodeDiscount";
      const input = args.freeShippingCodeDiscount;
      const errors: UserError[] = [];
      const common = readCommonInput(input, argument, context, errors);
      if (input.destination?.countries) throw unsupported("country-specific free shipping");
      let maximumShippingPrice: number | null = null;
      if (input.maximumShippingPrice != null) {
        try {
          maximumShippingPrice = toMinorUnits(input.maximumShippingPrice, context.store.shop.currencyCode);
        } catch {
          errors.push({ field: [argument, "maximumShippingPrice"], message: "Maximum shipping price is invalid", code: "INVALID", extraInfo: null });
        }
      }
      if (errors.length > 0) return { codeDiscountNode: null, userErrors: errors };
      const discount = context.store.createCodeDiscount({ ...newDiscount(input, common, context), kind: "free_shipping", customerGets: null, maximumShippingPrice });
      return { codeDiscountNode: discount, userErrors: [] };
    },
    discountCodeDelete: (_root, args: { id: string }, context) => {
      if (!context.store.codeDiscount(args.id)) {
        return { deletedCodeDiscountId: null, userErrors: [{ field: ["id"], message: "Discount does not exist", code: "INVALID", extraInfo: null }] };
      }
      context.store.deleteCodeDiscount(args.id);
      return { deletedCodeDiscountId: args.id, userErrors: [] };
    },
    discountCodeDeactivate: (_root, args: { id: string }, context) => {
      if (!context.store.codeDiscount(args.id)) {
        return { codeDiscountNode: null, userErrors: [{ field: ["id"], message: "Discount does not exist", code: "INVALID", extraInfo: null }] };
      }
      return { codeDiscountNode: context.store.deactivateCodeDiscount(args.id), userErrors: [] };
    },
  },
  DiscountCodeBasicCreatePayload: {
    codeDiscountNode: (payload: { codeDiscountNode: CodeDiscountRecord | null }) => payload.codeDiscountNode,
    userErrors: (payload: { userErrors: UserError[] }) => payload.userErrors,
  },
  DiscountCodeFreeShippingCreatePayload: {
    codeDiscountNode: (payload: { codeDiscountNode: CodeDiscountRecord | null }) => payload.codeDiscountNode,
    userErrors: (payload: { userErrors: UserError[] }) => payload.userErrors,
  },
  DiscountCodeDeactivatePayload: {
    codeDiscountNode: (payload: { codeDiscountNode: CodeDiscountRecord | null }) => payload.codeDiscountNode,
    userErrors: (payload: { userErrors: UserError[] }) => payload.userErrors,
  },
  DiscountCodeDeletePayload: {
    deletedCodeDiscountId: (payload: { deletedCodeDiscountId: string | null }) => payload.deletedCodeDiscountId,
    userErrors: (payload: { userErrors: UserError[] }) => payload.userErrors,
  },
  DiscountCodeNode: {
    id: (discount: CodeDiscountRecord) => discount.id,
    codeDiscount: (discount: CodeDiscountRecord) => discountView(discount),
    ...metafieldFields,
  },
  DiscountNode: {
    id: ({ discount }: DiscountNodeView) => `gid://shopify/DiscountNode/${legacyResourceId(discount.id)}`,
    discount: ({ discount }: DiscountNodeView) => discountView(discount),
  },
  DiscountCodeBasic: {
    ...sharedDiscountFields,
    discountClass: ({ discount }: DiscountView) => (discount.itemVariantIds ? "PRODUCT" : "ORDER"),
    discountClasses: ({ discount }: DiscountView) => [discount.itemVariantIds ? "PRODUCT" : "ORDER"],
    customerGets: ({ discount }: DiscountView) => ({ ...discount.customerGets, itemVariantIds: discount.itemVariantIds ?? null }),
    recurringCycleLimit: () => null,
  },
  DiscountCodeFreeShipping: {
    ...sharedDiscountFields,
    discountClass: () => "SHIPPING",
    discountClasses: () => ["SHIPPING"],
    destinationSelection: () => ({ __typename: "DiscountCountryAll", allCountries: true }),
    maximumShippingPrice: ({ discount }: DiscountView, _args, context) =>
      discount.maximumShippingPrice === null ? null : moneyV2(discount.maximumShippingPrice, context.store.shop.currencyCode),
    appliesOnOneTimePurchase: () => true,
    appliesOnSubscription: () => false,
    recurringCycleLimit: () => null,
  },
  DiscountCustomerGets: {
    value: (value: CustomerGetsValue, _args, context) =>
      "percentage" in value
        ? { __typename: "DiscountPercentage", percentage: value.percentage }
        : { __typename: "DiscountAmount", amount: moneyV2(value.amount, context.store.shop.currencyCode), appliesOnEachItem: value.appliesOnEachItem },
    items: (value: { itemVariantIds: string[] | null }, _args, context) =>
      value.itemVariantIds
        ? { __typename: "DiscountProducts", variants: value.itemVariantIds.map((id) => context.store.variant(id)).filter(Boolean) }
        : { __typename: "AllDiscountItems", allItems: true },
    appliesOnOneTimePurchase: () => true,
    appliesOnSubscription: () => false,
  },
  DiscountPercentage: { percentage: (value: { percentage: number }) => value.percentage },
  DiscountAmount: {
    amount: (value: { amount: unknown }) => value.amount,
    appliesOnEachItem: (value: { appliesOnEachItem: boolean }) => value.appliesOnEachItem,
  },
  AllDiscountItems: { allItems: () => true },
  DiscountProducts: {
    productVariants: (value: { variants: { id: string }[] }, args, context, info) =>
      paginate(value.variants, args, { sortValue: (variant) => legacyResourceId(variant.id), id: (variant) => variant.id, bulk: context.bulk, fieldName: info.fieldName }),
    products: () => ({ edges: [], nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } }),
  },
  DiscountCustomerAll: { allCustomers: () => true },
  DiscountBuyerSelectionAll: { all: () => "ALL" },
  DiscountCustomers: { customers: (value: { customers: unknown[] }) => value.customers },
  DiscountCountryAll: { allCountries: () => true },
  DiscountMinimumSubtotal: { greaterThanOrEqualToSubtotal: (value: { greaterThanOrEqualToSubtotal: unknown }) => value.greaterThanOrEqualToSubtotal },
  DiscountMinimumQuantity: { greaterThanOrEqualToQuantity: (value: { greaterThanOrEqualToQuantity: string }) => value.greaterThanOrEqualToQuantity },
  DiscountCombinesWith: {
    orderDiscounts: (value: CodeDiscountRecord["combinesWith"]) => value.orderDiscounts,
    productDiscounts: (value: CodeDiscountRecord["combinesWith"]) => value.productDiscounts,
    shippingDiscounts: (value: CodeDiscountRecord["combinesWith"]) => value.shippingDiscounts,
    productDiscountsWithTagsOnSameCartLine: () => null,
  },
  DiscountRedeemCode: {
    id: (code: CodeDiscountRecord["codes"][number]) => code.id,
    code: (code: CodeDiscountRecord["codes"][number]) => code.code,
    asyncUsageCount: (code: CodeDiscountRecord["codes"][number]) => code.asyncUsageCount,
  },
};
