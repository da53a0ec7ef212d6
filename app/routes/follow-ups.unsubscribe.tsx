/**
 * The unsubscribe link in every follow-up, public: GET shows a confirmation page, POST unsubscribes at
 * once, whether from that page or from a mail client's one-click `List-Unsubscribe=One-Click` (RFC 8058).
 * The signed token is the only credential.
 */
import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";

import db from "../db.server";
import { env } from "../env.server";
import { unsubscribeCustomer } from "../follow-ups/schedule.server";
import { readUnsubscribeToken } from "../follow-ups/unsubscribe-token.server";

// `same-origin`, not `no-referrer`: the token stays out of any other site's Referer, while the page's own
// form still posts with its real Origin. Under `no-referrer` Chromium sends `Origin: null`, which
// Remix's action check (origin host must equal Host) refuses with a 500.
const NO_STORE = { "Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex" };

async function subjectOf(request: Request) {
  const subject = readUnsubscribeToken(new URL(request.url).searchParams.get("token"), env().SHOPIFY_API_SECRET);
  if (!subject) return null;
  const shop = await db.shop.findUnique({ where: { id: subject.shopId }, select: { name: true, domain: true } });
  return shop ? { ...subject, shopName: shop.name ?? shop.domain } : null;
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const subject = await subjectOf(request);
  if (!subject) throw new Response("This unsubscribe link is not valid.", { status: 404, headers: NO_STORE });
  const already = await db.followUpUnsubscribe.findUnique({
    where: { shopId_customerShopifyId: { shopId: subject.shopId, customerShopifyId: subject.customerShopifyId } },
  });
  return Response.json({ shopName: subject.shopName, unsubscribed: Boolean(already) }, { headers: NO_STORE });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const subject = await subjectOf(request);
  if (!subject) return new Response("This unsubscribe link is not valid.", { status: 404, headers: NO_STORE });
  await unsubscribeCustomer(db, subject.shopId, subject.customerShopifyId, new Date(), subject.campaignId ?? null);
  return Response.json({ unsubscribed: true }, { headers: NO_STORE });
};

export const headers: HeadersFunction = () => NO_STORE;

export const meta: MetaFunction = () => [{ title: "Unsubscribe" }, { name: "robots", content: "noindex" }];

export default function Unsubscribe() {
  const { shopName, unsubscribed } = useLoaderData<{ shopName: string; unsubscribed: boolean }>();
  const done = useActionData<{ unsubscribed: boolean }>()?.unsubscribed || unsubscribed;
  return (
    <main style={{ maxWidth: 480, margin: "64px auto", padding: "0 16px", fontFamily: "system-ui, sans-serif", lineHeight: 1.5 }}>
      <h1 style={{ fontSize: 24 }}>{shopName}</h1>
      {done ? (
        <p role="status">You are unsubscribed: {shopName} will not send you these emails any more.</p>
      ) : (
        // A plain form posts to this same URL (token included) and works without JavaScript.
        <form method="post">
          <p>Stop receiving follow-up emails from {shopName}?</p>
          <input type="hidden" name="List-Unsubscribe" value="One-Click" />
          <button type="submit" style={{ padding: "10px 20px", fontSize: 16 }}>
            Unsubscribe
          </button>
        </form>
      )}
    </main>
  );
}
