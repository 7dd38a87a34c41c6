// End to end against real servers: the built extension, in each browser, meets the default
// error pages of Debian's nginx, Apache httpd, HAProxy, Varnish, Caddy and lighttpd, each a
// reverse proxy in front of a backend the test takes down (connection refused) or hangs
// (accepts, never answers), then brings back. Bounceback must see the failure, schedule its
// checks, and bring the page back by its own reload once the backend answers; a POST that
// failed behind each server must never be resent. See lib/realservers.mjs.
//
// Skipped (with a message) when a server is not installed, unless CI=true; ./build.sh test
// checks for them first.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, requireDist } from './lib/browsers.mjs';
import { extensionApi } from './lib/extension.mjs';
import { EXPECTED, FAILURES, missingServers, SERVERS, startBackend, startRealServer } from './lib/realservers.mjs';
import { waitFor } from './lib/wait.mjs';

const missing = missingServers();
const skip = missing.length && process.env.CI !== 'true'
  ? `not installed: ${missing.map((m) => m.pkg).join(' ')} (apt-get install ${missing.map((m) => m.pkg).join(' ')})` : false;
if (!skip) requireDist();

// The recovery suite's quick policy: a check after 0.5 s, then waits of 1 to 2 s.
const FAST = { quickCheckMs: 500, baseMs: 1000, stepMs: 500, capMs: 2000, floorMs: 500, maxAttempts: 8, cookieClearing: 'ask' };

const it = (name, fn) => test(name, { timeout: 120_000 }, fn);

/**
 * Every server, started in parallel, each with one site per failure (its backend in that
 * mode) and one for the POST (its backend up, serving the form).
 */
async function startLab() {
  const lab = {};
  await Promise.all(Object.keys(SERVERS).map(async (name) => {
    const backends = {};
    for (const mode of [...FAILURES, 'up']) backends[mode === 'up' ? 'post' : mode] = await startBackend({ mode });
    const keys = Object.keys(backends);
    const server = await startRealServer(name, keys.map((k) => ({ backend: backends[k].port })));
    const url = Object.fromEntries(keys.map((k, i) => [k, server.url(i, k === 'post' ? '/form' : '/page')]));
    lab[name] = { backends, server, url };
  }));
  return lab;
}

async function stopLab(lab) {
  await Promise.all(Object.values(lab ?? {}).map(async ({ server, backends }) => {
    await server?.close();
    await Promise.all(Object.values(backends).map((b) => b.close()));
  }));
}

for (const [browserName, launch] of Object.entries(BROWSERS)) {
  describe(`${browserName}: real servers`, { skip }, () => {
    let browser;
    let lab;
    const api = () => extensionApi(browser);
    const tabs = [];

    before(async () => {
      const t0 = Date.now();
      [browser, lab] = await Promise.all([launch(), startLab()]);
      await api().saveSettings(FAST);
      console.log(`${browserName}: browser and ${Object.keys(lab).length} servers up in ${Date.now() - t0} ms`);
    });
    after(async () => {
      for (const t of tabs) await t.close();
      await browser?.close();
      await stopLab(lab);
    });

    /** The browser's id of the tab showing `url` (unique per case: each site has its own port). */
    const tabIdOf = (url) => waitFor(async () => {
      const ids = await browser.extensionEval(
        `async (url) => (await (globalThis.browser ?? chrome).tabs.query({})).filter((t) => t.url === url).map((t) => t.id)`, url);
      return ids.length === 1 ? ids[0] : null;
    }, { timeout: 20_000, interval: 300, message: `the tab of ${url}` });
    const view = (tabId) => api().send({ type: 'getView', tabId });
    const incidentsOf = async (url) => (await api().send({ type: 'getIncidents' })).filter((i) => i.url === url);
    /** A failing site's state and logs, for a failure message. */
    const explain = (name, tabId) => async () => `view: ${JSON.stringify(tabId == null ? null : await view(tabId))}\n${lab[name].server.logs()}`;

    async function open(url) {
      const tab = await browser.openTab(url);
      tabs.push(tab);
      return tab;
    }

    describe('a page behind each server fails, is detected, and comes back by Bounceback\'s reload', { concurrency: true }, () => {
      for (const name of Object.keys(SERVERS)) {
        for (const failure of FAILURES) {
          const status = EXPECTED[name][failure];
          const what = { down: 'down (refused)', hang: 'hanging', reset: 'closing every connection' }[failure];
          it(`${name}, backend ${what}: ${status}`, async () => {
            const backend = lab[name].backends[failure];
            const url = lab[name].url[failure];
            const t0 = Date.now();
            const tab = await open(url);
            const tabId = await tabIdOf(url);
            // Detected, with the server's status, and the next check scheduled.
            await tab.waitFor(async () => {
              const v = await view(tabId);
              return v.active && v.lastStatus === status && v.nextAttemptAtMs != null && v;
            }, { timeout: 30_000, interval: 300, message: `Bounceback to detect ${name}'s ${status}`, describe: explain(name, tabId) });
            const detectedMs = Date.now() - t0;
            // A check against the real server failed too (HEAD through the proxy, or a reload).
            const checked = await tab.waitFor(async () => { const v = await view(tabId); return v.attempt >= 1 && v; },
              { timeout: 30_000, interval: 300, message: 'a failed check', describe: explain(name, tabId) });
            const upAt = Date.now();
            await backend.set('up');
            await tab.waitFor(async () => (await tab.title()) === 'Recovered',
              { timeout: 45_000, interval: 300, message: 'the page back', describe: explain(name, tabId) });
            const [incident] = await tab.waitFor(async () => { const i = await incidentsOf(url); return i.length ? i : null; },
              { timeout: 15_000, interval: 300, message: 'the incident', describe: explain(name, tabId) });
            assert.equal(incident.outcome, 'recovered', JSON.stringify(incident));
            assert.ok(['reload', 'hard reload', 'retry-after wait'].includes(incident.fixedBy), `brought back by ${incident.fixedBy}, not by Bounceback's reload: ${JSON.stringify(incident)}`);
            assert.ok(incident.statuses.includes(status), JSON.stringify(incident));
            const methods = backend.requests().map((r) => r.method);
            assert.ok(methods.every((m) => m === 'GET' || m === 'HEAD'), `the backend saw ${methods}`);
            const d = checked.diagnosis;
            console.log(`${browserName} ${name} ${failure}: ${status}, vendor ${checked.vendor ?? '-'}, "${checked.summary}", `
              + `diagnosis ${d ? `${d.finding} at ${d.broken}, server ${d.server ?? '-'}` : '-'}; `
              + `detected after ${detectedMs} ms, back ${Date.now() - upAt} ms after the backend; `
              + `attempts ${incident.attempts}, fixed by ${incident.fixedBy}, backend saw ${methods.join(' ') || 'nothing'}`);
          });
        }
      }
    });

    it('a POST that fails behind each server is never resent', async () => {
      const cases = await Promise.all(Object.keys(SERVERS).map(async (name) => {
        const backend = lab[name].backends.post;
        const tab = await open(lab[name].url.post);
        await tab.waitFor(async () => tab.evaluate('() => !!document.getElementById("go")'), { interval: 300, message: `${name}'s form` });
        await backend.set('down');
        await tab.click('#go');
        const submit = new URL('/submit', lab[name].url.post).href;
        const tabId = await tabIdOf(submit);
        const status = EXPECTED[name].down;
        const v = await tab.waitFor(async () => { const v = await view(tabId); return v.state === 'failedPost' && v; },
          { timeout: 30_000, interval: 300, message: `the POST through ${name} parked`, describe: explain(name, tabId) });
        assert.equal(v.lastStatus, status, `${name}: ${JSON.stringify(v)}`);
        await backend.set('up');
        return { name, backend, tab, tabId };
      }));
      // Every backend is up again; nothing is left for the background to do by itself (no
      // wake-up set) once it has decided about every tab.
      await waitFor(() => api().idle(), { timeout: 30_000, message: 'the background to settle' });
      for (const { name, backend, tabId } of cases) {
        const seen = backend.requests().filter((r) => r.path !== '/favicon.ico').map((r) => `${r.method} ${r.path}`);
        assert.deepEqual(seen, ['GET /form'], `${name}'s backend`);
        assert.equal((await view(tabId)).state, 'failedPost', name);
      }
    });
  });
}
