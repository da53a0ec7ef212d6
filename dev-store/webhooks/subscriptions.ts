import { readFileSync } from "node:fs";
import { parse } from "smol-toml";

import { compileWebhookFilter, type WebhookFilter } from "./filter";

/** The three privacy topics every public app must answer; shopify.app.toml lists them as `compliance_topics`. */
export const COMPLIANCE_TOPICS = ["customers/data_request", "customers/redact", "shop/redact"] as const;
export type ComplianceTopic = (typeof COMPLIANCE_TOPICS)[number];

/** One topic of one `[[webhooks.subscriptions]]` entry, resolved against the app's URL. */
export interface WebhookSubscription {
  topic: string;
  /** The absolute address deliveries are POSTed to. */
  uri: string;
  compliance: boolean;
  /** The subscription's `filter` expression (Shopify search syntax), if it has one. */
  filter: string | null;
  matches: WebhookFilter;
  /** The subscription's `include_fields`: only these (dotted) paths of the payload are delivered. */
  includeFields: string[] | null;
}

export interface AppWebhookSubscriptions {
  /** `[webhooks] api_version`: sent as X-Shopify-API-Version. */
  apiVersion: string;
  subscriptions: WebhookSubscription[];
  subscribedTo(topic: string): WebhookSubscription[];
}

export class WebhookConfigurationError extends Error {
  constructor(message: string) {
    super(`shopify.app.toml [webhooks]: ${message}`);
    this.name = "WebhookConfigurationError";
  }
}

/** Reads the app's webhook subscriptions the way `shopify app deploy` registers them. */
export function readWebhookSubscriptions(options: { appTomlPath: string; appUrl: string }): AppWebhookSubscriptions {
  const toml = parse(readFileSync(options.appTomlPath, "utf8"));
  return webhookSubscriptionsFromToml(toml, options.appUrl);
}

export function webhookSubscriptionsFromToml(toml: Record<string, unknown>, appUrl: string): AppWebhookSubscriptions {
  const webhooks = asTable(toml.webhooks, "[webhooks]") ?? {};
  const entries = webhooks.subscriptions ?? [];
  if (!Array.isArray(entries)) throw new WebhookConfigurationError("subscriptions must be an array of tables");

  const subscriptions = entries.flatMap((entry, index) => subscriptionsOfEntry(entry, index, appUrl));
  const apiVersion = webhooks.api_version;
  if (subscriptions.length > 0 && (typeof apiVersion !== "string" || !/^(\d{4}-\d{2}|unstable)$/.test(apiVersion))) {
    throw new WebhookConfigurationError(`api_version must be a version such as "2026-10", got ${JSON.stringify(apiVersion)}`);
  }

  return {
    apiVersion: typeof apiVersion === "string" ? apiVersion : "",
    subscriptions,
    subscribedTo: (topic) => subscriptions.filter((subscription) => subscription.topic === topic),
  };
}

function subscriptionsOfEntry(entry: unknown, index: number, appUrl: string): WebhookSubscription[] {
  const where = `subscriptions[${index}]`;
  const table = asTable(entry, where);
  if (!table) throw new WebhookConfigurationError(`${where} must be a table`);

  const topics = stringList(table.topics, `${where}.topics`);
  const complianceTopics = stringList(table.compliance_topics, `${where}.compliance_topics`);
  if (topics.length === 0 && complianceTopics.length === 0) {
    throw new WebhookConfigurationError(`${where} needs topics or compliance_topics`);
  }
  for (const topic of complianceTopics) {
    if (!(COMPLIANCE_TOPICS as readonly string[]).includes(topic)) {
      throw new WebhookConfigurationError(`${where}.compliance_topics: "${topic}" is not a compliance topic`);
    }
  }

  const uri = resolveUri(table.uri, appUrl, where);
  const filter = typeof table.filter === "string" && table.filter.trim() !== "" ? table.filter : null;
  const includeFields = table.include_fields === undefined ? null : stringList(table.include_fields, `${where}.include_fields`);
  let matches: WebhookFilter;
  try {
    matches = compileWebhookFilter(filter);
  } catch (error) {
    throw new WebhookConfigurationError(`${where}.filter: ${(error as Error).message}`);
  }

  return [
    ...topics.map((topic) => ({ topic, uri, compliance: false, filter, matches, includeFields })),
    ...complianceTopics.map((topic) => ({ topic, uri, compliance: true, filter, matches, includeFields })),
  ];
}

/** A relative `uri` is a path on the app's URL; Pub/Sub and EventBridge addresses cannot be reached from here. */
function resolveUri(value: unknown, appUrl: string, where: string): string {
  if (typeof value !== "string" || value === "") throw new WebhookConfigurationError(`${where}.uri is required`);
  if (value.startsWith("/")) return `${appUrl.replace(/\/+$/, "")}${value}`;
  if (!/^https?:\/\//i.test(value)) {
    throw new WebhookConfigurationError(`${where}.uri "${value}": the dev store delivers over HTTP only`);
  }
  try {
    return new URL(value).toString();
  } catch {
    throw new WebhookConfigurationError(`${where}.uri "${value}" is not a valid URL`);
  }
}

function asTable(value: unknown, where: string): Record<string, unknown> | null {
  if (value === undefined) return null;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WebhookConfigurationError(`${where} must be a table`);
  }
  return value as Record<string, unknown>;
}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string" && item !== "")) {
    throw new WebhookConfigurationError(`${where} must be a list of strings`);
  }
  return value;
}
