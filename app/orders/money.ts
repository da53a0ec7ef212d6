/**
 * Exact money for the points rules: amounts are integers of ten-thousandths of the shop currency's
 * unit (enough for every ISO currency's minor unit), parsed from Shopify's decimal strings, never
 * from floats.
 */
export type Amount = number;

const SCALE_DIGITS = 4;
export const ONE_UNIT: Amount = 10 ** SCALE_DIGITS;

/** "12.3" → 123000. Throws on anything that is not a plain decimal. */
export function parseAmount(decimal: string | number): Amount {
  const plain = typeof decimal === "string" ? plainAmount(decimal) : undefined;
  if (plain !== undefined) return plain;
  const text = String(decimal).trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`Not a decimal amount: ${text}`);
  const [, sign, whole, fraction = ""] = match;
  if (fraction.slice(SCALE_DIGITS).replace(/0/g, "") !== "") throw new Error(`More than ${SCALE_DIGITS} decimals: ${text}`);
  const value = Number(whole) * ONE_UNIT + Number(fraction.slice(0, SCALE_DIGITS).padEnd(SCALE_DIGITS, "0"));
  if (!Number.isSafeInteger(value)) throw new Error(`Amount too large: ${text}`);
  return sign ? -value : value;
}

/** Whole units of at most this many digits stay a safe integer once scaled. */
const PLAIN_WHOLE_DIGITS = 11;
const ZERO = 48;
const NINE = 57;

/**
 * The common case of `parseAmount`, read digit by digit (the history import parses a dozen amounts
 * per order): a decimal without spaces, of at most 11 whole digits and with no non-zero digit past
 * the fourth decimal. Undefined for anything else, which `parseAmount` reads (or refuses) as before.
 */
function plainAmount(text: string): Amount | undefined {
  const negative = text.charCodeAt(0) === 45;
  let at = negative ? 1 : 0;
  let whole = 0;
  const wholeStart = at;
  for (; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code < ZERO || code > NINE) break;
    whole = whole * 10 + (code - ZERO);
  }
  const wholeDigits = at - wholeStart;
  if (wholeDigits === 0 || wholeDigits > PLAIN_WHOLE_DIGITS) return undefined;
  let fraction = 0;
  if (at < text.length) {
    if (text.charCodeAt(at) !== 46 || at === text.length - 1) return undefined;
    let unit = ONE_UNIT;
    for (at += 1; at < text.length; at++) {
      const code = text.charCodeAt(at);
      if (code < ZERO || code > NINE) return undefined;
      if (unit > 1) {
        unit /= 10;
        fraction += (code - ZERO) * unit;
      } else if (code !== ZERO) return undefined;
    }
  }
  const value = whole * ONE_UNIT + fraction;
  return negative ? -value : value;
}

/** 123000 → "12.3000", for Decimal columns. */
export function formatAmount(amount: Amount): string {
  const sign = amount < 0 ? "-" : "";
  const absolute = Math.abs(amount);
  return `${sign}${Math.floor(absolute / ONE_UNIT)}.${String(absolute % ONE_UNIT).padStart(SCALE_DIGITS, "0")}`;
}

/** The smallest unit of an ISO currency in Amount units (USD 0.01 → 100, JPY 1 → 10000). */
export function minorUnitOf(currencyCode: string): Amount {
  let unit = minorUnits.get(currencyCode);
  if (unit === undefined) {
    let digits = 2;
    try {
      digits = new Intl.NumberFormat("en", { style: "currency", currency: currencyCode }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      // An unknown code: two decimals, as most currencies have.
    }
    unit = 10 ** Math.max(0, SCALE_DIGITS - Math.min(digits, SCALE_DIGITS));
    // Kept per code: an Intl.NumberFormat costs more than the rest of reading an order. Bounded, as codes come from payloads.
    if (minorUnits.size < 1_000) minorUnits.set(currencyCode, unit);
  }
  return unit;
}
const minorUnits = new Map<string, Amount>();

/**
 * Splits `total` in proportion to `weights`, exactly: whole `unit`s by largest remainder (ties to the
 * earlier share), so the shares add up to `total` (itself a whole number of units, or its rest goes
 * to the largest share). Weights are non-negative; all zero splits evenly.
 */
export function allocateLargestRemainder(total: Amount, weights: Amount[], unit: Amount = 1): Amount[] {
  if (weights.length === 0) return [];
  const even = weights.every((weight) => weight <= 0);
  const parts = weights.map((weight) => (even ? 1 : Math.max(0, weight)));
  const whole = parts.reduce((sum, part) => sum + part, 0);
  const sign = total < 0 ? -1 : 1;
  const units = Math.floor(Math.abs(total) / unit);
  const rest = Math.abs(total) - units * unit;
  // BigInt: units × weight can pass 2^53 on large orders.
  const exact = parts.map((part) => (BigInt(units) * BigInt(part)));
  const shares = exact.map((product) => Number(product / BigInt(whole)));
  const order = exact
    .map((product, index) => ({ index, remainder: product % BigInt(whole) }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  let left = units - shares.reduce((sum, share) => sum + share, 0);
  for (const { index } of order) {
    if (left <= 0) break;
    shares[index] += 1;
    left -= 1;
  }
  const amounts = shares.map((share) => share * unit);
  if (rest !== 0) amounts[parts.indexOf(Math.max(...parts))] += rest;
  return amounts.map((amount) => sign * amount);
}

/** "5.0000", "USD" → "$5.00": an amount as a customer reads it (display only; sums stay exact). */
export function formatMoney(decimal: string, currencyCode: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currencyCode }).format(Number(decimal));
  } catch {
    return `${decimal} ${currencyCode}`;
  }
}
