-- AlterTable
ALTER TABLE "ReplenishmentInterval" ADD COLUMN     "leadDays" INTEGER;

-- CreateIndex
CREATE INDEX "FollowUp_shopId_status_dueAt_idx" ON "FollowUp"("shopId", "status", "dueAt");

