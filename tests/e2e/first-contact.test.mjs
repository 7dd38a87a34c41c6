// End to end, the edges of a failing tab's life (issue 12): a page that failed before
// Bounceback was installed (Firefox: the add-on is installed while the page is open) or enabled
// (Chromium: a helper extension disables it, the page loads, then enables it again) is found
// and brought back without any user action, the popup on it shows the failure, and a form
// result found that way is never resubmitted; and a page that stays an error page (served with
// 200, or a 502) costs the site a bounded, decreasing request rate and ends in advice.
// Judged by what the site saw (its request log) and what the user sees.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { BROWSERS, requireDist } from './lib/browsers.mjs';
import { extensionApi } from './lib/extension.mjs';
import { launchLate } from './lib/late.mjs';
import { startFlakyServer } from './lib/server.mjs';

requireDist();

const it = (name, fn) => test(name, { timeout: 240_000 }, fn);

/** The site's log of `path` as [seconds since the first request, method]. */
function timeline(server, path) {
  const all = server.requests(path);
  const t0 = all[0]?.time ?? 0;
  return all.map((r) => [Number(((r.time - t0) / 1000).toFixed(1)), r.method]);
}

for (const name of Object.keys(BROWSERS)) {
  describe(`${name}: a tab that failed before Bounceback was there`, () => {
    let server;
    let late;
    const tabs = [];
    before(async () => { server = await startFlakyServer(); });
    afterEach(async () => {
      while (tabs.length) await tabs.pop().close();
      await late?.browser.close();
      await late?.cleanup();
      late = null;
    });
    after(async () => { await server?.close(); });

    async function openBefore(url) {
      late = await launchLate(name);
      const tab = await late.browser.openTab(url);
      tabs.push(tab);
      return tab;
    }

    it('is found and brought back without any user action', async () => {
      server.route('/fc-soft', { failMode: 'soft', failFirst: 2 });
      const tab = await openBefore(server.url('/fc-soft'));
      await tab.waitFor(async () => /502: Bad gateway/.test(await tab.title()), { message: 'the error page' });
      await late.arrive();
      await tab.waitFor(async () => (await tab.title()) === 'Recovered', { timeout: 120_000, message: 'the page came back by itself' });
      const seen = timeline(server, '/fc-soft');
      console.log(`  ${name} /fc-soft (200 error page open before install):`, JSON.stringify(seen));
      // The failed load, a probe that reads the body (still the error page), more probes until
      // one finds it well, one GET navigation: never a HEAD (a status proves nothing here).
      assert.ok(seen.every(([, m]) => m === 'GET'), JSON.stringify(seen));
      assert.ok(seen.length >= 4 && seen.length <= 8, JSON.stringify(seen));
    });

    it('the popup on it shows the failure', async () => {
      server.route('/fc-popup', { failFirst: 1e9 });
      const tab = await openBefore(server.url('/fc-popup'));
      await tab.waitFor(async () => (await tab.title()) === '502 Bad Gateway', { message: 'the error page' });
      await late.arrive();
      const tabId = await tab.waitFor(() => tab.browserTabId(), { message: 'the tab id' });
      const popup = await late.browser.openTab(`${late.browser.extensionOrigin}/popup.html?tab=${tabId}`);
      tabs.push(popup);
      const state = await popup.waitFor(async () => {
        const s = await popup.evaluate(`() => document.getElementById('status')?.dataset.state ?? ''`);
        return s && s !== 'loading' ? s : null;
      }, { message: 'the popup' });
      assert.notEqual(state, 'healthy', 'never "This page is fine" on a 502 page');
      const heading = await popup.evaluate(`() => document.getElementById('status').textContent`);
      console.log(`  ${name} popup on a 502 open before install: ${state}: ${heading.replace(/\s+/g, ' ').trim().slice(0, 120)}`);
    });

    it('a form result (POST) found that way is never resubmitted', async () => {
      server.route('/submit', { failFirst: 1, methods: ['POST'] });
      const tab = await openBefore(server.url('/form'));
      await tab.waitFor(async () => (await tab.evaluate('() => !!document.getElementById("go")')), { message: 'the form' });
      await tab.click('#go');
      await tab.waitFor(async () => (await tab.title()) === '502 Bad Gateway', { message: 'the failed POST' });
      await late.arrive();
      await tab.waitFor(async () => (await tab.title()) === 'Recovered', { timeout: 120_000, message: 'the URL loaded afresh' });
      const seen = timeline(server, '/submit');
      console.log(`  ${name} /submit (POST result open before install):`, JSON.stringify(seen));
      assert.equal(server.count('/submit', 'POST'), 1, 'only the user\'s own POST');
    });
  });
}

// A policy with visibly growing gaps that fits the test's two minutes: a check after 0.5 s,
// then 2, 4, 6 ... 20 s (±15 %), giving up after two minutes.
const SLOW = { quickCheckMs: 500, baseMs: 2000, stepMs: 2000, capMs: 20_000, floorMs: 500, maxAttempts: 50, maxTotalMs: 120_000, cookieClearing: 'ask' };
// 2 min with these gaps: about 12 checks; the site must see no more than this per page.
const MAX_REQUESTS = 20;

for (const [name, launch] of Object.entries(BROWSERS)) {
  describe(`${name}: an error that persists`, () => {
    let browser;
    let server;
    before(async () => {
      server = await startFlakyServer();
      browser = await launch();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it('a 200 error page and a 502, each for two minutes: bounded, growing gaps, advice, nothing "recovered"', async () => {
      const api = extensionApi(browser);
      await api.saveSettings(SLOW);
      await api.send({ type: 'clearIncidents' });
      // Two origins (127.0.0.1 and localhost), so each page has its own schedule.
      server.route('/fc-200', { failMode: 'soft', failFirst: 1e9 });
      server.route('/fc-502', { failFirst: 1e9 });
      const soft = await browser.openTab(server.url('/fc-200'));
      const hard = await browser.openTab(server.url('/fc-502', 'localhost'));
      try {
        const softId = await soft.waitFor(() => soft.browserTabId(), { message: 'the tab id' });
        const hardId = await hard.waitFor(() => hard.browserTabId(), { message: 'the tab id' });
        for (const [tabId, what] of [[softId, '200 error page'], [hardId, '502']]) {
          let last = null;
          await soft.waitFor(async () => (last = await api.view(tabId)).state === 'gaveUp', { timeout: 200_000, interval: 1000, message: `the ${what} given up` })
            .catch((e) => {
              const { state, attempt, tried, nextStep, lastStatus, summary } = last ?? {};
              throw new Error(`${e.message}; its view: ${JSON.stringify({ state, attempt, tried, nextStep, lastStatus, summary })}; the site saw ${JSON.stringify(timeline(server, what === '502' ? '/fc-502' : '/fc-200'))}`);
            });
        }
        for (const [path, tabId] of [['/fc-200', softId], ['/fc-502', hardId]]) {
          const seen = timeline(server, path);
          console.log(`  ${name} ${path} for two minutes:`, JSON.stringify(seen));
          assert.ok(seen.length <= MAX_REQUESTS, `${seen.length} requests: ${JSON.stringify(seen)}`);
          const checks = seen.slice(1).map(([t]) => t);
          const gaps = checks.slice(1).map((t, i) => t - checks[i]);
          const half = Math.floor(gaps.length / 2);
          const mean = (g) => g.reduce((a, b) => a + b, 0) / g.length;
          assert.ok(mean(gaps.slice(half)) > mean(gaps.slice(0, half)), `gaps grow: ${gaps}`);
          const view = await api.view(tabId);
          assert.ok(view.advice.length > 0, 'advice after giving up');
        }
        assert.ok(timeline(server, '/fc-200').slice(1).every(([, m]) => m === 'GET'), 'a status proves nothing: the body is read');
        const incidents = await api.send({ type: 'getIncidents' });
        assert.ok(incidents.length >= 2 && incidents.every((i) => i.outcome === 'gaveUp'), JSON.stringify(incidents.map((i) => i.outcome)));
      } finally {
        await soft.close();
        await hard.close();
      }
    });
  });
}
