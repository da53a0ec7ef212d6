/** A shop's loyalty program as the points rules and referrals read it, asked by every delivery first. */
import type { Db } from "../database/transaction";
import type { EarningSettings } from "./points-rules";
import { ladderFrom, type TierLadder, type TierProgramSettings, type TierStep } from "./tier-rules";

export interface ShopProgram {
  id: string;
  domain: string;
  installedAt: Date;
  settings: EarningSettings & TierProgramSettings & { referrerPoints: number; referralMonthlyRewardLimit: number };
  /** The VIP ladder, read with the program: settlement moves tiers without asking for it again. Null without tiers. */
  ladder: TierLadder | null;
  /** Second-purchase bonuses wait until the history import has told us every past order (its settle phase on). */
  historyComplete: boolean;
}

type ProgramSettingsRow = ShopProgram["settings"];

/** The installed shop and its program, or null when the shop is unknown or erased. */
export async function shopProgram(db: Db, domain: string): Promise<ShopProgram | null> {
  // Every delivery asks this first: one raw query rather than Prisma's compiled include.
  const [row] = await db.$queryRaw<{ id: string; domain: string; installedAt: Date; settings: ProgramSettingsRow | null; tiers: TierStep[] | null; historyKnown: boolean | null }[]>`
    SELECT s.id, s.domain, s."installedAt", to_jsonb(p) AS settings, h.phase IN ('settle', 'done') AS "historyKnown",
           (SELECT jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name, 'threshold', t.threshold, 'multiplierPercent', t."multiplierPercent",
                                                'entryRewardPoints', t."entryRewardPoints", 'benefits', t.benefits))
              FROM "Tier" t WHERE t."shopId" = s.id) AS tiers
      FROM "Shop" s
      LEFT JOIN "ProgramSettings" p ON p."shopId" = s.id
      LEFT JOIN "HistoryImport" h ON h."shopId" = s.id
     WHERE s.domain = ${domain}`;
  if (!row?.settings) return null;
  return {
    id: row.id,
    domain: row.domain,
    installedAt: row.installedAt,
    settings: row.settings,
    ladder: ladderFrom(row.settings, row.tiers ?? []),
    historyComplete: row.historyKnown === true,
  };
}

/** The programs a batch of deliveries reads, each asked once per batch (until `forget`). */
export class ShopPrograms {
  private readonly known = new Map<string, Promise<ShopProgram | null>>();

  constructor(private readonly db: Db) {}

  program(domain: string): Promise<ShopProgram | null> {
    let found = this.known.get(domain);
    if (!found) this.known.set(domain, (found = shopProgram(this.db, domain)));
    return found;
  }

  /** After a delivery about the shop itself (an uninstall, an erasure): ask again. */
  forget(): void {
    this.known.clear();
  }
}
