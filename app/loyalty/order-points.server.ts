/**
 * What one order did for a customer's points, as the order status page of their account shows it:
 * earned (spendable), pending (earned but in the program's pending period, or not paid yet) or none.
 */
import { sharesOneSession } from "../embedded-database.server";
import { completedPurchaseSql } from "../orders/vocabulary.server";
import type { SqlQuery } from "./storefront-account.server";

export type OrderPointsStatus =
  /** The order's points are in the balance (net of refunds and cancellations). */
  | { status: "earned"; points: number }
  /**
   * Points counted but spendable from `availableAt`; or, with points null, an order the app has not
   * counted yet (not paid yet, or its webhook still on its way).
   */
  | { status: "pending"; points: number | null; availableAt: string | null }
  /** Nothing: cancelled, refunded, or an order that earns no points. */
  | { status: "none"; points: 0 };

/** The status with the program's name for its points ("points", "stars"…), for the sentence the shopper reads. */
export type OrderPoints = OrderPointsStatus & { pointsName: string };

interface OrderPointsRow {
  pointsName: string;
  orderStored: boolean;
  /** The app has settled the order's points: paid (a completed purchase) or cancelled. */
  settled: boolean;
  customerGone: boolean;
  total: string | null;
  pending: string | null;
  availableAt: string | null;
}

/**
 * The points `orderGid` earned `customerGid` in the shop `shopDomain`; null when the shop has not
 * installed the app. An order of another customer reads as one not counted yet, so this says nothing
 * about anyone else's orders.
 */
export async function orderPoints(sql: SqlQuery, shopDomain: string, customerGid: string, orderGid: string, now = new Date()): Promise<OrderPoints | null> {
  const name = sharesOneSession(sql.options.connectionString) ? {} : { name: "order-points" };
  const { rows } = await sql.query<OrderPointsRow>({ ...name, text: ORDER_POINTS_SQL, values: [shopDomain, customerGid, orderGid, now.toISOString()] });
  const [row] = rows;
  if (!row) return null;
  return { ...statusOf(row), pointsName: row.pointsName };
}

function statusOf(row: OrderPointsRow): OrderPointsStatus {
  const total = Number(row.total ?? 0);
  const pending = Number(row.pending ?? 0);
  if (!row.orderStored) return { status: "pending", points: null, availableAt: null };
  if (row.customerGone) return { status: "none", points: 0 };
  if (total > 0 && pending > 0) return { status: "pending", points: total, availableAt: row.availableAt };
  if (total > 0) return { status: "earned", points: total };
  if (!row.settled && row.total === null) return { status: "pending", points: null, availableAt: null };
  return { status: "none", points: 0 };
}

// $1 shop domain, $2 customer GID, $3 order GID, $4 now (ISO, UTC). Every row is reached through the
// shop's id, and the order only when it is this customer's.
const ORDER_POINTS_SQL = `
  SELECT p."pointsName", o.id IS NOT NULL AS "orderStored",
         COALESCE(o.cancelled OR o.completed, false) AS settled,
         (c."deletedAt" IS NOT NULL OR c."redactedAt" IS NOT NULL) IS TRUE AS "customerGone",
         e.total, e.pending,
         to_char(e."availableAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "availableAt"
    FROM "Shop" s
    JOIN "ProgramSettings" p ON p."shopId" = s.id
    LEFT JOIN "Customer" c ON c."shopId" = s.id AND c."shopifyId" = $2
    LEFT JOIN LATERAL (
      SELECT o.id, o."cancelledAt" IS NOT NULL AS cancelled, (${completedPurchaseSql("o").text}) AS completed
        FROM "Order" o
       WHERE o."shopId" = s.id AND o."shopifyId" = $3 AND o."customerShopifyId" = $2
    ) o ON true
    LEFT JOIN LATERAL (
      SELECT SUM(e.points) AS total,
             SUM(e.points) FILTER (WHERE e."availableAt" > ($4::timestamptz AT TIME ZONE 'UTC')) AS pending,
             MAX(e."availableAt") FILTER (WHERE e."availableAt" > ($4::timestamptz AT TIME ZONE 'UTC')) AS "availableAt"
        FROM "PointsLedgerEntry" e
       WHERE e."shopId" = s.id AND e."customerId" = c.id AND e.source = 'ORDER' AND e."sourceId" = $3
    ) e ON true
   WHERE s.domain = $1 AND s."uninstalledAt" IS NULL`;
