// Verified, checked and stored in the webhook inbox; the inbox processor applies it (app/webhooks/).
import { webhookAction } from "../webhooks/receive.server";

export const action = webhookAction("/webhooks/customers_email_marketing_consent/update");
