/**
 * The reward catalogue: what a customer can redeem points for (an amount off, a percentage off, free
 * shipping, store credit, a free product), at what cost, with what minimum order, for how long the
 * code (or credit) lasts, how often one customer may redeem it and the balance it needs. The merchant
 * edits it in the admin (app/routes/app.rewards.tsx); the storefront lists the active rewards.
 */
import { z } from "zod";

import type { Db } from "../database/transaction";
import type { Prisma, PrismaClient, Reward, RewardKind } from "../generated/prisma/client";
import { adminQuery, type AdminGraphql } from "../shopify/admin-graphql.server";
import { REWARD_PRODUCT_VARIANT_QUERY } from "../shopify/operations";

export const REWARD_KINDS = ["AMOUNT_OFF", "PERCENTAGE_OFF", "FREE_SHIPPING", "STORE_CREDIT", "FREE_PRODUCT"] as const satisfies readonly RewardKind[];

/** A positive amount of the shop's currency with at most 2 decimals, kept as the merchant typed it. */
const amount = z
  .string()
  .trim()
  .regex(/^\d{1,7}(\.\d{1,2})?$/, "must be an amount like 5 or 4.99")
  .refine((value) => Number(value) > 0, "must be more than 0");
const wholeNumber = (min: number, max: number) =>
  z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(min, `must be at least ${min}`).max(max, `is at most ${max.toLocaleString("en-US")}`);
const checkbox = z.union([z.boolean(), z.enum(["true", "false", "on"]).transform((value) => value !== "false")]);
const blankIsNull = (value: unknown) => (value === "" || value === undefined ? null : value);

/** The value fields of the kinds not chosen are ignored: a leftover "5 dollars" under a hidden field is not an error. */
const onlyChosenKindsValue = (input: unknown) => {
  if (typeof input !== "object" || input === null) return input;
  const reward = input as Record<string, unknown>;
  return {
    ...reward,
    amountOff: reward.kind === "AMOUNT_OFF" ? reward.amountOff : null,
    percentageOff: reward.kind === "PERCENTAGE_OFF" ? reward.percentageOff : null,
    storeCreditAmount: reward.kind === "STORE_CREDIT" ? reward.storeCreditAmount : null,
    productVariantId: reward.kind === "FREE_PRODUCT" ? reward.productVariantId : null,
    // Store credit needs no order: a minimum subtotal does not apply to it.
    minimumSubtotal: reward.kind === "STORE_CREDIT" ? null : reward.minimumSubtotal,
    // A period without a count limits nothing: both are set or neither.
    limitPeriodDays: blankIsNull(reward.limitPerCustomer) === null ? null : reward.limitPeriodDays,
  };
};

export const RewardInput = z.preprocess(
  onlyChosenKindsValue,
  z
    .object({
      name: z.string().trim().min(1, "is required").max(60, "is at most 60 characters"),
      kind: z.enum(REWARD_KINDS, { error: "must be an amount off, a percentage off, free shipping, store credit or a free product" }),
      pointsCost: wholeNumber(1, 1_000_000),
      amountOff: z.preprocess(blankIsNull, amount.nullable()),
      percentageOff: z.preprocess(blankIsNull, wholeNumber(1, 100).nullable()),
      storeCreditAmount: z.preprocess(blankIsNull, amount.nullable()).default(null),
      productVariantId: z.preprocess(blankIsNull, z.string().regex(/^gid:\/\/shopify\/ProductVariant\/\d+$/, "must be a product variant").nullable()).default(null),
      minimumSubtotal: z.preprocess(blankIsNull, amount.nullable()),
      codeValidDays: wholeNumber(1, 365),
      limitPerCustomer: z.preprocess(blankIsNull, wholeNumber(1, 1000).nullable()).default(null),
      limitPeriodDays: z.preprocess(blankIsNull, wholeNumber(1, 3650).nullable()).default(null),
      minimumBalance: z.preprocess(blankIsNull, wholeNumber(1, 100_000_000).nullable()).default(null),
      /** Tier-only: the lowest tier that may redeem it (a tier of the shop's, checked on saving); empty: everyone. */
      minTierId: z.preprocess(blankIsNull, z.string().max(40, "is not a tier of your shop").nullable()).default(null),
      returnPointsOnExpiry: checkbox.default(false),
      active: checkbox.default(true),
    })
    .superRefine((reward, context) => {
      if (reward.kind === "AMOUNT_OFF" && reward.amountOff === null) context.addIssue({ code: "custom", path: ["amountOff"], message: "is required for an amount off" });
      if (reward.kind === "PERCENTAGE_OFF" && reward.percentageOff === null) {
        context.addIssue({ code: "custom", path: ["percentageOff"], message: "is required for a percentage off" });
      }
      if (reward.kind === "STORE_CREDIT" && reward.storeCreditAmount === null) {
        context.addIssue({ code: "custom", path: ["storeCreditAmount"], message: "is required for store credit" });
      }
      if (reward.kind === "FREE_PRODUCT" && reward.productVariantId === null) {
        context.addIssue({ code: "custom", path: ["productVariantId"], message: "is required for a free product: choose one" });
      }
      if (reward.minimumBalance !== null && reward.minimumBalance < reward.pointsCost) {
        context.addIssue({ code: "custom", path: ["minimumBalance"], message: "must be at least the reward's cost (or left empty)" });
      }
    }),
);

export type RewardFields = z.output<typeof RewardInput>;
export type RewardErrors = Partial<Record<keyof RewardFields | "form", string>>;

function fieldErrors(error: z.ZodError): RewardErrors {
  const errors: RewardErrors = {};
  for (const issue of error.issues) {
    const field = (issue.path[0] ?? "form") as keyof RewardErrors;
    errors[field] ??= issue.message;
  }
  return errors;
}

function money(value: string, currencyCode: string): string {
  try {
    const number = Number(value);
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currencyCode, minimumFractionDigits: Number.isInteger(number) ? 0 : 2 }).format(number);
  } catch {
    return `${value} ${currencyCode}`;
  }
}

/** The catalogue a new shop starts with; the merchant changes or deactivates any of it. */
export function defaultRewards(currencyCode: string): (RewardFields & { defaultKey: string })[] {
  const common = {
    minimumSubtotal: null,
    storeCreditAmount: null,
    productVariantId: null,
    codeValidDays: 30,
    returnPointsOnExpiry: true,
    active: true,
    limitPerCustomer: null,
    limitPeriodDays: null,
    minimumBalance: null,
    minTierId: null,
  };
  return [
    { defaultKey: "amount-off-5", name: `${money("5", currencyCode)} off your order`, kind: "AMOUNT_OFF", pointsCost: 500, amountOff: "5", percentageOff: null, ...common },
    { defaultKey: "free-shipping", name: "Free shipping", kind: "FREE_SHIPPING", pointsCost: 800, amountOff: null, percentageOff: null, ...common },
    { defaultKey: "percentage-off-10", name: "10% off your order", kind: "PERCENTAGE_OFF", pointsCost: 1000, amountOff: null, percentageOff: 10, ...common },
  ];
}

/** Seeds the default catalogue once per shop (a reinstall finds it there and adds nothing). */
export async function seedDefaultRewards(db: Db, shopId: string, currencyCode: string): Promise<void> {
  await db.reward.createMany({ data: defaultRewards(currencyCode).map((reward) => ({ shopId, ...reward })), skipDuplicates: true });
}

export async function rewardsOf(db: Db, shopId: string): Promise<Reward[]> {
  return db.reward.findMany({ where: { shopId }, orderBy: [{ active: "desc" }, { pointsCost: "asc" }, { createdAt: "asc" }] });
}

export type RewardSaved = { ok: true; reward: Reward } | { ok: false; errors: RewardErrors };

/** The free product as the widget and the admin show it, read from the Admin API. */
export interface RewardProduct {
  title: string;
  imageUrl: string | null;
}

/** The variant's product title (with the variant's own title when it has one) and image; null when the shop has no such variant. */
export async function rewardProduct(graphql: AdminGraphql, variantId: string): Promise<RewardProduct | null> {
  const { productVariant } = await adminQuery(graphql, REWARD_PRODUCT_VARIANT_QUERY, { variables: { id: variantId } });
  if (!productVariant) return null;
  const variantTitle = productVariant.title === "Default Title" ? "" : ` (${productVariant.title})`;
  return { title: `${productVariant.product.title}${variantTitle}`, imageUrl: productVariant.product.featuredMedia?.preview?.image?.url ?? null };
}

/**
 * Creates a reward, or updates the shop's reward `rewardId`; bad input changes nothing and names each
 * problem. A free product's title and image are read through `graphql` when the reward is saved.
 */
export async function saveReward(db: Db, shopId: string, rewardId: string | null, input: Record<string, unknown>, graphql?: AdminGraphql): Promise<RewardSaved> {
  const parsed = RewardInput.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  let product: RewardProduct | null = null;
  if (parsed.data.productVariantId) {
    if (!graphql) return { ok: false, errors: { productVariantId: "cannot be checked right now" } };
    try {
      product = await rewardProduct(graphql, parsed.data.productVariantId);
    } catch {
      return { ok: false, errors: { form: "Shopify did not answer about the product: try again" } };
    }
    if (!product) return { ok: false, errors: { productVariantId: "is not a product variant in your shop" } };
  }
  if (parsed.data.minTierId && !(await db.tier.findFirst({ where: { id: parsed.data.minTierId, shopId }, select: { id: true } }))) {
    return { ok: false, errors: { minTierId: "is not a tier of your shop" } };
  }
  const data = { ...parsed.data, productTitle: product?.title ?? null, productImageUrl: product?.imageUrl ?? null };
  if (!rewardId) return { ok: true, reward: await db.reward.create({ data: { shopId, ...data } }) };
  const { count } = await db.reward.updateMany({ where: { id: rewardId, shopId }, data });
  if (count === 0) return { ok: false, errors: { form: "This reward does not exist in your shop" } };
  return { ok: true, reward: await db.reward.findUniqueOrThrow({ where: { id: rewardId } }) };
}

/** Deactivating keeps the reward (its redemptions name it) but takes it off the storefront. */
export async function setRewardActive(db: Db, shopId: string, rewardId: string, active: boolean): Promise<boolean> {
  const { count } = await db.reward.updateMany({ where: { id: rewardId, shopId }, data: { active } });
  return count === 1;
}

/** What the merchant reads for a reward's value, e.g. "$5 off", "10% off", "Free shipping", "over $50", "$10 store credit". */
export function rewardValueText(
  reward: Pick<Reward, "kind" | "amountOff" | "percentageOff" | "minimumSubtotal"> & Partial<Pick<Reward, "storeCreditAmount" | "productTitle">>,
  currencyCode: string,
): string {
  const value =
    reward.kind === "AMOUNT_OFF"
      ? `${money(String(reward.amountOff), currencyCode)} off`
      : reward.kind === "PERCENTAGE_OFF"
        ? `${reward.percentageOff}% off`
        : reward.kind === "STORE_CREDIT"
          ? `${money(String(reward.storeCreditAmount), currencyCode)} store credit`
          : reward.kind === "FREE_PRODUCT"
            ? `Free ${reward.productTitle ?? "product"}`
            : "Free shipping";
  return reward.minimumSubtotal === null ? value : `${value} on orders of ${money(String(reward.minimumSubtotal), currencyCode)} or more`;
}

/** What a shopper and the merchant read for a reward's limits, e.g. "Once every 30 days", "Needs 2,000 points"; null for none. */
export function rewardLimitText(reward: Pick<Reward, "limitPerCustomer" | "limitPeriodDays" | "minimumBalance">, pointsName: string): string | null {
  const parts: string[] = [];
  if (reward.limitPerCustomer !== null) {
    const times = reward.limitPerCustomer === 1 ? "Once" : reward.limitPerCustomer === 2 ? "Twice" : `${reward.limitPerCustomer} times`;
    parts.push(reward.limitPeriodDays === null ? `${times} per customer` : `${times} every ${reward.limitPeriodDays === 1 ? "day" : `${reward.limitPeriodDays} days`}`);
  }
  if (reward.minimumBalance !== null) parts.push(`Needs a balance of ${reward.minimumBalance.toLocaleString("en-US")} ${pointsName}`);
  return parts.length ? parts.join(" · ") : null;
}
