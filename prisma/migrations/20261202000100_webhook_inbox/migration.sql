-- The webhook inbox: WebhookEvent rows carry the raw body until processed.
ALTER TABLE "WebhookEvent" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "body" TEXT,
ADD COLUMN     "lastError" TEXT,
ADD COLUMN     "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "processedAt" TIMESTAMP(3),
ADD COLUMN     "sequence" BIGSERIAL NOT NULL;

-- Events recorded before the inbox were handled when they were recorded.
UPDATE "WebhookEvent" SET "processedAt" = "receivedAt";

-- The queue: only unprocessed rows, oldest first among those due.
CREATE INDEX "WebhookEvent_pending_idx" ON "WebhookEvent" ("nextAttemptAt", "sequence") WHERE "processedAt" IS NULL;

-- A stable "newest first" for entries written in one transaction (they share createdAt).
ALTER TABLE "PointsLedgerEntry" ADD COLUMN     "sequence" BIGSERIAL NOT NULL;
