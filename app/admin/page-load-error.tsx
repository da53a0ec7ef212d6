import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { Banner, Page } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";

/**
 * An admin page's error boundary. Shopify's own responses (a session to renew, a bounce) go to its
 * boundary; anything else tells the merchant what to do, never what broke (that is in the logs).
 * `page` wraps the banner in a Polaris Page for top-level routes; nested routes leave it out.
 */
export function PageLoadError({ what, page }: { what: string; page?: string }) {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) return boundary.error(error);
  const banner = (
    <Banner tone="critical" title={`${what} could not load`}>
      <p>Reload the page. If it keeps failing, the app's database may be unreachable: check the app's logs, then try again.</p>
    </Banner>
  );
  return page ? <Page title={page}>{banner}</Page> : banner;
}
