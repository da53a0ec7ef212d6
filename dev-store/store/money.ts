/**
 * Exact money: amounts live as integers in the currency's minor unit and leave as decimal strings
 * ("12.50"), the way Shopify's APIs write them. No float ever touches a sum.
 */

/** An amount in both of an order's currencies: what the shop books and what the buyer paid. */
export interface MoneyPair {
  shop: number;
  presentment: number;
}

/** ISO 4217 currencies Shopify sells in without a minor unit; everything else has two decimals. */
const ZERO_DECIMAL_CURRENCIES = new Set([
  "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
]);

export function currencyDecimals(currency: string): number {
  return ZERO_DECIMAL_CURRENCIES.has(currency) ? 0 : 2;
}

/** "12.5" in USD → 1250. Refuses more precision than the currency has rather than rounding silently. */
export function toMinorUnits(amount: string, currency: string): number {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw new Error(`Not a decimal amount: "${amount}"`);
  const decimals = currencyDecimals(currency);
  const fraction = (match[3] ?? "").replace(/0+$/, "");
  if (fraction.length > decimals) {
    throw new Error(`${amount} has more decimals than ${currency} allows (${decimals})`);
  }
  const minor = Number(match[2]) * 10 ** decimals + Number(fraction.padEnd(decimals, "0") || "0");
  if (!Number.isSafeInteger(minor)) throw new Error(`Amount out of range: ${amount}`);
  return match[1] ? -minor : minor;
}

/** 1250 in USD → "12.50"; 1250 in JPY → "1250". */
export function formatMinorUnits(minor: number, currency: string): string {
  const decimals = currencyDecimals(currency);
  const sign = minor < 0 ? "-" : "";
  const digits = String(Math.abs(minor)).padStart(decimals + 1, "0");
  if (decimals === 0) return sign + digits;
  return `${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/** `total × part / whole`, rounded half away from zero, in integers. */
export function proportionalShare(total: number, part: number, whole: number): number {
  if (whole === 0) return 0;
  const numerator = BigInt(total) * BigInt(part);
  return Number(divideRounded(numerator, BigInt(whole)));
}

/** Splits `total` over `weights` so the pieces add up exactly (largest remainder). */
export function allocateProportionally(total: number, weights: number[]): number[] {
  const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
  if (weightSum === 0) return weights.map(() => 0);
  const floors = weights.map((weight) => Math.floor((total * weight) / weightSum));
  let remainder = total - floors.reduce((sum, piece) => sum + piece, 0);
  const byRemainder = weights
    .map((weight, index) => ({ index, fraction: (total * weight) % weightSum }))
    .sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (const { index } of byRemainder) {
    if (remainder <= 0) break;
    floors[index] += 1;
    remainder -= 1;
  }
  return floors;
}

/**
 * Converts between currencies at `rate` (units of `to` per one unit of `from`, a decimal string such
 * as "1.0834"), rounding half away from zero in the target's minor unit.
 */
export function convertMinorUnits(minor: number, from: string, to: string, rate: string): number {
  if (from === to) return minor;
  const match = /^(\d+)(?:\.(\d+))?$/.exec(rate);
  if (!match) throw new Error(`Not an exchange rate: "${rate}"`);
  const rateDecimals = match[2]?.length ?? 0;
  const rateNumerator = BigInt(match[1] + (match[2] ?? ""));
  const numerator = BigInt(minor) * rateNumerator * 10n ** BigInt(currencyDecimals(to));
  const denominator = 10n ** BigInt(rateDecimals + currencyDecimals(from));
  return Number(divideRounded(numerator, denominator));
}

/** The reciprocal of a decimal rate to 10 decimals: "1.25" → "0.8". */
export function invertRate(rate: string): string {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(rate);
  if (!match) throw new Error(`Not an exchange rate: "${rate}"`);
  const decimals = match[2]?.length ?? 0;
  const rateNumerator = BigInt(match[1] + (match[2] ?? ""));
  if (rateNumerator === 0n) throw new Error("An exchange rate cannot be zero");
  const scaled = divideRounded(10n ** BigInt(decimals + 10), rateNumerator);
  const digits = scaled.toString().padStart(11, "0");
  return `${digits.slice(0, -10)}.${digits.slice(-10)}`.replace(/\.?0+$/, "");
}

export function addPairs(...pairs: MoneyPair[]): MoneyPair {
  return pairs.reduce((sum, pair) => ({ shop: sum.shop + pair.shop, presentment: sum.presentment + pair.presentment }), ZERO_PAIR);
}

export function subtractPairs(a: MoneyPair, b: MoneyPair): MoneyPair {
  return { shop: a.shop - b.shop, presentment: a.presentment - b.presentment };
}

export const ZERO_PAIR: MoneyPair = Object.freeze({ shop: 0, presentment: 0 });

function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = (n * 2n + d) / (d * 2n);
  return negative ? -quotient : quotient;
}
