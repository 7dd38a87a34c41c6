// Bounceback's background: the imperative shell around the Rust core.
//
// It turns browser events into core events, feeds them to the core one at a time with the
// current time, persists the core's snapshot, and then carries out the actions the core
// returned, in order. It decides nothing itself: what to probe and for how long, which tab
// to reload, which badge, banner and notification to show, and which tab a notification
// click brings forward all come from the core's actions and views. It may be killed at any
// moment (Chromium stops an idle service worker after ~30 s, Firefox unloads an idle event
// page), so every listener is registered synchronously at top level and awaits one `ready`
// promise that instantiates the wasm and restores the state; every wait the core asks for is
// backed by an alarm as well as a timer.
//
// Tabs it did not watch load (open before install or enable, restored at browser start-up,
// loaded while it was updated) are listed to the core whenever a background starts without
// a record of the tabs (no session snapshot) and when the popup opens on a tab; the core says
// which to inspect, and inspecting one runs the content script (content.js itself) in it, so
// that it reports the page exactly as a watched one would. The connectivity is reported at
// start-up and with every wake-up, so a background started by its alarm after the connection
// came back (the `online` event went to no one) learns of it.
//
// It words what the core decided in the browser's own language (_locales): the badge counts
// down each second while a countdown is pending and this background is alive (one timer chain
// that stops when no countdown remains; after a restart the core says which countdowns are
// pending), and the in-page banner of a tab is told about each change of that tab.

import init, { Core, validateSettings } from './wasm/bounceback.js';
import { api, hasCookieAccess, HEADERS_OF_INTEREST, isWebUrl, MAX_PAGE_HTML, SITE_ACCESS, t, utf8Prefix, validatePageHtml, validateUiMessage } from './shared.js';

const WAKE_ALARM = 'bounceback-wake';
/** How long the popup waits for a look into a tab the core had no record of. */
const INSPECT_WAIT_MS = 400;
/** How long an inspection waits for the report of a page whose content script said it sent one. */
const INSPECT_REPORT_MS = 5000;
const SNAPSHOT_KEY = 'coreSnapshot';
const SETTINGS_KEY = 'settings';
const DURABLE_KEY = 'durableSnapshot';

let core = null;
let lastDurable = null;
/** Whether this background started without the session's record of the tabs. */
let freshStart = false;

function randomSeed() {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return words[0] * 2 ** 21 + (words[1] >>> 11); // < 2^53, exact as a JS number
}

// Cold-start marks (performance.mark, read by tests/bench/coldstart.mjs): this script evaluated,
// the wasm compiled and instantiated, the state restored (`ready`), the first browser event
// handled by the core and the first action carried out after it. Cheap; each recorded once.
const mark = (name) => performance.mark(`bounceback:${name}`);
mark('evaluated'); // This module and its imports loaded; the wasm is not fetched yet.
let firstEventSeen = false;
let firstActionDone = false;
const STARTUP_EVENTS = new Set(['wokeUp', 'cookieAccessChanged', 'connectivityChanged']);

async function loadCore() {
  // The module compiles (streaming) while the snapshot is read.
  const [, { [SNAPSHOT_KEY]: snapshot }] = await Promise.all([
    init({ module_or_path: new URL('./wasm/bounceback_bg.wasm', import.meta.url) }).then(() => mark('instantiated')),
    api.storage.session.get(SNAPSHOT_KEY),
  ]);
  if (snapshot) {
    try {
      return Core.restore(snapshot);
    } catch (e) {
      console.warn('Bounceback: discarding an unreadable snapshot:', e);
    }
  }
  freshStart = true;
  const { [SETTINGS_KEY]: settings, [DURABLE_KEY]: durable } = await api.storage.local.get([SETTINGS_KEY, DURABLE_KEY]);
  // A corrupt or older settings object is repaired by the core; the options page shows what.
  const fresh = new Core(settings ?? {}, randomSeed());
  const notices = fresh.notices();
  if (notices.length) {
    await api.storage.local.set({ [SETTINGS_KEY]: fresh.settings(), settingsNotices: notices });
  }
  if (durable) {
    // The browser restarted (storage.session is gone): keep the history and per-site choices,
    // end the recoveries of tabs that no longer exist, and apply the settings as stored.
    try {
      const restored = Core.restore(durable);
      restored.forgetTabs();
      restored.handle({ type: 'settingsChanged', settings: fresh.settings() }, Date.now());
      fresh.free();
      lastDurable = restored.durableRevision();
      return restored;
    } catch (e) {
      console.warn('Bounceback: discarding an unreadable history:', e);
    }
  }
  return fresh;
}

// Asked at once, in parallel with loading the core: the permission may have changed while we
// were not running.
const startAccess = cookieAccessEvent().catch((e) => console.warn('Bounceback: cannot check the cookies permission', e));
const ready = loadCore().then(async (c) => {
  core = c;
  mark('ready');
  for (const [tabId, atMs] of core.countdowns()) countdowns.set(tabId, atMs);
  tickBadges();
  const access = await startAccess;
  if (access) dispatch(access);
  // The connection may have come or gone while we were not running.
  const connectivity = connectivityEvent();
  if (connectivity) dispatch(connectivity);
  // Catch up with whatever fell due while we were not running, and re-arm the timers.
  dispatch({ type: 'wokeUp' });
  // No record of the tabs: some may have failed before we listened.
  if (freshStart) findTabs().catch((e) => console.warn('Bounceback: cannot list the tabs', e));
});

/** The core's event for the connectivity the browser reports right now (if it says). */
function connectivityEvent() {
  const online = globalThis.navigator?.onLine;
  return typeof online === 'boolean' ? { type: 'connectivityChanged', online } : null;
}

// Events are handled strictly one after another: each batch of actions is persisted and
// carried out before the next event reaches the core. So an action must never await a
// dispatch of its own (that would wait for itself); it queues the follow-up event instead.
let queue = Promise.resolve();

function dispatch(event) {
  return exclusive(() => step(event), event);
}

/** Runs `fn` in the event queue: after every event before it, before every event after it. */
function exclusive(fn, what = 'task') {
  const run = queue.then(() => ready).then(fn);
  queue = run.catch((e) => console.error('Bounceback: failed', what, e));
  return run;
}

/**
 * Tabs showing a badge (in recovery): a page of theirs that fails again may change what their
 * banner says (which hop failed) without changing the badge, so their banner is told then too.
 */
const badged = new Set();

async function step(event) {
  const actions = core.handle(event, Date.now());
  const failedAgain = (event.type === 'navigationCompleted' || event.type === 'navigationFailed') && badged.has(event.tabId);
  // The first event a browser sent (not one this background sends itself when it starts).
  if (!firstEventSeen && !STARTUP_EVENTS.has(event.type)) {
    firstEventSeen = true;
    mark('first-event');
  }
  // A healthy page load changes nothing but the core's memory of recent navigations: save
  // that a moment later, in one write for a burst of loads, to keep healthy browsing cheap.
  if (actions.every((a) => a.type === 'scheduleWakeUp' && a.atMs === scheduledAt)) {
    persistSoon();
    if (failedAgain) tellBanner(event.tabId);
    return actions;
  }
  // Persist before acting: if we are killed half-way, the core's own timeouts redo what was
  // lost, and nothing is done twice. The wake-up (the batch's last action) is set together
  // with the save, before the rest: a kill during a reload or a clearing must not take the
  // alarm that lets the core notice it with it.
  const wake = actions.findLast((a) => a.type === 'scheduleWakeUp');
  await Promise.all([
    persist(),
    wake && scheduleWakeUp(wake.atMs).catch((e) => console.warn('Bounceback: cannot schedule', wake, e)),
  ]);
  const touched = new Set(failedAgain ? [event.tabId] : []);
  for (const action of actions) {
    if (action === wake) continue;
    if (action.type === 'setBadge' || action.type === 'clearBadge') touched.add(action.tabId);
    if (action.type === 'setBadge') badged.add(action.tabId);
    if (action.type === 'clearBadge') badged.delete(action.tabId);
    try {
      await perform(action);
    } catch (e) {
      console.warn('Bounceback: action failed', action, e);
    }
    if (firstEventSeen && !firstActionDone) {
      firstActionDone = true;
      mark('first-action');
    }
  }
  for (const tabId of touched) tellBanner(tabId);
  return actions;
}

let persistTimer = null;

function persistSoon() {
  // Through the queue, so it never interleaves with a batch.
  persistTimer ??= setTimeout(() => exclusive(persist, 'saving state').catch(() => {}), 1000);
}

async function persist() {
  clearTimeout(persistTimer);
  persistTimer = null;
  const snapshot = core.snapshot();
  await api.storage.session.set({ [SNAPSHOT_KEY]: snapshot });
  const revision = core.durableRevision();
  if (revision !== lastDurable) {
    // History and per-site choices also outlive the browser; written only when they change.
    await api.storage.local.set({ [DURABLE_KEY]: snapshot });
    lastDurable = revision;
  }
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
    case 'navigateTab':
      return navigateTab(action);
    case 'inspectTab':
      inspectTab(action); // Runs concurrently: its report comes back as a message.
      return;
    case 'clearCookies':
      return clearCookies(action);
    case 'setBadge':
      return setBadge(action);
    case 'clearBadge':
      countdowns.delete(action.tabId);
      await api.action.setTitle({ tabId: action.tabId, title: t('actionTitle') });
      return api.action.setBadgeText({ tabId: action.tabId, text: '' });
    case 'notify':
      return notify(action);
    case 'showTab':
      return showTab(action);
    default:
      console.warn('Bounceback: unknown action', action);
  }
}

// ---- The badge. The core says what to show; a pending countdown is re-rendered here each
// second, from its deadline, for as long as this background happens to be alive.

/** tabId -> the deadline its badge counts down to (after a restart: `core.countdowns()`). */
const countdowns = new Map();
let badgeTicker = null;

function countdownText(atMs, now) {
  const left = Math.max(0, Math.ceil((atMs - now) / 1000));
  return left >= 100 ? `${Math.round(left / 60)}m` : `${left}s`;
}

async function setBadge({ tabId, text, color, countdownToMs }) {
  if (countdownToMs == null) countdowns.delete(tabId);
  else countdowns.set(tabId, countdownToMs);
  const state = core.view(tabId, Date.now()).state;
  await api.action.setBadgeBackgroundColor({ tabId, color });
  await api.action.setTitle({ tabId, title: t(`badgeTitle_${state}`) });
  await api.action.setBadgeText({ tabId, text: countdownToMs == null ? text : countdownText(countdownToMs, Date.now()) });
  tickBadges();
}

/** One timer chain for every countdown badge: it wakes on the next whole second of the nearest one. */
function tickBadges() {
  clearTimeout(badgeTicker);
  badgeTicker = null;
  const now = Date.now();
  let next = Infinity;
  for (const [tabId, atMs] of countdowns) {
    api.action.setBadgeText({ tabId, text: countdownText(atMs, now) }).catch(() => countdowns.delete(tabId));
    if (atMs <= now) {
      countdowns.delete(tabId); // The wake-up takes over from here.
      continue;
    }
    next = Math.min(next, (atMs - now) % 1000 || 1000);
  }
  if (countdowns.size) badgeTicker = setTimeout(tickBadges, next + 20);
}

// ---- The in-page banner (content.js): told about every change of its tab while it listens.

function bannerView(tabId) {
  const view = core.view(tabId, Date.now());
  return view.showBanner ? view : null;
}

function tellBanner(tabId) {
  // Most tabs have no banner listening (healthy page, or Chromium's own error page): no harm.
  api.tabs.sendMessage(tabId, { type: 'banner', view: bannerView(tabId) }, { frameId: 0 }).catch(() => {});
}

// ---- Notifications, as the core asks for them: with `unlessTabSeen`, left out when the tab
// is the active tab of a focused window (the user sees the page anyway).

async function notify({ id, tabId, kind, site, unlessTabSeen }) {
  if (unlessTabSeen) {
    const tab = await api.tabs.get(tabId).catch(() => null);
    const win = tab?.active ? await api.windows.get(tab.windowId).catch(() => null) : null;
    if (win?.focused) return;
  }
  await api.notifications.create(id, {
    type: 'basic',
    iconUrl: api.runtime.getURL('icons/icon-128.png'),
    title: t(`notify_${kind}_title`),
    message: t(`notify_${kind}_message`, site),
  });
}

/** The deadline the timer and the alarm are set for (undefined: not known in this instance). */
let scheduledAt;

async function scheduleWakeUp(atMs) {
  if (atMs === scheduledAt) return;
  scheduledAt = atMs;
  if (atMs == null) {
    core.disarmTimer();
    await api.alarms.clear(WAKE_ALARM);
    return;
  }
  core.armTimer(Math.max(0, atMs - Date.now()), () => dispatch({ type: 'wokeUp' }));
  // The durable backstop, should this worker be stopped before the timer fires. Packed
  // Chromium extensions get no alarm sooner than 30 s; the timer covers shorter waits.
  // https://developer.chrome.com/docs/extensions/reference/api/alarms#method-create
  await api.alarms.create(WAKE_ALARM, { when: Math.max(atMs, Date.now() + 1000) });
}

async function showTab({ tabId }) {
  const tab = await api.tabs.update(tabId, { active: true }).catch(() => null);
  if (tab) await api.windows.update(tab.windowId, { focused: true }).catch(() => {});
}

/** Sends a probe the core asked for; a body it asked to read is cut at MAX_PAGE_HTML bytes. */
async function probe({ probeId, url, method, credentials, timeoutMs, readBody }) {
  const result = { type: 'probeCompleted', probeId };
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetch(url, {
      method,
      cache: 'no-store',
      credentials: credentials ? 'include' : 'omit',
      redirect: 'follow',
      signal,
    });
    result.status = response.status;
    const retryAfter = response.headers.get('retry-after');
    if (retryAfter != null) result.retryAfter = retryAfter;
    if (readBody && response.body) result.html = utf8Prefix(await readPrefix(response.body, MAX_PAGE_HTML), MAX_PAGE_HTML);
    else response.body?.cancel().catch(() => {});
  } catch (e) {
    result.error = String(e?.name ?? e);
  }
  return dispatch(result);
}

/** The first `limit` bytes of a body as text (the rest is not downloaded). */
async function readPrefix(body, limit) {
  const reader = body.getReader();
  const chunks = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, limit - size));
      size += value.length;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * Whether the tab still shows the page the core means (`url`, or the browser's error page for
 * it). If it shows something else by now, the core hears of it and the tab is left alone.
 */
async function stillShows(tabId, url) {
  const tab = await api.tabs.get(tabId).catch(() => null);
  if (!tab) return false;
  if (tab.url && tab.url !== url && !tab.url.startsWith('chrome-error:')) {
    dispatch({ type: 'navigationStarted', tabId, url: tab.url }); // Queued behind this batch.
    return false;
  }
  return true;
}

async function reloadTab({ tabId, url, bypassCache }) {
  if (!(await stillShows(tabId, url))) return;
  loadOrdered(tabId);
  await api.tabs.reload(tabId, { bypassCache });
}

async function navigateTab({ tabId, url }) {
  if (!(await stillShows(tabId, url))) return;
  // A fresh GET of the URL: the load the tab shows may have been a POST, never resent.
  loadOrdered(tabId);
  await api.tabs.update(tabId, { url });
}

// ---- Inspecting tabs the core has no record of.

/** Lists the open web tabs to the core, which answers with the ones to inspect. */
async function findTabs(tabs) {
  tabs ??= await api.tabs.query({});
  const found = tabs.filter((t) => t.id != null && t.id >= 0 && isWebUrl(t.url) && !t.discarded).map((t) => ({ tabId: t.id, url: t.url }));
  if (found.length) await dispatch({ type: 'tabsFound', tabs: found });
}

/** tabId -> the inspection under way (resolves when its report was handled, or it sent none). */
const inspections = new Map();
/** tabId -> resolves the inspection when the page's report has been handled. */
const reported = new Map();

function inspectTab({ tabId, url }) {
  if (inspections.has(tabId)) return; // Already being looked into (start-up and onInstalled both ask).
  const done = (async () => {
    const tab = await api.tabs.get(tabId).catch(() => null);
    if (tab?.url !== url) return;
    // A reloaded page is asked about as soon as its response is in (webRequest), when the tab
    // may still show the document it replaces: the script would run there.
    await tabLoaded(tabId, LOAD_WAIT_MS);
    const report = new Promise((resolve) => reported.set(tabId, resolve));
    // The content script itself, so the page is reported exactly as a watched one is. It
    // answers whether the page sent a report: 'none' (a healthy-looking page sends none),
    // 'pending' or 'done' (the content script the browser injected may have sent it first).
    const results = await api.scripting.executeScript({ target: { tabId, frameIds: [0] }, files: ['content.js'] })
      .catch(() => null); // A page we may not script (store pages, error pages): nothing to see.
    // A pending report is handled before this inspection counts as ended (bounded: a report
    // the shell refused never comes, and one handled just before this look began has been).
    if (results?.[0]?.result === 'pending') await Promise.race([report, new Promise((r) => setTimeout(r, INSPECT_REPORT_MS))]);
  })().finally(() => {
    reported.delete(tabId);
    if (inspections.get(tabId) === done) inspections.delete(tabId);
    // Until this, the popup says it is still looking at the page rather than calling it fine.
    return dispatch({ type: 'inspectionEnded', tabId });
  });
  inspections.set(tabId, done);
}

/** Resolves once the tab is not loading (at most `ms`): its document is the one it loaded. */
function tabLoaded(tabId, ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      api.tabs.onUpdated.removeListener(updated);
      resolve();
    };
    const updated = (id, change) => { if (id === tabId && change.status === 'complete') done(); };
    const timer = setTimeout(done, ms);
    api.tabs.onUpdated.addListener(updated);
    api.tabs.get(tabId).then((t) => { if (t?.status !== 'loading') done(); }, done);
  });
}

/** Waits (at most `ms`) for an inspection of the tab under way, if any. */
function inspected(tabId, ms) {
  const done = inspections.get(tabId);
  return done ? Promise.race([done, new Promise((r) => setTimeout(r, ms))]) : Promise.resolve();
}

/** The core's event for whether the (optional) cookies permission is granted right now. */
async function cookieAccessEvent() {
  return { type: 'cookieAccessChanged', allowed: await hasCookieAccess() };
}

async function clearCookies({ tabId, url }) {
  if (!(await hasCookieAccess())) {
    // Taken back since the core last heard: it ends this clearing with advice instead.
    dispatch({ type: 'cookieAccessChanged', allowed: false }); // Queued behind this batch.
    return;
  }
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

const MAIN_FRAME = { urls: SITE_ACCESS.origins, types: ['main_frame'] };

// Firefox lets users withhold site access from an MV3 extension; without it Bounceback sees
// no page at all. Say so on the toolbar (a "!" on every tab) instead of silently doing nothing;
// the popup offers the button that asks for it (permissions.request needs a user gesture).
// https://extensionworkshop.com/documentation/develop/manifest-v3-migration-guide/
async function checkSiteAccess() {
  const granted = await api.permissions.contains(SITE_ACCESS);
  await api.action.setBadgeText({ text: granted ? '' : '!' });
  await api.action.setTitle({ title: granted ? t('actionTitle') : t('needsSiteAccess') });
  if (!granted) await api.action.setBadgeBackgroundColor({ color: '#b45309' });
}
async function permissionsChanged() {
  await checkSiteAccess();
  await dispatch(await cookieAccessEvent());
}
api.permissions.onAdded.addListener(() => { permissionsChanged(); });
api.permissions.onRemoved.addListener(() => { permissionsChanged(); });
checkSiteAccess().catch((e) => console.warn('Bounceback: cannot check site access', e));

// Firefox reports the first load of a fresh tab with tabId -1 to onCompleted unless
// onBeforeRequest is registered too (see BROWSER-TESTING.md); it is also our navigation start.
api.webRequest.onBeforeRequest.addListener((d) => {
  if (d.tabId < 0 || !isWebUrl(d.url)) return;
  loadStarted(d.tabId, d.url);
  dispatch({ type: 'navigationStarted', tabId: d.tabId, url: d.url, method: d.method });
}, MAIN_FRAME);

// A page's report (pageHtmlSeen) can overtake the webRequest events of its own load: the core
// judges a page by the load it has seen (its status, and its method: the page a form's POST
// brought must never be taken for a GET), so a report waits for its load's end.
// - A load seen starting: until its end, at most LOAD_WAIT_MS.
// - A load not seen at all: Firefox can deliver the page's report before even the
//   onBeforeRequest of the load that made it (seen with a form's POST answered 502, and with
//   our own reloads), so the report waits UNSEEN_WAIT_MS for that load to show up, and then
//   for its end. A reload or navigation we order forgets the load seen last. A page that
//   loaded before we listened (Firefox injects content scripts into open tabs at install) pays
//   that wait once; a page we inspect ourselves was loaded before we asked, and does not wait.
// In memory only: after a restart nothing waits.
const LOAD_WAIT_MS = 5000;
const UNSEEN_WAIT_MS = 1500;
const startedUrl = new Map(); // tabId -> URL (without fragment) of a main-frame load under way
const loadedUrl = new Map(); // tabId -> URL (without fragment) of its last main-frame load seen
const loadWaiters = new Map(); // tabId -> resolvers
const withoutFragment = (url) => String(url).split('#')[0];
/** We are about to load the tab's page again: its next report is of a load still to be seen. */
function loadOrdered(tabId) {
  loadedUrl.delete(tabId);
}
function loadStarted(tabId, url) {
  startedUrl.set(tabId, withoutFragment(url));
  loadedUrl.delete(tabId); // A reload of the same URL: its report waits for this load, not the last.
}
function loadSeen(tabId, url) {
  startedUrl.delete(tabId);
  loadedUrl.set(tabId, withoutFragment(url));
  for (const resolve of loadWaiters.get(tabId) ?? []) resolve();
  loadWaiters.delete(tabId);
}
function loadOf(tabId, url, { inspecting = false } = {}) {
  const page = withoutFragment(url);
  const started = () => startedUrl.get(tabId) === page;
  if (loadedUrl.get(tabId) === page || (inspecting && !started())) return Promise.resolve();
  return new Promise((resolve) => {
    loadWaiters.set(tabId, [...(loadWaiters.get(tabId) ?? []), resolve]);
    // Resolved by the load's end (loadSeen), or at the latest by these timers.
    if (started()) setTimeout(resolve, LOAD_WAIT_MS);
    else setTimeout(() => (started() ? setTimeout(resolve, LOAD_WAIT_MS) : resolve()), UNSEEN_WAIT_MS);
  });
}

api.webRequest.onCompleted.addListener(
  (d) => {
    if (d.tabId < 0 || !isWebUrl(d.url)) return;
    loadSeen(d.tabId, d.url);
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
  loadSeen(d.tabId, d.url);
  dispatch({ type: 'navigationFailed', tabId: d.tabId, url: d.url, method: d.method, error: String(d.error) });
}, MAIN_FRAME);

api.tabs.onRemoved.addListener((tabId) => {
  loadSeen(tabId, '');
  loadedUrl.delete(tabId);
  startedUrl.delete(tabId);
  dispatch({ type: 'tabClosed', tabId });
});

// Clicking a notification: the core says which tab it shows.
api.notifications.onClicked.addListener((id) => {
  api.notifications.clear(id);
  dispatch({ type: 'notificationClicked', notificationId: id });
});

api.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name !== WAKE_ALARM) return;
  // While offline the core keeps a slow check: this may be the moment the connection is back.
  const connectivity = connectivityEvent();
  if (connectivity) dispatch(connectivity);
  dispatch({ type: 'wokeUp' });
});

// Installed, updated, enabled or the browser started: tabs may have failed before we listened.
// (A background that starts without a session snapshot lists them anyway; these make sure.)
api.runtime.onInstalled.addListener(() => { ready.then(() => findTabs()).catch((e) => console.warn('Bounceback: cannot list the tabs', e)); });
api.runtime.onStartup.addListener(() => { ready.then(() => findTabs()).catch((e) => console.warn('Bounceback: cannot list the tabs', e)); });

self.addEventListener('online', () => dispatch({ type: 'connectivityChanged', online: true }));
self.addEventListener('offline', () => dispatch({ type: 'connectivityChanged', online: false }));

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  handleMessage(message, sender).then(
    (reply) => sendResponse({ ok: true, reply }),
    (e) => sendResponse({ ok: false, error: String(e?.message ?? e) }),
  );
  return true; // The answer is sent asynchronously.
});

/**
 * The tab of a message from our content script. The tab and URL come from the sender, never
 * from the message, so a page can only ever speak for itself.
 */
function pageTab(sender, what) {
  const tab = sender.tab;
  if (!tab || tab.id == null || sender.frameId !== 0 || !isWebUrl(sender.url)) {
    throw new Error(`${what} must come from a top-level web page`);
  }
  return tab;
}

async function handleMessage(message, sender) {
  if (sender.id !== api.runtime.id) throw new Error('not from this extension');
  if (message?.type === 'pageHtmlSeen') {
    const tab = pageTab(sender, 'page html');
    const { html } = validatePageHtml(message);
    // A report can overtake the end of its own load; it waits for it (see loadOf).
    await loadOf(tab.id, sender.url, { inspecting: reported.has(tab.id) });
    // The core judges the page from this HTML with the same extractor the corpus tests run.
    await dispatch({ type: 'pageHtmlSeen', tabId: tab.id, url: sender.url, html: utf8Prefix(html, MAX_PAGE_HTML) });
    reported.get(tab.id)?.();
    // The answer tells the page whether to show the banner; later changes come as 'banner' messages.
    return bannerView(tab.id);
  }
  const request = validateUiMessage(message);
  if (request.type === 'bannerCommand') {
    const tab = pageTab(sender, 'banner commands');
    await dispatch({ type: 'userCommanded', tabId: tab.id, command: request.command });
    return bannerView(tab.id);
  }
  // Everything else must come from our own pages (popup, options).
  if (!sender.url?.startsWith(api.runtime.getURL(''))) throw new Error('not from an extension page');
  await ready;
  switch (request.type) {
    case 'getView': {
      // A tab the core has no record of may show an error page that loaded before we
      // listened: look into it first (briefly), so the popup never calls such a page fine.
      const tab = await api.tabs.get(request.tabId).catch(() => null);
      if (tab) await findTabs([tab]);
      await inspected(request.tabId, INSPECT_WAIT_MS);
      await queue;
      return core.view(request.tabId, Date.now());
    }
    case 'command':
      // The popup has just asked for the permission to clear (permissions.onAdded may come
      // later): the core hears of it first.
      if (request.command.type === 'clearCookies') dispatch(await cookieAccessEvent());
      await dispatch({ type: 'userCommanded', tabId: request.tabId, command: request.command });
      return core.view(request.tabId, Date.now());
    case 'getSettings':
      await queue;
      return core.settings();
    case 'getIncidents':
      await queue;
      return core.incidents();
    case 'clearIncidents':
      return exclusive(async () => {
        core.clearIncidents();
        await persist();
        return core.incidents();
      }, 'clearIncidents');
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
