-- CreateEnum
CREATE TYPE "FollowUpKind" AS ENUM ('THANK_YOU', 'NEXT_PURCHASE', 'REPLENISHMENT', 'WIN_BACK');

-- CreateEnum
CREATE TYPE "FollowUpStatus" AS ENUM ('SCHEDULED', 'SENDING', 'SENT', 'CANCELLED', 'FAILED');

-- CreateTable
CREATE TABLE "FollowUpSettings" (
    "shopId" TEXT NOT NULL,
    "senderName" TEXT,
    "senderEmail" TEXT,
    "brandColor" TEXT NOT NULL DEFAULT '#2c6ecb',
    "logoUrl" TEXT,
    "quietHoursStart" INTEGER NOT NULL DEFAULT 21,
    "quietHoursEnd" INTEGER NOT NULL DEFAULT 9,
    "thankYouEnabled" BOOLEAN NOT NULL DEFAULT true,
    "thankYouDelayMinutes" INTEGER NOT NULL DEFAULT 30,
    "nextPurchaseEnabled" BOOLEAN NOT NULL DEFAULT true,
    "nextPurchaseDelayDays" INTEGER NOT NULL DEFAULT 14,
    "nextPurchaseDiscountPercent" INTEGER NOT NULL DEFAULT 10,
    "nextPurchaseCodeValidDays" INTEGER NOT NULL DEFAULT 30,
    "replenishmentEnabled" BOOLEAN NOT NULL DEFAULT true,
    "replenishmentLeadDays" INTEGER NOT NULL DEFAULT 7,
    "winBackEnabled" BOOLEAN NOT NULL DEFAULT true,
    "winBackAfterDays" INTEGER NOT NULL DEFAULT 60,
    "winBackDiscountPercent" INTEGER NOT NULL DEFAULT 15,
    "winBackCodeValidDays" INTEGER NOT NULL DEFAULT 30,
    "templates" JSONB NOT NULL DEFAULT '{}',
    "maxAttempts" INTEGER NOT NULL DEFAULT 5,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FollowUpSettings_pkey" PRIMARY KEY ("shopId")
);

-- CreateTable
CREATE TABLE "ReplenishmentInterval" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "productShopifyId" TEXT NOT NULL,
    "intervalDays" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReplenishmentInterval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FollowUp" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "kind" "FollowUpKind" NOT NULL,
    "status" "FollowUpStatus" NOT NULL DEFAULT 'SCHEDULED',
    "key" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "orderShopifyId" TEXT,
    "orderPlacedAt" TIMESTAMP(3),
    "productShopifyId" TEXT,
    "variantShopifyId" TEXT,
    "productTitle" TEXT,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "leaseUntil" TIMESTAMP(3),
    "claimToken" TEXT,
    "lastError" TEXT,
    "discountCode" TEXT,
    "discountShopifyId" TEXT,
    "discountEndsAt" TIMESTAMP(3),
    "toEmail" TEXT,
    "subject" TEXT,
    "messageId" TEXT,
    "sentAt" TIMESTAMP(3),
    "cancelledAt" TIMESTAMP(3),
    "cancelReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FollowUp_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MarketingConsent" (
    "shopId" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "consentUpdatedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MarketingConsent_pkey" PRIMARY KEY ("shopId","customerShopifyId")
);

-- CreateTable
CREATE TABLE "FollowUpUnsubscribe" (
    "shopId" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "unsubscribedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FollowUpUnsubscribe_pkey" PRIMARY KEY ("shopId","customerShopifyId")
);

-- CreateIndex
CREATE UNIQUE INDEX "ReplenishmentInterval_shopId_productShopifyId_key" ON "ReplenishmentInterval"("shopId", "productShopifyId");

-- CreateIndex
CREATE INDEX "FollowUp_status_dueAt_idx" ON "FollowUp"("status", "dueAt");

-- CreateIndex
CREATE INDEX "FollowUp_shopId_customerShopifyId_idx" ON "FollowUp"("shopId", "customerShopifyId");

-- CreateIndex
CREATE INDEX "FollowUp_shopId_orderShopifyId_idx" ON "FollowUp"("shopId", "orderShopifyId");

-- CreateIndex
CREATE INDEX "FollowUp_shopId_createdAt_idx" ON "FollowUp"("shopId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "FollowUp_shopId_key_key" ON "FollowUp"("shopId", "key");

