/**
 * Shopify's privacy requests as the merchant sees them: each customers/data_request with the stored
 * data to hand over, and each customers/redact that erased a customer. One shop's only.
 */
import type { PrismaClient } from "../generated/prisma/client";

export const PRIVACY_REQUESTS_PAGE_SIZE = 25;

export type PrivacyRequestKind = "data_request" | "redact";

export interface PrivacyRequestRow {
  id: string;
  kind: PrivacyRequestKind;
  /** The customer's GID. */
  customerId: string | null;
  /** As the request named them (a redaction keeps no copy of what it erased). */
  customerEmail: string | null;
  /** Order GIDs the customer asked about, from the request. */
  ordersRequested: number;
  receivedAt: string;
  completedAt: string | null;
}

const TOPIC_KINDS: Record<string, PrivacyRequestKind> = { "customers/data_request": "data_request", "customers/redact": "redact" };

function requestFields(payload: unknown): { email: string | null; orders: number } {
  if (typeof payload !== "object" || payload === null) return { email: null, orders: 0 };
  const { customer, orders_requested: orders } = payload as { customer?: { email?: unknown }; orders_requested?: unknown };
  return { email: typeof customer?.email === "string" ? customer.email : null, orders: Array.isArray(orders) ? orders.length : 0 };
}

/** A page of the shop's privacy requests, newest first. */
export async function listPrivacyRequests(db: PrismaClient, shopDomain: string, page: number) {
  const rows = await db.complianceRequest.findMany({
    where: { shopDomain, topic: { in: Object.keys(TOPIC_KINDS) } },
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    skip: (page - 1) * PRIVACY_REQUESTS_PAGE_SIZE,
    take: PRIVACY_REQUESTS_PAGE_SIZE + 1,
    select: { id: true, topic: true, customerId: true, payload: true, receivedAt: true, completedAt: true },
  });
  return {
    hasNextPage: rows.length > PRIVACY_REQUESTS_PAGE_SIZE,
    rows: rows.slice(0, PRIVACY_REQUESTS_PAGE_SIZE).map((row): PrivacyRequestRow => {
      const { email, orders } = requestFields(row.payload);
      return {
        id: row.id,
        kind: TOPIC_KINDS[row.topic],
        customerId: row.customerId,
        customerEmail: email,
        ordersRequested: orders,
        receivedAt: row.receivedAt.toISOString(),
        completedAt: row.completedAt?.toISOString() ?? null,
      };
    }),
  };
}

/** The stored data a customers/data_request produced, if the request is this shop's. */
export async function dataRequestReport(db: PrismaClient, shopDomain: string, id: string) {
  const request = await db.complianceRequest.findFirst({
    where: { id, shopDomain, topic: "customers/data_request" },
    select: { customerId: true, receivedAt: true, report: true },
  });
  return request && { customerId: request.customerId, receivedAt: request.receivedAt, report: request.report };
}
