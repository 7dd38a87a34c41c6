// End to end, as a user: beyond retrying. The popup of a failing tab draws the way to the site
// with the broken link marked and says it in one sentence; "Copy a report for the site" puts a
// report with the request ids the site sent on the real clipboard (read back by the browser);
// "Read a saved copy" points at the Internet Archive and nothing goes there before the click
// (a recording proxy sees every request); axe-core finds nothing in the popup (each state), the
// options page and the banner, light and dark; every popup control works from the keyboard.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { after, afterEach, before, describe, test } from 'node:test';
import { BROWSERS, requireDist } from './lib/browsers.mjs';
import { extensionApi, optionsPage } from './lib/extension.mjs';
import { startRecordingProxy } from './lib/proxy.mjs';
import { cloudflareErrorBody, startFlakyServer } from './lib/server.mjs';
import { browserSuite } from './lib/suite.mjs';

requireDist();

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const EN = JSON.parse(readFileSync(new URL('../../extension/_locales/en/messages.json', import.meta.url), 'utf8'));
const en = (key, ...subs) => subs.reduce((text, s, i) => text.replaceAll(`$${i + 1}`, s), EN[key].message);

const SLOW = { quickCheckMs: 500, baseMs: 30_000, stepMs: 500, capMs: 30_000, floorMs: 30_000, maxAttempts: 6, cookieClearing: 'ask', banner: true };
const FAST = { quickCheckMs: 500, baseMs: 1000, stepMs: 500, capMs: 2000, floorMs: 500, maxAttempts: 6, cookieClearing: 'ask', banner: true };
const NO_END = 1e9;
const RAY = '8a1b2c3d4e5f6789-AMS';
const REQUEST_ID = 'req-7f3a9c21';
const CF_522 = (host) => ({
  failFirst: NO_END,
  failStatus: 522,
  failHeaders: { Server: 'cloudflare', 'CF-RAY': RAY, 'X-Request-Id': REQUEST_ID },
  failBody: cloudflareErrorBody(522, host),
});

const it = (name, fn) => test(name, { timeout: 150_000 }, fn);

/** A port on 127.0.0.1 that nothing listens on (a refused connection). */
async function closedPort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** Runs axe-core in `tab` (its source inlined: extension pages allow no eval) over `include`. */
async function axe(tab, include = null) {
  const found = await tab.evaluate(`async (include) => {
    ${AXE}
    try {
      const r = await axe.run(include ? { include } : document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary).slice(0, 3) }));
    } catch (e) {
      return { axeFailed: String(e), stack: String(e && e.stack) };
    }
  }`, include);
  if (found.axeFailed) throw new Error(`axe-core could not run: ${found.axeFailed}\n${found.stack}`);
  return found;
}

/** The popup's path as drawn: each hop's name, state and the words a screen reader says. */
const drawnPath = (popup) => popup.evaluate(`() => document.getElementById('path').hidden ? null : {
  hops: [...document.querySelectorAll('#hops li')].map((li) => ({ hop: li.dataset.hop, state: li.className, said: li.textContent })),
  sentence: document.getElementById('diagSentence').textContent,
}`);

for (const [name, launch] of Object.entries(BROWSERS)) {
  describe(`${name}: which hop failed, and a report for the site`, () => {
    let browser;
    let server;
    const open = browserSuite(launch, (b, s) => { browser = b; server = s; });
    const settings = (overrides = {}) => extensionApi(browser).saveSettings({ ...SLOW, ...overrides });
    const view = (tabId) => extensionApi(browser).view(tabId);

    /** The tab id of `tab` showing `url`, also when the browser shows its own error page there. */
    const tabIdOf = (tab, url) => tab.waitFor(async () => (await tab.browserTabId().catch(() => null)) ?? (await browser.extensionEval(
      `async (url) => { const ids = (await (globalThis.browser ?? chrome).tabs.query({})).filter((t) => t.url === url).map((t) => t.id); return ids.length === 1 ? ids[0] : null; }`, url)),
    { message: 'the tab id' });

    async function failingPopup(url) {
      const tab = await open(url);
      const tabId = await tabIdOf(tab, url);
      await tab.waitFor(async () => (await view(tabId)).diagnosis != null, { timeout: 20_000, message: 'a diagnosis' });
      const popup = await open(`${browser.extensionOrigin}/popup.html?tab=${tabId}`);
      await popup.waitFor(() => drawnPath(popup), { message: 'the path in the popup' });
      return { tab, tabId, popup };
    }

    it('a Cloudflare 522: the CDN works, the link to the site\'s server is broken, said in one sentence', async () => {
      await settings();
      server.route('/d-522', CF_522('127.0.0.1'));
      const { popup } = await failingPopup(server.url('/d-522'));
      const { hops, sentence } = await drawnPath(popup);
      assert.deepEqual(hops.map((h) => [h.hop, h.state]),
        [['browser', 'ok'], ['network', 'ok'], ['cdn', 'ok'], ['server', 'broken'], ['application', 'unknown']]);
      assert.ok(hops[2].said.includes('Cloudflare'), 'the CDN is named');
      assert.ok(hops[3].said.includes(en('hopState_broken')), 'the broken link is said, not only drawn');
      assert.equal(sentence, en('diag_cdnOriginTimedOut', 'Cloudflare'));
    });

    it('an nginx 502: the application behind the server; a refused connection: the server, no CDN', async () => {
      await settings();
      server.route('/d-502', { failFirst: NO_END });
      const nginx = await failingPopup(server.url('/d-502'));
      const a = await drawnPath(nginx.popup);
      assert.deepEqual(a.hops.map((h) => [h.hop, h.state]), [['browser', 'ok'], ['network', 'ok'], ['server', 'ok'], ['application', 'broken']]);
      assert.ok(a.hops[2].said.includes('nginx'));
      assert.equal(a.sentence, en('diag_appBadAnswer'));

      const refused = await failingPopup(`http://127.0.0.1:${await closedPort()}/gone`);
      const b = await drawnPath(refused.popup);
      assert.deepEqual(b.hops.map((h) => [h.hop, h.state]), [['browser', 'ok'], ['network', 'ok'], ['server', 'broken'], ['application', 'unknown']]);
      assert.equal(b.sentence, en('diag_refused', en('hop_cdn'), '127.0.0.1'));
    });

    it('"Copy a report for the site" puts the report on the clipboard, with the request ids the site sent', async () => {
      await settings();
      server.route('/d-report', CF_522('127.0.0.1'));
      const url = server.url('/d-report');
      const { popup, tab } = await failingPopup(url);
      await popup.click('#copyReport');
      await popup.waitFor(async () => (await popup.evaluate(`() => document.getElementById('copyStatus').textContent`)) === en('reportCopied'),
        { message: 'the popup to say it copied' });
      // Chromium reads it back in a web page (the failing one), Firefox in its own chrome.
      const text = await browser.clipboardText(tab);
      const lines = text.split('\n');
      assert.equal(lines[0], en('report_title'));
      assert.ok(lines.includes(en('report_page', url)), text);
      assert.ok(lines.includes(en('report_statusFrom', '522', 'Cloudflare')), text);
      assert.ok(lines.includes(`  cf-ray: ${RAY}`) && lines.includes(`  x-request-id: ${REQUEST_ID}`), text);
      assert.match(text, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
      assert.ok(lines.includes(en('report_meaning', en('diag_cdnOriginTimedOut', 'Cloudflare'))), text);
      assert.equal(await popup.evaluate(`() => document.getElementById('reportText').value`), text, 'the box shows what was copied');
    });

    it('keyboard only: Tab reaches every control of the popup, Enter and Space work them', async () => {
      await settings();
      server.route('/d-keys', CF_522('127.0.0.1'));
      const { popup, tabId } = await failingPopup(server.url('/d-keys'));
      const controls = await popup.evaluate(`() => [...document.querySelectorAll('button, a[href], input, summary, textarea')]
        .filter((e) => e.getClientRects().length > 0).map((e) => e.id || e.closest('[id]').id)`);
      const reached = [];
      const wanted = controls.filter((c) => c !== 'reportText'); // inside the closed "Show the report" box
      for (let i = 0; i < 40 && !wanted.every((c) => reached.includes(c)); i++) {
        await popup.press('Tab');
        reached.push(await popup.evaluate(`() => document.activeElement?.id || document.activeElement?.closest('[id]')?.id || ''`));
      }
      for (const c of wanted) assert.ok(reached.includes(c), `${c} is reached by Tab (order: ${reached.join(', ')})`);
      // From the first control (past the last one, Tab would move on into the browser's own UI).
      const focus = async (id) => {
        await popup.evaluate(`() => document.getElementById('siteEnabled').focus()`);
        for (let i = 0; i < 40 && (await popup.evaluate(`() => document.activeElement?.id || document.activeElement?.closest('[id]')?.id`)) !== id; i++) await popup.press('Tab');
      };
      await focus('copyReport');
      await popup.press('Enter');
      await popup.waitFor(async () => (await popup.evaluate(`() => document.getElementById('copyStatus').textContent`)) === en('reportCopied'), { message: 'copied by keyboard' }).catch(async (e) => {
        throw new Error(`${e.message}: ${JSON.stringify(await popup.evaluate(`() => [document.activeElement?.id, document.getElementById('copyStatus').textContent]`))}`);
      });
      await focus('reportBox');
      await popup.press('Enter');
      await popup.waitFor(() => popup.evaluate(`() => document.getElementById('reportBox').open && document.getElementById('reportText').value.includes('${RAY}')`), { message: 'the report box opened by keyboard' });
      await focus('siteEnabled');
      await popup.press(' ');
      await popup.waitFor(async () => (await view(tabId)).siteEnabled === false, { message: 'the site switch by keyboard' });
      await popup.press(' ');
      await popup.waitFor(async () => (await view(tabId)).siteEnabled === true, { message: 'the site switch back on' });
    });
  });

  describe(`${name}: a saved copy`, () => {
    let browser;
    let server;
    let proxy;
    const tabs = [];
    const open = async (url) => { const t = await browser.openTab(url); tabs.push(t); return t; };
    before(async () => {
      server = await startFlakyServer();
      proxy = await startRecordingProxy({ allowed: [`127.0.0.1:${server.port}`] });
      browser = await launch(name === 'chromium'
        ? { args: [`--proxy-server=http://127.0.0.1:${proxy.port}`, '--proxy-bypass-list=<-loopback>'] }
        : { prefs: { 'network.proxy.type': 1, 'network.proxy.http': '127.0.0.1', 'network.proxy.http_port': proxy.port, 'network.proxy.ssl': '127.0.0.1', 'network.proxy.ssl_port': proxy.port, 'network.proxy.no_proxies_on': '', 'network.proxy.allow_hijacking_localhost': true } });
    });
    afterEach(async () => { while (tabs.length) await tabs.pop().close(); });
    after(async () => {
      await browser?.close();
      await server?.close();
      await proxy?.close();
    });

    it('"Read a saved copy" links to the Wayback Machine, and nothing reaches the archive before the click', async () => {
      await extensionApi(browser).saveSettings(SLOW);
      server.route('/d-saved', { failFirst: NO_END });
      const url = server.url('/d-saved');
      const tab = await open(url);
      const tabId = await tab.waitFor(() => tab.browserTabId(), { message: 'the tab id' });
      await tab.waitFor(async () => (await extensionApi(browser).view(tabId)).report != null, { timeout: 20_000, message: 'recovery' });
      const popup = await open(`${browser.extensionOrigin}/popup.html?tab=${tabId}`);
      await popup.waitFor(() => popup.evaluate(`() => !document.getElementById('forSite').hidden`), { message: 'the saved-copy link' });
      const link = await popup.evaluate(`() => { const a = document.getElementById('savedCopy'); return { href: a.href, target: a.target, rel: a.rel }; }`);
      assert.deepEqual(link, { href: `https://web.archive.org/web/${url}`, target: '_blank', rel: 'noopener noreferrer' });
      // The popup stays open a while, refreshing itself: still nothing for the archive.
      await popup.waitFor(async () => (await popup.evaluate(`() => document.getElementById('attempts').textContent`)) !== '', { message: 'the popup refreshing' });
      await new Promise((r) => setTimeout(r, 2500));
      const archive = () => proxy.seen.filter((r) => /(^|\.)archive\.org(:\d+)?$/.test(r.destination));
      assert.deepEqual(archive(), [], 'nothing reached the archive before the click');
      const clicked = Date.now();
      await popup.click('#savedCopy');
      await popup.waitFor(() => archive().length > 0, { timeout: 20_000, message: 'the click to go to the archive' });
      assert.ok(archive().every((r) => r.time >= clicked), 'the archive was reached only after the click');
      assert.ok(archive().some((r) => r.destination === 'web.archive.org:443'), JSON.stringify(archive()));
    });
  });

  for (const scheme of ['light', 'dark']) {
    describe(`${name}: accessibility (axe-core), ${scheme} mode`, () => {
      let browser;
      let server;
      const dark = scheme === 'dark' && name === 'firefox' ? { prefs: { 'ui.systemUsesDarkTheme': 1 } } : {};
      const open = browserSuite((o) => launch({ ...o, ...dark }), (b, s) => { browser = b; server = s; });
      const view = (tabId) => extensionApi(browser).view(tabId);
      const page = async (url) => {
        const tab = await open(url);
        await tab.colorScheme(scheme).catch((e) => { throw new Error(`${url}: ${e.message}`); });
        return tab;
      };
      async function popupFor(tabId, state) {
        const popup = await page(`${browser.extensionOrigin}/popup.html?tab=${tabId}`);
        await popup.waitFor(async () => (await popup.evaluate(`() => document.getElementById('status').dataset.state`)) === state, { message: `the popup in state ${state}` });
        return popup;
      }
      const clean = async (tab, what, include) => {
        const found = await axe(tab, include).catch((e) => { throw new Error(`${what}: ${e.message}`); });
        assert.deepEqual(found, [], `${what}: axe violations`);
      };

      it('the popup in each state, the options page and the banner have no violations', async () => {
        await extensionApi(browser).saveSettings(SLOW);
        // Recovering, with the path, the report box open and the "copied" line.
        server.route('/a-522', CF_522('127.0.0.1'));
        const failing = await page(server.url('/a-522'));
        const failingId = await failing.waitFor(() => failing.browserTabId(), { message: 'the tab id' });
        await failing.waitFor(async () => (await view(failingId)).diagnosis != null, { timeout: 20_000, message: 'a diagnosis' });
        // The banner, its markup and styles cloned from its closed shadow root into an open one
        // (axe cannot enter a closed root), on the failing page.
        await failing.waitFor(() => failing.evaluate(`() => !!document.querySelector('bounceback-banner')`), { timeout: 20_000, message: 'the banner' });
        // The sentence comes with the first view that has the response's status (the page's text
        // may reach the core before its status does).
        const sentence = en('diag_cdnOriginTimedOut', 'Cloudflare');
        let seen = '';
        const banner = await failing.waitFor(async () => {
          seen = await failing.closedShadowHtml('bounceback-banner').catch((e) => `(${e.message})`);
          return seen.includes(sentence) ? seen : null;
        }, { timeout: 8_000, message: 'the banner to say which hop failed' }).catch((e) => {
          throw new Error(`${e.message}: ${seen.replace(/<style>[\s\S]*<\/style>/, '')}`);
        });
        assert.match(banner, /class="box"/);
        await failing.evaluate(`(html) => {
          const host = document.createElement('div');
          host.id = 'banner-clone';
          document.body.append(host);
          host.attachShadow({ mode: 'open' }).innerHTML = html;
        }`, banner);
        await clean(failing, 'banner', ['#banner-clone']);

        const popup = await popupFor(failingId, 'recovering');
        await popup.evaluate(`() => { document.getElementById('reportBox').open = true; document.getElementById('copyStatus').textContent = 'Copied.'; }`);
        await clean(popup, 'popup, recovering');


        // Healthy.
        server.route('/a-ok', {});
        const ok = await page(server.url('/a-ok'));
        const okId = await ok.waitFor(() => ok.browserTabId(), { message: 'the tab id' });
        await clean(await popupFor(okId, 'healthy'), 'popup, healthy');

        // Gave up, with its advice and the watch offer.
        await extensionApi(browser).saveSettings({ ...FAST, maxAttempts: 1 });
        server.route('/a-gaveup', { failFirst: NO_END, failStatus: 503, failHeaders: { 'Retry-After': '3600' } });
        const gone = await page(server.url('/a-gaveup'));
        const goneId = await gone.waitFor(() => gone.browserTabId(), { message: 'the tab id' });
        await gone.waitFor(async () => (await view(goneId)).state === 'gaveUp', { timeout: 60_000, message: 'giving up' });
        await clean(await popupFor(goneId, 'gaveUp'), 'popup, gave up');

        // A failed form submission.
        await extensionApi(browser).saveSettings(SLOW);
        server.route('/submit', { failFirst: NO_END });
        const form = await page(server.url('/form'));
        await form.waitFor(() => form.evaluate(`() => !!document.getElementById('go')`), { message: 'the form' });
        const formId = await form.browserTabId();
        await form.click('#go');
        await form.waitFor(async () => (await view(formId)).state === 'failedPost', { timeout: 20_000, message: 'the failed POST' });
        await clean(await popupFor(formId, 'failedPost'), 'popup, failed POST');

        const options = await optionsPage(browser, page);
        await clean(options, 'options page');
      });
    });
  }
}
