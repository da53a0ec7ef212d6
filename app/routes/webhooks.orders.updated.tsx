import { orderWebhookAction } from "../orders/order-webhook.server";

export const action = orderWebhookAction;
