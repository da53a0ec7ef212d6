/** Customers: QueryRoot.customer/customers/customersCount and the Customer type. */
import { legacyResourceId } from "../../store/gid";
import { formatMinorUnits } from "../../store/money";
import type { CustomerRecord, MailingAddressRecord } from "../../store/records";
import { paginate } from "../connection";
import { compileSearch, matchesAnyText, matchesBoolean, matchesDate, matchesNumber, matchesText, type SearchFields } from "../search-syntax";
import { metafieldFields } from "./metafields";
import { orderSearch, orderSortValue, visibleOrder, visibleOrders } from "./orders";
import type { AdminContext, ResolverMap } from "./resolver-types";
import { legacyId, moneyV2, searchConnection, unsignedInt64 } from "./values";

function displayName(customer: CustomerRecord): string {
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(" ");
  return name || customer.email || customer.phone || "";
}

function defaultAddress(customer: CustomerRecord): MailingAddressRecord | null {
  return customer.addresses.find((address) => address.id === customer.defaultAddressId) ?? null;
}

function customerSearch(context: AdminContext): SearchFields<CustomerRecord> {
  const statistics = (customer: CustomerRecord) => context.store.customerStatistics(customer.id);
  return {
    fields: {
      id: (customer, term) => matchesNumber(legacyResourceId(customer.id), term),
      email: (customer, term) => matchesText(customer.email, term),
      first_name: (customer, term) => matchesText(customer.firstName, term),
      last_name: (customer, term) => matchesText(customer.lastName, term),
      phone: (customer, term) => matchesText(customer.phone, term),
      state: (customer, term) => matchesText(customer.state, term),
      tag: (customer, term) => matchesAnyText(customer.tags, term),
      tag_not: (customer, term) => !matchesAnyText(customer.tags, term),
      created_at: (customer, term) => matchesDate(customer.createdAt, term),
      updated_at: (customer, term) => matchesDate(customer.updatedAt, term),
      accepts_marketing: (customer, term) => matchesBoolean(customer.emailMarketingConsent.marketingState === "SUBSCRIBED", term),
      email_marketing_state: (customer, term) => matchesText(customer.emailMarketingConsent.marketingState, term),
      orders_count: (customer, term) => matchesNumber(statistics(customer).numberOfOrders, term),
      total_spent: (customer, term) => matchesNumber(Number(formatMinorUnits(statistics(customer).amountSpent, context.store.shop.currencyCode)), term),
      country: (customer, term) => matchesText(defaultAddress(customer)?.country ?? null, term),
    },
    text: (customer, word) => {
      const needle = word.toLowerCase().replace(/\*$/, "");
      return [customer.firstName, customer.lastName, customer.email, customer.phone].some((value) => value?.toLowerCase().includes(needle));
    },
  };
}

const CUSTOMER_SORT: Record<string, (customer: CustomerRecord) => string | number> = {
  ID: (customer) => legacyResourceId(customer.id),
  RELEVANCE: (customer) => legacyResourceId(customer.id),
  CREATED_AT: (customer) => customer.createdAt,
  UPDATED_AT: (customer) => customer.updatedAt,
  NAME: (customer) => displayName(customer).toLowerCase(),
  LOCATION: (customer) => `${defaultAddress(customer)?.country ?? ""}|${defaultAddress(customer)?.city ?? ""}`,
};

export const customerResolvers: ResolverMap = {
  QueryRoot: {
    customer: (_root, args: { id: string }, context) => context.store.customer(args.id) ?? null,
    customers: (_root, args, context, info) =>
      searchConnection(context.store.customers(), args, context, info, {
        search: customerSearch(context),
        sortValue: CUSTOMER_SORT[args.sortKey ?? "ID"] ?? CUSTOMER_SORT.ID,
        id: (customer) => customer.id,
      }),
    customersCount: (_root, args: { query?: string | null; limit?: number | null }, context) => {
      const search = compileSearch(args.query, customerSearch(context));
      const count = context.store.customers().filter(search.matches).length;
      const limit = args.limit ?? 10_000;
      return { count: Math.min(count, limit), precision: count > limit ? "AT_LEAST" : "EXACT" };
    },
  },
  Customer: {
    id: (customer: CustomerRecord) => customer.id,
    legacyResourceId: legacyId,
    firstName: (customer: CustomerRecord) => customer.firstName,
    lastName: (customer: CustomerRecord) => customer.lastName,
    displayName,
    email: (customer: CustomerRecord) => customer.email,
    phone: (customer: CustomerRecord) => customer.phone,
    state: (customer: CustomerRecord) => customer.state,
    verifiedEmail: (customer: CustomerRecord) => customer.verifiedEmail,
    validEmailAddress: (customer: CustomerRecord) => customer.email !== null && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(customer.email),
    note: (customer: CustomerRecord) => customer.note,
    tags: (customer: CustomerRecord) => customer.tags,
    taxExempt: (customer: CustomerRecord) => customer.taxExempt,
    locale: (customer: CustomerRecord) => customer.locale,
    createdAt: (customer: CustomerRecord) => customer.createdAt,
    updatedAt: (customer: CustomerRecord) => customer.updatedAt,
    numberOfOrders: (customer: CustomerRecord, _args, context) => unsignedInt64(context.store.customerStatistics(customer.id).numberOfOrders),
    amountSpent: (customer: CustomerRecord, _args, context) => moneyV2(context.store.customerStatistics(customer.id).amountSpent, context.store.shop.currencyCode),
    lastOrder: (customer: CustomerRecord, _args, context) => visibleOrder(context, context.store.customerStatistics(customer.id).lastOrderId),
    canDelete: (customer: CustomerRecord, _args, context) => context.store.ordersOf(customer.id).length === 0,
    emailMarketingConsent: (customer: CustomerRecord) => (customer.email ? customer.emailMarketingConsent : null),
    defaultEmailAddress: (customer: CustomerRecord) => (customer.email ? customer : null),
    defaultAddress,
    addresses: (customer: CustomerRecord, args: { first?: number | null }) => (args.first == null ? customer.addresses : customer.addresses.slice(0, args.first)),
    addressesV2: (customer: CustomerRecord, args, context, info) =>
      paginate(customer.addresses, args, { sortValue: (address) => address.id, id: (address) => address.id, bulk: context.bulk, fieldName: info.fieldName }),
    orders: (customer: CustomerRecord, args, context, info) =>
      searchConnection(visibleOrders(context, context.store.ordersOf(customer.id)), args, context, info, {
        search: orderSearch(context),
        sortValue: orderSortValue(args.sortKey),
        id: (order) => order.id,
      }),
    ...metafieldFields,
  },
  CustomerEmailMarketingConsentState: {
    marketingState: (consent: CustomerRecord["emailMarketingConsent"]) => consent.marketingState,
    marketingOptInLevel: (consent: CustomerRecord["emailMarketingConsent"]) => consent.marketingOptInLevel,
    consentUpdatedAt: (consent: CustomerRecord["emailMarketingConsent"]) => consent.consentUpdatedAt,
  },
  CustomerEmailAddress: {
    emailAddress: (customer: CustomerRecord) => customer.email,
    marketingState: (customer: CustomerRecord) => customer.emailMarketingConsent.marketingState,
    marketingOptInLevel: (customer: CustomerRecord) => customer.emailMarketingConsent.marketingOptInLevel,
    marketingUpdatedAt: (customer: CustomerRecord) => customer.emailMarketingConsent.consentUpdatedAt,
    validFormat: (customer: CustomerRecord) => customer.email !== null && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(customer.email),
  },
  MailingAddress: {
    id: (address: MailingAddressRecord) => address.id,
    firstName: (address: MailingAddressRecord) => address.firstName,
    lastName: (address: MailingAddressRecord) => address.lastName,
    name: (address: MailingAddressRecord) => [address.firstName, address.lastName].filter(Boolean).join(" ") || null,
    company: (address: MailingAddressRecord) => address.company,
    address1: (address: MailingAddressRecord) => address.address1,
    address2: (address: MailingAddressRecord) => address.address2,
    city: (address: MailingAddressRecord) => address.city,
    province: (address: MailingAddressRecord) => address.province,
    provinceCode: (address: MailingAddressRecord) => address.provinceCode,
    country: (address: MailingAddressRecord) => address.country,
    countryCodeV2: (address: MailingAddressRecord) => address.countryCode,
    zip: (address: MailingAddressRecord) => address.zip,
    phone: (address: MailingAddressRecord) => address.phone,
  },
};
