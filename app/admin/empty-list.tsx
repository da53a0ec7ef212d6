import { BlockStack, Box, Text } from "@shopify/polaris";

/**
 * What a paged admin list shows with no rows: what belongs there and how it gets there on the first
 * page, and that the list ended on a later one (an old link, or rows gone since).
 */
export function EmptyList({ page, heading, body, itemsName }: { page: number; heading: string; body: string; itemsName: string }) {
  const pastTheEnd = page > 1;
  return (
    <Box padding="800">
      <BlockStack gap="200" inlineAlign="center">
        <Text as="h2" variant="headingMd" alignment="center">
          {pastTheEnd ? `No more ${itemsName}` : heading}
        </Text>
        <Text as="p" tone="subdued" alignment="center">
          {pastTheEnd ? "This page is past the end of the list." : body}
        </Text>
      </BlockStack>
    </Box>
  );
}
