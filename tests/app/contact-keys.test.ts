/**
 * Contact keys: one address, email or phone written differently is one key; different ones differ;
 * what is kept is a hash, never the value.
 */
import { describe, expect, it } from "vitest";

import { contactKeysOf, normaliseAddress, normaliseEmail, normalisePhone } from "../../app/loyalty/contact-keys";

const home = { address1: "12 Harbour Street", address2: "Flat 3", zip: "EH6 6QT", country_code: "GB" };

describe("contact keys", () => {
  it("reads one address however its case, spaces, punctuation, street words or postcode are written", () => {
    const variants = [
      { address1: "12, harbour st.", address2: "FLAT 3", zip: "eh66qt", country_code: "gb" },
      { address1: "  12 HARBOUR  STREET ", address2: "flat #3", zip: "EH6-6QT", country_code: "GB" },
      { address1: "12 Harbour Street Flat 3", zip: "eh6 6qt", country_code: "GB" },
    ];
    for (const variant of variants) expect(normaliseAddress(variant)).toBe(normaliseAddress(home));
    expect(normaliseAddress({ ...home, address2: "Flat 4" })).not.toBe(normaliseAddress(home));
    expect(normaliseAddress({ ...home, zip: "EH6 6QU" })).not.toBe(normaliseAddress(home));
    expect(normaliseAddress({ address1: "", zip: "EH6 6QT" })).toBeNull();
  });

  it("reads one email with +tags, Gmail's dots and case, and one phone with or without its prefix", () => {
    expect(normaliseEmail("Rita.Smith+friend@GMail.com")).toBe("ritasmith@gmail.com");
    expect(normaliseEmail("rita.smith+x@example.com")).toBe("rita.smith@example.com");
    expect(normaliseEmail("not an email")).toBeNull();
    expect(normalisePhone("+44 7700 900123")).toBe(normalisePhone("07700-900123"));
    expect(normalisePhone("123")).toBeNull();
  });

  it("keeps hashes only, one per distinct value", () => {
    const keys = contactKeysOf({ emails: ["Rita@example.com", "rita@example.com"], phones: ["+44 7700 900123", null], addresses: [home, { ...home, address1: "12 harbour st" }] });
    expect(keys).toHaveLength(3);
    expect(keys.every((key) => /^(email|phone|address):[0-9a-f]{64}$/.test(key))).toBe(true);
    expect(keys.join(" ")).not.toMatch(/rita|harbour|7700/i);
  });
});
