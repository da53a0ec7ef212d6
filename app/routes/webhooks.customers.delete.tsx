import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";

import db from "../db.server";
import { refusePayload } from "../orders/webhook-actions.server";
import { markCustomerDeleted, shopProgram } from "../orders/sync.server";
import { handleOnce, receiveWebhook } from "../webhooks/receive.server";

const DeletedCustomer = z.object({ admin_graphql_api_id: z.string().regex(/^gid:\/\/shopify\/Customer\/\d+$/) });

export const action = async ({ request }: ActionFunctionArgs) => {
  const delivery = await receiveWebhook(request);
  const parsed = DeletedCustomer.safeParse(delivery.payload);
  if (!parsed.success) return refusePayload(delivery.topic, delivery.shop, parsed.error.issues);
  const shop = await shopProgram(db, delivery.shop);
  if (!shop) return new Response(null, { status: 200 });
  const at = delivery.triggeredAt ? new Date(delivery.triggeredAt) : new Date();
  await handleOnce(db, delivery, (tx) => markCustomerDeleted(tx, shop, parsed.data.admin_graphql_api_id, at));
  return new Response(null, { status: 200 });
};
