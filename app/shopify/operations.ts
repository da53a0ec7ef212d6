/**
 * Every Admin GraphQL operation the app sends, in one place. A test validates each against the
 * real Admin schema of API_VERSION, so a typo or a removed field fails CI instead of a shop. Their
 * results and variables are typed from that schema: `npm run graphql-codegen` after changing one
 * (app/types/admin.generated.d.ts; adminQuery takes only the operations generated there).
 */

export const SHOP_PROFILE_QUERY = `#graphql
  query ShopProfile {
    shop {
      id
      name
      email
      contactEmail
      myshopifyDomain
      currencyCode
      ianaTimezone
    }
  }
`;

/** Starts a bulk query (the history import); its result is a JSONL file. */
export const BULK_OPERATION_RUN_QUERY = `#graphql
  mutation RunBulkQuery($query: String!) {
    bulkOperationRunQuery(query: $query) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const BULK_OPERATION_STATUS_QUERY = `#graphql
  query BulkOperationStatus($id: ID!) {
    node(id: $id) {
      ... on BulkOperation {
        id
        status
        errorCode
        objectCount
        url
      }
    }
  }
`;

/** The history import's customers, one JSONL line each. */
export const HISTORY_CUSTOMERS_BULK_QUERY = `#graphql
  query HistoryCustomers {
    customers {
      edges {
        node {
          id
          firstName
          lastName
          phone
          state
          createdAt
          updatedAt
          defaultEmailAddress {
            emailAddress
            marketingState
            marketingUpdatedAt
          }
          defaultAddress {
            address1
            zip
            countryCodeV2
          }
        }
      }
    }
  }
`;

/** The history import's orders; each order's line items follow it on their own lines (`__parentId`). */
export const HISTORY_ORDERS_BULK_QUERY = `#graphql
  query HistoryOrders {
    orders {
      edges {
        node {
          id
          name
          email
          createdAt
          updatedAt
          cancelledAt
          cancelReason
          test
          displayFinancialStatus
          discountCodes
          customer {
            id
          }
          subtotalPriceSet {
            shopMoney {
              amount
              currencyCode
            }
          }
          totalShippingPriceSet {
            shopMoney {
              amount
            }
          }
          totalTaxSet {
            shopMoney {
              amount
            }
          }
          totalDiscountsSet {
            shopMoney {
              amount
            }
          }
          totalPriceSet {
            shopMoney {
              amount
            }
          }
          currentSubtotalPriceSet {
            shopMoney {
              amount
            }
          }
          currentShippingPriceSet {
            shopMoney {
              amount
            }
          }
          currentTotalTaxSet {
            shopMoney {
              amount
            }
          }
          refunds {
            id
            createdAt
            totalRefundedSet {
              shopMoney {
                amount
              }
            }
          }
          lineItems {
            edges {
              node {
                id
                title
                quantity
                product {
                  id
                }
                variant {
                  id
                }
                originalUnitPriceSet {
                  shopMoney {
                    amount
                  }
                }
                totalDiscountSet {
                  shopMoney {
                    amount
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`;

/**
 * A unique, single-use amount or percentage code for one customer (or anyone), ending after a set time:
 * a follow-up's incentive, a redeemed reward, a referred friend's first-order discount.
 */
export const DISCOUNT_CODE_BASIC_CREATE_MUTATION = `#graphql
  mutation DiscountCodeBasicCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
    discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
      codeDiscountNode {
        id
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`;

/** Customers' email marketing consent as Shopify holds it now, checked before a marketing follow-up goes out. */
export const FOLLOW_UP_MARKETING_CONSENT_QUERY = `#graphql
  query FollowUpMarketingConsent($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Customer {
        id
        defaultEmailAddress {
          emailAddress
          marketingState
          marketingUpdatedAt
        }
      }
    }
  }
`;

/** A redeemed free-shipping reward: a unique, single-use code for one customer, ending after a set time. */
export const REWARD_FREE_SHIPPING_CREATE_MUTATION = `#graphql
  mutation RewardFreeShippingCreate($freeShippingCodeDiscount: DiscountCodeFreeShippingInput!) {
    discountCodeFreeShippingCreate(freeShippingCodeDiscount: $freeShippingCodeDiscount) {
      codeDiscountNode {
        id
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`;

/** Finds a code the app chose before asking Shopify, when Shopify's answer was lost. */
export const DISCOUNT_BY_CODE_QUERY = `#graphql
  query DiscountByCode($code: String!) {
    codeDiscountNodeByCode(code: $code) {
      id
    }
  }
`;

/** Deletes a code Shopify made after the app had given up on it and given the points back. */
export const DISCOUNT_DELETE_MUTATION = `#graphql
  mutation DiscountDelete($id: ID!) {
    discountCodeDelete(id: $id) {
      deletedCodeDiscountId
      userErrors {
        field
        code
        message
      }
    }
  }
`;

/**
 * A redeemed store credit reward: credit on the customer's account in the shop's currency (Shopify
 * makes the account on the first credit), expiring at a time the app chose, which also finds it again.
 */
export const REWARD_STORE_CREDIT_MUTATION = `#graphql
  mutation RewardStoreCredit($id: ID!, $creditInput: StoreCreditAccountCreditInput!) {
    storeCreditAccountCredit(id: $id, creditInput: $creditInput) {
      storeCreditAccountTransaction {
        id
        expiresAt
        amount {
          amount
          currencyCode
        }
        account {
          id
          balance {
            amount
            currencyCode
          }
        }
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`;

/**
 * A customer's store credit accounts with their credits expiring in a window (`query`, e.g.
 * "type:credit AND expires_at:>=… AND expires_at:<=…"): finds a credit whose answer was lost.
 */
export const CUSTOMER_STORE_CREDITS_QUERY = `#graphql
  query CustomerStoreCredits($customerId: ID!, $query: String!) {
    customer(id: $customerId) {
      id
      storeCreditAccounts(first: 10) {
        nodes {
          id
          balance {
            amount
            currencyCode
          }
          transactions(first: 25, query: $query) {
            nodes {
              ... on StoreCreditAccountCreditTransaction {
                id
                expiresAt
                amount {
                  amount
                  currencyCode
                }
              }
            }
          }
        }
      }
    }
  }
`;

/** Takes back a credit Shopify applied after the app had given up on it and given the points back. */
export const STORE_CREDIT_DEBIT_MUTATION = `#graphql
  mutation StoreCreditDebit($id: ID!, $debitInput: StoreCreditAccountDebitInput!) {
    storeCreditAccountDebit(id: $id, debitInput: $debitInput) {
      storeCreditAccountTransaction {
        id
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`;

/** The product variant a free-product reward gives: its product's title and image for the admin and the widget. */
export const REWARD_PRODUCT_VARIANT_QUERY = `#graphql
  query RewardProductVariant($id: ID!) {
    productVariant(id: $id) {
      id
      title
      product {
        id
        title
        featuredMedia {
          preview {
            image {
              url
              altText
            }
          }
        }
      }
    }
  }
`;

/** Products to choose a free-product reward from, in the admin: the first 40 active ones by title, 8 variants each (under the 1,000 query cost). */
export const REWARD_PRODUCT_CHOICES_QUERY = `#graphql
  query RewardProductChoices {
    products(first: 40, sortKey: TITLE, query: "status:active") {
      nodes {
        id
        title
        featuredMedia {
          preview {
            image {
              url
            }
          }
        }
        variants(first: 8) {
          nodes {
            id
            title
          }
        }
      }
    }
  }
`;


/**
 * The loyalty metafields on customers ($app:loyalty points_balance and tier), up to 25 per call.
 * Customer owners need write_customers.
 */
/** Takes the loyalty metafields off customers (a tier lost); one already gone is answered null. */
export const CUSTOMER_METAFIELDS_DELETE_MUTATION = `#graphql
  mutation CustomerMetafieldsDelete($metafields: [MetafieldIdentifierInput!]!) {
    metafieldsDelete(metafields: $metafields) {
      deletedMetafields {
        key
        namespace
        ownerId
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const CUSTOMER_METAFIELDS_SET_MUTATION = `#graphql
  mutation CustomerMetafieldsSet($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) {
      metafields {
        key
        namespace
        value
      }
      userErrors {
        field
        message
        code
        elementIndex
      }
    }
  }
`;

/** The loyalty metafields' definitions, created at install so segments, Flow and email templates can use them. */
export const METAFIELD_DEFINITION_CREATE_MUTATION = `#graphql
  mutation LoyaltyMetafieldDefinitionCreate($definition: MetafieldDefinitionInput!) {
    metafieldDefinitionCreate(definition: $definition) {
      createdDefinition {
        id
        namespace
        key
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

/** The customer's tier tag (the prefix setting + the tier's name). */
export const CUSTOMER_TAGS_ADD_MUTATION = `#graphql
  mutation CustomerTagsAdd($id: ID!, $tags: [String!]!) {
    tagsAdd(id: $id, tags: $tags) {
      userErrors {
        field
        message
      }
    }
  }
`;

/** The customer's old tier tag, when the tier changes or tags are turned off. */
export const CUSTOMER_TAGS_REMOVE_MUTATION = `#graphql
  mutation CustomerTagsRemove($id: ID!, $tags: [String!]!) {
    tagsRemove(id: $id, tags: $tags) {
      userErrors {
        field
        message
      }
    }
  }
`;

/** A Flow trigger of the app's (extensions/flow-*): its handle and a payload of at most 50 KB. */
export const FLOW_TRIGGER_RECEIVE_MUTATION = `#graphql
  mutation FlowTriggerReceive($handle: String!, $payload: JSON!) {
    flowTriggerReceive(handle: $handle, payload: $payload) {
      userErrors {
        field
        message
      }
    }
  }
`;
