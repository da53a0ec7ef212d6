/**
 * The app's Shopify Flow triggers, as Shopify knows them once `shopify app deploy` has pushed the app's
 * extensions: every extensions/<name>/shopify.extension.toml of `type = "flow_trigger"` beside the app's
 * shopify.app.toml. flowTriggerReceive checks a handle and its payload against these.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { parse } from "smol-toml";

export interface FlowTriggerField {
  /** The payload's property: the field's key, or `<object>_id` for a commerce object reference. */
  property: string;
  type: string;
}

export interface FlowTriggerDefinition {
  handle: string;
  name: string;
  fields: FlowTriggerField[];
}

const COMMERCE_OBJECTS = new Set(["customer_reference", "order_reference", "product_reference", "marketing_activity_reference", "abandonment_reference"]);

export function readFlowTriggers(appTomlPath: string | undefined): Map<string, FlowTriggerDefinition> {
  const triggers = new Map<string, FlowTriggerDefinition>();
  if (!appTomlPath) return triggers;
  const folder = path.join(path.dirname(appTomlPath), "extensions");
  if (!existsSync(folder)) return triggers;
  for (const name of readdirSync(folder)) {
    const file = path.join(folder, name, "shopify.extension.toml");
    if (!existsSync(file)) continue;
    const toml = parse(readFileSync(file, "utf8")) as {
      extensions?: { type?: string; handle?: string; name?: string }[];
      settings?: { fields?: { type: string; key?: string }[] };
    };
    for (const extension of toml.extensions ?? []) {
      if (extension.type !== "flow_trigger" || !extension.handle) continue;
      const fields = (toml.settings?.fields ?? []).map((field) => ({
        property: COMMERCE_OBJECTS.has(field.type) ? `${field.type.replace(/_reference$/, "")}_id` : field.key ?? "",
        type: field.type,
      }));
      triggers.set(extension.handle, { handle: extension.handle, name: extension.name ?? extension.handle, fields });
    }
  }
  return triggers;
}
