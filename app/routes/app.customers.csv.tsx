import type { LoaderFunctionArgs } from "@remix-run/node";

import { customerSearchText, customersForExport, healthThresholdsOf } from "../customers/directory.server";
import { HEALTH_LABELS } from "../customers/health";
import { isSegment } from "../customers/segments";
import db from "../db.server";
import { line } from "../reports/csv";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

/** A text a spreadsheet would read as a formula (=, +, -, @, a tab or a return first) is kept as text. */
const text = (value: string | null) => (value !== null && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

const HEADINGS = ["Name", "Email", "Member", "Points", "Orders", "Last order", "Health", "Segment", "Tier", "Recency score", "Frequency score", "Monetary score"];

/**
 * GET /app/customers/csv?query&segment&tier: every customer the Customers page lists for that search,
 * segment and tier (not only the page shown), with their RFM segment and VIP tier, as a CSV download streamed a batch at a time.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const params = new URL(request.url).searchParams;
  const segment = params.get("segment") || null;
  if (segment !== null && !isSegment(segment)) {
    return new Response(`No segment is called ${JSON.stringify(segment.slice(0, 100))}\n`, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  const tier = params.get("tier") || null;
  const tierId = tier === null ? null : ((await db.tier.findFirst({ where: { id: tier, shopId: shop.id }, select: { id: true } }))?.id ?? null);
  if (tier !== null && tierId === null) {
    return new Response(`No tier has the id ${JSON.stringify(tier.slice(0, 100))}\n`, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  const search = { query: customerSearchText(params.get("query") ?? ""), segment, tierId };
  const batches = customersForExport(db, shop.id, search, healthThresholdsOf(shop.settings), new Date());
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`${line(HEADINGS)}\r\n`));
    },
    async pull(controller) {
      const next = await batches.next();
      if (next.done) return controller.close();
      const rows = next.value.map((customer) =>
        line([
          text(customer.name),
          text(customer.email),
          customer.member ? "yes" : "no",
          customer.points,
          customer.orders,
          customer.lastOrderAt,
          HEALTH_LABELS[customer.health].label,
          customer.segment,
          text(customer.tier),
          customer.recencyScore,
          customer.frequencyScore,
          customer.monetaryScore,
        ]),
      );
      controller.enqueue(encoder.encode(`${rows.join("\r\n")}\r\n`));
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  const name = `${shop.domain.replace(/\.myshopify\.com$/, "")}-customers${segment ? `-${segment.toLowerCase().replace(/[^a-z]+/g, "-")}` : ""}.csv`;
  return new Response(body, { headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}"` } });
};
