/**
 * The app's Shopify Flow triggers: each one's handle and the fields its payload carries, as declared in
 * its extension (extensions/flow-<handle>/shopify.extension.toml; tests/shop-tools checks they agree).
 * A `customer_reference` field is sent as `customer_id`, the customer's numeric id, as Flow expects.
 */
export const FLOW_TRIGGER_FIELDS = {
  "points-earned": { customer_id: "customer_reference", Points: "number_integer", "Points balance": "number_integer", Reason: "single_line_text_field" },
  "reward-redeemed": { customer_id: "customer_reference", Reward: "single_line_text_field", "Points spent": "number_integer", "Points balance": "number_integer" },
  "tier-changed": { customer_id: "customer_reference", Tier: "single_line_text_field", "Previous tier": "single_line_text_field" },
} as const;

export type FlowTriggerHandle = keyof typeof FLOW_TRIGGER_FIELDS;

type FieldValue<T> = T extends "customer_reference" | "number_integer" ? number : string;
export type FlowTriggerPayload<H extends FlowTriggerHandle> = { -readonly [K in keyof (typeof FLOW_TRIGGER_FIELDS)[H]]: FieldValue<(typeof FLOW_TRIGGER_FIELDS)[H][K]> };

/** Shopify refuses a flowTriggerReceive payload larger than this. */
export const FLOW_PAYLOAD_MAX_BYTES = 50_000;

/** The ledger reasons that count as points earned (a Flow "points earned" event), with the words the payload gives them. */
export const EARNING_REASONS: Record<string, string> = {
  WELCOME: "Welcome",
  SPEND: "Purchase",
  SECOND_PURCHASE: "Second purchase",
  REFERRAL: "Referral",
  BIRTHDAY: "Birthday",
};

/** The numeric id Flow's customer_reference takes, from the customer's GID. */
export function flowCustomerId(customerGid: string): number {
  const id = Number(customerGid.slice(customerGid.lastIndexOf("/") + 1));
  if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`not a customer id: ${customerGid}`);
  return id;
}

/** Why Shopify would refuse the payload, or null: every declared field present with its type, and at most 50 KB. */
export function flowPayloadProblem(handle: string, payload: unknown): string | null {
  const fields = (FLOW_TRIGGER_FIELDS as Record<string, Record<string, string>>)[handle];
  if (!fields) return `no Flow trigger is called ${handle}`;
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return "the payload must be an object";
  const size = Buffer.byteLength(JSON.stringify(payload), "utf8");
  if (size > FLOW_PAYLOAD_MAX_BYTES) return `the payload is ${size} bytes; Flow takes at most ${FLOW_PAYLOAD_MAX_BYTES}`;
  for (const [key, type] of Object.entries(fields)) {
    const value = (payload as Record<string, unknown>)[key];
    const wanted = type === "single_line_text_field" ? "string" : "number";
    if (typeof value !== wanted || (wanted === "number" && !Number.isInteger(value))) return `${key} must be ${wanted === "string" ? "text" : "a whole number"}`;
  }
  return null;
}
