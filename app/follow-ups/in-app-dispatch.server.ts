/**
 * On the embedded database (no DATABASE_URL: the demo, a laptop) the app process dispatches
 * follow-ups itself, since the embedded database belongs to it. With a database server, only
 * `npm run worker` processes dispatch.
 */
import db from "../db.server";
import { env } from "../env.server";
import type { FollowUpDispatcher } from "./dispatch.server";
import { startConfiguredDispatcher } from "./worker.server";

declare global {
  // Survives dev-server module reloads, so a reload does not start a second loop.
  var __loyaltyInAppDispatcher: Promise<FollowUpDispatcher> | undefined;
}

export function startInAppDispatchIfEmbedded(): void {
  if (env().DATABASE_URL || globalThis.__loyaltyInAppDispatcher) return;
  globalThis.__loyaltyInAppDispatcher = startConfiguredDispatcher(db);
}

export async function stopInAppDispatch(): Promise<void> {
  const pending = globalThis.__loyaltyInAppDispatcher;
  globalThis.__loyaltyInAppDispatcher = undefined;
  await (await pending)?.stop();
}
