-- Campaigns: one-off emails a merchant sends to an audience, each recipient a follow-up of kind CAMPAIGN
-- and the campaign whose unsubscribe link a customer used
-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('SENDING', 'CANCELLED');

-- CreateEnum
CREATE TYPE "CampaignDiscountKind" AS ENUM ('NONE', 'PERCENTAGE', 'AMOUNT');

-- AlterEnum
ALTER TYPE "FollowUpKind" ADD VALUE 'CAMPAIGN';

-- AlterTable
ALTER TABLE "FollowUp" ADD COLUMN     "campaignId" TEXT;

-- AlterTable
ALTER TABLE "FollowUpUnsubscribe" ADD COLUMN     "campaignId" TEXT;

-- CreateTable
CREATE TABLE "Campaign" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "audience" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "discountKind" "CampaignDiscountKind" NOT NULL DEFAULT 'NONE',
    "discountValue" DECIMAL(18,4),
    "discountValidDays" INTEGER,
    "ratePerMinute" INTEGER NOT NULL,
    "attributionDays" INTEGER NOT NULL DEFAULT 14,
    "status" "CampaignStatus" NOT NULL DEFAULT 'SENDING',
    "recipients" INTEGER NOT NULL,
    "sendKey" TEXT NOT NULL,
    "sentAt" TIMESTAMP(3) NOT NULL,
    "cancelledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Campaign_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Campaign_shopId_createdAt_idx" ON "Campaign"("shopId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Campaign_shopId_sendKey_key" ON "Campaign"("shopId", "sendKey");

-- CreateIndex
CREATE INDEX "FollowUp_campaignId_status_idx" ON "FollowUp"("campaignId", "status");

-- CreateIndex
CREATE INDEX "FollowUpUnsubscribe_campaignId_idx" ON "FollowUpUnsubscribe"("campaignId");

-- AddForeignKey
ALTER TABLE "FollowUp" ADD CONSTRAINT "FollowUp_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FollowUpUnsubscribe" ADD CONSTRAINT "FollowUpUnsubscribe_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Campaign" ADD CONSTRAINT "Campaign_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

