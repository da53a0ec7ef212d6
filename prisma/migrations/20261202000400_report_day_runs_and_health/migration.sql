-- AlterTable
ALTER TABLE "ProgramSettings" ADD COLUMN     "healthLapsedDays" INTEGER NOT NULL DEFAULT 180,
ADD COLUMN     "healthSlippingDays" INTEGER NOT NULL DEFAULT 60;

-- AlterTable
ALTER TABLE "ReportDay" ADD COLUMN     "pairsEnding" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "pairsFromEarlierMonths" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "pairsStarting" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "triplesEnding" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "triplesFromEarlierMonths" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "triplesStarting" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "Customer_shopId_createdAt_id_idx" ON "Customer"("shopId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "ReportWindow_shopId_startDay_endDay_member_idx" ON "ReportWindow"("shopId", "startDay", "endDay", "member");

-- The run counters above start at zero: every shop's report rows are rebuilt (in the background,
-- on the next dashboard visit or worker poll) before the dashboard reads them again.
DELETE FROM "ReportState";
