// The background stopped at the worst moments of a recovery (before the check, between the
// check and the reload, right after the reload, half-way through clearing cookies), with the
// built background.js and wasm core running in a worker thread that a fake browser terminates
// at a chosen API call (lib/fake-browser.mjs). A browser cannot be told to stop its service
// worker at an exact point; this can, every time. Judged by what the site and the tab saw:
// the page comes back, and no reload or cookie removal happens twice.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startFlakyServer } from '../e2e/lib/server.mjs';
import { FakeBrowser, recordedCoreEvents } from './lib/fake-browser.mjs';
import { checkRecorded } from './lib/recorded-events.mjs';

const EXT = fileURLToPath(new URL('../../dist/chromium', import.meta.url));
const built = existsSync(`${EXT}/background.js`);

// Quick but real policy: the same engine, short waits (1 s is the shortest probe timeout).
const FAST = { quickCheckMs: 500, baseMs: 1000, stepMs: 500, capMs: 2000, floorMs: 500, maxAttempts: 6, probeTimeoutMs: 1000, cookieClearing: 'ask' };
const it = (name, fn) => test(name, { timeout: 60_000, skip: !built && 'run ./build.sh first' }, fn);

/** Whether a stored snapshot holds an incident (an object with an `outcome`) of a URL ending in `path`. */
function savedIncident(stored, path) {
  const seen = (v) => (Array.isArray(v) ? v.some(seen)
    : v && typeof v === 'object' ? (typeof v.outcome === 'string' && String(v.url).endsWith(path)) || Object.values(v).some(seen)
      : false);
  try {
    return seen(typeof stored === 'string' ? JSON.parse(stored) : stored);
  } catch {
    return false;
  }
}

// A tab's life at its edges: failing before the background listened (found at install,
// confirmed, brought back by a GET, never resubmitted), and offline while the background was
// stopped. Judged by what the site saw.
describe('tabs the background did not watch, and the connection', { skip: !built && 'run ./build.sh first' }, () => {
  let server;
  before(async () => { server = await startFlakyServer(); });
  after(async () => { await server?.close(); });

  /** The site's log of `path`: [seconds since `t0`, method]. */
  const timeline = (path, t0) => server.requests(path).map((r) => [Number(((r.time - t0) / 1000).toFixed(1)), r.method]);

  async function installedAfter(path, spec, open = (b, url) => b.openTabUnwatched(url)) {
    const b = new FakeBrowser({ extDir: EXT, settings: FAST });
    server.route(path, spec);
    const t0 = Date.now();
    const tab = await open(b, server.url(path));
    assert.equal(b.life, 0, 'the page loaded before any background ran');
    await b.deliver('runtime.onInstalled', { reason: 'install' });
    return { b, tab, t0 };
  }

  it('an error page served with 200 before install is found, confirmed and brought back by a GET, never a reload', async () => {
    const { b, tab, t0 } = await installedAfter('/f-soft', { failMode: 'soft', failFirst: 3 });
    try {
      await b.waitFor(() => b.title(tab) === 'Recovered', { skipWaits: true, message: 'the page came back' });
      assert.deepEqual(b.reloads, [], 'never reloaded: the load it found may have been a POST');
      assert.equal(b.navigations.length, 1, 'one fresh GET navigation');
      assert.ok(b.inspections.some((i) => i.tabId === tab && i.files.includes('content.js')), 'inspected with the content script itself');
      const seen = timeline('/f-soft', t0);
      console.log('  /f-soft (200 error page before install):', JSON.stringify(seen));
      // The failing load, two probes that read the body (still the error page), one that finds
      // the page well, and the navigation.
      assert.deepEqual(seen.map(([, m]) => m), ['GET', 'GET', 'GET', 'GET', 'GET']);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });

  it('a 502 before install likewise', async () => {
    const { b, tab, t0 } = await installedAfter('/f-502', { failFirst: 2 });
    try {
      await b.waitFor(() => b.title(tab) === 'Recovered', { skipWaits: true, message: 'the page came back' });
      assert.deepEqual(b.reloads, []);
      assert.equal(b.navigations.length, 1);
      console.log('  /f-502 (502 before install):', JSON.stringify(timeline('/f-502', t0)));
    } finally {
      await b.close();
    }
  });

  it('a tab restored at browser start-up, failing, is found likewise (history kept, old tabs forgotten)', async () => {
    // A first browser session leaves a history behind (storage.local), as a real one does.
    const first = new FakeBrowser({ extDir: EXT, settings: FAST });
    server.route('/f-old', { failFirst: 1 });
    try {
      const old = await first.openTab(server.url('/f-old'));
      await first.waitFor(() => first.title(old) === 'Recovered', { skipWaits: true, message: 'the first session\'s page' });
      // The recovery ends once the reloaded page has been looked into; then its incident is saved.
      await first.waitFor(() => savedIncident(first.storage.local.durableSnapshot, '/f-old'), { message: 'a history written' });
    } finally {
      await first.close();
    }
    // The browser starts again: storage.session is empty, the restored tab loads before the
    // background listens.
    const b = new FakeBrowser({ extDir: EXT, settings: FAST });
    b.storage.local = structuredClone(first.storage.local);
    try {
      server.route('/f-restored', { failMode: 'soft', failFirst: 2 });
      const t0 = Date.now();
      const tab = await b.openTabUnwatched(server.url('/f-restored'));
      await b.deliver('runtime.onStartup');
      await b.waitFor(() => b.title(tab) === 'Recovered', { skipWaits: true, message: 'the restored tab came back' });
      assert.deepEqual(b.reloads, []);
      console.log('  /f-restored (restored at start-up):', JSON.stringify(timeline('/f-restored', t0)));
      const incidents = (await b.message({ type: 'getIncidents' })).reply;
      assert.ok(incidents.some((i) => i.url.endsWith('/f-old')), 'the history of the first session is kept');
    } finally {
      await b.close();
    }
  });

  it('the popup on such a tab, before the background acted, shows the failure', async () => {
    const b = new FakeBrowser({ extDir: EXT, settings: FAST });
    try {
      server.route('/f-popup', { failFirst: 100 });
      const tab = await b.openTabUnwatched(server.url('/f-popup'));
      const answer = await b.message({ type: 'getView', tabId: tab });
      assert.equal(answer?.ok, true, JSON.stringify(answer));
      assert.notEqual(answer.reply.state, 'healthy', 'not "This page is fine"');
      assert.equal(answer.reply.active, true);
    } finally {
      await b.close();
    }
  });

  it('a form result (POST) found at install is never resubmitted', async () => {
    const open = (b, url) => b.openTabUnwatched(url, { method: 'POST', body: 'item=widget&qty=1' });
    const { b, tab, t0 } = await installedAfter('/f-post', { failFirst: 1, methods: ['POST'] }, open);
    try {
      await b.waitFor(() => b.title(tab) === 'Recovered', { skipWaits: true, message: 'the URL was loaded afresh' });
      const seen = timeline('/f-post', t0);
      console.log('  /f-post (POST result before install):', JSON.stringify(seen));
      assert.equal(server.count('/f-post', 'POST'), 1, 'only the user\'s own POST');
      assert.deepEqual(b.reloads, []);
    } finally {
      await b.close();
    }
  });

  it('offline, the background stopped, online: the tab comes back', async () => {
    const b = new FakeBrowser({ extDir: EXT, settings: FAST });
    try {
      server.route('/f-offline', { failFirst: 1 });
      const t0 = Date.now();
      const tab = await b.openTab(server.url('/f-offline'));
      b.setOnline(false);
      await b.waitFor(() => b.coreEvents.some((e) => e.type === 'connectivityChanged' && e.online === false), { message: 'offline heard' });
      await b.waitFor(() => b.alarms.size === 1, { message: 'a slow check stays scheduled while offline' });
      const lives = b.life;
      await b.kill();
      b.setOnline(true); // No background runs to hear the 'online' event.
      await b.waitFor(() => b.title(tab) === 'Recovered', { skipWaits: true, message: 'the page came back' });
      assert.ok(b.life > lives, 'a new background, started by its alarm');
      console.log('  /f-offline:', JSON.stringify(timeline('/f-offline', t0)));
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
});

describe('the background stopped mid-recovery', { skip: !built && 'run ./build.sh first' }, () => {
  let server;
  let browser;

  before(async () => { server = await startFlakyServer(); });
  after(async () => { await server?.close(); });

  /** A fake browser that stops the background at the first call `when` picks (in its first life). */
  function browserKilling(when, { settings = {}, permissions = [] } = {}) {
    let done = false;
    browser = new FakeBrowser({
      extDir: EXT,
      settings: { ...FAST, ...settings },
      permissions,
      onCall: (call) => {
        if (done) return undefined;
        const verdict = when(call);
        if (verdict) done = true;
        return verdict;
      },
    });
    return browser;
  }

  async function recoveredAfterAKill(b, tabId, path) {
    await b.waitFor(() => b.title(tabId) === 'Recovered', { skipWaits: true, message: `${path} recovered` });
    assert.ok(b.life >= 2, `the background was stopped and started again (lives: ${b.life})`);
    // Nothing more happens afterwards: wait out a few of the engine's deadlines.
    for (let i = 0; i < 3; i++) b.skipToNextAlarm();
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(b.errors, []);
  }

  const gets = (path) => server.requests(path).filter((r) => r.method === 'GET').length;

  // Where the background is stopped: [test name, path, the call, stopped before or after it is answered].
  const STOPS = [
    ['while waiting for the first check: the check comes, and the page reloads once', '/k-wait', 'alarms.create', 'killAfter'],
    // A credentialed check asks the browser for the site's cookies as it starts.
    ['during the check: the unanswered check counts as failed, the next one brings the page back', '/k-probe', 'test.cookieHeader', 'kill'],
    // reloadTab() first looks the tab up: stopped there, the reload never reached the browser.
    ['between the check and the reload: the reload happens exactly once', '/k-between', 'tabs.get', 'kill'],
    ['right after the reload: it is not repeated', '/k-reloaded', 'tabs.reload', 'killAfter'],
  ];
  for (const [name, path, stopAt, verdict] of STOPS) {
    it(name, async () => {
      const b = browserKilling((call) => (call.path === stopAt ? verdict : undefined));
      try {
        server.route(path, { failFirst: 1 });
        const tab = await b.openTab(server.url(path));
        await recoveredAfterAKill(b, tab, path);
        assert.equal(b.reloads.length, 1);
        assert.equal(gets(path), 2, 'the failed load and one reload');
      } finally {
        await b.close();
      }
    });
  }

  for (const [when, verdict] of [['before the first cookie is removed', 'kill'], ['after the first cookie is removed', 'killAfter']]) {
    it(`half-way through clearing cookies (${when}): each is removed once, another site's stay, one reload`, async () => {
      const b = browserKilling(({ path }) => (path === 'cookies.remove' ? verdict : undefined),
        { settings: { cookieClearing: 'automatic' }, permissions: ['cookies'] });
      try {
        const path = `/k-cookies-${verdict}`;
        b.setCookie(server.url('/'), 'big');
        b.setCookie(server.url('/'), 'small');
        b.setCookie(server.url('/', 'localhost'), 'other');
        server.route(path, { failWithCookie: 'big' });
        const tab = await b.openTab(server.url(path));
        await recoveredAfterAKill(b, tab, path);
        const removed = b.removedCookies.map((c) => `${c.name}@${c.domain}`).sort();
        assert.deepEqual(removed, ['big@127.0.0.1', 'small@127.0.0.1'], 'each removed exactly once');
        assert.deepEqual(b.cookiesFor(server.url('/', 'localhost')).map((c) => c.name), ['other']);
        assert.equal(b.reloads.length, 1, 'one reload, after the clearing');
        assert.equal(gets(path), 2);
      } finally {
        await b.close();
      }
    });
  }

  // Last: every event the backgrounds above fed their core is one the wasm boundary test replays.
  it('every event the shell sent is in tests/fixtures/shell-events.json (the wasm boundary test replays them)', () => {
    assert.ok(recordedCoreEvents.length > 0, 'events were recorded');
    const missing = checkRecorded(recordedCoreEvents);
    assert.deepEqual(missing, [], 'new event shapes: run BOUNCEBACK_RECORD_EVENTS=1 node --test tests/shell/restart.test.mjs and commit the fixture');
  });
});
