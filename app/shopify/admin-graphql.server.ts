/**
 * Sends Admin GraphQL operations and copes with Shopify's answers: cost-based throttling is retried
 * after the wait the bucket asks for, any other error is raised with Shopify's own messages.
 *
 * Shopify meters an app's calls to a shop with one bucket, shared by everything the app does there.
 * Background work (Shopify writes, consent look-ups) passes BACKGROUND: it leaves SHOPPER_RESERVE of
 * the bucket to what a person is waiting on (a shopper's reward code, the merchant's page), pausing
 * whenever an answer shows less than that left. It loses nothing over time (the bucket restores at the
 * same rate either way), and a shopper's call finds room at once instead of losing the race with it.
 *
 * Each operation's variables and result are typed from the real Admin schema: `npm run graphql-codegen`
 * (@shopify/api-codegen-preset) writes app/types/admin.generated.d.ts from the `#graphql` operations in
 * operations.ts, keyed by their exact text. An operation changed without regenerating is not a key
 * there, and the call does not typecheck.
 */
import type { AdminMutations, AdminQueries } from "@shopify/admin-api-client";

import type {} from "../types/admin.generated";

/** The generated operations only: the library's interfaces also take any string, typed `any`. */
type Generated<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
type AdminOperations = Generated<AdminQueries> & Generated<AdminMutations>;

/** The text of an Admin operation in operations.ts, as generated. */
export type AdminOperation = keyof AdminOperations & string;
/** The operation's `data`, as the schema says Shopify answers it. */
export type AdminResult<Op extends AdminOperation> = AdminOperations[Op]["return"];
export type AdminVariables<Op extends AdminOperation> = AdminOperations[Op]["variables"];

/** `admin.graphql` from authenticate.admin / unauthenticated.admin, or a test's stand-in. */
export type AdminGraphql = (
  operation: string,
  options?: { variables?: Record<string, unknown>; signal?: AbortSignal },
) => Promise<Response>;

interface GraphqlError {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

interface GraphqlBody<TData> {
  data?: TData;
  errors?: GraphqlError[];
  extensions?: { cost?: { requestedQueryCost?: number; throttleStatus?: ThrottleStatus } };
}

interface ClientAnswer<TData> {
  data?: TData;
  errors?: { graphQLErrors?: GraphqlError[] };
  extensions?: GraphqlBody<TData>["extensions"];
}

export class AdminApiError extends Error {
  constructor(
    message: string,
    public readonly errors: GraphqlError[],
  ) {
    super(message);
    this.name = "AdminApiError";
  }
}

export interface AdminQueryOptions<Variables = Record<string, unknown>> {
  variables?: Variables;
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Gives up on the request (a timeout): the caller cannot know whether Shopify acted on it. */
  signal?: AbortSignal;
  /** The share of the bucket (0 to 1) this call leaves to others: BACKGROUND for work nobody waits on. */
  reserve?: number;
}

/** The share of the shop's bucket background work leaves to calls a person waits on. */
export const SHOPPER_RESERVE = 0.25;
/** adminQuery's options for work nobody waits on. */
export const BACKGROUND = { reserve: SHOPPER_RESERVE } as const;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs one operation and returns its `data`, waiting out THROTTLED answers. */
export async function adminQuery<Op extends AdminOperation>(
  graphql: AdminGraphql,
  operation: Op,
  { variables, maxAttempts = 5, sleep = defaultSleep, signal, reserve = 0 }: AdminQueryOptions<AdminVariables<Op>> = {},
): Promise<AdminResult<Op>> {
  type TData = AdminResult<Op>;
  for (let attempt = 1; ; attempt++) {
    const body = await send<TData>(graphql, operation, variables as Record<string, unknown> | undefined, signal);
    const errors = errorList(body.errors);
    const throttled = errors.some((error) => error.extensions?.code === "THROTTLED");
    if (throttled && attempt < maxAttempts) {
      await sleep(throttleWaitMs(body.extensions?.cost, attempt, reserve));
      continue;
    }
    if (errors.length > 0 || body.data === undefined) {
      throw new AdminApiError(
        `Admin API: ${errors.map((error) => error.message).join("; ") || "no data in the answer"}`,
        errors,
      );
    }
    const refill = reserveWaitMs(body.extensions?.cost?.throttleStatus, reserve);
    if (refill > 0) await sleep(refill);
    return body.data;
  }
}

/** How long until the bucket holds `reserve` of itself again (0 when it does, or when Shopify did not say). */
export function reserveWaitMs(status: ThrottleStatus | undefined, reserve: number): number {
  if (!status || reserve <= 0 || status.restoreRate <= 0) return 0;
  const missing = reserve * status.maximumAvailable - status.currentlyAvailable;
  return missing > 0 ? Math.ceil((missing / status.restoreRate) * 1000) : 0;
}

/** Shopify answers GraphQL errors as a list, and auth or routing failures (401, 404) as one string. */
function errorList(errors: GraphqlBody<unknown>["errors"] | string | undefined): GraphqlError[] {
  if (typeof errors === "string") return [{ message: errors }];
  return errors ?? [];
}

/**
 * How long until the bucket holds what the operation asked for, above the share the caller leaves to
 * others (with a floor, growing per attempt).
 */
export function throttleWaitMs(
  cost: { requestedQueryCost?: number; throttleStatus?: ThrottleStatus } | undefined,
  attempt: number,
  reserve = 0,
): number {
  const status = cost?.throttleStatus;
  const fallback = 1000 * 2 ** (attempt - 1);
  if (!status || !cost?.requestedQueryCost || status.restoreRate <= 0) return fallback;
  const missing = cost.requestedQueryCost + reserve * status.maximumAvailable - status.currentlyAvailable;
  return Math.max(100, Math.ceil((missing / status.restoreRate) * 1000));
}

async function send<TData>(
  graphql: AdminGraphql,
  operation: string,
  variables: Record<string, unknown> | undefined,
  signal?: AbortSignal,
): Promise<GraphqlBody<TData>> {
  try {
    const response = await graphql(operation, variables || signal ? { ...(variables ? { variables } : {}), ...(signal ? { signal } : {}) } : undefined);
    return (await response.json()) as GraphqlBody<TData>;
  } catch (error) {
    // @shopify/shopify-api raises GraphQL errors (THROTTLED among them) as GraphqlQueryError,
    // carrying the client's answer: { data, errors: { graphQLErrors }, extensions }.
    const body = (error as { body?: ClientAnswer<TData> }).body;
    if (body?.errors?.graphQLErrors) {
      return { data: body.data, errors: body.errors.graphQLErrors, extensions: body.extensions };
    }
    throw error;
  }
}
