import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData, useNavigation, useSearchParams, useSubmit } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Box,
  Button,
  Card,
  EmptyState,
  IndexTable,
  InlineStack,
  Link,
  Page,
  Pagination,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useState } from "react";

import { downloadFromApp } from "../admin/download";
import { PageLoadError } from "../admin/page-load-error";
import { FOLLOW_UP_NAMES, HealthMark } from "../customers/health-mark";
import { customerSearchText, healthThresholdsOf, searchCustomers } from "../customers/directory.server";
import { isSegment, SEGMENTS } from "../customers/segments";
import { CUSTOMER_HEALTHS, HEALTH_LABELS, isCustomerHealth } from "../customers/health";
import db from "../db.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const params = new URL(request.url).searchParams;
  const query = customerSearchText(params.get("query") ?? "");
  const page = Math.min(10_000, Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1));
  const asked = params.get("segment") ?? "";
  // An unknown segment (a hand-edited link) lists everyone rather than no one.
  const segment = isSegment(asked) ? asked : null;
  const askedHealth = params.get("health") ?? "";
  const health = isCustomerHealth(askedHealth) ? askedHealth : null;
  const tiers = await db.tier.findMany({ where: { shopId: shop.id }, orderBy: { threshold: "asc" }, select: { id: true, name: true } });
  // An unknown tier (a hand-edited link, a removed tier) lists everyone rather than no one.
  const tierId = tiers.find((tier) => tier.id === params.get("tier"))?.id ?? null;
  const thresholds = healthThresholdsOf(shop.settings);
  const result = await searchCustomers(db, shop.id, { query, page, segment, health, tierId }, thresholds, new Date());
  return { ...result, query, segment, health, tierId, tiers, thresholds, pointsName: shop.settings.pointsName, timezone: shop.ianaTimezone };
};

const formatDate = (iso: string, timezone: string) => new Date(iso).toLocaleDateString("en", { dateStyle: "medium", timeZone: timezone });

export default function Customers() {
  const { customers, page, hasNext, query, segment, health, tierId, tiers, thresholds, pointsName, timezone } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const submit = useSubmit();
  const [, setSearchParams] = useSearchParams();
  const [search, setSearch] = useState(query);
  useEffect(() => setSearch(query), [query]);
  const searching = navigation.state === "loading" && navigation.location?.pathname === "/app/customers";
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  // The search and segment as URL parameters, for the filter, the pages and the export.
  const filters = (more: Record<string, string> = {}) => ({ ...(query ? { query } : {}), ...(segment ? { segment } : {}), ...(health ? { health } : {}), ...(tierId ? { tier: tierId } : {}), ...more });
  const exportCsv = async () => {
    setExporting(true);
    setExportError(null);
    try {
      await downloadFromApp(`/app/customers/csv?${new URLSearchParams(filters())}`, "customers.csv");
    } catch (error) {
      setExportError((error as Error).message);
    } finally {
      setExporting(false);
    }
  };

  return (
    <Page title="Customers" subtitle={`Their ${pointsName}, orders, segment, tier, next follow-up and health`}>
      <BlockStack gap="400">
        <Card>
          <Form
            method="get"
            onSubmit={(event) => {
              event.preventDefault();
              submit({ query: search.trim(), ...(segment ? { segment } : {}), ...(health ? { health } : {}) }, { method: "get", replace: true });
            }}
          >
            <InlineStack gap="300" blockAlign="end" wrap={false}>
              <Box width="100%">
                <TextField
                  label="Search customers"
                  labelHidden
                  name="query"
                  type="search"
                  placeholder="Search by name or email"
                  autoComplete="off"
                  value={search}
                  onChange={setSearch}
                  clearButton
                  onClearButtonClick={() => {
                    setSearch("");
                    setSearchParams(segment ? { segment } : {});
                  }}
                />
              </Box>
              <Box minWidth="180px">
                <Select
                  label="Segment"
                  labelHidden
                  options={[{ label: "All segments", value: "" }, ...SEGMENTS.map((name) => ({ label: name, value: name }))]}
                  value={segment ?? ""}
                  onChange={(value) => setSearchParams({ ...(query ? { query } : {}), ...(health ? { health } : {}), ...(tierId ? { tier: tierId } : {}), ...(value ? { segment: value } : {}) })}
                />
              </Box>
              <Box minWidth="160px">
                <Select
                  label="Health"
                  labelHidden
                  options={[{ label: "Any health", value: "" }, ...CUSTOMER_HEALTHS.map((value) => ({ label: HEALTH_LABELS[value].label, value }))]}
                  value={health ?? ""}
                  onChange={(value) => setSearchParams({ ...(query ? { query } : {}), ...(segment ? { segment } : {}), ...(tierId ? { tier: tierId } : {}), ...(value ? { health: value } : {}) })}
                />
              </Box>
              {tiers.length > 0 ? (
                <Box minWidth="150px">
                  <Select
                    label="Tier"
                    labelHidden
                    options={[{ label: "All tiers", value: "" }, ...tiers.map((tier) => ({ label: tier.name, value: tier.id }))]}
                    value={tierId ?? ""}
                    onChange={(value) => setSearchParams({ ...(query ? { query } : {}), ...(segment ? { segment } : {}), ...(health ? { health } : {}), ...(value ? { tier: value } : {}) })}
                  />
                </Box>
              ) : null}
              <Button submit loading={searching}>
                Search
              </Button>
              <Button onClick={exportCsv} loading={exporting}>
                Export CSV
              </Button>
            </InlineStack>
          </Form>
          {exportError ? (
            <Box paddingBlockStart="200">
              <Text as="p" tone="critical">
                The export failed ({exportError}); try again.
              </Text>
            </Box>
          ) : null}
        </Card>
        <Card padding="0">
          {customers.length === 0 ? (
            <EmptyState heading={query ? `No customers match “${query}”` : segment ? `No customers in ${segment}` : "No customers yet"} image="">
              <p>
                {query || segment
                  ? "Try part of a name or an email address, another segment, or clear the search."
                  : "Customers appear here as they create accounts or order; past customers arrive with the history import after install."}
              </p>
            </EmptyState>
          ) : (
            <IndexTable
              resourceName={{ singular: "customer", plural: "customers" }}
              itemCount={customers.length}
              selectable={false}
              loading={searching}
              headings={[
                { title: "Customer" },
                { title: "Health" },
                { title: "Segment" },
                { title: "Tier" },
                { title: `Balance`, alignment: "end" },
                { title: "Pending", alignment: "end" },
                { title: "Orders", alignment: "end" },
                { title: "Next follow-up" },
              ]}
            >
              {customers.map((customer, index) => (
                <IndexTable.Row id={customer.id} key={customer.id} position={index}>
                  <IndexTable.Cell>
                    <BlockStack gap="050">
                      <Link url={`/app/customers/${customer.id}`} removeUnderline dataPrimaryLink>
                        <Text as="span" fontWeight="semibold">
                          {customer.name ?? customer.email ?? "Unnamed customer"}
                        </Text>
                      </Link>
                      <InlineStack gap="100">
                        {customer.name && customer.email ? (
                          <Text as="span" tone="subdued" variant="bodySm">
                            {customer.email}
                          </Text>
                        ) : null}
                        {customer.member ? <Badge size="small">Member</Badge> : null}
                        {customer.deleted ? <Badge size="small" tone="critical">Deleted in Shopify</Badge> : null}
                      </InlineStack>
                    </BlockStack>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <HealthMark health={customer.health} thresholds={thresholds} />
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    {customer.segment ? (
                      <span data-segment={customer.segment}>{customer.segment}</span>
                    ) : (
                      <Text as="span" tone="subdued">
                        —
                      </Text>
                    )}
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    {customer.tier ? (
                      <span data-tier={customer.tier}>{customer.tier}</span>
                    ) : (
                      <Text as="span" tone="subdued">
                        —
                      </Text>
                    )}
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric tone={customer.points.total < 0 ? "critical" : undefined}>
                      <span data-balance={customer.points.total}>{customer.points.total.toLocaleString("en")}</span>
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric tone="subdued">
                      {customer.points.pending.toLocaleString("en")}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {customer.orders.toLocaleString("en")}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    {customer.nextFollowUp ? (
                      <Text as="span">
                        {FOLLOW_UP_NAMES[customer.nextFollowUp.kind] ?? customer.nextFollowUp.kind} · {formatDate(customer.nextFollowUp.dueAt, timezone)}
                      </Text>
                    ) : (
                      <Text as="span" tone="subdued">
                        None scheduled
                      </Text>
                    )}
                  </IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          )}
        </Card>
        {(page > 1 || hasNext) && (
          <InlineStack align="center">
            <Pagination
              hasPrevious={page > 1}
              onPrevious={() => setSearchParams(filters({ page: String(page - 1) }))}
              hasNext={hasNext}
              onNext={() => setSearchParams(filters({ page: String(page + 1) }))}
              label={`Page ${page}`}
            />
          </InlineStack>
        )}
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageLoadError what="The customers" page="Customers" />;
}
