/**
 * POST /admin/api/{version}/graphql.json, as Shopify answers it: token auth, the real schema, graphql-ruby
 * style validation errors, access scopes, calculated query cost with a leaky bucket, and `extensions.cost`
 * on every answer. Also serves finished bulk operation files (GET /bulk-operations/{id}.jsonl).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import { GraphQLError, Kind, getVariableValues, parse, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";

import type { DevStoreConfig } from "../config";
import { authenticateAccessToken } from "../oauth/access-tokens";
import type { ShopData } from "../store/shop-data";
import { adminSchema, type AdminSchema } from "./admin-schema";
import { BulkQueryRunner } from "./bulk-query-runner";
import { readFlowTriggers } from "./flow-triggers";
import { CostBucket, SINGLE_QUERY_MAX_COST, STANDARD_BUCKET, type ThrottleStatus } from "./cost-bucket";
import { executeOperation, unimplementedFieldErrors } from "./execute-operation";
import { RequestBodyTooLargeError, requestUrl, sendJson, type DevStoreRequestHandler } from "../http";
import { readBody, requestedShop, sendShopNotFound } from "./http";
import { coerceVariables, syntaxError, validationErrors, type ShopifyGraphQLError } from "./operation-errors";
import { requestedQueryCost } from "./query-cost";
import type { AdminContext } from "./resolvers/resolver-types";

export interface AdminApiHandlerOptions {
  store: ShopData;
  config: Pick<DevStoreConfig, "shop" | "apiKey" | "throttle"> & Partial<Pick<DevStoreConfig, "appTomlPath">>;
  /** The clock for token expiry and the cost bucket; tests move it by hand. */
  now?: () => Date;
}

export interface AdminApiHandler extends DevStoreRequestHandler {
  /** Resolves when a bulk operation has finished. */
  bulkOperationFinished(operationId: string): Promise<void>;
  /** Makes the next `times` operations that select the root field `field` fail as Shopify can (tests). */
  injectFault(fault: AdminApiFault): void;
  /** Disarms every injected fault not yet used up. */
  clearFaults(): void;
  /** The app's cost bucket now, as Shopify reports it in each answer's `extensions.cost.throttleStatus`. */
  bucketStatus(): ThrottleStatus;
}

/**
 * How Shopify fails a request, for tests of the app's recovery:
 * - internal-error: Shopify's INTERNAL_SERVER_ERROR answer; nothing was done;
 * - lose-answer: the operation runs, then the connection drops before the answer is sent;
 * - hang: no answer for `hangMs`, then the connection drops; nothing was done;
 * - answer-late: the operation runs and is answered only after `hangMs` (a caller may have given up);
 * - throttled: Shopify's THROTTLED answer, as if the bucket were short of this operation's cost; nothing was done.
 */
export interface AdminApiFault {
  field: string;
  kind: "internal-error" | "lose-answer" | "hang" | "answer-late" | "throttled";
  hangMs?: number;
  times?: number;
}

const GRAPHQL_PATH = /^\/admin\/api\/([^/]+)\/graphql\.json$/;
const BULK_RESULT_PATH = /^\/bulk-operations\/(\d+)\.jsonl$/;

const INVALID_TOKEN = { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" };

interface GraphQLRequestBody {
  query: string;
  variables: Record<string, unknown>;
  operationName: string | null;
}

function parseRequestBody(text: string): GraphQLRequestBody | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (!body || typeof body !== "object") return null;
  const { query, variables, operationName } = body as Record<string, unknown>;
  if (typeof query !== "string" || query.trim() === "") return null;
  const parsedVariables = typeof variables === "string" ? (JSON.parse(variables || "{}") as unknown) : variables;
  if (parsedVariables !== undefined && parsedVariables !== null && (typeof parsedVariables !== "object" || Array.isArray(parsedVariables))) return null;
  return { query, variables: (parsedVariables as Record<string, unknown> | null) ?? {}, operationName: typeof operationName === "string" ? operationName : null };
}

function selectOperation(document: DocumentNode, operationName: string | null): OperationDefinitionNode | ShopifyGraphQLError {
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (operationName) {
    return operations.find((operation) => operation.name?.value === operationName) ?? { message: `No operation named "${operationName}"` };
  }
  if (operations.length === 1) return operations[0];
  return { message: "An operation name is required" };
}

export function createAdminApiHandler({ store, config, now = () => new Date() }: AdminApiHandlerOptions): AdminApiHandler {
  // One bucket per app and shop; the dev store hosts one of each.
  const bucket = new CostBucket(config.throttle ?? STANDARD_BUCKET, now);
  const flowTriggers = readFlowTriggers(config.appTomlPath);
  const faults: (AdminApiFault & { times: number })[] = [];
  const bulkQueries = new BulkQueryRunner((schema, document, operation, context) => executeOperation(schema.schema, document, operation, {}, context));

  const costExtension = (requested: number, actual: number | null, throttleStatus: ThrottleStatus = bucket.status()) => ({
    cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus },
  });

  async function answerGraphQL(request: IncomingMessage, response: ServerResponse, schema: AdminSchema): Promise<void> {
    const headers = { "X-Request-Id": randomUUID(), "X-Shopify-API-Version": schema.version };
    const reply = (status: number, body: unknown): void => void sendJson(response, status, body, headers);

    const tokenHeader = request.headers["x-shopify-access-token"];
    const token = typeof tokenHeader === "string" ? authenticateAccessToken(store, tokenHeader, now()) : null;
    const installation = store.installation;
    if (!token || !installation) return reply(401, INVALID_TOKEN);

    let text: string;
    try {
      text = await readBody(request);
    } catch (error) {
      if (error instanceof RequestBodyTooLargeError) return reply(413, { errors: "Request body too large" });
      throw error;
    }
    const body = parseRequestBody(text);
    if (!body) return reply(400, { errors: { query: "Required parameter missing or invalid" } });

    let document: DocumentNode;
    try {
      document = parse(body.query);
    } catch (error) {
      return reply(200, { errors: [syntaxError(error as GraphQLError)] });
    }
    const invalid = validationErrors(schema.schema, document);
    if (invalid.length > 0) return reply(200, { errors: invalid });
    const operation = selectOperation(document, body.operationName);
    if (!("kind" in operation)) return reply(200, { errors: [operation] });
    if (operation.operation === "subscription") return reply(200, { errors: [{ message: "Subscriptions are not supported" }] });
    const variableErrors = coerceVariables(schema.schema, operation, body.variables).errors;
    if (variableErrors.length > 0) return reply(200, { errors: variableErrors });
    const unimplemented = unimplementedFieldErrors(schema.schema, document, operation);
    if (unimplemented.length > 0) return reply(200, { errors: unimplemented });

    const coerced = getVariableValues(schema.schema, operation.variableDefinitions ?? [], body.variables);
    const variables = coerced.coerced ?? {};
    const fragments = new Map(document.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]));
    const requested = requestedQueryCost(schema.schema, operation, fragments, variables);
    if (requested > SINGLE_QUERY_MAX_COST) {
      return reply(200, {
        errors: [{
          message: `Query cost is ${requested}, which exceeds the single query max cost limit (${SINGLE_QUERY_MAX_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n`,
          extensions: { code: "MAX_COST_EXCEEDED", cost: requested, maxCost: SINGLE_QUERY_MAX_COST, documentation: "https://shopify.dev/api/usage/limits#rate-limits" },
        }],
        extensions: costExtension(requested, null),
      });
    }
    if (!bucket.take(requested)) {
      return reply(200, {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
        extensions: costExtension(requested, null),
      });
    }

    const rootFields = operation.selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : []));
    const fault = faults.find((candidate) => candidate.times > 0 && rootFields.includes(candidate.field));
    if (fault) fault.times -= 1;
    if (fault?.kind === "internal-error") {
      const requestId = headers["X-Request-Id"];
      return reply(200, {
        errors: [{ message: `Internal error. Looks like something went wrong on our end.\nRequest ID: ${requestId} (include this in support requests).`, extensions: { code: "INTERNAL_SERVER_ERROR", requestId } }],
      });
    }
    if (fault?.kind === "throttled") {
      bucket.refund(requested);
      const status = bucket.status();
      // Short of a tenth of a second's restore: a caller that waits as told tries again soon.
      const throttleStatus = { ...status, currentlyAvailable: Math.max(0, requested - Math.ceil(status.restoreRate / 10)) };
      return reply(200, {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
        extensions: costExtension(requested, null, throttleStatus),
      });
    }
    if (fault?.kind === "answer-late") await new Promise((resolve) => setTimeout(resolve, fault.hangMs ?? 30_000));
    if (fault?.kind === "hang") {
      await new Promise((resolve) => setTimeout(resolve, fault.hangMs ?? 30_000));
      response.destroy();
      return;
    }

    const forwardedProto = request.headers["x-forwarded-proto"];
    const context: AdminContext = {
      store,
      schema,
      scopes: token.token.scope.split(","),
      appApiKey: installation.apiKey,
      now,
      bulk: false,
      origin: `${typeof forwardedProto === "string" ? forwardedProto : "http"}://${request.headers.host ?? "localhost"}`,
      bulkOperations: bulkQueries,
      searchWarnings: [],
      flowTriggers,
      actualCost: 0,
    };
    const result = await executeOperation(schema.schema, document, operation, variables, context);
    if (fault?.kind === "lose-answer") {
      response.destroy();
      return;
    }
    const actual = Math.min(requested, context.actualCost);
    bucket.refund(requested - actual);
    reply(200, {
      ...(result.errors ? { errors: result.errors.map((error) => error.toJSON()) } : {}),
      data: result.data ?? null,
      extensions: {
        ...costExtension(requested, actual),
        ...(context.searchWarnings.length > 0 ? { search: context.searchWarnings } : {}),
      },
    });
  }

  const handler = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const path = requestUrl(request).pathname;
    const bulkResult = BULK_RESULT_PATH.exec(path);
    if (bulkResult && request.method === "GET") {
      const file = bulkQueries.result(`gid://shopify/BulkOperation/${bulkResult[1]}`);
      if (file === undefined) sendJson(response, 404, { errors: "Not Found" });
      else {
        response.writeHead(200, { "Content-Type": "application/jsonl", "Content-Length": Buffer.byteLength(file) });
        response.end(file);
      }
      return true;
    }
    const graphql = GRAPHQL_PATH.exec(path);
    if (!graphql) return false;
    if (requestedShop(request) !== config.shop) {
      sendShopNotFound(response);
      return true;
    }
    const schema = adminSchema(graphql[1]);
    if (!schema) {
      sendJson(response, 404, { errors: "Not Found" });
      return true;
    }
    if (request.method !== "POST") {
      sendJson(response, 405, { errors: "Method Not Allowed" }, { Allow: "POST" });
      return true;
    }
    await answerGraphQL(request, response, schema);
    return true;
  };
  return Object.assign(handler, {
    bulkOperationFinished: (operationId: string) => bulkQueries.finished(operationId),
    injectFault: (fault: AdminApiFault) => void faults.push({ ...fault, times: fault.times ?? 1 }),
    clearFaults: () => void faults.splice(0),
    bucketStatus: () => bucket.status(),
  });
}
