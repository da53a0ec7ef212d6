/**
 * The referral landing page as the app proxy returns it: Liquid that Shopify renders inside the
 * shop's theme. It says what the link gives the friend, or why it gives them nothing, and its small
 * script claims the code (a POST to the same path) with the visitor id it keeps in a first-party cookie.
 */
import type { FriendCodeClaim, LandingView } from "../loyalty/referral-landing.server";
import type { ReferralRefusal } from "../loyalty/referrals.server";

/** The name of the first-party cookie the page keeps its signed visitor id in. */
export const VISITOR_COOKIE = "loyalty_referral_visitor";

// Braces too: `{{` or `{%` in the text would be Liquid.
const escape = (text: string) => text.replace(/[&<>"{}]/g, (char) => `&#${char.charCodeAt(0)};`);

function page(outcome: string, title: string, body: string, extra = ""): string {
  return `<section class="loyalty-referral" data-referral-outcome="${outcome}" style="max-width:36rem;margin:3rem auto;padding:0 1rem;text-align:center">
<h1>${escape(title)}</h1>
<p data-referral-status>${escape(body)}</p>${extra}
<p><a data-referral-shop href="/">Continue to the shop</a></p>
</section>`;
}

/** The landing page's markup for what referralLandingFor found. */
export function referralLandingPage(view: LandingView, claimUrl: string): string {
  switch (view.kind) {
    case "unknown_code":
      return page("unknown_code", "This referral link isn't valid", "Check the link with the friend who sent it. You can still visit the shop.");
    case "own_link":
      return page(
        "own_link",
        "This is your own referral link",
        `Share it with friends: they get ${view.percent}% off their first order, and you earn ${view.referrerPoints} points when they order.`,
      );
    case "existing_customer":
      return page("existing_customer", "This offer is for new customers", "The friend discount is for a first order, and your account already has orders. Welcome back!");
    case "offer":
      return `${page(
        "claiming",
        view.percent > 0 ? `${view.percent}% off your first order` : "Welcome!",
        "Getting your code…",
        `\n<noscript><p>Turn on JavaScript to get your code.</p></noscript>`,
      ).replace('data-referral-outcome="claiming"', `data-referral-outcome="claiming" data-referral-claim="${escape(claimUrl)}"`)}
${CLAIM_SCRIPT}`;
  }
}

const REFUSALS: Record<ReferralRefusal, string> = {
  unknown_code: "This referral link isn't valid. You can still visit the shop.",
  self_referral: "This is your own referral link: share it with friends instead.",
  same_address: "This is your own referral link: share it with friends instead.",
  existing_customer: "The friend discount is for a first order, and your account already has orders.",
  already_referred: "You've already been referred by a friend: your earlier welcome still counts.",
  monthly_limit: "This link can't give out more codes just now. You can still visit the shop.",
  daily_code_limit: "This link has given out all its codes for today. Try again tomorrow, or visit the shop.",
};

/** What the page tells the friend once their claim is answered. */
export function claimMessage(claim: FriendCodeClaim): string {
  switch (claim.status) {
    case "code":
      return `${claim.percent}% off your first order — code ${claim.code} applied${claim.again ? " (the code you got earlier)" : ""}. It comes off at checkout.`;
    case "welcome":
      return "Welcome! Your friend will be thanked when you place your first order.";
    case "refused":
      return REFUSALS[claim.reason];
  }
}

// ES5 and no Liquid delimiters: it runs inside any theme, as Shopify renders it.
const CLAIM_SCRIPT = `<script>
(function () {
  var root = document.querySelector("[data-referral-claim]");
  if (!root || !window.fetch) return;
  var status = root.querySelector("[data-referral-status]");
  var link = root.querySelector("[data-referral-shop]");
  var kept = document.cookie.match(/(?:^|; )${VISITOR_COOKIE}=([^;]+)/);
  function show(outcome, message) { status.textContent = message; root.setAttribute("data-referral-outcome", outcome); }
  fetch(root.getAttribute("data-referral-claim"), {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ visitor: kept ? decodeURIComponent(kept[1]) : null })
  }).then(function (response) { return response.json(); }).then(function (claim) {
    if (claim.visitor) {
      document.cookie = "${VISITOR_COOKIE}=" + encodeURIComponent(claim.visitor) + "; Path=/; Max-Age=2592000; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
    }
    if (!claim.discountUrl) return show(claim.status || "error", claim.message || "Something went wrong. Reload the page to try again.");
    link.href = claim.discountUrl;
    link.textContent = "Shop with your discount";
    function applied() { show(claim.status, claim.message); }
    // Shopify's discount link keeps the code for checkout; the shop link goes through it again anyway.
    fetch(claim.discountUrl, { credentials: "same-origin" }).then(applied, applied);
  }).catch(function () { show("error", "We couldn't get your code just now. Reload the page to try again."); });
})();
</script>`;
