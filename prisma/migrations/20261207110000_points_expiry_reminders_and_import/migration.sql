-- Points expiry reminders (a follow-up kind with its lead days) and CSV balance imports from another loyalty app

ALTER TYPE "PointsReason" ADD VALUE 'IMPORTED';

ALTER TYPE "PointsSource" ADD VALUE 'IMPORT';

ALTER TYPE "FollowUpKind" ADD VALUE 'POINTS_EXPIRY';

ALTER TABLE "FollowUpSettings" ADD COLUMN     "pointsExpiryEnabled" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "pointsExpiryLeadDays" INTEGER NOT NULL DEFAULT 14;

ALTER TABLE "FollowUp" ADD COLUMN     "pointsExpireAt" TIMESTAMP(3),
ADD COLUMN     "pointsExpiring" INTEGER;

CREATE TABLE "PointsImport" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "fileHash" TEXT NOT NULL,
    "matched" INTEGER NOT NULL,
    "unmatched" INTEGER NOT NULL,
    "points" INTEGER NOT NULL,
    "added" INTEGER NOT NULL,
    "appliedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PointsImport_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "PointsImportRow" (
    "id" TEXT NOT NULL,
    "importId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "line" INTEGER NOT NULL,
    "points" INTEGER NOT NULL,
    "tierName" TEXT,
    "added" BOOLEAN NOT NULL,

    CONSTRAINT "PointsImportRow_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "PointsImport_shopId_appliedAt_idx" ON "PointsImport"("shopId", "appliedAt");

CREATE INDEX "PointsImportRow_importId_idx" ON "PointsImportRow"("importId");

CREATE INDEX "PointsImportRow_customerId_idx" ON "PointsImportRow"("customerId");

ALTER TABLE "PointsImport" ADD CONSTRAINT "PointsImport_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "PointsImportRow" ADD CONSTRAINT "PointsImportRow_importId_fkey" FOREIGN KEY ("importId") REFERENCES "PointsImport"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "PointsImportRow" ADD CONSTRAINT "PointsImportRow_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

