/**
 * Every Admin GraphQL operation the app sends, in one place. A test validates each against the
 * real Admin schema of API_VERSION, so a typo or a removed field fails CI instead of a shop.
 */

export const SHOP_PROFILE_QUERY = `#graphql
  query ShopProfile {
    shop {
      name
      email
      myshopifyDomain
      currencyCode
      ianaTimezone
    }
  }
`;

export interface ShopProfile {
  shop: {
    name: string;
    email: string;
    myshopifyDomain: string;
    currencyCode: string;
    ianaTimezone: string;
  };
}
