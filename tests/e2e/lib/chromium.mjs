// Drives the system Chromium, headless, with an unpacked extension loaded, through
// playwright-core (which never downloads a browser of its own).
//
// It offers the same small interface as firefox.mjs, so each end-to-end test is written once
// and runs in both browsers: openTab, extensionEval, stopBackground, cookieNames, close; tabs have goto,
// url, title, text, evaluate, waitFor, click, screenshot, browserTabId, close.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { waitFor } from './wait.mjs';

export async function launchChromium({ extDir, chromiumBin = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', args = [], headless = true, extraExtensions = [] }) {
  const profile = await mkdtemp(join(tmpdir(), 'bounceback-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumBin,
    headless,
    args: [
      '--disable-gpu', '--disable-quic', '--disable-sync', '--no-first-run',
      '--disable-component-update', '--disable-background-networking',
      // Chromium reloads its own network-error pages by itself; the tests are about ours.
      '--disable-auto-reload',
      // Extra extensions (test helpers) must have no background, so the first worker is ours.
      `--disable-extensions-except=${[extDir, ...extraExtensions].join(',')}`, `--load-extension=${[extDir, ...extraExtensions].join(',')}`,
      ...args,
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
  const extensionId = new URL(worker.url()).host;
  const extensionOrigin = `chrome-extension://${extensionId}`;
  const logs = [];
  context.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  const watchWorker = (w) => w.on('console', (m) => logs.push(`[worker ${m.type()}] ${m.text()}`));
  watchWorker(worker);
  context.on('serviceworker', watchWorker);

  let helper = null; // An extension page kept open to run extension API calls in.
  async function helperPage() {
    if (!helper || helper.isClosed()) {
      helper = await context.newPage();
      await helper.goto(`${extensionOrigin}/options.html`);
    }
    return helper;
  }

  const browser = {
    name: 'chromium',
    extensionOrigin,
    logs,
    context,

    async openTab(url) {
      const page = await context.newPage();
      page.goto(url).catch(() => {}); // Error pages are expected; callers wait for what they need.
      return makeTab(page, browser);
    },

    extensionId,

    async extensionEval(fnSource, ...fnArgs) {
      const page = await helperPage();
      return page.evaluate(([src, a]) => (0, eval)(`(${src})`)(...a), [fnSource, fnArgs]);
    },

    /** Stops the background service worker, as Chromium does after ~30 s idle. */
    async stopBackground() {
      const page = await helperPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      await cdp.detach();
    },

    /** The names of the cookies the browser would send to `url`, read by the browser itself (not the extension). */
    async cookieNames(url) {
      return (await context.cookies(url)).map((c) => c.name).sort();
    },

    /**
     * The text on the system clipboard, read back by `tab`, a web page (http or https: Chromium
     * grants clipboard permissions to web origins only) allowed to read it as a user would allow it.
     */
    async clipboardText(tab) {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(tab.page.url()).origin });
      await tab.page.bringToFront();
      return tab.page.evaluate(() => navigator.clipboard.readText());
    },

    /** Runs a function in the background service worker (Chromium only). */
    async backgroundEval(fnSource, ...fnArgs) {
      const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
      return sw.evaluate(([src, a]) => (0, eval)(`(${src})`)(...a), [fnSource, fnArgs]);
    },

    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
  return browser;
}

function makeTab(page, browser) {
  return {
    page,
    goto: (url) => page.goto(url).catch(() => {}),
    url: async () => page.url(),
    title: () => page.title().catch(() => ''),
    text: () => page.evaluate(() => document.body?.textContent ?? '').catch(() => ''),
    evaluate: (fnSource, ...args) => page.evaluate(([src, a]) => (0, eval)(`(${src})`)(...a), [fnSource, args]),
    waitFor: (predicate, options) => waitFor(predicate, options),
    click: (selector) => page.click(selector),
    /** Presses one key ('Tab', 'Enter', ...) in the page, as a keyboard user would. */
    press: (key) => page.keyboard.press(key),
    screenshot: (path) => page.screenshot({ path }),
    async browserTabId() {
      const url = page.url();
      const ids = await browser.extensionEval(
        `async (url) => (await chrome.tabs.query({})).filter((t) => t.url === url).map((t) => t.id)`, url);
      if (ids.length !== 1) throw new Error(`cannot tell which tab shows ${url}: ${JSON.stringify(ids)}`);
      return ids[0];
    },
    /** Follows the system's light or dark mode as given ('light' | 'dark'). */
    colorScheme: (scheme) => page.emulateMedia({ colorScheme: scheme }),
    /**
     * The markup of the (closed) shadow root of the first `selector` element: closed to the page,
     * not to the browser's DevTools protocol, which this reads it through.
     */
    async closedShadowHtml(selector) {
      const cdp = await page.context().newCDPSession(page);
      try {
        const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
        const [name] = selector.split(/[^\w-]/);
        const find = (n) => (n.localName === name ? n : [...(n.children ?? []), ...(n.shadowRoots ?? [])].map(find).find(Boolean));
        const host = find(root);
        if (!host?.shadowRoots?.length) throw new Error(`no shadow root on ${selector}`);
        const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: host.shadowRoots[0].backendNodeId });
        const { result } = await cdp.send('Runtime.callFunctionOn', { objectId: object.objectId, functionDeclaration: 'function () { return this.innerHTML; }', returnByValue: true });
        return result.value;
      } finally {
        await cdp.detach().catch(() => {});
      }
    },
    close: () => page.close().catch(() => {}),
  };
}
