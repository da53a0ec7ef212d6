import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, IndexTable, Page, Text } from "@shopify/polaris";
import { useState } from "react";

import { downloadFromApp } from "../admin/download";
import { PagedList } from "../admin/paged-list";
import { PageLoadError } from "../admin/page-load-error";
import { listPrivacyRequests, type PrivacyRequestKind } from "../customers/privacy-requests.server";
import db from "../db.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const page = Math.max(1, Math.min(10_000, Math.floor(Number(new URL(request.url).searchParams.get("page")) || 1)));
  const list = await listPrivacyRequests(db, session.shop, page);
  const format = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: shop.ianaTimezone });
  return {
    page,
    hasNextPage: list.hasNextPage,
    rows: list.rows.map((row) => ({
      ...row,
      customer: row.customerEmail ?? (row.customerId ? `Customer ${row.customerId.split("/").pop()}` : "Unknown customer"),
      receivedAt: format.format(new Date(row.receivedAt)),
    })),
  };
};

const KIND_LABELS: Record<PrivacyRequestKind, string> = { data_request: "Data request", redact: "Erasure" };

export default function PrivacyRequests() {
  const { page, rows, hasNextPage } = useLoaderData<typeof loader>();
  const [, setSearchParams] = useSearchParams();
  const navigation = useNavigation();
  const [downloading, setDownloading] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loading = navigation.state === "loading" && navigation.location?.pathname === "/app/privacy";

  return (
    <Page title="Privacy requests" subtitle="Customers' requests for their data and for erasure, received from Shopify">
      <BlockStack gap="400">
        <Text as="p" tone="subdued">
          When a customer asks your store for their data, Shopify tells the app and the app gathers everything it stores
          about them: download it here and send it to the customer. An erasure removes the customer's name, email, phone
          and address from the app at once and stops every email to them; their orders and points stay, without the
          person, so your totals stay right.
        </Text>
        {error && (
          <Banner tone="critical" title="The data could not be downloaded" onDismiss={() => setError(null)}>
            <p>{error}</p>
          </Banner>
        )}
        <PagedList
          page={page}
          hasNextPage={hasNextPage}
          onPage={(next) => setSearchParams(next > 1 ? { page: String(next) } : {})}
          loading={loading}
          empty={rows.length === 0 ? { heading: "No privacy requests yet", body: "Requests appear here when a customer asks your store, through Shopify, for their data or to be forgotten.", itemsName: "requests" } : null}
        >
          <IndexTable
            resourceName={{ singular: "request", plural: "requests" }}
            itemCount={rows.length}
            selectable={false}
            headings={[{ title: "Received" }, { title: "Request" }, { title: "Customer" }, { title: "Status" }, { title: "" }]}
          >
            {rows.map((row, index) => (
              <IndexTable.Row id={row.id} key={row.id} position={index}>
                <IndexTable.Cell>{row.receivedAt}</IndexTable.Cell>
                <IndexTable.Cell>
                  <BlockStack gap="050">
                    <Text as="span">{KIND_LABELS[row.kind]}</Text>
                    {row.ordersRequested > 0 && (
                      <Text as="span" tone="subdued" variant="bodySm">
                        {row.ordersRequested === 1 ? "1 order named" : `${row.ordersRequested} orders named`}
                      </Text>
                    )}
                  </BlockStack>
                </IndexTable.Cell>
                <IndexTable.Cell>{row.customer}</IndexTable.Cell>
                <IndexTable.Cell>
                  {row.completedAt ? <Badge tone="success">{row.kind === "redact" ? "Erased" : "Ready"}</Badge> : <Badge tone="attention">Received</Badge>}
                </IndexTable.Cell>
                <IndexTable.Cell>
                  {row.kind === "data_request" && row.completedAt && (
                    <Button
                      size="slim"
                      variant="plain"
                      accessibilityLabel={`Download the data of ${row.customer}`}
                      loading={downloading === row.id}
                      onClick={() => {
                        setDownloading(row.id);
                        setError(null);
                        downloadFromApp(`/app/privacy/${row.id}`, "customer-data.json")
                          .catch((failure: Error) => setError(`${failure.message}. Try again; if it keeps failing, reload the page.`))
                          .finally(() => setDownloading(null));
                      }}
                    >
                      Download data
                    </Button>
                  )}
                </IndexTable.Cell>
              </IndexTable.Row>
            ))}
          </IndexTable>
        </PagedList>
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageLoadError what="The privacy requests" page="Privacy requests" />;
}
