/** customers/create, customers/update and the `customer` inside order payloads (REST 2026-07). */
import type { CustomerRecord, ShopRecord } from "../records";
import { customerAddressPayload, legacyIdOf, restTimestamp } from "./rest-format";

function defaultAddressPayload(customer: CustomerRecord): Record<string, unknown> | null {
  const address = customer.addresses.find((candidate) => candidate.id === customer.defaultAddressId);
  return address ? customerAddressPayload(address, legacyIdOf(customer.id), true) : null;
}

/** The customer as an order payload embeds it: no address book, only the default address. */
export function embeddedCustomerPayload(customer: CustomerRecord, shop: ShopRecord): Record<string, unknown> {
  return {
    id: legacyIdOf(customer.id),
    created_at: restTimestamp(customer.createdAt, shop.ianaTimezone),
    updated_at: restTimestamp(customer.updatedAt, shop.ianaTimezone),
    first_name: customer.firstName,
    last_name: customer.lastName,
    state: customer.state.toLowerCase(),
    note: customer.note,
    verified_email: customer.verifiedEmail,
    multipass_identifier: null,
    tax_exempt: customer.taxExempt,
    email: customer.email,
    phone: customer.phone,
    currency: shop.currencyCode,
    tax_exemptions: [],
    admin_graphql_api_id: customer.id,
    default_address: defaultAddressPayload(customer),
  };
}

/**
 * customers_email_marketing_consent/update: the customer by numeric id only, their address and the
 * consent in REST's lower case (Shopify's sample: state, opt_in_level, consent_updated_at).
 */
export function emailMarketingConsentPayload(customer: CustomerRecord, shop: ShopRecord): Record<string, unknown> {
  const consent = customer.emailMarketingConsent;
  return {
    customer_id: legacyIdOf(customer.id),
    email_address: customer.email,
    email_marketing_consent: {
      state: consent.marketingState.toLowerCase(),
      opt_in_level: consent.marketingOptInLevel?.toLowerCase() ?? null,
      consent_updated_at: consent.consentUpdatedAt ? restTimestamp(consent.consentUpdatedAt, shop.ianaTimezone) : null,
    },
  };
}

/** customers/create and customers/update: the embedded fields plus the address book. */
export function customerPayload(customer: CustomerRecord, shop: ShopRecord): Record<string, unknown> {
  const customerId = legacyIdOf(customer.id);
  return {
    ...embeddedCustomerPayload(customer, shop),
    addresses: customer.addresses.map((address) =>
      customerAddressPayload(address, customerId, address.id === customer.defaultAddressId),
    ),
  };
}

/** customers/delete carries only who was deleted. */
export function deletedCustomerPayload(customerId: string): Record<string, unknown> {
  return { id: legacyIdOf(customerId), tax_exemptions: [], admin_graphql_api_id: customerId };
}
