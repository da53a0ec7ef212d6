import { BlockStack, Box, Card, InlineStack, Pagination, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

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

/**
 * A paged admin list: its table in a card (dimmed while the next page loads), the empty state when
 * there are no rows, and the pager when there is more than one page.
 */
export function PagedList(props: {
  page: number;
  hasNextPage: boolean;
  onPage: (page: number) => void;
  loading: boolean;
  /** The empty state, when the page has no rows. */
  empty: { heading: string; body: string; itemsName: string } | null;
  children: ReactNode;
}) {
  const { page, hasNextPage, onPage, loading, empty, children } = props;
  return (
    <>
      <div aria-busy={loading} style={{ opacity: loading ? 0.5 : 1, transition: "opacity 120ms" }}>
        <Card padding="0">{empty ? <EmptyList page={page} {...empty} /> : children}</Card>
      </div>
      {(page > 1 || hasNextPage) && (
        <InlineStack align="center">
          <Pagination hasPrevious={page > 1} onPrevious={() => onPage(page - 1)} hasNext={hasNextPage} onNext={() => onPage(page + 1)} label={`Page ${page}`} />
        </InlineStack>
      )}
    </>
  );
}
