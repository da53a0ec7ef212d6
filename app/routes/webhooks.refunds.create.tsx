import type { ActionFunctionArgs } from "@remix-run/node";

import db from "../db.server";
import { refusePayload } from "../orders/webhook-actions.server";
import { RefundWebhookPayload, refundOrderGid, refundSnapshot } from "../orders/payloads";
import { shopProgram, syncRefund } from "../orders/sync.server";
import { handleOnce, receiveWebhook } from "../webhooks/receive.server";

export const action = async ({ request }: ActionFunctionArgs) => {
  const rawBody = await request.clone().text();
  const delivery = await receiveWebhook(request);
  const parsed = RefundWebhookPayload.safeParse(delivery.payload);
  const orderShopifyId = refundOrderGid(rawBody);
  if (!parsed.success) return refusePayload(delivery.topic, delivery.shop, parsed.error.issues);
  if (!orderShopifyId) return refusePayload(delivery.topic, delivery.shop, [{ message: "no order_id" }]);
  let refund;
  try {
    refund = refundSnapshot(parsed.data, orderShopifyId);
  } catch (error) {
    return refusePayload(delivery.topic, delivery.shop, [{ message: (error as Error).message }]);
  }
  const shop = await shopProgram(db, delivery.shop);
  if (!shop) return new Response(null, { status: 200 });
  await handleOnce(db, delivery, (tx) => syncRefund(tx, shop, refund, new Date()));
  return new Response(null, { status: 200 });
};
