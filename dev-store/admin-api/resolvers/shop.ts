/** The shop itself: QueryRoot.shop, Shop, ShopPlan, Domain. */
import type { ShopRecord } from "../../store/records";
import { metafieldFields } from "./metafields";
import type { ResolverMap } from "./resolver-types";

function timezoneOffsetMinutes(timeZone: string, at: Date): number {
  const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" }).formatToParts(at).find((part) => part.type === "timeZoneName")?.value ?? "GMT";
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return match ? (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

export const shopResolvers: ResolverMap = {
  QueryRoot: {
    shop: (_root, _args, context) => context.store.shop,
  },
  Shop: {
    id: (shop: ShopRecord) => shop.id,
    name: (shop: ShopRecord) => shop.name,
    email: (shop: ShopRecord) => shop.email,
    contactEmail: (shop: ShopRecord) => shop.customerEmail ?? shop.email,
    myshopifyDomain: (shop: ShopRecord) => shop.myshopifyDomain,
    url: (shop: ShopRecord) => shop.primaryDomain,
    primaryDomain: (shop: ShopRecord) => shop,
    currencyCode: (shop: ShopRecord) => shop.currencyCode,
    enabledPresentmentCurrencies: (shop: ShopRecord) => shop.enabledPresentmentCurrencies,
    ianaTimezone: (shop: ShopRecord) => shop.ianaTimezone,
    timezoneOffsetMinutes: (shop: ShopRecord, _args, context) => timezoneOffsetMinutes(shop.ianaTimezone, context.now()),
    plan: (shop: ShopRecord) => shop.plan,
    shopOwnerName: (shop: ShopRecord) => shop.shopOwnerName,
    weightUnit: (shop: ShopRecord) => shop.weightUnit,
    taxesIncluded: (shop: ShopRecord) => shop.taxesIncluded,
    createdAt: (shop: ShopRecord) => shop.createdAt,
    updatedAt: (shop: ShopRecord) => shop.updatedAt,
    ...metafieldFields,
  },
  ShopPlan: {
    displayName: (plan: ShopRecord["plan"]) => plan.displayName,
    publicDisplayName: (plan: ShopRecord["plan"]) => plan.displayName,
    partnerDevelopment: (plan: ShopRecord["plan"]) => plan.partnerDevelopment,
    shopifyPlus: (plan: ShopRecord["plan"]) => plan.shopifyPlus,
  },
  Domain: {
    id: (shop: ShopRecord) => `gid://shopify/Domain/${shop.id.slice(shop.id.lastIndexOf("/") + 1)}`,
    host: (shop: ShopRecord) => new URL(shop.primaryDomain).host,
    url: (shop: ShopRecord) => shop.primaryDomain,
    sslEnabled: (shop: ShopRecord) => shop.primaryDomain.startsWith("https:"),
  },
};
