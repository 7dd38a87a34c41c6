// Drive headless Firefox (ESR) with a temporarily installed WebExtension, over WebDriver
// classic (plain HTTP to geckodriver, no npm dependency) plus geckodriver's Firefox-specific
// endpoints (/moz/addon/install, /moz/context).
//
//   const browser = await launchFirefox({ extDir, geckoId });
//   const tab = await browser.openTab(server.url('/p'));
//   await tab.waitFor(async () => (await tab.title()) === 'Recovered');
//   await browser.close();
//
// Design notes
// - Page load strategy 'none': navigation commands (openTab, goto, click) return as soon as
//   Firefox has accepted them; nothing blocks on slow pages, dropped connections or error
//   pages. The price: right after goto() the old document may still be current, so tests
//   wait for what they expect with tab.waitFor() (or tab.waitForLoad()).
// - WebDriver classic acts on one "current window". Every public operation goes through a
//   promise queue, and each tab operation switches to its own window first when needed,
//   so the API is safe to call concurrently from one async test. waitFor() itself is not
//   queued (its predicate calls queued methods).
// - Test tabs are opened in one main window (next to a never-exposed about:blank anchor
//   tab); switching to a tab selects it in that window, as a user would. extensionEval()
//   uses a helper extension page in a *separate* window, so it never hides a test tab; it
//   switches back to the previously current tab afterwards.
// - The extension's origin is fixed by presetting extensions.webextensions.uuids.
// - stopBackground(), backgroundState() and cookieNames() run privileged code in the chrome
//   context (geckodriver --allow-system-access, POST /moz/context), each behind a check that
//   the interface it uses exists. Nothing imports Firefox-internal modules by path: those
//   move between versions (ESR 140 lacks modules of 153). tab.browserTabId() uses WebDriver
//   and the extension's own tabs API.
// - geckodriver runs in its own process group (Firefox and its content processes inherit
//   it); close() ends the session and then kills that group by id; a process 'exit' hook
//   does the same if a test crashes.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sleep, waitFor } from './wait.mjs';

const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';
// WebDriver's code points for the keys tests press (https://w3c.github.io/webdriver/#keyboard-actions).
const WEBDRIVER_KEYS = { Tab: '\uE004', Enter: '\uE007', Escape: '\uE00C', Space: '\uE00D' };

export function defaultGeckodriver() {
  const cargo = path.join(os.homedir(), '.cargo', 'bin', 'geckodriver');
  if (existsSync(cargo)) return cargo;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'geckodriver'))) return path.join(dir, 'geckodriver');
  }
  return null;
}

export const defaultFirefoxBin = () => process.env.FIREFOX_BIN ?? '/usr/bin/firefox-esr';

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export class WebDriverError extends Error {
  constructor(error, message, command) {
    super(`${command}: ${error}: ${message}`);
    this.error = error;
  }
}

// Prefs that keep Firefox quiet and stop it from making requests the tests would count.
const QUIET_PREFS = {
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  'app.update.disabledForTesting': true,
  'network.http.speculative-parallel-limit': 0,
  'network.prefetch-next': false,
  'network.dns.disablePrefetch': true,
  'browser.urlbar.speculativeConnect.enabled': false,
  'browser.places.speculativeConnect.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  // Show JSON (e.g. the server's /echo) as plain text, not in the JSON viewer.
  'devtools.jsonview.enabled': false,
  // Keep the extension's background under the tests' control: the normal idle unload is
  // 30 s; tests that want an unload call stopBackground(). Callers can override.
};

/**
 * @param {object} o
 * @param {string} o.extDir        unpacked extension directory (its manifest must carry o.geckoId)
 * @param {string} o.geckoId       browser_specific_settings.gecko.id
 * @param {string} [o.firefoxBin]
 * @param {string} [o.geckodriver]
 * @param {object} [o.prefs]       extra Firefox prefs
 * @param {string} [o.helperPage]  extension page used by extensionEval (default 'popup.html')
 * @param {boolean} [o.log]        pipe geckodriver/Firefox output to stderr
 * @param {boolean} [o.install]    install the add-on at launch (default); false: call
 *                                 `installAddon()` later, as a user who installs it
 *                                 while pages are already open
 * @param {boolean} [o.withoutExtension]  start Firefox with no add-on at all (a benchmark's
 *                                 baseline): extDir and geckoId are then not needed, and only
 *                                 openTab and close are of use
 */
export async function launchFirefox({
  extDir,
  geckoId,
  firefoxBin = defaultFirefoxBin(),
  geckodriver = process.env.GECKODRIVER ?? defaultGeckodriver(),
  prefs = {},
  helperPage = 'popup.html',
  log = !!process.env.E2E_BROWSER_LOG,
  install = true,
  withoutExtension = false,
} = {}) {
  if (withoutExtension) geckoId ??= 'none@bounceback.example';
  else if (!extDir || !geckoId) throw new Error('launchFirefox: extDir and geckoId are required');
  if (!geckodriver || !existsSync(geckodriver)) throw new Error(`geckodriver not found (${geckodriver})`);
  if (!existsSync(firefoxBin)) throw new Error(`Firefox not found at ${firefoxBin}`);

  const uuid = randomUUID();
  const extensionOrigin = `moz-extension://${uuid}`;
  const profile = await mkdtemp(path.join(os.tmpdir(), 'bounceback-ff-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;

  const gd = spawn(geckodriver, ['--host', '127.0.0.1', '--port', String(port), '--allow-system-access'], {
    detached: true, // own process group: Firefox inherits it, close() kills the group
    stdio: ['ignore', log ? 'inherit' : 'ignore', log ? 'inherit' : 'pipe'],
    env: { ...process.env, MOZ_HEADLESS: '1', MOZ_CRASHREPORTER_DISABLE: '1' },
  });
  let gdStderr = '';
  gd.stderr?.on('data', (d) => { gdStderr = (gdStderr + d).slice(-4000); });
  let gdExited = false;
  gd.once('exit', () => { gdExited = true; });
  const killGroup = (sig) => { try { process.kill(-gd.pid, sig); } catch { /* gone */ } };
  // If the test process dies, take Firefox with it: on 'exit', and on SIGINT/SIGTERM/SIGHUP
  // (geckodriver is in its own process group, so a terminal's Ctrl-C would not reach it).
  const onExit = () => {
    killGroup('SIGKILL');
    try { rmSync(profile, { recursive: true, force: true }); } catch { /* best effort */ }
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const onSignal = (sig) => {
    onExit();
    removeHooks();
    // Re-raise for the default action unless someone else handles the signal.
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  const removeHooks = () => {
    process.off('exit', onExit);
    for (const sig of signals) process.off(sig, onSignal);
  };
  process.once('exit', onExit);
  for (const sig of signals) process.on(sig, onSignal);

  let sessionId = null;
  let firefoxPid = null;
  const dialogs = [];

  async function wd(method, p, body, { timeout = 60_000 } = {}) {
    const url = sessionId && !p.startsWith('/status') && !p.startsWith('/session/') && p !== '/session'
      ? `${base}/session/${sessionId}${p}` : `${base}${p}`;
    const res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeout),
    });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { throw new WebDriverError('bad response', text.slice(0, 300), `${method} ${p}`); }
    const v = json.value;
    if (v && typeof v === 'object' && 'error' in v) {
      // With the default prompt behaviour ("dismiss and notify") a user prompt such as
      // Firefox's "resend POST data?" confirm is dismissed by the next command, which fails
      // with this error. Keep a log so tests can assert that no prompt appeared.
      if (v.error === 'unexpected alert open') dialogs.push({ time: Date.now(), handle: current, message: v.message, text: v.data?.text ?? null });
      throw new WebDriverError(v.error, v.message, `${method} ${p}`);
    }
    return v;
  }

  // A minimal promise queue: one WebDriver conversation at a time.
  let tail = Promise.resolve();
  const queued = (fn) => {
    const run = tail.then(fn, fn);
    tail = run.then(() => {}, () => {});
    return run;
  };

  let current = null; // handle of the current window (content context)
  async function ensure(handle) {
    if (current === handle) return;
    await wd('POST', '/window', { handle });
    current = handle;
  }

  async function execScript(script, args = [], { timeout } = {}) {
    // The function source is inlined (not eval'd in the page) so extension-page CSP is moot.
    const wrapped = `
      const done = arguments[arguments.length - 1];
      const args = Array.prototype.slice.call(arguments, 0, -1);
      const fn = (${script});
      Promise.resolve().then(() => fn(...args)).then(
        (v) => { try { done({ ok: true, json: v === undefined ? null : JSON.stringify(v) }); }
                 catch (e) { done({ ok: false, error: 'result not JSON-serialisable: ' + e }); } },
        (e) => done({ ok: false, error: String((e && e.stack) ? (e + '\\n' + e.stack) : e) }));`;
    const r = await wd('POST', '/execute/async', { script: wrapped, args }, { timeout: (timeout ?? 30_000) + 5_000 });
    if (!r?.ok) throw new Error(`script failed: ${r?.error}`);
    return r.json == null ? undefined : JSON.parse(r.json);
  }

  async function inChrome(script, args = []) {
    await wd('POST', '/moz/context', { context: 'chrome' });
    try {
      return await execScript(script, args);
    } finally {
      await wd('POST', '/moz/context', { context: 'content' });
    }
  }

  async function cleanup() {
    killGroup('SIGTERM');
    for (let i = 0; i < 25 && !gdExited; i++) await sleep(100);
    killGroup('SIGKILL');
    // Give Firefox's processes (same group) a moment to go away before removing the profile.
    for (let i = 0; i < 30 && firefoxPid && isAlive(firefoxPid); i++) await sleep(100);
    removeHooks();
    await rm(profile, { recursive: true, force: true, maxRetries: 3 });
  }

  let anchor; // about:blank tab that keeps the main window alive
  try {
    // Wait for geckodriver to listen.
    const t0 = Date.now();
    for (;;) {
      if (gdExited) throw new Error(`geckodriver exited early: ${gdStderr}`);
      try { if ((await wd('GET', '/status', undefined, { timeout: 1000 }))?.ready !== undefined) break; } catch { /* not yet */ }
      if (Date.now() - t0 > 15_000) throw new Error(`geckodriver did not start within 15 s: ${gdStderr}`);
      await sleep(100);
    }

    const caps = {
      browserName: 'firefox',
      pageLoadStrategy: 'none',
      acceptInsecureCerts: false,
      'moz:firefoxOptions': {
        binary: firefoxBin,
        args: ['-headless', '-profile', profile],
        prefs: {
          ...QUIET_PREFS,
          ...prefs,
          'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: uuid }),
        },
        log: { level: log ? 'info' : 'warn' },
      },
    };
    const s = await wd('POST', '/session', { capabilities: { alwaysMatch: caps } }, { timeout: 90_000 });
    sessionId = s.sessionId;
    firefoxPid = s.capabilities['moz:processID'] ?? null;
    await wd('POST', '/timeouts', { script: 30_000, pageLoad: 60_000, implicit: 0 });
    anchor = await wd('GET', '/window');
    current = anchor;
    if (install && !withoutExtension) await installAddon();
  } catch (e) {
    if (sessionId) await wd('DELETE', `/session/${sessionId}`, undefined, { timeout: 10_000 }).catch(() => {});
    await cleanup();
    throw e;
  }

  async function installAddon() {
    const addonId = await wd('POST', '/moz/addon/install', { path: path.resolve(extDir), temporary: true });
    if (addonId !== geckoId) throw new Error(`installed add-on id ${addonId} != geckoId ${geckoId}`);
  }

  let helper = null; // handle of the helper extension page (separate window)
  let closed = false;

  async function helperReady() {
    if (helper) return;
    const { handle } = await wd('POST', '/window/new', { type: 'window' });
    helper = handle;
    await ensure(helper);
    await wd('POST', '/url', { url: `${extensionOrigin}/${helperPage}` });
    const t0 = Date.now();
    for (;;) {
      const ok = await execScript(`() => document.readyState === 'complete' && location.protocol === 'moz-extension:' && typeof browser === 'object' && !!browser.runtime`).catch(() => false);
      if (ok) break;
      if (Date.now() - t0 > 15_000) throw new Error(`extension page ${extensionOrigin}/${helperPage} did not load (is the extension installed, does the page exist?)`);
      await sleep(100);
    }
  }

  function makeTab(handle) {
    let tabClosed = false;
    const op = (fn) => queued(async () => {
      if (tabClosed) throw new Error('tab is closed');
      await ensure(handle);
      return fn();
    });
    const tab = {
      handle,
      goto: (url) => op(() => wd('POST', '/url', { url }).then(() => {})),
      url: () => op(() => wd('GET', '/url')),
      title: () => op(() => wd('GET', '/title')),
      text: () => op(() => execScript(`() => document.body?.textContent ?? ''`)),
      evaluate: (fnSource, ...args) => op(() => execScript(String(fnSource), args)),
      click: (selector) => op(async () => {
        const el = await wd('POST', '/element', { using: 'css selector', value: selector });
        await wd('POST', `/element/${el[ELEMENT_KEY]}/click`, {});
      }),
      // The markup of the first `selector` element's shadow root, open or closed: WebDriver's
      // Get Element Shadow Root reaches closed ones too (they are closed to pages, not to automation).
      closedShadowHtml: (selector) => op(async () => {
        const el = await wd('POST', '/element', { using: 'css selector', value: selector });
        const root = await wd('GET', `/element/${el[ELEMENT_KEY]}/shadow`);
        return execScript('(root) => root.innerHTML', [root]);
      }),
      // Dark or light mode comes from the launch prefs (ui.systemUsesDarkTheme) in Firefox.
      colorScheme: async (scheme) => {
        // A page that has just loaded may still be replacing its document: ask again.
        let dark;
        for (let i = 0; ; i++) {
          try {
            dark = await tab.evaluate(`() => matchMedia('(prefers-color-scheme: dark)').matches`);
            break;
          } catch (e) {
            if (i >= 20) throw e;
            await sleep(150);
          }
        }
        if (dark !== (scheme === 'dark')) throw new Error(`this Firefox was launched in ${dark ? 'dark' : 'light'} mode; launch it with prefs { 'ui.systemUsesDarkTheme': ${scheme === 'dark' ? 1 : 0} }`);
      },
      // One key ('Tab', 'Enter', 'Escape', ' ' or a character), as a keyboard user presses it.
      press: (key) => op(async () => {
        const value = WEBDRIVER_KEYS[key] ?? key;
        await wd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions: [{ type: 'keyDown', value }, { type: 'keyUp', value }] }] });
        await wd('DELETE', '/actions');
      }),
      screenshot: (file) => op(async () => {
        const b64 = await wd('GET', '/screenshot');
        await mkdir(path.dirname(path.resolve(file)), { recursive: true });
        await writeFile(file, Buffer.from(b64, 'base64'));
        return file;
      }),
      // The WebExtension tabs API id, through public interfaces only: WebDriver's "switch to
      // window" selects this tab in its window (as a user's click would), then the helper
      // extension page (its own window) asks tabs.query for the active tab of every window
      // but its own. No browser-internal module is involved, so this holds across Firefox
      // versions (ESR 140's remote agent lacks modules that 153 has).
      browserTabId: () => queued(async () => {
        if (tabClosed) throw new Error('tab is closed');
        await ensure(handle);
        const back = current;
        await helperReady();
        await ensure(helper);
        let ids;
        try {
          ids = await execScript(`async () => {
            const api = globalThis.browser ?? chrome;
            const self = await api.tabs.getCurrent();
            const tabs = await api.tabs.query({ active: true });
            return tabs.filter((t) => t.windowId !== self.windowId).map((t) => ({ id: t.id, url: t.url ?? '' }));
          }`);
        } finally {
          if (back && back !== helper) await ensure(back).catch(() => { current = null; });
        }
        // One main window holds the test tabs, so exactly one active tab is left: this one.
        // (Its address is no check: the page may be navigating, e.g. a form being submitted,
        // and WebDriver and the tabs API can each see a different side of that.)
        if (ids.length !== 1) throw new Error(`no single WebExtension tab for handle ${handle} (active tabs: ${JSON.stringify(ids)})`);
        return ids[0].id;
      }),
      waitFor: (pred, opts) => waitForTab(pred, { ...opts, tab }),
      // Extra: text of an open user prompt (alert/confirm/resend-POST) without dismissing it,
      // or null when there is none.
      dialogText: () => op(() => wd('GET', '/alert/text').catch((e) => {
        if (e.error === 'no such alert') return null;
        throw e;
      })),
      // Extra: wait until a document other than the initial about:blank has finished loading.
      waitForLoad: ({ timeout = 15_000 } = {}) => waitForTab(
        async () => (await tab.evaluate(`() => document.readyState === 'complete' && location.href !== 'about:blank'`).catch(() => false)),
        { timeout, tab, message: 'page load' }),
      close: () => queued(async () => {
        if (tabClosed) return;
        await ensure(handle);
        await wd('DELETE', '/window');
        current = null;
        tabClosed = true;
      }),
    };
    return tab;
  }

  function waitForTab(pred, { tab, ...options } = {}) {
    const describe = tab ? async () => {
      if (closed) return '';
      const [u, t] = await Promise.all([tab.url().catch((e) => `? ${e.message}`), tab.title().catch(() => '?')]);
      return `[tab url=${u} title=${JSON.stringify(t)}]`;
    } : undefined;
    return waitFor(pred, { ...options, describe });
  }

  return {
    name: 'firefox',
    extensionOrigin,
    geckoId,
    profileDir: profile,
    pids: { geckodriver: gd.pid, firefox: firefoxPid },
    // Extra: user prompts that WebDriver commands ran into (and dismissed), oldest first.
    dialogs,

    /** Installs the add-on now (launched with `install: false`). */
    installAddon: () => queued(installAddon),

    openTab: (url) => queued(async () => {
      // New tabs go to the main window (the anchor's), never to the helper's window.
      await ensure(anchor);
      const { handle } = await wd('POST', '/window/new', { type: 'tab' });
      await ensure(handle);
      if (url) await wd('POST', '/url', { url });
      return makeTab(handle);
    }),

    extensionEval: (fnSource, ...args) => queued(async () => {
      const back = current;
      await helperReady();
      await ensure(helper);
      try {
        return await execScript(String(fnSource), args);
      } finally {
        if (back && back !== helper) await ensure(back).catch(() => { current = null; });
      }
    }),

    /** The text on the system clipboard, read by the browser itself (nsIClipboard, chrome context). */
    clipboardText: () => queued(() => inChrome(`() => {
      const trans = Cc['@mozilla.org/widget/transferable;1'].createInstance(Ci.nsITransferable);
      trans.init(null);
      trans.addDataFlavor('text/plain');
      Services.clipboard.getData(trans, Ci.nsIClipboard.kGlobalClipboard);
      const out = {};
      try { trans.getTransferData('text/plain', out); } catch { return ''; }
      return out.value.QueryInterface(Ci.nsISupportsString).data;
    }`)),

    /** The names of the cookies the browser would send to `url`, read by the browser itself (not the extension). */
    cookieNames: (url) => queued(() => inChrome(`(url) => {
      const u = new URL(url);
      const path = u.pathname || '/';
      if (typeof Services?.cookies?.getCookiesFromHost !== 'function') throw new Error('this Firefox has no Services.cookies.getCookiesFromHost');
      return Services.cookies.getCookiesFromHost(u.hostname, {})
        .filter((c) => (c.host.replace(/^\./, '') === u.hostname || u.hostname.endsWith(c.host))
          && (path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : c.path + '/'))
          && (!c.isSecure || u.protocol === 'https:'))
        .map((c) => c.name).sort();
    }`, [url])),

    // Extra: 'running' | 'stopped' | 'starting' | 'suspending' | null (not installed).
    // Chrome-context calls (geckodriver --allow-system-access): each checks that the interface
    // it needs exists in this Firefox and says so plainly when it does not.
    backgroundState: () => queued(() => inChrome(`(id) => {
      if (typeof WebExtensionPolicy?.getByID !== 'function') throw new Error('this Firefox has no WebExtensionPolicy.getByID');
      return WebExtensionPolicy.getByID(id)?.extension?.backgroundState ?? null;
    }`, [geckoId])),

    stopBackground: ({ timeout = 10_000 } = {}) => queued(() => inChrome(`async (id, timeout) => {
      if (typeof WebExtensionPolicy?.getByID !== 'function') throw new Error('this Firefox has no WebExtensionPolicy.getByID');
      const ext = WebExtensionPolicy.getByID(id)?.extension;
      if (!ext) throw new Error('extension ' + id + ' not installed');
      if (typeof ext.terminateBackground !== 'function') throw new Error('this Firefox cannot stop an extension background (no Extension.terminateBackground)');
      const t0 = Date.now();
      // A background that is still starting is terminated once it runs.
      while (ext.backgroundState === 'starting' && Date.now() - t0 < timeout) await new Promise((r) => setTimeout(r, 50));
      if (ext.backgroundState === 'stopped') return 'already-stopped';
      await ext.terminateBackground({ ignoreDevToolsAttached: true, disableResetIdleForTest: true });
      while (ext.backgroundState !== 'stopped') {
        if (Date.now() - t0 > timeout) throw new Error('background still ' + ext.backgroundState + ' after ' + timeout + ' ms');
        await new Promise((r) => setTimeout(r, 50));
      }
      return 'stopped';
    }`, [geckoId, timeout])),

    async close() {
      if (closed) return;
      closed = true;
      await tail.catch(() => {});
      if (sessionId) await wd('DELETE', `/session/${sessionId}`, undefined, { timeout: 15_000 }).catch(() => {});
      await cleanup();
    },
  };
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0): treat it as gone.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

