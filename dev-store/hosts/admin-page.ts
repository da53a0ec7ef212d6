import { storeLinks } from "./admin-customers";
import { html, scriptJson, type Html } from "./html";

/** What the admin page's script needs to talk to the app in its iframe. */
export interface AdminPageContext {
  appOrigin: string;
  appName: string;
  appHomePath: string;
  shop: string;
  adminStorePath: string;
  adminAppPath: string;
  sessionTokenUrl: string;
}

const ADMIN_STYLES = `
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  body { margin: 0; height: 100vh; display: grid; grid-template-rows: 56px 1fr; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: #f1f1f1; color: #303030; }
  .topbar { display: flex; align-items: center; gap: 16px; padding: 0 16px; background: #1a1a1a; color: #e3e3e3; }
  .topbar .brand { font-weight: 650; color: #fff; }
  .topbar .shop { margin-left: auto; }
  .layout { display: grid; grid-template-columns: 240px 1fr; min-height: 0; }
  nav.sidebar { padding: 12px 8px; background: #ebebeb; overflow: auto; }
  nav.sidebar h2 { margin: 8px 8px 4px; font-size: 12px; font-weight: 600; color: #616161; text-transform: uppercase; letter-spacing: .02em; }
  nav.sidebar a { display: block; padding: 6px 8px; border-radius: 8px; color: inherit; text-decoration: none; }
  nav.sidebar a:hover, nav.sidebar a[aria-current=page] { background: #fafafa; }
  nav.sidebar .app { font-weight: 600; }
  nav.sidebar ul { list-style: none; margin: 0; padding: 0 0 0 12px; }
  main { display: flex; flex-direction: column; min-height: 0; position: relative; }
  .title-bar { display: flex; align-items: center; gap: 8px; padding: 10px 20px; background: #fff; border-bottom: 1px solid #e3e3e3; }
  .title-bar h1 { margin: 0 auto 0 0; font-size: 16px; }
  button { font: inherit; padding: 6px 12px; border-radius: 8px; border: 1px solid #c9c9c9; background: #fff; cursor: pointer; }
  button[data-variant=primary] { background: #303030; color: #fff; border-color: #303030; }
  button[data-tone=critical] { color: #8e1f0b; }
  .save-bar { display: flex; align-items: center; gap: 8px; padding: 8px 20px; background: #303030; color: #fff; }
  .save-bar span { margin-right: auto; }
  .loading-bar { position: absolute; top: 0; left: 0; height: 3px; width: 40%; background: #2c6ecb; animation: loading 1.2s ease-in-out infinite; z-index: 2; }
  @keyframes loading { from { left: -40%; } to { left: 100%; } }
  iframe { flex: 1; width: 100%; border: 0; background: #fff; }
  #toasts { position: fixed; bottom: 24px; left: 50%; transform: translateX(-50%); display: grid; gap: 8px; z-index: 10; }
  .toast { display: flex; align-items: center; gap: 12px; padding: 10px 12px 10px 16px; border-radius: 10px; background: #303030; color: #fff; box-shadow: 0 4px 12px rgba(0,0,0,.2); }
  .toast button { padding: 2px 8px; background: transparent; color: inherit; border-color: rgba(255,255,255,.4); }
  .toast-error { background: #8e1f0b; }
  .not-found { margin: 48px auto; max-width: 560px; background: #fff; padding: 24px; border-radius: 12px; }
`;

export function adminLayout(options: { title: string; shopName: string; sidebar: Html; main: Html; scripts?: Html }): Html {
  return html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title}</title>
<style>${ADMIN_STYLES}</style>
</head>
<body>
<header class="topbar"><span class="brand">Dev store admin</span><span class="shop">${options.shopName}</span></header>
<div class="layout">
<nav class="sidebar" aria-label="Admin">${options.sidebar}</nav>
<main>${options.main}</main>
</div>
${options.scripts}
</body>
</html>`;
}

export function adminPage(options: {
  shopName: string;
  appName: string;
  frameUrl: string;
  context: AdminPageContext;
  scriptUrl: string;
  /** The dev store's own Orders page, when it has one. */
  ordersPath?: string;
  /** With it, the admin's Store pages (Orders, Customers, Flow) are linked. */
  storePath?: string;
}): Html {
  const { appName, context } = options;
  return adminLayout({
    title: `${appName} · ${options.shopName}`,
    shopName: options.shopName,
    sidebar: html`${options.storePath ? storeLinks(options.storePath, null) : options.ordersPath ? html`<h2>Store</h2><a href="${options.ordersPath}">Orders</a>` : ""}<h2>Apps</h2>
<a class="app" id="app-home-link" href="${context.adminAppPath}">${appName}</a>
<ul id="app-nav" aria-label="${appName}"></ul>`,
    main: html`<div class="loading-bar" id="loading-bar" hidden></div>
<div class="save-bar" id="save-bar" hidden><span>Unsaved changes</span><div id="save-bar-actions"></div></div>
<div class="title-bar"><h1 id="app-title">${appName}</h1><div id="title-actions"></div></div>
<iframe id="app-iframe" name="app-iframe" title="${appName}" src="${options.frameUrl}" allow="clipboard-write"></iframe>
<div id="toasts" aria-live="polite"></div>`,
    scripts: html`<script type="application/json" id="admin-context">${scriptJson(context)}</script>
<script src="${options.scriptUrl}"></script>`,
  });
}

export function adminNotFoundPage(options: { shopName: string; storePath: string; appName: string; appPath: string }): Html {
  return adminLayout({
    title: `Not found · ${options.shopName}`,
    shopName: options.shopName,
    sidebar: html`<h2>Apps</h2><a class="app" href="${options.appPath}">${options.appName}</a>`,
    main: html`<div class="not-found"><h1>This page isn't in the dev store admin</h1>
<p>The dev store's admin hosts only the app under development. <a href="${options.appPath}">Open ${options.appName}</a>.</p></div>`,
  });
}
