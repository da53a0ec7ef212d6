/** Bulk query operations: bulkOperationRunQuery, currentBulkOperation, bulkOperation, BulkOperation. */
import type { BulkOperationRecord } from "../../store/records";
import type { ResolverMap } from "./resolver-types";
import { unsignedInt64 } from "./values";

export function bulkResultPath(operation: BulkOperationRecord): string {
  return `/bulk-operations/${operation.id.slice(operation.id.lastIndexOf("/") + 1)}.jsonl`;
}

export const bulkOperationResolvers: ResolverMap = {
  QueryRoot: {
    currentBulkOperation: (_root, args: { type?: string | null }, context) =>
      context.store
        .bulkOperations()
        .filter((operation) => operation.appApiKey === context.appApiKey && operation.type === (args.type ?? "QUERY"))
        .at(-1) ?? null,
    bulkOperation: (_root, args: { id: string }, context) => {
      const operation = context.store.bulkOperation(args.id);
      return operation && operation.appApiKey === context.appApiKey ? operation : null;
    },
  },
  Mutation: {
    bulkOperationRunQuery: (_root, args: { query: string }, context) => {
      const started = context.bulkOperations.start(args.query, context);
      if ("userErrors" in started) return { bulkOperation: null, userErrors: started.userErrors };
      return { bulkOperation: context.store.bulkOperation(started.operationId), userErrors: [] };
    },
  },
  BulkOperationRunQueryPayload: {
    bulkOperation: (payload: { bulkOperation: BulkOperationRecord | null }) => payload.bulkOperation,
    userErrors: (payload: { userErrors: unknown[] }) => payload.userErrors,
  },
  BulkOperation: {
    id: (operation: BulkOperationRecord) => operation.id,
    type: (operation: BulkOperationRecord) => operation.type,
    query: (operation: BulkOperationRecord) => operation.query,
    status: (operation: BulkOperationRecord) => operation.status,
    errorCode: (operation: BulkOperationRecord) => operation.errorCode,
    createdAt: (operation: BulkOperationRecord) => operation.createdAt,
    completedAt: (operation: BulkOperationRecord) => operation.completedAt,
    objectCount: (operation: BulkOperationRecord) => unsignedInt64(operation.objectCount),
    rootObjectCount: (operation: BulkOperationRecord) => unsignedInt64(operation.rootObjectCount),
    fileSize: (operation: BulkOperationRecord) => (operation.fileSize === null ? null : unsignedInt64(operation.fileSize)),
    url: (operation: BulkOperationRecord, _args, context) =>
      operation.status === "COMPLETED" && operation.fileSize !== null && context.bulkOperations.hasResult(operation.id) ? `${context.origin}${bulkResultPath(operation)}` : null,
    partialDataUrl: (operation: BulkOperationRecord, _args, context) =>
      operation.status === "FAILED" && operation.fileSize !== null && context.bulkOperations.hasResult(operation.id) ? `${context.origin}${bulkResultPath(operation)}` : null,
  },
};
