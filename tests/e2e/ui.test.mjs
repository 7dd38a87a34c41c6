// End to end, as a user: the popup (opened in a tab as popup.html?tab=<id>), the options
// page and the in-page banner, in each real browser, against the local flaky server. Judged
// by what is on screen, what the tab shows and what the server received. Screenshots of each
// state go to tests/artifacts/<browser>-<state>.png (git-ignored).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { BROWSERS, requireDist } from './lib/browsers.mjs';
import { chooseCookieClearing, extensionApi, optionsPage as openOptions } from './lib/extension.mjs';
import { browserSuite } from './lib/suite.mjs';

requireDist();

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(ARTIFACTS, { recursive: true });

// Quick but real policy for tests; SLOW leaves time to press buttons before the next try.
const FAST = { quickCheckMs: 500, baseMs: 1000, stepMs: 500, capMs: 2000, floorMs: 500, maxAttempts: 6, cookieClearing: 'ask', banner: true };
const SLOW = { baseMs: 30_000, capMs: 30_000, floorMs: 30_000 };
const NO_END = 1e9;

const it = (name, fn) => test(name, { timeout: 150_000 }, fn);
const recovered = (tab) => async () => (await tab.title()) === 'Recovered';
const textOf = (tab, id) => tab.evaluate(`(id) => { const e = document.getElementById(id); return e && !e.hidden && !e.closest('[hidden]') ? e.textContent : null; }`, id);

for (const [name, launch] of Object.entries(BROWSERS)) {
  describe(`${name}: user interface`, () => {
    let browser;
    let server;
    const open = browserSuite(launch, (b, s) => { browser = b; server = s; });
    const shot = (tab, state) => tab.screenshot(join(ARTIFACTS, `${name}-${state}.png`));

    const settings = (overrides) => extensionApi(browser).saveSettings({ ...FAST, ...overrides });
    const view = (tabId) => extensionApi(browser).view(tabId);
    /** Waits until the background can do nothing more by itself (see extensionApi().idle). */
    const settled = (page, message = 'the background to settle') => page.waitFor(() => extensionApi(browser).idle(), { timeout: 30_000, message });
    const cookieNames = (url) => extensionApi(browser).cookieNames(url);

    /** A tab failing on `path`, and the popup for it, once the popup shows it recovering. */
    async function failingTabWithPopup(path, spec, host) {
      server.route(path, spec);
      const tab = await open(server.url(path, host));
      await tab.waitFor(async () => server.count(path) >= 1, { message: 'the failed load' });
      const tabId = await tab.waitFor(() => tab.browserTabId(), { message: 'the tab id' });
      await tab.waitFor(async () => (await view(tabId)).state !== 'healthy', { message: 'recovery to start' });
      const popup = await open(`${browser.extensionOrigin}/popup.html?tab=${tabId}`);
      return { tab, tabId, popup };
    }

    const optionsPage = () => openOptions(browser, open);

    /** Types into a form field the way the browser would report it (value + input event). */
    const setField = (page, id, value) => page.evaluate(`(id, value) => {
      const e = document.getElementById(id); e.focus(); e.value = value;
      e.dispatchEvent(new Event('input', { bubbles: true })); e.dispatchEvent(new Event('change', { bubbles: true }));
    }`, id, value);

    it('the popup says what happened and counts down; Retry now brings the page back', async () => {
      await settings(SLOW);
      const { tab, tabId, popup } = await failingTabWithPopup('/ui-retry', { failFirst: 1 });
      await popup.waitFor(async () => (await textOf(popup, 'headline')) === 'Bringing this page back', { message: 'the recovering state' });
      const seen = await textOf(popup, 'seen');
      assert.match(seen, /502/, `seen: ${seen}`);
      assert.match(seen, /nginx/, `seen: ${seen}`);
      const countdown = await popup.waitFor(() => textOf(popup, 'countdown'), { message: 'the countdown' });
      assert.match(countdown, /^next in \d+ s$/, countdown);
      await popup.waitFor(async () => (await textOf(popup, 'countdown')) !== countdown, { timeout: 5_000, message: 'the countdown to tick' });
      assert.match(await textOf(popup, 'attempts'), /^Try 1 of 6$/);
      assert.match(await textOf(popup, 'nextStep'), /^Next: /);
      await shot(popup, 'popup-recovering');
      // The toolbar badge counts down too, each second.
      const badge = () => browser.extensionEval(`async (tabId) => (globalThis.browser ?? chrome).action.getBadgeText({ tabId })`, tabId);
      const first = await badge();
      assert.match(first, /^\d+s$/, `badge: ${first}`);
      await popup.waitFor(async () => (await badge()) !== first, { timeout: 3000, message: 'the badge to tick' });
      const before = server.count('/ui-retry');
      await popup.click('#retryNow');
      await tab.waitFor(recovered(tab), { timeout: 20_000, message: 'the page to come back right after Retry now' });
      assert.ok(server.count('/ui-retry') > before);
      await popup.waitFor(async () => (await textOf(popup, 'headline')) === 'This page is fine', { message: 'the healthy state' });
      const incident = await popup.waitFor(async () => {
        const text = await popup.evaluate(`() => document.querySelector('#incidents li')?.textContent ?? ''`);
        return /ui-retry|127\.0\.0\.1/.test(text) && text;
      }, { timeout: 10_000, message: 'the incident in the history' });
      assert.match(incident, /, fixed by: reload$/, incident);
      await shot(popup, 'popup-recovered');
    });

    it('Stop in the popup ends the retries', async () => {
      await settings({});
      const { popup } = await failingTabWithPopup('/ui-stop', { failFirst: NO_END });
      await popup.waitFor(() => textOf(popup, 'stop'), { message: 'the Stop button' });
      assert.equal(await extensionApi(browser).idle(), false, 'a recovery keeps a wake-up set');
      await popup.click('#stop');
      await popup.waitFor(async () => (await textOf(popup, 'headline')) === 'Not retrying this page', { message: 'the stopped state' });
      await shot(popup, 'popup-stopped');
      const count = server.count('/ui-stop');
      await settled(popup);
      assert.equal(server.count('/ui-stop'), count, 'no request after Stop');
    });

    it('the site switch in the popup turns Bounceback off for that site, and on again', async () => {
      await settings({});
      // On localhost: the switch is per site, and the other tests use 127.0.0.1.
      const { popup } = await failingTabWithPopup('/ui-site-off', { failFirst: NO_END }, 'localhost');
      await popup.waitFor(() => textOf(popup, 'stop'), { message: 'the recovery in the popup' });
      await popup.click('#siteEnabled');
      await popup.waitFor(async () => (await textOf(popup, 'headline')) === 'Bounceback is off for this site', { message: 'the "off" headline' });
      await shot(popup, 'popup-site-off');
      const count = server.count('/ui-site-off');
      // A new failure on that site is left alone too.
      server.route('/ui-site-off-2', { failFirst: NO_END });
      const other = await open(server.url('/ui-site-off-2', 'localhost'));
      await other.waitFor(async () => server.count('/ui-site-off-2') >= 1, { message: 'the second failing page' });
      const otherId = await other.browserTabId();
      await other.waitFor(async () => (await view(otherId)).lastStatus === 502, { message: 'the second failure seen by the background' });
      await settled(other);
      assert.equal(server.count('/ui-site-off'), count, 'no retry of the first page while off');
      assert.equal(server.count('/ui-site-off-2'), 1, 'no retry of a new failure while off');
      await popup.click('#siteEnabled');
      await popup.waitFor(async () => (await textOf(popup, 'headline')) === 'Not retrying this page', { message: 'the site on again' });
      assert.equal(await popup.evaluate(`() => document.getElementById('siteEnabled').checked`), true);
    });

    it('clearing cookies from the popup asks once (and the browser for the permission), then clears them and the page recovers', async () => {
      await settings(SLOW);
      server.route('/ui-set-cookie', { setCookies: [`uibig=${'x'.repeat(3000)}; Path=/`, 'uismall=1; Path=/'] });
      const setter = await open(server.url('/ui-set-cookie'));
      await setter.waitFor(recovered(setter), { message: 'the cookies' });
      assert.deepEqual(await cookieNames(server.url('/')), ['uibig', 'uismall']);
      const { tab, popup } = await failingTabWithPopup('/ui-cookie', { failWithCookie: 'uibig' });
      // Not yet allowed to see cookies, the popup cannot count them, but offers to clear.
      assert.equal(await extensionApi(browser).cookieAccess(), false);
      const button = await popup.waitFor(() => textOf(popup, 'clearCookies'), { message: 'the cookie button' });
      assert.equal(button, 'Clear cookies for 127.0.0.1 and retry');
      await popup.click('#clearCookies');
      const question = await popup.waitFor(() => textOf(popup, 'cookieQuestion'), { message: 'the confirm step' });
      assert.equal(question, 'Clear the cookies of 127.0.0.1 and retry?');
      assert.deepEqual(await cookieNames(server.url('/')), ['uibig', 'uismall'], 'nothing cleared before confirming');
      await popup.click('#rememberCookies');
      await shot(popup, 'popup-cookie-confirm');
      await popup.click('#cookieConfirmYes');
      await tab.waitFor(recovered(tab), { timeout: 30_000, message: 'the page after clearing cookies' });
      assert.deepEqual(await cookieNames(server.url('/')), []);
      assert.equal(await extensionApi(browser).cookieAccess(), true, '"Clear and retry" asked the browser for the permission');
      // "Remember for this site": the site's policy is now automatic.
      assert.equal((await view(await tab.browserTabId())).cookieClearing, 'automatic');
    });

    it('a setting changed in the options form is used by the engine', async () => {
      await settings({});
      const page = await optionsPage();
      await shot(page, 'options');
      await setField(page, 'maxAttempts', '3');
      await page.click('input[name=cookieClearing][value=never]');
      await page.click('#save');
      await page.waitFor(async () => (await textOf(page, 'saved')) === 'Saved.', { message: 'the saved message' });
      await shot(page, 'options-saved');
      const saved = await browser.extensionEval(`async () => (await (globalThis.browser ?? chrome).runtime.sendMessage({ type: 'getSettings' })).reply`);
      assert.equal(saved.maxAttempts, 3);
      assert.equal(saved.cookieClearing, 'never');
      assert.equal(saved.baseMs, 1000, 'seconds shown, milliseconds stored, unchanged fields kept');
      server.route('/ui-options', { failFirst: NO_END });
      const tab = await open(server.url('/ui-options'));
      const tabId = await tab.waitFor(() => tab.browserTabId(), { message: 'the tab id' });
      const v = await tab.waitFor(async () => { const v = await view(tabId); return v.state !== 'healthy' && v; }, { message: 'recovery' });
      assert.equal(v.maxAttempts, 3);
      assert.equal(v.cookieClearing, 'never');
      const popup = await open(`${browser.extensionOrigin}/popup.html?tab=${tabId}`);
      await popup.waitFor(async () => / of 3\b/.test(await textOf(popup, 'attempts') ?? ''), { message: '"of 3" in the popup' });
      assert.equal(await textOf(popup, 'clearCookies'), null, 'no cookie button when clearing is off');
    });

    it('"Automatically" asks the browser for the cookies permission, "Never" gives it back, and the popup then counts', async () => {
      await settings(SLOW);
      assert.equal(await extensionApi(browser).cookieAccess(), false);
      const page = await optionsPage();
      assert.match(await textOf(page, 'cookieAccess'), /cannot clear cookies yet/);
      const on = await chooseCookieClearing(browser, open, 'automatic');
      assert.deepEqual(on, { saved: 'Saved.', access: on.access, error: '' });
      assert.match(on.access, /You have let Bounceback clear cookies/);
      assert.equal(await extensionApi(browser).cookieAccess(), true);
      // Allowed to see cookies, the popup counts what it would clear.
      server.route('/ui-set-cookie2', { setCookies: ['uicount=1; Path=/'] });
      const setter = await open(server.url('/ui-set-cookie2'));
      await setter.waitFor(recovered(setter), { message: 'the cookie' });
      const names = await cookieNames(server.url('/'));
      const { popup } = await failingTabWithPopup('/ui-count', { failFirst: NO_END });
      await popup.waitFor(async () => (await textOf(popup, 'clearCookies')) === `Clear cookies for 127.0.0.1 (${names.length}) and retry`,
        { message: `the cookie button counting ${names.length}` });
      const off = await chooseCookieClearing(browser, open, 'never');
      assert.equal(off.saved, 'Saved.');
      assert.match(off.access, /cannot clear cookies yet/);
      assert.equal(await extensionApi(browser).cookieAccess(), false);
    });

    it('an invalid value is refused with a message next to its field', async () => {
      await settings({});
      const page = await optionsPage();
      await setField(page, 'capMs', '0.2'); // 200 ms, below the first wait of 1 s
      await page.click('#save');
      const message = await page.waitFor(() => textOf(page, 'capMs-error'), { message: "the field's error" });
      assert.equal(message, 'Must be at least 1 s.', 'in words and in the seconds of the form');
      assert.equal(await page.evaluate(`() => document.getElementById('capMs').getAttribute('aria-invalid')`), 'true');
      assert.equal(await page.evaluate(`() => document.activeElement.id`), 'capMs', 'focus moves to the bad field');
      await shot(page, 'options-invalid');
      await setField(page, 'maxAttempts', 'x');
      await page.click('#save');
      await page.waitFor(async () => (await textOf(page, 'maxAttempts-error')) === 'Enter a number.', { message: 'the not-a-number error' });
      const stored = await browser.extensionEval(`async () => (await (globalThis.browser ?? chrome).runtime.sendMessage({ type: 'getSettings' })).reply`);
      assert.equal(stored.capMs, FAST.capMs, 'nothing saved');
    });

    it('repaired settings are shown as a notice that can be dismissed', async () => {
      // As the core reports it (src/settings.rs Notice): worded in the form's units, not as stored.
      const stored = { code: 'reset', field: 'capMs', was: '-3000', to: '55000', message: 'repaired: capMs was -3000, reset to 55000' };
      await browser.extensionEval(`async (n) => (globalThis.browser ?? chrome).storage.local.set({ settingsNotices: [n] })`, stored);
      const page = await optionsPage();
      const notice = await page.waitFor(() => textOf(page, 'noticeList'), { message: 'the notice' });
      assert.equal(notice, 'Longest wait between tries: -3 s could not be used, reset to 55 s.');
      await shot(page, 'options-notices');
      await page.click('#dismissNotices');
      await page.waitFor(async () => (await textOf(page, 'notices')) === null, { message: 'the notice to go' });
      const left = await browser.extensionEval(`async () => (await (globalThis.browser ?? chrome).storage.local.get('settingsNotices')).settingsNotices ?? null`);
      assert.equal(left, null);
    });

    it('the banner shows on the failing page, and its Stop (by keyboard) ends the retries', async () => {
      await settings({ baseMs: 3000, capMs: 3000, floorMs: 3000 });
      server.route('/ui-banner', { failFirst: NO_END });
      const tab = await open(server.url('/ui-banner'));
      const hasBanner = () => tab.evaluate(`() => !!document.querySelector('bounceback-banner')`).catch(() => false);
      await tab.waitFor(hasBanner, { timeout: 20_000, message: 'the banner' });
      // Closed shadow root: the page (and this test) see only the host element.
      assert.equal(await tab.evaluate(`() => document.querySelector('bounceback-banner').shadowRoot`), null);
      // For the screenshot: two frames rendered since the banner was added, so it is painted.
      await tab.evaluate(`() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`);
      await shot(tab, 'banner');
      // Keyboard only: the banner's buttons are the page's only focusable controls.
      await tab.press('Tab');
      await tab.press('Tab');
      assert.equal(await tab.evaluate(`() => document.activeElement?.localName`), 'bounceback-banner', 'focus is in the banner');
      await tab.press('Enter'); // Stop
      await tab.waitFor(async () => !(await hasBanner()), { timeout: 10_000, message: 'the banner to go after Stop' });
      const tabId = await tab.browserTabId();
      assert.equal((await view(tabId)).state, 'healthy');
      const count = server.count('/ui-banner');
      await settled(tab);
      assert.equal(server.count('/ui-banner'), count, 'no request after Stop');
    });

    it('no banner when the setting is off', async () => {
      await settings({ banner: false });
      server.route('/ui-nobanner', { failFirst: NO_END });
      const tab = await open(server.url('/ui-nobanner'));
      const tabId = await tab.waitFor(() => tab.browserTabId(), { message: 'the tab id' });
      await tab.waitFor(async () => (await view(tabId)).state !== 'healthy', { message: 'recovery' });
      await tab.waitFor(async () => server.count('/ui-nobanner') >= 2, { timeout: 20_000, message: 'a retry' });
      assert.equal(await tab.evaluate(`() => !!document.querySelector('bounceback-banner')`), false);
    });
  });
}
