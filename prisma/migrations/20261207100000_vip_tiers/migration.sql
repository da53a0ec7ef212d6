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

CustomerTier" (
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

