// A small browser for the background's restart tests: storage, alarms, tabs that really load
// pages from the test server, a cookie jar and permissions, all in this thread, and the
// extension's background (the built background.js with its wasm core) living in a worker
// thread (fake-worker.mjs) that the test can terminate at any API call, as a browser stops a
// service worker. Like a browser, it starts a new background whenever an event must be
// delivered (an alarm falls due, a page loads) and none is running.
//
// It records what the background did to the world: `calls` (every API call, with the life it
// came from), `reloads`, `navigations` (tabs.update with a URL), `inspections` (scripts run in
// a tab) and `removedCookies`; and every event it fed its core, in `coreEvents` (and, over all
// fake browsers of the process, `recordedCoreEvents`).
//
// Tabs can be opened before any background listens (`openTabUnwatched`: a page loaded before
// install), and the connection can go and come (`setOnline`; `navigator.onLine` in the
// background, and the `online`/`offline` events, delivered only to a running background).
// Running the content script in a tab (`scripting.executeScript`) reports the page as
// content.js does: a prefix of the HTML the tab loaded.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { waitFor } from '../../e2e/lib/wait.mjs';
import { MAX_PAGE_HTML, utf8Prefix } from '../../../extension/shared.js';

const WORKER = fileURLToPath(new URL('./fake-worker.mjs', import.meta.url));

/** Every event any fake browser's background fed its core, in this process. */
export const recordedCoreEvents = [];

export class FakeBrowser {
  /**
   * @param {object} o
   * @param {string} o.extDir  the built extension (dist/chromium)
   * @param {object} [o.settings]  stored settings, as the options page saves them
   * @param {string[]} [o.permissions]  optional permissions already granted (e.g. ['cookies'])
   * @param {(call: {life: number, path: string, args: any[]}) => ('kill' | 'killAfter' | undefined)} [o.onCall]
   *   decides, for each API call, whether the background is stopped before it is answered
   *   ('kill': it never happens) or just after ('killAfter').
   */
  constructor({ extDir, settings = {}, permissions = [], onCall = () => undefined }) {
    this.extDir = extDir;
    this.onCall = onCall;
    this.clock = new SharedArrayBuffer(8);
    this.offset = new Float64Array(this.clock);
    this.storage = { local: { settings }, session: {} };
    this.granted = new Set(permissions);
    this.alarms = new Map();
    this.tabs = new Map();
    this.jar = []; // { name, value, domain, path, secure, storeId }
    this.calls = [];
    this.reloads = [];
    this.removedCookies = [];
    this.coreEvents = [];
    this.shown = []; // tabs brought to the front (tabs.update with active: true)
    this.responses = new Map();
    this.nextResponse = 1;
    this.errors = [];
    this.life = 0;
    this.worker = null;
    this.starting = null;
    this.nextTabId = 1;
    this.navigations = [];
    this.inspections = [];
    this.onlineFlag = new Int32Array(new SharedArrayBuffer(4));
    this.onlineFlag[0] = 1;
    this.ticker = setInterval(() => this.fireAlarms(), 50);
  }

  now() {
    return Date.now() + this.offset[0];
  }

  /** Moves the clock forward to the next alarm (skips a long wait); false if there is none. */
  skipToNextAlarm() {
    if (!this.alarms.size) return false;
    const next = Math.min(...this.alarms.values());
    if (next > this.now()) this.offset[0] += next - this.now();
    return true;
  }

  get running() {
    return this.worker != null;
  }

  /** Starts a background (a new life), unless one is running or starting. */
  start() {
    // Closed: nothing starts a background again (a page's report still on its way, say), or
    // its worker would keep the test process alive.
    if (this.worker || this.closed) return Promise.resolve();
    this.starting ??= new Promise((resolve, reject) => {
      this.life += 1;
      const life = this.life;
      const worker = new Worker(WORKER, { workerData: { extDir: this.extDir, clock: this.clock, online: this.onlineFlag, extensionId: 'bounceback-test' } });
      this.worker = worker;
      worker.on('message', (m) => {
        if (m.type === 'ready') {
          this.starting = null;
          resolve();
        } else if (m.type === 'call') {
          this.answer(worker, life, m);
        } else if (m.type === 'response') {
          this.responses.get(m.id)?.(m.value);
          this.responses.delete(m.id);
        } else if (m.type === 'coreEvent') {
          this.coreEvents.push(m.event);
          recordedCoreEvents.push(m.event);
        }
      });
      worker.on('error', (e) => { this.errors.push(e); reject(e); });
      worker.on('exit', () => {
        if (this.worker === worker) this.worker = null;
        this.starting = null;
      });
    });
    return this.starting;
  }

  /** Stops the background at once (its timers, memory and pending calls die with it). */
  async kill() {
    const w = this.worker;
    this.worker = null;
    this.starting = null;
    if (w) await w.terminate();
  }

  async answer(worker, life, { id, path, args }) {
    const call = { life, path, args };
    this.calls.push(call);
    const verdict = this.onCall(call);
    if (verdict === 'kill') return this.kill();
    let reply;
    try {
      reply = { type: 'reply', id, ok: true, value: await this.handle(path, args) };
    } catch (e) {
      reply = { type: 'reply', id, ok: false, error: String(e?.message ?? e) };
    }
    if (this.worker === worker) worker.postMessage(reply);
    if (verdict === 'killAfter') await this.kill();
  }

  /** Delivers a browser event to the background, starting one if none is running. */
  async deliver(path, ...args) {
    await this.start();
    this.worker?.postMessage({ type: 'event', path, args });
  }

  /**
   * Sends a runtime message to the background as `from` would: 'page' (the content script
   * of tab `tabId`'s top frame) or 'popup' (an extension page). Resolves with its answer.
   */
  async message(message, { from = 'popup', tabId } = {}) {
    await this.start();
    const extensionId = 'bounceback-test';
    const sender = from === 'page'
      ? { id: extensionId, tab: { id: tabId }, frameId: 0, url: this.tabs.get(tabId)?.url }
      : { id: extensionId, url: `chrome-extension://${extensionId}/popup.html` };
    const id = this.nextResponse++;
    const answer = new Promise((resolve) => this.responses.set(id, resolve));
    this.worker?.postMessage({ type: 'event', path: 'runtime.onMessage', args: [message, sender], respond: id });
    return answer;
  }

  fireAlarms() {
    for (const [name, when] of this.alarms) {
      if (when <= this.now()) {
        this.alarms.delete(name);
        this.deliver('alarms.onAlarm', { name, scheduledTime: when }).catch((e) => this.errors.push(e));
      }
    }
  }

  // ---- Tabs: a tab loads its URL from the network, with the jar's cookies, and the
  // background hears of it through webRequest, as in a browser.

  async openTab(url) {
    const tabId = this.nextTabId++;
    this.tabs.set(tabId, { id: tabId, url, status: null, title: '', windowId: 1, active: true });
    await this.load(tabId, url);
    return tabId;
  }

  /** A tab that loaded (with `method`, and `body` for a POST) while no background listened. */
  async openTabUnwatched(url, { method = 'GET', body } = {}) {
    const tabId = this.nextTabId++;
    this.tabs.set(tabId, { id: tabId, url, status: null, title: '', windowId: 1, active: false });
    await this.load(tabId, url, { method, body, watched: false });
    return tabId;
  }

  async load(tabId, url, { bypassCache = false, method = 'GET', body: sent, watched = true } = {}) {
    const tab = this.tabs.get(tabId);
    const details = { tabId, url, method, type: 'main_frame', frameId: 0, timeStamp: this.now() };
    const tell = watched ? (path, d) => this.deliver(path, d) : async () => {};
    await tell('webRequest.onBeforeRequest', details);
    const headers = {};
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    if (bypassCache) Object.assign(headers, { 'cache-control': 'no-cache', pragma: 'no-cache' });
    try {
      const res = await fetch(url, { method, body: sent, headers, redirect: 'manual' });
      const body = await res.text();
      tab.status = res.status;
      tab.body = body;
      tab.scripted = false;
      tab.title = /<title>([^<]*)<\/title>/i.exec(body)?.[1] ?? '';
      const responseHeaders = [...res.headers].map(([name, value]) => ({ name, value }));
      await tell('webRequest.onCompleted', { ...details, statusCode: res.status, responseHeaders });
    } catch (e) {
      tab.status = null;
      tab.title = '';
      tab.body = '';
      await tell('webRequest.onErrorOccurred', { ...details, error: 'net::ERR_CONNECTION_RESET' });
    }
  }

  /** The connection goes or comes; a running background hears of it, a stopped one does not. */
  setOnline(online) {
    this.onlineFlag[0] = online ? 1 : 0;
    if (this.running) this.worker.postMessage({ type: 'connectivity', online });
  }

  /** What content.js reports of a tab's page: a prefix of its HTML (MAX_PAGE_HTML bytes at most). */
  pageReport(tabId) {
    const body = this.tabs.get(tabId)?.body ?? '';
    return { type: 'pageHtmlSeen', html: utf8Prefix(body, MAX_PAGE_HTML) };
  }

  title(tabId) {
    return this.tabs.get(tabId)?.title;
  }

  // ---- Cookies

  setCookie(url, name, value = '1') {
    const { hostname, protocol } = new URL(url);
    this.jar.push({ name, value, domain: hostname, path: '/', secure: protocol === 'https:', storeId: '0' });
  }

  cookiesFor(url) {
    const { hostname, protocol, pathname } = new URL(url);
    return this.jar.filter((c) => (c.domain === hostname || hostname.endsWith(`.${c.domain.replace(/^\./, '')}`))
      && pathname.startsWith(c.path) && (!c.secure || protocol === 'https:'));
  }

  cookieHeader(url) {
    return this.cookiesFor(url).map((c) => `${c.name}=${c.value}`).join('; ');
  }

  // ---- The APIs the background calls.

  handle(path, args) {
    const [a, b] = args;
    switch (path) {
      case 'storage.session.get':
      case 'storage.local.get': {
        const area = this.storage[path.split('.')[1]];
        const keys = a == null ? Object.keys(area) : Array.isArray(a) ? a : [a];
        return structuredClone(Object.fromEntries(keys.filter((k) => k in area).map((k) => [k, area[k]])));
      }
      case 'storage.session.set':
      case 'storage.local.set':
        Object.assign(this.storage[path.split('.')[1]], structuredClone(a));
        return undefined;
      case 'storage.session.remove':
      case 'storage.local.remove':
        for (const k of Array.isArray(a) ? a : [a]) delete this.storage[path.split('.')[1]][k];
        return undefined;
      case 'alarms.create':
        this.alarms.set(a, b.when);
        return undefined;
      case 'alarms.clear':
        return this.alarms.delete(a);
      case 'tabs.get': {
        const tab = this.tabs.get(a);
        if (!tab) throw new Error(`No tab with id: ${a}.`);
        return { ...tab };
      }
      case 'tabs.update': {
        const tab = this.tabs.get(a);
        if (!tab) throw new Error(`No tab with id: ${a}.`);
        if (args[1]?.active) this.shown.push(a);
        if (args[1]?.url) {
          // A fresh navigation: always a GET.
          this.navigations.push({ life: this.life, tabId: a, url: args[1].url });
          tab.url = args[1].url;
          setImmediate(() => this.load(a, args[1].url).catch((e) => this.errors.push(e)));
        }
        return { ...tab };
      }
      case 'scripting.executeScript': {
        const { tabId, frameIds } = a.target;
        if (!this.tabs.has(tabId)) throw new Error(`No tab with id: ${tabId}.`);
        this.inspections.push({ life: this.life, tabId, files: a.files, frameIds });
        // content.js runs once per page: run again, it leaves the report to the first run and
        // says where that one stands.
        const tab = this.tabs.get(tabId);
        if (tab.scripted) return [{ frameId: 0, result: tab.reportState }];
        tab.scripted = true;
        tab.reportState = 'pending';
        const report = this.pageReport(tabId);
        setImmediate(() => this.message(report, { from: 'page', tabId })
          .catch((e) => this.errors.push(e))
          .finally(() => { if (tab.scripted) tab.reportState = 'done'; }));
        return [{ frameId: 0, result: 'pending' }];
      }
      case 'windows.update':
        return { id: a, focused: true };
      case 'tabs.reload': {
        const tab = this.tabs.get(a);
        if (!tab) throw new Error(`No tab with id: ${a}.`);
        this.reloads.push({ life: this.life, tabId: a, bypassCache: !!b?.bypassCache });
        setImmediate(() => this.load(a, tab.url, { bypassCache: !!b?.bypassCache }).catch((e) => this.errors.push(e)));
        return undefined;
      }
      case 'tabs.query':
        return [...this.tabs.values()];
      case 'tabs.sendMessage':
        throw new Error('Could not establish connection. Receiving end does not exist.');
      case 'windows.get':
        return { id: 1, focused: true };
      case 'permissions.contains': // Site access is granted, as Chromium does at install.
        return (a.permissions ?? []).every((p) => this.granted.has(p));
      case 'cookies.getAll':
        return this.cookiesFor(a.url).map((c) => ({ ...c }));
      case 'cookies.remove': {
        const { hostname } = new URL(a.url);
        const i = this.jar.findIndex((c) => c.name === a.name && c.domain.replace(/^\./, '') === hostname);
        if (i < 0) return null;
        const [gone] = this.jar.splice(i, 1);
        this.removedCookies.push({ life: this.life, name: gone.name, domain: gone.domain });
        return { url: a.url, name: a.name, storeId: gone.storeId };
      }
      case 'test.cookieHeader':
        return this.cookieHeader(a);
      default:
        // The toolbar (action.*) and notifications: nothing to keep.
        if (path.startsWith('action.') || path.startsWith('notifications.')) return undefined;
        throw new Error(`fake browser: no ${path}`);
    }
  }

  /** Polls until `predicate` holds, skipping the clock to the next alarm when `skip` says so. */
  waitFor(predicate, { timeout = 30_000, message, skipWaits = false } = {}) {
    return waitFor(async () => {
      if (skipWaits && !this.running) this.skipToNextAlarm();
      return predicate();
    }, { timeout, interval: 50, message });
  }

  async close() {
    this.closed = true;
    clearInterval(this.ticker);
    await this.kill();
  }
}
