/**
 * The shopper's address for per-address limits: read from the right of X-Forwarded-For + the
 * connection's peer, as many hops as the deployment trusts (TRUSTED_PROXY_HOPS).
 */
import { describe, expect, it } from "vitest";

import { parseEnv } from "../../app/env.server";
import { clientAddress } from "../../app/storefront/app-proxy.server";

describe("clientAddress", () => {
  it("takes the entry Shopify's proxy appended, never what the shopper wrote left of it", () => {
    expect(clientAddress("198.51.100.7", "23.227.38.1", 1)).toBe("198.51.100.7");
    expect(clientAddress("6.6.6.6, 1.2.3.4, 198.51.100.7", "23.227.38.1", 1)).toBe("198.51.100.7");
  });

  it("counts one more hop per load balancer in front of the app", () => {
    expect(clientAddress("6.6.6.6, 198.51.100.7, 23.227.38.1", "10.0.0.2", 2)).toBe("198.51.100.7");
    expect(clientAddress("198.51.100.7, 23.227.38.1", "10.0.0.2", 2)).toBe("198.51.100.7");
  });

  it("uses the connection's address with 0 hops, or when there is no header", () => {
    expect(clientAddress("6.6.6.6", "198.51.100.9", 0)).toBe("198.51.100.9");
    expect(clientAddress(null, "198.51.100.9", 1)).toBe("198.51.100.9");
    expect(clientAddress("", "::ffff:198.51.100.9", 1)).toBe("198.51.100.9");
  });

  it("answers the same spelling for one address, and 'unknown' when nothing says", () => {
    expect(clientAddress("2001:DB8::1", null, 1)).toBe("2001:db8::1");
    expect(clientAddress(null, null, 1)).toBe("unknown");
  });

  it("is configured by TRUSTED_PROXY_HOPS, 1 by default (Shopify's app proxy in front of the app)", () => {
    const valid = { SHOPIFY_API_KEY: "key", SHOPIFY_API_SECRET: "secret", SHOPIFY_APP_URL: "https://loyalty.example.com" };
    expect(parseEnv(valid).TRUSTED_PROXY_HOPS).toBe(1);
    expect(parseEnv({ ...valid, TRUSTED_PROXY_HOPS: "2" }).TRUSTED_PROXY_HOPS).toBe(2);
    expect(() => parseEnv({ ...valid, TRUSTED_PROXY_HOPS: "-1" })).toThrow(/TRUSTED_PROXY_HOPS/);
  });
});
