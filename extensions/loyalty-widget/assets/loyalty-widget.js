/* Loyalty widget: opens, closes and fills the Liquid-rendered launcher panel and Rewards block.
   It asks the app (via the app proxy) only once a panel opens; app data goes in as text, never HTML. */
(() => {
  const PROXY = '/apps/loyalty';
  const BADGE_KEY = 'loyalty-widget:badge';
  const FOCUSABLE = 'a[href],button:not([disabled]),input,[tabindex]:not([tabindex="-1"])';
  const locale = document.documentElement.lang || undefined;
  const number = new Intl.NumberFormat(locale);
  const signed = new Intl.NumberFormat(locale, { signDisplay: 'exceptZero' });
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });

  const field = (root, name) => root.querySelector(`[data-field="${name}"]`);
  const setText = (root, name, text) => root.querySelectorAll(`[data-field="${name}"]`).forEach((node) => (node.textContent = text));

  function init(root) {
    if (root.dataset.ready) return; // Both blocks include this file; each widget starts once.
    root.dataset.ready = 'true';
    const opener = root.querySelector('[data-loyalty-open]');
    const panel = opener ? document.getElementById(opener.getAttribute('aria-controls')) : root;
    const backdrop = root.querySelector('.loyalty-widget__backdrop');
    const widget = { root, opener, panel, backdrop, account: panel.querySelector('[data-loyalty-account]'), state: 'idle' };
    showCachedBadge(widget);
    if (opener) opener.addEventListener('click', () => toggle(widget, panel.hidden));
    // On the document: focus can fall out of the panel when the element holding it disappears.
    if (backdrop) document.addEventListener('keydown', (event) => panel.hidden || onDialogKey(widget, event));
    root.addEventListener('click', (event) => onAction(widget, event));
  }

  function toggle(widget, open) {
    const { opener, panel, backdrop } = widget;
    opener.setAttribute('aria-expanded', String(open));
    panel.hidden = !open;
    if (backdrop) {
      backdrop.hidden = !open;
      (open ? focusables(panel)[0] : opener).focus();
    }
    if (open && widget.state === 'idle') load(widget);
  }

  function focusables(panel) {
    return [...panel.querySelectorAll(FOCUSABLE)].filter((node) => node.getClientRects().length);
  }

  function onDialogKey(widget, event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      toggle(widget, false);
    } else if (event.key === 'Tab') {
      const items = focusables(widget.panel);
      const edge = event.shiftKey ? items[0] : items[items.length - 1];
      if (document.activeElement === edge || !widget.panel.contains(document.activeElement)) {
        event.preventDefault();
        (event.shiftKey ? items[items.length - 1] : items[0]).focus();
      }
    }
  }

  function onAction(widget, event) {
    const button = event.target.closest('[data-action]');
    if (!button) return;
    const { action } = button.dataset;
    const referral = field(widget.panel, 'referral');
    if (action === 'close') toggle(widget, false);
    else if (action === 'retry') load(widget);
    else if (action === 'redeem') redeem(widget, button);
    else if (action === 'copy-code') copy(widget, button, field(widget.panel, 'code').textContent);
    else if (action === 'copy-referral') copy(widget, button, referral.value);
    else if (action === 'share-referral') navigator.share({ title: widget.account.dataset.textShareTitle, url: referral.value }).catch(() => {});
  }

  async function request(widget, path, body) {
    const response = await fetch(`${PROXY}/${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (response.ok) return data;
    const error = new Error(data.error || widget.account?.dataset.textError || response.statusText);
    error.status = response.status;
    error.retryAfter = Number(response.headers.get('Retry-After')) || 0;
    throw error;
  }

  async function load(widget) {
    setState(widget, 'loading');
    try {
      render(widget, await request(widget, 'customer'));
      setState(widget, 'ready');
    } catch (error) {
      // A guest's panel is complete without the app; only an account area can show and retry.
      if (widget.account) field(widget.account, 'error').textContent = error.message;
      setState(widget, widget.account ? 'error' : 'idle');
    }
  }

  function setState(widget, state) {
    widget.state = state;
    if (widget.account) widget.account.dataset.state = state;
  }

  function render(widget, data) {
    const { panel, account } = widget;
    if (data.waysToEarn?.length) {
      fillList(panel, 'ways', data.waysToEarn, (item, way) => {
        setText(item, 'title', way.title);
        setText(item, 'points', way.points);
      });
    }
    if (account && data.customer) {
      fillList(account, 'rewards', data.rewards || [], (item, reward) => {
        item.dataset.rewardId = reward.id;
        item.dataset.cost = reward.cost;
        setText(item, 'name', reward.name);
        setText(item, 'cost', number.format(reward.cost));
        item.classList.toggle('is-locked', !reward.affordable);
      });
      fillList(account, 'history', data.history || [], (item, entry) => {
        setText(item, 'reason', entry.reason);
        const at = field(item, 'at');
        at.dateTime = entry.at;
        at.textContent = day.format(new Date(entry.at));
        const points = field(item, 'points');
        points.textContent = signed.format(entry.points);
        points.classList.toggle('is-negative', entry.points < 0);
      });
      const referral = field(account, 'referral');
      referral.value = data.referral?.url ?? '';
      referral.closest('section').hidden = !referral.value;
      account.querySelector('[data-action="share-referral"]').hidden = !navigator.share;
      showPoints(widget, data.points);
    }
    if (data.program?.pointsName) setText(panel, 'points-name', data.program.pointsName);
  }

  function fillList(root, name, entries, fill) {
    const template = root.querySelector(`template[data-template="${name}"]`);
    root.querySelector(`[data-list="${name}"]`).replaceChildren(
      ...entries.map((entry) => {
        const item = template.content.firstElementChild.cloneNode(true);
        fill(item, entry);
        return item;
      }),
    );
  }

  function showPoints(widget, points) {
    const { account } = widget;
    setText(account, 'balance', number.format(points.balance));
    const pending = field(account, 'pending');
    pending.textContent = account.dataset.textPending.replace('{points}', number.format(points.pending));
    pending.hidden = !points.pending;
    // Rewards the new balance no longer covers (or now covers) follow it without another request.
    account.querySelectorAll('[data-reward-id]').forEach((item) => item.classList.toggle('is-locked', Number(item.dataset.cost) > points.balance));
    rememberBadge(widget, points.balance);
  }

  async function redeem(widget, button) {
    const item = button.closest('[data-reward-id]');
    const message = field(widget.account, 'redeem-error');
    // One key per attempt: a retry after a lost answer cannot redeem twice.
    item.dataset.key ||= crypto.randomUUID();
    message.textContent = '';
    button.disabled = true;
    let wait = 0;
    try {
      const data = await request(widget, 'redeem', { rewardId: item.dataset.rewardId, idempotencyKey: item.dataset.key });
      delete item.dataset.key;
      showCode(widget, data.code);
      if (data.points) showPoints(widget, data.points);
    } catch (error) {
      if (error.status >= 400 && error.status < 500 && error.status !== 429) delete item.dataset.key;
      wait = Math.min(error.retryAfter, 60) || 0;
      message.textContent = error.message;
    } finally {
      setTimeout(() => (button.disabled = false), wait * 1000);
    }
  }

  function showCode(widget, code) {
    const box = widget.account.querySelector('[data-loyalty-code]');
    const { rootUrl, cartUrl } = widget.root.dataset;
    field(box, 'code').textContent = code;
    field(box, 'apply').href = `${rootUrl || '/'}discount/${encodeURIComponent(code)}?redirect=${encodeURIComponent(cartUrl || '/cart')}`;
    box.hidden = false;
    announce(widget, `${box.firstElementChild.textContent} ${code}`);
  }

  // Without clipboard access the text stays on screen to select by hand.
  function copy(widget, button, text) {
    navigator.clipboard.writeText(text).then(() => {
      button.dataset.label ||= button.textContent;
      button.textContent = widget.account.dataset.textCopied;
      announce(widget, button.textContent);
      setTimeout(() => (button.textContent = button.dataset.label), 2000);
    }, () => {});
  }

  function announce(widget, text) {
    field(widget.account, 'announce').textContent = text;
  }

  // The launcher may show the last balance this tab saw, without asking the app.
  // Storage can be unavailable (private modes): the badge is optional.
  function showCachedBadge(widget) {
    const { customer } = widget.root.dataset;
    try {
      const cached = JSON.parse(sessionStorage.getItem(BADGE_KEY));
      if (!customer) sessionStorage.removeItem(BADGE_KEY);
      else if (cached?.customer === customer) showBadge(cached.balance);
    } catch {}
  }

  function rememberBadge(widget, balance) {
    showBadge(balance);
    try {
      sessionStorage.setItem(BADGE_KEY, JSON.stringify({ customer: widget.root.dataset.customer, balance }));
    } catch {}
  }

  function showBadge(balance) {
    document.querySelectorAll('[data-loyalty-badge]').forEach((badge) => {
      field(badge, 'badge').textContent = number.format(balance);
      badge.hidden = false;
    });
  }

  document.querySelectorAll('[data-loyalty-widget]').forEach(init);
})();
