-- AlterTable
ALTER TABLE "FollowUpSettings" ADD COLUMN     "winBackGraceFactor" DECIMAL(4,2) NOT NULL DEFAULT 1.5,
ADD COLUMN     "winBackTiming" TEXT NOT NULL DEFAULT 'FIXED';

-- CreateTable
CREATE TABLE "NextOrderPrediction" (
    "shopId" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "orders" INTEGER NOT NULL,
    "firstOrderAt" TIMESTAMP(3) NOT NULL,
    "lastOrderAt" TIMESTAMP(3) NOT NULL,
    "meanGapDays" DOUBLE PRECISION NOT NULL,
    "expectedGapDays" DOUBLE PRECISION NOT NULL,
    "expectedNextAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NextOrderPrediction_pkey" PRIMARY KEY ("shopId","customerShopifyId")
);

-- CreateTable
CREATE TABLE "NextOrderState" (
    "shopId" TEXT NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL,
    "gaps" INTEGER NOT NULL,
    "medianGapDays" DOUBLE PRECISION,
    "customers" INTEGER NOT NULL,

    CONSTRAINT "NextOrderState_pkey" PRIMARY KEY ("shopId")
);

-- CreateIndex
CREATE INDEX "NextOrderPrediction_shopId_expectedNextAt_idx" ON "NextOrderPrediction"("shopId", "expectedNextAt");

-- AddForeignKey
ALTER TABLE "NextOrderPrediction" ADD CONSTRAINT "NextOrderPrediction_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NextOrderState" ADD CONSTRAINT "NextOrderState_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- The dashboard over a million orders
-- Points outstanding sums every balance of the shop from the index alone
DROP INDEX IF EXISTS "PointsLedgerEntry_shopId_customerId_idx";
CREATE INDEX "PointsLedgerEntry_shopId_customerId_idx" ON "PointsLedgerEntry"("shopId", "customerId") INCLUDE ("points");

-- Attribution reads the orders of the period holding a discount code and matches each code to those the app made
DROP INDEX IF EXISTS "Order_discountCodes_idx";
CREATE INDEX "Order_shopId_placedAt_coded_idx" ON "Order"("shopId", "placedAt") WHERE "discountCodes" <> '{}';

-- Retention over a period longer than the lapsed threshold (added to an earlier migration after some databases had run it)
CREATE INDEX IF NOT EXISTS "ReportOrder_shopId_day_customerShopifyId_idx" ON "ReportOrder"("shopId", "day", "customerShopifyId");
