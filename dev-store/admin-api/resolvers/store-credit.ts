/**
 * Store credit: storeCreditAccountCredit/Debit with Shopify's userErrors, a customer's
 * storeCreditAccounts (one account per currency, opened by the first credit) and their transactions,
 * searchable by type, expiry and id as Shopify documents.
 */
import { legacyResourceId, parseGid } from "../../store/gid";
import { toMinorUnits } from "../../store/money";
import type { StoreCreditAccountRecord, StoreCreditTransactionRecord } from "../../store/records";
import { toShopifyDateTime } from "../../store/shop-data";
import { paginate } from "../connection";
import { matchesDate, matchesNumber, matchesText, type SearchFields } from "../search-syntax";
import type { AdminContext, ResolverMap } from "./resolver-types";
import { moneyV2, searchConnection, type UserError } from "./values";

interface MoneyInput {
  amount: string;
  currencyCode: string;
}

interface TransactionView {
  account: StoreCreditAccountRecord;
  transaction: StoreCreditTransactionRecord;
}

const transactionSearch: SearchFields<TransactionView> = {
  fields: {
    id: ({ transaction }, term) => matchesNumber(legacyResourceId(transaction.id), term),
    type: ({ transaction }, term) => matchesText(transaction.kind, term),
    expires_at: ({ transaction }, term) => matchesDate(transaction.expiresAt, term),
    created_at: ({ transaction }, term) => matchesDate(transaction.createdAt, term),
  },
  text: () => false,
};

/** The account an id names: the account itself, or the owner's account in `currencyCode` (opened on a credit). */
function accountFor(id: string, context: AdminContext): { account?: StoreCreditAccountRecord; ownerId?: string; error?: UserError } {
  const parsed = parseGid(id);
  if (parsed?.type === "StoreCreditAccount") {
    const account = context.store.storeCreditAccount(id);
    return account ? { account } : { error: { field: ["id"], message: "Store credit account does not exist", code: "ACCOUNT_NOT_FOUND" } };
  }
  if (parsed?.type === "Customer" && context.store.customer(id)) return { ownerId: id };
  return { error: { field: ["id"], message: "Owner does not exist", code: "OWNER_NOT_FOUND" } };
}

/** The amount in minor units, or the userError Shopify gives for it. */
function readAmount(money: MoneyInput, field: string[], context: AdminContext): { minor: number } | { error: UserError } {
  let minor: number;
  try {
    minor = toMinorUnits(money.amount, money.currencyCode);
  } catch {
    return { error: { field: [...field, "amount"], message: `Amount is not a valid ${money.currencyCode} amount`, code: null } };
  }
  if (minor <= 0) return { error: { field: [...field, "amount"], message: "A positive amount must be used.", code: "NEGATIVE_OR_ZERO_AMOUNT" } };
  if (money.currencyCode !== context.store.shop.currencyCode) {
    return { error: { field: [...field, "currencyCode"], message: "The currency provided is not currently supported.", code: "UNSUPPORTED_CURRENCY" } };
  }
  return { minor };
}

const payload = (transaction: TransactionView | null, userErrors: UserError[]) => ({ storeCreditAccountTransaction: transaction, userErrors });

export const storeCreditResolvers: ResolverMap = {
  Mutation: {
    storeCreditAccountCredit: (_root, args: { id: string; creditInput: { creditAmount: MoneyInput; expiresAt?: string | null; notify?: boolean | null } }, context) => {
      const target = accountFor(args.id, context);
      if (target.error) return payload(null, [target.error]);
      const amount = readAmount(args.creditInput.creditAmount, ["creditInput", "creditAmount"], context);
      if ("error" in amount) return payload(null, [amount.error]);
      const currencyCode = args.creditInput.creditAmount.currencyCode;
      if (target.account && target.account.currencyCode !== currencyCode) {
        return payload(null, [{ field: ["creditInput", "creditAmount", "currencyCode"], message: "The currency provided does not match the currency of the store credit account.", code: "MISMATCHING_CURRENCY" }]);
      }
      const expiresAt = args.creditInput.expiresAt ?? null;
      if (expiresAt !== null && new Date(expiresAt) <= context.now()) {
        return payload(null, [{ field: ["creditInput", "expiresAt"], message: "The expiry date must be in the future.", code: "EXPIRES_AT_IN_PAST" }]);
      }
      const ownerId = target.account?.ownerId ?? target.ownerId!;
      const transaction = context.store.creditStoreCredit(ownerId, { amount: amount.minor, currencyCode, expiresAt: expiresAt === null ? null : toShopifyDateTime(expiresAt) }, toShopifyDateTime(context.now()));
      const account = context.store.storeCreditAccountsOf(ownerId).find((candidate) => candidate.currencyCode === currencyCode)!;
      return payload({ account, transaction }, []);
    },
    storeCreditAccountDebit: (_root, args: { id: string; debitInput: { debitAmount: MoneyInput } }, context) => {
      const target = accountFor(args.id, context);
      if (target.error) return payload(null, [{ ...target.error, code: "ACCOUNT_NOT_FOUND" }]);
      const currencyCode = args.debitInput.debitAmount.currencyCode;
      const account = target.account ?? context.store.storeCreditAccountsOf(target.ownerId!).find((candidate) => candidate.currencyCode === currencyCode);
      if (!account) return payload(null, [{ field: ["id"], message: "Store credit account does not exist", code: "ACCOUNT_NOT_FOUND" }]);
      const amount = readAmount(args.debitInput.debitAmount, ["debitInput", "debitAmount"], context);
      if ("error" in amount) return payload(null, [amount.error.code === "UNSUPPORTED_CURRENCY" ? { ...amount.error, code: "MISMATCHING_CURRENCY" } : amount.error]);
      if (account.currencyCode !== currencyCode) {
        return payload(null, [{ field: ["debitInput", "debitAmount", "currencyCode"], message: "The currency provided does not match the currency of the store credit account.", code: "MISMATCHING_CURRENCY" }]);
      }
      if (amount.minor > account.balance) {
        return payload(null, [{ field: ["debitInput", "debitAmount", "amount"], message: "The store credit account does not have sufficient funds.", code: "INSUFFICIENT_FUNDS" }]);
      }
      const transaction = context.store.debitStoreCredit(account.id, amount.minor, null, toShopifyDateTime(context.now()));
      return payload({ account, transaction }, []);
    },
  },
  StoreCreditAccountCreditPayload: {
    storeCreditAccountTransaction: (value: ReturnType<typeof payload>) => value.storeCreditAccountTransaction,
    userErrors: (value: ReturnType<typeof payload>) => value.userErrors,
  },
  StoreCreditAccountDebitPayload: {
    storeCreditAccountTransaction: (value: ReturnType<typeof payload>) => value.storeCreditAccountTransaction,
    userErrors: (value: ReturnType<typeof payload>) => value.userErrors,
  },
  StoreCreditAccountCreditUserError: {
    field: (error: UserError) => error.field,
    message: (error: UserError) => error.message,
    code: (error: UserError) => error.code ?? null,
  },
  StoreCreditAccountDebitUserError: {
    field: (error: UserError) => error.field,
    message: (error: UserError) => error.message,
    code: (error: UserError) => error.code ?? null,
  },
  Customer: {
    storeCreditAccounts: (customer: { id: string }, args, context, info) =>
      paginate(context.store.storeCreditAccountsOf(customer.id), args, { sortValue: (account) => legacyResourceId(account.id), id: (account) => account.id, bulk: context.bulk, fieldName: info.fieldName }),
  },
  StoreCreditAccount: {
    id: (account: StoreCreditAccountRecord) => account.id,
    balance: (account: StoreCreditAccountRecord) => moneyV2(account.balance, account.currencyCode),
    owner: (account: StoreCreditAccountRecord, _args, context) => context.store.customer(account.ownerId) ?? null,
    transactions: (account: StoreCreditAccountRecord, args, context, info) => {
      const views = account.transactions.map((transaction) => ({ __typename: typename(transaction), account, transaction, id: transaction.id }));
      const ordered = args.reverse ? [...views].reverse() : views;
      return searchConnection(ordered, args, context, info, { search: transactionSearch, sortValue: (view) => (args.reverse ? -1 : 1) * legacyResourceId(view.id), id: (view) => view.id });
    },
  },
  StoreCreditAccountCreditTransaction: transactionFields(),
  StoreCreditAccountDebitTransaction: transactionFields(),
};

function typename(transaction: StoreCreditTransactionRecord): string {
  return transaction.kind === "credit" ? "StoreCreditAccountCreditTransaction" : "StoreCreditAccountDebitTransaction";
}

function transactionFields() {
  return {
    id: ({ transaction }: TransactionView) => transaction.id,
    account: ({ account }: TransactionView) => account,
    // A debit's amount is negative, as Shopify shows it.
    amount: ({ account, transaction }: TransactionView) => moneyV2(transaction.kind === "credit" ? transaction.amount : -transaction.amount, account.currencyCode),
    balanceAfterTransaction: ({ account, transaction }: TransactionView) => moneyV2(transaction.balanceAfter, account.currencyCode),
    createdAt: ({ transaction }: TransactionView) => transaction.createdAt,
    expiresAt: ({ transaction }: TransactionView) => transaction.expiresAt,
    event: ({ transaction }: TransactionView) => (transaction.orderId ? "ORDER_PAYMENT" : "ADJUSTMENT"),
    origin: () => null,
  };
}
