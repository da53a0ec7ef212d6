import { Links, Meta, Outlet, Scripts, ScrollRestoration } from "@remix-run/react";

/**
 * Inside the Shopify admin the app is a frame of another site, and browsers that block third-party
 * storage (Chrome's incognito windows, Brave, Safari) throw on any touch of sessionStorage or
 * localStorage there. Remix reads sessionStorage while it discovers routes, so a blocked storage broke
 * whole pages. Where it is blocked, the page gets an in-memory stand-in for its own lifetime.
 */
const KEEP_STORAGE_IN_MEMORY_WHEN_BLOCKED = `(function () {
  ["sessionStorage", "localStorage"].forEach(function (name) {
    try { window[name].getItem("probe"); return; } catch (blocked) {}
    var items = new Map();
    var memory = {
      get length() { return items.size; },
      key: function (index) { return Array.from(items.keys())[index] ?? null; },
      getItem: function (key) { return items.has(String(key)) ? items.get(String(key)) : null; },
      setItem: function (key, value) { items.set(String(key), String(value)); },
      removeItem: function (key) { items.delete(String(key)); },
      clear: function () { items.clear(); },
    };
    try { Object.defineProperty(window, name, { configurable: true, get: function () { return memory; } }); } catch (readOnly) {}
  });
})();`;

export default function App() {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <script dangerouslySetInnerHTML={{ __html: KEEP_STORAGE_IN_MEMORY_WHEN_BLOCKED }} />
        <Meta />
        <Links />
      </head>
      <body>
        <Outlet />
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}
