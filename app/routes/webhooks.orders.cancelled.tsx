// Verified, checked and stored in the webhook inbox; the inbox processor applies it (app/webhooks/).
export { webhookAction as action } from "../webhooks/receive.server";
