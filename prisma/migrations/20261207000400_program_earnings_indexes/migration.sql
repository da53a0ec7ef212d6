-- The dashboard's program earnings: orders holding an app-created code, the ledger by time, and follow-up sends by time
CREATE INDEX "Order_discountCodes_idx" ON "Order" USING GIN ("discountCodes");

CREATE INDEX "PointsLedgerEntry_shopId_createdAt_reason_points_idx" ON "PointsLedgerEntry"("shopId", "createdAt", "reason", "points");

CREATE INDEX "FollowUp_shopId_sentAt_idx" ON "FollowUp"("shopId", "sentAt");

-- Retention over a period longer than the lapsed threshold reads the customers of two windows of days
CREATE INDEX "ReportOrder_shopId_day_customerShopifyId_idx" ON "ReportOrder"("shopId", "day", "customerShopifyId");
