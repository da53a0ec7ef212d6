/**
 * The dispatch loop wired to the app's settings: the database, SMTP_URL (or the outbox), the Admin
 * API through the shop's offline session, and the win-back sweep. `npm run worker` runs it as its own
 * process; on the embedded database the app runs it itself (in-app-dispatch.server.ts).
 */
import type { PrismaClient } from "../generated/prisma/client";
import { env } from "../env.server";
import { startRedemptionUpkeep } from "../loyalty/redemption-upkeep.server";
import { startReportRebuilder } from "../reports/background-rebuild.server";
import type { AdminGraphql } from "../shopify/admin-graphql.server";
import { startFollowUpDispatcher, type FollowUpDispatcher } from "./dispatch.server";
import { mailTransportFor } from "./mail.server";
import { sweepWinBacks } from "./schedule.server";

export function defaultFromAddress(settings: { MAIL_FROM?: string; SHOPIFY_APP_URL: string }): string {
  if (settings.MAIL_FROM) return settings.MAIL_FROM;
  const host = new URL(settings.SHOPIFY_APP_URL).hostname;
  return `follow-ups@${host.includes(".") && !/^[\d.]+$/.test(host) ? host : "localhost.localdomain"}`;
}

export async function startConfiguredDispatcher(db: PrismaClient, options: { pollMs?: number } = {}): Promise<FollowUpDispatcher> {
  const settings = env();
  const transport = mailTransportFor(settings);
  const { unauthenticated } = await import("../shopify.server");
  const dispatcher = startFollowUpDispatcher({
    db,
    transport,
    adminGraphqlFor: async (shop) => (await unauthenticated.admin(shop)).admin.graphql as unknown as AdminGraphql,
    appUrl: settings.SHOPIFY_APP_URL,
    secret: settings.SHOPIFY_API_SECRET,
    defaultFromAddress: defaultFromAddress(settings),
    pollMs: options.pollMs ?? settings.FOLLOW_UPS_POLL_MS,
    sweep: (tx, now) => sweepWinBacks(tx, now),
  });
  const redemptionUpkeep = startRedemptionUpkeep(db, (shop) => ({ graphql: async () => (await unauthenticated.admin(shop)).admin.graphql as unknown as AdminGraphql, timeoutMs: settings.DISCOUNT_CREATE_TIMEOUT_MS }));
  // The same worker rebuilds stale report rows, so no dashboard request has to.
  const reportRebuilder = startReportRebuilder(db);
  return {
    async stop() {
      await Promise.all([redemptionUpkeep.stop(), dispatcher.stop(), reportRebuilder.stop()]);
      transport.close();
    },
  };
}
