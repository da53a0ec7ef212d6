import { Liquid } from "liquidjs";

import { legacyResourceId } from "../store/gid";
import { formatMinorUnits } from "../store/money";
import { escapeHtml } from "./html";
import { customerDisplayName, formatPrice, type StorefrontCustomer } from "./storefront-view";

/** The Liquid objects every storefront template sees, as an Online Store 2.0 theme provides them. */
export interface StorefrontGlobals {
  shop: {
    name: string;
    permanent_domain: string;
    url: string;
    currency: string;
    money_format: string;
  };
  customer: null | {
    id: number;
    email: string | null;
    first_name: string | null;
    last_name: string | null;
    name: string;
  };
  routes: {
    root_url: string;
    account_url: string;
    account_login_url: string;
    account_register_url: string;
    account_logout_url: string;
    cart_url: string;
    search_url: string;
  };
  request: {
    host: string;
    origin: string;
    path: string;
    page_type: string;
    design_mode: false;
    locale: { iso_code: string; primary: boolean };
  };
}

export function storefrontGlobals(options: {
  shopName: string;
  shopDomain: string;
  currencyCode: string;
  customer: StorefrontCustomer | null;
  url: URL;
  pageType: string;
  locale: string;
}): StorefrontGlobals {
  const { customer, url } = options;
  return {
    shop: {
      name: options.shopName,
      permanent_domain: options.shopDomain,
      url: url.origin,
      currency: options.currencyCode,
      money_format: moneyFormat(options.currencyCode),
    },
    customer: customer && {
      id: legacyResourceId(customer.id),
      email: customer.email,
      first_name: customer.firstName,
      last_name: customer.lastName,
      name: customerDisplayName(customer),
    },
    routes: {
      root_url: "/",
      account_url: "/account",
      account_login_url: "/account/login",
      account_register_url: "/account/register",
      account_logout_url: "/account/logout",
      cart_url: "/cart",
      search_url: "/search",
    },
    request: {
      host: url.host,
      origin: url.origin,
      path: url.pathname,
      page_type: options.pageType,
      design_mode: false,
      locale: { iso_code: options.locale, primary: true },
    },
  };
}

export type Translations = Record<string, unknown>;

/**
 * A Liquid engine with the Shopify filters a theme app extension uses. Unknown filters fail loudly
 * rather than rendering something Shopify would not.
 */
export function createStorefrontLiquid(options: {
  currencyCode: string;
  /** Where `{% render %}` finds snippets. */
  snippetsDir?: string;
  /** `'file.js' | asset_url` for the extension being rendered. */
  assetUrl?: (file: string) => string;
  /** The extension's locale file, for the `t` filter. */
  translations?: { locale: string; strings: Translations };
}): Liquid {
  const engine = new Liquid({
    root: options.snippetsDir ? [options.snippetsDir] : [],
    extname: ".liquid",
    cache: false,
    strictFilters: true,
    relativeReference: false,
  });
  const { currencyCode } = options;
  engine.registerFilter("money", (cents: unknown) => formatPrice(minorUnits(cents), currencyCode));
  engine.registerFilter("money_with_currency", (cents: unknown) => `${formatPrice(minorUnits(cents), currencyCode)} ${currencyCode}`);
  engine.registerFilter("money_without_currency", (cents: unknown) => formatMinorUnits(minorUnits(cents), currencyCode));
  engine.registerFilter("script_tag", (url: unknown) => `<script src="${escapeHtml(String(url))}" type="text/javascript"></script>`);
  engine.registerFilter("stylesheet_tag", (url: unknown) => `<link href="${escapeHtml(String(url))}" rel="stylesheet" type="text/css" media="all" />`);
  if (options.assetUrl) {
    const assetUrl = options.assetUrl;
    engine.registerFilter("asset_url", (file: unknown) => assetUrl(String(file)));
  }
  if (options.translations) {
    const translations = options.translations;
    engine.registerFilter("t", (key: unknown, ...args: unknown[]) =>
      translate(translations.strings, String(key), namedArguments(args)) ?? `Translation missing: ${translations.locale}.${String(key)}`,
    );
  }
  return engine;
}

/** Shopify's `t`: a dotted key into the locale file, `{{ name }}` placeholders, `count` plurals; `_html` keys are not escaped. */
export function translate(translations: Translations, key: string, variables: Record<string, unknown>): string | null {
  let value: unknown = key.split(".").reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Translations)[part] : undefined), translations);
  if (value && typeof value === "object" && "count" in variables) {
    const plurals = value as Record<string, unknown>;
    const count = Number(variables.count);
    value = (count === 0 && plurals.zero) || (count === 1 && plurals.one) || plurals.other;
  }
  if (typeof value !== "string") return null;
  const filled = value.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => String(variables[name] ?? ""));
  return key.endsWith("_html") ? filled : escapeHtml(filled);
}

function namedArguments(args: unknown[]): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  for (const arg of args) {
    if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === "string") named[arg[0]] = arg[1];
  }
  return named;
}

function minorUnits(cents: unknown): number {
  const value = Number(cents);
  if (!Number.isSafeInteger(value)) throw new Error(`money filters take an amount in cents, got ${String(cents)}`);
  return value;
}

function moneyFormat(currencyCode: string): string {
  const parts = new Intl.NumberFormat("en", { style: "currency", currency: currencyCode }).formatToParts(0);
  const symbol = parts.find((part) => part.type === "currency")?.value ?? currencyCode;
  return `${symbol}{{amount}}`;
}
