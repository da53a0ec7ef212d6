import { html, type Html } from "./html";
import { customerDisplayName, formatPrice, type StorefrontCustomer, type StorefrontProduct } from "./storefront-view";

export const SIGN_IN_PATH = "/storefront/sign-in";
export const GUEST = "guest";

const STOREFRONT_STYLES = `
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 Georgia, "Times New Roman", serif; color: #1c1c1c; background: #fffdf8; }
  a { color: inherit; }
  .site-header { display: flex; align-items: center; gap: 24px; padding: 16px 32px; border-bottom: 1px solid #e8e2d6; }
  .site-header .logo { font-size: 22px; font-weight: 700; text-decoration: none; margin-right: auto; }
  .account { position: relative; font: 14px system-ui, sans-serif; }
  .account summary { cursor: pointer; list-style: none; padding: 6px 10px; border: 1px solid #d9d2c3; border-radius: 6px; }
  .account form { position: absolute; right: 0; top: calc(100% + 4px); min-width: 260px; display: grid; background: #fff; border: 1px solid #d9d2c3; border-radius: 6px; box-shadow: 0 6px 18px rgba(0,0,0,.12); z-index: 5; }
  .account button { text-align: left; font: inherit; padding: 8px 12px; border: 0; background: none; cursor: pointer; }
  .account button:hover, .account button[aria-current=true] { background: #f5efe3; }
  .account small { display: block; color: #6d6457; }
  main { max-width: 1100px; margin: 0 auto; padding: 32px; }
  .product-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 24px; list-style: none; padding: 0; }
  .product-card { border: 1px solid #e8e2d6; border-radius: 8px; padding: 16px; background: #fff; }
  .product-card h3 { margin: 0 0 8px; font-size: 17px; }
  .product-card a { text-decoration: none; }
  .product-card form, .add-to-cart { display: flex; gap: 8px; align-items: end; }
  .shop-links { display: flex; gap: 16px; font: 14px system-ui, sans-serif; }
  button, .button { font: 15px system-ui, sans-serif; padding: 8px 14px; border-radius: 6px; border: 1px solid #1c1c1c; background: #1c1c1c; color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
  .discount button, .cart button { background: #fff; color: #1c1c1c; }
  table.cart-lines, table.totals, table.orders { border-collapse: collapse; margin: 16px 0; min-width: 360px; font: 15px system-ui, sans-serif; }
  table.cart-lines td, table.cart-lines th, table.totals td, table.totals th, table.orders td, table.orders th { padding: 8px 12px; border-bottom: 1px solid #e8e2d6; text-align: left; }
  input[type=number] { width: 64px; }
  label { display: block; margin: 8px 0; font: 15px system-ui, sans-serif; }
  label.check { display: flex; gap: 8px; align-items: center; }
  .checkout { display: grid; grid-template-columns: 1fr 360px; gap: 32px; }
  fieldset { border: 1px solid #e8e2d6; border-radius: 8px; margin: 0 0 16px; padding: 12px 16px; }
  .error { color: #8e1f0b; background: #fff4f4; border: 1px solid #e0b3b3; padding: 8px 12px; border-radius: 6px; font: 15px system-ui, sans-serif; }
  .rewards { margin-top: 48px; padding-top: 24px; border-top: 1px solid #e8e2d6; }
  .dev-store-problems { font: 14px system-ui, sans-serif; background: #fff4f4; border: 1px solid #e0b3b3; color: #8e1f0b; padding: 12px 16px; border-radius: 6px; }
  .site-footer { padding: 24px 32px; border-top: 1px solid #e8e2d6; color: #6d6457; font-size: 14px; }
`;

export function storefrontLayout(options: {
  title: string;
  shopName: string;
  customer: StorefrontCustomer | null;
  customers: StorefrontCustomer[];
  returnTo: string;
  /** Items in the cart; null where the storefront has no cart. */
  cartCount?: number | null;
  head: Html;
  content: Html;
  bodyEnd: Html;
}): Html {
  return html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title}</title>
<style>${STOREFRONT_STYLES}</style>
${options.head}
</head>
<body>
<header class="site-header">
<a class="logo" href="/">${options.shopName}</a>
${options.cartCount === undefined || options.cartCount === null ? "" : html`<nav class="shop-links">${options.customer ? html`<a href="/account">Account</a>` : html`<a href="/account/register">Create account</a>`}<a href="/cart" data-testid="cart-link">Cart (${options.cartCount})</a></nav>`}
${customerPicker(options.customer, options.customers, options.returnTo)}
</header>
<main>${options.content}</main>
<footer class="site-footer">© ${options.shopName} · served by the local dev store</footer>
${options.bodyEnd}
</body>
</html>`;
}

/** "Signed in as ▾": the dev store lets you shop as any customer with an account, or as a guest. */
function customerPicker(current: StorefrontCustomer | null, customers: StorefrontCustomer[], returnTo: string): Html {
  const option = (value: string, label: Html | string, selected: boolean) =>
    html`<button type="submit" name="customer" value="${value}" aria-current="${selected ? "true" : "false"}">${label}</button>`;
  return html`<details class="account">
<summary>Signed in as <strong data-testid="signed-in-as">${current ? customerDisplayName(current) : "Guest"}</strong> ▾</summary>
<form method="post" action="${SIGN_IN_PATH}">
<input type="hidden" name="return_to" value="${returnTo}">
${option(GUEST, "Guest", current === null)}
${customers.map((customer) =>
  option(customer.id, html`${customerDisplayName(customer)}<small>${customer.email ?? ""}</small>`, current?.id === customer.id),
)}
</form>
</details>`;
}

export function productGrid(products: StorefrontProduct[], currencyCode: string): Html {
  if (products.length === 0) return html`<p>No products are on sale yet.</p>`;
  return html`<ul class="product-grid">${products.map(
    (product) => html`<li class="product-card" data-product-handle="${product.handle}">${
      product.variantId ? html`<h3><a href="/products/${product.handle}">${product.title}</a></h3>` : html`<h3>${product.title}</h3>`
    }<p>${formatPrice(product.priceMinorUnits, currencyCode)}</p>${
      product.variantId ? html`<form method="post" action="/cart/add"><input type="hidden" name="id" value="${product.variantId}"><input type="hidden" name="quantity" value="1"><button type="submit" aria-label="Add ${product.title} to cart">Add to cart</button></form>` : ""
    }</li>`,
  )}</ul>`;
}

export function problemsNotice(problems: string[]): Html {
  if (problems.length === 0) return html``;
  return html`<div class="dev-store-problems" role="alert"><strong>The theme app extension did not load cleanly:</strong><ul>${problems.map(
    (problem) => html`<li>${problem}</li>`,
  )}</ul></div>`;
}
