// The events the shell really sends its core, recorded in the fake browser (lib/fake-browser.mjs)
// while the built background goes through a varied life: pages that fail with a status, with
// an error page served as 200, with a dropped connection, a Retry-After; the popup's and the
// banner's commands, cookies cleared, saved settings, a notification clicked, a tab closed, a
// tab that failed before the background started (found, inspected, probed with its body read).
// Every shape it sent must be in tests/fixtures/shell-events.json, which tests/wasm_boundary.rs
// replays in a browser against the wasm build; this test owns that fixture and rewrites it
// with BOUNCEBACK_RECORD_EVENTS=1 (lib/recorded-events.mjs).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startFlakyServer } from '../e2e/lib/server.mjs';
import { FakeBrowser } from './lib/fake-browser.mjs';
import { checkRecorded } from './lib/recorded-events.mjs';

const EXT = fileURLToPath(new URL('../../dist/chromium', import.meta.url));
const built = existsSync(`${EXT}/background.js`);
const FAST = { baseMs: 1000, capMs: 2000, floorMs: 500, maxAttempts: 3, probeTimeoutMs: 1000, notifications: true };

let server;
before(async () => { server = await startFlakyServer(); });
after(async () => { await server?.close(); });

test('the events the shell sends are the ones the wasm boundary test replays', { timeout: 60_000, skip: !built && 'run ./build.sh first' }, async () => {
  const b = new FakeBrowser({ extDir: EXT, settings: FAST, permissions: ['cookies'] });
  const sent = (type, extra = () => true) => b.coreEvents.some((e) => e.type === type && extra(e));
  // A page recognised by its text is recovered once its text had its say (or a few seconds
  // passed): until then its origin's outage, which the next route shares, is not over.
  const settled = (tabId, what) => b.waitFor(async () => (await b.message({ type: 'getView', tabId }))?.reply?.state === 'healthy',
    { skipWaits: true, message: `${what} settled` });
  try {
    // A tab that failed before the background listened: listed at start-up, inspected, its
    // body read by the probes, brought back by a GET navigation.
    server.route('/e-early', { failMode: 'soft', failFirst: 3 });
    const early = await b.openTabUnwatched(server.url('/e-early'));
    await b.start();
    await b.waitFor(() => b.title(early) === 'Recovered', { skipWaits: true, message: 'the tab open before start-up came back' });
    await settled(early, 'the tab open before start-up');
    assert.ok(sent('probeCompleted', (e) => typeof e.html === 'string'), 'a probe reported its body');
    // The popup on a tab the core has no record of looks into it first.
    const quiet = await b.openTabUnwatched(server.url('/echo'));
    await b.message({ type: 'getView', tabId: quiet });
    assert.ok(sent('tabsFound', (e) => e.tabs.some((t) => t.tabId === quiet)), 'the popup had the tab looked into');

    // An error page served with 200: the content script reports a prefix of its HTML.
    server.route('/e-soft', { failMode: 'soft', failFirst: 1 });
    const soft = await b.openTab(server.url('/e-soft'));
    const view = await b.message({ type: 'pageHtmlSeen', html: '<html><head><title>502: Bad gateway</title></head><body><h1>Bad gateway</h1><p>Error code 502</p><p>cloudflare</p></body></html>' }, { from: 'page', tabId: soft });
    assert.equal(view?.ok, true, JSON.stringify(view));
    await b.message({ type: 'bannerCommand', command: { type: 'retryNow' } }, { from: 'page', tabId: soft });
    // All routes are one origin, which shares one schedule: one outage at a time.
    await b.waitFor(() => b.title(soft) === 'Recovered', { skipWaits: true, message: 'the error page came back' });
    await settled(soft, 'the error page');

    // Failing with a Retry-After, then recovering: probes answered with a status and the header.
    server.route('/e-ra', { failFirst: 2, failStatus: 503, failHeaders: { 'Retry-After': '1' } });
    const ra = await b.openTab(server.url('/e-ra'));
    await b.waitFor(() => sent('probeCompleted', (e) => e.retryAfter != null), { skipWaits: true, message: 'a probe answered with Retry-After' });
    await b.waitFor(() => b.title(ra) === 'Recovered', { skipWaits: true, message: 'the Retry-After page came back' });

    // A connection that is dropped: the navigation and the probes fail without a status.
    server.route('/e-drop', { failMode: 'drop', failForMs: 60_000 });
    const drop = await b.openTab(server.url('/e-drop'));
    await b.waitFor(() => sent('probeCompleted', (e) => e.error != null), { skipWaits: true, message: 'a probe failed without an answer' });

    // Clearing the site's cookies, asked from the popup (the permission is granted).
    server.route('/e-cookie', { failWithCookie: 'big' });
    b.setCookie(server.url('/'), 'big');
    const cookie = await b.openTab(server.url('/e-cookie'));
    await b.message({ type: 'command', tabId: cookie, command: { type: 'clearCookies', remember: false } });
    await b.waitFor(() => b.title(cookie) === 'Recovered', { skipWaits: true, message: 'the page came back without its cookies' });

    // The popup: a command, settings saved.
    await b.message({ type: 'command', tabId: drop, command: { type: 'hardReload' } });
    await b.message({ type: 'command', tabId: drop, command: { type: 'stop' } });
    const saved = await b.message({ type: 'saveSettings', settings: { ...FAST, maxAttempts: 4 } });
    assert.equal(saved?.reply?.ok, true, JSON.stringify(saved));

    // A notification clicked shows its tab (the core says which); a tab closed.
    await b.deliver('notifications.onClicked', `recovered-${ra}`);
    await b.waitFor(() => b.shown.includes(ra), { message: 'the notification showed its tab' });
    await b.deliver('tabs.onRemoved', drop, { windowId: 1, isWindowClosing: false });
    await b.waitFor(() => sent('tabClosed'), { message: 'the closed tab was reported' });

    for (const type of ['navigationStarted', 'navigationCompleted', 'navigationFailed', 'pageHtmlSeen', 'userCommanded', 'wokeUp',
      'probeCompleted', 'cookiesCleared', 'settingsChanged', 'notificationClicked', 'tabClosed', 'cookieAccessChanged',
      'tabsFound', 'inspectionEnded', 'connectivityChanged']) {
      assert.ok(sent(type), `the shell sent a ${type}`);
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
  const missing = checkRecorded(b.coreEvents, { owner: true });
  assert.deepEqual(missing, [], 'new event shapes: run BOUNCEBACK_RECORD_EVENTS=1 node --test tests/shell/ and commit the fixture');
});
