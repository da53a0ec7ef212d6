/**
 * A campaign's email as the merchant reviews it (the live preview, and the test send to their own
 * address), pure: their subject and body with the follow-ups' merge fields filled for an example
 * customer, in the shop's branding. Recipients get the same rendering with their own values.
 */
import { renderEmail, type MergeValues } from "../follow-ups/templates";
import { discountText, type CampaignInput } from "./form";

/** The example code in previews and test sends: never created in Shopify. */
export const EXAMPLE_CODE = "OFFER-EXAMPLE1";

export function campaignPreviewValues(
  input: Pick<CampaignInput, "discountKind" | "discountValue" | "discountValidDays">,
  shop: { name: string; domain: string; timezone: string; currencyCode: string },
  now: Date,
): MergeValues {
  const discount = discountText(input, shop.currencyCode);
  const shopUrl = `https://${shop.domain}`;
  const days = input.discountValidDays ?? 0;
  return {
    first_name: "Ana",
    shop_name: shop.name,
    points_balance: "240",
    code: discount ? EXAMPLE_CODE : null,
    discount,
    code_expires: discount ? new Intl.DateTimeFormat("en", { dateStyle: "long", timeZone: shop.timezone }).format(new Date(now.getTime() + days * 86_400_000)) : null,
    reorder_link: discount ? `${shopUrl}/discount/${EXAMPLE_CODE}` : shopUrl,
  };
}

export function previewCampaignEmail(
  input: Pick<CampaignInput, "subject" | "body" | "discountKind" | "discountValue" | "discountValidDays">,
  shop: { name: string; domain: string; timezone: string; currencyCode: string },
  branding: { brandColor: string; logoUrl: string | null },
  unsubscribeUrl: string,
  now: Date,
) {
  return renderEmail({
    kind: "CAMPAIGN",
    template: { subject: input.subject, body: input.body },
    values: campaignPreviewValues(input, shop, now),
    branding: { shopName: shop.name, brandColor: branding.brandColor, logoUrl: branding.logoUrl },
    unsubscribeUrl,
  });
}
