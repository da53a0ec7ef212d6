-- The payload as read on acceptance, kept with the raw body until the delivery is applied
ALTER TABLE "WebhookEvent" ADD COLUMN "snapshot" TEXT;
