-- Shop tools: the writes the app owes Shopify (customer metafields and tier tags, Flow triggers, metafield definitions), what it last wrote per customer, and the tier tag settings
-- CreateEnum
CREATE TYPE "ShopifyWriteKind" AS ENUM ('METAFIELD_DEFINITIONS', 'CUSTOMER_RECORD', 'FLOW_TRIGGER');

-- AlterTable
ALTER TABLE "ProgramSettings" ADD COLUMN     "customerTagPrefix" TEXT NOT NULL DEFAULT 'VIP',
ADD COLUMN     "customerTagsEnabled" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "ShopifyWrite" (
    "id" TEXT NOT NULL,
    "sequence" BIGSERIAL NOT NULL,
    "shopId" TEXT NOT NULL,
    "kind" "ShopifyWriteKind" NOT NULL,
    "key" TEXT NOT NULL,
    "customerId" TEXT,
    "handle" TEXT,
    "payload" JSONB,
    "version" INTEGER NOT NULL DEFAULT 1,
    "dueAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ShopifyWrite_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomerShopifyRecord" (
    "customerId" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "pointsBalance" INTEGER,
    "tier" TEXT,
    "tierTag" TEXT,
    "writtenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CustomerShopifyRecord_pkey" PRIMARY KEY ("customerId")
);

-- CreateIndex
CREATE INDEX "ShopifyWrite_shopId_dueAt_idx" ON "ShopifyWrite"("shopId", "dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "ShopifyWrite_shopId_key_key" ON "ShopifyWrite"("shopId", "key");

-- CreateIndex
CREATE INDEX "CustomerShopifyRecord_shopId_idx" ON "CustomerShopifyRecord"("shopId");

-- AddForeignKey
ALTER TABLE "ShopifyWrite" ADD CONSTRAINT "ShopifyWrite_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ShopifyWrite" ADD CONSTRAINT "ShopifyWrite_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomerShopifyRecord" ADD CONSTRAINT "CustomerShopifyRecord_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomerShopifyRecord" ADD CONSTRAINT "CustomerShopifyRecord_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

