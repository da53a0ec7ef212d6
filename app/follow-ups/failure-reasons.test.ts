import { describe, expect, it } from "vitest";

import { explainFailure } from "./failure-reasons";

describe("a follow-up's error in the merchant's words", () => {
  it("says what a throttled Admin API means and that nothing needs doing", () => {
    expect(explainFailure("Admin API: Throttled", { retrying: true })).toEqual({
      summary: "Shopify asked the app to slow down while it created the discount code. The app tries again by itself. Nothing to do.",
      detail: "Admin API: Throttled",
    });
  });

  it("tells a refused address apart from an unreachable email server and a refused login", () => {
    expect(explainFailure("550 5.1.1 User unknown", { retrying: false }).summary).toBe("The customer's mail server refused this address. The app has stopped trying.");
    expect(explainFailure("connect ECONNREFUSED 127.0.0.1:2525", { retrying: true }).summary).toMatch(/^The email server could not be reached\. The app tries again by itself\. If this stays/);
    expect(explainFailure("Invalid login: 535 Authentication failed", { retrying: false }).summary).toMatch(/refused the app's login.*SMTP user and password/);
  });

  it("never drops an error it does not know", () => {
    expect(explainFailure("Something odd", { retrying: true })).toEqual({
      summary: "Sending this email hit a problem (the detail says which). The app tries again by itself. If this stays, the app's logs say more.",
      detail: "Something odd",
    });
  });
});
