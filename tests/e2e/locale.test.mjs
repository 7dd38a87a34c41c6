// The interface in German: Chromium started with --lang=de, a page that fails until the
// extension gives up, then the popup (its state, and the advice the core sends as codes) and
// an error in the options form, worded from _locales/de. Chromium only: Debian's Firefox ESR
// ships without a German language pack, so it would show English whatever it is asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BROWSERS, requireDist } from './lib/browsers.mjs';
import { extensionApi, optionsPage } from './lib/extension.mjs';
import { startFlakyServer } from './lib/server.mjs';

requireDist();

const textOf = (tab, id) => tab.evaluate(`(id) => { const e = document.getElementById(id); return e && !e.hidden ? e.textContent : null; }`, id);

test('chromium in German: the popup and the options page speak German', { timeout: 150_000, skip: !BROWSERS.chromium && 'E2E_BROWSERS leaves Chromium out' }, async () => {
  const server = await startFlakyServer();
  const browser = await BROWSERS.chromium({ args: ['--lang=de'] });
  try {
    const ext = extensionApi(browser);
    await ext.saveSettings({ baseMs: 1000, capMs: 2000, floorMs: 500, maxAttempts: 1 });
    server.route('/de-down', { failFirst: 1e9 });
    const tab = await browser.openTab(server.url('/de-down'));
    const tabId = await tab.waitFor(() => tab.browserTabId(), { message: 'the tab id' });
    await tab.waitFor(async () => (await ext.view(tabId)).state === 'gaveUp', { timeout: 60_000, message: 'giving up' });

    const popup = await browser.openTab(`${browser.extensionOrigin}/popup.html?tab=${tabId}`);
    await popup.waitFor(async () => (await textOf(popup, 'headline')) === 'Aufgegeben', { message: 'the German headline' });
    const advice = await textOf(popup, 'advice');
    assert.match(advice, /^Der Server antwortete .+ lang mit 502\. /, advice);
    assert.match(advice, /benachrichtigt dich\.$/, advice);
    assert.equal(await popup.evaluate(`() => document.documentElement.lang`), 'de');

    const page = await optionsPage(browser, (url) => browser.openTab(url));
    await page.evaluate(`() => { const e = document.getElementById('capMs'); e.value = '0.2'; e.dispatchEvent(new Event('input', { bubbles: true })); }`);
    await page.click('#save');
    const error = await page.waitFor(() => textOf(page, 'capMs-error'), { message: "the field's error" });
    assert.equal(error, 'Muss mindestens 1 s sein.');
  } finally {
    await browser.close();
    await server.close();
  }
});
