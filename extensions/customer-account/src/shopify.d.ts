// The `shopify` global each target's module is given (what Shopify CLI writes into shopify.d.ts).
import "@shopify/ui-extensions";

declare module "./LoyaltyPage.tsx" {
  const shopify: import("@shopify/ui-extensions/customer-account.page.render").Api;
}

declare module "./OrderStatusPoints.tsx" {
  const shopify: import("@shopify/ui-extensions/customer-account.order-status.block.render").Api;
}
