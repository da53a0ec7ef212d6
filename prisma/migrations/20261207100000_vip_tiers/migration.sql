-- CreateEnum
CREATE TYPE "TierBasis" AS ENUM ('POINTS_EARNED', 'AMOUNT_SPENT');

-- CreateEnum
CREATE TYPE "TierChangeReason" AS ENUM ('EARNED', 'DOWNGRADED', 'REFUND', 'OVERRIDE', 'OVERRIDE_CLEARED');

-- AlterEnum


ALTER TYPE "PointsReason" ADD VALUE 'TIER_BONUS';
ALTER TYPE "PointsReason" ADD VALUE 'TIER_ENTRY';

-- AlterEnum
ALTER TYPE "PointsSource" ADD VALUE 'TIER';

-- AlterTable
ALTER TABLE "ProgramSettings" ADD COLUMN     "tierBasis" "TierBasis" NOT NULL DEFAULT 'POINTS_EARNED',
ADD COLUMN     "tierRetentionDays" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "tierWindowMonths" INTEGER;

-- AlterTable
ALTER TABLE "Reward" ADD COLUMN     "minTierId" TEXT;

-- CreateTable
CREATE TABLE "Tier" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "multiplierPercent" INTEGER NOT NULL DEFAULT 100,
    "entryRewardPoints" INTEGER NOT NULL DEFAULT 0,
    "benefits" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Tier_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomerTier" (
    "customerId" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "tierId" TEXT,
    "overrideTierId" TEXT,
    "overrideReason" TEXT,
    "overrideAt" TIMESTAMP(3),
    "computedAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CustomerTier_pkey" PRIMARY KEY ("customerId")
);

-- CreateTable
CREATE TABLE "TierChange" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "fromTierId" TEXT,
    "fromTierName" TEXT,
    "toTierId" TEXT,
    "toTierName" TEXT,
    "reason" "TierChangeReason" NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sequence" BIGSERIAL NOT NULL,

    CONSTRAINT "TierChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Tier_shopId_name_key" ON "Tier"("shopId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Tier_shopId_threshold_key" ON "Tier"("shopId", "threshold");

-- CreateIndex
CREATE INDEX "CustomerTier_shopId_tierId_idx" ON "CustomerTier"("shopId", "tierId");

-- CreateIndex
CREATE INDEX "TierChange_customerId_createdAt_idx" ON "TierChange"("customerId", "createdAt");

-- CreateIndex
CREATE INDEX "TierChange_shopId_createdAt_idx" ON "TierChange"("shopId", "createdAt");

-- AddForeignKey
ALTER TABLE "Reward" ADD CONSTRAINT "Reward_minTierId_fkey" FOREIGN KEY ("minTierId") REFERENCES "Tier"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Tier" ADD CONSTRAINT "Tier_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomerTier" ADD CONSTRAINT "CustomerTier_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomerTier" ADD CONSTRAINT "CustomerTier_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomerTier" ADD CONSTRAINT "CustomerTier_tierId_fkey" FOREIGN KEY ("tierId") REFERENCES "Tier"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomerTier" ADD CONSTRAINT "CustomerTier_overrideTierId_fkey" FOREIGN KEY ("overrideTierId") REFERENCES "Tier"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TierChange" ADD CONSTRAINT "TierChange_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TierChange" ADD CONSTRAINT "TierChange_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

