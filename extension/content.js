// Bounceback's content script: runs in every top-level web page, once, at document_idle.
//
// It must cost next to nothing on a healthy page. It never forces layout and only looks further
// when a cheap pre-check says the page could be an error page: a title that looks like one, or a
// page with very few elements. Then it sends a bounded prefix of the page's HTML to the
// background, and the core extracts title and text from it with the same code the corpus tests
// run (src/detect/html.rs): there is one detection pipeline, not a JS copy of it. No wasm here.
//
// Only on such a page, and only while the background says the tab is being brought back, it
// shows a small banner (countdown, Retry now, Stop) in a closed shadow root whose styles live
// inside it: the page's CSS cannot reach it and it cannot touch the page. Page and core
// strings are set as text, never as HTML. Commands go to the background, which takes the tab
// from the sender, never from the message.
//
// The background also runs this file itself (inspection): in tabs that loaded before it
// listened, and in a reloaded page whose recovery it verifies. Its value, the last
// expression's, says whether this page sent a report: 'none', 'pending' (sent, not yet
// answered) or 'done' (answered: the background has handled it). Run twice in one page (the
// browser injected it too), the second run leaves the report to the first while that one is
// connected, and tells where the first one's report stands.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  if (globalThis.bouncebackListening?.()) return globalThis.bouncebackReport ?? 'none';
  // An instance orphaned by an update or reload of the extension has lost its runtime.
  globalThis.bouncebackListening = () => Boolean(api.runtime?.id);

  // Same limit as MAX_PAGE_HTML in shared.js and the core (a content script cannot import).
  const MAX_HTML = 262144;
  const MAX_ELEMENTS = 150;
  const TITLE_HINT = /\b(?:5\d\d|error|unavailable|gateway|time[d ]?out|went wrong|maintenance|overloaded|down)\b/i;

  const title = document.title.slice(0, 512);
  const elements = document.getElementsByTagName('*').length;
  if (!TITLE_HINT.test(title) && elements > MAX_ELEMENTS) return 'none';

  const root = document.documentElement;
  if (!root) return 'none';
  const html = root.outerHTML.slice(0, MAX_HTML);
  const msg = (key, ...subs) => api.i18n.getMessage(key, subs.map(String)) || key;
  let banner = null;

  function show(view) {
    if (!view) {
      banner?.remove();
      return;
    }
    banner ??= makeBanner();
    banner.update(view);
  }

  function makeBanner() {
    const host = document.createElement('bounceback-banner');
    host.style.setProperty('all', 'initial', 'important');
    const root = host.attachShadow({ mode: 'closed' });
    const el = (tag, cls, parent = box) => {
      const e = document.createElement(tag);
      if (cls) e.className = cls;
      parent.append(e);
      return e;
    };
    const style = document.createElement('style');
    style.textContent = `
:host{all:initial}
.box{position:fixed;z-index:2147483647;inset:auto 12px 12px auto;max-width:min(440px,calc(100vw - 24px));
box-sizing:border-box;display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;padding:10px 36px 10px 12px;
font:14px/1.4 system-ui,sans-serif;color:#1f2937;background:#fffbeb;border:1px solid #b45309;
border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.2)}
.msg{flex:1 1 200px;margin:0}
.msg b{display:block}
.why{display:block;font-size:13px}.why:empty{display:none}
button{font:inherit;padding:3px 10px;border-radius:6px;border:1px solid #0f766e;cursor:pointer;background:#0f766e;color:#fff}
button.plain{background:transparent;color:#0f766e}
button.x{position:absolute;top:6px;right:6px;border:none;background:transparent;color:#374151;padding:0 6px;font-size:18px;line-height:1}
button:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
@media (prefers-color-scheme:dark){.box{color:#f3f4f6;background:#292524;border-color:#f59e0b}
button{background:#5eead4;border-color:#5eead4;color:#042f2e}button.plain{background:transparent;color:#5eead4}button.x{color:#e5e7eb}}`;
    const box = document.createElement('div');
    box.className = 'box';
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', msg('bannerLabel'));
    const text = el('p', 'msg');
    const headline = el('b', '', text);
    headline.setAttribute('role', 'status');
    const countdown = el('span', '', text);
    countdown.setAttribute('aria-hidden', 'true');
    // Which hop failed, in one sentence: shown for a few seconds when it first says something.
    const why = el('span', 'why', text);
    let whySaid = '';
    const retry = el('button');
    retry.textContent = msg('retryNow');
    const stop = el('button', 'plain');
    stop.textContent = msg('stop');
    const close = el('button', 'x');
    close.textContent = '\u00d7';
    close.setAttribute('aria-label', msg('bannerDismiss'));
    root.append(style, box);
    document.documentElement.append(host);

    let view = null;
    let timer = 0;
    const tick = () => {
      const at = view?.nextAttemptAtMs;
      countdown.textContent = at == null ? '' : msg('bannerCountdown', Math.max(0, Math.ceil((at - Date.now()) / 1000)));
    };
    const send = (type) => api.runtime.sendMessage({ type: 'bannerCommand', command: { type } })
      .then((answer) => show(answer?.ok ? answer.reply : null), () => {});
    retry.addEventListener('click', () => send('retryNow'));
    stop.addEventListener('click', () => send('stop'));
    const remove = () => {
      clearInterval(timer);
      host.remove();
      banner = null;
    };
    close.addEventListener('click', () => {
      remove();
      dismissed = true;
    });
    return {
      update(next) {
        if (next.state !== view?.state) headline.textContent = msg(`bannerState_${next.state}`, next.site ?? '');
        const d = next.diagnosis;
        const sentence = d ? msg(`diag_${d.finding}`, d.cdn ?? msg('hop_cdn'), next.site ?? '') : '';
        if (sentence !== whySaid) {
          whySaid = sentence;
          why.textContent = sentence;
          setTimeout(() => { if (why.textContent === sentence) why.textContent = ''; }, 10_000);
        }
        view = next;
        tick();
        clearInterval(timer);
        if (view.nextAttemptAtMs != null) timer = setInterval(tick, 1000);
      },
      remove,
    };
  }

  let dismissed = false;
  api.runtime.onMessage.addListener((message, sender) => {
    if (sender.id === api.runtime.id && message?.type === 'banner' && !dismissed) show(message.view ?? null);
  });
  globalThis.bouncebackReport = 'pending';
  api.runtime.sendMessage({ type: 'pageHtmlSeen', html })
    .then((answer) => show(answer?.ok ? answer.reply : null), () => {})
    .finally(() => { globalThis.bouncebackReport = 'done'; });
  return 'pending';
})();
