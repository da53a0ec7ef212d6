import type { LoaderFunctionArgs } from "@remix-run/node";

import { dataRequestReport } from "../customers/privacy-requests.server";
import db from "../db.server";
import { authenticate } from "../shopify.server";

/** GET /app/privacy/<id>: what a customers/data_request gathered, as a JSON download for the merchant. */
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const found = await dataRequestReport(db, session.shop, params.id ?? "");
  // Another shop's request is answered as one that does not exist.
  if (!found?.report) return new Response("No such data request in this shop.\n", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  const customer = found.customerId?.split("/").pop() ?? "customer";
  const name = `customer-${customer}-data-${found.receivedAt.toISOString().slice(0, 10)}.json`;
  return new Response(`${JSON.stringify(found.report, null, 2)}\n`, {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}"`,
      // Personal data: never kept by a browser or a proxy.
      "Cache-Control": "private, no-store",
    },
  });
};
