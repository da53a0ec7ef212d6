// The dev store's stand-in for Shopify's App Bridge (cdn.shopify.com/shopifycloud/app-bridge.js).
// Load it the way Shopify's is loaded: <script src=".../app-bridge.js" data-api-key="..."></script>,
// before the app's own scripts. It serves an embedded app inside the dev store admin: `shopify`
// global, session tokens on fetch, the bounce and exit-iframe pages, and the ui-* elements.
(function () {
  "use strict";

  if (window.shopify && window.shopify.__devStore) return;

  var CHANNEL = "dev-store-app-bridge";
  var script = document.currentScript || document.querySelector("script[data-api-key]");
  // The admin that embeds the app is the dev store serving this script.
  var adminOrigin = script && script.src ? new URL(script.src, location.href).origin : null;
  var embedded = window.top !== window.self;
  var params = new URLSearchParams(location.search);

  function meta(name) {
    var element = document.querySelector('meta[name="' + name + '"]');
    return element ? element.getAttribute("content") : null;
  }

  function list(value) {
    return value ? value.split(",").map(function (item) { return item.trim(); }).filter(Boolean) : [];
  }

  function launchValue(key) {
    var fromUrl = params.get(key);
    try {
      if (fromUrl) sessionStorage.setItem("dev-store-app-bridge:" + key, fromUrl);
      return fromUrl || sessionStorage.getItem("dev-store-app-bridge:" + key);
    } catch (_storageUnavailable) {
      return fromUrl;
    }
  }

  var config = {
    apiKey: (script && script.getAttribute("data-api-key")) || meta("shopify-api-key") || "",
    shop: launchValue("shop"),
    host: launchValue("host"),
    locale: launchValue("locale") || "en-US",
    disabledFeatures: list(meta("shopify-disabled-features")),
    appOrigins: list(meta("shopify-app-origins")),
  };

  function featureEnabled(name) {
    return config.disabledFeatures.indexOf(name) === -1;
  }

  function post(message) {
    if (!embedded || !adminOrigin) return;
    message.channel = CHANNEL;
    window.parent.postMessage(message, adminOrigin);
  }

  // ---- messages from the admin ----

  var tokenRequests = {};
  var toastCallbacks = {};
  var nextId = 1;

  window.addEventListener("message", function (event) {
    if (event.origin !== adminOrigin || event.source !== window.parent) return;
    var message = event.data;
    if (!message || message.channel !== CHANNEL) return;
    switch (message.type) {
      case "id-token":
        var request = tokenRequests[message.id];
        if (!request) return;
        delete tokenRequests[message.id];
        clearTimeout(request.timer);
        if (message.token) request.resolve(message.token);
        else request.reject(new Error(message.error || "The admin did not issue a session token"));
        break;
      case "navigate":
        navigateWithinApp(message.href);
        break;
      case "title-bar:click":
        clickReported(titleBarButtons, message.key);
        break;
      case "save-bar:click":
        clickReported(saveBarButtons, message.key);
        break;
      case "toast:action":
      case "toast:dismiss":
        var callbacks = toastCallbacks[message.id];
        var callback = callbacks && (message.type === "toast:action" ? callbacks.onAction : callbacks.onDismiss);
        if (callback) callback();
        break;
    }
  });

  // ---- session tokens ----

  function idToken() {
    if (!embedded || !adminOrigin) {
      return Promise.reject(new Error("App Bridge: session tokens are only available inside the admin"));
    }
    return new Promise(function (resolve, reject) {
      var id = nextId++;
      tokenRequests[id] = {
        resolve: resolve,
        reject: reject,
        timer: setTimeout(function () {
          delete tokenRequests[id];
          reject(new Error("App Bridge: the admin did not answer the session token request"));
        }, 10000),
      };
      post({ type: "id-token:request", id: id });
    });
  }

  // ---- fetch: same-origin requests carry a fresh session token, like Shopify's App Bridge ----

  var nativeFetch = window.fetch.bind(window);
  var REAUTHORIZE_HEADER = "X-Shopify-API-Request-Failure-Reauthorize-Url";
  var RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request";

  function isAppRequest(url) {
    var origin = new URL(url, location.href).origin;
    return origin === location.origin || config.appOrigins.indexOf(origin) !== -1;
  }

  function fetchWithToken(request) {
    return idToken().then(function (token) {
      var headers = new Headers(request.headers);
      headers.set("Authorization", "Bearer " + token);
      return nativeFetch(new Request(request, { headers: headers }));
    });
  }

  if (embedded && featureEnabled("fetch")) {
    window.fetch = function (input, init) {
      var request = new Request(input, init);
      if (!isAppRequest(request.url) || request.headers.has("Authorization")) return nativeFetch(request);
      var retry = request.clone();
      return fetchWithToken(request)
        .then(function (response) {
          if (response.status === 401 && response.headers.get(RETRY_HEADER) === "1") return fetchWithToken(retry);
          return response;
        })
        .then(function (response) {
          var reauthorizeUrl = response.headers.get(REAUTHORIZE_HEADER);
          if (reauthorizeUrl) redirectTo(reauthorizeUrl);
          return response;
        });
    };
  }

  // ---- navigation ----

  function redirectTo(url) {
    var target = new URL(url, location.href);
    if (target.origin === location.origin) location.assign(target.href);
    else post({ type: "navigate-top", url: target.href });
  }

  var nativeOpen = window.open;
  window.open = function (url, target, features) {
    if (embedded && (target === "_top" || target === "_parent")) {
      post({ type: "navigate-top", url: new URL(String(url), location.href).href });
      return null;
    }
    return nativeOpen.apply(window, arguments);
  };

  // AppProvider from @shopify/shopify-app-remix navigates client-side on `shopify:navigate`.
  var navigateListeners = 0;
  var nativeAddEventListener = window.addEventListener;
  var nativeRemoveEventListener = window.removeEventListener;
  window.addEventListener = function (type) {
    if (type === "shopify:navigate") navigateListeners += 1;
    return nativeAddEventListener.apply(window, arguments);
  };
  window.removeEventListener = function (type) {
    if (type === "shopify:navigate") navigateListeners = Math.max(0, navigateListeners - 1);
    return nativeRemoveEventListener.apply(window, arguments);
  };

  function navigateWithinApp(href) {
    var link = Array.prototype.find.call(
      document.querySelectorAll("ui-nav-menu a[href], s-app-nav [href]"),
      function (candidate) { return candidate.getAttribute("href") === href; }
    );
    if (navigateListeners > 0) {
      var anchor = link || document.createElement("a");
      if (!link) {
        anchor.setAttribute("href", href);
        anchor.hidden = true;
        document.body.appendChild(anchor);
      }
      anchor.dispatchEvent(new CustomEvent("shopify:navigate", { bubbles: true, composed: true }));
      if (!link) anchor.remove();
    } else {
      location.assign(new URL(href, location.href).href);
    }
  }

  function reportLocation() {
    post({ type: "location", path: location.pathname + location.search + location.hash });
  }

  ["pushState", "replaceState"].forEach(function (method) {
    var original = history[method];
    history[method] = function () {
      var result = original.apply(history, arguments);
      reportLocation();
      return result;
    };
  });
  nativeAddEventListener.call(window, "popstate", reportLocation);

  // ---- toasts and the loading bar, shown by the admin (or in the page when not embedded) ----

  function showLocalToast(id, message, options) {
    var toast = document.createElement("div");
    toast.setAttribute("role", options.isError ? "alert" : "status");
    toast.setAttribute("data-toast-id", id);
    toast.className = "dev-store-toast" + (options.isError ? " dev-store-toast-error" : "");
    toast.textContent = message;
    document.body.appendChild(toast);
    setTimeout(function () { toast.remove(); }, options.duration || 5000);
  }

  var toast = {
    show: function (message, options) {
      options = options || {};
      var id = "toast-" + nextId++;
      toastCallbacks[id] = { onAction: options.onAction, onDismiss: options.onDismiss };
      if (embedded) {
        post({
          type: "toast:show",
          id: id,
          message: String(message),
          isError: Boolean(options.isError),
          duration: options.duration || 5000,
          action: options.action || null,
        });
      } else {
        showLocalToast(id, String(message), options);
      }
      return id;
    },
    hide: function (id) {
      delete toastCallbacks[id];
      if (embedded) post({ type: "toast:hide", id: id });
      else Array.prototype.forEach.call(document.querySelectorAll('[data-toast-id="' + CSS.escape(id) + '"]'), function (element) { element.remove(); });
    },
  };

  function loading(isLoading) {
    post({ type: "loading", isLoading: isLoading !== false });
  }

  // ---- ui-nav-menu / s-app-nav, ui-title-bar, ui-save-bar, ui-modal ----

  var style = document.createElement("style");
  style.textContent = [
    "ui-nav-menu, s-app-nav, ui-save-bar { display: none !important; }",
    "ui-title-bar { display: none; }",
    "ui-modal { display: none; }",
    "ui-modal[data-open] { display: flex; flex-direction: column; position: fixed; z-index: 2147483000; top: 10vh; left: 50%; transform: translateX(-50%);",
    "  width: min(620px, 92vw); max-height: 80vh; overflow: auto; background: #fff; border-radius: 12px; box-shadow: 0 0 0 100vmax rgba(0, 0, 0, 0.45); font: 14px/1.4 system-ui, sans-serif; }",
    "ui-modal[variant=small][data-open] { width: min(380px, 92vw); } ui-modal[variant=large][data-open] { width: min(980px, 92vw); } ui-modal[variant=max][data-open] { inset: 2vh 2vw; transform: none; width: auto; max-height: none; }",
    "ui-modal > ui-title-bar { display: flex; order: 2; gap: 8px; justify-content: flex-end; padding: 12px 16px; border-top: 1px solid #e3e3e3; }",
    "ui-modal > ui-title-bar::before { content: attr(title); order: -2; position: absolute; top: 14px; left: 16px; font-weight: 650; }",
    "ui-modal > [data-dev-store-modal-content] { order: 1; padding: 48px 16px 16px; }",
    "ui-modal > [data-dev-store-modal-close] { position: absolute; top: 8px; right: 10px; border: 0; background: none; font-size: 20px; cursor: pointer; }",
    ".dev-store-toast { position: fixed; bottom: 24px; left: 50%; transform: translateX(-50%); background: #303030; color: #fff; padding: 10px 16px; border-radius: 8px; font: 14px system-ui, sans-serif; z-index: 2147483001; }",
    ".dev-store-toast-error { background: #8e1f0b; }",
  ].join("\n");
  (document.head || document.documentElement).appendChild(style);

  function linksOf(menu) {
    return Array.prototype.map.call(menu.querySelectorAll("a[href], s-link[href]"), function (link) {
      return { label: link.textContent.trim(), href: link.getAttribute("href"), rel: link.getAttribute("rel") };
    });
  }

  function reportNavMenu() {
    var menu = document.querySelector("ui-nav-menu, s-app-nav");
    post({ type: "nav-menu", items: menu ? linksOf(menu) : [] });
  }

  var titleBarButtons = [];
  var saveBarButtons = [];

  function clickReported(buttons, key) {
    var button = buttons[key];
    if (button && button.isConnected && !button.disabled) button.click();
  }

  function describeButtons(container, store) {
    store.length = 0;
    return Array.prototype.map.call(container.querySelectorAll("button, a"), function (button) {
      store.push(button);
      return {
        key: store.length - 1,
        label: button.textContent.trim(),
        variant: button.getAttribute("variant"),
        tone: button.getAttribute("tone"),
        disabled: button.hasAttribute("disabled"),
      };
    });
  }

  function reportTitleBar() {
    var bar = Array.prototype.find.call(document.querySelectorAll("ui-title-bar"), function (candidate) {
      return !candidate.closest("ui-modal");
    });
    post({
      type: "title-bar",
      bar: bar ? { title: bar.getAttribute("title") || "", buttons: describeButtons(bar, titleBarButtons) } : null,
    });
  }

  function reportSaveBar() {
    var bar = Array.prototype.find.call(document.querySelectorAll("ui-save-bar"), function (candidate) {
      return candidate.showing;
    });
    post({ type: "save-bar", bar: bar ? { showing: true, buttons: describeButtons(bar, saveBarButtons) } : null });
  }

  var reportScheduled = false;
  function scheduleReport() {
    if (reportScheduled) return;
    reportScheduled = true;
    Promise.resolve().then(function () {
      reportScheduled = false;
      reportNavMenu();
      reportTitleBar();
      reportSaveBar();
    });
  }

  new MutationObserver(function (mutations) {
    var relevant = mutations.some(function (mutation) {
      var node = mutation.target.nodeType === 1 ? mutation.target : mutation.target.parentElement;
      if (node && node.closest("ui-nav-menu, s-app-nav, ui-title-bar, ui-save-bar")) return true;
      return Array.prototype.some.call(mutation.addedNodes.length ? mutation.addedNodes : mutation.removedNodes, function (changed) {
        return changed.nodeType === 1 && (changed.matches("ui-nav-menu, s-app-nav, ui-title-bar, ui-save-bar") ||
          Boolean(changed.querySelector("ui-nav-menu, s-app-nav, ui-title-bar, ui-save-bar")));
      });
    });
    if (relevant) scheduleReport();
  }).observe(document, { childList: true, subtree: true, attributes: true, characterData: true });

  function defineElement(name, definition) {
    if (!customElements.get(name)) customElements.define(name, definition);
  }

  defineElement("ui-save-bar", class extends HTMLElement {
    get showing() { return this.hasAttribute("data-showing"); }
    show() { if (!this.showing) { this.setAttribute("data-showing", ""); this.dispatchEvent(new Event("show")); } scheduleReport(); return Promise.resolve(); }
    hide() { if (this.showing) { this.removeAttribute("data-showing"); this.dispatchEvent(new Event("hide")); } scheduleReport(); return Promise.resolve(); }
    toggle() { return this.showing ? this.hide() : this.show(); }
  });

  defineElement("ui-modal", class extends HTMLElement {
    get content() {
      var content = this.querySelector(":scope > [data-dev-store-modal-content]");
      if (!content) {
        content = document.createElement("div");
        content.setAttribute("data-dev-store-modal-content", "");
        this.appendChild(content);
      }
      return content;
    }
    get src() { return this.getAttribute("src"); }
    set src(value) { this.setAttribute("src", value); }
    get contentWindow() {
      var frame = this.content.querySelector("iframe");
      return frame ? frame.contentWindow : null;
    }
    connectedCallback() {
      if (!this.querySelector(":scope > [data-dev-store-modal-close]")) {
        var close = document.createElement("button");
        close.type = "button";
        close.setAttribute("data-dev-store-modal-close", "");
        close.setAttribute("aria-label", "Close");
        close.textContent = "×";
        close.addEventListener("click", this.hide.bind(this));
        this.appendChild(close);
      }
    }
    show() {
      if (this.src && !this.content.querySelector("iframe")) {
        var frame = document.createElement("iframe");
        frame.src = this.src;
        frame.style.cssText = "border:0;width:100%;min-height:60vh";
        this.content.appendChild(frame);
      }
      if (!this.hasAttribute("data-open")) {
        this.setAttribute("data-open", "");
        this.setAttribute("role", "dialog");
        this.setAttribute("aria-modal", "true");
        this.dispatchEvent(new Event("show"));
      }
      return Promise.resolve();
    }
    hide() {
      if (this.hasAttribute("data-open")) {
        this.removeAttribute("data-open");
        this.dispatchEvent(new Event("hide"));
      }
      return Promise.resolve();
    }
    toggle() { return this.hasAttribute("data-open") ? this.hide() : this.show(); }
  });

  defineElement("ui-nav-menu", class extends HTMLElement {});
  defineElement("ui-title-bar", class extends HTMLElement {});

  function elementById(id, tagName) {
    var element = document.getElementById(id);
    if (!element || element.tagName.toLowerCase() !== tagName) {
      return Promise.reject(new Error("App Bridge: no <" + tagName + "> with id \"" + id + "\""));
    }
    return Promise.resolve(element);
  }

  var modal = {
    show: function (id) { return elementById(id, "ui-modal").then(function (element) { return element.show(); }); },
    hide: function (id) { return elementById(id, "ui-modal").then(function (element) { return element.hide(); }); },
    toggle: function (id) { return elementById(id, "ui-modal").then(function (element) { return element.toggle(); }); },
  };

  var saveBar = {
    show: function (id) { return elementById(id, "ui-save-bar").then(function (element) { return element.show(); }); },
    hide: function (id) { return elementById(id, "ui-save-bar").then(function (element) { return element.hide(); }); },
    toggle: function (id) { return elementById(id, "ui-save-bar").then(function (element) { return element.toggle(); }); },
    leaveConfirmation: function () {
      var unsaved = Array.prototype.some.call(document.querySelectorAll("ui-save-bar"), function (bar) { return bar.showing; });
      if (!unsaved || window.confirm("Leave page? Changes you made will not be saved.")) return Promise.resolve();
      return Promise.reject(new Error("The merchant stayed on the page"));
    },
  };

  window.shopify = {
    __devStore: true,
    config: config,
    origin: adminOrigin,
    ready: Promise.resolve(),
    environment: { embedded: embedded, mobile: false, pos: false, intent: false },
    idToken: idToken,
    toast: toast,
    loading: loading,
    modal: modal,
    saveBar: saveBar,
  };

  // ---- pages the library renders only for App Bridge ----

  var reload = params.get("shopify-reload");
  if (reload && embedded) {
    // The bounce page: come back with a fresh session token in the URL.
    var destination = new URL(reload, location.href);
    if (destination.origin === location.origin) {
      idToken().then(function (token) {
        destination.searchParams.set("id_token", token);
        location.replace(destination.href);
      });
    }
  } else if (!embedded && params.get("shop") && adminOrigin && featureEnabled("auto-redirect") && !params.has("exitIframe")) {
    // An admin launch URL opened outside the admin: reopen it inside, as Shopify's App Bridge does.
    location.replace(adminOrigin + "/store/" + params.get("shop").replace(/\.myshopify\.com$/, "") + "/apps/" + encodeURIComponent(config.apiKey));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { reportLocation(); scheduleReport(); });
  else { reportLocation(); scheduleReport(); }
})();
