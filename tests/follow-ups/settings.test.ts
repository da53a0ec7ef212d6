/** The follow-up settings form, pure: what it accepts, what it refuses and how, and the preview it feeds. */
import { describe, expect, it } from "vitest";

import { mergeFieldProblem, nestFormFields, parseFollowUpSettings, previewValues, templatesForForm } from "../../app/follow-ups/settings";
import { DEFAULT_TEMPLATES, renderEmail } from "../../app/follow-ups/templates";

const valid = {
  brandColor: "#0a7d55",
  logoUrl: "https://cdn.shopify.com/s/files/logo.png",
  quietHoursStart: "21",
  quietHoursEnd: "9",
  thankYouEnabled: "true",
  thankYouDelayMinutes: "30",
  nextPurchaseEnabled: "false",
  nextPurchaseDelayDays: "14",
  nextPurchaseDiscountPercent: "10",
  nextPurchaseCodeValidDays: "30",
  replenishmentLeadDays: "7",
  winBackEnabled: "on",
  winBackAfterDays: "60",
  winBackDiscountPercent: "0",
  winBackCodeValidDays: "30",
  surveyDelayDays: "7",
  surveyType: "NPS",
  surveyPoints: "0",
  templates: DEFAULT_TEMPLATES,
};

describe("the follow-up settings form", () => {
  it("reads a valid form: numbers, ticked and unticked boxes, empty sender fields as none", () => {
    const parsed = parseFollowUpSettings({ ...valid, senderName: "", senderEmail: " " });
    expect(parsed.ok && parsed.values).toMatchObject({
      senderName: null,
      senderEmail: null,
      thankYouEnabled: true,
      nextPurchaseEnabled: false,
      replenishmentEnabled: false, // not sent: an unticked checkbox
      winBackEnabled: true,
      thankYouDelayMinutes: 30,
      winBackDiscountPercent: 0,
    });
  });

  it("reads the Reply-To and which past customers win-back includes (none when left out)", () => {
    const parsed = parseFollowUpSettings({ ...valid, replyToEmail: "care@tea.example", winBackPastDays: "180" });
    expect(parsed.ok && parsed.values).toMatchObject({ replyToEmail: "care@tea.example", winBackPastDays: 180 });
    expect(parseFollowUpSettings(valid)).toMatchObject({ ok: true, values: { replyToEmail: null, winBackPastDays: 0 } });
    const bad = parseFollowUpSettings({ ...valid, replyToEmail: "care@", winBackPastDays: "-1" });
    expect(bad.ok ? {} : bad.errors).toEqual({ replyToEmail: "must be an email address, like hello@yourshop.com", winBackPastDays: "is at least 0" });
  });

  it("names each bad field with what to enter", () => {
    const parsed = parseFollowUpSettings({ ...valid, brandColor: "red", logoUrl: "http://example.com/logo.png", senderEmail: "shop@", thankYouDelayMinutes: "2.5", winBackAfterDays: "" });
    expect(parsed.ok ? {} : parsed.errors).toEqual({
      brandColor: "must be a hex colour, like #2c6ecb",
      logoUrl: expect.stringContaining("https://"),
      senderEmail: "must be an email address, like hello@yourshop.com",
      thankYouDelayMinutes: "must be a whole number",
      winBackAfterDays: "is at least 7",
    });
  });

  it("refuses unknown merge fields, fields a kind cannot fill, and broken braces", () => {
    expect(mergeFieldProblem("THANK_YOU", "Hi {{ first_name }}, you have {{points_balance}} points")).toBeNull();
    expect(mergeFieldProblem("THANK_YOU", "Hi {{firstname}}")).toMatch(/^\{\{firstname\}\} is not a merge field\. Use \{\{first_name\}\}/);
    expect(mergeFieldProblem("THANK_YOU", "Your code {{code}}")).toBe("{{code}} has no value in a thank-you email");
    expect(mergeFieldProblem("REPLENISHMENT", "Restock {{product}}")).toBeNull();
    expect(mergeFieldProblem("WIN_BACK", "Hi {{first_name}")).toBe("A merge field is written {{first_name}}: check the braces");
    const parsed = parseFollowUpSettings({ ...valid, templates: { ...DEFAULT_TEMPLATES, NEXT_PURCHASE: { subject: "  ", body: "Use {{product}}" } } });
    expect(parsed.ok ? {} : parsed.errors).toEqual({
      "templates.NEXT_PURCHASE.subject": "is required",
      "templates.NEXT_PURCHASE.body": "{{product}} has no value in a next-purchase discount email",
    });
  });

  it("nests flat form fields and fills missing templates with the defaults", () => {
    expect(nestFormFields([["templates.WIN_BACK.subject", "Hi"], ["brandColor", "#fff"]])).toEqual({ templates: { WIN_BACK: { subject: "Hi" } }, brandColor: "#fff" });
    expect(templatesForForm({ WIN_BACK: { subject: "Back?", body: "" } }).WIN_BACK).toEqual({ subject: "Back?", body: DEFAULT_TEMPLATES.WIN_BACK.body });
  });

  it("previews a win-back without an incentive without its code paragraph, as the mailer would send it", () => {
    const shop = { name: "Tea Shop", domain: "tea.myshopify.com", timezone: "UTC", productTitle: null };
    const settings = { nextPurchaseDiscountPercent: 10, nextPurchaseCodeValidDays: 30, winBackDiscountPercent: 0, winBackCodeValidDays: 30 };
    const email = renderEmail({
      kind: "WIN_BACK",
      template: DEFAULT_TEMPLATES.WIN_BACK,
      values: previewValues("WIN_BACK", shop, settings, new Date("2026-12-01T00:00:00Z")),
      branding: { shopName: shop.name, brandColor: "#0a7d55", logoUrl: null },
      unsubscribeUrl: "https://app.example/follow-ups/unsubscribe?token=preview",
    });
    expect(email.subject).toBe("We miss you, Ana");
    expect(email.text).not.toContain("code");
    expect(email.html).toContain("background:#0a7d55");
    const withCode = previewValues("WIN_BACK", shop, { ...settings, winBackDiscountPercent: 15 }, new Date("2026-12-01T00:00:00Z"));
    expect(withCode).toMatchObject({ discount: "15%", code_expires: "December 31, 2026" });
  });
});
