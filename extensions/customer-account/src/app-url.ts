// Written by `npm run build:account` from shopify.app.toml's application_url: edit that, not this.
/** Where the app answers the extension's requests (its /customer-account/* routes). */
export const APP_URL = "https://example.com";
