// One life of the extension's background, in a Node worker thread: the built background.js
// and its wasm core, unchanged, with `chrome` standing for a browser that lives in the parent
// thread (fake-browser.mjs). Every API call is a message to the parent, which may answer it,
// or terminate this thread instead, as a browser stops a service worker at any moment.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { extDir, clock, online, extensionId } = workerData;

// The parent's clock: real time plus an offset it may move forward (to skip long waits).
const offset = new Float64Array(clock);
const realNow = Date.now.bind(Date);
Date.now = () => realNow() + offset[0];

const locale = JSON.parse(readFileSync(`${extDir}/_locales/en/messages.json`, 'utf8'));

let nextId = 0;
const pending = new Map();
function call(path, args) {
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve, reject });
    parentPort.postMessage({ type: 'call', id, path, args });
  });
}

const listeners = new Map(); // 'webRequest.onCompleted' -> [fn]
function event(path) {
  if (!listeners.has(path)) listeners.set(path, []);
  const fns = listeners.get(path);
  return {
    addListener: (fn) => { fns.push(fn); },
    removeListener: (fn) => { const i = fns.indexOf(fn); if (i >= 0) fns.splice(i, 1); },
    hasListener: (fn) => fns.includes(fn),
  };
}

/** What a browser answers without a round trip (synchronous APIs). */
const LOCAL = {
  'runtime.id': extensionId,
  'runtime.getURL': (path) => `chrome-extension://${extensionId}/${String(path).replace(/^\//, '')}`,
  'i18n.getMessage': (key, subs = []) => {
    const m = locale[key]?.message;
    return m ? m.replace(/\$(\d)/g, (_, n) => subs[Number(n) - 1] ?? '') : '';
  },
  'i18n.getUILanguage': () => 'en',
};

const events = new Map();
/** `chrome.a.b(...)` becomes a call of 'a.b'; `chrome.a.onX` an event kept here. */
function node(path) {
  return new Proxy(function api() {}, {
    get(_, name) {
      if (typeof name !== 'string' || name === 'then') return undefined;
      const child = path ? `${path}.${name}` : name;
      if (Object.hasOwn(LOCAL, child)) return LOCAL[child];
      if (/^on[A-Z]/.test(name)) {
        if (!events.has(child)) events.set(child, event(child));
        return events.get(child);
      }
      return node(child);
    },
    apply: (_, __, args) => call(path, args),
  });
}

globalThis.chrome = node('');
globalThis.self = globalThis;
// The connection, as the parent says: navigator.onLine, and 'online'/'offline' events.
Object.defineProperty(globalThis, 'navigator', { value: { get onLine() { return Atomics.load(online, 0) === 1; } }, configurable: true });
const windowListeners = new Map();
globalThis.addEventListener = (type, fn) => {
  if (!windowListeners.has(type)) windowListeners.set(type, []);
  windowListeners.get(type).push(fn);
};

// The background loads its wasm with fetch(); page requests (probes) go to the real network
// (the test's server on 127.0.0.1), with the parent's cookies when credentials are included.
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init = {}) => {
  const url = String(input instanceof Request ? input.url : input);
  if (url.startsWith('file:')) {
    return new Response(readFileSync(new URL(url)), { headers: { 'content-type': 'application/wasm' } });
  }
  const headers = new Headers(init.headers);
  if (init.credentials === 'include') {
    const cookie = await call('test.cookieHeader', [url]);
    if (cookie) headers.set('cookie', cookie);
  }
  return realFetch(url, { ...init, headers, credentials: 'omit' });
};

parentPort.on('message', (m) => {
  if (m.type === 'reply') {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(new Error(m.error));
  } else if (m.type === 'connectivity') {
    for (const fn of windowListeners.get(m.online ? 'online' : 'offline') ?? []) fn(new Event(m.online ? 'online' : 'offline'));
  } else if (m.type === 'event') {
    // A runtime message's sender gets the answer back through the parent (`respond`).
    const respond = m.respond == null ? [] : [(value) => parentPort.postMessage({ type: 'response', id: m.respond, value })];
    for (const fn of listeners.get(m.path) ?? []) fn(...m.args, ...respond);
  }
});

// Every event the background feeds its core is reported to the parent, which records them for
// the wasm boundary test to replay (lib/recorded-events.mjs). Same module as background.js
// imports, so patching its class here reaches the core the background makes.
const wasm = await import(pathToFileURL(`${extDir}/wasm/bounceback.js`).href);
const handle = wasm.Core.prototype.handle;
wasm.Core.prototype.handle = function recordedHandle(event, nowMs) {
  parentPort.postMessage({ type: 'coreEvent', event });
  return handle.call(this, event, nowMs);
};

await import(pathToFileURL(`${extDir}/background.js`).href);
parentPort.postMessage({ type: 'ready' });
