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
  const text = String(decimal).trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`Not a decimal amount: ${text}`);
  const [, sign, whole, fraction = ""] = match;
  if (fraction.slice(SCALE_DIGITS).replace(/0/g, "") !== "") throw new Error(`More than ${SCALE_DIGITS} decimals: ${text}`);
  const value = Number(whole) * ONE_UNIT + Number(fraction.slice(0, SCALE_DIGITS).padEnd(SCALE_DIGITS, "0"));
  if (!Number.isSafeInteger(value)) throw new Error(`Amount too large: ${text}`);
  return sign ? -value : value;
}

/** 123000 → "12.3000", for Decimal columns. */
export function formatAmount(amount: Amount): string {
  const sign = amount < 0 ? "-" : "";
  const absolute = Math.abs(amount);
  return `${sign}${Math.floor(absolute / ONE_UNIT)}.${String(absolute % ONE_UNIT).padStart(SCALE_DIGITS, "0")}`;
}
