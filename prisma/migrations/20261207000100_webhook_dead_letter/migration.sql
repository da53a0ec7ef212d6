-- AlterTable
ALTER TABLE "WebhookEvent" ADD COLUMN     "deadAt" TIMESTAMP(3);

-- The queue: rows neither processed nor dead.
DROP INDEX "WebhookEvent_pending_idx";
CREATE INDEX "WebhookEvent_pending_idx" ON "WebhookEvent" ("nextAttemptAt", "sequence") WHERE "processedAt" IS NULL AND "deadAt" IS NULL;

-- Dead rows still holding their body, for the purge.
CREATE INDEX "WebhookEvent_dead_body_idx" ON "WebhookEvent" ("deadAt") WHERE "deadAt" IS NOT NULL AND body IS NOT NULL;
