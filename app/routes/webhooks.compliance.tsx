import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";

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
    if (!payload.success) return badPayload(topic);
    await handleOnce(db, delivery, async (tx) => {
      await tx.complianceRequest.create({
        data: {
          shopDomain: delivery.shop,
          topic: customerTopic,
          customerId: `gid://shopify/Customer/${payload.data.customer.id}`,
          payload: delivery.payload as object,
        },
      });
    });
    return new Response(null, { status: 200 });
  }

  return new Response(`Unexpected topic ${topic}`, { status: 400 });
};

function badPayload(topic: string) {
  console.warn(JSON.stringify({ level: "warn", message: "compliance webhook with an unexpected payload", topic }));
  return new Response("Unexpected payload", { status: 422 });
}
