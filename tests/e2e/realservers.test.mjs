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
import { EXPECTED, FAILURES, missingServers, SERVERS, startLab, stopLab } from './lib/realservers.mjs';
import { waitFor } from './lib/wait.mjs';

const missing = missingServers();
const skip = missing.length && process.env.CI !== 'true'
  ? `not installed: ${missing.map((m) => m.pkg).join(' ')} (apt-get install ${missing.map((m) => m.pkg).join(' ')})` : false;
if (!skip) requireDist();

// The recovery suite's quick policy: a check after 0.5 s, then waits of 1 to 2 s; a check
// unanswered for 6 s has timed out (longer than any server's 2 s timeout page takes). Enough
// attempts that no recovery gives up before its test brings the backend back: with 30 tabs
// at once, a test may see the failure many seconds after Bounceback did (Firefox's WebDriver
// serves one command at a time).
const FAST = { quickCheckMs: 500, baseMs: 1000, stepMs: 500, capMs: 2000, floorMs: 500, maxAttempts: 40, probeTimeoutMs: 6000, cookieClearing: 'ask' };

const it = (name, fn) => test(name, { timeout: 120_000 }, fn);

// Each server gets one site per failure (its backend in that mode), one with the server's
// default timeouts (its backend down to begin with) and one for the POST (its backend up,
// serving the form).
const PLAN = {
  ...Object.fromEntries(FAILURES.map((f) => [f, { mode: f }])),
  slow: { mode: 'down', timeoutS: null },
  post: { mode: 'up' },
};

for (const [browserName, launch] of Object.entries(BROWSERS)) {
  describe(`${browserName}: real servers`, { skip }, () => {
    let browser;
    let lab;
    const api = () => extensionApi(browser);
    const tabs = [];
    // Every poll is a WebDriver command in Firefox, served one at a time: polls of 30 tests
    // at once are kept sparse there.
    const POLL = browserName === 'firefox' ? 1000 : 300;

    before(async () => {
      const t0 = Date.now();
      const [b, l] = await Promise.allSettled([launch(), startLab(Object.keys(SERVERS), PLAN)]);
      browser = b.value;
      lab = l.value;
      for (const r of [b, l]) if (r.status === 'rejected') throw r.reason;
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
    }, { timeout: 20_000, interval: POLL, message: `the tab of ${url}` });
    const view = (tabId) => api().send({ type: 'getView', tabId });
    const incidentsOf = async (url) => (await api().send({ type: 'getIncidents' })).filter((i) => i.url === url);
    /** A failing site's state and logs, for a failure message. */
    const explain = (name, tabId) => async () => `view: ${JSON.stringify(tabId == null ? null : await view(tabId))}\n${lab[name].server.logs()}`;

    async function open(url) {
      const tab = await browser.openTab(url);
      tabs.push(tab);
      return tab;
    }

    /**
     * Once the backend is up: the tab shows the page again, its incident is `recovered` and
     * was fixed by Bounceback (a reload, or the wait Retry-After asked for), and the backend
     * saw nothing but GET and HEAD. Returns the incident and the backend's methods.
     */
    async function expectBroughtBack(name, tab, tabId, url, backend) {
      await waitFor(async () => (await tab.title()) === 'Recovered',
        { timeout: 45_000, interval: POLL, message: 'the page back', describe: explain(name, tabId) });
      const [incident] = await waitFor(async () => { const i = await incidentsOf(url); return i.length ? i : null; },
        { timeout: 15_000, interval: POLL, message: 'the incident', describe: explain(name, tabId) });
      assert.equal(incident.outcome, 'recovered', JSON.stringify(incident));
      assert.ok(['reload', 'hard reload', 'retry-after wait'].includes(incident.fixedBy), `brought back by ${incident.fixedBy}, not by Bounceback's reload: ${JSON.stringify(incident)}`);
      const methods = backend.requests().map((r) => r.method);
      assert.ok(methods.every((m) => m === 'GET' || m === 'HEAD'), `the backend saw ${methods}`);
      return { incident, methods };
    }

    describe('a page behind each server fails, is detected, and comes back by Bounceback\'s reload', { concurrency: true }, () => {
      for (const name of Object.keys(SERVERS)) {
        for (const failure of FAILURES) {
          const status = EXPECTED[name][failure];
          const what = { down: 'down (refused)', hang: 'hanging', reset: 'closing every connection' }[failure];
          it(`${name}, backend ${what}: ${status}`, async () => {
            const backend = lab[name].backends[failure];
            const url = lab[name].url(failure, '/page');
            const t0 = Date.now();
            const tab = await open(url);
            const tabId = await tabIdOf(url);
            // Detected, with the server's status, and the next check scheduled.
            await waitFor(async () => {
              const v = await view(tabId);
              return v.active && v.lastStatus === status && v.nextAttemptAtMs != null && v;
            }, { timeout: 30_000, interval: POLL, message: `Bounceback to detect ${name}'s ${status}`, describe: explain(name, tabId) });
            const detectedMs = Date.now() - t0;
            // A check against the real server failed too (HEAD through the proxy, or a reload).
            const checked = await waitFor(async () => { const v = await view(tabId); return v.attempt >= 1 && v; },
              { timeout: 30_000, interval: POLL, message: 'a failed check', describe: explain(name, tabId) });
            const upAt = Date.now();
            await backend.set('up');
            const { incident, methods } = await expectBroughtBack(name, tab, tabId, url, backend);
            assert.ok(incident.statuses.includes(status), JSON.stringify(incident));
            const d = checked.diagnosis;
            console.log(`${browserName} ${name} ${failure}: ${status}, vendor ${checked.vendor ?? '-'}, "${checked.summary}", `
              + `diagnosis ${d ? `${d.finding} at ${d.broken}, server ${d.server ?? '-'}` : '-'}; `
              + `detected after ${detectedMs} ms, back ${Date.now() - upAt} ms after the backend; `
              + `attempts ${incident.attempts}, fixed by ${incident.fixedBy}, backend saw ${methods.join(' ') || 'nothing'}`);
          });
        }
      }
      for (const name of Object.keys(SERVERS)) {
        it(`${name}, backend down, then hanging behind the server's default timeouts (a minute, or none): the checks time out`, async () => {
          const backend = lab[name].backends.slow;
          const url = lab[name].url('slow', '/page');
          const tab = await open(url);
          const tabId = await tabIdOf(url);
          await waitFor(async () => { const v = await view(tabId); return v.active && v.lastStatus === EXPECTED[name].down; },
            { timeout: 30_000, interval: POLL, message: `Bounceback to detect ${name}'s ${EXPECTED[name].down}`, describe: explain(name, tabId) });
          // From now on the server waits for the backend as long as its defaults say: the
          // background's checks get no answer and time out.
          await backend.set('hang');
          await waitFor(async () => (await view(tabId)).lastError === 'probe timed out',
            { timeout: 40_000, interval: POLL, message: 'a check timed out', describe: explain(name, tabId) });
          await backend.set('up');
          const { incident, methods } = await expectBroughtBack(name, tab, tabId, url, backend);
          console.log(`${browserName} ${name} slow: attempts ${incident.attempts}, statuses ${incident.statuses}, fixed by ${incident.fixedBy}, backend saw ${methods.join(' ')}`);
        });
      }
    });

    it('a POST that fails behind each server is never resent', async () => {
      const cases = await Promise.all(Object.keys(SERVERS).map(async (name) => {
        const backend = lab[name].backends.post;
        const tab = await open(lab[name].url('post', '/form'));
        await waitFor(async () => tab.evaluate('() => !!document.getElementById("go")'), { interval: POLL, message: `${name}'s form` });
        await backend.set('down');
        await tab.click('#go');
        const submit = lab[name].url('post', '/submit');
        const tabId = await tabIdOf(submit);
        const status = EXPECTED[name].down;
        const v = await waitFor(async () => { const v = await view(tabId); return v.state === 'failedPost' && v; },
          { timeout: 30_000, interval: POLL, message: `the POST through ${name} parked`, describe: explain(name, tabId) });
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
