/** Shopify's REST conventions: shop-local timestamps with an offset, money sets, decimal strings. */
import { formatMinorUnits, type MoneyPair } from "../money";
import type { MailingAddressRecord, OrderAddressRecord } from "../records";

const localTimeFormats = new Map<string, Intl.DateTimeFormat>();

function localTimeFormat(timeZone: string): Intl.DateTimeFormat {
  let format = localTimeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "longOffset",
    });
    localTimeFormats.set(timeZone, format);
  }
  return format;
}

/** "2025-03-01T19:05:09Z" in America/New_York → "2025-03-01T14:05:09-05:00", as REST payloads write it. */
export function restTimestamp(iso: string, timeZone: string): string;
export function restTimestamp(iso: string | null, timeZone: string): string | null;
export function restTimestamp(iso: string | null, timeZone: string): string | null {
  if (iso === null) return null;
  const parts = Object.fromEntries(localTimeFormat(timeZone).formatToParts(new Date(iso)).map((part) => [part.type, part.value]));
  const offset = parts.timeZoneName === "GMT" ? "+00:00" : parts.timeZoneName.replace("GMT", "");
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

export interface MoneySet {
  shop_money: { amount: string; currency_code: string };
  presentment_money: { amount: string; currency_code: string };
}

export interface Currencies {
  shop: string;
  presentment: string;
}

export function moneySet(pair: MoneyPair, currencies: Currencies): MoneySet {
  return {
    shop_money: { amount: formatMinorUnits(pair.shop, currencies.shop), currency_code: currencies.shop },
    presentment_money: { amount: formatMinorUnits(pair.presentment, currencies.presentment), currency_code: currencies.presentment },
  };
}

/** Legacy single-amount REST fields (`total_price`, `price`) are in the shop currency. */
export function shopAmount(pair: MoneyPair, currencies: Currencies): string {
  return formatMinorUnits(pair.shop, currencies.shop);
}

export function fullName(firstName: string | null, lastName: string | null): string {
  return [firstName, lastName].filter(Boolean).join(" ");
}

export function orderAddressPayload(address: OrderAddressRecord | null): Record<string, unknown> | null {
  if (!address) return null;
  return {
    first_name: address.firstName,
    address1: address.address1,
    phone: address.phone,
    city: address.city,
    zip: address.zip,
    province: address.province,
    country: address.country,
    last_name: address.lastName,
    address2: address.address2,
    company: address.company,
    latitude: null,
    longitude: null,
    name: fullName(address.firstName, address.lastName),
    country_code: address.countryCode,
    province_code: address.provinceCode,
  };
}

export function customerAddressPayload(address: MailingAddressRecord, customerLegacyId: number, isDefault: boolean): Record<string, unknown> {
  return {
    id: legacyIdOf(address.id),
    customer_id: customerLegacyId,
    first_name: address.firstName,
    last_name: address.lastName,
    company: address.company,
    address1: address.address1,
    address2: address.address2,
    city: address.city,
    province: address.province,
    country: address.country,
    zip: address.zip,
    phone: address.phone,
    name: fullName(address.firstName, address.lastName),
    province_code: address.provinceCode,
    country_code: address.countryCode,
    country_name: address.country,
    default: isDefault,
  };
}

export function legacyIdOf(gidValue: string): number {
  return Number(gidValue.slice(gidValue.lastIndexOf("/") + 1));
}

/** REST writes tag lists as one comma-separated string. */
export function restTags(tags: string[]): string {
  return tags.join(", ");
}
