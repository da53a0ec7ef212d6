import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";

import { customerDataReport, redactCustomer } from "../customers/privacy.server";
import db from "../db.server";
import { eraseShop } from "../shops/installation.server";
import { handleOnce, receiveWebhook } from "../webhooks/receive.server";

// Shopify's documented compliance payloads: the fields each handler relies on.
const CustomerRequest = z.object({
  shop_domain: z.string(),
  customer: z.object({ id: z.number().or(z.string()), email: z.string().nullish() }),
});
const ShopRedact = z.object({ shop_domain: z.string() });

const CUSTOMER_TOPICS: Record<string, string> = {
  CUSTOMERS_DATA_REQUEST: "customers/data_request",
  CUSTOMERS_REDACT: "customers/redact",
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const rawBody = await request.clone().text();
  const delivery = await receiveWebhook(request);
  const topic = delivery.topic as string;

  if (topic === "SHOP_REDACT") {
    if (!ShopRedact.safeParse(delivery.payload).success) return badPayload(topic);
    await handleOnce(db, delivery, (tx) => eraseShop(tx, delivery.shop));
    return new Response(null, { status: 200 });
  }

  const customerTopic = CUSTOMER_TOPICS[topic];
  if (customerTopic) {
    const payload = CustomerRequest.safeParse(delivery.payload);
    const customerId = complianceCustomerGid(rawBody);
    if (!payload.success || !customerId) return badPayload(topic);
    const now = new Date();
    await handleOnce(db, delivery, async (tx) => {
      const shop = await tx.shop.findUnique({ where: { domain: delivery.shop }, select: { id: true } });
      const redacting = customerTopic === "customers/redact";
      if (shop && redacting) await redactCustomer(tx, shop.id, customerId, now);
      const report = shop && !redacting ? await customerDataReport(tx, shop.id, customerId) : undefined;
      await tx.complianceRequest.create({
        data: {
          shopDomain: delivery.shop,
          topic: customerTopic,
          customerId,
          // A redaction keeps no copy of the personal data it erased.
          payload: redacting ? { customer: { id: customerId } } : (delivery.payload as object),
          ...(report ? { report } : {}),
          completedAt: now,
        },
      });
    });
    return new Response(null, { status: 200 });
  }

  return new Response(`Unexpected topic ${topic}`, { status: 400 });
};

/** The customer's numeric id read from the raw body: JSON.parse cannot hold ids past 2^53 exactly. */
function complianceCustomerGid(rawBody: string): string | null {
  const match = /"customer"\s*:\s*\{[^{}]*?"id"\s*:\s*"?(\d+)/.exec(rawBody);
  return match ? `gid://shopify/Customer/${match[1]}` : null;
}

function badPayload(topic: string) {
  console.warn(JSON.stringify({ level: "warn", message: "compliance webhook with an unexpected payload", topic }));
  return new Response("Unexpected payload", { status: 422 });
}
