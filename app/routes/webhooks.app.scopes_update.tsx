import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";

import db from "../db.server";
import { handleOnce, receiveWebhook } from "../webhooks/receive.server";

const ScopesUpdate = z.object({ current: z.array(z.string()) });

export const action = async ({ request }: ActionFunctionArgs) => {
  const delivery = await receiveWebhook(request);
  const payload = ScopesUpdate.safeParse(delivery.payload);
  if (!payload.success) return new Response("Payload has no current scopes", { status: 422 });
  await handleOnce(db, delivery, async (tx) => {
    await tx.session.updateMany({
      where: { shop: delivery.shop },
      data: { scope: payload.data.current.join(",") },
    });
  });
  return new Response(null, { status: 200 });
};
