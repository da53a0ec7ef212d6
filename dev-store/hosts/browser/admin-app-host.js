// The dev store admin's side of App Bridge: answers the embedded app's requests (session tokens,
// toasts, the loading bar, navigation) and shows what the app declares (nav menu, title bar, save bar).
// Talks only to the app's origin, and only to the iframe it opened.
(function () {
  "use strict";

  var CHANNEL = "dev-store-app-bridge";
  var LAUNCH_PARAMS = ["embedded", "hmac", "host", "id_token", "locale", "session", "shop", "timestamp"];
  var context = JSON.parse(document.getElementById("admin-context").textContent);
  var iframe = document.getElementById("app-iframe");
  var nav = document.getElementById("app-nav");
  var title = document.getElementById("app-title");
  var titleActions = document.getElementById("title-actions");
  var saveBar = document.getElementById("save-bar");
  var saveBarActions = document.getElementById("save-bar-actions");
  var loadingBar = document.getElementById("loading-bar");
  var toasts = document.getElementById("toasts");
  var currentAppPath = null;

  function send(message) {
    message.channel = CHANNEL;
    iframe.contentWindow.postMessage(message, context.appOrigin);
  }

  function fetchSessionToken() {
    return fetch(context.sessionTokenUrl, {
      method: "POST",
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) throw new Error("The dev store did not issue a session token (" + response.status + ")");
      return response.json();
    }).then(function (body) {
      return body.token;
    });
  }

  /** "/app/settings?tab=1" → "/store/demo/apps/loyalty/settings?tab=1"; null for paths outside the app home. */
  function adminPathFor(appPath) {
    var url = new URL(appPath, context.appOrigin);
    var home = context.appHomePath;
    if (url.pathname !== home && url.pathname.indexOf(home + "/") !== 0) return null;
    LAUNCH_PARAMS.forEach(function (key) { url.searchParams.delete(key); });
    return context.adminAppPath + url.pathname.slice(home.length) + url.search + url.hash;
  }

  function markActiveNavItem() {
    Array.prototype.forEach.call(nav.querySelectorAll("a"), function (link) {
      var active = currentAppPath !== null && link.getAttribute("data-app-href") === currentAppPath;
      if (active) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
  }

  function showNavMenu(items) {
    nav.textContent = "";
    items.filter(function (item) { return item.rel !== "home" && item.href; }).forEach(function (item) {
      var link = document.createElement("a");
      var adminPath = adminPathFor(item.href);
      link.href = adminPath || context.adminAppPath;
      link.textContent = item.label;
      link.setAttribute("data-app-href", new URL(item.href, context.appOrigin).pathname);
      link.addEventListener("click", function (event) {
        event.preventDefault();
        if (!confirmLeavingUnsaved()) return;
        send({ type: "navigate", href: item.href });
      });
      var entry = document.createElement("li");
      entry.appendChild(link);
      nav.appendChild(entry);
    });
    markActiveNavItem();
  }

  /** As the admin does while an app shows its save bar: leaving the page asks first. */
  function confirmLeavingUnsaved() {
    return saveBar.hidden || window.confirm("Leave page? Changes you made will not be saved.");
  }

  function actionButtons(container, buttons, kind) {
    container.textContent = "";
    (buttons || []).forEach(function (button) {
      var element = document.createElement("button");
      element.type = "button";
      element.textContent = button.label;
      element.disabled = Boolean(button.disabled);
      if (button.variant) element.setAttribute("data-variant", button.variant);
      if (button.tone) element.setAttribute("data-tone", button.tone);
      element.addEventListener("click", function () {
        send({ type: kind + ":click", key: button.key });
      });
      container.appendChild(element);
    });
  }

  function showTitleBar(bar) {
    title.textContent = (bar && bar.title) || context.appName;
    actionButtons(titleActions, bar && bar.buttons, "title-bar");
  }

  function showSaveBar(bar) {
    saveBar.hidden = !(bar && bar.showing);
    actionButtons(saveBarActions, bar && bar.showing ? bar.buttons : [], "save-bar");
  }

  var toastTimers = {};
  function showToast(message) {
    hideToast(message.id);
    var toast = document.createElement("div");
    toast.className = message.isError ? "toast toast-error" : "toast";
    toast.setAttribute("role", message.isError ? "alert" : "status");
    toast.setAttribute("data-toast-id", message.id);
    var text = document.createElement("span");
    text.textContent = message.message;
    toast.appendChild(text);
    if (message.action) {
      var action = document.createElement("button");
      action.type = "button";
      action.textContent = message.action;
      action.addEventListener("click", function () { send({ type: "toast:action", id: message.id }); });
      toast.appendChild(action);
    }
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.setAttribute("aria-label", "Dismiss");
    dismiss.textContent = "×";
    dismiss.addEventListener("click", function () {
      hideToast(message.id);
      send({ type: "toast:dismiss", id: message.id });
    });
    toast.appendChild(dismiss);
    toasts.appendChild(toast);
    toastTimers[message.id] = setTimeout(function () { hideToast(message.id); }, message.duration || 5000);
  }

  function hideToast(id) {
    clearTimeout(toastTimers[id]);
    delete toastTimers[id];
    var existing = toasts.querySelector('[data-toast-id="' + CSS.escape(id) + '"]');
    if (existing) existing.remove();
  }

  /** The app asked to leave the iframe: admin links stay in this admin, the app's own origin opens on top. */
  function navigateTop(url) {
    var target = new URL(url, context.appOrigin);
    var adminMatch = /^\/store\/[^/]+(\/.*)?$/.exec(target.pathname);
    if (target.hostname === "admin.shopify.com" && adminMatch) {
      window.location.assign(target.pathname + target.search + target.hash);
    } else if (target.hostname === context.shop && /^\/admin(\/|$)/.test(target.pathname)) {
      window.location.assign(context.adminStorePath + target.pathname.slice("/admin".length) + target.search);
    } else {
      window.location.assign(target.href);
    }
  }

  function syncLocation(path) {
    currentAppPath = new URL(path, context.appOrigin).pathname;
    markActiveNavItem();
    var adminPath = adminPathFor(path);
    if (adminPath && adminPath !== window.location.pathname + window.location.search) {
      window.history.replaceState(null, "", adminPath);
    }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== context.appOrigin || event.source !== iframe.contentWindow) return;
    var message = event.data;
    if (!message || message.channel !== CHANNEL) return;
    switch (message.type) {
      case "id-token:request":
        fetchSessionToken().then(
          function (token) { send({ type: "id-token", id: message.id, token: token }); },
          function (error) { send({ type: "id-token", id: message.id, error: error.message }); }
        );
        break;
      case "toast:show":
        showToast(message);
        break;
      case "toast:hide":
        hideToast(message.id);
        break;
      case "loading":
        loadingBar.hidden = !message.isLoading;
        break;
      case "nav-menu":
        showNavMenu(message.items || []);
        break;
      case "title-bar":
        showTitleBar(message.bar);
        break;
      case "save-bar":
        showSaveBar(message.bar);
        break;
      case "location":
        syncLocation(message.path);
        break;
      case "navigate-top":
        navigateTop(message.url);
        break;
    }
  });

  document.getElementById("app-home-link").addEventListener("click", function (event) {
    if (!iframe.contentWindow) return;
    event.preventDefault();
    if (!confirmLeavingUnsaved()) return;
    send({ type: "navigate", href: context.appHomePath });
  });
})();
