-- Follow-ups start off for new installs: a merchant turns each kind on.

-- Existing installs keep what they have. A live shop with no settings row yet was sending every kind
-- (the old defaults, applied on first use): give it a row that says so, before the defaults change,
-- so this migration switches no live shop sending off. Rows that exist keep their values.
INSERT INTO "FollowUpSettings" ("shopId", "thankYouEnabled", "nextPurchaseEnabled", "replenishmentEnabled", "winBackEnabled", "updatedAt")
SELECT s.id, true, true, true, true, CURRENT_TIMESTAMP
  FROM "Shop" s
 WHERE s."uninstalledAt" IS NULL
   AND NOT EXISTS (SELECT 1 FROM "FollowUpSettings" f WHERE f."shopId" = s.id);

-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "appEmbedConfirmedAt" TIMESTAMP(3),
ADD COLUMN     "contactEmail" TEXT;

-- AlterTable
-- winBackStartedAt stays null for shops already sending win-backs: their sweep keeps the 30-day catch-up window it had.
ALTER TABLE "FollowUpSettings" ADD COLUMN     "replyToEmail" TEXT,
ADD COLUMN     "testSentAt" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "winBackPastDays" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "winBackStartedAt" TIMESTAMP(3),
ALTER COLUMN "thankYouEnabled" SET DEFAULT false,
ALTER COLUMN "nextPurchaseEnabled" SET DEFAULT false,
ALTER COLUMN "replenishmentEnabled" SET DEFAULT false,
ALTER COLUMN "winBackEnabled" SET DEFAULT false;
