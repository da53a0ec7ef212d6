import type { PrismaClient } from "../../app/generated/prisma/client";

/**
 * A $10 order stored as the order sync stores one, for tests that arrange the database directly: the
 * fields a test does not care about are filled in; a cancelled order is cancelled when it was placed.
 */
export async function storeOrder(
  db: PrismaClient,
  order: {
    shopId: string;
    /** The numeric part of the order's GID. */
    id: number | string;
    customerShopifyId: string | null;
    placedAt: Date;
    financialStatus?: string;
    test?: boolean;
    cancelled?: boolean;
    lines?: { productShopifyId: string; title: string }[];
  },
): Promise<void> {
  const { shopId, id, customerShopifyId, placedAt, lines = [] } = order;
  await db.order.create({
    data: {
      shopId,
      shopifyId: `gid://shopify/Order/${id}`,
      name: `#${id}`,
      customerShopifyId,
      currencyCode: "USD",
      financialStatus: order.financialStatus ?? "paid",
      subtotal: "10",
      shipping: "0",
      tax: "0",
      totalDiscounts: "0",
      total: "10",
      discountCodes: [],
      test: order.test ?? false,
      cancelledAt: order.cancelled ? placedAt : null,
      placedAt,
      shopifyUpdatedAt: placedAt,
      lineItems: {
        create: lines.map((line, index) => ({
          shopifyId: `gid://shopify/LineItem/${id}-${index}`,
          productShopifyId: line.productShopifyId,
          title: line.title,
          quantity: 1,
          price: "10",
          discount: "0",
        })),
      },
    },
  });
}
