-- CreateTable
CREATE TABLE "ReportOrder" (
    "shopId" TEXT NOT NULL,
    "orderShopifyId" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "member" BOOLEAN NOT NULL,
    "day" DATE NOT NULL,
    "firstMonth" DATE NOT NULL,
    "prevDay" DATE,
    "prev2Day" DATE,
    "revenue" DECIMAL(18,4) NOT NULL,

    CONSTRAINT "ReportOrder_pkey" PRIMARY KEY ("shopId","orderShopifyId")
);

-- CreateTable
CREATE TABLE "ReportDay" (
    "shopId" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "member" BOOLEAN NOT NULL,
    "orders" INTEGER NOT NULL,
    "revenue" DECIMAL(18,4) NOT NULL,

    CONSTRAINT "ReportDay_pkey" PRIMARY KEY ("shopId","day","member")
);

-- CreateTable
CREATE TABLE "ReportWindow" (
    "shopId" TEXT NOT NULL,
    "endDay" DATE NOT NULL,
    "startDay" DATE NOT NULL,
    "member" BOOLEAN NOT NULL,
    "pairs" INTEGER NOT NULL,
    "triples" INTEGER NOT NULL,

    CONSTRAINT "ReportWindow_pkey" PRIMARY KEY ("shopId","endDay","startDay","member")
);

-- CreateTable
CREATE TABLE "ReportCohort" (
    "shopId" TEXT NOT NULL,
    "firstMonth" DATE NOT NULL,
    "month" DATE NOT NULL,
    "customers" INTEGER NOT NULL,

    CONSTRAINT "ReportCohort_pkey" PRIMARY KEY ("shopId","firstMonth","month")
);

-- CreateTable
CREATE TABLE "ReportState" (
    "shopId" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "rebuiltAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReportState_pkey" PRIMARY KEY ("shopId")
);

-- CreateIndex
CREATE INDEX "ReportOrder_shopId_customerShopifyId_idx" ON "ReportOrder"("shopId", "customerShopifyId");

-- CreateIndex
CREATE INDEX "ReportOrder_shopId_day_member_idx" ON "ReportOrder"("shopId", "day", "member");

-- CreateIndex
CREATE INDEX "ReportOrder_shopId_day_prevDay_idx" ON "ReportOrder"("shopId", "day", "prevDay");

-- CreateIndex
CREATE INDEX "ReportOrder_shopId_day_prev2Day_idx" ON "ReportOrder"("shopId", "day", "prev2Day");

-- CreateIndex
CREATE INDEX "ReportOrder_shopId_firstMonth_day_customerShopifyId_idx" ON "ReportOrder"("shopId", "firstMonth", "day", "customerShopifyId");

