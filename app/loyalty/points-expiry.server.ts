/**
 * Runs the points expiry rule for every shop whose program has an expiry period, once an hour: a
 * balance quiet for the period becomes an EXPIRY entry (ledger.server.ts; a second run before new
 * activity adds nothing). One process at a time does it, under a transaction-scoped advisory lock;
 * the others skip that round.
 */
import { allowLongStatements } from "../database-timeouts.server";
import type { PrismaClient } from "../generated/prisma/client";
import { logger } from "../logger.server";
import { expireInactivePoints } from "./ledger.server";

export interface PointsExpirySchedule {
  stop(): Promise<void>;
}

/** One round over every installed shop that expires points; returns the entries written. */
const EXPIRY_ROUND_TIMEOUT_MS = 10 * 60_000;

export async function expirePointsEverywhere(db: PrismaClient, now: Date): Promise<number> {
  return db.$transaction(
    async (tx) => {
      await allowLongStatements(tx, EXPIRY_ROUND_TIMEOUT_MS);
      const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtextextended('loyalty:points-expiry', 0)) AS locked`;
      if (!locked) return 0;
      const shops = await tx.$queryRaw<{ id: string }[]>`
        SELECT s.id FROM "Shop" s JOIN "ProgramSettings" p ON p."shopId" = s.id
         WHERE s."uninstalledAt" IS NULL AND p."expiryMonths" IS NOT NULL`;
      let expired = 0;
      for (const shop of shops) expired += await expireInactivePoints(tx, shop.id, now);
      return expired;
    },
    { timeout: EXPIRY_ROUND_TIMEOUT_MS, maxWait: 60_000 },
  );
}

export function startPointsExpiry(options: { db: PrismaClient; everyMs?: number; now?: () => Date }): PointsExpirySchedule {
  const everyMs = options.everyMs ?? 60 * 60_000;
  const now = options.now ?? (() => new Date());
  let round: Promise<unknown> = Promise.resolve();
  const run = () => {
    round = expirePointsEverywhere(options.db, now())
      .then((expired) => expired > 0 && logger.info("points expired", { entries: expired }))
      .catch((error: unknown) => logger.error("points expiry failed", { error: String(error) }));
  };
  // The first round soon after start, then hourly; timers never hold the process open.
  const first = setTimeout(run, 5_000);
  const timer = setInterval(run, everyMs);
  first.unref?.();
  timer.unref?.();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await round;
    },
  };
}
