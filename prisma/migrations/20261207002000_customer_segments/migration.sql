-- CreateTable
CREATE TABLE "CustomerSegment" (
    "shopId" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "lastOrderAt" TIMESTAMP(3) NOT NULL,
    "recencyDays" INTEGER NOT NULL,
    "orders" INTEGER NOT NULL,
    "revenue" DECIMAL(18,4) NOT NULL,
    "recencyScore" INTEGER NOT NULL,
    "frequencyScore" INTEGER NOT NULL,
    "monetaryScore" INTEGER NOT NULL,
    "segment" TEXT NOT NULL,

    CONSTRAINT "CustomerSegment_pkey" PRIMARY KEY ("shopId","customerShopifyId")
);

-- CreateTable
CREATE TABLE "SegmentState" (
    "shopId" TEXT NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL,
    "customers" INTEGER NOT NULL,

    CONSTRAINT "SegmentState_pkey" PRIMARY KEY ("shopId")
);

-- CreateIndex
CREATE INDEX "CustomerSegment_shopId_segment_idx" ON "CustomerSegment"("shopId", "segment");

-- AddForeignKey
ALTER TABLE "CustomerSegment" ADD CONSTRAINT "CustomerSegment_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SegmentState" ADD CONSTRAINT "SegmentState_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

