import { readFileSync } from "node:fs";
import { parse } from "smol-toml";

/** What the admin and the storefront know about the app, read from shopify.app.toml. */
export interface AppConfiguration {
  name: string;
  /** The app's handle in admin URLs: /store/<shop>/apps/<handle>. */
  handle: string;
  embedded: boolean;
  /** `application_url`: where the deployed app lives (the dev store uses the app URL it was given). */
  applicationUrl: string | null;
  appProxy: AppProxyConfiguration | null;
}

/**
 * `[app_proxy]`: storefront requests under /<prefix>/<subpath> go to the proxy URL's path on the
 * app. The URL's origin is the deployed app's; the dev store keeps only its path and uses the
 * app URL it was given.
 */
export interface AppProxyConfiguration {
  prefix: string;
  subpath: string;
  /** The path of `[app_proxy] url`, without a trailing slash ("/proxy"). */
  appPath: string;
}

const PROXY_PREFIXES = ["apps", "a", "community", "tools"];

export function readAppConfiguration(appTomlPath: string): AppConfiguration {
  const toml = parse(readFileSync(appTomlPath, "utf8")) as Record<string, unknown>;
  const name = requiredString(toml.name, "name");
  const handle = requiredString(toml.handle, "handle");
  return {
    name,
    handle,
    embedded: toml.embedded !== false,
    applicationUrl: typeof toml.application_url === "string" ? toml.application_url.replace(/\/+$/, "") : null,
    appProxy: toml.app_proxy === undefined ? null : appProxyConfiguration(toml.app_proxy),
  };
}

function appProxyConfiguration(value: unknown): AppProxyConfiguration {
  const table = value as Record<string, unknown>;
  const prefix = requiredString(table.prefix, "app_proxy.prefix");
  const subpath = requiredString(table.subpath, "app_proxy.subpath");
  const url = new URL(requiredString(table.url, "app_proxy.url"));
  if (!PROXY_PREFIXES.includes(prefix)) {
    throw new Error(`shopify.app.toml: app_proxy.prefix must be one of ${PROXY_PREFIXES.join(", ")}, got "${prefix}"`);
  }
  if (!/^[\w-]{1,30}$/.test(subpath) || ["admin", "services", "password", "login"].includes(subpath)) {
    throw new Error(`shopify.app.toml: app_proxy.subpath "${subpath}" is not one Shopify accepts`);
  }
  return { prefix, subpath, appPath: url.pathname.replace(/\/+$/, "") };
}

function requiredString(value: unknown, key: string): string {
  if (typeof value !== "string" || value === "") throw new Error(`shopify.app.toml: ${key} is required`);
  return value;
}
