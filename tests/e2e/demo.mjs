// `./build.sh demo`: shows a newcomer the whole thing on a local site that fails with a
// realistic nginx 502 for about 20 s and then recovers.
//
//   node tests/e2e/demo.mjs [--browser chromium|firefox] [--headless --screenshot DIR] [--fail-for-ms 20000] [--before-install]
//
// With a display it opens the browser (fresh profile, the built extension loaded) on the
// failing page and leaves it to you; press Ctrl-C to end. With --headless --screenshot DIR it
// saves the failing tab, the popup mid-recovery and the recovered page, then exits.
//
// --before-install: the page is already failing when Bounceback arrives, as for a user who
// installs it during an outage (or whose browser restored the tab): Firefox installs the add-on
// after the page loaded, Chromium switches the extension on after it (lib/late.mjs); Bounceback
// finds the tab by itself and brings it back.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ALL_BROWSERS as BROWSERS, requireDist } from './lib/browsers.mjs';
import { extensionApi } from './lib/extension.mjs';
import { launchLate } from './lib/late.mjs';
import { startFlakyServer } from './lib/server.mjs';

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const browserName = option('--browser', 'chromium');
const headless = process.argv.includes('--headless') || !process.env.DISPLAY;
const shots = option('--screenshot', null);
const failForMs = Number(option('--fail-for-ms', '20000'));
const beforeInstall = process.argv.includes('--before-install');
if (!BROWSERS[browserName]) throw new Error(`--browser must be one of ${Object.keys(BROWSERS).join(', ')}`);
if (!headless && shots) throw new Error('--screenshot needs --headless');

requireDist();
const server = await startFlakyServer({ lifetimeMs: 30 * 60_000 });
server.route('/', {
  failForMs,
  okBody: '<!doctype html><title>Demo shop</title><h1>Welcome back</h1><p>The shop is up again: Bounceback reloaded this page once the site answered.</p>',
});
const url = server.url('/');
console.log(`Demo site: ${url} (fails with 502 for ${failForMs / 1000} s, then recovers)`);

if (!headless) {
  // Visible browser: leave it to the person at the keyboard.
  let browser;
  if (beforeInstall) {
    const late = await launchLate(browserName, { headless: false });
    browser = late.browser;
    await browser.openTab(url);
    console.log('The page fails before Bounceback is there; it arrives in 5 s and finds the tab by itself.');
    await new Promise((r) => setTimeout(r, 5000));
    await late.arrive();
  } else {
    browser = await BROWSERS[browserName]({ headless: false });
    await browser.openTab(url);
  }
  console.log('Click the Bounceback icon in the toolbar to watch it work. Ctrl-C to end.');
  process.on('SIGINT', async () => { await browser.close(); await server.close(); process.exit(0); });
} else {
  const dir = resolve(shots ?? 'target/demo');
  mkdirSync(dir, { recursive: true });
  // The launcher resolves once the extension's background answers, so the failing load below
  // cannot happen before Bounceback is listening.
  const late = beforeInstall ? await launchLate(browserName) : null;
  const browser = late?.browser ?? (await BROWSERS[browserName]());
  try {
    const tab = await browser.openTab(url);
    await tab.waitFor(async () => server.count('/') >= 1 && (await tab.title()) === '502 Bad Gateway', { message: 'the failing page' });
    if (late) {
      console.log('The page failed before Bounceback was there; now it arrives.');
      await late.arrive();
    }
    const tabId = await tab.waitFor(() => tab.browserTabId(), { message: 'the tab id' });
    const { view } = extensionApi(browser);
    await tab.waitFor(async () => (await view(tabId)).state !== 'healthy', { timeout: 20_000, message: 'Bounceback to notice the 502' });
    await tab.screenshot(join(dir, `${browserName}-1-failing-tab.png`));
    const popup = await browser.openTab(`${browser.extensionOrigin}/popup.html?tab=${tabId}`);
    await popup.waitFor(async () => (await popup.evaluate(`() => document.getElementById('status')?.dataset.state ?? ''`)) !== 'loading'
      && (await popup.evaluate(`() => !document.getElementById('progress').hidden`)), { message: 'the popup showing the recovery' });
    await popup.screenshot(join(dir, `${browserName}-2-popup-recovering.png`));
    await popup.close();
    await tab.waitFor(async () => (await tab.title()) === 'Demo shop', { timeout: failForMs + 90_000, interval: 500, message: 'the recovered page' });
    await tab.screenshot(join(dir, `${browserName}-3-recovered.png`));
    console.log(`Recovered after ${server.count('/')} requests to the site. Screenshots in ${dir}`);
  } finally {
    await browser.close();
    await late?.cleanup();
    await server.close();
  }
}
