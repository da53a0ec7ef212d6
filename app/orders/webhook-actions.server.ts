import type { ActionFunctionArgs } from "@remix-run/node";

import db from "../db.server";
import { handleOnce, receiveWebhook } from "../webhooks/receive.server";
import { CustomerPayload, customerSnapshot, OrderPayload, orderSnapshot } from "./payloads";
import { shopProgram, syncCustomer, syncOrder } from "./sync.server";

/**
 * orders/create, orders/paid, orders/updated and orders/cancelled all carry the whole order, so one
 * action serves their four routes: the stored order becomes the newest version seen, and its points follow.
 */
export async function orderWebhookAction({ request }: ActionFunctionArgs): Promise<Response> {
  const delivery = await receiveWebhook(request);
  const parsed = OrderPayload.safeParse(delivery.payload);
  if (!parsed.success) return refusePayload(delivery.topic, delivery.shop, parsed.error.issues);
  let snapshot;
  try {
    snapshot = orderSnapshot(parsed.data);
  } catch (error) {
    return refusePayload(delivery.topic, delivery.shop, [{ message: (error as Error).message }]);
  }
  const shop = await shopProgram(db, delivery.shop);
  // A shop that uninstalled (or was erased) gets nothing stored; Shopify stops sending soon after.
  if (!shop) return new Response(null, { status: 200 });
  await handleOnce(db, delivery, (tx) => syncOrder(tx, shop, snapshot, new Date()).then(() => undefined));
  return new Response(null, { status: 200 });
}

/** customers/create and customers/update carry the whole customer: store it, then welcome points if due. */
export async function customerWebhookAction({ request }: ActionFunctionArgs): Promise<Response> {
  const delivery = await receiveWebhook(request);
  const parsed = CustomerPayload.safeParse(delivery.payload);
  if (!parsed.success) return refusePayload(delivery.topic, delivery.shop, parsed.error.issues);
  const shop = await shopProgram(db, delivery.shop);
  if (!shop) return new Response(null, { status: 200 });
  const customer = customerSnapshot(parsed.data);
  await handleOnce(db, delivery, (tx) => syncCustomer(tx, shop, customer, new Date()));
  return new Response(null, { status: 200 });
}

/** A verified delivery whose payload lacks what the topic needs: 422 and a log line, nothing written. */
export function refusePayload(topic: string, shop: string, issues: { path?: PropertyKey[]; message: string }[]): Response {
  const problems = issues.slice(0, 5).map((issue) => `${(issue.path ?? []).map(String).join(".") || "payload"}: ${issue.message}`);
  console.warn(JSON.stringify({ level: "warn", message: "webhook refused: unexpected payload", topic, shop, problems }));
  return new Response(`Unexpected payload: ${problems.join("; ")}`, { status: 422 });
}
