-- CreateEnum
CREATE TYPE "RewardKind" AS ENUM ('AMOUNT_OFF', 'PERCENTAGE_OFF', 'FREE_SHIPPING');

-- CreateEnum
CREATE TYPE "RedemptionStatus" AS ENUM ('CREATING', 'ISSUED', 'USED', 'EXPIRED', 'FAILED');

-- CreateTable
CREATE TABLE "Reward" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "RewardKind" NOT NULL,
    "pointsCost" INTEGER NOT NULL,
    "amountOff" DECIMAL(18,4),
    "percentageOff" INTEGER,
    "minimumSubtotal" DECIMAL(18,4),
    "codeValidDays" INTEGER NOT NULL DEFAULT 30,
    "returnPointsOnExpiry" BOOLEAN NOT NULL DEFAULT true,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "defaultKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Reward_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Redemption" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "rewardId" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "status" "RedemptionStatus" NOT NULL DEFAULT 'CREATING',
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "points" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "discountShopifyId" TEXT,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "failure" TEXT,
    "usedOrderShopifyId" TEXT,
    "usedAt" TIMESTAMP(3),
    "expiredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Redemption_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReferralDiscount" (
    "referralId" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "discountShopifyId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReferralDiscount_pkey" PRIMARY KEY ("referralId")
);

-- CreateTable
CREATE TABLE "RateLimitWindow" (
    "key" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "hits" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "RateLimitWindow_pkey" PRIMARY KEY ("key","windowStart")
);

-- CreateIndex
CREATE INDEX "Reward_shopId_active_pointsCost_idx" ON "Reward"("shopId", "active", "pointsCost");

-- CreateIndex
CREATE UNIQUE INDEX "Reward_shopId_defaultKey_key" ON "Reward"("shopId", "defaultKey");

-- CreateIndex
CREATE INDEX "Redemption_status_endsAt_idx" ON "Redemption"("status", "endsAt");

-- CreateIndex
CREATE INDEX "Redemption_status_createdAt_idx" ON "Redemption"("status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Redemption_customerId_idempotencyKey_key" ON "Redemption"("customerId", "idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "Redemption_shopId_code_key" ON "Redemption"("shopId", "code");

-- CreateIndex
CREATE UNIQUE INDEX "ReferralDiscount_shopId_code_key" ON "ReferralDiscount"("shopId", "code");

-- CreateIndex
CREATE INDEX "RateLimitWindow_windowStart_idx" ON "RateLimitWindow"("windowStart");

-- AddForeignKey
ALTER TABLE "Reward" ADD CONSTRAINT "Reward_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Redemption" ADD CONSTRAINT "Redemption_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Redemption" ADD CONSTRAINT "Redemption_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Redemption" ADD CONSTRAINT "Redemption_rewardId_fkey" FOREIGN KEY ("rewardId") REFERENCES "Reward"("id") ON DELETE CASCADE ON UPDATE CASCADE;

