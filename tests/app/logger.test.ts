/**
 * The app's logger keeps secrets and shoppers' personal data out of its lines, wherever a caller put
 * them in the fields, and writes the lines the operator reads (level, message, fields) as JSON.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";

import { createLogger } from "../../app/logger.server";

function capture(level: "error" | "warn" | "info" | "debug" = "info") {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ LOG_LEVEL: level, NODE_ENV: "production" }, destination);
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("logger", () => {
  it("redacts an email, a token and a customer's name, at the top and nested, and keeps the rest", () => {
    const { logger, lines, parsed } = capture();
    logger.warn(
      {
        message: "follow-ups: could not send",
        shop: "coffee-corner.myshopify.com",
        email: "ann.shopper@example.com",
        accessToken: "shpat_0123456789abcdef",
        customer: { id: "gid://shopify/Customer/42", firstName: "Ann", lastName: "Shopper", email: "ann.shopper@example.com", phone: "+15555550123" },
        headers: { "x-shopify-hmac-sha256": "c2lnbmF0dXJl", "x-shopify-topic": "orders/paid" },
        delivery: { order: { shipping_address: { address1: "1 Main St", zip: "10001" }, name: "#1001" } },
        attempts: 3,
      },
    );
    const text = lines.join("");
    for (const secret of ["ann.shopper@example.com", "shpat_0123456789abcdef", "Ann", "Shopper", "+15555550123", "c2lnbmF0dXJl", "1 Main St"]) {
      expect(text).not.toContain(secret);
    }
    const [line] = parsed();
    expect(line).toMatchObject({
      level: "warn",
      message: "follow-ups: could not send",
      shop: "coffee-corner.myshopify.com",
      email: "[redacted]",
      accessToken: "[redacted]",
      customer: { id: "gid://shopify/Customer/42", firstName: "[redacted]", lastName: "[redacted]", email: "[redacted]", phone: "[redacted]" },
      headers: { "x-shopify-hmac-sha256": "[redacted]", "x-shopify-topic": "orders/paid" },
      delivery: { order: { shipping_address: "[redacted]" } },
      attempts: 3,
    });
  });

  it("redacts a webhook body and an app secret", () => {
    const { logger, lines } = capture();
    logger.error({ message: "webhook processing failed", topic: "orders/paid", body: '{"email":"ann@example.com"}', secret: "shpss_live_secret" });
    const text = lines.join("");
    expect(text).not.toContain("ann@example.com");
    expect(text).not.toContain("shpss_live_secret");
    expect(text).toContain('"topic":"orders/paid"');
  });

  it("writes only the levels LOG_LEVEL lets through, and the process's start and stop always", () => {
    const { logger, parsed } = capture("warn");
    logger.info({ message: "points expired", entries: 3 });
    logger.warn({ message: "database connection lost" });
    logger.lifecycle({ message: "app stopping", signal: "SIGTERM" });
    expect(parsed().map((line) => [line.level, line.message])).toEqual([
      ["warn", "database connection lost"],
      ["lifecycle", "app stopping"],
    ]);
  });
});
