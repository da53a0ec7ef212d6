/* Loyalty widget: opens, closes and fills the Liquid-rendered launcher panel and Rewards block.
   It asks the app (via the app proxy) only once a panel opens; app data goes in as text, never HTML.
   This is the source: `npm run build:widget` minifies it into extensions/loyalty-widget/assets/
   (Shopify refuses an app block script over 10,000 bytes). */
(() => {
  const PROXY = '/apps/loyalty';
  const BADGE_KEY = 'loyalty-widget:badge';
  const FOCUSABLE = 'a[href],button:not([disabled]),input,[tabindex]:not([tabindex="-1"])';
  const locale = document.documentElement.lang || undefined;
  const number = new Intl.NumberFormat(locale);
  const signed = new Intl.NumberFormat(locale, { signDisplay: 'exceptZero' });
  // Dates in the shop's time zone, as the admin shows them (the browser's zone until the app says which).
  const dayIn = (timeZone) => {
    try {
      return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone });
    } catch {
      return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
    }
  };
  // Every widget on the page: one answer from the app fills them all (the launcher and the Rewards block).
  const widgets = [];

  const field = (root, name) => root.querySelector(`[data-field="${name}"]`);
  const setText = (root, name, text) => root.querySelectorAll(`[data-field="${name}"]`).forEach((node) => (node.textContent = text));
  /** A locale text with {placeholders} (Liquid's t filter cannot know the app's numbers). */
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key]);

  function init(root) {
    if (root.dataset.ready) return; // Both blocks include this file; each widget starts once.
    root.dataset.ready = 'true';
    const opener = root.querySelector('[data-loyalty-open]');
    const panel = opener ? document.getElementById(opener.getAttribute('aria-controls')) : root;
    const backdrop = root.querySelector('.loyalty-widget__backdrop');
    const widget = { root, opener, panel, backdrop, account: panel.querySelector('[data-loyalty-account]'), state: 'idle' };
    widgets.push(widget);
    showCachedBadge(widget);
    if (opener) opener.addEventListener('click', () => toggle(widget, panel.hidden));
    // On the document: focus can fall out of the panel when the element holding it disappears.
    if (backdrop) document.addEventListener('keydown', (event) => panel.hidden || onDialogKey(widget, event));
    root.addEventListener('click', (event) => onAction(widget, event));
    // Escape in a confirmation cancels it rather than closing the panel.
    root.addEventListener('keydown', (event) => {
      const confirm = event.key === 'Escape' && event.target.closest('[data-confirm]');
      if (confirm) {
        event.stopPropagation();
        cancelConfirm(confirm);
      }
    });
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
    else if (action === 'redeem') askToConfirm(widget, button);
    else if (action === 'cancel') cancelConfirm(button.closest('[data-confirm]'));
    else if (action === 'confirm') redeem(widget, button);
    else if (action === 'save-birthday') save(widget, button, 'birthday', ['month', 'day']);
    else if (action === 'send-feedback') save(widget, button, 'feedback', ['score', 'comment']);
    else if (action === 'copy-code') copy(widget, button, button.closest('[data-code]').dataset.code);
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
      const data = await request(widget, 'customer');
      // The other widgets on the page show the same answer without asking again.
      widgets.forEach((each) => {
        if (each.state === 'ready') return;
        render(each, data);
        setState(each, 'ready');
      });
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
    widget.program = data.program || {};
    // The ways this shopper can still earn, with their points; the others are hidden.
    if (data.waysToEarn) {
      panel.querySelectorAll('[data-way]').forEach((item) => {
        const way = data.waysToEarn.find((candidate) => candidate.kind === item.dataset.way);
        item.hidden = !way;
        if (way) setText(item, 'points', way.points);
      });
    }
    const rewards = data.rewards || [];
    fillList(panel, 'rewards', rewards, (item, reward) => {
      item.dataset.rewardId = reward.id;
      item.dataset.cost = reward.cost;
      // A minimum balance can ask more than the cost: the reward stays locked below it.
      item.dataset.needs = reward.needs || reward.cost;
      // A tier-only reward stays locked below its tier, whatever the balance.
      if (reward.locked) item.dataset.tierLocked = 1;
      setText(item, 'name', reward.name);
      setText(item, 'cost', number.format(reward.cost));
      const note = field(item, 'note');
      const text = reward.locked || reward.note;
      if (note && text) {
        note.textContent = text;
        note.hidden = false;
      }
      const image = field(item, 'image');
      if (image && reward.image) {
        image.src = reward.image;
        image.hidden = false;
        item.classList.add('has-image');
      }
    });
    if (widget.program.pointsName) setText(panel, 'points-name', widget.program.pointsName);
    const catalogue = field(panel, 'catalogue');
    if (catalogue) catalogue.hidden = !rewards.length;
    if (!account || !data.customer) return;

    const mine = data.myRewards || [];
    fillList(account, 'mine', mine, (item, reward) => {
      item.dataset.code = reward.code;
      item.dataset.status = reward.status;
      setText(item, 'name', reward.name);
      // Store credit has no code: its amount shows instead.
      setText(item, 'code', reward.credit || reward.code);
      item.querySelectorAll('[data-field="ends"]').forEach((ends) => {
        ends.dateTime = reward.endsAt;
        ends.textContent = dayIn(widget.program.timezone).format(new Date(reward.endsAt));
      });
      field(item, 'apply').href = discountLink(widget, reward.code);
    });
    field(account, 'mine').hidden = !mine.length;
    // The VIP tier (present when the shop has tiers): its name, benefits and what the next one takes.
    const tier = field(account, 'tier');
    const next = data.tier ? data.tier.next : data.firstTier;
    tier.hidden = !data.tier && !next;
    setText(tier, 'tier-name', data.tier ? data.tier.name : '');
    setText(tier, 'tier-benefits', data.tier ? data.tier.benefits : '');
    setText(tier, 'tier-next', next ? fill(account.dataset.textTierNext, { amount: next.amountToGo || `${number.format(next.pointsToGo)} ${pointsName(widget)}`, tier: next.name }) : account.dataset.textTierTop);
    fillList(account, 'history', data.history || [], (item, entry) => {
      setText(item, 'reason', entry.reason);
      const at = field(item, 'at');
      at.dateTime = entry.at;
      at.textContent = dayIn(widget.program.timezone).format(new Date(entry.at));
      const points = field(item, 'points');
      points.textContent = signed.format(entry.points);
      points.classList.toggle('is-negative', entry.points < 0);
    });
    const referral = field(account, 'referral');
    referral.value = data.referral?.url ?? '';
    referral.closest('section').hidden = !referral.value;
    account.querySelector('[data-action="share-referral"]').hidden = !navigator.share;
    field(account, 'pending').title = fill(account.dataset.textPendingInfo, { days: widget.program.pendingDays ?? 0 });
    // The birthday ("--MM-DD" or null) comes only when the program gives birthday points.
    const birthday = field(account, 'birthday');
    birthday.hidden = !('birthday' in data);
    const [, month = '', day = ''] = /^--(\d\d)-(\d\d)$/.exec(data.birthday) || [];
    field(birthday, 'birthday-month').value = month && +month;
    field(birthday, 'birthday-day').value = day && +day;
    // "N points expire on <date>": only when the program's points expire and some are spendable.
    const expiring = field(account, 'expiring');
    expiring.hidden = !data.expiring;
    if (data.expiring) {
      expiring.textContent = fill(account.dataset.textExpiring, {
        points: number.format(data.expiring.points),
        date: dayIn(widget.program.timezone).format(new Date(data.expiring.expiresAt)),
      });
    }
    // The feedback entry's scale comes only for a signed-in customer.
    const feedback = field(account, 'feedback');
    feedback.hidden = !data.feedback;
    Object.assign(field(feedback, 'feedback-score'), data.feedback);
    showPoints(widget, data.points);
  }

  // Posts the section's `${path}-${name}` fields to the app; its message shows the answer.
  async function save(widget, button, path, names) {
    const section = button.closest('section');
    const message = field(section, `${path}-message`);
    button.disabled = true;
    try {
      const data = await request(widget, path, Object.fromEntries(names.map((name) => [name, field(section, `${path}-${name}`).value])));
      if (data.account) widgets.forEach((each) => each.state === 'ready' && render(each, data.account));
      message.textContent = message.dataset.done;
    } catch (error) {
      message.textContent = error.message;
    }
    button.disabled = false;
  }

  function fillList(root, name, entries, fillItem) {
    const template = root.querySelector(`template[data-template="${name}"]`);
    const list = root.querySelector(`[data-list="${name}"]`);
    if (!template || !list) return;
    list.replaceChildren(
      ...entries.map((entry) => {
        const item = template.content.firstElementChild.cloneNode(true);
        fillItem(item, entry);
        return item;
      }),
    );
  }

  function pointsName(widget) {
    return widget.program?.pointsName || field(widget.panel, 'points-name').textContent;
  }

  function showPoints(widget, points) {
    const { account } = widget;
    setText(account, 'balance', number.format(points.balance));
    const pending = field(account, 'pending');
    pending.textContent = fill(account.dataset.textPending, { points: number.format(points.pending) });
    pending.hidden = !points.pending;
    // Rewards the new balance no longer covers (or now covers) follow it without another request.
    const items = [...account.querySelectorAll('[data-reward-id]')];
    items.forEach((item) => item.classList.toggle('is-locked', !!item.dataset.tierLocked || Number(item.dataset.needs) > points.balance));
    // Progress to the cheapest reward the balance does not reach yet (the catalogue comes cheapest first).
    const next = items.find((item) => !item.dataset.tierLocked && Number(item.dataset.needs) > points.balance);
    const progress = field(account, 'progress');
    progress.hidden = !next;
    if (next) {
      const cost = Number(next.dataset.needs);
      field(progress, 'meter').style.width = `${Math.max(0, (100 * points.balance) / cost)}%`;
      field(progress, 'progress-text').textContent = fill(account.dataset.textProgress, {
        points: number.format(cost - Math.max(0, points.balance)),
        name: pointsName(widget),
        reward: field(next, 'name').textContent,
      });
    }
    rememberBadge(widget, points.balance);
  }

  // Spending points is asked once more, in place: the confirm button takes the focus.
  function askToConfirm(widget, button) {
    widget.account.querySelectorAll('[data-confirm]:not([hidden])').forEach(cancelConfirm);
    const item = button.closest('[data-reward-id]');
    const confirm = item.querySelector('[data-confirm]');
    field(confirm, 'confirm-text').textContent = fill(widget.account.dataset.textConfirm, {
      points: number.format(item.dataset.cost),
      name: pointsName(widget),
      reward: field(item, 'name').textContent,
    });
    field(widget.account, 'redeem-error').textContent = '';
    confirm.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    confirm.querySelector('[data-action="confirm"]').focus();
  }

  function cancelConfirm(confirm) {
    confirm.hidden = true;
    const button = confirm.closest('li').querySelector('[data-action="redeem"]');
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  }

  async function redeem(widget, button) {
    const item = button.closest('[data-reward-id]');
    const confirm = button.closest('[data-confirm]');
    const message = field(widget.account, 'redeem-error');
    // One key per attempt: a retry after a lost answer cannot redeem twice.
    item.dataset.key ||= crypto.randomUUID();
    message.textContent = '';
    const buttons = confirm.querySelectorAll('button');
    buttons.forEach((each) => (each.disabled = true));
    let wait = 0;
    try {
      const data = await request(widget, 'redeem', { rewardId: item.dataset.rewardId, idempotencyKey: item.dataset.key });
      delete item.dataset.key;
      // Every open widget shows the new balance, code and history at once.
      if (data.account) widgets.forEach((each) => each.state === 'ready' && render(each, data.account));
      else showPoints(widget, data.points);
      const credit = data.storeCredit;
      if (credit) showCode(widget, credit.reference, widget.account.dataset.textCreditReady, new Intl.NumberFormat(locale, { style: 'currency', currency: credit.currencyCode }).format(credit.amount));
      else showCode(widget, data.code, widget.account.dataset.textCodeReady, data.code);
    } catch (error) {
      if (error.status >= 400 && error.status < 500 && error.status !== 429) delete item.dataset.key;
      wait = Math.min(error.retryAfter, 60) || 0;
      message.textContent = error.message;
      cancelConfirm(confirm);
      if (wait) {
        const again = item.querySelector('[data-action="redeem"]');
        again.disabled = true;
        setTimeout(() => (again.disabled = false), wait * 1000);
      }
    } finally {
      buttons.forEach((each) => (each.disabled = false));
    }
  }

  // The new code (or store credit), in "My rewards": scrolled into view, focused and announced.
  function showCode(widget, code, text, said) {
    const item = [...widget.account.querySelectorAll('[data-code]')].find((candidate) => candidate.dataset.code === code);
    announce(widget, `${text} ${said}`);
    if (!item) return;
    item.classList.add('is-new');
    item.scrollIntoView({ block: 'nearest' });
    item.focus({ preventScroll: true });
  }

  function discountLink(widget, code) {
    const { rootUrl, cartUrl } = widget.root.dataset;
    return `${rootUrl || '/'}discount/${encodeURIComponent(code)}?redirect=${encodeURIComponent(cartUrl || '/cart')}`;
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
