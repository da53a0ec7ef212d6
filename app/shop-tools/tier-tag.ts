/** Shopify's longest tag. */
export const MAX_TAG_LENGTH = 255;

/**
 * The customer tag for a tier: the merchant's prefix, a space and the tier's name ("VIP Gold"). A comma
 * would make two tags of it (tagsAdd splits on commas), so it becomes a space.
 */
export function tierTag(prefix: string, tierName: string): string {
  return [prefix, tierName]
    .map((part) => part.replace(/,/g, " ").replace(/\s+/g, " ").trim())
    .filter(Boolean)
    .join(" ")
    .slice(0, MAX_TAG_LENGTH);
}
