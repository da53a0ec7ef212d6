/** The catalogue: QueryRoot.product/products/productVariant, Product and ProductVariant. */
import { legacyResourceId } from "../../store/gid";
import type { ProductRecord, VariantRecord } from "../../store/records";
import { paginate } from "../connection";
import { matchesAnyText, matchesDate, matchesNumber, matchesText, type SearchFields } from "../search-syntax";
import { metafieldFields } from "./metafields";
import type { ResolverMap } from "./resolver-types";
import { graphqlDecimal, legacyId, searchConnection } from "./values";

const productSearch: SearchFields<ProductRecord> = {
  fields: {
    id: (product, term) => matchesNumber(legacyResourceId(product.id), term),
    title: (product, term) => matchesText(product.title, term),
    handle: (product, term) => matchesText(product.handle, term),
    vendor: (product, term) => matchesText(product.vendor, term),
    product_type: (product, term) => matchesText(product.productType, term),
    status: (product, term) => matchesText(product.status, term),
    tag: (product, term) => matchesAnyText(product.tags, term),
    sku: (product, term) => matchesAnyText(product.variants.map((variant) => variant.sku ?? ""), term),
    created_at: (product, term) => matchesDate(product.createdAt, term),
    updated_at: (product, term) => matchesDate(product.updatedAt, term),
  },
  text: (product, word) => product.title.toLowerCase().includes(word.toLowerCase().replace(/\*$/, "")),
};

const PRODUCT_SORT: Record<string, (product: ProductRecord) => string | number> = {
  ID: (product) => legacyResourceId(product.id),
  RELEVANCE: (product) => legacyResourceId(product.id),
  TITLE: (product) => product.title.toLowerCase(),
  CREATED_AT: (product) => product.createdAt,
  UPDATED_AT: (product) => product.updatedAt,
  PRODUCT_TYPE: (product) => product.productType,
  VENDOR: (product) => product.vendor,
  PUBLISHED_AT: (product) => product.publishedAt ?? "",
  INVENTORY_TOTAL: (product) => product.variants.reduce((sum, variant) => sum + variant.inventoryQuantity, 0),
};

interface FeaturedImageView {
  __typename: "MediaImage";
  id: string;
  url: string;
  alt: string;
}

/** A product's featured image as the Media interface shows it (the dev store keeps one image per product). */
function featuredImage(product: ProductRecord): FeaturedImageView {
  return { __typename: "MediaImage", id: `gid://shopify/MediaImage/${legacyResourceId(product.id)}`, url: product.imageUrl!, alt: product.title };
}

export const productResolvers: ResolverMap = {
  QueryRoot: {
    product: (_root, args: { id: string }, context) => context.store.product(args.id) ?? null,
    productVariant: (_root, args: { id: string }, context) => context.store.variant(args.id) ?? null,
    products: (_root, args, context, info) =>
      searchConnection(context.store.products(), args, context, info, {
        search: productSearch,
        sortValue: PRODUCT_SORT[args.sortKey ?? "ID"] ?? PRODUCT_SORT.ID,
        id: (product) => product.id,
      }),
  },
  Product: {
    id: (product: ProductRecord) => product.id,
    legacyResourceId: legacyId,
    title: (product: ProductRecord) => product.title,
    handle: (product: ProductRecord) => product.handle,
    vendor: (product: ProductRecord) => product.vendor,
    productType: (product: ProductRecord) => product.productType,
    status: (product: ProductRecord) => product.status,
    tags: (product: ProductRecord) => product.tags,
    descriptionHtml: (product: ProductRecord) => product.descriptionHtml,
    description: (product: ProductRecord) => product.descriptionHtml.replace(/<[^>]*>/g, ""),
    createdAt: (product: ProductRecord) => product.createdAt,
    updatedAt: (product: ProductRecord) => product.updatedAt,
    publishedAt: (product: ProductRecord) => product.publishedAt,
    totalInventory: (product: ProductRecord) => product.variants.reduce((sum, variant) => sum + variant.inventoryQuantity, 0),
    hasOnlyDefaultVariant: (product: ProductRecord) => product.variants.length === 1 && product.variants[0].title === "Default Title",
    variantsCount: (product: ProductRecord) => ({ count: product.variants.length, precision: "EXACT" }),
    featuredMedia: (product: ProductRecord) => (product.imageUrl ? featuredImage(product) : null),
    variants: (product: ProductRecord, args, context, info) =>
      paginate(product.variants, args, { sortValue: (variant) => variant.position, id: (variant) => variant.id, bulk: context.bulk, fieldName: info.fieldName }),
    ...metafieldFields,
  },
  MediaImage: {
    id: (media: FeaturedImageView) => media.id,
    alt: (media: FeaturedImageView) => media.alt,
    mediaContentType: () => "IMAGE",
    status: () => "READY",
    preview: (media: FeaturedImageView) => ({ image: media, status: "READY" }),
    image: (media: FeaturedImageView) => media,
  },
  MediaPreviewImage: {
    image: (preview: { image: FeaturedImageView }) => preview.image,
    status: (preview: { status: string }) => preview.status,
  },
  Image: {
    url: (image: FeaturedImageView) => image.url,
    altText: (image: FeaturedImageView) => image.alt,
  },
  ProductVariant: {
    id: (variant: VariantRecord) => variant.id,
    legacyResourceId: legacyId,
    title: (variant: VariantRecord) => variant.title,
    displayName: (variant: VariantRecord, _args, context) => `${context.store.product(variant.productId)?.title ?? ""} - ${variant.title}`,
    price: (variant: VariantRecord, _args, context) => graphqlDecimal(variant.price, context.store.shop.currencyCode),
    compareAtPrice: (variant: VariantRecord, _args, context) => (variant.compareAtPrice === null ? null : graphqlDecimal(variant.compareAtPrice, context.store.shop.currencyCode)),
    sku: (variant: VariantRecord) => variant.sku,
    position: (variant: VariantRecord) => variant.position,
    inventoryQuantity: (variant: VariantRecord) => variant.inventoryQuantity,
    availableForSale: (variant: VariantRecord) => variant.inventoryQuantity > 0,
    taxable: (variant: VariantRecord) => variant.taxable,
    createdAt: (variant: VariantRecord) => variant.createdAt,
    updatedAt: (variant: VariantRecord) => variant.updatedAt,
    product: (variant: VariantRecord, _args, context) => context.store.product(variant.productId),
    ...metafieldFields,
  },
};
