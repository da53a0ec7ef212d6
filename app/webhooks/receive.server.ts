import { Prisma, type PrismaClient } from "../generated/prisma/client";
import { authenticate } from "../shopify.server";

export type WebhookDelivery = Awaited<ReturnType<typeof authenticate.webhook>>;
export type Transaction = Prisma.TransactionClient;

const log = (message: string, fields: Record<string, unknown>) =>
  console.warn(JSON.stringify({ level: "warn", message, ...fields }));

/**
 * Verifies a webhook delivery: a missing or wrong HMAC is 401, a body that is not JSON is 400 (and
 * logged), so nothing unverified or unreadable reaches a handler.
 */
export async function receiveWebhook(request: Request): Promise<WebhookDelivery> {
  if (!request.headers.get("x-shopify-hmac-sha256")) {
    log("webhook refused: no HMAC header", { topic: request.headers.get("x-shopify-topic") });
    throw new Response("Missing X-Shopify-Hmac-Sha256", { status: 401 });
  }
  try {
    return await authenticate.webhook(request);
  } catch (error) {
    if (error instanceof Response) {
      if (error.status === 401) log("webhook refused: HMAC does not match", { topic: request.headers.get("x-shopify-topic") });
      throw error;
    }
    if (error instanceof SyntaxError) {
      log("webhook refused: body is not JSON", { topic: request.headers.get("x-shopify-topic") });
      throw new Response("Body is not JSON", { status: 400 });
    }
    throw error;
  }
}

/**
 * Runs a handler once per event: the event id is recorded in the same transaction as the handler's
 * writes, so a redelivery after success is a no-op and a failure leaves nothing half-written
 * (Shopify retries it).
 */
export async function handleOnce(
  db: PrismaClient,
  delivery: WebhookDelivery,
  handler: (tx: Transaction) => Promise<void>,
): Promise<"handled" | "duplicate"> {
  const eventId = ("eventId" in delivery && delivery.eventId) || delivery.webhookId;
  try {
    await db.$transaction(async (tx) => {
      await tx.webhookEvent.create({
        data: {
          shopDomain: delivery.shop,
          eventId,
          webhookId: delivery.webhookId,
          topic: delivery.topic,
          triggeredAt: delivery.triggeredAt ? new Date(delivery.triggeredAt) : null,
        },
      });
      await handler(tx);
    });
    return "handled";
  } catch (error) {
    // Only the event record's own key means "seen before"; any other conflict is a real failure.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002" && error.meta?.modelName === "WebhookEvent") {
      return "duplicate";
    }
    throw error;
  }
}
