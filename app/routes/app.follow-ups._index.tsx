/**
 * The shop's follow-ups by state (scheduled, sent, failed, cancelled), a page at a time, with a
 * cancel for one still scheduled: the action only ever cancels a scheduled row of this shop.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, ButtonGroup, IndexTable, InlineStack, Select, Text, Tooltip } from "@shopify/polaris";
import { useState } from "react";

import { PagedList } from "../admin/paged-list";
import { PageLoadError } from "../admin/page-load-error";
import db from "../db.server";
import { explainFailure } from "../follow-ups/failure-reasons";
import { listFollowUps } from "../follow-ups/listing.server";
import { FOLLOW_UP_TABS, type FollowUpKind, type FollowUpTab } from "../follow-ups/rules";
import { cancelFollowUp } from "../follow-ups/schedule.server";
import { FOLLOW_UP_KINDS, KIND_LABELS } from "../follow-ups/settings";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const search = new URL(request.url).searchParams;
  const tab = (FOLLOW_UP_TABS as readonly string[]).includes(search.get("status") ?? "") ? (search.get("status") as FollowUpTab) : "scheduled";
  const page = Math.max(1, Math.min(10_000, Math.floor(Number(search.get("page")) || 1)));
  const kind = (FOLLOW_UP_KINDS as readonly string[]).includes(search.get("kind") ?? "") ? (search.get("kind") as FollowUpKind) : null;
  const list = await listFollowUps(db, shop.id, tab, page, kind);
  // Times as the merchant reads them: the shop's time zone, formatted once on the server.
  const format = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: shop.ianaTimezone });
  const when = (iso: string | null) => (iso ? format.format(new Date(iso)) : null);
  return {
    tab,
    page,
    kind,
    timezone: shop.ianaTimezone,
    counts: list.counts,
    hasNextPage: list.hasNextPage,
    rows: list.rows.map((row) => ({ ...row, dueAt: when(row.dueAt)!, sentAt: when(row.sentAt), cancelledAt: when(row.cancelledAt) })),
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await db.shop.findUnique({ where: { domain: session.shop }, select: { id: true } });
  const form = await request.formData();
  const id = String(form.get("id") ?? "");
  if (form.get("intent") !== "cancel" || !id) return Response.json({ ok: false, message: "Choose a follow-up to cancel." }, { status: 400 });
  if (shop && (await cancelFollowUp(db, shop.id, id, new Date()))) return { ok: true, message: "Follow-up cancelled. It will not be sent." };
  // Another shop's id is answered as one that does not exist.
  const mine = shop && (await db.followUp.findFirst({ where: { id, shopId: shop.id }, select: { status: true } }));
  return mine
    ? Response.json({ ok: false, message: `This follow-up is ${mine.status.toLowerCase()} now, so it can no longer be cancelled.` }, { status: 409 })
    : Response.json({ ok: false, message: "No such follow-up in this shop." }, { status: 404 });
};

const TAB_LABELS: Record<FollowUpTab, string> = { scheduled: "Scheduled", sent: "Sent", failed: "Failed", cancelled: "Cancelled" };

const EMPTY: Record<FollowUpTab, { heading: string; body: string }> = {
  scheduled: {
    heading: "Nothing is scheduled",
    body: "Follow-ups are scheduled when customers' orders are paid. If orders are coming in, check that each kind is turned on under Emails and settings.",
  },
  sent: { heading: "No follow-up has been sent yet", body: "A thank-you goes out shortly after a customer's first paid order; the others follow on their schedules." },
  failed: { heading: "No follow-up has failed", body: "A follow-up that cannot be sent after its retries appears here with the mail server's reason." },
  cancelled: {
    heading: "No follow-up has been cancelled",
    body: "Follow-ups are cancelled when an order is cancelled or refunded, when a customer orders again or unsubscribes, or when you cancel one.",
  },
};

type ActionResult = { ok: boolean; message: string };

function Status({ status }: { status: string }) {
  const tone = status === "SENT" ? "success" : status === "FAILED" ? "critical" : status === "SENDING" ? "attention" : status === "CANCELLED" ? undefined : "info";
  return <Badge tone={tone}>{status.charAt(0) + status.slice(1).toLowerCase()}</Badge>;
}

export default function FollowUpList() {
  const { tab, page, kind, rows, counts, hasNextPage, timezone } = useLoaderData<typeof loader>();
  const [, setSearchParams] = useSearchParams();
  const show = (next: { status?: FollowUpTab; kind?: string | null; page?: number }) => {
    const params = new URLSearchParams({ status: next.status ?? tab });
    const chosen = next.kind === undefined ? kind : next.kind;
    if (chosen) params.set("kind", chosen);
    if (next.page && next.page > 1) params.set("page", String(next.page));
    setSearchParams(params);
  };
  const navigation = useNavigation();
  // One fetcher for the page: its answer outlives the row it removed from the list.
  const cancel = useFetcher<ActionResult>();
  const [dismissed, setDismissed] = useState<ActionResult | null>(null);
  const result = cancel.state === "idle" && cancel.data !== dismissed ? cancel.data : null;
  const loading = navigation.state === "loading" && navigation.location?.pathname === "/app/follow-ups";

  return (
    <BlockStack gap="400">
      {result && (
        <Banner tone={result.ok ? "success" : "warning"} onDismiss={() => setDismissed(cancel.data ?? null)}>
          <p>{result.message}</p>
        </Banner>
      )}
      <InlineStack align="space-between" blockAlign="center">
        <ButtonGroup variant="segmented">
          {FOLLOW_UP_TABS.map((name) => (
            <Button key={name} pressed={name === tab} onClick={() => show({ status: name })}>
              {`${TAB_LABELS[name]} (${counts[name].toLocaleString("en")})`}
            </Button>
          ))}
        </ButtonGroup>
        <InlineStack gap="300" blockAlign="center">
          <Select
            label="Type"
            labelInline
            options={[{ value: "", label: "All types" }, ...FOLLOW_UP_KINDS.map((each) => ({ value: each, label: KIND_LABELS[each] }))]}
            value={kind ?? ""}
            onChange={(value) => show({ kind: value || null })}
          />
          <Text as="span" tone="subdued" variant="bodySm">
            Times in {timezone}
          </Text>
        </InlineStack>
      </InlineStack>
      <PagedList
        page={page}
        hasNextPage={hasNextPage}
        onPage={(next) => show({ page: next })}
        loading={loading}
        empty={rows.length === 0 ? { ...EMPTY[tab], itemsName: "follow-ups" } : null}
      >
        <IndexTable
          resourceName={{ singular: "follow-up", plural: "follow-ups" }}
          itemCount={rows.length}
          selectable={false}
          headings={[
            { title: tab === "sent" ? "Sent" : tab === "cancelled" ? "Cancelled" : "Due" },
            { title: "Customer" },
            { title: "Type" },
            { title: "Attempts", alignment: "end" },
            { title: tab === "failed" ? "Failure reason" : tab === "cancelled" ? "Reason" : "Status" },
            { title: "" },
          ]}
        >
          {rows.map((row, index) => (
            <IndexTable.Row id={row.id} key={row.id} position={index}>
              <IndexTable.Cell>
                <Text as="span" numeric>
                  {(tab === "sent" ? row.sentAt : tab === "cancelled" ? row.cancelledAt : null) ?? row.dueAt}
                </Text>
              </IndexTable.Cell>
              <IndexTable.Cell>{row.customer}</IndexTable.Cell>
              <IndexTable.Cell>
                <BlockStack gap="050">
                  <Text as="span">{KIND_LABELS[row.kind]}</Text>
                  {row.product && (
                    <Text as="span" tone="subdued" variant="bodySm">
                      {row.product}
                    </Text>
                  )}
                </BlockStack>
              </IndexTable.Cell>
              <IndexTable.Cell>
                <Text as="span" alignment="end" numeric>
                  {row.attempts}
                </Text>
              </IndexTable.Cell>
              <IndexTable.Cell>
                {tab === "failed" && row.reason ? (
                  <div style={{ whiteSpace: "normal", maxWidth: 340 }}>
                  <BlockStack gap="050">
                    <Text as="span" breakWord>
                      {explainFailure(row.reason, { retrying: false }).summary}
                    </Text>
                    <Text as="span" tone="subdued" variant="bodySm" breakWord>
                      Detail: {row.reason}
                    </Text>
                  </BlockStack>
                  </div>
                ) : tab === "failed" || tab === "cancelled" ? (
                  <Text as="span" breakWord>
                    {row.reason ?? "—"}
                  </Text>
                ) : (
                  <BlockStack gap="100" inlineAlign="start">
                    <Status status={row.status} />
                    {row.status === "SCHEDULED" && row.reason && (
                      // Table cells do not wrap by default; an explanation must be read whole.
                      <div style={{ whiteSpace: "normal", maxWidth: 340 }}>
                        <Tooltip content={`Detail: ${row.reason}`} width="wide">
                          <Text as="span" tone="subdued" variant="bodySm">
                            {explainFailure(row.reason, { retrying: true }).summary}
                          </Text>
                        </Tooltip>
                      </div>
                    )}
                  </BlockStack>
                )}
              </IndexTable.Cell>
              <IndexTable.Cell>
                {row.status === "SCHEDULED" && (
                  <Button
                    size="slim"
                    tone="critical"
                    variant="plain"
                    accessibilityLabel={`Cancel the ${KIND_LABELS[row.kind].toLowerCase()} to ${row.customer}`}
                    loading={cancel.state !== "idle" && cancel.formData?.get("id") === row.id}
                    onClick={() => cancel.submit({ intent: "cancel", id: row.id }, { method: "post" })}
                  >
                    Cancel
                  </Button>
                )}
              </IndexTable.Cell>
            </IndexTable.Row>
          ))}
        </IndexTable>
      </PagedList>
    </BlockStack>
  );
}

export function ErrorBoundary() {
  return <PageLoadError what="The follow-ups" />;
}
