-- Every table of a shop references Shop with ON DELETE CASCADE, so erasing a shop (shop/redact)
-- is deleting its Shop row and no table can be forgotten.
-- Rows left behind by earlier erasures (whose shop is gone) belong to no shop any more: they go first.
DELETE FROM "ReportOrder" WHERE "shopId" NOT IN (SELECT "id" FROM "Shop");
DELETE FROM "ReportDay" WHERE "shopId" NOT IN (SELECT "id" FROM "Shop");
DELETE FROM "ReportWindow" WHERE "shopId" NOT IN (SELECT "id" FROM "Shop");
DELETE FROM "ReportCohort" WHERE "shopId" NOT IN (SELECT "id" FROM "Shop");
DELETE FROM "ReportState" WHERE "shopId" NOT IN (SELECT "id" FROM "Shop");
DELETE FROM "FollowUpSettings" WHERE "shopId" NOT IN (SELECT "id" FROM "Shop");
DELETE FROM "ReplenishmentInterval" WHERE "shopId" NOT IN (SELECT "id" FROM "Shop");
DELETE FROM "FollowUp" WHERE "shopId" NOT IN (SELECT "id" FROM "Shop");
DELETE FROM "MarketingConsent" WHERE "shopId" NOT IN (SELECT "id" FROM "Shop");
DELETE FROM "FollowUpUnsubscribe" WHERE "shopId" NOT IN (SELECT "id" FROM "Shop");
DELETE FROM "ReferralDiscount" WHERE "shopId" NOT IN (SELECT "id" FROM "Shop");
-- AddForeignKey
ALTER TABLE "ReportOrder" ADD CONSTRAINT "ReportOrder_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportDay" ADD CONSTRAINT "ReportDay_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportWindow" ADD CONSTRAINT "ReportWindow_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportCohort" ADD CONSTRAINT "ReportCohort_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportState" ADD CONSTRAINT "ReportState_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FollowUpSettings" ADD CONSTRAINT "FollowUpSettings_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReplenishmentInterval" ADD CONSTRAINT "ReplenishmentInterval_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FollowUp" ADD CONSTRAINT "FollowUp_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MarketingConsent" ADD CONSTRAINT "MarketingConsent_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FollowUpUnsubscribe" ADD CONSTRAINT "FollowUpUnsubscribe_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReferralDiscount" ADD CONSTRAINT "ReferralDiscount_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

