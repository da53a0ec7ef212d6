/* eslint-disable eslint-comments/disable-enable-pair */
/* eslint-disable eslint-comments/no-unlimited-disable */
/* eslint-disable */
import type * as AdminTypes from './admin.types.js';

export type ShopProfileQueryVariables = AdminTypes.Exact<{ [key: string]: never; }>;


export type ShopProfileQuery = { shop: Pick<AdminTypes.Shop, 'id' | 'name' | 'email' | 'contactEmail' | 'myshopifyDomain' | 'currencyCode' | 'ianaTimezone'> };

export type RunBulkQueryMutationVariables = AdminTypes.Exact<{
  query: AdminTypes.Scalars['String']['input'];
}>;


export type RunBulkQueryMutation = { bulkOperationRunQuery?: AdminTypes.Maybe<{ bulkOperation?: AdminTypes.Maybe<Pick<AdminTypes.BulkOperation, 'id' | 'status'>>, userErrors: Array<Pick<AdminTypes.BulkOperationUserError, 'field' | 'message'>> }> };

export type BulkOperationStatusQueryVariables = AdminTypes.Exact<{
  id: AdminTypes.Scalars['ID']['input'];
}>;


export type BulkOperationStatusQuery = { node?: AdminTypes.Maybe<Pick<AdminTypes.BulkOperation, 'id' | 'status' | 'errorCode' | 'objectCount' | 'url'>> };

export type HistoryCustomersQueryVariables = AdminTypes.Exact<{ [key: string]: never; }>;


export type HistoryCustomersQuery = { customers: { edges: Array<{ node: (
        Pick<AdminTypes.Customer, 'id' | 'firstName' | 'lastName' | 'phone' | 'state' | 'createdAt' | 'updatedAt'>
        & { defaultEmailAddress?: AdminTypes.Maybe<Pick<AdminTypes.CustomerEmailAddress, 'emailAddress' | 'marketingState' | 'marketingUpdatedAt'>>, defaultAddress?: AdminTypes.Maybe<Pick<AdminTypes.MailingAddress, 'address1' | 'zip' | 'countryCodeV2'>> }
      ) }> } };

export type HistoryOrdersQueryVariables = AdminTypes.Exact<{ [key: string]: never; }>;


export type HistoryOrdersQuery = { orders: { edges: Array<{ node: (
        Pick<AdminTypes.Order, 'id' | 'name' | 'email' | 'createdAt' | 'updatedAt' | 'cancelledAt' | 'cancelReason' | 'test' | 'displayFinancialStatus' | 'discountCodes'>
        & { customer?: AdminTypes.Maybe<Pick<AdminTypes.Customer, 'id'>>, subtotalPriceSet?: AdminTypes.Maybe<{ shopMoney: Pick<AdminTypes.MoneyV2, 'amount' | 'currencyCode'> }>, totalShippingPriceSet: { shopMoney: Pick<AdminTypes.MoneyV2, 'amount'> }, totalTaxSet?: AdminTypes.Maybe<{ shopMoney: Pick<AdminTypes.MoneyV2, 'amount'> }>, totalDiscountsSet?: AdminTypes.Maybe<{ shopMoney: Pick<AdminTypes.MoneyV2, 'amount'> }>, totalPriceSet: { shopMoney: Pick<AdminTypes.MoneyV2, 'amount'> }, currentSubtotalPriceSet: { shopMoney: Pick<AdminTypes.MoneyV2, 'amount'> }, currentShippingPriceSet: { shopMoney: Pick<AdminTypes.MoneyV2, 'amount'> }, currentTotalTaxSet: { shopMoney: Pick<AdminTypes.MoneyV2, 'amount'> }, refunds: Array<(
          Pick<AdminTypes.Refund, 'id' | 'createdAt'>
          & { totalRefundedSet: { shopMoney: Pick<AdminTypes.MoneyV2, 'amount'> } }
        )>, lineItems: { edges: Array<{ node: (
              Pick<AdminTypes.LineItem, 'id' | 'title' | 'quantity'>
              & { product?: AdminTypes.Maybe<Pick<AdminTypes.Product, 'id'>>, variant?: AdminTypes.Maybe<Pick<AdminTypes.ProductVariant, 'id'>>, originalUnitPriceSet: { shopMoney: Pick<AdminTypes.MoneyV2, 'amount'> }, totalDiscountSet: { shopMoney: Pick<AdminTypes.MoneyV2, 'amount'> } }
            ) }> } }
      ) }> } };

export type DiscountCodeBasicCreateMutationVariables = AdminTypes.Exact<{
  basicCodeDiscount: AdminTypes.DiscountCodeBasicInput;
}>;


export type DiscountCodeBasicCreateMutation = { discountCodeBasicCreate?: AdminTypes.Maybe<{ codeDiscountNode?: AdminTypes.Maybe<Pick<AdminTypes.DiscountCodeNode, 'id'>>, userErrors: Array<Pick<AdminTypes.DiscountUserError, 'field' | 'code' | 'message'>> }> };

export type FollowUpMarketingConsentQueryVariables = AdminTypes.Exact<{
  ids: Array<AdminTypes.Scalars['ID']['input']> | AdminTypes.Scalars['ID']['input'];
}>;


export type FollowUpMarketingConsentQuery = { nodes: Array<AdminTypes.Maybe<(
    Pick<AdminTypes.Customer, 'id'>
    & { defaultEmailAddress?: AdminTypes.Maybe<Pick<AdminTypes.CustomerEmailAddress, 'emailAddress' | 'marketingState' | 'marketingUpdatedAt'>> }
  )>> };

export type RewardFreeShippingCreateMutationVariables = AdminTypes.Exact<{
  freeShippingCodeDiscount: AdminTypes.DiscountCodeFreeShippingInput;
}>;


export type RewardFreeShippingCreateMutation = { discountCodeFreeShippingCreate?: AdminTypes.Maybe<{ codeDiscountNode?: AdminTypes.Maybe<Pick<AdminTypes.DiscountCodeNode, 'id'>>, userErrors: Array<Pick<AdminTypes.DiscountUserError, 'field' | 'code' | 'message'>> }> };

export type DiscountByCodeQueryVariables = AdminTypes.Exact<{
  code: AdminTypes.Scalars['String']['input'];
}>;


export type DiscountByCodeQuery = { codeDiscountNodeByCode?: AdminTypes.Maybe<Pick<AdminTypes.DiscountCodeNode, 'id'>> };

export type DiscountDeleteMutationVariables = AdminTypes.Exact<{
  id: AdminTypes.Scalars['ID']['input'];
}>;


export type DiscountDeleteMutation = { discountCodeDelete?: AdminTypes.Maybe<(
    Pick<AdminTypes.DiscountCodeDeletePayload, 'deletedCodeDiscountId'>
    & { userErrors: Array<Pick<AdminTypes.DiscountUserError, 'field' | 'code' | 'message'>> }
  )> };

export type RewardStoreCreditMutationVariables = AdminTypes.Exact<{
  id: AdminTypes.Scalars['ID']['input'];
  creditInput: AdminTypes.StoreCreditAccountCreditInput;
}>;


export type RewardStoreCreditMutation = { storeCreditAccountCredit?: AdminTypes.Maybe<{ storeCreditAccountTransaction?: AdminTypes.Maybe<(
      Pick<AdminTypes.StoreCreditAccountCreditTransaction, 'id' | 'expiresAt'>
      & { amount: Pick<AdminTypes.MoneyV2, 'amount' | 'currencyCode'>, account: (
        Pick<AdminTypes.StoreCreditAccount, 'id'>
        & { balance: Pick<AdminTypes.MoneyV2, 'amount' | 'currencyCode'> }
      ) }
    )>, userErrors: Array<Pick<AdminTypes.StoreCreditAccountCreditUserError, 'field' | 'code' | 'message'>> }> };

export type CustomerStoreCreditsQueryVariables = AdminTypes.Exact<{
  customerId: AdminTypes.Scalars['ID']['input'];
  query: AdminTypes.Scalars['String']['input'];
}>;


export type CustomerStoreCreditsQuery = { customer?: AdminTypes.Maybe<(
    Pick<AdminTypes.Customer, 'id'>
    & { storeCreditAccounts: { nodes: Array<(
        Pick<AdminTypes.StoreCreditAccount, 'id'>
        & { balance: Pick<AdminTypes.MoneyV2, 'amount' | 'currencyCode'>, transactions: { nodes: Array<(
            Pick<AdminTypes.StoreCreditAccountCreditTransaction, 'id' | 'expiresAt'>
            & { amount: Pick<AdminTypes.MoneyV2, 'amount' | 'currencyCode'> }
          )> } }
      )> } }
  )> };

export type StoreCreditDebitMutationVariables = AdminTypes.Exact<{
  id: AdminTypes.Scalars['ID']['input'];
  debitInput: AdminTypes.StoreCreditAccountDebitInput;
}>;


export type StoreCreditDebitMutation = { storeCreditAccountDebit?: AdminTypes.Maybe<{ storeCreditAccountTransaction?: AdminTypes.Maybe<Pick<AdminTypes.StoreCreditAccountDebitTransaction, 'id'>>, userErrors: Array<Pick<AdminTypes.StoreCreditAccountDebitUserError, 'field' | 'code' | 'message'>> }> };

export type RewardProductVariantQueryVariables = AdminTypes.Exact<{
  id: AdminTypes.Scalars['ID']['input'];
}>;


export type RewardProductVariantQuery = { productVariant?: AdminTypes.Maybe<(
    Pick<AdminTypes.ProductVariant, 'id' | 'title'>
    & { product: (
      Pick<AdminTypes.Product, 'id' | 'title'>
      & { featuredMedia?: AdminTypes.Maybe<{ preview?: AdminTypes.Maybe<{ image?: AdminTypes.Maybe<Pick<AdminTypes.Image, 'url' | 'altText'>> }> }> }
    ) }
  )> };

export type RewardProductChoicesQueryVariables = AdminTypes.Exact<{ [key: string]: never; }>;


export type RewardProductChoicesQuery = { products: { nodes: Array<(
      Pick<AdminTypes.Product, 'id' | 'title'>
      & { featuredMedia?: AdminTypes.Maybe<{ preview?: AdminTypes.Maybe<{ image?: AdminTypes.Maybe<Pick<AdminTypes.Image, 'url'>> }> }>, variants: { nodes: Array<Pick<AdminTypes.ProductVariant, 'id' | 'title'>> } }
    )> } };

export type CustomerMetafieldsDeleteMutationVariables = AdminTypes.Exact<{
  metafields: Array<AdminTypes.MetafieldIdentifierInput> | AdminTypes.MetafieldIdentifierInput;
}>;


export type CustomerMetafieldsDeleteMutation = { metafieldsDelete?: AdminTypes.Maybe<{ deletedMetafields?: AdminTypes.Maybe<Array<AdminTypes.Maybe<Pick<AdminTypes.MetafieldIdentifier, 'key' | 'namespace' | 'ownerId'>>>>, userErrors: Array<Pick<AdminTypes.UserError, 'field' | 'message'>> }> };

export type CustomerMetafieldsSetMutationVariables = AdminTypes.Exact<{
  metafields: Array<AdminTypes.MetafieldsSetInput> | AdminTypes.MetafieldsSetInput;
}>;


export type CustomerMetafieldsSetMutation = { metafieldsSet?: AdminTypes.Maybe<{ metafields?: AdminTypes.Maybe<Array<Pick<AdminTypes.Metafield, 'key' | 'namespace' | 'value'>>>, userErrors: Array<Pick<AdminTypes.MetafieldsSetUserError, 'field' | 'message' | 'code' | 'elementIndex'>> }> };

export type LoyaltyMetafieldDefinitionCreateMutationVariables = AdminTypes.Exact<{
  definition: AdminTypes.MetafieldDefinitionInput;
}>;


export type LoyaltyMetafieldDefinitionCreateMutation = { metafieldDefinitionCreate?: AdminTypes.Maybe<{ createdDefinition?: AdminTypes.Maybe<Pick<AdminTypes.MetafieldDefinition, 'id' | 'namespace' | 'key'>>, userErrors: Array<Pick<AdminTypes.MetafieldDefinitionCreateUserError, 'field' | 'message' | 'code'>> }> };

export type CustomerTagsAddMutationVariables = AdminTypes.Exact<{
  id: AdminTypes.Scalars['ID']['input'];
  tags: Array<AdminTypes.Scalars['String']['input']> | AdminTypes.Scalars['String']['input'];
}>;


export type CustomerTagsAddMutation = { tagsAdd?: AdminTypes.Maybe<{ userErrors: Array<Pick<AdminTypes.UserError, 'field' | 'message'>> }> };

export type CustomerTagsRemoveMutationVariables = AdminTypes.Exact<{
  id: AdminTypes.Scalars['ID']['input'];
  tags: Array<AdminTypes.Scalars['String']['input']> | AdminTypes.Scalars['String']['input'];
}>;


export type CustomerTagsRemoveMutation = { tagsRemove?: AdminTypes.Maybe<{ userErrors: Array<Pick<AdminTypes.UserError, 'field' | 'message'>> }> };

export type FlowTriggerReceiveMutationVariables = AdminTypes.Exact<{
  handle: AdminTypes.Scalars['String']['input'];
  payload: AdminTypes.Scalars['JSON']['input'];
}>;


export type FlowTriggerReceiveMutation = { flowTriggerReceive?: AdminTypes.Maybe<{ userErrors: Array<Pick<AdminTypes.UserError, 'field' | 'message'>> }> };

interface GeneratedQueryTypes {
  "#graphql\n  query ShopProfile {\n    shop {\n      id\n      name\n      email\n      contactEmail\n      myshopifyDomain\n      currencyCode\n      ianaTimezone\n    }\n  }\n": {return: ShopProfileQuery, variables: ShopProfileQueryVariables},
  "#graphql\n  query BulkOperationStatus($id: ID!) {\n    node(id: $id) {\n      ... on BulkOperation {\n        id\n        status\n        errorCode\n        objectCount\n        url\n      }\n    }\n  }\n": {return: BulkOperationStatusQuery, variables: BulkOperationStatusQueryVariables},
  "#graphql\n  query HistoryCustomers {\n    customers {\n      edges {\n        node {\n          id\n          firstName\n          lastName\n          phone\n          state\n          createdAt\n          updatedAt\n          defaultEmailAddress {\n            emailAddress\n            marketingState\n            marketingUpdatedAt\n          }\n          defaultAddress {\n            address1\n            zip\n            countryCodeV2\n          }\n        }\n      }\n    }\n  }\n": {return: HistoryCustomersQuery, variables: HistoryCustomersQueryVariables},
  "#graphql\n  query HistoryOrders {\n    orders {\n      edges {\n        node {\n          id\n          name\n          email\n          createdAt\n          updatedAt\n          cancelledAt\n          cancelReason\n          test\n          displayFinancialStatus\n          discountCodes\n          customer {\n            id\n          }\n          subtotalPriceSet {\n            shopMoney {\n              amount\n              currencyCode\n            }\n          }\n          totalShippingPriceSet {\n            shopMoney {\n              amount\n            }\n          }\n          totalTaxSet {\n            shopMoney {\n              amount\n            }\n          }\n          totalDiscountsSet {\n            shopMoney {\n              amount\n            }\n          }\n          totalPriceSet {\n            shopMoney {\n              amount\n            }\n          }\n          currentSubtotalPriceSet {\n            shopMoney {\n              amount\n            }\n          }\n          currentShippingPriceSet {\n            shopMoney {\n              amount\n            }\n          }\n          currentTotalTaxSet {\n            shopMoney {\n              amount\n            }\n          }\n          refunds {\n            id\n            createdAt\n            totalRefundedSet {\n              shopMoney {\n                amount\n              }\n            }\n          }\n          lineItems {\n            edges {\n              node {\n                id\n                title\n                quantity\n                product {\n                  id\n                }\n                variant {\n                  id\n                }\n                originalUnitPriceSet {\n                  shopMoney {\n                    amount\n                  }\n                }\n                totalDiscountSet {\n                  shopMoney {\n                    amount\n                  }\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": {return: HistoryOrdersQuery, variables: HistoryOrdersQueryVariables},
  "#graphql\n  query FollowUpMarketingConsent($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      ... on Customer {\n        id\n        defaultEmailAddress {\n          emailAddress\n          marketingState\n          marketingUpdatedAt\n        }\n      }\n    }\n  }\n": {return: FollowUpMarketingConsentQuery, variables: FollowUpMarketingConsentQueryVariables},
  "#graphql\n  query DiscountByCode($code: String!) {\n    codeDiscountNodeByCode(code: $code) {\n      id\n    }\n  }\n": {return: DiscountByCodeQuery, variables: DiscountByCodeQueryVariables},
  "#graphql\n  query CustomerStoreCredits($customerId: ID!, $query: String!) {\n    customer(id: $customerId) {\n      id\n      storeCreditAccounts(first: 10) {\n        nodes {\n          id\n          balance {\n            amount\n            currencyCode\n          }\n          transactions(first: 25, query: $query) {\n            nodes {\n              ... on StoreCreditAccountCreditTransaction {\n                id\n                expiresAt\n                amount {\n                  amount\n                  currencyCode\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": {return: CustomerStoreCreditsQuery, variables: CustomerStoreCreditsQueryVariables},
  "#graphql\n  query RewardProductVariant($id: ID!) {\n    productVariant(id: $id) {\n      id\n      title\n      product {\n        id\n        title\n        featuredMedia {\n          preview {\n            image {\n              url\n              altText\n            }\n          }\n        }\n      }\n    }\n  }\n": {return: RewardProductVariantQuery, variables: RewardProductVariantQueryVariables},
  "#graphql\n  query RewardProductChoices {\n    products(first: 40, sortKey: TITLE, query: \"status:active\") {\n      nodes {\n        id\n        title\n        featuredMedia {\n          preview {\n            image {\n              url\n            }\n          }\n        }\n        variants(first: 8) {\n          nodes {\n            id\n            title\n          }\n        }\n      }\n    }\n  }\n": {return: RewardProductChoicesQuery, variables: RewardProductChoicesQueryVariables},
}

interface GeneratedMutationTypes {
  "#graphql\n  mutation RunBulkQuery($query: String!) {\n    bulkOperationRunQuery(query: $query) {\n      bulkOperation {\n        id\n        status\n      }\n      userErrors {\n        field\n        message\n      }\n    }\n  }\n": {return: RunBulkQueryMutation, variables: RunBulkQueryMutationVariables},
  "#graphql\n  mutation DiscountCodeBasicCreate($basicCodeDiscount: DiscountCodeBasicInput!) {\n    discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {\n      codeDiscountNode {\n        id\n      }\n      userErrors {\n        field\n        code\n        message\n      }\n    }\n  }\n": {return: DiscountCodeBasicCreateMutation, variables: DiscountCodeBasicCreateMutationVariables},
  "#graphql\n  mutation RewardFreeShippingCreate($freeShippingCodeDiscount: DiscountCodeFreeShippingInput!) {\n    discountCodeFreeShippingCreate(freeShippingCodeDiscount: $freeShippingCodeDiscount) {\n      codeDiscountNode {\n        id\n      }\n      userErrors {\n        field\n        code\n        message\n      }\n    }\n  }\n": {return: RewardFreeShippingCreateMutation, variables: RewardFreeShippingCreateMutationVariables},
  "#graphql\n  mutation DiscountDelete($id: ID!) {\n    discountCodeDelete(id: $id) {\n      deletedCodeDiscountId\n      userErrors {\n        field\n        code\n        message\n      }\n    }\n  }\n": {return: DiscountDeleteMutation, variables: DiscountDeleteMutationVariables},
  "#graphql\n  mutation RewardStoreCredit($id: ID!, $creditInput: StoreCreditAccountCreditInput!) {\n    storeCreditAccountCredit(id: $id, creditInput: $creditInput) {\n      storeCreditAccountTransaction {\n        id\n        expiresAt\n        amount {\n          amount\n          currencyCode\n        }\n        account {\n          id\n          balance {\n            amount\n            currencyCode\n          }\n        }\n      }\n      userErrors {\n        field\n        code\n        message\n      }\n    }\n  }\n": {return: RewardStoreCreditMutation, variables: RewardStoreCreditMutationVariables},
  "#graphql\n  mutation StoreCreditDebit($id: ID!, $debitInput: StoreCreditAccountDebitInput!) {\n    storeCreditAccountDebit(id: $id, debitInput: $debitInput) {\n      storeCreditAccountTransaction {\n        id\n      }\n      userErrors {\n        field\n        code\n        message\n      }\n    }\n  }\n": {return: StoreCreditDebitMutation, variables: StoreCreditDebitMutationVariables},
  "#graphql\n  mutation CustomerMetafieldsDelete($metafields: [MetafieldIdentifierInput!]!) {\n    metafieldsDelete(metafields: $metafields) {\n      deletedMetafields {\n        key\n        namespace\n        ownerId\n      }\n      userErrors {\n        field\n        message\n      }\n    }\n  }\n": {return: CustomerMetafieldsDeleteMutation, variables: CustomerMetafieldsDeleteMutationVariables},
  "#graphql\n  mutation CustomerMetafieldsSet($metafields: [MetafieldsSetInput!]!) {\n    metafieldsSet(metafields: $metafields) {\n      metafields {\n        key\n        namespace\n        value\n      }\n      userErrors {\n        field\n        message\n        code\n        elementIndex\n      }\n    }\n  }\n": {return: CustomerMetafieldsSetMutation, variables: CustomerMetafieldsSetMutationVariables},
  "#graphql\n  mutation LoyaltyMetafieldDefinitionCreate($definition: MetafieldDefinitionInput!) {\n    metafieldDefinitionCreate(definition: $definition) {\n      createdDefinition {\n        id\n        namespace\n        key\n      }\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": {return: LoyaltyMetafieldDefinitionCreateMutation, variables: LoyaltyMetafieldDefinitionCreateMutationVariables},
  "#graphql\n  mutation CustomerTagsAdd($id: ID!, $tags: [String!]!) {\n    tagsAdd(id: $id, tags: $tags) {\n      userErrors {\n        field\n        message\n      }\n    }\n  }\n": {return: CustomerTagsAddMutation, variables: CustomerTagsAddMutationVariables},
  "#graphql\n  mutation CustomerTagsRemove($id: ID!, $tags: [String!]!) {\n    tagsRemove(id: $id, tags: $tags) {\n      userErrors {\n        field\n        message\n      }\n    }\n  }\n": {return: CustomerTagsRemoveMutation, variables: CustomerTagsRemoveMutationVariables},
  "#graphql\n  mutation FlowTriggerReceive($handle: String!, $payload: JSON!) {\n    flowTriggerReceive(handle: $handle, payload: $payload) {\n      userErrors {\n        field\n        message\n      }\n    }\n  }\n": {return: FlowTriggerReceiveMutation, variables: FlowTriggerReceiveMutationVariables},
}
declare module '@shopify/admin-api-client' {
  type InputMaybe<T> = AdminTypes.InputMaybe<T>;
  interface AdminQueries extends GeneratedQueryTypes {}
  interface AdminMutations extends GeneratedMutationTypes {}
}
