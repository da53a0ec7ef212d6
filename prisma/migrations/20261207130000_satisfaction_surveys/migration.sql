-- Satisfaction surveys: the survey follow-up, its settings, the order's fulfilment time and the responses
-- CreateEnum
CREATE TYPE "SurveyType" AS ENUM ('NPS', 'CSAT');

-- CreateEnum
CREATE TYPE "SurveySource" AS ENUM ('EMAIL', 'WIDGET');

-- AlterEnum
ALTER TYPE "PointsReason" ADD VALUE 'SURVEY';

-- AlterEnum
ALTER TYPE "FollowUpKind" ADD VALUE 'SURVEY';

-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "fulfilledAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "FollowUpSettings" ADD COLUMN     "surveyDelayDays" INTEGER NOT NULL DEFAULT 7,
ADD COLUMN     "surveyEnabled" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "surveyPoints" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "surveyStartedAt" TIMESTAMP(3),
ADD COLUMN     "surveyType" "SurveyType" NOT NULL DEFAULT 'NPS';

-- CreateTable
CREATE TABLE "SurveyResponse" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "source" "SurveySource" NOT NULL,
    "followUpId" TEXT,
    "orderShopifyId" TEXT,
    "type" "SurveyType" NOT NULL,
    "score" INTEGER NOT NULL,
    "comment" TEXT,
    "respondedAt" TIMESTAMP(3) NOT NULL,
    "commentedAt" TIMESTAMP(3),
    "pointsAwarded" INTEGER NOT NULL DEFAULT 0,
    "resolvedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SurveyResponse_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SurveyResponse_followUpId_key" ON "SurveyResponse"("followUpId");

-- CreateIndex
CREATE INDEX "SurveyResponse_shopId_respondedAt_idx" ON "SurveyResponse"("shopId", "respondedAt");

-- CreateIndex
CREATE INDEX "SurveyResponse_shopId_customerShopifyId_idx" ON "SurveyResponse"("shopId", "customerShopifyId");

-- AddForeignKey
ALTER TABLE "SurveyResponse" ADD CONSTRAINT "SurveyResponse_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

