/**
 * The redemptions' periodic upkeep, run beside the follow-up dispatch (follow-ups/worker.server.ts):
 * expired codes, redemptions a stopped process left creating, and ended rate-limit windows. Every
 * step is safe when several instances run it at once.
 */
import type { PrismaClient } from "../generated/prisma/client";
import { logger } from "../logger.server";
import { deleteEndedRateLimitWindows } from "../storefront/rate-limits.server";
import { expireAndSettleRedemptions, type ShopifyAccess } from "./redemption.server";

export const REDEMPTION_UPKEEP_EVERY_MS = 10 * 60_000;

export interface RedemptionUpkeep {
  stop(): Promise<void>;
}

export async function runRedemptionUpkeep(db: PrismaClient, shopifyFor: (shopDomain: string) => ShopifyAccess, now: Date) {
  const redemptions = await expireAndSettleRedemptions(db, shopifyFor, now);
  const rateLimitWindows = await deleteEndedRateLimitWindows(db, now);
  return { ...redemptions, rateLimitWindows };
}

export function startRedemptionUpkeep(db: PrismaClient, shopifyFor: (shopDomain: string) => ShopifyAccess, everyMs = REDEMPTION_UPKEEP_EVERY_MS): RedemptionUpkeep {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = runRedemptionUpkeep(db, shopifyFor, new Date())
      .catch((error: unknown) => logger.error("redemptions: upkeep failed", { error: String(error) }))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, everyMs);
  timer.unref?.();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
