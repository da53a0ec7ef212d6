import { customerWebhookAction } from "../orders/webhook-actions.server";

export const action = customerWebhookAction;
