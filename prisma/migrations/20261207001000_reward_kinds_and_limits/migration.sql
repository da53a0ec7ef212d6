-- Store credit and free product rewards, per-customer limits and a minimum balance to redeem.
-- PostgreSQL 12 and later add several enum values in one migration.
ALTER TYPE "RewardKind" ADD VALUE 'STORE_CREDIT';
ALTER TYPE "RewardKind" ADD VALUE 'FREE_PRODUCT';

ALTER TYPE "RedemptionStatus" ADD VALUE 'CREDITED';

ALTER TABLE "Reward" ADD COLUMN     "limitPerCustomer" INTEGER,
ADD COLUMN     "limitPeriodDays" INTEGER,
ADD COLUMN     "minimumBalance" INTEGER,
ADD COLUMN     "productImageUrl" TEXT,
ADD COLUMN     "productTitle" TEXT,
ADD COLUMN     "productVariantId" TEXT,
ADD COLUMN     "storeCreditAmount" DECIMAL(18,4);

ALTER TABLE "Redemption" ADD COLUMN     "creditAmount" DECIMAL(18,4),
ADD COLUMN     "creditCurrency" TEXT,
ADD COLUMN     "creditShopifyId" TEXT;

CREATE INDEX "Redemption_customerId_rewardId_createdAt_idx" ON "Redemption"("customerId", "rewardId", "createdAt");
