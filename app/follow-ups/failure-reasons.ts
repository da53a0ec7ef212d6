/**
 * A follow-up's last error in the merchant's words: what happened, and whether they need to act
 * (while it is retried, or once it has failed for good). The technical message stays beside it.
 */
export interface ExplainedReason {
  summary: string;
  detail: string;
}

interface Explanation {
  pattern: RegExp;
  what: string;
  /** What the merchant does; null when there is nothing they can do. */
  action: string | null;
}

const EXPLANATIONS: Explanation[] = [
  { pattern: /throttled/i, what: "Shopify asked the app to slow down while it created the discount code.", action: null },
  { pattern: /timed? ?out|timeout|aborted/i, what: "Shopify or the email server took too long to answer.", action: null },
  { pattern: /\b(535|534|530)\b|invalid login|authentication/i, what: "The email server refused the app's login.", action: "Check the email settings (SMTP user and password)." },
  { pattern: /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET/i, what: "The email server could not be reached.", action: "If this stays, check the app's email settings (SMTP)." },
  { pattern: /\b55\d\b|mailbox|recipient|user unknown|no such user/i, what: "The customer's mail server refused this address.", action: null },
  { pattern: /\b45\d\b|try again later|greylist/i, what: "The customer's mail server asked to try later.", action: null },
  { pattern: /access denied|scope|not approved|\b40[13]\b/i, what: "Shopify refused the app's access.", action: "Open the app from your Shopify admin so it can renew its access." },
  { pattern: /discount/i, what: "Shopify did not create the discount code.", action: "If this stays, check the follow-up's discount settings." },
];

export function explainFailure(reason: string, { retrying }: { retrying: boolean }): ExplainedReason {
  const explanation = EXPLANATIONS.find(({ pattern }) => pattern.test(reason));
  const what = explanation?.what ?? "Sending this email hit a problem (the detail says which).";
  const next = retrying ? "The app tries again by itself." : "The app has stopped trying.";
  const action = explanation ? explanation.action ?? (retrying ? "Nothing to do." : null) : "If this stays, the app's logs say more.";
  return { summary: [what, next, action].filter(Boolean).join(" "), detail: reason };
}
