/**
 * The follow-ups section of the admin: the emails scheduled and sent, their settings and templates,
 * and the products' use-up intervals, one tab each (child routes).
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { Outlet, useLocation, useNavigate } from "@remix-run/react";
import { BlockStack, Page, Tabs } from "@shopify/polaris";

import { PageLoadError } from "../admin/page-load-error";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  return null;
};

const SECTIONS = [
  { id: "list", content: "Scheduled and sent", path: "/app/follow-ups" },
  { id: "settings", content: "Emails and settings", path: "/app/follow-ups/settings" },
  { id: "products", content: "Replenishment intervals", path: "/app/follow-ups/products" },
];

export default function FollowUps() {
  const { pathname } = useLocation();
  const navigate = useNavigate();
  const selected = Math.max(0, SECTIONS.findIndex((section) => section.path === pathname.replace(/\/$/, "")));
  return (
    <Page title="Follow-ups" subtitle="Emails that bring customers back: a thank-you, a next-purchase code, reminders to restock and win-backs.">
      <BlockStack gap="400">
        <Tabs tabs={SECTIONS.map(({ id, content }) => ({ id, content }))} selected={selected} onSelect={(index) => navigate(SECTIONS[index].path)} />
        <Outlet />
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageLoadError what="Follow-ups" page="Follow-ups" />;
}
