/** The access scopes a managed installation grants: the app's shopify.app.toml `[access_scopes] scopes`. */
import { readFileSync } from "node:fs";

import { parse } from "smol-toml";

export function readAppScopes(appTomlPath: string): string[] {
  const toml = parse(readFileSync(appTomlPath, "utf8")) as { access_scopes?: { scopes?: unknown } };
  const scopes = toml.access_scopes?.scopes;
  if (typeof scopes !== "string") throw new Error(`${appTomlPath} has no [access_scopes] scopes`);
  return scopes.split(",").map((scope) => scope.trim()).filter(Boolean);
}

/** Whether `granted` covers `required`: a write_ scope includes its read_ scope. */
export function hasScope(granted: readonly string[], required: string): boolean {
  if (granted.includes(required)) return true;
  const readOf = /^read_(.+)$/.exec(required);
  return readOf !== null && granted.includes(`write_${readOf[1]}`);
}
