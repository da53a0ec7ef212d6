import type { ActionFunctionArgs } from "@remix-run/node";

import db from "../db.server";
import { refusePayload } from "../orders/order-webhook.server";
import { CustomerPayload, customerSnapshot } from "../orders/payloads";
import { shopProgram, syncCustomer } from "../orders/sync.server";
import { handleOnce, receiveWebhook } from "../webhooks/receive.server";

export const action = async ({ request }: ActionFunctionArgs) => {
  const delivery = await receiveWebhook(request);
  const parsed = CustomerPayload.safeParse(delivery.payload);
  if (!parsed.success) return refusePayload(delivery.topic, delivery.shop, parsed.error.issues);
  const shop = await shopProgram(db, delivery.shop);
  if (!shop) return new Response(null, { status: 200 });
  const customer = customerSnapshot(parsed.data);
  await handleOnce(db, delivery, (tx) => syncCustomer(tx, shop, customer, new Date()));
  return new Response(null, { status: 200 });
};
