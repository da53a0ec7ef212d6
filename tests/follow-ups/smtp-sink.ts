/**
 * A real SMTP server in-process (smtp-server) that keeps what arrives, parsed just enough to assert
 * on: envelope, headers, and the decoded text and HTML parts. Tests and the benchmark use it.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";

export interface ReceivedEmail {
  envelopeFrom: string;
  recipients: string[];
  headers: Map<string, string>;
  subject: string;
  text: string;
  html: string;
  raw: string;
}

export interface SmtpSink {
  url: string;
  received: ReceivedEmail[];
  /** Answer the next RCPT TO with this SMTP error (e.g. 451 for a temporary failure), `times` times. */
  failNext(times: number, code: number, message?: string): void;
  /** Messages accepted. */
  count: number;
  /** With `{ parse: false }`: each message's X-Follow-Up-Id, and how many arrived more than once. */
  ids: Set<string>;
  duplicates: number;
  close(): Promise<void>;
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, encoding: string, data: string) =>
    encoding.toUpperCase() === "B" ? Buffer.from(data, "base64").toString("utf8") : decodeQuotedPrintable(data.replace(/_/g, " ")),
  ).replace(/\?=\s+=\?/g, "");
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function splitMessage(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.search(/\r?\n\r?\n/);
  return { headers: parseHeaders(raw.slice(0, end)), body: raw.slice(end).replace(/^\r?\n\r?\n/, "") };
}

function parts(raw: string): { type: string; body: string }[] {
  const { headers, body } = splitMessage(raw);
  const type = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  if (type.startsWith("multipart/") && boundary) {
    return body
      .split(`--${boundary}`)
      .slice(1, -1)
      .flatMap((part) => parts(part.replace(/^\r?\n/, "")));
  }
  const encoding = headers.get("content-transfer-encoding") ?? "7bit";
  const decoded = encoding === "quoted-printable" ? decodeQuotedPrintable(body) : encoding === "base64" ? Buffer.from(body, "base64").toString("utf8") : body;
  return [{ type: type.split(";")[0], body: decoded }];
}

export function parseEmail(raw: string, envelopeFrom = "", recipients: string[] = []): ReceivedEmail {
  const { headers } = splitMessage(raw);
  const all = parts(raw);
  return {
    envelopeFrom,
    recipients,
    headers,
    subject: decodeWords(headers.get("subject") ?? ""),
    text: all.find((part) => part.type === "text/plain")?.body ?? "",
    html: all.find((part) => part.type === "text/html")?.body ?? "",
    raw,
  };
}

export async function startSmtpSink(options: { parse?: boolean } = {}): Promise<SmtpSink> {
  const parse = options.parse ?? true;
  let failures: { times: number; code: number; message: string } | null = null;
  const sink: SmtpSink = {
    url: "",
    received: [],
    count: 0,
    ids: new Set(),
    duplicates: 0,
    failNext(times, code, message = "try again later") {
      failures = { times, code, message };
    },
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(_address, _session, callback) {
      if (failures && failures.times > 0) {
        failures.times--;
        const error = new Error(failures.message) as Error & { responseCode: number };
        error.responseCode = failures.code;
        return callback(error);
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      let head = "";
      stream.on("data", (chunk: Buffer) => {
        if (parse) chunks.push(chunk);
        else if (!head.includes("\r\n\r\n") && head.length < 64 * 1024) head += chunk.toString("utf8");
      });
      stream.on("end", () => {
        sink.count++;
        if (!parse) {
          const id = /^x-follow-up-id:\s*(\S+)/im.exec(head)?.[1] ?? `missing-${sink.count}`;
          if (sink.ids.has(id)) sink.duplicates++;
          else sink.ids.add(id);
        }
        if (parse) {
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
          sink.received.push(parseEmail(Buffer.concat(chunks).toString("utf8"), from, session.envelope.rcptTo.map((rcpt) => rcpt.address)));
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  sink.url = `smtp://127.0.0.1:${port}`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
