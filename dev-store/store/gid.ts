/**
 * Shopify global ids (`gid://shopify/Order/5600000000001`). Everything in the dev store is keyed on
 * them; the numeric part is what REST webhook payloads call `id`.
 */
export type ResourceType =
  | "Shop"
  | "StaffMember"
  | "Customer"
  | "MailingAddress"
  | "Product"
  | "ProductVariant"
  | "Order"
  | "LineItem"
  | "ShippingLine"
  | "Refund"
  | "RefundLineItem"
  | "OrderTransaction"
  | "Fulfillment"
  | "DiscountCodeNode"
  | "DiscountRedeemCode"
  | "Metafield"
  | "MetafieldDefinition"
  | "BulkOperation"
  | "StoreCreditAccount"
  | "StoreCreditAccountCreditTransaction"
  | "StoreCreditAccountDebitTransaction";

/** Where each sequence starts: the size Shopify's ids have today, and far below 2^53. */
const FIRST_IDS: Record<ResourceType, number> = {
  Shop: 68_420_000_000,
  StaffMember: 104_730_000_000,
  Customer: 7_412_000_000_000,
  MailingAddress: 8_963_000_000_000,
  Product: 8_105_000_000_000,
  ProductVariant: 45_210_000_000_000,
  Order: 5_684_000_000_000,
  LineItem: 13_870_000_000_000,
  ShippingLine: 4_512_000_000_000,
  Refund: 921_400_000_000,
  RefundLineItem: 604_700_000_000,
  OrderTransaction: 6_731_000_000_000,
  Fulfillment: 5_219_000_000_000,
  DiscountCodeNode: 1_184_000_000_000,
  DiscountRedeemCode: 17_102_000_000_000,
  Metafield: 25_640_000_000_000,
  MetafieldDefinition: 91_220_000,
  BulkOperation: 3_908_000_000_000,
  StoreCreditAccount: 2_301_000_000,
  StoreCreditAccountCreditTransaction: 5_870_000_000,
  StoreCreditAccountDebitTransaction: 5_990_000_000,
};

export function gid(type: ResourceType | string, numericId: number): string {
  return `gid://shopify/${type}/${numericId}`;
}

export interface ParsedGid {
  type: string;
  id: number;
}

export function parseGid(value: string): ParsedGid | null {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?.*)?$/.exec(value);
  if (!match) return null;
  const id = Number(match[2]);
  return Number.isSafeInteger(id) ? { type: match[1], id } : null;
}

/** The numeric id Shopify's REST payloads and `legacyResourceId` carry. */
export function legacyResourceId(value: string): number {
  const parsed = parseGid(value);
  if (!parsed) throw new Error(`Not a Shopify global id: ${value}`);
  return parsed.id;
}

/** The first id a new dev shop gives a resource type, e.g. its account owner's user id. */
export function firstId(type: ResourceType): string {
  return gid(type, FIRST_IDS[type]);
}

/** Increasing numeric ids per resource type; its state is saved with the shop so ids never repeat. */
export class IdSequence {
  private readonly last: Partial<Record<ResourceType, number>>;

  constructor(saved: Partial<Record<ResourceType, number>> = {}) {
    this.last = { ...saved };
  }

  next(type: ResourceType): string {
    const id = (this.last[type] ?? FIRST_IDS[type] - 1) + 1;
    this.last[type] = id;
    return gid(type, id);
  }

  toJSON(): Partial<Record<ResourceType, number>> {
    return { ...this.last };
  }
}
