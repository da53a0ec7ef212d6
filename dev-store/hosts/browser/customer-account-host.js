// The dev store's customer account extension host, run in the frame each extension target renders in.
// It stands in for Shopify's: the `shopify` global a target's module reads (a session token for the
// signed-in customer, i18n from the extension's locale, the order on an order status page), the Polaris
// web components the extension renders, drawn as simple custom elements, and the app's URL as the
// extension was built with it (shopify.app.toml) sent to where the app listens here.
(() => {
  const host = JSON.parse(document.getElementById("customer-account-host").textContent);

  // ---- Polaris web components, simply drawn --------------------------------------------------------
  const GAPS = { none: "0", "small-500": "2px", "small-400": "2px", "small-300": "4px", "small-200": "6px", "small-100": "8px", small: "8px", base: "12px", "large-100": "20px", large: "24px", "large-200": "32px" };

  class PolarisElement extends HTMLElement {
    static observedAttributes = [];
    constructor() {
      super();
      this.shadow = this.attachShadow({ mode: "open" });
    }
    connectedCallback() {
      this.draw();
    }
    attributeChangedCallback() {
      if (this.isConnected) this.draw();
    }
    draw() {}
    text(tag, content, attributes = {}) {
      const element = document.createElement(tag);
      element.textContent = content;
      for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
      return element;
    }
    style(css) {
      return this.text("style", css);
    }
  }

  class Page extends PolarisElement {
    static observedAttributes = ["heading", "subheading"];
    draw() {
      this.shadow.replaceChildren(
        this.style(":host{display:block;max-width:760px;margin:0 auto}h1{font:600 28px/1.2 system-ui,sans-serif;margin:0 0 4px}p{margin:0 0 20px;color:#5c5f62}"),
        this.text("h1", this.getAttribute("heading") ?? ""),
        ...(this.getAttribute("subheading") ? [this.text("p", this.getAttribute("subheading"))] : []),
        document.createElement("slot"),
      );
    }
  }

  class Section extends PolarisElement {
    static observedAttributes = ["heading", "accessibilitylabel"];
    draw() {
      const heading = this.getAttribute("heading");
      this.setAttribute("role", "region");
      if (heading) this.setAttribute("aria-label", heading);
      this.shadow.replaceChildren(
        this.style(":host{display:block;background:#fff;border:1px solid #e3e3e3;border-radius:12px;padding:20px}h2{font:600 18px system-ui,sans-serif;margin:0 0 12px}"),
        ...(heading ? [this.text("h2", heading)] : []),
        document.createElement("slot"),
      );
    }
  }

  class Stack extends PolarisElement {
    static observedAttributes = ["direction", "gap", "alignitems", "justifycontent"];
    draw() {
      const inline = this.getAttribute("direction") === "inline";
      const gap = GAPS[this.getAttribute("gap") ?? "none"] ?? "0";
      this.shadow.replaceChildren(
        this.style(
          `:host{display:flex;flex-direction:${inline ? "row" : "column"};flex-wrap:${inline ? "wrap" : "nowrap"};gap:${gap};` +
            `align-items:${this.getAttribute("alignitems") ?? (inline ? "start" : "stretch")};justify-content:${this.getAttribute("justifycontent") ?? "start"}}`,
        ),
        document.createElement("slot"),
      );
    }
  }

  class Text extends PolarisElement {
    static observedAttributes = ["type", "tone", "color"];
    draw() {
      const tones = { critical: "#8e1f0b", success: "#0c5132", warning: "#5e4200", info: "#00527c" };
      const color = tones[this.getAttribute("tone")] ?? (this.getAttribute("color") === "subdued" ? "#616161" : "#303030");
      const weight = this.getAttribute("type") === "strong" ? 600 : 400;
      this.shadow.replaceChildren(this.style(`:host{display:inline;font:${weight} 15px/1.5 system-ui,sans-serif;color:${color}}`), document.createElement("slot"));
    }
  }

  class Paragraph extends PolarisElement {
    draw() {
      this.shadow.replaceChildren(this.style(":host{display:block;font:15px/1.5 system-ui,sans-serif;margin:0}"), document.createElement("slot"));
    }
  }

  class Heading extends PolarisElement {
    draw() {
      this.setAttribute("role", "heading");
      this.setAttribute("aria-level", "3");
      this.shadow.replaceChildren(this.style(":host{display:block;font:700 26px/1.2 system-ui,sans-serif;color:#303030}"), document.createElement("slot"));
    }
  }

  class Badge extends PolarisElement {
    static observedAttributes = ["tone"];
    draw() {
      const neutral = this.getAttribute("tone") === "neutral";
      this.shadow.replaceChildren(
        this.style(`:host{display:inline-block;font:500 13px system-ui,sans-serif;padding:2px 10px;border-radius:10px;background:${neutral ? "#f1f1f1" : "#e0f0ff"};color:#303030}`),
        document.createElement("slot"),
      );
    }
  }

  class Banner extends PolarisElement {
    static observedAttributes = ["heading", "tone"];
    draw() {
      const tone = this.getAttribute("tone") ?? "info";
      const colors = { critical: ["#fff4f4", "#e0b3b3"], success: ["#f1f8f5", "#98c6b4"], warning: ["#fff5ea", "#e1b878"], info: ["#ebf9fc", "#98c6cd"] };
      const [background, border] = colors[tone] ?? colors.info;
      this.setAttribute("role", tone === "critical" ? "alert" : "status");
      this.shadow.replaceChildren(
        this.style(`:host{display:block;background:${background};border:1px solid ${border};border-radius:10px;padding:14px 16px}strong{display:block;font:600 15px system-ui,sans-serif;margin-bottom:6px}`),
        ...(this.getAttribute("heading") ? [this.text("strong", this.getAttribute("heading"))] : []),
        document.createElement("slot"),
      );
    }
  }

  class Button extends PolarisElement {
    static observedAttributes = ["variant", "disabled", "loading", "accessibilitylabel", "command", "commandfor"];
    constructor() {
      super();
      // A `--copy` command copies the clipboard item it names, as the platform's button does.
      this.addEventListener("click", () => {
        if (this.getAttribute("command") !== "--copy") return;
        const target = this.getRootNode().getElementById(this.getAttribute("commandfor"));
        if (target && typeof target.copy === "function") target.copy();
      });
    }
    draw() {
      const primary = this.getAttribute("variant") === "primary";
      const loading = this.hasAttribute("loading");
      const button = document.createElement("button");
      button.type = "button";
      button.disabled = this.hasAttribute("disabled") || loading;
      if (loading) button.setAttribute("aria-busy", "true");
      const label = this.getAttribute("accessibilitylabel");
      if (label) button.setAttribute("aria-label", label);
      button.append(document.createElement("slot"));
      this.shadow.replaceChildren(
        this.style(
          `button{font:500 14px system-ui,sans-serif;padding:8px 16px;border-radius:8px;cursor:pointer;border:1px solid #303030;` +
            `background:${primary ? "#303030" : "#fff"};color:${primary ? "#fff" : "#303030"}}button:disabled{opacity:.45;cursor:default}`,
        ),
        button,
      );
    }
  }

  class Spinner extends PolarisElement {
    static observedAttributes = ["accessibilitylabel"];
    draw() {
      this.setAttribute("role", "progressbar");
      this.setAttribute("aria-label", this.getAttribute("accessibilitylabel") ?? "Loading");
      this.shadow.replaceChildren(this.style(":host{display:inline-block;width:18px;height:18px;border:2px solid #ccc;border-top-color:#303030;border-radius:50%}"));
    }
  }

  class ClipboardItem extends PolarisElement {
    static observedAttributes = ["text"];
    draw() {
      this.hidden = true;
    }
    async copy() {
      try {
        // Preact sets `text` as a property where the element has one, else as an attribute.
        await navigator.clipboard.writeText(typeof this.text === "string" ? this.text : (this.getAttribute("text") ?? ""));
        this.dispatchEvent(new Event("copy"));
      } catch {
        this.dispatchEvent(new Event("copyerror"));
      }
    }
  }

  // A form field: a labelled native control in the shadow root, `value` as a property and a `change` event on the element.
  class Field extends PolarisElement {
    static observedAttributes = ["label", "min", "max"];
    get value() {
      return this.control ? this.control.value : (this.pending ?? "");
    }
    set value(value) {
      this.pending = String(value ?? "");
      if (this.control) this.control.value = this.pending;
    }
    draw() {
      const label = document.createElement("label");
      label.append(this.text("span", this.getAttribute("label") ?? ""));
      this.control = this.makeControl();
      this.control.value = this.pending ?? "";
      this.control.addEventListener("change", () => {
        this.pending = this.control.value;
        this.dispatchEvent(new Event("change"));
      });
      label.append(this.control);
      this.shadow.replaceChildren(
        this.style("label{display:flex;flex-direction:column;gap:4px;font:14px system-ui,sans-serif;color:#303030}input,select{font:15px system-ui,sans-serif;padding:8px;border:1px solid #8a8a8a;border-radius:8px}"),
        label,
      );
    }
  }

  class NumberField extends Field {
    makeControl() {
      const input = document.createElement("input");
      input.type = "number";
      for (const name of ["min", "max"]) if (this.hasAttribute(name)) input.setAttribute(name, this.getAttribute(name));
      return input;
    }
  }

  class Select extends Field {
    connectedCallback() {
      super.connectedCallback();
      // Its options are its s-option children, which Preact adds after the element itself.
      new MutationObserver(() => this.draw()).observe(this, { childList: true, subtree: true, characterData: true });
    }
    makeControl() {
      const select = document.createElement("select");
      select.append(document.createElement("option"));
      for (const choice of this.querySelectorAll("s-option")) select.append(this.text("option", choice.textContent, { value: choice.getAttribute("value") ?? "" }));
      return select;
    }
  }

  class SelectOption extends PolarisElement {
    static observedAttributes = ["value"];
    draw() {
      this.hidden = true;
    }
  }

  const components = {
    "s-select": Select,
    "s-option": SelectOption,
    "s-number-field": NumberField,
    "s-page": Page,
    "s-section": Section,
    "s-stack": Stack,
    "s-text": Text,
    "s-paragraph": Paragraph,
    "s-heading": Heading,
    "s-badge": Badge,
    "s-banner": Banner,
    "s-button": Button,
    "s-spinner": Spinner,
    "s-clipboard-item": ClipboardItem,
  };
  for (const [tag, element] of Object.entries(components)) customElements.define(tag, element);

  // ---- The app's URL as built, sent to where the app listens here ---------------------------------
  const platformFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (host.builtAppUrl && (url === host.builtAppUrl || url.startsWith(`${host.builtAppUrl}/`))) {
      return platformFetch(host.appUrl + url.slice(host.builtAppUrl.length), init);
    }
    return platformFetch(input, init);
  };

  // ---- The `shopify` global ------------------------------------------------------------------------
  const plurals = new Intl.PluralRules(host.locale);
  function translate(key, replacements = {}) {
    let value = key.split(".").reduce((node, part) => (node && typeof node === "object" ? node[part] : undefined), host.translations);
    if (value && typeof value === "object" && typeof replacements.count === "number") value = value[plurals.select(replacements.count)] ?? value.other;
    if (typeof value !== "string") return key;
    return value.replace(/\{\{\s*(\w+)\s*\}\}/g, (match, name) => (name in replacements ? String(replacements[name]) : match));
  }

  let token = null;
  const sessionToken = {
    async get() {
      // Shopify hands out a cached token until shortly before it expires.
      if (token && token.expiresAt - Date.now() > 30_000) return token.value;
      const response = await platformFetch("/account/session-token", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`No session token: ${response.status}`);
      const body = await response.json();
      token = { value: body.token, expiresAt: body.expiresAt * 1000 };
      return token.value;
    },
  };

  const signal = (value) => ({ value, subscribe: (callback) => (callback(value), () => {}) });
  globalThis.shopify = {
    extension: { target: host.target, apiVersion: host.apiVersion, capabilities: host.capabilities },
    extensionPoint: host.target,
    sessionToken,
    i18n: {
      translate,
      formatNumber: (number, options = {}) => new Intl.NumberFormat(host.locale, options).format(number),
      formatCurrency: (number, options = {}) => new Intl.NumberFormat(host.locale, { style: "currency", currency: host.currencyCode, ...options }).format(number),
      formatDate: (date, options = {}) => new Intl.DateTimeFormat(host.locale, options).format(date),
    },
    localization: { language: signal({ isoCode: host.locale }), extensionLanguage: signal({ isoCode: host.locale }) },
    ...(host.order ? { order: signal(host.order) } : {}),
  };

  // The frame is as tall as what the extension drew.
  // (The body's own height: the document's would never shrink below the frame it fills.)
  new ResizeObserver(() => {
    const height = Math.ceil(document.body.getBoundingClientRect().height) + 4;
    parent.postMessage({ customerAccountFrame: host.frameId, height }, location.origin);
  }).observe(document.body);

  import(host.bundleUrl)
    .then((module) => module.default())
    .catch((error) => {
      document.body.textContent = `The extension failed: ${error.message}`;
      throw error;
    });
})();
