-- AlterTable
ALTER TABLE "ReferralDiscount" ADD COLUMN     "visitorId" TEXT;

-- CreateTable
CREATE TABLE "CustomerContactKey" (
    "customerId" TEXT NOT NULL,
    "key" TEXT NOT NULL,

    CONSTRAINT "CustomerContactKey_pkey" PRIMARY KEY ("customerId","key")
);

-- CreateIndex
CREATE INDEX "ReferralDiscount_shopId_visitorId_idx" ON "ReferralDiscount"("shopId", "visitorId");

-- AddForeignKey
ALTER TABLE "CustomerContactKey" ADD CONSTRAINT "CustomerContactKey_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

