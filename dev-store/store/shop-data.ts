/**
 * One dev shop: its customers, catalogue, orders, discounts, metafields and the app installed in it.
 * Merchants and shoppers change it through the methods below; each change is announced on
 * `events` as the webhook Shopify would send, but only while an app is installed, as on Shopify.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";

import { discountStatus, whyCodeDoesNotApply } from "./discount-rules";
import { IdSequence } from "./gid";
import { convertMinorUnits, formatMinorUnits, invertRate, toMinorUnits } from "./money";
import {
  applyCodeDiscount,
  lineIsEligible,
  currentQuantity,
  lineTax,
  orderTotals,
  pairFromPresentment,
  refundAmountsForLine,
  type AppliedCodeDiscount,
  type CartLine,
} from "./order-pricing";
import { writeFileAtomically } from "./persistence";
import type {
  AppInstallationRecord,
  BulkOperationRecord,
  CodeDiscountRecord,
  CustomerRecord,
  LineItemRecord,
  MailingAddressRecord,
  MetafieldRecord,
  MetafieldDefinitionRecord,
  FlowTriggerRunRecord,
  OrderAddressRecord,
  OrderRecord,
  ProductRecord,
  RefundLineItemRecord,
  RefundRecord,
  RestockType,
  ShopRecord,
  StoreCreditAccountRecord,
  StoreCreditTransactionRecord,
  TransactionRecord,
  VariantRecord,
} from "./records";
import type {
  Cancellation,
  CustomerChanges,
  MetafieldWrite,
  NewAddress,
  NewCodeDiscount,
  NewCustomer,
  NewOrder,
  NewProduct,
  NewRefund,
  NewShop,
  OrderChanges,
} from "./shop-inputs";
import { bulkOperationFinishPayload } from "./webhook-payloads/bulk-operation-payload";
import { customerPayload, deletedCustomerPayload, emailMarketingConsentPayload } from "./webhook-payloads/customer-payload";
import { orderPayload } from "./webhook-payloads/order-payload";
import { productPayload } from "./webhook-payloads/product-payload";
import { refundPayload } from "./webhook-payloads/refund-payload";
import { shopPayload } from "./webhook-payloads/shop-payload";
import { ShopEvents, WEBHOOK_PAYLOAD_VERSION, type WebhookTopic } from "./webhook-events";

export type * from "./shop-inputs";

/** A cart priced for checkout, in minor units of the shop currency. */
export interface CheckoutPrice {
  subtotal: number;
  /** Taken off the items by the discount code. */
  discount: number;
  /** After any shipping discount. */
  shipping: number;
  total: number;
  /** Why the code does not apply, or null (also when there is no code). */
  codeRefused: string | null;
}

export interface ShopDataOptions {
  /** The clock every change is stamped with unless it names its own time. */
  now?: () => Date;
}

/** A merchant or shopper tried something the shop refuses (unknown id, unusable code, over-refund). */
export class ShopRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShopRuleError";
  }
}

/** Everything a saved shop holds; persistence writes and reads exactly this. */
export interface ShopSnapshot {
  format: "dev-store-shop/1";
  sequences: ReturnType<IdSequence["toJSON"]>;
  nextOrderNumber: number;
  shop: ShopRecord;
  customers: CustomerRecord[];
  products: ProductRecord[];
  orders: OrderRecord[];
  codeDiscounts: CodeDiscountRecord[];
  metafields: MetafieldRecord[];
  bulkOperations: BulkOperationRecord[];
  /** Absent in shops saved before store credit existed. */
  storeCreditAccounts?: StoreCreditAccountRecord[];
  /** Absent in shops saved before metafield definitions and Flow triggers existed. */
  metafieldDefinitions?: MetafieldDefinitionRecord[];
  flowTriggerRuns?: FlowTriggerRunRecord[];
  installation: AppInstallationRecord | null;
}

/** Shopify's GraphQL DateTime: UTC to the second. */
export function toShopifyDateTime(value: Date | string): string {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new ShopRuleError(`Not a date: ${String(value)}`);
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function laterByASecond(previous: string, at: string): string {
  if (at > previous) return at;
  return toShopifyDateTime(new Date(new Date(previous).getTime() + 1000));
}

function mailingAddressRecord(address: NewAddress | null | undefined, id: () => string): OrderAddressRecord | null {
  if (!address) return null;
  return {
    id: id(),
    firstName: address.firstName ?? null,
    lastName: address.lastName ?? null,
    company: address.company ?? null,
    address1: address.address1 ?? null,
    address2: address.address2 ?? null,
    city: address.city ?? null,
    province: address.province ?? null,
    provinceCode: address.provinceCode ?? null,
    country: address.country ?? null,
    countryCode: address.countryCode ?? null,
    zip: address.zip ?? null,
    phone: address.phone ?? null,
  };
}

function handleize(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

function defaultShop(shop: NewShop, id: string, staffIds: () => string, createdAt: string): ShopRecord {
  const staff = (shop.staff ?? [{ firstName: "Dev", lastName: "Merchant", email: "merchant@example.com", accountOwner: true, locale: "en" }])
    .map((member) => ({ ...member, id: staffIds() }));
  return {
    id,
    name: shop.name ?? "Dev Loyalty Shop",
    email: shop.email ?? staff[0].email,
    ...(shop.customerEmail ? { customerEmail: shop.customerEmail } : {}),
    myshopifyDomain: shop.myshopifyDomain,
    primaryDomain: shop.primaryDomain ?? `https://${shop.myshopifyDomain}`,
    currencyCode: shop.currencyCode ?? "USD",
    enabledPresentmentCurrencies: shop.enabledPresentmentCurrencies ?? [shop.currencyCode ?? "USD"],
    ianaTimezone: shop.ianaTimezone ?? "America/New_York",
    plan: shop.plan ?? { displayName: "Development", partnerDevelopment: true, shopifyPlus: false },
    shopOwnerName: shop.shopOwnerName ?? `${staff[0].firstName} ${staff[0].lastName}`,
    country: shop.country ?? "United States",
    countryCode: shop.countryCode ?? "US",
    province: shop.province ?? "New York",
    provinceCode: shop.provinceCode ?? "NY",
    city: shop.city ?? "New York",
    address1: shop.address1 ?? "1 Dev Street",
    zip: shop.zip ?? "10001",
    phone: shop.phone ?? "+12125550100",
    weightUnit: shop.weightUnit ?? "KILOGRAMS",
    taxesIncluded: shop.taxesIncluded ?? false,
    createdAt: shop.createdAt ?? createdAt,
    updatedAt: shop.updatedAt ?? createdAt,
    staff,
  };
}

export class ShopData {
  readonly events = new ShopEvents();
  readonly now: () => Date;

  private readonly ids: IdSequence;
  private nextOrderNumber: number;
  private shopRecord: ShopRecord;
  private readonly customersById = new Map<string, CustomerRecord>();
  private readonly customerIdsByEmail = new Map<string, string>();
  private readonly productsById = new Map<string, ProductRecord>();
  private readonly variantsById = new Map<string, VariantRecord>();
  private readonly ordersById = new Map<string, OrderRecord>();
  private readonly orderIdsByCustomer = new Map<string, string[]>();
  private readonly discountsById = new Map<string, CodeDiscountRecord>();
  private readonly discountIdsByCode = new Map<string, string>();
  private readonly metafieldsById = new Map<string, MetafieldRecord>();
  private readonly metafieldDefinitionsById = new Map<string, MetafieldDefinitionRecord>();
  private readonly flowTriggerRunList: FlowTriggerRunRecord[] = [];
  private readonly bulkOperationsById = new Map<string, BulkOperationRecord>();
  private readonly storeCreditAccountsById = new Map<string, StoreCreditAccountRecord>();
  private installationRecord: AppInstallationRecord | null;
  private readonly changeListeners = new Set<() => void>();

  private constructor(snapshot: ShopSnapshot, options: ShopDataOptions) {
    this.now = options.now ?? (() => new Date());
    this.ids = new IdSequence(snapshot.sequences);
    this.nextOrderNumber = snapshot.nextOrderNumber;
    this.shopRecord = snapshot.shop;
    this.installationRecord = snapshot.installation;
    for (const customer of snapshot.customers) this.indexCustomer(customer);
    for (const product of snapshot.products) this.indexProduct(product);
    for (const order of snapshot.orders) this.indexOrder(order);
    for (const discount of snapshot.codeDiscounts) this.indexDiscount(discount);
    for (const metafield of snapshot.metafields) this.metafieldsById.set(metafield.id, metafield);
    for (const operation of snapshot.bulkOperations) this.bulkOperationsById.set(operation.id, operation);
    for (const account of snapshot.storeCreditAccounts ?? []) this.storeCreditAccountsById.set(account.id, account);
    for (const definition of snapshot.metafieldDefinitions ?? []) this.metafieldDefinitionsById.set(definition.id, definition);
    this.flowTriggerRunList.push(...(snapshot.flowTriggerRuns ?? []));
  }

  static create(shop: NewShop, options: ShopDataOptions = {}): ShopData {
    const ids = new IdSequence();
    const createdAt = toShopifyDateTime((options.now ?? (() => new Date()))());
    return new ShopData(
      {
        format: "dev-store-shop/1",
        nextOrderNumber: 1001,
        shop: defaultShop(shop, ids.next("Shop"), () => ids.next("StaffMember"), createdAt),
        sequences: ids.toJSON(),
        customers: [],
        products: [],
        orders: [],
        codeDiscounts: [],
        metafields: [],
        bulkOperations: [],
        installation: null,
      },
      options,
    );
  }

  static fromSnapshot(snapshot: ShopSnapshot, options: ShopDataOptions = {}): ShopData {
    if (snapshot.format !== "dev-store-shop/1") throw new Error(`Unknown dev store file format: ${String(snapshot.format)}`);
    return new ShopData(snapshot, options);
  }

  /** Reads a shop saved with `save`. */
  static async load(file: string, options: ShopDataOptions = {}): Promise<ShopData> {
    return ShopData.fromSnapshot(JSON.parse(await readFile(file, "utf8")) as ShopSnapshot, options);
  }

  /** Writes the whole shop as JSON, atomically (temporary file, then rename). */
  async save(file: string): Promise<void> {
    await writeFileAtomically(file, JSON.stringify(this.snapshot()));
  }

  snapshot(): ShopSnapshot {
    return {
      format: "dev-store-shop/1",
      sequences: this.ids.toJSON(),
      nextOrderNumber: this.nextOrderNumber,
      shop: this.shopRecord,
      customers: [...this.customersById.values()],
      products: [...this.productsById.values()],
      orders: [...this.ordersById.values()],
      codeDiscounts: [...this.discountsById.values()],
      metafields: [...this.metafieldsById.values()],
      bulkOperations: [...this.bulkOperationsById.values()],
      storeCreditAccounts: [...this.storeCreditAccountsById.values()],
      metafieldDefinitions: [...this.metafieldDefinitionsById.values()],
      flowTriggerRuns: [...this.flowTriggerRunList],
      installation: this.installationRecord,
    };
  }

  /** Called after every change; persistence uses it to schedule a save. Returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  // ---- reading ----

  get shop(): ShopRecord {
    return this.shopRecord;
  }

  get installation(): AppInstallationRecord | null {
    return this.installationRecord;
  }

  customer(id: string): CustomerRecord | undefined {
    return this.customersById.get(id);
  }

  /** In the order they were created. */
  customers(): CustomerRecord[] {
    return [...this.customersById.values()];
  }

  product(id: string): ProductRecord | undefined {
    return this.productsById.get(id);
  }

  products(): ProductRecord[] {
    return [...this.productsById.values()];
  }

  variant(id: string): VariantRecord | undefined {
    return this.variantsById.get(id);
  }

  order(id: string): OrderRecord | undefined {
    return this.ordersById.get(id);
  }

  /** In the order they were created. */
  orders(): OrderRecord[] {
    return [...this.ordersById.values()];
  }

  ordersOf(customerId: string): OrderRecord[] {
    return (this.orderIdsByCustomer.get(customerId) ?? []).map((id) => this.ordersById.get(id)!);
  }

  /** What the admin shows on the customer page: order count and lifetime spend (net of refunds). */
  customerStatistics(customerId: string): { numberOfOrders: number; amountSpent: number; lastOrderId: string | null } {
    const orders = this.ordersOf(customerId);
    let amountSpent = 0;
    for (const order of orders) {
      if (order.test) continue;
      const totals = orderTotals(order);
      amountSpent += totals.received.shop - totals.refunded.shop;
    }
    return { numberOfOrders: orders.length, amountSpent, lastOrderId: orders.at(-1)?.id ?? null };
  }

  codeDiscount(id: string): CodeDiscountRecord | undefined {
    return this.discountsById.get(id);
  }

  /** Codes are unique per shop, case-insensitively. */
  codeDiscountByCode(code: string): CodeDiscountRecord | undefined {
    const id = this.discountIdsByCode.get(code.toUpperCase());
    return id ? this.discountsById.get(id) : undefined;
  }

  codeDiscounts(): CodeDiscountRecord[] {
    return [...this.discountsById.values()];
  }

  metafield(id: string): MetafieldRecord | undefined {
    return this.metafieldsById.get(id);
  }

  metafieldsOf(ownerId: string): MetafieldRecord[] {
    return [...this.metafieldsById.values()].filter((metafield) => metafield.ownerId === ownerId);
  }

  bulkOperation(id: string): BulkOperationRecord | undefined {
    return this.bulkOperationsById.get(id);
  }

  bulkOperations(): BulkOperationRecord[] {
    return [...this.bulkOperationsById.values()];
  }

  /** Whether a GID names something this shop has: metafield owners and `node(id)` need it. */
  exists(id: string): boolean {
    return (
      id === this.shopRecord.id ||
      this.customersById.has(id) ||
      this.ordersById.has(id) ||
      this.productsById.has(id) ||
      this.variantsById.has(id) ||
      this.discountsById.has(id)
    );
  }

  // ---- customers ----

  createCustomer(input: NewCustomer): CustomerRecord {
    const createdAt = this.stamp(input.createdAt);
    this.assertEmailAvailable(input.email ?? null, null);
    const id = this.ids.next("Customer");
    const address = input.address ? this.mailingAddress(input.address, input) : null;
    const customer: CustomerRecord = {
      id,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      email: input.email ?? null,
      phone: input.phone ?? null,
      state: input.hasAccount ? "ENABLED" : "DISABLED",
      verifiedEmail: Boolean(input.email),
      note: input.note ?? null,
      tags: input.tags ?? [],
      taxExempt: false,
      locale: input.locale ?? "en",
      emailMarketingConsent: {
        marketingState: input.emailMarketing ?? "NOT_SUBSCRIBED",
        marketingOptInLevel: input.emailMarketing === "SUBSCRIBED" ? "SINGLE_OPT_IN" : null,
        consentUpdatedAt: input.emailMarketing ? createdAt : null,
      },
      addresses: address ? [address] : [],
      defaultAddressId: address?.id ?? null,
      createdAt,
      updatedAt: createdAt,
    };
    this.indexCustomer(customer);
    this.announce("customers/create", customer.id, () => customerPayload(customer, this.shopRecord));
    if (input.emailMarketing && customer.email) this.announce("customers_email_marketing_consent/update", customer.id, () => emailMarketingConsentPayload(customer, this.shopRecord));
    return customer;
  }

  updateCustomer(id: string, changes: CustomerChanges): CustomerRecord {
    const customer = this.requireCustomer(id);
    const at = this.stamp(changes.at);
    if (changes.email !== undefined && changes.email !== customer.email) {
      this.assertEmailAvailable(changes.email, id);
      if (customer.email) this.customerIdsByEmail.delete(customer.email.toLowerCase());
      if (changes.email) this.customerIdsByEmail.set(changes.email.toLowerCase(), id);
      customer.email = changes.email;
      customer.verifiedEmail = Boolean(changes.email);
    }
    if (changes.firstName !== undefined) customer.firstName = changes.firstName;
    if (changes.lastName !== undefined) customer.lastName = changes.lastName;
    if (changes.phone !== undefined) customer.phone = changes.phone;
    if (changes.note !== undefined) customer.note = changes.note;
    if (changes.tags !== undefined) customer.tags = changes.tags;
    if (changes.locale !== undefined) customer.locale = changes.locale;
    if (changes.hasAccount !== undefined) customer.state = changes.hasAccount ? "ENABLED" : "DISABLED";
    const consentChanged = changes.emailMarketing !== undefined && changes.emailMarketing !== customer.emailMarketingConsent.marketingState;
    if (consentChanged) {
      customer.emailMarketingConsent = {
        marketingState: changes.emailMarketing!,
        marketingOptInLevel: changes.emailMarketing === "SUBSCRIBED" ? "SINGLE_OPT_IN" : customer.emailMarketingConsent.marketingOptInLevel,
        consentUpdatedAt: at,
      };
    }
    customer.updatedAt = laterByASecond(customer.updatedAt, at);
    this.announce("customers/update", customer.id, () => customerPayload(customer, this.shopRecord));
    if (consentChanged && customer.email) this.announce("customers_email_marketing_consent/update", customer.id, () => emailMarketingConsentPayload(customer, this.shopRecord));
    return customer;
  }

  /** Shopify keeps customers who have orders; only those without can be deleted. */
  deleteCustomer(id: string): void {
    const customer = this.requireCustomer(id);
    if (this.ordersOf(id).length > 0) {
      throw new ShopRuleError(`Customer ${id} has orders and cannot be deleted`);
    }
    this.customersById.delete(id);
    if (customer.email) this.customerIdsByEmail.delete(customer.email.toLowerCase());
    for (const metafield of this.metafieldsOf(id)) this.metafieldsById.delete(metafield.id);
    this.announce("customers/delete", id, () => deletedCustomerPayload(id));
  }

  // ---- catalogue ----

  createProduct(input: NewProduct): ProductRecord {
    const createdAt = this.stamp(input.createdAt);
    if (input.variants.length === 0) throw new ShopRuleError("A product needs at least one variant");
    const id = this.ids.next("Product");
    const product: ProductRecord = {
      id,
      title: input.title,
      imageUrl: input.imageUrl ?? null,
      handle: this.uniqueHandle(handleize(input.title)),
      descriptionHtml: input.descriptionHtml ?? "",
      vendor: input.vendor ?? this.shopRecord.name,
      productType: input.productType ?? "",
      status: input.status ?? "ACTIVE",
      tags: input.tags ?? [],
      createdAt,
      updatedAt: createdAt,
      publishedAt: (input.status ?? "ACTIVE") === "ACTIVE" ? createdAt : null,
      variants: input.variants.map((variant, index) => ({
        id: this.ids.next("ProductVariant"),
        productId: id,
        title: variant.title ?? "Default Title",
        price: toMinorUnits(variant.price, this.shopRecord.currencyCode),
        compareAtPrice: variant.compareAtPrice ? toMinorUnits(variant.compareAtPrice, this.shopRecord.currencyCode) : null,
        sku: variant.sku ?? null,
        position: index + 1,
        inventoryQuantity: variant.inventoryQuantity ?? 100,
        taxable: true,
        requiresShipping: true,
        grams: variant.grams ?? 500,
        createdAt,
        updatedAt: createdAt,
      })),
    };
    this.indexProduct(product);
    this.announce("products/create", id, () => productPayload(product, this.shopRecord));
    return product;
  }

  updateProduct(id: string, changes: { title?: string; tags?: string[]; status?: ProductRecord["status"]; at?: string }): ProductRecord {
    const product = this.productsById.get(id);
    if (!product) throw new ShopRuleError(`No product ${id}`);
    const at = this.stamp(changes.at);
    if (changes.title !== undefined) product.title = changes.title;
    if (changes.tags !== undefined) product.tags = changes.tags;
    if (changes.status !== undefined) product.status = changes.status;
    product.updatedAt = laterByASecond(product.updatedAt, at);
    this.announce("products/update", id, () => productPayload(product, this.shopRecord));
    return product;
  }

  // ---- orders ----

  /** A checkout completes: the order exists and, unless pending, is paid. */
  createOrder(input: NewOrder): OrderRecord {
    const createdAt = this.stamp(input.createdAt);
    const shopCurrency = this.shopRecord.currencyCode;
    const presentmentCurrency = input.presentmentCurrency ?? shopCurrency;
    const exchangeRate = presentmentCurrency === shopCurrency ? "1" : input.exchangeRate;
    if (!exchangeRate) throw new ShopRuleError(`An order in ${presentmentCurrency} needs an exchangeRate to ${shopCurrency}`);
    if (input.lineItems.length === 0) throw new ShopRuleError("An order needs at least one line item");
    const customer = input.customerId ? this.requireCustomer(input.customerId) : null;
    const currencies = { currency: shopCurrency, presentmentCurrency, exchangeRate };
    const toPresentment = (shopMinor: number) => convertMinorUnits(shopMinor, shopCurrency, presentmentCurrency, invertRate(exchangeRate));

    const variants = input.lineItems.map((line) => {
      const variant = this.variantsById.get(line.variantId);
      if (!variant) throw new ShopRuleError(`No product variant ${line.variantId}`);
      if (!Number.isInteger(line.quantity) || line.quantity < 1) throw new ShopRuleError("Line item quantities are whole numbers of at least 1");
      return variant;
    });
    const cart: CartLine[] = input.lineItems.map((line, index) => ({
      variantId: variants[index].id,
      unitPrice: line.price ? toMinorUnits(line.price, presentmentCurrency) : toPresentment(variants[index].price),
      quantity: line.quantity,
    }));
    const shippingPrice = input.shipping ? toMinorUnits(input.shipping.price, presentmentCurrency) : 0;

    const discount = input.discountCode ? this.usableCodeDiscount(input.discountCode, customer?.id ?? null, cart, shippingPrice, createdAt, currencies) : null;
    const applied: AppliedCodeDiscount | null = discount
      ? applyCodeDiscount(discount.record, discount.code, cart, shippingPrice, toPresentment, (minor) => formatMinorUnits(minor, presentmentCurrency))
      : null;

    const lineItems: LineItemRecord[] = cart.map((line, index) => {
      const variant = variants[index];
      const product = this.productsById.get(variant.productId)!;
      const discountAmount = applied?.lineAmounts[index] ?? 0;
      const taxed = input.taxRate ? lineTax(line.unitPrice * line.quantity - discountAmount, input.taxRate) : 0;
      return {
        id: this.ids.next("LineItem"),
        productId: product.id,
        variantId: variant.id,
        title: product.title,
        variantTitle: variant.title === "Default Title" ? null : variant.title,
        sku: variant.sku,
        vendor: product.vendor,
        quantity: line.quantity,
        unitPrice: pairFromPresentment(line.unitPrice, currencies),
        discountAllocations: discountAmount > 0 ? [{ amount: pairFromPresentment(discountAmount, currencies), applicationIndex: 0 }] : [],
        taxLines: input.taxRate ? [{ title: "Sales Tax", rate: input.taxRate, price: pairFromPresentment(taxed, currencies) }] : [],
        taxable: variant.taxable,
        requiresShipping: variant.requiresShipping,
        grams: variant.grams,
      };
    });

    const number = this.nextOrderNumber++;
    const id = this.ids.next("Order");
    const order: OrderRecord = {
      id,
      number,
      name: `#${number}`,
      token: randomBytes(16).toString("hex"),
      confirmationNumber: randomBytes(5).toString("hex").toUpperCase().slice(0, 9),
      email: input.email !== undefined ? input.email : (customer?.email ?? null),
      phone: customer?.phone ?? null,
      customerId: customer?.id ?? null,
      createdAt,
      updatedAt: createdAt,
      processedAt: createdAt,
      cancelledAt: null,
      cancelReason: null,
      closedAt: null,
      financialStatus: "pending",
      test: input.test ?? false,
      sourceName: input.sourceName ?? "web",
      tags: input.tags ?? [],
      note: input.note ?? null,
      currency: shopCurrency,
      presentmentCurrency,
      exchangeRate,
      buyerAcceptsMarketing: input.buyerAcceptsMarketing ?? customer?.emailMarketingConsent.marketingState === "SUBSCRIBED",
      customerLocale: customer?.locale ?? "en",
      lineItems,
      shippingLines: input.shipping
        ? [{
            id: this.ids.next("ShippingLine"),
            title: input.shipping.title,
            code: input.shipping.title,
            source: "shopify",
            price: pairFromPresentment(shippingPrice, currencies),
            discountAllocations: applied && applied.shippingAmount > 0
              ? [{ amount: pairFromPresentment(applied.shippingAmount, currencies), applicationIndex: 0 }]
              : [],
          }]
        : [],
      discountApplications: applied ? [applied.application] : [],
      discountCodes: [],
      transactions: [],
      refunds: [],
      billingAddress: mailingAddressRecord(input.billingAddress ?? this.defaultAddressOf(customer), () => this.ids.next("MailingAddress")),
      shippingAddress: mailingAddressRecord(input.shippingAddress ?? this.defaultAddressOf(customer), () => this.ids.next("MailingAddress")),
    };
    if (applied && discount) {
      const lineDiscounts = applied.lineAmounts.reduce((sum, amount) => sum + amount, 0) + applied.shippingAmount;
      order.discountCodes.push({ code: discount.code, amount: pairFromPresentment(lineDiscounts, currencies), type: applied.codeType, discountId: discount.record.id });
      const redeemCode = discount.record.codes.find((candidate) => candidate.code.toUpperCase() === discount.code.toUpperCase())!;
      redeemCode.asyncUsageCount += 1;
    }
    const paid = (input.financialStatus ?? "paid") === "paid";
    if (paid) {
      const total = orderTotals(order).total;
      const credit = input.storeCredit ? this.spendStoreCredit(customer, input.storeCredit, total, order.id, presentmentCurrency, createdAt) : 0;
      // Store credit pays first, as Shopify's checkout applies it; the gateway charges the rest.
      if (credit > 0) order.transactions.push(this.transaction("sale", { shop: credit, presentment: credit }, "shopify_store_credit", createdAt, null, order.test));
      if (total.shop - credit > 0 || credit === 0) {
        order.transactions.push(this.transaction("sale", { shop: total.shop - credit, presentment: total.presentment - credit }, input.gateway ?? "bogus", createdAt, null, order.test));
      }
      order.financialStatus = "paid";
    }
    this.indexOrder(order);
    this.announce("orders/create", id, () => this.renderOrder(order));
    if (paid) this.announce("orders/paid", id, () => this.renderOrder(order));
    this.announce("orders/updated", id, () => this.renderOrder(order));
    return order;
  }

  /** Payment arrives for a pending order (bank transfer, cash on delivery). */
  markOrderPaid(id: string, options: { at?: string; gateway?: string } = {}): OrderRecord {
    const order = this.requireOrder(id);
    if (order.financialStatus !== "pending" && order.financialStatus !== "partially_paid") {
      throw new ShopRuleError(`Order ${order.name} is ${order.financialStatus}, not pending`);
    }
    const at = this.stamp(options.at);
    const totals = orderTotals(order);
    order.transactions.push(this.transaction("sale", totals.outstanding, options.gateway ?? "manual", at, null, order.test));
    order.financialStatus = "paid";
    this.touchOrder(order, at);
    this.announce("orders/paid", id, () => this.renderOrder(order));
    this.announce("orders/updated", id, () => this.renderOrder(order));
    return order;
  }

  /**
   * An order edit that adds lines, at the variants' prices (no discount; the order's tax rate): the
   * lines join `line_items`, `subtotal_price` and `total_price` grow, and a paid order owes the
   * difference (partially_paid) until markOrderPaid collects it. Shopify follows an edit with orders/updated.
   */
  addLinesByEdit(id: string, input: { lineItems: { variantId: string; quantity: number }[]; at?: string }): OrderRecord {
    const order = this.requireOrder(id);
    if (order.cancelledAt) throw new ShopRuleError(`Order ${order.name} is cancelled`);
    if (input.lineItems.length === 0) throw new ShopRuleError("An edit adds at least one line item");
    const at = this.stamp(input.at);
    const taxRate = order.lineItems.flatMap((line) => line.taxLines)[0]?.rate ?? null;
    const currencies = { currency: order.currency, presentmentCurrency: order.presentmentCurrency, exchangeRate: order.exchangeRate };
    for (const requested of input.lineItems) {
      const variant = this.variantsById.get(requested.variantId);
      if (!variant) throw new ShopRuleError(`No product variant ${requested.variantId}`);
      if (!Number.isInteger(requested.quantity) || requested.quantity < 1) throw new ShopRuleError("Line item quantities are whole numbers of at least 1");
      const product = this.productsById.get(variant.productId)!;
      const unitPrice = convertMinorUnits(variant.price, order.currency, order.presentmentCurrency, invertRate(order.exchangeRate));
      const taxed = taxRate ? lineTax(unitPrice * requested.quantity, taxRate) : 0;
      order.lineItems.push({
        id: this.ids.next("LineItem"),
        productId: product.id,
        variantId: variant.id,
        title: product.title,
        variantTitle: variant.title === "Default Title" ? null : variant.title,
        sku: variant.sku,
        vendor: product.vendor,
        quantity: requested.quantity,
        unitPrice: pairFromPresentment(unitPrice, currencies),
        discountAllocations: [],
        taxLines: taxRate ? [{ title: "Sales Tax", rate: taxRate, price: pairFromPresentment(taxed, currencies) }] : [],
        taxable: variant.taxable,
        requiresShipping: variant.requiresShipping,
        grams: variant.grams,
      });
    }
    if (order.financialStatus === "paid" || order.financialStatus === "partially_refunded") order.financialStatus = "partially_paid";
    this.touchOrder(order, at);
    this.announce("orders/updated", id, () => this.renderOrder(order));
    return order;
  }

  /** The merchant fulfils every remaining item of a paid or pending order (one manual fulfillment). */
  fulfillOrder(id: string, options: { at?: string } = {}): OrderRecord {
    const order = this.requireOrder(id);
    if (order.cancelledAt) throw new ShopRuleError(`Order ${order.name} is cancelled`);
    if (order.fulfillment) throw new ShopRuleError(`Order ${order.name} is already fulfilled`);
    if (!order.lineItems.some((line) => currentQuantity(order, line) > 0)) throw new ShopRuleError(`Order ${order.name} has nothing left to fulfil`);
    const at = this.stamp(options.at);
    order.fulfillment = { id: this.ids.next("Fulfillment"), createdAt: at };
    this.touchOrder(order, at);
    this.announce("orders/fulfilled", id, () => this.renderOrder(order));
    this.announce("orders/updated", id, () => this.renderOrder(order));
    return order;
  }

  /**
   * What checkout would charge for a cart in the shop currency, with the code's discount when the
   * same rules `createOrder` applies accept it (`codeRefused` says why not). Nothing is recorded.
   */
  priceCheckout(checkout: { customerId: string | null; lineItems: { variantId: string; quantity: number }[]; shippingPrice: number; discountCode?: string | null; at?: string }): CheckoutPrice {
    const currency = this.shopRecord.currencyCode;
    const currencies = { currency, presentmentCurrency: currency, exchangeRate: "1" };
    const cart: CartLine[] = checkout.lineItems.map((line) => {
      const variant = this.variantsById.get(line.variantId);
      if (!variant) throw new ShopRuleError(`No product variant ${line.variantId}`);
      return { variantId: variant.id, unitPrice: variant.price, quantity: line.quantity };
    });
    const subtotal = cart.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
    let discount = 0;
    let shippingDiscount = 0;
    let codeRefused: string | null = null;
    if (checkout.discountCode) {
      try {
        const usable = this.usableCodeDiscount(checkout.discountCode, checkout.customerId, cart, checkout.shippingPrice, this.stamp(checkout.at), currencies);
        const applied = applyCodeDiscount(usable.record, usable.code, cart, checkout.shippingPrice, (minor) => minor, (minor) => formatMinorUnits(minor, currency));
        discount = applied.lineAmounts.reduce((sum, amount) => sum + amount, 0);
        shippingDiscount = applied.shippingAmount;
      } catch (error) {
        if (!(error instanceof ShopRuleError)) throw error;
        codeRefused = error.message;
      }
    }
    return {
      subtotal,
      discount,
      shipping: checkout.shippingPrice - shippingDiscount,
      total: subtotal - discount + checkout.shippingPrice - shippingDiscount,
      codeRefused,
    };
  }

  /** Finds a customer by email, case-insensitively (checkout attaches a guest's order to it). */
  customerByEmail(email: string): CustomerRecord | undefined {
    const id = this.customerIdsByEmail.get(email.toLowerCase());
    return id ? this.customersById.get(id) : undefined;
  }

  updateOrder(id: string, changes: OrderChanges): OrderRecord {
    const order = this.requireOrder(id);
    const at = this.stamp(changes.at);
    if (changes.tags !== undefined) order.tags = changes.tags;
    if (changes.note !== undefined) order.note = changes.note;
    if (changes.email !== undefined) order.email = changes.email;
    this.touchOrder(order, at);
    this.announce("orders/updated", id, () => this.renderOrder(order));
    return order;
  }

  cancelOrder(id: string, cancellation: Cancellation): OrderRecord {
    const order = this.requireOrder(id);
    if (order.cancelledAt) throw new ShopRuleError(`Order ${order.name} is already cancelled`);
    const at = this.stamp(cancellation.at);
    const restock = cancellation.restock ?? true;
    let refund: RefundRecord | null = null;
    if (order.financialStatus === "pending") {
      order.transactions.push(this.transaction("void", { shop: 0, presentment: 0 }, "manual", at, null, order.test));
      order.financialStatus = "voided";
    } else if (cancellation.refund ?? true) {
      const remaining = order.lineItems
        .map((line) => ({ lineItemId: line.id, quantity: currentQuantity(order, line), restockType: (restock ? "cancel" : "no_restock") as RestockType }))
        .filter((line) => line.quantity > 0);
      if (remaining.length > 0 || orderTotals(order).current.shipping.presentment > 0) {
        refund = this.buildRefund(order, { lineItems: remaining, shipping: true, note: cancellation.staffNote ?? null }, at, restock);
      }
    }
    order.cancelledAt = at;
    order.cancelReason = cancellation.reason;
    order.closedAt = at;
    this.touchOrder(order, at);
    if (refund) this.announce("refunds/create", refund.id, () => refundPayload(order, refund!, this.shopRecord));
    this.announce("orders/cancelled", id, () => this.renderOrder(order));
    this.announce("orders/updated", id, () => this.renderOrder(order));
    return order;
  }

  /** Gives money back for some or all items and, optionally, shipping. */
  refundOrder(id: string, input: NewRefund): RefundRecord {
    const order = this.requireOrder(id);
    if (order.financialStatus !== "paid" && order.financialStatus !== "partially_refunded") {
      throw new ShopRuleError(`Order ${order.name} is ${order.financialStatus}; only paid orders can be refunded`);
    }
    const at = this.stamp(input.at);
    const refund = this.buildRefund(order, input, at, (input.lineItems ?? []).some((line) => (line.restockType ?? "return") !== "no_restock"));
    this.touchOrder(order, at);
    this.announce("refunds/create", refund.id, () => refundPayload(order, refund, this.shopRecord));
    this.announce("orders/updated", id, () => this.renderOrder(order));
    return refund;
  }

  // ---- store credit ----

  /** Debits what an order spends of the buyer's store credit (shop currency only); returns the amount, minor units. */
  private spendStoreCredit(customer: CustomerRecord | null, amount: string, total: { shop: number }, orderId: string, presentmentCurrency: string, at: string): number {
    const currency = this.shopRecord.currencyCode;
    if (!customer) throw new ShopRuleError("Store credit needs a signed-in customer");
    if (presentmentCurrency !== currency) throw new ShopRuleError("Store credit is spent in the shop currency");
    const account = this.storeCreditAccountsOf(customer.id).find((candidate) => candidate.currencyCode === currency);
    const spent = Math.min(toMinorUnits(amount, currency), account?.balance ?? 0, total.shop);
    if (account && spent > 0) this.debitStoreCredit(account.id, spent, orderId, at);
    return spent;
  }

  storeCreditAccount(id: string): StoreCreditAccountRecord | undefined {
    return this.storeCreditAccountsById.get(id);
  }

  /** The owner's accounts, one per currency, oldest first. */
  storeCreditAccountsOf(ownerId: string): StoreCreditAccountRecord[] {
    return [...this.storeCreditAccountsById.values()].filter((account) => account.ownerId === ownerId);
  }

  /** Adds credit to the owner's account in that currency, opening the account on the first credit. */
  creditStoreCredit(ownerId: string, credit: { amount: number; currencyCode: string; expiresAt: string | null }, at?: string): StoreCreditTransactionRecord {
    this.requireCustomer(ownerId);
    if (!Number.isInteger(credit.amount) || credit.amount <= 0) throw new ShopRuleError("A store credit is a positive amount");
    let account = this.storeCreditAccountsOf(ownerId).find((candidate) => candidate.currencyCode === credit.currencyCode);
    if (!account) {
      account = { id: this.ids.next("StoreCreditAccount"), ownerId, currencyCode: credit.currencyCode, balance: 0, transactions: [] };
      this.storeCreditAccountsById.set(account.id, account);
    }
    return this.addStoreCreditTransaction(account, "credit", credit.amount, { expiresAt: credit.expiresAt, orderId: null }, at);
  }

  /** Takes credit off an account (an app's debit, or checkout spending it); never below zero. */
  debitStoreCredit(accountId: string, amount: number, orderId: string | null = null, at?: string): StoreCreditTransactionRecord {
    const account = this.storeCreditAccountsById.get(accountId);
    if (!account) throw new ShopRuleError(`No store credit account ${accountId}`);
    if (!Number.isInteger(amount) || amount <= 0) throw new ShopRuleError("A store credit debit is a positive amount");
    if (amount > account.balance) throw new ShopRuleError("The store credit account has insufficient funds");
    return this.addStoreCreditTransaction(account, "debit", amount, { expiresAt: null, orderId }, at);
  }

  private addStoreCreditTransaction(
    account: StoreCreditAccountRecord,
    kind: "credit" | "debit",
    amount: number,
    details: { expiresAt: string | null; orderId: string | null },
    at?: string,
  ): StoreCreditTransactionRecord {
    account.balance += kind === "credit" ? amount : -amount;
    const transaction: StoreCreditTransactionRecord = {
      id: this.ids.next(kind === "credit" ? "StoreCreditAccountCreditTransaction" : "StoreCreditAccountDebitTransaction"),
      kind,
      amount,
      balanceAfter: account.balance,
      expiresAt: details.expiresAt === null ? null : toShopifyDateTime(details.expiresAt),
      orderId: details.orderId,
      createdAt: this.stamp(at),
    };
    account.transactions.push(transaction);
    this.changed();
    return transaction;
  }

  // ---- discounts, metafields, bulk operations (the app's writes through the Admin API) ----

  createCodeDiscount(input: NewCodeDiscount, at?: string): CodeDiscountRecord {
    if (this.codeDiscountByCode(input.code)) throw new ShopRuleError(`The code ${input.code} is taken`);
    const stampedAt = this.stamp(at);
    const { code, ...rest } = input;
    const discount: CodeDiscountRecord = {
      ...rest,
      id: this.ids.next("DiscountCodeNode"),
      codes: [{ id: this.ids.next("DiscountRedeemCode"), code, asyncUsageCount: 0 }],
      createdAt: stampedAt,
      updatedAt: stampedAt,
    };
    this.indexDiscount(discount);
    this.changed();
    return discount;
  }

  deleteCodeDiscount(id: string): void {
    const discount = this.discountsById.get(id);
    if (!discount) throw new ShopRuleError(`No code discount ${id}`);
    this.discountsById.delete(id);
    for (const code of discount.codes) this.discountIdsByCode.delete(code.code.toUpperCase());
    this.changed();
  }

  /** Ends the discount now; it stays on record as EXPIRED. */
  deactivateCodeDiscount(id: string, at?: string): CodeDiscountRecord {
    const discount = this.discountsById.get(id);
    if (!discount) throw new ShopRuleError(`No code discount ${id}`);
    const stampedAt = this.stamp(at);
    if (discountStatus(discount, stampedAt) !== "EXPIRED") discount.endsAt = stampedAt;
    discount.updatedAt = laterByASecond(discount.updatedAt, stampedAt);
    this.changed();
    return discount;
  }

  /** Creates or overwrites each (owner, namespace, key). */
  setMetafields(writes: MetafieldWrite[], at?: string): MetafieldRecord[] {
    const stampedAt = this.stamp(at);
    const written = writes.map((write) => {
      const existing = [...this.metafieldsById.values()].find(
        (metafield) => metafield.ownerId === write.ownerId && metafield.namespace === write.namespace && metafield.key === write.key,
      );
      if (existing) {
        existing.value = write.value;
        existing.type = write.type;
        existing.updatedAt = laterByASecond(existing.updatedAt, stampedAt);
        return existing;
      }
      const metafield: MetafieldRecord = { id: this.ids.next("Metafield"), ...write, createdAt: stampedAt, updatedAt: stampedAt };
      this.metafieldsById.set(metafield.id, metafield);
      return metafield;
    });
    this.changed();
    return written;
  }

  /** Deletes the (owner, namespace, key) metafield; false when there is none. */
  deleteMetafield(ownerId: string, namespace: string, key: string): boolean {
    const existing = this.metafieldsOf(ownerId).find((metafield) => metafield.namespace === namespace && metafield.key === key);
    if (!existing) return false;
    this.metafieldsById.delete(existing.id);
    this.changed();
    return true;
  }

  metafieldDefinitions(): MetafieldDefinitionRecord[] {
    return [...this.metafieldDefinitionsById.values()];
  }

  metafieldDefinition(ownerType: string, namespace: string, key: string): MetafieldDefinitionRecord | undefined {
    return this.metafieldDefinitions().find((definition) => definition.ownerType === ownerType && definition.namespace === namespace && definition.key === key);
  }

  createMetafieldDefinition(input: Omit<MetafieldDefinitionRecord, "id" | "createdAt">, at?: string): MetafieldDefinitionRecord {
    if (this.metafieldDefinition(input.ownerType, input.namespace, input.key)) throw new ShopRuleError(`A ${input.ownerType} definition ${input.namespace}.${input.key} exists`);
    const definition: MetafieldDefinitionRecord = { id: this.ids.next("MetafieldDefinition"), ...input, createdAt: this.stamp(at) };
    this.metafieldDefinitionsById.set(definition.id, definition);
    this.changed();
    return definition;
  }

  /** Adds tags a customer does not have yet (tagsAdd); a changed customer is announced (customers/update), as Shopify does. */
  addCustomerTags(id: string, tags: string[], at?: string): CustomerRecord {
    const customer = this.requireCustomer(id);
    const added = tags.filter((tag) => !customer.tags.some((existing) => existing.toLowerCase() === tag.toLowerCase()));
    return added.length === 0 ? customer : this.updateCustomer(id, { tags: [...customer.tags, ...added], at });
  }

  /** Removes the customer's tags that match, whatever their case (tagsRemove). */
  removeCustomerTags(id: string, tags: string[], at?: string): CustomerRecord {
    const customer = this.requireCustomer(id);
    const removed = new Set(tags.map((tag) => tag.toLowerCase()));
    const kept = customer.tags.filter((tag) => !removed.has(tag.toLowerCase()));
    return kept.length === customer.tags.length ? customer : this.updateCustomer(id, { tags: kept, at });
  }

  /** The Flow triggers the app sent, oldest first (the admin's Flow page and tests read them). */
  flowTriggerRuns(): FlowTriggerRunRecord[] {
    return [...this.flowTriggerRunList];
  }

  recordFlowTriggerRun(handle: string, payload: Record<string, unknown>, at?: string): FlowTriggerRunRecord {
    const run = { handle, payload, receivedAt: this.stamp(at) };
    this.flowTriggerRunList.push(run);
    this.changed();
    return run;
  }

  createBulkOperation(query: string, appApiKey: string): BulkOperationRecord {
    const operation: BulkOperationRecord = {
      id: this.ids.next("BulkOperation"),
      type: "QUERY",
      query,
      status: "CREATED",
      errorCode: null,
      objectCount: 0,
      rootObjectCount: 0,
      fileSize: null,
      resultFile: null,
      createdAt: this.stamp(),
      completedAt: null,
      appApiKey,
    };
    this.bulkOperationsById.set(operation.id, operation);
    this.changed();
    return operation;
  }

  /** Moves a bulk operation along; reaching COMPLETED or FAILED announces bulk_operations/finish. */
  updateBulkOperation(id: string, changes: Partial<Pick<BulkOperationRecord, "status" | "errorCode" | "objectCount" | "rootObjectCount" | "fileSize" | "resultFile">>): BulkOperationRecord {
    const operation = this.bulkOperationsById.get(id);
    if (!operation) throw new ShopRuleError(`No bulk operation ${id}`);
    Object.assign(operation, changes);
    const finished = changes.status === "COMPLETED" || changes.status === "FAILED" || changes.status === "CANCELED";
    if (finished) {
      operation.completedAt = this.stamp();
      this.announce("bulk_operations/finish", id, () => bulkOperationFinishPayload(operation, this.shopRecord));
    } else {
      this.changed();
    }
    return operation;
  }

  // ---- the app installation ----

  /** The merchant installs the app (the first token exchange does this). */
  recordInstallation(apiKey: string, scopes: string[]): AppInstallationRecord {
    this.installationRecord = { apiKey, scopes, installedAt: this.stamp(), accessTokens: [], refreshTokens: [] };
    this.changed();
    return this.installationRecord;
  }

  /** The app's tokens changed (issued, rotated, retired). */
  installationChanged(): void {
    this.changed();
  }

  /** The merchant uninstalls the app: its tokens stop working and app/uninstalled is the last webhook. */
  uninstallApp(): void {
    if (!this.installationRecord) throw new ShopRuleError("No app is installed");
    this.announce("app/uninstalled", this.shopRecord.id, () => shopPayload(this.shopRecord));
    this.installationRecord = null;
    this.changed();
  }

  // ---- internals ----

  private stamp(at?: string): string {
    return toShopifyDateTime(at ?? this.now());
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  private announce(topic: WebhookTopic, subjectId: string, render: () => Record<string, unknown>): void {
    this.changed();
    if (!this.installationRecord) return;
    this.events.emit("webhook", {
      topic,
      shop: this.shopRecord.myshopifyDomain,
      payload: render(),
      triggeredAt: this.now().toISOString(),
      eventId: randomUUID(),
      subjectId,
      apiVersion: WEBHOOK_PAYLOAD_VERSION,
    });
  }

  private renderOrder(order: OrderRecord): Record<string, unknown> {
    return orderPayload(order, order.customerId ? (this.customersById.get(order.customerId) ?? null) : null, this.shopRecord);
  }

  private touchOrder(order: OrderRecord, at: string): void {
    order.updatedAt = laterByASecond(order.updatedAt, at);
  }

  private transaction(kind: TransactionRecord["kind"], amount: TransactionRecord["amount"], gateway: string, at: string, parentId: string | null, test: boolean): TransactionRecord {
    return { id: this.ids.next("OrderTransaction"), kind, status: "success", gateway, amount, createdAt: at, parentId, test };
  }

  private buildRefund(order: OrderRecord, input: NewRefund, at: string, restock: boolean): RefundRecord {
    const requestedLines = input.lineItems ?? [];
    if (new Set(requestedLines.map((line) => line.lineItemId)).size !== requestedLines.length) {
      throw new ShopRuleError("A refund names each line item once");
    }
    const refundLineItems: RefundLineItemRecord[] = requestedLines.map((requested) => {
      const line = order.lineItems.find((candidate) => candidate.id === requested.lineItemId);
      if (!line) throw new ShopRuleError(`Order ${order.name} has no line item ${requested.lineItemId}`);
      const refundable = currentQuantity(order, line);
      if (!Number.isInteger(requested.quantity) || requested.quantity < 1 || requested.quantity > refundable) {
        throw new ShopRuleError(`Line item ${line.id} has ${refundable} refundable, not ${requested.quantity}`);
      }
      return {
        id: this.ids.next("RefundLineItem"),
        lineItemId: line.id,
        quantity: requested.quantity,
        restockType: requested.restockType ?? "return",
        ...refundAmountsForLine(order, line, requested.quantity),
      };
    });

    const remainingShipping = orderTotals(order).current.shipping;
    const shipping = input.shipping === true
      ? remainingShipping
      : input.shipping
        ? pairFromPresentment(toMinorUnits(input.shipping, order.presentmentCurrency), order)
        : { shop: 0, presentment: 0 };
    if (shipping.presentment > remainingShipping.presentment) throw new ShopRuleError(`Order ${order.name} has less shipping left to refund`);
    const discrepancy = input.discrepancy ? pairFromPresentment(toMinorUnits(input.discrepancy, order.presentmentCurrency), order) : { shop: 0, presentment: 0 };
    if (discrepancy.presentment < 0) throw new ShopRuleError("A refund gives money back, not takes it");
    if (refundLineItems.length === 0 && shipping.presentment === 0 && discrepancy.presentment === 0) {
      throw new ShopRuleError("A refund needs line items, shipping or an amount");
    }

    const amount = {
      shop: shipping.shop + discrepancy.shop + refundLineItems.reduce((sum, line) => sum + line.subtotal.shop + line.totalTax.shop, 0),
      presentment: shipping.presentment + discrepancy.presentment + refundLineItems.reduce((sum, line) => sum + line.subtotal.presentment + line.totalTax.presentment, 0),
    };
    const before = orderTotals(order);
    if (amount.presentment > before.received.presentment - before.refunded.presentment) {
      throw new ShopRuleError(`Order ${order.name} has less money left to refund`);
    }
    const sale = order.transactions.find((transaction) => transaction.kind === "sale");
    const transaction = this.transaction("refund", amount, sale?.gateway ?? "manual", at, sale?.id ?? null, order.test);
    order.transactions.push(transaction);
    const refund: RefundRecord = {
      id: this.ids.next("Refund"),
      orderId: order.id,
      createdAt: at,
      note: input.note ?? null,
      restock,
      refundLineItems,
      shipping,
      ...(discrepancy.presentment !== 0 ? { discrepancy } : {}),
      transactionIds: [transaction.id],
    };
    order.refunds.push(refund);
    const totals = orderTotals(order);
    order.financialStatus = totals.refunded.presentment >= totals.received.presentment ? "refunded" : "partially_refunded";
    return refund;
  }

  private usableCodeDiscount(
    code: string,
    customerId: string | null,
    cart: CartLine[],
    shippingPrice: number,
    at: string,
    currencies: Pick<OrderRecord, "currency" | "presentmentCurrency" | "exchangeRate">,
  ): { record: CodeDiscountRecord; code: string } {
    const record = this.codeDiscountByCode(code);
    if (!record) throw new ShopRuleError(`Enter a valid discount code: ${code} does not exist`);
    const usesByCustomer = customerId
      ? this.ordersOf(customerId).filter((order) => order.discountCodes.some((used) => used.discountId === record.id)).length
      : 0;
    // A code for some items counts only those items toward its minimums, as Shopify does.
    const eligible = cart.filter((line) => lineIsEligible(record, line));
    const subtotalPresentment = eligible.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
    const reason = whyCodeDoesNotApply(record, {
      at,
      customerId,
      subtotal: pairFromPresentment(subtotalPresentment, currencies).shop,
      quantity: eligible.reduce((sum, line) => sum + line.quantity, 0),
      shippingPrice: pairFromPresentment(shippingPrice, currencies).shop,
      usesByCustomer,
    });
    if (reason) throw new ShopRuleError(`The code ${code} cannot be used: ${reason}`);
    return { record, code: record.codes.find((candidate) => candidate.code.toUpperCase() === code.toUpperCase())!.code };
  }

  private defaultAddressOf(customer: CustomerRecord | null): NewAddress | null {
    if (!customer) return null;
    return customer.addresses.find((address) => address.id === customer.defaultAddressId) ?? null;
  }

  private mailingAddress(address: NewAddress, names: { firstName?: string | null; lastName?: string | null }): MailingAddressRecord {
    const named = { ...address, firstName: address.firstName ?? names.firstName, lastName: address.lastName ?? names.lastName };
    return mailingAddressRecord(named, () => this.ids.next("MailingAddress"))!;
  }

  private uniqueHandle(base: string): string {
    const taken = new Set([...this.productsById.values()].map((product) => product.handle));
    if (!taken.has(base)) return base;
    let suffix = 1;
    while (taken.has(`${base}-${suffix}`)) suffix += 1;
    return `${base}-${suffix}`;
  }

  private assertEmailAvailable(email: string | null, exceptCustomerId: string | null): void {
    if (!email) return;
    const owner = this.customerIdsByEmail.get(email.toLowerCase());
    if (owner && owner !== exceptCustomerId) throw new ShopRuleError(`Email ${email} has already been taken`);
  }

  private requireCustomer(id: string): CustomerRecord {
    const customer = this.customersById.get(id);
    if (!customer) throw new ShopRuleError(`No customer ${id}`);
    return customer;
  }

  private requireOrder(id: string): OrderRecord {
    const order = this.ordersById.get(id);
    if (!order) throw new ShopRuleError(`No order ${id}`);
    return order;
  }

  private indexCustomer(customer: CustomerRecord): void {
    this.customersById.set(customer.id, customer);
    if (customer.email) this.customerIdsByEmail.set(customer.email.toLowerCase(), customer.id);
  }

  private indexProduct(product: ProductRecord): void {
    this.productsById.set(product.id, product);
    for (const variant of product.variants) this.variantsById.set(variant.id, variant);
  }

  private indexOrder(order: OrderRecord): void {
    this.ordersById.set(order.id, order);
    if (order.customerId) {
      const ids = this.orderIdsByCustomer.get(order.customerId);
      if (ids) ids.push(order.id);
      else this.orderIdsByCustomer.set(order.customerId, [order.id]);
    }
  }

  private indexDiscount(discount: CodeDiscountRecord): void {
    this.discountsById.set(discount.id, discount);
    for (const code of discount.codes) this.discountIdsByCode.set(code.code.toUpperCase(), discount.id);
  }
}
