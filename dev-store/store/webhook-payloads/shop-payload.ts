/** app/uninstalled carries the shop (REST 2026-07). */
import type { ShopRecord } from "../records";
import { legacyIdOf, restTimestamp } from "./rest-format";

const MONEY_FORMATS: Record<string, string> = { USD: "${{amount}}", CAD: "${{amount}}", AUD: "${{amount}}", EUR: "€{{amount_with_comma_separator}}", GBP: "£{{amount}}" };

function utcOffsetLabel(timeZone: string, at: Date): string {
  const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
    .formatToParts(at)
    .find((part) => part.type === "timeZoneName")?.value;
  return !name || name === "GMT" ? "GMT+00:00" : name;
}

export function shopPayload(shop: ShopRecord): Record<string, unknown> {
  const moneyFormat = MONEY_FORMATS[shop.currencyCode] ?? "{{amount}}";
  return {
    id: legacyIdOf(shop.id),
    name: shop.name,
    email: shop.email,
    domain: new URL(shop.primaryDomain).host,
    province: shop.province,
    country: shop.countryCode,
    address1: shop.address1,
    zip: shop.zip,
    city: shop.city,
    source: null,
    phone: shop.phone,
    latitude: null,
    longitude: null,
    primary_locale: "en",
    address2: null,
    created_at: restTimestamp(shop.createdAt, shop.ianaTimezone),
    updated_at: restTimestamp(shop.updatedAt, shop.ianaTimezone),
    country_code: shop.countryCode,
    country_name: shop.country,
    currency: shop.currencyCode,
    customer_email: shop.customerEmail ?? shop.email,
    timezone: `(${utcOffsetLabel(shop.ianaTimezone, new Date(shop.updatedAt))}) ${shop.ianaTimezone}`,
    iana_timezone: shop.ianaTimezone,
    shop_owner: shop.shopOwnerName,
    money_format: moneyFormat,
    money_with_currency_format: `${moneyFormat} ${shop.currencyCode}`,
    weight_unit: shop.weightUnit === "KILOGRAMS" ? "kg" : shop.weightUnit === "GRAMS" ? "g" : shop.weightUnit === "POUNDS" ? "lb" : "oz",
    province_code: shop.provinceCode,
    taxes_included: shop.taxesIncluded,
    auto_configure_tax_inclusivity: null,
    tax_shipping: null,
    county_taxes: true,
    plan_display_name: shop.plan.displayName,
    plan_name: shop.plan.partnerDevelopment ? "partner_test" : "basic",
    has_discounts: true,
    has_gift_cards: false,
    myshopify_domain: shop.myshopifyDomain,
    google_apps_domain: null,
    google_apps_login_enabled: null,
    money_in_emails_format: moneyFormat,
    money_with_currency_in_emails_format: `${moneyFormat} ${shop.currencyCode}`,
    eligible_for_payments: true,
    requires_extra_payments_agreement: false,
    password_enabled: shop.plan.partnerDevelopment,
    has_storefront: true,
    finances: true,
    primary_location_id: legacyIdOf(shop.id) + 1,
    checkout_api_supported: true,
    multi_location_enabled: true,
    setup_required: false,
    pre_launch_enabled: false,
    enabled_presentment_currencies: shop.enabledPresentmentCurrencies,
    marketing_sms_consent_enabled_at_checkout: false,
    transactional_sms_disabled: false,
  };
}
