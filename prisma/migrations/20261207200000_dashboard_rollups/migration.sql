-- The dashboard reads rows kept for it instead of scanning every customer or ledger entry.


-- One row per customer with a counted order: the days they ordered on, as a multirange, for the
-- customers in two windows of days (retention over a period longer than the lapsed threshold).
CREATE TABLE "ReportCustomer" (
    "shopId" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "firstDay" DATE NOT NULL,
    "lastDay" DATE NOT NULL,
    "days" DATEMULTIRANGE NOT NULL,

    CONSTRAINT "ReportCustomer_pkey" PRIMARY KEY ("shopId","customerShopifyId")
);

CREATE INDEX "ReportCustomer_shopId_lastDay_idx" ON "ReportCustomer"("shopId", "lastDay") INCLUDE ("firstDay", "days");

ALTER TABLE "ReportCustomer" ADD CONSTRAINT "ReportCustomer_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Customers in both of two windows of days apart (a retention period longer than the lapsed
-- threshold), counted once per pair of days and threshold, then kept exact by the report upkeep.
CREATE TABLE "ReportRetention" (
    "shopId" TEXT NOT NULL,
    "lapsedDays" INTEGER NOT NULL,
    "startDay" DATE NOT NULL,
    "endDay" DATE NOT NULL,
    "customers" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReportRetention_pkey" PRIMARY KEY ("shopId","lapsedDays","startDay","endDay")
);

ALTER TABLE "ReportRetention" ADD CONSTRAINT "ReportRetention_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The ledger summed per local day, for days no transaction can still write to (the ledger is
-- append-only and an entry is stamped with its transactions start).
CREATE TABLE "ReportPointsDay" (
    "shopId" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "issued" BIGINT NOT NULL,
    "redeemed" BIGINT NOT NULL,
    "expired" BIGINT NOT NULL,
    "net" BIGINT NOT NULL,

    CONSTRAINT "ReportPointsDay_pkey" PRIMARY KEY ("shopId","day")
);

ALTER TABLE "ReportPointsDay" ADD CONSTRAINT "ReportPointsDay_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The customer base counted by the segments job (health colours, customers below zero, segments).
ALTER TABLE "SegmentState" ADD COLUMN "figures" JSONB;

-- The last local day summed into ReportPointsDay (null: none yet).
ALTER TABLE "ReportState" ADD COLUMN "pointsThrough" DATE;

-- A counted order's time beside its day: the orders a follow-up was followed by within 30 days are
-- read with their sales from this index alone. The rows are built again below, so they go first.
TRUNCATE "ReportOrder", "ReportDay", "ReportWindow", "ReportCohort";

ALTER TABLE "ReportOrder" ADD COLUMN "placedAt" TIMESTAMP(3) NOT NULL;

DROP INDEX "ReportOrder_shopId_customerShopifyId_idx";

CREATE INDEX "ReportOrder_shopId_customerShopifyId_placedAt_idx" ON "ReportOrder"("shopId", "customerShopifyId", "placedAt") INCLUDE ("revenue");

-- Every shop rebuilds its report rows once (in the background, as after a time zone change), which
-- fills the rows above.
DELETE FROM "ReportState";
