// End to end: Bounceback under abuse. Hostile pages cannot steer it at another site, a
// background killed between the check and the reload neither loses nor doubles the reload,
// and nothing leaves the browser except requests to the failing site itself.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { BROWSERS, requireDist } from './lib/browsers.mjs';
import { extensionApi } from './lib/extension.mjs';
import { startRecordingProxy } from './lib/proxy.mjs';
import { startFlakyServer } from './lib/server.mjs';
import { sleep } from './lib/wait.mjs';

requireDist();

const it = (name, fn) => test(name, { timeout: 150_000 }, fn);
const FAST = { quickCheckMs: 500, baseMs: 1000, stepMs: 500, capMs: 2000, floorMs: 500, maxAttempts: 6, cookieClearing: 'ask' };
const recovered = (tab) => async () => (await tab.title()) === 'Recovered';

// The browsers' own services (sign-in, component updates, remote settings) talk to their
// vendors whatever extensions do; such traffic is not ours and is set aside by host. Any other
// destination — an analytics host, a CDN, the extension author's server — fails the test.
const BROWSER_VENDOR = /(^|\.)(google\.com|googleapis\.com|gvt1\.com|gstatic\.com|mozilla\.(com|net|org)|firefox\.com)(:\d+)?$/;

// Browser options that send every request through the recording proxy, loopback included.
const viaProxy = {
  chromium: (port) => ({ args: [`--proxy-server=http://127.0.0.1:${port}`, '--proxy-bypass-list=<-loopback>'] }),
  firefox: (port) => ({
    prefs: {
      'network.proxy.type': 1,
      'network.proxy.http': '127.0.0.1',
      'network.proxy.http_port': port,
      'network.proxy.ssl': '127.0.0.1',
      'network.proxy.ssl_port': port,
      'network.proxy.no_proxies_on': '',
      'network.proxy.allow_hijacking_localhost': true,
    },
  }),
};

for (const [name, launch] of Object.entries(BROWSERS)) {
  describe(`${name}: trust`, () => {
    let browser;
    let server;
    let proxy;
    const tabs = [];
    const open = async (url) => { const t = await browser.openTab(url); tabs.push(t); return t; };
    const settings = (overrides) => extensionApi(browser).saveSettings({ ...FAST, ...overrides });
    const view = (tabId) => extensionApi(browser).view(tabId);
    /** Waits until the background can do nothing more by itself (see extensionApi().idle). */
    const settled = (tab, message = 'the background to settle') => tab.waitFor(() => extensionApi(browser).idle(), { timeout: 30_000, message });

    before(async () => {
      server = await startFlakyServer();
      proxy = await startRecordingProxy({ allowed: [`127.0.0.1:${server.port}`, `localhost:${server.port}`] });
      browser = await launch(viaProxy[name](proxy.port));
    });
    afterEach(async () => { while (tabs.length) await tabs.pop().close(); });
    after(async () => {
      await browser?.close();
      await server?.close();
      await proxy?.close();
    });

    it('a page posing as another site\'s error page causes no request to that site', async () => {
      await settings({});
      server.route('/victim', {});
      const victim = server.url('/victim', 'localhost');
      server.route('/hostile', {
        okBody: `<!doctype html><title>502 Bad Gateway</title><h1>502 Bad Gateway</h1>
          <p>${victim} is down. nginx</p><a href="${victim}">retry</a>
          <script>
            // Tries to talk to the extension directly: pages have no channel to it.
            try { chrome.runtime.sendMessage('${'x'.repeat(32)}', { type: 'command', tabId: 1, command: { type: 'hardReload' } }); } catch (e) {}
            window.postMessage({ type: 'pageHtmlSeen', html: '<title>502 Bad Gateway</title>${victim}' }, '*');
          </script>`,
      });
      await open(server.url('/hostile'));
      // A negative check the background cannot confirm (the content script's report of the
      // page text is not observable), so this waits it out.
      await sleep(6000);
      assert.equal(server.count('/victim'), 0, 'the other site was never contacted');
      // Whatever Bounceback did, it did to the hostile page's own URL.
      for (const r of server.requests().filter((r) => r.path !== '/hostile')) {
        assert.notEqual(r.headers.host, `localhost:${server.port}`, `request to ${r.path} on another host`);
      }
    });

    it('garbage and oversized messages get an error back, and the background goes on recovering pages', async () => {
      await settings({});
      const huge = 'x'.repeat(2_000_000);
      const garbage = [
        null, 'getView', 42, [1, 2], {}, { type: 'noSuchType' }, { type: 'getView' }, { type: 'getView', tabId: -1 },
        { type: 'getView', tabId: 1, extra: true }, { type: 'command', tabId: 1, command: { type: 'hardReload', bypass: 1 } },
        { type: 'command', tabId: 1, command: 'stop' }, { type: 'saveSettings', settings: [] },
        { type: 'bannerCommand', command: { type: 'retryNow' } }, // only a web page's own banner may
        { type: 'pageHtmlSeen', html: huge }, // only a web page may (and never this much)
        { type: huge },
      ];
      const answers = await browser.extensionEval(`async (garbage) => {
        const out = [];
        for (const m of garbage) {
          try { out.push(await (globalThis.browser ?? chrome).runtime.sendMessage(m)); } catch (e) { out.push({ thrown: String(e.message ?? e).slice(0, 80) }); }
        }
        return out;
      }`, garbage);
      assert.equal(answers.length, garbage.length);
      answers.forEach((a, i) => {
        const refused = a?.thrown != null || (a?.ok === false && typeof a.error === 'string' && a.error.length > 0);
        assert.ok(refused, `message ${i} (${JSON.stringify(garbage[i]).slice(0, 60)}) refused with an error: ${JSON.stringify(a).slice(0, 200)}`);
      });
      // Settings that are not settings: refused (bad values field by field), nothing saved.
      const send = extensionApi(browser).send;
      const unreadable = await send({ type: 'saveSettings', settings: { ...FAST, baseMs: huge } });
      assert.equal(unreadable.ok, false);
      assert.ok(unreadable.errors.length >= 1 && unreadable.errors.every((e) => e.message.length < 1000), 'a short error, not the input back');
      const bad = await send({ type: 'saveSettings', settings: { ...FAST, baseMs: -3, maxAttempts: 0 } });
      assert.deepEqual(bad.ok ? [] : bad.errors.map((e) => e.field).sort(), ['baseMs', 'maxAttempts']);
      assert.equal((await send({ type: 'getSettings' })).baseMs, FAST.baseMs);
      // And it still does its job.
      server.route('/after-garbage', { failFirst: 2 });
      const tab = await open(server.url('/after-garbage'));
      await tab.waitFor(recovered(tab), { timeout: 60_000, message: 'the recovered page' });
    });

    it('a page flooding its DOM with mutations costs one look, not one per mutation', async () => {
      await settings({});
      server.route('/flood', {
        okBody: `<!doctype html><title>Loading</title><div id=d></div><script>
          let n = 0; const d = document.getElementById('d');
          const t = setInterval(() => { for (let i = 0; i < 500; i++) { const p = document.createElement('p'); p.textContent = '502 Bad Gateway ' + (n++); d.append(p); if (d.childElementCount > 400) d.firstChild.remove(); } }, 10);
          setTimeout(() => clearInterval(t), 5000);
        </script>`,
      });
      const tab = await open(server.url('/flood'));
      // As above: the mutations stop after 5 s; this waits out the content script's looks.
      await sleep(6000);
      assert.equal(server.count('/flood'), 1, 'the page was loaded once and never retried');
      assert.equal(await tab.title(), 'Loading');
    });

    it('a background stopped between the check and the reload reloads exactly once', async () => {
      await settings({ baseMs: 3000, capMs: 3000, floorMs: 3000 });
      // Load fails, the first check fails, the second check passes, then one reload.
      server.route('/between', { failFirst: 2 });
      const tab = await open(server.url('/between'));
      await tab.waitFor(async () => server.count('/between') >= 2, { timeout: 30_000, message: 'the first check' });
      await browser.stopBackground();
      await tab.waitFor(recovered(tab), { timeout: 90_000, interval: 500, message: 'the recovered page' });
      await settled(tab);
      const gets = server.requests('/between').filter((r) => r.method === 'GET').length;
      assert.equal(gets, 2, `one failed load and exactly one reload: ${server.requests('/between').map((r) => r.method)}`);
    });

    it('after a browser restart the settings and the history are still there, and old recoveries are over', async () => {
      await settings({ maxAttempts: 5 });
      server.route('/history', { failFirst: 1 });
      server.route('/forever', { failFirst: 1e9 });
      const tab = await open(server.url('/history'));
      await tab.waitFor(recovered(tab), { timeout: 60_000, message: 'the recovered page' });
      const failing = await open(server.url('/forever'));
      await failing.waitFor(async () => server.count('/forever') >= 1, { message: 'a failing tab' });
      const failingId = await failing.browserTabId();
      await failing.waitFor(async () => (await view(failingId)).state === 'recovering', { message: 'the recovery under way' });
      const ask = (type) => extensionApi(browser).send({ type });
      assert.ok((await ask('getIncidents')).some((i) => i.url === server.url('/history')), 'the incident is recorded');
      // What a browser restart does to an extension: storage.session is gone, the background starts afresh.
      // (Stopped first, so the old instance cannot write its state back after the clear.)
      await browser.stopBackground();
      await browser.extensionEval(`async () => (globalThis.browser ?? chrome).storage.session.clear()`);
      await browser.stopBackground();
      assert.ok((await ask('getIncidents')).some((i) => i.url === server.url('/history')), 'the incident survived');
      assert.equal((await ask('getSettings')).maxAttempts, 5, 'the settings survived');
      const count = server.count('/forever');
      await settled(failing, 'the old recovery to end');
      assert.equal(server.count('/forever'), count, 'the old recovery ended cleanly');
    });

    // Runs last: the proxy has by then recorded every request of this browser's whole session.
    it('nothing leaves the browser except requests to the failing site itself', async () => {
      await settings({ cookieClearing: 'automatic' });
      const since = Date.now();
      server.route('/private', { failFirst: 3 });
      const tab = await open(server.url('/private'));
      await tab.waitFor(recovered(tab), { timeout: 90_000, message: 'the recovered page' });
      await settled(tab);
      const ours = [`127.0.0.1:${server.port}`, `localhost:${server.port}`];
      const elsewhere = proxy.seen.filter((r) => !ours.includes(r.destination) && !BROWSER_VENDOR.test(r.destination.replace(/:\d+$/, '')));
      assert.deepEqual(elsewhere.map((r) => `${r.method} ${r.url}`), []);
      // The extension's checks (HEAD: pages here never send one) went through the proxy, to the failing page.
      const checks = proxy.seen.filter((r) => r.method === 'HEAD' && r.time >= since);
      assert.ok(checks.length >= 1, `the proxy saw the extension's checks: ${JSON.stringify(proxy.seen.map((r) => [r.method, r.url]))}`);
      for (const r of checks) assert.equal(r.url, server.url('/private'));
    });

    if (name === 'chromium') {
      it('loads without warnings or errors on Chromium\'s extension page', async () => {
        const page = await browser.context.newPage();
        try {
          await page.goto('chrome://extensions');
          const info = await page.evaluate(async () => (await chrome.developerPrivate.getExtensionsInfo())
            .filter((e) => e.name === 'Bounceback')
            .map((e) => ({ installWarnings: e.installWarnings, manifestErrors: e.manifestErrors, runtimeErrors: e.runtimeErrors })));
          assert.deepEqual(info, [{ installWarnings: [], manifestErrors: [], runtimeErrors: [] }]);
        } finally {
          await page.close();
        }
      });
    }

    // Firefox users may withhold site access from an MV3 extension; Chromium grants it at
    // install and refuses to take it back, so this is Firefox's alone. Runs last: it leaves
    // the extension without access.
    if (name === 'firefox') {
      it('without site access it says so and offers to ask, instead of doing nothing', async () => {
        const removed = await browser.extensionEval(
          `async () => browser.permissions.remove({ origins: ['http://*/*', 'https://*/*'] })`);
        assert.equal(removed, true);
        const popup = await open(`${browser.extensionOrigin}/popup.html`);
        await popup.waitFor(async () => popup.evaluate('() => !document.getElementById("access").hidden'), { message: 'the access notice' });
        assert.match(await popup.evaluate('() => document.getElementById("access").textContent'), /access/i);
        assert.equal(await popup.evaluate('() => document.getElementById("grantAccess").tagName'), 'BUTTON');
        const title = await browser.extensionEval(`async () => browser.action.getTitle({})`);
        assert.match(title, /access/i);
      });
    }
  });
}
