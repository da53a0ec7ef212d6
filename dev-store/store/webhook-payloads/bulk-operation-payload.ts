/** bulk_operations/finish (REST 2026-07). */
import type { BulkOperationRecord, ShopRecord } from "../records";
import { restTimestamp } from "./rest-format";

export function bulkOperationFinishPayload(operation: BulkOperationRecord, shop: ShopRecord): Record<string, unknown> {
  return {
    admin_graphql_api_id: operation.id,
    completed_at: restTimestamp(operation.completedAt, shop.ianaTimezone),
    created_at: restTimestamp(operation.createdAt, shop.ianaTimezone),
    error_code: operation.errorCode?.toLowerCase() ?? null,
    status: operation.status.toLowerCase(),
    type: operation.type.toLowerCase(),
  };
}
