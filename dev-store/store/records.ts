/**
 * What the dev shop keeps, in Shopify's words. Ids are GIDs, timestamps ISO 8601 UTC to the second
 * ("2025-03-01T14:05:09Z", as the GraphQL Admin API writes them), money integers in minor units.
 */
import type { MoneyPair } from "./money";

export interface StaffMemberRecord {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  accountOwner: boolean;
  locale: string;
}

export interface ShopRecord {
  id: string;
  name: string;
  /** The owner's address (Admin API `email`). */
  email: string;
  /** The address customers write to (Admin API `contactEmail`); the owner's when unset. */
  customerEmail?: string;
  myshopifyDomain: string;
  primaryDomain: string;
  currencyCode: string;
  enabledPresentmentCurrencies: string[];
  ianaTimezone: string;
  plan: { displayName: string; partnerDevelopment: boolean; shopifyPlus: boolean };
  shopOwnerName: string;
  country: string;
  countryCode: string;
  province: string;
  provinceCode: string;
  city: string;
  address1: string;
  zip: string;
  phone: string;
  weightUnit: "KILOGRAMS" | "GRAMS" | "POUNDS" | "OUNCES";
  taxesIncluded: boolean;
  createdAt: string;
  updatedAt: string;
  staff: StaffMemberRecord[];
}

export interface MailingAddressRecord {
  id: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  address1: string | null;
  address2: string | null;
  city: string | null;
  province: string | null;
  provinceCode: string | null;
  country: string | null;
  countryCode: string | null;
  zip: string | null;
  phone: string | null;
}

export type CustomerState = "DISABLED" | "ENABLED" | "INVITED" | "DECLINED";
export type EmailMarketingState = "SUBSCRIBED" | "NOT_SUBSCRIBED" | "UNSUBSCRIBED" | "PENDING";
export type MarketingOptInLevel = "SINGLE_OPT_IN" | "CONFIRMED_OPT_IN" | "UNKNOWN";

export interface EmailMarketingConsentRecord {
  marketingState: EmailMarketingState;
  marketingOptInLevel: MarketingOptInLevel | null;
  consentUpdatedAt: string | null;
}

export interface CustomerRecord {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  /** DISABLED: a guest-checkout customer with no account; ENABLED: the shopper has an account. */
  state: CustomerState;
  verifiedEmail: boolean;
  note: string | null;
  tags: string[];
  taxExempt: boolean;
  locale: string;
  emailMarketingConsent: EmailMarketingConsentRecord;
  addresses: MailingAddressRecord[];
  defaultAddressId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface VariantRecord {
  id: string;
  productId: string;
  title: string;
  /** In the shop's currency. */
  price: number;
  compareAtPrice: number | null;
  sku: string | null;
  position: number;
  inventoryQuantity: number;
  taxable: boolean;
  requiresShipping: boolean;
  grams: number;
  createdAt: string;
  updatedAt: string;
}

export type ProductStatus = "ACTIVE" | "DRAFT" | "ARCHIVED";

export interface ProductRecord {
  id: string;
  title: string;
  /** The featured image's URL; null (or absent in older saved shops) when the product has none. */
  imageUrl?: string | null;
  handle: string;
  descriptionHtml: string;
  vendor: string;
  productType: string;
  status: ProductStatus;
  tags: string[];
  variants: VariantRecord[];
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
}

export interface TaxLineRecord {
  title: string;
  /** A decimal fraction, e.g. "0.0825". */
  rate: string;
  price: MoneyPair;
}

export interface DiscountAllocationRecord {
  amount: MoneyPair;
  /** Index into the order's discountApplications. */
  applicationIndex: number;
}

export interface LineItemRecord {
  id: string;
  productId: string | null;
  variantId: string | null;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  vendor: string | null;
  quantity: number;
  unitPrice: MoneyPair;
  discountAllocations: DiscountAllocationRecord[];
  taxLines: TaxLineRecord[];
  taxable: boolean;
  requiresShipping: boolean;
  grams: number;
}

export interface ShippingLineRecord {
  id: string;
  title: string;
  code: string;
  source: string;
  price: MoneyPair;
  discountAllocations: DiscountAllocationRecord[];
}

export interface DiscountApplicationRecord {
  type: "discount_code";
  code: string;
  title: string;
  valueType: "percentage" | "fixed_amount";
  /** "10.0" percent or "5.00" in the presentment currency, as Shopify's REST payload writes it. */
  value: string;
  allocationMethod: "across" | "each";
  targetType: "line_item" | "shipping_line";
  targetSelection: "all" | "entitled";
}

export interface OrderDiscountCodeRecord {
  code: string;
  amount: MoneyPair;
  type: "percentage" | "fixed_amount" | "shipping";
  discountId: string;
}

export type TransactionKind = "sale" | "refund" | "void";

export interface TransactionRecord {
  id: string;
  kind: TransactionKind;
  status: "success";
  gateway: string;
  amount: MoneyPair;
  createdAt: string;
  parentId: string | null;
  test: boolean;
}

export type RestockType = "no_restock" | "cancel" | "return";

export interface RefundLineItemRecord {
  id: string;
  lineItemId: string;
  quantity: number;
  restockType: RestockType;
  subtotal: MoneyPair;
  totalTax: MoneyPair;
}

export interface RefundRecord {
  id: string;
  orderId: string;
  createdAt: string;
  note: string | null;
  restock: boolean;
  refundLineItems: RefundLineItemRecord[];
  /** Shipping given back with this refund. */
  shipping: MoneyPair;
  /** Money given back beyond the refund lines and shipping (a refund_discrepancy adjustment); absent in older records. */
  discrepancy?: MoneyPair;
  transactionIds: string[];
}

/** partially_paid: an edit added to a paid order and the difference is owed. */
export type FinancialStatus = "pending" | "partially_paid" | "paid" | "partially_refunded" | "refunded" | "voided";
export type CancelReason = "customer" | "declined" | "fraud" | "inventory" | "other" | "staff";

/** Shopify stores an order's addresses as MailingAddress too. */
export type OrderAddressRecord = MailingAddressRecord;

export interface OrderRecord {
  id: string;
  number: number;
  name: string;
  token: string;
  confirmationNumber: string;
  email: string | null;
  phone: string | null;
  customerId: string | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string;
  cancelledAt: string | null;
  cancelReason: CancelReason | null;
  closedAt: string | null;
  /** The merchant fulfilled the whole order (one fulfillment); absent or null while unfulfilled. */
  fulfillment?: { id: string; createdAt: string } | null;
  financialStatus: FinancialStatus;
  test: boolean;
  sourceName: string;
  tags: string[];
  note: string | null;
  currency: string;
  presentmentCurrency: string;
  /** Shop currency per one unit of the presentment currency; "1" when they are the same. */
  exchangeRate: string;
  buyerAcceptsMarketing: boolean;
  customerLocale: string;
  lineItems: LineItemRecord[];
  shippingLines: ShippingLineRecord[];
  discountApplications: DiscountApplicationRecord[];
  discountCodes: OrderDiscountCodeRecord[];
  transactions: TransactionRecord[];
  refunds: RefundRecord[];
  billingAddress: OrderAddressRecord | null;
  shippingAddress: OrderAddressRecord | null;
}

export type CodeDiscountKind = "basic" | "free_shipping";

export type CustomerGetsValue =
  | { percentage: number }
  /** In the shop's currency. */
  | { amount: number; appliesOnEachItem: boolean };

export interface CodeDiscountRecord {
  id: string;
  kind: CodeDiscountKind;
  title: string;
  codes: { id: string; code: string; asyncUsageCount: number }[];
  startsAt: string;
  endsAt: string | null;
  usageLimit: number | null;
  appliesOncePerCustomer: boolean;
  /** null: every customer may use it. */
  customerIds: string[] | null;
  /** Basic discounts only. */
  customerGets: CustomerGetsValue | null;
  /** Basic discounts only: the variants the value applies to (customerGets.items.products); null or absent: every item. */
  itemVariantIds?: string[] | null;
  /** Free shipping only, shop currency. */
  maximumShippingPrice: number | null;
  minimumSubtotal: number | null;
  minimumQuantity: number | null;
  combinesWith: { orderDiscounts: boolean; productDiscounts: boolean; shippingDiscounts: boolean };
  tags: string[];
  createdAt: string;
  updatedAt: string;
  /** Which app created it; null when a merchant did in the admin. */
  appApiKey: string | null;
}

export interface MetafieldRecord {
  id: string;
  ownerId: string;
  namespace: string;
  key: string;
  type: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

/** A metafield definition (metafieldDefinitionCreate): one per owner type, namespace and key. */
export interface MetafieldDefinitionRecord {
  id: string;
  ownerType: string;
  namespace: string;
  key: string;
  name: string;
  type: string;
  description: string | null;
  createdAt: string;
}

/** A Flow trigger the app sent (flowTriggerReceive), as Flow received it. */
export interface FlowTriggerRunRecord {
  handle: string;
  payload: Record<string, unknown>;
  receivedAt: string;
}

export type BulkOperationStatus = "CREATED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELED" | "CANCELING" | "EXPIRED";

export interface BulkOperationRecord {
  id: string;
  type: "QUERY" | "MUTATION";
  query: string;
  status: BulkOperationStatus;
  errorCode: "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT" | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  /** The JSONL the run produced; served by the Admin API handler while the operation is kept. */
  resultFile: string | null;
  createdAt: string;
  completedAt: string | null;
  appApiKey: string;
}

export type AccessMode = "offline" | "online";

export interface AccessTokenRecord {
  token: string;
  mode: AccessMode;
  scope: string;
  issuedAt: string;
  /** null: a non-expiring offline token. */
  expiresAt: string | null;
  /** The staff member an online token acts for. */
  userId: string | null;
}

export interface RefreshTokenRecord {
  token: string;
  expiresAt: string;
  /** The access token issued with it; using that token retires the refresh token that preceded it. */
  accessToken: string;
  /** Set when a newer refresh token replaced it; it keeps working until that replacement's token is used. */
  replacedBy: string | null;
}

export interface AppInstallationRecord {
  apiKey: string;
  scopes: string[];
  installedAt: string;
  accessTokens: AccessTokenRecord[];
  refreshTokens: RefreshTokenRecord[];
}

/** One movement on a store credit account; amounts in the account's currency, minor units. */
export interface StoreCreditTransactionRecord {
  id: string;
  kind: "credit" | "debit";
  amount: number;
  balanceAfter: number;
  /** Credits only: when the rest of it expires (null: never). */
  expiresAt: string | null;
  /** Debits at checkout: the order that spent it. */
  orderId: string | null;
  createdAt: string;
}

/** A customer's store credit in one currency (Shopify keeps one account per owner and currency). */
export interface StoreCreditAccountRecord {
  id: string;
  ownerId: string;
  currencyCode: string;
  balance: number;
  transactions: StoreCreditTransactionRecord[];
}
