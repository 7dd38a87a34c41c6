// `./build.sh demo`: shows a newcomer the whole thing on a local site that fails for about 20 s
// and then recovers: with a realistic nginx 502, or another failure (--scenario):
//   nginx-502       the site's nginx gets no proper answer from the application (default)
//   cloudflare-522  Cloudflare answers, the site's own server does not answer it in time
//   refused         nothing listens at the site's address (connection refused)
//   maintenance     503 with Retry-After: 60, planned maintenance
//
//   node tests/e2e/demo.mjs [--browser chromium|firefox] [--scenario NAME] [--headless --screenshot DIR] [--fail-for-ms 20000] [--before-install]
//
// With a display it opens the browser (fresh profile, the built extension loaded) on the
// failing page and leaves it to you; press Ctrl-C to end. With --headless --screenshot DIR it
// saves the failing tab, the popup mid-recovery and the recovered page, then exits.
//
// --before-install: the page is already failing when Bounceback arrives, as for a user who
// installs it during an outage (or whose browser restored the tab): Firefox installs the add-on
// after the page loaded, Chromium switches the extension on after it (lib/late.mjs); Bounceback
// finds the tab by itself and brings it back.
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { ALL_BROWSERS as BROWSERS, requireDist } from './lib/browsers.mjs';
import { extensionApi } from './lib/extension.mjs';
import { launchLate } from './lib/late.mjs';
import { cloudflareErrorBody, startFlakyServer } from './lib/server.mjs';

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

const scenario = option('--scenario', 'nginx-502');
const OK_BODY = '<!doctype html><title>Demo shop</title><h1>Welcome back</h1><p>The shop is up again: Bounceback reloaded this page once the site answered.</p>';
const SCENARIOS = {
  'nginx-502': { title: '502 Bad Gateway', spec: {} },
  'cloudflare-522': {
    title: '127.0.0.1 | 522: Connection timed out',
    spec: {
      failStatus: 522,
      failHeaders: { Server: 'cloudflare', 'CF-RAY': '8a1b2c3d4e5f6789-AMS', 'X-Request-Id': 'req-7f3a9c21' },
      failBody: cloudflareErrorBody(522, '127.0.0.1'),
    },
  },
  maintenance: { title: '503 Service Temporarily Unavailable', spec: { failStatus: 503, failHeaders: { 'Retry-After': '60' } } },
  refused: { title: null, spec: null },
};
if (!SCENARIOS[scenario]) throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}`);

requireDist();
const server = await startFlakyServer({ lifetimeMs: 30 * 60_000 });
let url;
let lateServer = null;
if (scenario === 'refused') {
  // A port nothing listens on until the "outage" ends; then a plain server answers there.
  const probe = net.createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  url = `http://127.0.0.1:${port}/`;
  setTimeout(() => {
    lateServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' }).end(OK_BODY));
    lateServer.listen(port, '127.0.0.1');
  }, failForMs).unref();
} else {
  server.route('/', { failForMs, okBody: OK_BODY, ...SCENARIOS[scenario].spec });
  url = server.url('/');
}
console.log(`Demo site: ${url} (fails as "${scenario}" for ${failForMs / 1000} s, then recovers)`);
const closeAll = async () => {
  await server.close();
  await new Promise((r) => (lateServer ? lateServer.close(r) : r()));
};

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
  process.on('SIGINT', async () => { await browser.close(); await closeAll(); process.exit(0); });
} else {
  const dir = resolve(shots ?? 'target/demo');
  mkdirSync(dir, { recursive: true });
  // The launcher resolves once the extension's background answers, so the failing load below
  // cannot happen before Bounceback is listening.
  const late = beforeInstall ? await launchLate(browserName) : null;
  const browser = late?.browser ?? (await BROWSERS[browserName]());
  try {
    const tab = await browser.openTab(url);
    const { title } = SCENARIOS[scenario];
    if (title) await tab.waitFor(async () => server.count('/') >= 1 && (await tab.title()) === title, { message: 'the failing page' });
    if (late) {
      console.log('The page failed before Bounceback was there; now it arrives.');
      await late.arrive();
    }
    const { view } = extensionApi(browser);
    // The browser's own error page (refused) has another address than the page's: ask by the page's.
    const tabId = await tab.waitFor(async () => (await tab.browserTabId().catch(() => null)) ?? browser.extensionEval(
      `async (url) => { const ids = (await (globalThis.browser ?? chrome).tabs.query({})).filter((t) => t.url === url).map((t) => t.id); return ids.length === 1 ? ids[0] : null; }`, url),
    { message: 'the tab id' });
    await tab.waitFor(async () => (await view(tabId)).state !== 'healthy', { timeout: 20_000, message: 'Bounceback to notice the 502' });
    const prefix = scenario === 'nginx-502' ? browserName : `${browserName}-${scenario}`;
    await tab.screenshot(join(dir, `${prefix}-1-failing-tab.png`));
    const popup = await browser.openTab(`${browser.extensionOrigin}/popup.html?tab=${tabId}`);
    await popup.waitFor(async () => (await popup.evaluate(`() => document.getElementById('status')?.dataset.state ?? ''`)) !== 'loading'
      && (await popup.evaluate(`() => !document.getElementById('progress').hidden && !document.getElementById('path').hidden`)), { message: 'the popup showing the recovery' });
    await popup.screenshot(join(dir, `${prefix}-2-popup-recovering.png`));
    // The report the popup's "Copy a report for the site" would copy, as the user would paste it.
    await popup.click('#reportBox summary');
    const report = await popup.waitFor(() => popup.evaluate(`() => document.getElementById('reportText').value`), { message: 'the report' });
    writeFileSync(join(dir, `${prefix}-report.txt`), `${report}\n`);
    await popup.close();
    await tab.waitFor(async () => (await tab.title()) === 'Demo shop', { timeout: failForMs + 90_000, interval: 500, message: 'the recovered page' });
    await tab.screenshot(join(dir, `${prefix}-3-recovered.png`));
    console.log(`Recovered. Screenshots in ${dir}`);
  } finally {
    await browser.close();
    await late?.cleanup();
    await closeAll();
  }
}
