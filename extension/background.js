// Bounceback's background: the imperative shell around the Rust core.
//
// It turns browser events into core events, feeds them to the core one at a time with the
// current time, persists the core's snapshot, and then carries out the actions the core
// returned, in order. It decides nothing itself. It may be killed at any moment (Chromium
// stops an idle service worker after ~30 s, Firefox unloads an idle event page), so every
// listener is registered synchronously at top level and awaits one `ready` promise that
// instantiates the wasm and restores the state; every wait the core asks for is backed by an
// alarm as well as a timer.

import init, { Core, validateSettings } from './wasm/bounceback.js';
import { api, HEADERS_OF_INTEREST, isWebUrl, validateUiMessage } from './shared.js';

const WAKE_ALARM = 'bounceback-wake';
const SNAPSHOT_KEY = 'coreSnapshot';
const SETTINGS_KEY = 'settings';

let core = null;
let wakeTimer = null;

function randomSeed() {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return words[0] * 2 ** 21 + (words[1] >>> 11); // < 2^53, exact as a JS number
}

async function loadCore() {
  await init({ module_or_path: new URL('./wasm/bounceback_bg.wasm', import.meta.url) });
  const { [SNAPSHOT_KEY]: snapshot } = await api.storage.session.get(SNAPSHOT_KEY);
  if (snapshot) {
    try {
      return Core.restore(snapshot);
    } catch (e) {
      console.warn('Bounceback: discarding an unreadable snapshot:', e);
    }
  }
  const { [SETTINGS_KEY]: settings } = await api.storage.local.get(SETTINGS_KEY);
  // A corrupt or older settings object is repaired by the core; the options page shows what.
  const fresh = new Core(settings ?? {}, randomSeed());
  const notices = fresh.notices();
  if (notices.length) {
    await api.storage.local.set({ [SETTINGS_KEY]: fresh.settings(), settingsNotices: notices });
  }
  return fresh;
}

const ready = loadCore().then((c) => {
  core = c;
  // Catch up with whatever fell due while we were not running, and re-arm the timers.
  dispatch({ type: 'wokeUp' });
});

// Events are handled strictly one after another: each batch of actions is persisted and
// carried out before the next event reaches the core. So an action must never await a
// dispatch of its own (that would wait for itself); it queues the follow-up event instead.
let queue = Promise.resolve();

function dispatch(event) {
  const run = queue.then(() => ready).then(() => step(event));
  queue = run.catch((e) => console.error('Bounceback: event failed', event, e));
  return run;
}

async function step(event) {
  const actions = core.handle(event, Date.now());
  // Persist before acting: if we are killed half-way, the core's own timeouts redo what was
  // lost, and nothing is done twice.
  await api.storage.session.set({ [SNAPSHOT_KEY]: core.snapshot() });
  for (const action of actions) {
    try {
      await perform(action);
    } catch (e) {
      console.warn('Bounceback: action failed', action, e);
    }
  }
  return actions;
}

async function perform(action) {
  switch (action.type) {
    case 'scheduleWakeUp':
      return scheduleWakeUp(action.atMs);
    case 'probe':
      probe(action); // Runs concurrently; reports back through dispatch.
      return;
    case 'reloadTab':
      return reloadTab(action);
    case 'clearCookies':
      return clearCookies(action);
    case 'setBadge':
      await api.action.setBadgeBackgroundColor({ tabId: action.tabId, color: action.color });
      return api.action.setBadgeText({ tabId: action.tabId, text: badgeText(action) });
    case 'clearBadge':
      return api.action.setBadgeText({ tabId: action.tabId, text: '' });
    case 'notify':
      return api.notifications.create(action.id, {
        type: 'basic',
        iconUrl: api.runtime.getURL('icons/icon-128.png'),
        title: action.title,
        message: action.message,
      });
    default:
      console.warn('Bounceback: unknown action', action);
  }
}

function badgeText(action) {
  if (action.countdownToMs == null) return action.text;
  const left = Math.max(0, Math.ceil((action.countdownToMs - Date.now()) / 1000));
  return left >= 100 ? `${Math.round(left / 60)}m` : `${left}s`;
}

async function scheduleWakeUp(atMs) {
  clearTimeout(wakeTimer);
  wakeTimer = null;
  if (atMs == null) {
    await api.alarms.clear(WAKE_ALARM);
    return;
  }
  const delay = Math.max(0, atMs - Date.now());
  wakeTimer = setTimeout(() => dispatch({ type: 'wokeUp' }), delay);
  // The durable backstop, should this worker be stopped before the timer fires. Packed
  // Chromium extensions get no alarm sooner than 30 s; the timer covers shorter waits.
  // https://developer.chrome.com/docs/extensions/reference/api/alarms#method-create
  await api.alarms.create(WAKE_ALARM, { when: Math.max(atMs, Date.now() + 1000) });
}

async function probe({ probeId, url, method, credentials }) {
  const result = { type: 'probeCompleted', probeId };
  try {
    const response = await fetch(url, {
      method,
      cache: 'no-store',
      credentials: credentials ? 'include' : 'omit',
      redirect: 'follow',
      signal: AbortSignal.timeout(20_000),
    });
    result.status = response.status;
    const retryAfter = response.headers.get('retry-after');
    if (retryAfter != null) result.retryAfter = retryAfter;
    response.body?.cancel().catch(() => {});
  } catch (e) {
    result.error = String(e?.name ?? e);
  }
  return dispatch(result);
}

async function reloadTab({ tabId, url, bypassCache }) {
  const tab = await api.tabs.get(tabId).catch(() => null);
  if (!tab) return;
  // Only reload the page the core means: if the tab shows something else by now, leave it.
  if (tab.url && tab.url !== url && !tab.url.startsWith('chrome-error:')) {
    dispatch({ type: 'navigationStarted', tabId, url: tab.url }); // Queued behind this batch.
    return;
  }
  await api.tabs.reload(tabId, { bypassCache });
}

async function clearCookies({ tabId, url }) {
  // Exactly the cookies the browser would send to this URL: the host's own and those of
  // its parent domains, never another site's.
  const cookies = await api.cookies.getAll({ url });
  let removed = 0;
  for (const c of cookies) {
    const host = c.domain.replace(/^\./, '');
    const cookieUrl = `${c.secure ? 'https' : 'http'}://${host}${c.path}`;
    const details = { url: cookieUrl, name: c.name, storeId: c.storeId };
    if (c.partitionKey) details.partitionKey = c.partitionKey;
    if (await api.cookies.remove(details).catch(() => null)) removed += 1;
  }
  dispatch({ type: 'cookiesCleared', tabId, removed }); // Queued behind this batch.
}

// ---- Browser events -> core events. Registered synchronously at top level, otherwise
// they are not called when the worker is woken up for them.

const MAIN_FRAME = { urls: ['http://*/*', 'https://*/*'], types: ['main_frame'] };

// Firefox reports the first load of a fresh tab with tabId -1 to onCompleted unless
// onBeforeRequest is registered too (see BROWSER-TESTING.md); it is also our navigation start.
api.webRequest.onBeforeRequest.addListener((d) => {
  if (d.tabId < 0 || !isWebUrl(d.url)) return;
  dispatch({ type: 'navigationStarted', tabId: d.tabId, url: d.url, method: d.method });
}, MAIN_FRAME);

api.webRequest.onCompleted.addListener(
  (d) => {
    if (d.tabId < 0 || !isWebUrl(d.url)) return;
    const headers = (d.responseHeaders ?? [])
      .filter((h) => HEADERS_OF_INTEREST.has(h.name.toLowerCase()) && typeof h.value === 'string')
      .map((h) => [h.name.toLowerCase(), h.value.slice(0, 512)]);
    dispatch({
      type: 'navigationCompleted',
      tabId: d.tabId,
      url: d.url,
      method: d.method,
      status: d.statusCode,
      headers,
    });
  },
  MAIN_FRAME,
  ['responseHeaders'],
);

api.webRequest.onErrorOccurred.addListener((d) => {
  if (d.tabId < 0 || !isWebUrl(d.url)) return;
  dispatch({ type: 'navigationFailed', tabId: d.tabId, url: d.url, method: d.method, error: String(d.error) });
}, MAIN_FRAME);

api.tabs.onRemoved.addListener((tabId) => dispatch({ type: 'tabClosed', tabId }));

api.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === WAKE_ALARM) dispatch({ type: 'wokeUp' });
});

self.addEventListener('online', () => dispatch({ type: 'connectivityChanged', online: true }));
self.addEventListener('offline', () => dispatch({ type: 'connectivityChanged', online: false }));

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  handleMessage(message, sender).then(
    (reply) => sendResponse({ ok: true, reply }),
    (e) => sendResponse({ ok: false, error: String(e?.message ?? e) }),
  );
  return true; // The answer is sent asynchronously.
});

async function handleMessage(message, sender) {
  if (sender.id !== api.runtime.id) throw new Error('not from this extension');
  if (message?.type === 'pageTextSeen') {
    // From a content script: the tab and URL come from the sender, never from the message.
    const tab = sender.tab;
    if (!tab || tab.id == null || sender.frameId !== 0 || !isWebUrl(sender.url)) {
      throw new Error('page text must come from a top-level web page');
    }
    const title = typeof message.title === 'string' ? message.title.slice(0, 1024) : '';
    const text = typeof message.text === 'string' ? message.text.slice(0, 8192) : '';
    await dispatch({ type: 'pageTextSeen', tabId: tab.id, url: sender.url, title, text });
    return null;
  }
  // Everything else must come from our own pages (popup, options).
  if (!sender.url?.startsWith(api.runtime.getURL(''))) throw new Error('not from an extension page');
  const request = validateUiMessage(message);
  await ready;
  switch (request.type) {
    case 'getView':
      await queue;
      return core.view(request.tabId, Date.now());
    case 'command':
      await dispatch({ type: 'userCommanded', tabId: request.tabId, command: request.command });
      return core.view(request.tabId, Date.now());
    case 'getSettings':
      await queue;
      return core.settings();
    case 'saveSettings': {
      // The core checks every field; only settings it accepts are applied and stored.
      const outcome = validateSettings(request.settings);
      if (!outcome.ok) return outcome;
      await dispatch({ type: 'settingsChanged', settings: outcome.settings });
      await api.storage.local.set({ [SETTINGS_KEY]: outcome.settings });
      await api.storage.local.remove('settingsNotices');
      return outcome;
    }
    default:
      throw new Error(`unknown request ${request.type}`);
  }
}
