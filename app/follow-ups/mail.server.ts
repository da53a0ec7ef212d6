/**
 * Where follow-up emails go: a real SMTP server (SMTP_URL, through nodemailer's connection pool), or
 * with none, a local outbox of files under DATA_DIR/outbox that the dev store's admin shows, so the
 * demo needs nothing else.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";

export interface OutgoingEmail {
  from: { name: string; address: string };
  /** Where the customer's reply goes. */
  replyTo?: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Stable per follow-up, so a receiver can tell a resend after a crash from a new message. */
  messageId: string;
  headers: Record<string, string>;
}

export interface MailTransport {
  /** Resolves once the server accepted the message; rejects with the server's answer otherwise. */
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/**
 * Who a shop's follow-ups come from: the merchant's own sender where set, otherwise the shop's name and
 * its public contact address (Admin API `shop.contactEmail`), and the app's MAIL_FROM only for a shop
 * without one. Replies go to the merchant's Reply-To, else the shop's contact address.
 */
export function followUpSender(
  settings: { senderName: string | null; senderEmail: string | null; replyToEmail: string | null },
  shop: { name: string; contactEmail: string | null },
  defaultFromAddress: string,
): { from: { name: string; address: string }; replyTo: string | undefined } {
  const address = settings.senderEmail || shop.contactEmail || defaultFromAddress;
  const replyTo = settings.replyToEmail || shop.contactEmail || undefined;
  return { from: { name: settings.senderName || shop.name, address }, replyTo };
}

/** An SMTP answer of 5xx will not change on a retry (e.g. the mailbox does not exist). */
export function isPermanentMailError(error: unknown): boolean {
  const code = (error as { responseCode?: number }).responseCode;
  return typeof code === "number" && code >= 500 && code < 600;
}

function message(email: OutgoingEmail) {
  return {
    from: { name: email.from.name, address: email.from.address },
    ...(email.replyTo ? { replyTo: email.replyTo } : {}),
    to: email.to,
    subject: email.subject,
    html: email.html,
    text: email.text,
    messageId: email.messageId,
    headers: email.headers,
  };
}

export function smtpTransport(url: string, options: { maxConnections?: number } = {}): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: options.maxConnections ?? 4,
    maxMessages: Infinity,
    // Well inside the dispatch lease, so a hung server fails the attempt rather than outliving the claim.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    async send(email) {
      await transporter.sendMail(message(email));
    },
    close: () => transporter.close(),
  };
}

/** One record per message in the outbox: the parts the dev store shows, and the raw MIME message. */
export interface OutboxRecord {
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  storedAt: string;
}

export function outboxTransport(dir: string): MailTransport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    async send(email) {
      const info = (await composer.sendMail(message(email))) as unknown as { message: Buffer };
      await mkdir(dir, { recursive: true });
      const name = `${Date.now()}-${email.messageId.replace(/[^a-zA-Z0-9]+/g, "_").slice(0, 80)}`;
      const record: OutboxRecord = {
        messageId: email.messageId,
        from: `${email.from.name} <${email.from.address}>`,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        headers: email.headers,
        storedAt: new Date().toISOString(),
      };
      await writeFile(path.join(dir, `${name}.eml`), info.message);
      // Written under a temporary name and renamed, so a reader never sees half a file.
      await writeFile(path.join(dir, `${name}.json.tmp`), JSON.stringify(record));
      await rename(path.join(dir, `${name}.json.tmp`), path.join(dir, `${name}.json`));
    },
    close() {},
  };
}

/** SMTP_URL when set, the outbox under DATA_DIR otherwise. */
export function mailTransportFor(settings: { SMTP_URL?: string; DATA_DIR: string }): MailTransport {
  return settings.SMTP_URL ? smtpTransport(settings.SMTP_URL) : outboxTransport(path.join(settings.DATA_DIR, "outbox"));
}

/** The sender when neither the shop's settings nor its contact address give one: MAIL_FROM, else an address at the app's host. */
export function defaultFromAddress(settings: { MAIL_FROM?: string; SHOPIFY_APP_URL: string }): string {
  if (settings.MAIL_FROM) return settings.MAIL_FROM;
  const host = new URL(settings.SHOPIFY_APP_URL).hostname;
  return `follow-ups@${host.includes(".") && !/^[\d.]+$/.test(host) ? host : "localhost.localdomain"}`;
}
