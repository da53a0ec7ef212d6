-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "pointsEarnedOn" DECIMAL(18,4);

-- AlterTable
ALTER TABLE "OrderRefund" ADD COLUMN     "discrepancy" DECIMAL(18,4) NOT NULL DEFAULT 0;

