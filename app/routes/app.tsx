import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";

import { env } from "../env.server";
import { authenticate } from "../shopify.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  const settings = env();
  return { apiKey: settings.SHOPIFY_API_KEY, appBridgeUrl: settings.APP_BRIDGE_URL ?? null };
};

export default function App() {
  const { apiKey, appBridgeUrl } = useLoaderData<typeof loader>();

  return (
    <AppProvider isEmbeddedApp apiKey={apiKey} {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}>
      <NavMenu>
        <Link to="/app" rel="home">
          Home
        </Link>
        <Link to="/app/dashboard">Dashboard</Link>
        <Link to="/app/program">Program</Link>
        <Link to="/app/tiers">VIP tiers</Link>
        <Link to="/app/customers">Customers</Link>
        <Link to="/app/rewards">Rewards</Link>
        <Link to="/app/points-import">Import points</Link>
        <Link to="/app/follow-ups">Follow-ups</Link>
        <Link to="/app/campaigns">Campaigns</Link>
        <Link to="/app/surveys">Surveys</Link>
        <Link to="/app/privacy">Privacy requests</Link>
        <Link to="/app/sync-issues">Sync issues</Link>
      </NavMenu>
      <Outlet />
    </AppProvider>
  );
}

// Shopify needs its own headers and error handling on every embedded response.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
