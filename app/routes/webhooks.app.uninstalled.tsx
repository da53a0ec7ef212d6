import type { ActionFunctionArgs } from "@remix-run/node";

import db from "../db.server";
import { recordUninstall } from "../shops/installation.server";
import { handleOnce, receiveWebhook } from "../webhooks/receive.server";

export const action = async ({ request }: ActionFunctionArgs) => {
  const delivery = await receiveWebhook(request);
  const at = delivery.triggeredAt ? new Date(delivery.triggeredAt) : new Date();
  await handleOnce(db, delivery, (tx) => recordUninstall(tx, delivery.shop, at));
  return new Response(null, { status: 200 });
};
