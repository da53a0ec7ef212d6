/**
 * Import points: the merchant uploads a CSV of balances from another loyalty app, reads the dry run
 * (matched rows, unmatched rows with their line and why, totals), then applies it. Applying the same
 * file or row again adds nothing (app/loyalty/points-import.server.ts).
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, DataTable, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { useEffect, useState } from "react";

import { PageLoadError } from "../admin/page-load-error";
import db from "../db.server";
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, PointsCsvError } from "../loyalty/points-import";
import { applyPointsImport, dryRunPointsImport, pointsImports, type PointsImportReport } from "../loyalty/points-import.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

// The multipart envelope around the file: a request larger than the file's limit plus this is refused unread.
const FORM_OVERHEAD_BYTES = 16_000;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const format = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: shop.ianaTimezone });
  const imports = await pointsImports(db, shop.id);
  // The limits come with the page: the CSV reader (and its parser) stays on the server.
  return { imports: imports.map((each) => ({ ...each, appliedAt: format.format(each.appliedAt) })), maxBytes: MAX_IMPORT_BYTES, maxRows: MAX_IMPORT_ROWS };
};

type ActionAnswer =
  | { ok: false; error: string }
  | { ok: true; intent: "dry-run"; fileName: string; report: PointsImportReport }
  | { ok: true; intent: "apply"; fileName: string; report: PointsImportReport; added: number };

export const action = async ({ request }: ActionFunctionArgs): Promise<ActionAnswer> => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const length = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(length) && length > MAX_IMPORT_BYTES + FORM_OVERHEAD_BYTES) {
    return { ok: false, error: `The file is larger than ${limitText(MAX_IMPORT_BYTES)}: split it and import each part.` };
  }
  const form = await request.formData();
  const file = form.get("file");
  const intent = form.get("intent") === "apply" ? "apply" : "dry-run";
  if (!(file instanceof File) || file.size === 0) return { ok: false, error: "Choose a CSV file to import." };
  if (file.size > MAX_IMPORT_BYTES) return { ok: false, error: `The file is larger than ${limitText(MAX_IMPORT_BYTES)}: split it and import each part.` };
  const csv = await file.text();
  try {
    if (intent === "dry-run") return { ok: true, intent, fileName: file.name, report: await dryRunPointsImport(db, shop.id, csv) };
    const applied = await applyPointsImport(db, { shopId: shop.id, fileName: file.name, csv, now: new Date() });
    return { ok: true, intent, fileName: file.name, report: applied, added: applied.added };
  } catch (error) {
    if (error instanceof PointsCsvError) return { ok: false, error: error.message };
    throw error;
  }
};

const number = (value: number) => value.toLocaleString("en");
const limitText = (bytes: number) => `${bytes / 1_000_000} MB`;

export default function PointsImport() {
  const { imports, maxBytes, maxRows } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const submit = useSubmit();
  const navigation = useNavigation();
  const [file, setFile] = useState<File | null>(null);
  const [tooLarge, setTooLarge] = useState(false);
  const busy = navigation.state === "submitting";
  const pendingIntent = busy ? navigation.formData?.get("intent") : null;

  // A new file clears the last answer's buttons: its dry run comes first.
  const [answerFor, setAnswerFor] = useState<File | null>(null);
  useEffect(() => {
    if (answer) setAnswerFor(file);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [answer]);
  const current = answer && answerFor === file ? answer : null;

  const send = (intent: "dry-run" | "apply") => {
    if (!file) return;
    const data = new FormData();
    data.set("intent", intent);
    data.set("file", file);
    submit(data, { method: "post", encType: "multipart/form-data" });
  };

  const report = current?.ok ? current.report : null;
  return (
    <Page title="Import points" subtitle="Bring customers' balances over from another loyalty app" backAction={{ content: "Program", url: "/app/program" }}>
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="300">
                <Text as="p">
                  Upload a CSV with a header row and one row per customer: <b>email</b> or <b>customer id</b>, <b>points</b>, and
                  optionally <b>tier</b>. You first see what would be imported; nothing changes until you apply it. Each customer's
                  points arrive as one "Imported balance" entry in their history, and applying the same file again adds nothing.
                </Text>
                <BlockStack gap="100">
                  <label htmlFor="points-import-file">
                    <Text as="span" fontWeight="semibold">
                      CSV file
                    </Text>
                  </label>
                  <input
                    id="points-import-file"
                    type="file"
                    accept=".csv,text/csv"
                    onChange={(event) => {
                      const chosen = event.currentTarget.files?.[0] ?? null;
                      setTooLarge(Boolean(chosen && chosen.size > maxBytes));
                      setFile(chosen && chosen.size <= maxBytes ? chosen : null);
                    }}
                  />
                  <Text as="p" tone="subdued">
                    {file ? `${file.name} (${number(Math.ceil(file.size / 1000))} KB)` : `Up to ${limitText(maxBytes)} and ${number(maxRows)} rows`}
                  </Text>
                </BlockStack>
                {tooLarge && (
                  <Banner tone="critical" title={`That file is larger than ${limitText(maxBytes)}`}>
                    <p>Split it and import each part.</p>
                  </Banner>
                )}
                <InlineStack gap="200">
                  <Button onClick={() => send("dry-run")} disabled={!file || busy} loading={pendingIntent === "dry-run"}>
                    Check the file
                  </Button>
                  <Button
                    variant="primary"
                    onClick={() => send("apply")}
                    disabled={!file || busy || !(current?.ok && current.intent === "dry-run" && current.report.totals.newPoints > 0)}
                    loading={pendingIntent === "apply"}
                  >
                    {current?.ok && current.intent === "dry-run" ? `Import ${number(current.report.totals.newPoints)} points` : "Import"}
                  </Button>
                </InlineStack>
              </BlockStack>
            </Card>

            {current && !current.ok && (
              <Banner tone="critical" title="The file could not be read">
                <p>{current.error}</p>
              </Banner>
            )}
            {current?.ok && current.intent === "apply" && (
              <Banner tone="success" title={current.added > 0 ? `Imported ${number(current.added)} points` : "Nothing new to import"}>
                <p>
                  {current.added > 0
                    ? `${number(current.report.totals.matched)} customers matched; their points are in their history as "Imported balance".`
                    : "Every matched row of this file was imported before: no points were added."}
                </p>
              </Banner>
            )}
            {report && <ImportReport report={report} dryRun={current?.ok === true && current.intent === "dry-run"} />}
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Past imports
              </Text>
              {imports.length === 0 ? (
                <Text as="p" tone="subdued">
                  None yet.
                </Text>
              ) : (
                imports.map((each) => (
                  <BlockStack key={each.id} gap="050">
                    <Text as="p" fontWeight="semibold">
                      {each.fileName}
                    </Text>
                    <Text as="p" tone="subdued">
                      {each.appliedAt}: {number(each.matched)} matched, {number(each.unmatched)} not matched, {number(each.added)} points added
                    </Text>
                  </BlockStack>
                ))
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function ImportReport({ report, dryRun }: { report: PointsImportReport; dryRun: boolean }) {
  const { totals } = report;
  return (
    <BlockStack gap="400">
      <Card>
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            {dryRun ? "What this file would import" : "What was imported"}
          </Text>
          <InlineStack gap="400">
            <Text as="p">{number(totals.rows)} rows</Text>
            <Text as="p">{number(totals.matched)} matched</Text>
            <Text as="p">{number(totals.unmatched)} not matched</Text>
            <Text as="p">{number(totals.points)} points in matched rows</Text>
            <Text as="p" fontWeight="semibold">
              {number(totals.newPoints)} new points
            </Text>
          </InlineStack>
        </BlockStack>
      </Card>
      {report.unmatched.length > 0 && (
        <Card>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">
              Rows not matched
            </Text>
            <DataTable
              columnContentTypes={["numeric", "text", "text"]}
              headings={["Line", "Email or id", "Why"]}
              rows={report.unmatched.slice(0, 200).map((row) => [row.line, row.value || "—", row.reason])}
              footerContent={report.unmatched.length > 200 ? `The first 200 of ${number(report.unmatched.length)}` : undefined}
            />
          </BlockStack>
        </Card>
      )}
      {report.matched.length > 0 && (
        <Card>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">
              Matched customers
            </Text>
            <DataTable
              columnContentTypes={["numeric", "text", "numeric", "text", "text"]}
              headings={["Line", "Customer", "Points", "Tier", ""]}
              rows={report.matched
                .slice(0, 200)
                .map((row) => [row.line, row.customerLabel, number(row.points), row.tierName ?? "—", row.alreadyImported ? <Badge key="done">Imported before</Badge> : ""])}
              footerContent={report.matched.length > 200 ? `The first 200 of ${number(report.matched.length)}` : undefined}
            />
          </BlockStack>
        </Card>
      )}
    </BlockStack>
  );
}

export function ErrorBoundary() {
  return <PageLoadError what="The import page" page="Import points" />;
}
