/**
 * Contact keys: how a referrer ordering through their own link under another name is recognised. An
 * email, a phone or a postal address is normalised (case, spaces, punctuation, common street words,
 * the postcode's spacing) and hashed; only the hash is stored, never the value, and nothing logs it.
 */
import { hash as digest } from "node:crypto";

export interface ContactAddress {
  address1?: string | null;
  address2?: string | null;
  zip?: string | null;
  country_code?: string | null;
}

export interface Contacts {
  emails?: (string | null | undefined)[];
  phones?: (string | null | undefined)[];
  addresses?: (ContactAddress | null | undefined)[];
}

// The same street written two ways is the same street.
const STREET_WORDS: Record<string, string> = {
  street: "st",
  road: "rd",
  avenue: "ave",
  av: "ave",
  drive: "dr",
  lane: "ln",
  boulevard: "blvd",
  court: "ct",
  place: "pl",
  square: "sq",
  terrace: "ter",
  highway: "hwy",
  apartment: "apt",
  flat: "apt",
  unit: "apt",
  suite: "ste",
  floor: "fl",
  north: "n",
  south: "s",
  east: "e",
  west: "w",
  strasse: "str",
  straße: "str",
};

// The one-shot digest: every webhook's payload is read with its keys, and a Hash object per key costs several times more.
const hash = (kind: string, value: string) => `${kind}:${digest("sha256", `${kind}:${value}`, "hex")}`;

/** Lowercase, `+tag` dropped, and Gmail's ignored dots too: rita+1@… and r.ita@gmail.com are Rita. */
export function normaliseEmail(email: string): string | null {
  const at = email.trim().toLowerCase().lastIndexOf("@");
  if (at <= 0) return null;
  const address = email.trim().toLowerCase();
  let local = address.slice(0, at).replace(/\+.*$/, "");
  const domain = address.slice(at + 1).replace(/^googlemail\.com$/, "gmail.com");
  if (domain === "gmail.com") local = local.replaceAll(".", "");
  return local && domain ? `${local}@${domain}` : null;
}

/** The last 9 digits: the same number with or without its country or trunk prefix, spaces or dashes. */
export function normalisePhone(phone: string): string | null {
  const digits = phone.replace(/\D/g, "");
  return digits.length >= 7 ? digits.slice(-9) : null;
}

/** Street lines, postcode and country, compared without case, spaces, punctuation or street-word spelling. */
export function normaliseAddress(address: ContactAddress): string | null {
  const street = [address.address1, address.address2]
    .filter(Boolean)
    .join(" ")
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((word) => STREET_WORDS[word] ?? word)
    .join("");
  if (!street) return null;
  const zip = (address.zip ?? "").toUpperCase().replace(/[^A-Z0-9]/g, "");
  const country = (address.country_code ?? "").toUpperCase().replace(/[^A-Z]/g, "");
  return `${street}|${zip}|${country}`;
}

/** The keys of everything given, without repeats. */
export function contactKeysOf(contacts: Contacts): string[] {
  const keys = new Set<string>();
  for (const email of contacts.emails ?? []) {
    const normal = email ? normaliseEmail(email) : null;
    if (normal) keys.add(hash("email", normal));
  }
  for (const phone of contacts.phones ?? []) {
    const normal = phone ? normalisePhone(phone) : null;
    if (normal) keys.add(hash("phone", normal));
  }
  for (const address of contacts.addresses ?? []) {
    const normal = address ? normaliseAddress(address) : null;
    if (normal) keys.add(hash("address", normal));
  }
  return [...keys];
}
