/**
 * The points expiry rule for every shop whose program has an expiry period: a balance quiet for the
 * period becomes an EXPIRY entry (ledger.server.ts; a second run before new activity adds nothing).
 * The "points-expiry" background job (app/jobs/catalog.server.ts) runs it hourly, in one process at a time.
 */
import { allowLongStatements } from "../database-timeouts.server";
import type { PrismaClient } from "../generated/prisma/client";
import { logger } from "../logger.server";
import { expireInactivePoints } from "./ledger.server";

const EXPIRY_ROUND_TIMEOUT_MS = 10 * 60_000;

/** One round over every installed shop that expires points; returns the entries written. */
export async function expirePointsEverywhere(db: PrismaClient, now: Date): Promise<number> {
  return db.$transaction(
    async (tx) => {
      await allowLongStatements(tx, EXPIRY_ROUND_TIMEOUT_MS);
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
