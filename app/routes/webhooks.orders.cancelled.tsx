import { orderWebhookAction } from "../orders/webhook-actions.server";

export const action = orderWebhookAction;
