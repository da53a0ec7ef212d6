-- CreateEnum
CREATE TYPE "PointsReason" AS ENUM ('WELCOME', 'SECOND_PURCHASE', 'SECOND_PURCHASE_REVERSAL', 'SPEND', 'REFUND', 'CANCELLATION', 'REFERRAL', 'REDEMPTION', 'ADJUSTMENT', 'EXPIRY');

-- CreateEnum
CREATE TYPE "PointsSource" AS ENUM ('CUSTOMER', 'ORDER', 'REFERRAL', 'REDEMPTION', 'ADJUSTMENT', 'EXPIRY');

-- CreateEnum
CREATE TYPE "ReferralStatus" AS ENUM ('PENDING', 'REWARDED', 'REFUSED');

-- AlterTable
ALTER TABLE "ProgramSettings" ADD COLUMN     "expiryMonths" INTEGER,
ADD COLUMN     "pendingDays" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "referralFriendDiscountPercent" INTEGER NOT NULL DEFAULT 10,
ADD COLUMN     "referralMonthlyRewardLimit" INTEGER NOT NULL DEFAULT 5;

-- AlterTable
ALTER TABLE "ComplianceRequest" ADD COLUMN     "report" JSONB;

-- CreateTable
CREATE TABLE "Customer" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "shopifyId" TEXT NOT NULL,
    "email" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "phone" TEXT,
    "addressKey" TEXT,
    "hasAccount" BOOLEAN NOT NULL DEFAULT false,
    "shopifyCreatedAt" TIMESTAMP(3),
    "shopifyUpdatedAt" TIMESTAMP(3),
    "referralCode" TEXT NOT NULL,
    "deletedAt" TIMESTAMP(3),
    "redactedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Order" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "shopifyId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "customerShopifyId" TEXT,
    "email" TEXT,
    "currencyCode" TEXT NOT NULL,
    "financialStatus" TEXT NOT NULL,
    "subtotal" DECIMAL(18,4) NOT NULL,
    "shipping" DECIMAL(18,4) NOT NULL,
    "tax" DECIMAL(18,4) NOT NULL,
    "totalDiscounts" DECIMAL(18,4) NOT NULL,
    "total" DECIMAL(18,4) NOT NULL,
    "discountCodes" TEXT[],
    "test" BOOLEAN NOT NULL DEFAULT false,
    "cancelledAt" TIMESTAMP(3),
    "cancelReason" TEXT,
    "placedAt" TIMESTAMP(3) NOT NULL,
    "shopifyUpdatedAt" TIMESTAMP(3) NOT NULL,
    "imported" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrderLineItem" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "shopifyId" TEXT NOT NULL,
    "productShopifyId" TEXT,
    "variantShopifyId" TEXT,
    "title" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "price" DECIMAL(18,4) NOT NULL,
    "discount" DECIMAL(18,4) NOT NULL,

    CONSTRAINT "OrderLineItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrderRefund" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "shopifyId" TEXT NOT NULL,
    "orderShopifyId" TEXT NOT NULL,
    "subtotal" DECIMAL(18,4) NOT NULL,
    "shipping" DECIMAL(18,4) NOT NULL,
    "tax" DECIMAL(18,4) NOT NULL,
    "total" DECIMAL(18,4) NOT NULL,
    "refundedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OrderRefund_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PointsLedgerEntry" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "points" INTEGER NOT NULL,
    "reason" "PointsReason" NOT NULL,
    "source" "PointsSource" NOT NULL,
    "sourceId" TEXT,
    "key" TEXT NOT NULL,
    "note" TEXT,
    "availableAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PointsLedgerEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Referral" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "referrerId" TEXT NOT NULL,
    "friendId" TEXT,
    "friendEmail" TEXT,
    "status" "ReferralStatus" NOT NULL DEFAULT 'PENDING',
    "refusalReason" TEXT,
    "rewardOrderShopifyId" TEXT,
    "rewardedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Referral_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HistoryImport" (
    "shopId" TEXT NOT NULL,
    "phase" TEXT NOT NULL DEFAULT 'customers',
    "status" TEXT NOT NULL DEFAULT 'running',
    "bulkOperationId" TEXT,
    "linesDone" INTEGER NOT NULL DEFAULT 0,
    "linesTotal" INTEGER NOT NULL DEFAULT 0,
    "customersImported" INTEGER NOT NULL DEFAULT 0,
    "ordersImported" INTEGER NOT NULL DEFAULT 0,
    "leaseUntil" TIMESTAMP(3),
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HistoryImport_pkey" PRIMARY KEY ("shopId")
);

-- CreateIndex
CREATE INDEX "Customer_shopId_email_idx" ON "Customer"("shopId", "email");

-- CreateIndex
CREATE UNIQUE INDEX "Customer_shopId_shopifyId_key" ON "Customer"("shopId", "shopifyId");

-- CreateIndex
CREATE UNIQUE INDEX "Customer_shopId_referralCode_key" ON "Customer"("shopId", "referralCode");

-- CreateIndex
CREATE INDEX "Order_shopId_customerShopifyId_placedAt_idx" ON "Order"("shopId", "customerShopifyId", "placedAt");

-- CreateIndex
CREATE INDEX "Order_shopId_placedAt_idx" ON "Order"("shopId", "placedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Order_shopId_shopifyId_key" ON "Order"("shopId", "shopifyId");

-- CreateIndex
CREATE INDEX "OrderLineItem_orderId_idx" ON "OrderLineItem"("orderId");

-- CreateIndex
CREATE INDEX "OrderRefund_shopId_orderShopifyId_idx" ON "OrderRefund"("shopId", "orderShopifyId");

-- CreateIndex
CREATE UNIQUE INDEX "OrderRefund_shopId_shopifyId_key" ON "OrderRefund"("shopId", "shopifyId");

-- CreateIndex
CREATE INDEX "PointsLedgerEntry_customerId_createdAt_idx" ON "PointsLedgerEntry"("customerId", "createdAt");

-- CreateIndex
CREATE INDEX "PointsLedgerEntry_shopId_customerId_idx" ON "PointsLedgerEntry"("shopId", "customerId");

-- CreateIndex
CREATE UNIQUE INDEX "PointsLedgerEntry_shopId_key_key" ON "PointsLedgerEntry"("shopId", "key");

-- CreateIndex
CREATE INDEX "Referral_shopId_friendId_idx" ON "Referral"("shopId", "friendId");

-- CreateIndex
CREATE INDEX "Referral_shopId_friendEmail_idx" ON "Referral"("shopId", "friendEmail");

-- CreateIndex
CREATE INDEX "Referral_referrerId_rewardedAt_idx" ON "Referral"("referrerId", "rewardedAt");

-- AddForeignKey
ALTER TABLE "Customer" ADD CONSTRAINT "Customer_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderLineItem" ADD CONSTRAINT "OrderLineItem_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderRefund" ADD CONSTRAINT "OrderRefund_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PointsLedgerEntry" ADD CONSTRAINT "PointsLedgerEntry_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PointsLedgerEntry" ADD CONSTRAINT "PointsLedgerEntry_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Referral" ADD CONSTRAINT "Referral_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Referral" ADD CONSTRAINT "Referral_referrerId_fkey" FOREIGN KEY ("referrerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Referral" ADD CONSTRAINT "Referral_friendId_fkey" FOREIGN KEY ("friendId") REFERENCES "Customer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HistoryImport" ADD CONSTRAINT "HistoryImport_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

