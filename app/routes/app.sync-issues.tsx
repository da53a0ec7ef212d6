import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, EmptyState, IndexTable, InlineStack, Link, Page, Text } from "@shopify/polaris";
import { z } from "zod";

import { PageLoadError } from "../admin/page-load-error";
import db from "../db.server";
import { env } from "../env.server";
import { JOBS } from "../jobs/catalog.server";
import { jobRunsForShop } from "../jobs/run-log.server";
import { MAX_WRITE_ATTEMPTS, retryStoppedShopifyWrites, shopifyWriteIssues } from "../shop-tools/shopify-writes.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";
import { listSyncIssues, retryDeadDelivery } from "../webhooks/sync-issues.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const format = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: shop.ianaTimezone });
  const [issues, runs, writes] = await Promise.all([listSyncIssues(db, session.shop), jobRunsForShop(db, shop.id), shopifyWriteIssues(db, shop.id)]);
  const describe = (job: string) => JOBS.find((candidate) => candidate.name === job)?.description ?? job;
  return {
    issues: issues.map((issue) => ({ ...issue, receivedAt: format.format(issue.receivedAt) })),
    bodyDays: env().WEBHOOK_DEAD_BODY_DAYS,
    shopifyWrites: {
      retrying: writes.retrying,
      maxAttempts: MAX_WRITE_ATTEMPTS,
      stopped: writes.stopped.map((write) => ({ ...write, queuedAt: format.format(write.queuedAt) })),
    },
    jobRuns: runs.map((run) => ({
      job: run.job,
      what: describe(run.job),
      scope: run.scope,
      startedAt: format.format(run.startedAt),
      seconds: run.finishedAt ? Math.max(0, Math.round((run.finishedAt.getTime() - run.startedAt.getTime()) / 100) / 10) : null,
      outcome: run.outcome,
      summary: run.summary,
      error: run.error,
    })),
  };
};

const RetryForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("retry"), id: z.string().min(1).max(100) }),
  z.object({ intent: z.literal("retry-write"), id: z.string().min(1).max(100) }),
  z.object({ intent: z.literal("retry-writes") }),
]);

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const form = RetryForm.safeParse(Object.fromEntries(await request.formData()));
  if (!form.success) return { ok: false, error: "Unknown request" };
  if (form.data.intent === "retry") {
    const retried = await retryDeadDelivery(db, session.shop, form.data.id);
    return retried ? { ok: true, error: null } : { ok: false, error: "This update can no longer be retried: it was applied, or its data was cleared." };
  }
  const shop = await installedShop(db, session.shop, admin.graphql);
  const retried = await retryStoppedShopifyWrites(db, shop.id, form.data.intent === "retry-writes" ? "all" : { id: form.data.id });
  return retried > 0 ? { ok: true, error: null } : { ok: false, error: "This write is no longer stopped: it was sent, or is being tried again." };
};

function RetryButton({ id, label, intent = "retry", children = "Retry" }: { id?: string; label: string; intent?: string; children?: string }) {
  const fetcher = useFetcher<typeof action>();
  return (
    <BlockStack gap="100">
      <fetcher.Form method="post">
        <input type="hidden" name="intent" value={intent} />
        {id !== undefined && <input type="hidden" name="id" value={id} />}
        <Button submit size="slim" loading={fetcher.state !== "idle"} accessibilityLabel={label}>
          {children}
        </Button>
      </fetcher.Form>
      {fetcher.data?.error && (
        <Text as="span" tone="critical" variant="bodySm">
          {fetcher.data.error}
        </Text>
      )}
    </BlockStack>
  );
}

type JobRunRow = Awaited<ReturnType<typeof loader>>["jobRuns"][number];
type ShopifyWrites = Awaited<ReturnType<typeof loader>>["shopifyWrites"];

/** What the app writes to Shopify (balances and tiers on customer records, Flow triggers) and could not. */
function WritesToShopify({ writes }: { writes: ShopifyWrites }) {
  return (
    <Card padding="0">
      <BlockStack gap="0">
        <div style={{ padding: "var(--p-space-400)" }}>
          <BlockStack gap="200">
            <InlineStack align="space-between" blockAlign="center">
              <Text as="h2" variant="headingMd">
                Writes to Shopify
              </Text>
              {writes.stopped.length > 1 && <RetryButton intent="retry-writes" label="Retry every stopped write to Shopify">Retry all</RetryButton>}
            </InlineStack>
            <Text as="p" tone="subdued">
              The app keeps each customer&apos;s points balance and tier on their Shopify record and sends your Flow triggers. A write
              Shopify refuses is tried again, with longer pauses; after {writes.maxAttempts} failures it stops and is listed here.
            </Text>
            {writes.retrying > 0 && (
              <Text as="p">{writes.retrying === 1 ? "1 write is being tried again." : `${writes.retrying} writes are being tried again.`}</Text>
            )}
          </BlockStack>
        </div>
        {writes.stopped.length === 0 ? (
          <div style={{ padding: "0 var(--p-space-400) var(--p-space-400)" }}>
            <Text as="p">No write to Shopify has stopped.</Text>
          </div>
        ) : (
          <IndexTable
            resourceName={{ singular: "write", plural: "writes" }}
            itemCount={writes.stopped.length}
            selectable={false}
            headings={[{ title: "Queued" }, { title: "Write" }, { title: "Customer" }, { title: "Attempts" }, { title: "Error" }, { title: "" }]}
          >
            {writes.stopped.map((write, index) => (
              <IndexTable.Row id={write.id} key={write.id} position={index}>
                <IndexTable.Cell>{write.queuedAt}</IndexTable.Cell>
                <IndexTable.Cell>
                  <div style={{ maxWidth: "18rem", whiteSpace: "normal" }}>{write.what}</div>
                </IndexTable.Cell>
                <IndexTable.Cell>{write.customer ? <Link url={`/app/customers/${write.customer.id}`}>{write.customer.name}</Link> : ""}</IndexTable.Cell>
                <IndexTable.Cell>{write.attempts}</IndexTable.Cell>
                <IndexTable.Cell>
                  <div style={{ maxWidth: "28rem", whiteSpace: "normal", wordBreak: "break-word" }}>
                    <Text as="span" variant="bodySm" tone="critical">
                      {write.error ?? ""}
                    </Text>
                  </div>
                </IndexTable.Cell>
                <IndexTable.Cell>
                  <RetryButton intent="retry-write" id={write.id} label={`Retry: ${write.what}${write.customer ? ` for ${write.customer.name}` : ""}`} />
                </IndexTable.Cell>
              </IndexTable.Row>
            ))}
          </IndexTable>
        )}
      </BlockStack>
    </Card>
  );
}

/** What ran in the background for this shop, and the last run of each job that works across all shops. */
function BackgroundJobs({ runs }: { runs: JobRunRow[] }) {
  return (
    <Card padding="0">
      <BlockStack gap="0">
        <div style={{ padding: "var(--p-space-400)" }}>
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              Background jobs
            </Text>
            <Text as="p" tone="subdued">
              Work the app does on its own: importing your order history, rebuilding reports, sending follow-ups, expiring points.
            </Text>
          </BlockStack>
        </div>
        {runs.length === 0 ? (
          <div style={{ padding: "0 var(--p-space-400) var(--p-space-400)" }}>
            <Text as="p">No background job has run yet.</Text>
          </div>
        ) : (
          <IndexTable
            resourceName={{ singular: "run", plural: "runs" }}
            itemCount={runs.length}
            selectable={false}
            headings={[{ title: "Started" }, { title: "Job" }, { title: "For" }, { title: "Result" }, { title: "Details" }]}
          >
            {runs.map((run, index) => (
              <IndexTable.Row id={`${run.job}-${index}`} key={`${run.job}-${index}`} position={index}>
                <IndexTable.Cell>{run.startedAt}</IndexTable.Cell>
                <IndexTable.Cell>
                  <div style={{ maxWidth: "20rem", whiteSpace: "normal" }}>{run.what}</div>
                </IndexTable.Cell>
                <IndexTable.Cell>{run.scope === "shop" ? "This store" : "All stores (last run)"}</IndexTable.Cell>
                <IndexTable.Cell>{run.outcome === "failed" ? <Badge tone="critical">Failed</Badge> : <Badge tone="success">Done</Badge>}</IndexTable.Cell>
                <IndexTable.Cell>
                  <div style={{ maxWidth: "28rem", whiteSpace: "normal", wordBreak: "break-word" }}>
                    <Text as="span" variant="bodySm" tone={run.outcome === "failed" ? "critical" : undefined}>
                      {run.outcome === "failed" ? (run.error ?? "See the app's logs for the reason.") : (run.summary ?? "")}
                      {run.seconds !== null ? ` (${run.seconds} s)` : ""}
                    </Text>
                  </div>
                </IndexTable.Cell>
              </IndexTable.Row>
            ))}
          </IndexTable>
        )}
      </BlockStack>
    </Card>
  );
}

export default function SyncIssues() {
  const { issues, bodyDays, jobRuns, shopifyWrites } = useLoaderData<typeof loader>();
  const dead = issues.filter((issue) => issue.dead).length;

  return (
    <Page title="Sync issues" subtitle="What the app could not sync with Shopify">
      <BlockStack gap="400">
        <Text as="p" tone="subdued">
          Shopify tells the app about every order, refund and customer change. An update that fails is tried again, with
          longer pauses each time; after repeated failures the app stops and lists it here with the reason. Retry it once the
          cause is fixed. Its data is cleared {bodyDays === 1 ? "a day" : `${bodyDays} days`} after the app stopped trying.
        </Text>
        {dead > 0 && (
          <Banner tone="warning" title={dead === 1 ? "1 update was not applied" : `${dead} updates were not applied`}>
            <p>Points, follow-ups and reports may be missing what these updates carried.</p>
          </Banner>
        )}
        {issues.length === 0 ? (
          <Card>
            <EmptyState heading="No failed updates from Shopify" image="">
              <p>Every update from Shopify was applied.</p>
            </EmptyState>
          </Card>
        ) : (
          <Card padding="0">
            <IndexTable
              resourceName={{ singular: "update", plural: "updates" }}
              itemCount={issues.length}
              selectable={false}
              headings={[{ title: "Received" }, { title: "Update" }, { title: "Status" }, { title: "Attempts" }, { title: "Error" }, { title: "" }]}
            >
              {issues.map((issue, index) => (
                <IndexTable.Row id={issue.id} key={issue.id} position={index}>
                  <IndexTable.Cell>{issue.receivedAt}</IndexTable.Cell>
                  <IndexTable.Cell>{issue.topic}</IndexTable.Cell>
                  <IndexTable.Cell>{issue.dead ? <Badge tone="critical">Stopped</Badge> : <Badge tone="attention">Retrying</Badge>}</IndexTable.Cell>
                  <IndexTable.Cell>{issue.attempts}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <div style={{ maxWidth: "28rem", whiteSpace: "normal", wordBreak: "break-word" }}>
                      <Text as="span" variant="bodySm">
                        {issue.error ?? ""}
                      </Text>
                    </div>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    {issue.retryable ? (
                      <RetryButton id={issue.id} label={`Retry the ${issue.topic} update`} />
                    ) : issue.dead ? (
                      <Text as="span" tone="subdued" variant="bodySm">
                        Data cleared
                      </Text>
                    ) : null}
                  </IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          </Card>
        )}
        <WritesToShopify writes={shopifyWrites} />
        <BackgroundJobs runs={jobRuns} />
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageLoadError what="The sync issues" page="Sync issues" />;
}
