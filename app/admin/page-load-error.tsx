import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { Banner, Page } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";

/** What the merchant can do, by where the failure happened: the app's server, the network, or the browser. */
function whatToDo(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  if (message === "Unexpected Server Error") {
    return "The app hit a problem answering for this page. Reload the page; if it keeps failing, the app's logs say what went wrong.";
  }
  if (name === "TypeError" && /fetch|network|load failed/i.test(message)) {
    return "The app could not be reached. Check your connection, then reload the page.";
  }
  if (name === "SecurityError" || /storage|cookie|access is denied/i.test(message)) {
    return "Your browser blocked something this page needs inside the Shopify admin (private windows and some browsers block storage for apps). Reload the page, or open the admin in a regular window.";
  }
  return "Something went wrong in the page. Reload it; if it keeps failing, the app's logs say more.";
}

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
      <p>{whatToDo(error)}</p>
    </Banner>
  );
  return page ? <Page title={page}>{banner}</Page> : banner;
}
