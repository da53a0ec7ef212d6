/** products/create and products/update (REST 2026-07). */
import { formatMinorUnits } from "../money";
import type { ProductRecord, ShopRecord } from "../records";
import { legacyIdOf, restTags, restTimestamp } from "./rest-format";

export function productPayload(product: ProductRecord, shop: ShopRecord): Record<string, unknown> {
  const at = (iso: string | null) => restTimestamp(iso, shop.ianaTimezone);
  const money = (minor: number | null) => (minor === null ? null : formatMinorUnits(minor, shop.currencyCode));
  return {
    admin_graphql_api_id: product.id,
    body_html: product.descriptionHtml,
    created_at: at(product.createdAt),
    handle: product.handle,
    id: legacyIdOf(product.id),
    product_type: product.productType,
    published_at: at(product.publishedAt),
    template_suffix: null,
    title: product.title,
    updated_at: at(product.updatedAt),
    vendor: product.vendor,
    status: product.status.toLowerCase(),
    published_scope: "web",
    tags: restTags(product.tags),
    variants: product.variants.map((variant) => ({
      admin_graphql_api_id: variant.id,
      barcode: null,
      compare_at_price: money(variant.compareAtPrice),
      created_at: at(variant.createdAt),
      id: legacyIdOf(variant.id),
      inventory_policy: "deny",
      position: variant.position,
      price: money(variant.price),
      product_id: legacyIdOf(product.id),
      sku: variant.sku,
      taxable: variant.taxable,
      title: variant.title,
      updated_at: at(variant.updatedAt),
      option1: variant.title,
      option2: null,
      option3: null,
      image_id: null,
      inventory_item_id: null,
      inventory_quantity: variant.inventoryQuantity,
      old_inventory_quantity: variant.inventoryQuantity,
    })),
    options: [],
    images: [],
    image: null,
    media: [],
    variant_gids: product.variants.map((variant) => ({ admin_graphql_api_id: variant.id, updated_at: variant.updatedAt })),
    has_variants_that_requires_components: false,
    category: null,
  };
}
