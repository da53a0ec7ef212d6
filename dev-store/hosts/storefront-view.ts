import { formatMinorUnits } from "../store/money";
import type { ShopData } from "../store/shop-data";

/** What the storefront shows of the shop; the dev store's ShopData gives it through `storefrontViewOf`. */
export interface StorefrontView {
  shopName: string;
  currencyCode: string;
  /** Customers who can sign in to the storefront (those with an account). */
  customers(): StorefrontCustomer[];
  /** Products on sale. */
  products(): StorefrontProduct[];
}

export interface StorefrontCustomer {
  /** gid://shopify/Customer/<id> */
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
}

export interface StorefrontProduct {
  id: string;
  title: string;
  handle: string;
  /** The lowest variant price, in minor units of the shop currency. */
  priceMinorUnits: number;
  /** The variant "Add to cart" puts in the cart (the first one); absent where the storefront has no cart. */
  variantId?: string;
}

export function storefrontViewOf(shop: Pick<ShopData, "shop" | "customers" | "products">): StorefrontView {
  return {
    get shopName() {
      return shop.shop.name;
    },
    get currencyCode() {
      return shop.shop.currencyCode;
    },
    customers: () =>
      shop
        .customers()
        .filter((customer) => customer.state === "ENABLED")
        .map(({ id, firstName, lastName, email }) => ({ id, firstName, lastName, email })),
    products: () =>
      shop
        .products()
        .filter((product) => product.status === "ACTIVE" && product.variants.length > 0)
        .map((product) => ({
          id: product.id,
          title: product.title,
          handle: product.handle,
          priceMinorUnits: Math.min(...product.variants.map((variant) => variant.price)),
          variantId: product.variants[0].id,
        })),
  };
}

export function customerDisplayName(customer: StorefrontCustomer): string {
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(" ");
  return name || customer.email || customer.id;
}

/** "$24.00": for display only; the amount itself stays exact. */
export function formatPrice(minorUnits: number, currencyCode: string, locale = "en"): string {
  const decimal = formatMinorUnits(minorUnits, currencyCode);
  return new Intl.NumberFormat(locale, { style: "currency", currency: currencyCode }).format(Number(decimal));
}
