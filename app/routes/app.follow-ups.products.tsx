/**
 * Replenishment intervals: the products seen in the shop's orders, each with the use-up interval and
 * lead time the merchant set, and the interval the shop's own repeat purchases suggest.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, IndexTable, InlineStack, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { z } from "zod";

import { PagedList } from "../admin/paged-list";
import { PageLoadError } from "../admin/page-load-error";
import db from "../db.server";
import { replenishmentProducts } from "../follow-ups/listing.server";
import { followUpSettings, setReplenishmentInterval } from "../follow-ups/schedule.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const page = Math.max(1, Math.min(10_000, Math.floor(Number(new URL(request.url).searchParams.get("page")) || 1)));
  const [list, settings] = await Promise.all([replenishmentProducts(db, shop.id, page), followUpSettings(db, shop.id)]);
  return { ...list, page, shopLeadDays: settings.replenishmentLeadDays, remindersOn: settings.replenishmentEnabled };
};

const days = (max: number) => z.coerce.number({ error: "must be a number" }).int("must be a whole number of days").min(0).max(max, `is at most ${max} days`);

const IntervalInput = z
  .object({
    productShopifyId: z.string().regex(/^gid:\/\/shopify\/Product\/\d+$/, "is not a product"),
    intervalDays: days(3650).min(1, "is at least 1 day"),
    leadDays: z.union([z.literal("").transform(() => null), days(3650)]),
  })
  .refine((input) => input.leadDays === null || input.leadDays < input.intervalDays, { path: ["leadDays"], message: "must be shorter than the interval" });

type ActionResult = { ok: boolean; errors: Record<string, string>; message?: string };

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await db.shop.findUniqueOrThrow({ where: { domain: session.shop }, select: { id: true } });
  const form = Object.fromEntries(await request.formData());
  if (form.intent === "remove" && typeof form.productShopifyId === "string") {
    await setReplenishmentInterval(db, shop.id, form.productShopifyId, null);
    return { ok: true, errors: {}, message: "Interval removed: no new reminders for this product." } satisfies ActionResult;
  }
  const parsed = IntervalInput.safeParse(form);
  if (!parsed.success) {
    const errors = Object.fromEntries(parsed.error.issues.map((issue) => [issue.path.join("."), issue.message]));
    return Response.json({ ok: false, errors } satisfies ActionResult, { status: 400 });
  }
  // Only a product this shop has sold: an id from elsewhere is refused, not stored.
  const sold = await db.orderLineItem.findFirst({ where: { productShopifyId: parsed.data.productShopifyId, order: { shopId: shop.id } }, select: { id: true } });
  if (!sold) return Response.json({ ok: false, errors: { productShopifyId: "is not a product in this shop's orders" } } satisfies ActionResult, { status: 404 });
  await setReplenishmentInterval(db, shop.id, parsed.data.productShopifyId, { intervalDays: parsed.data.intervalDays, leadDays: parsed.data.leadDays });
  return { ok: true, errors: {}, message: "Saved. Orders from now on schedule reminders with it." } satisfies ActionResult;
};

type Product = ReturnType<typeof useLoaderData<typeof loader>>["products"][number];

function ProductRow({ product, index, shopLeadDays }: { product: Product; index: number; shopLeadDays: number }) {
  const fetcher = useFetcher<ActionResult>();
  const [interval, setIntervalDays] = useState(product.intervalDays === null ? "" : String(product.intervalDays));
  const [lead, setLead] = useState(product.leadDays === null ? "" : String(product.leadDays));
  const busy = fetcher.state !== "idle";
  const errors = fetcher.state === "idle" ? (fetcher.data?.errors ?? {}) : {};
  const save = (intervalDays: string) => fetcher.submit({ intent: "save", productShopifyId: product.productShopifyId, intervalDays, leadDays: lead }, { method: "post" });
  return (
    <IndexTable.Row id={product.productShopifyId} position={index}>
      <IndexTable.Cell>
        <BlockStack gap="050">
          <Text as="span" fontWeight="semibold">
            {product.title}
          </Text>
          <Text as="span" tone="subdued" variant="bodySm">
            {`${product.orders.toLocaleString("en")} orders · ${product.customers.toLocaleString("en")} customers · ${product.repeatCustomers.toLocaleString("en")} bought it again`}
          </Text>
        </BlockStack>
      </IndexTable.Cell>
      <IndexTable.Cell>
        {product.suggestedDays === null ? (
          <Text as="span" tone="subdued" variant="bodySm">
            {product.why}
          </Text>
        ) : (
          <InlineStack gap="200" blockAlign="center">
            <span data-suggested={product.suggestedDays}>
              <Badge tone="info">{`${product.suggestedDays} days`}</Badge>
            </span>
            <Text as="span" tone="subdued" variant="bodySm">
              {product.why}
            </Text>
            {String(product.suggestedDays) !== interval && (
              <Button
                variant="plain"
                disabled={busy}
                onClick={() => {
                  setIntervalDays(String(product.suggestedDays));
                  save(String(product.suggestedDays));
                }}
              >
                Use it
              </Button>
            )}
          </InlineStack>
        )}
      </IndexTable.Cell>
      <IndexTable.Cell>
        <div style={{ maxWidth: 130 }}>
          <TextField label="Use-up interval (days)" labelHidden type="number" autoComplete="off" placeholder="None" value={interval} onChange={setIntervalDays} error={errors.intervalDays} suffix="days" />
        </div>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <div style={{ maxWidth: 130 }}>
          <TextField label="Lead time (days)" labelHidden type="number" autoComplete="off" placeholder={String(shopLeadDays)} value={lead} onChange={setLead} error={errors.leadDays} suffix="days" />
        </div>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <BlockStack gap="100">
          <InlineStack gap="200" wrap={false}>
            <Button size="slim" onClick={() => save(interval)} loading={busy && fetcher.formData?.get("intent") === "save"}>
              Save
            </Button>
            {product.intervalDays !== null && (
              <Button
                size="slim"
                variant="plain"
                tone="critical"
                disabled={busy}
                onClick={() => {
                  setIntervalDays("");
                  setLead("");
                  fetcher.submit({ intent: "remove", productShopifyId: product.productShopifyId }, { method: "post" });
                }}
              >
                Remove
              </Button>
            )}
          </InlineStack>
          {fetcher.state === "idle" && fetcher.data && (
            <Text as="span" variant="bodySm" tone={fetcher.data.ok ? "success" : "critical"}>
              {fetcher.data.ok ? fetcher.data.message : (errors.productShopifyId ? `Product ${errors.productShopifyId}` : "Fix the value above")}
            </Text>
          )}
        </BlockStack>
      </IndexTable.Cell>
    </IndexTable.Row>
  );
}

export default function ReplenishmentIntervals() {
  const { products, page, hasNextPage, shopLeadDays, remindersOn } = useLoaderData<typeof loader>();
  const [, setSearchParams] = useSearchParams();
  const navigation = useNavigation();
  const loading = navigation.state === "loading" && navigation.location?.pathname === "/app/follow-ups/products";
  return (
    <BlockStack gap="400">
      {!remindersOn && (
        <Banner tone="warning" title="Replenishment reminders are turned off">
          <p>Intervals are kept, but no reminder is scheduled until you turn reminders on under Emails and settings.</p>
        </Banner>
      )}
      <Text as="p" tone="subdued">
        {`A reminder goes out the interval after a purchase, less the lead time (empty: the shop's ${shopLeadDays} days), unless the customer buys the product again first.`}
      </Text>
      <PagedList
        page={page}
        hasNextPage={hasNextPage}
        onPage={(next) => setSearchParams({ page: String(next) })}
        loading={loading}
        empty={products.length === 0 ? { heading: "No products in orders yet", body: "Products appear here once customers order them (the history import brings in past orders after install). Come back when the first orders are in.", itemsName: "products" } : null}
      >
        <IndexTable
          resourceName={{ singular: "product", plural: "products" }}
          itemCount={products.length}
          selectable={false}
          headings={[{ title: "Product" }, { title: "Suggested from your orders" }, { title: "Use-up interval" }, { title: "Lead time" }, { title: "" }]}
        >
          {products.map((product, index) => (
            <ProductRow key={product.productShopifyId} product={product} index={index} shopLeadDays={shopLeadDays} />
          ))}
        </IndexTable>
      </PagedList>
    </BlockStack>
  );
}

export function ErrorBoundary() {
  return <PageLoadError what="The replenishment intervals" />;
}
