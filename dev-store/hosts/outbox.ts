/**
 * The local outbox: with no SMTP_URL the app writes each follow-up email as files under
 * DATA_DIR/outbox (<name>.json with the parts, <name>.eml with the raw message). This page in the dev
 * store's admin lists them and shows one as the customer would see it.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import type { OutboxRecord } from "../../app/follow-ups/mail.server";
import { requestUrl, sendHtml, sendText, type DevStoreRequestHandler } from "../http";
import { html } from "./html";

export interface OutboxHandlerOptions {
  /** The folder the app writes to: path.join(DATA_DIR, "outbox"). */
  dir: string;
  /** Where the page is served (default /outbox). */
  basePath?: string;
  /** Messages listed, newest first (default 200). */
  limit?: number;
}


const STYLE = html`<style>
  body{font-family:system-ui,sans-serif;margin:0;background:#f1f2f4;color:#303030}
  header{background:#1a1a1a;color:#fff;padding:12px 24px;font-weight:600}
  main{max-width:1000px;margin:24px auto;padding:0 16px}
  table{width:100%;border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden}
  td,th{padding:8px 12px;border-bottom:1px solid #e3e3e3;text-align:left;font-size:14px}
  a{color:#005bd3}
  iframe{width:100%;height:640px;border:1px solid #e3e3e3;background:#fff;border-radius:8px}
  pre{white-space:pre-wrap;background:#fff;padding:12px;border-radius:8px;border:1px solid #e3e3e3}
</style>`;

async function records(dir: string): Promise<{ name: string; record: OutboxRecord }[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((file) => file.endsWith(".json"));
  } catch {
    return [];
  }
  files.sort().reverse();
  const out: { name: string; record: OutboxRecord }[] = [];
  for (const file of files) {
    try {
      out.push({ name: file.slice(0, -".json".length), record: JSON.parse(await readFile(path.join(dir, file), "utf8")) as OutboxRecord });
    } catch {
      // A file being replaced right now: it will be listed next time.
    }
  }
  return out;
}

export function createOutboxHandler(options: OutboxHandlerOptions): DevStoreRequestHandler {
  const basePath = options.basePath ?? "/outbox";
  const limit = options.limit ?? 200;
  return async (req, res) => {
    const url = requestUrl(req);
    if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) return false;
    if (req.method !== "GET" && req.method !== "HEAD") return sendText(res, 405, "Use GET", { Allow: "GET, HEAD" });
    const name = url.pathname.slice(basePath.length + 1);

    if (!name) {
      const all = await records(options.dir);
      return sendHtml(
        res,
        200,
        html`<html lang="en"><head><meta charset="utf-8"><title>Outbox</title>${STYLE}</head><body>
<header>Outbox: follow-up emails the app sent (no SMTP_URL set)</header>
<main><p>${all.length} message${all.length === 1 ? "" : "s"} in ${options.dir}</p>
<table><thead><tr><th>When</th><th>To</th><th>Subject</th></tr></thead><tbody>
${all.slice(0, limit).map(
  ({ name: file, record }) =>
    html`<tr><td>${new Date(record.storedAt).toLocaleString("en")}</td><td>${record.to}</td><td><a href="${basePath}/${encodeURIComponent(file)}">${record.subject}</a></td></tr>`,
)}
</tbody></table></main></body></html>`,
      );
    }

    if (!/^[\w.-]+$/.test(name)) return sendText(res, 404, "No such message");
    if (name.endsWith(".eml")) {
      try {
        const raw = await readFile(path.join(options.dir, name), "utf8");
        return sendText(res, 200, raw, { "Content-Type": "message/rfc822; charset=utf-8" });
      } catch {
        return sendText(res, 404, "No such message");
      }
    }
    let record: OutboxRecord;
    try {
      record = JSON.parse(await readFile(path.join(options.dir, `${name}.json`), "utf8")) as OutboxRecord;
    } catch {
      return sendText(res, 404, "No such message");
    }
    return sendHtml(
      res,
      200,
      html`<html lang="en"><head><meta charset="utf-8"><title>${record.subject}</title>${STYLE}</head><body>
<header><a href="${basePath}" style="color:#fff">Outbox</a> / ${record.subject}</header>
<main>
<table><tbody>
<tr><th>From</th><td>${record.from}</td></tr>
<tr><th>To</th><td>${record.to}</td></tr>
<tr><th>Subject</th><td>${record.subject}</td></tr>
${Object.entries(record.headers).map(([header, value]) => html`<tr><th>${header}</th><td>${value}</td></tr>`)}
<tr><th>Raw</th><td><a href="${basePath}/${encodeURIComponent(name)}.eml">${name}.eml</a></td></tr>
</tbody></table>
<h3>HTML</h3>
<iframe sandbox="" srcdoc="${record.html}" title="The email's HTML part"></iframe>
<h3>Plain text</h3>
<pre>${record.text}</pre>
</main></body></html>`,
      // The email's HTML is shown in a sandboxed frame only; nothing on this page runs scripts.
      { "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-src 'self'" },
    );
  };
}
