import type { LoaderFunctionArgs } from "@remix-run/node";

import db from "../db.server";
import { dashboardCsv } from "../reports/csv";
import { loadDashboard } from "../reports/dashboard.server";
import { installedShop } from "../shops/installation.server";
import { authenticate } from "../shopify.server";

/** GET /app/dashboard/csv?from&to (or ?preset): the dashboard's numbers as a CSV download. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const shop = await installedShop(db, session.shop, admin.graphql);
  const data = await loadDashboard(db, shop, new URL(request.url).searchParams);
  if (data.error !== null) return new Response(`${data.error}\n`, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  if (data.preparing) {
    return new Response("Your numbers are being prepared; export again in a minute or two.\n", {
      status: 503,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Retry-After": "60" },
    });
  }
  const name = `${shop.domain.replace(/\.myshopify\.com$/, "")}-report-${data.period.from}-to-${data.period.to}.csv`;
  return new Response(dashboardCsv(data.report, data.months, data.cohorts), {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}"` },
  });
};
