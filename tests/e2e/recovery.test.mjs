// End to end: the built extension, in each real browser, against a local flaky server,
// judged by what a user sees (the tab's content) and what the server received.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BROWSERS, requireDist } from './lib/browsers.mjs';
import { chooseCookieClearing, extensionApi } from './lib/extension.mjs';
import { browserSuite } from './lib/suite.mjs';
import { sleep } from './lib/wait.mjs';

requireDist();

// Quick but real policy for tests: the same engine, shorter waits (a check after 0.5 s, then
// waits of 1, 1.5, 2, 2 ... s, each ±15 %).
const FAST = { quickCheckMs: 500, baseMs: 1000, stepMs: 500, capMs: 2000, floorMs: 500, maxAttempts: 6, cookieClearing: 'ask' };

// Every test is bounded; a hang fails that test, not the whole run.
const it = (name, fn) => test(name, { timeout: 150_000 }, fn);

const recovered = (tab) => async () => (await tab.title()) === 'Recovered';
const NO_END = 1e9; // "fail for ever" for failFirst
const methods = (server, path) => server.requests(path).map((r) => r.method);

for (const [name, launch] of Object.entries(BROWSERS)) {
  describe(`${name}: recovery`, () => {
    let browser;
    let server;
    const open = browserSuite(launch, (b, s) => { browser = b; server = s; });

    const settings = (overrides) => extensionApi(browser).saveSettings({ ...FAST, ...overrides });
    const view = (tabId) => extensionApi(browser).view(tabId);
    /** Waits until the background can do nothing more by itself (see extensionApi().idle). */
    const settled = (tab, message = 'the background to settle') => tab.waitFor(() => extensionApi(browser).idle(), { timeout: 30_000, message });
    const cookieNames = (url) => extensionApi(browser).cookieNames(url);

    it('a healthy page is requested exactly once', async () => {
      await settings({});
      server.route('/healthy', {});
      const tab = await open(server.url('/healthy'));
      await tab.waitFor(recovered(tab), { message: 'the page' });
      // A negative check the background cannot confirm: nothing marks that the content
      // script's report of the page text was judged, so this waits it out.
      await sleep(3000);
      assert.equal(server.count('/healthy'), 1);
    });

    it('a 502 that fails three times comes back with one clean reload', async () => {
      await settings({});
      server.route('/walk', { failFirst: 3 });
      const tab = await open(server.url('/walk'));
      await tab.waitFor(recovered(tab), { timeout: 60_000, message: 'the recovered page' });
      const seen = server.requests('/walk').map((r) => r.method);
      // The failed load, background checks (HEAD) until the site answers, then one reload.
      assert.equal(seen[0], 'GET');
      assert.equal(seen.at(-1), 'GET');
      assert.equal(seen.filter((m) => m === 'GET').length, 2, `requests: ${seen}`);
      assert.equal(server.count('/walk'), 5, `requests: ${seen}`);
    });

    it('with the shipped schedule, a 2 s restart is back within seconds (the quick check)', async () => {
      // Every setting but cookie clearing at its default: the schedule users get.
      await extensionApi(browser).saveSettings({ cookieClearing: 'ask' });
      server.route('/blip', { failForMs: 2000 });
      const tab = await open(server.url('/blip'));
      await tab.waitFor(recovered(tab), { timeout: 30_000, message: 'the recovered page' });
      const seen = server.requests('/blip');
      // The failed load, one check that finds the site up, one reload.
      assert.deepEqual(seen.map((r) => r.method), ['GET', 'HEAD', 'GET']);
      // The check comes about 3 s (±15 %) after the failure, not after the 16 s first wait.
      const wait = seen[1].time - seen[0].time;
      assert.ok(wait >= 2000 && wait < 8000, `check ${wait} ms after the failure`);
    });

    it('a 502 page served with 200 (soft error) is recognised and recovered', async () => {
      await settings({});
      server.route('/soft', { failFirst: 1, failMode: 'soft' });
      const tab = await open(server.url('/soft'));
      await tab.waitFor(recovered(tab), { timeout: 60_000, message: 'the recovered page' });
      assert.equal(methods(server, '/soft')[0], 'GET');
    });

    it('a 502 whose reload brings a maintenance page served with 200 is not called recovered before the page is well', async () => {
      await settings({});
      const maintenance = '<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>'
        + '<h1>Service Unavailable</h1><p>Service Unavailable \u2014 database connection failed</p></body></html>';
      server.route('/maint', { failFirst: 1, okBody: maintenance });
      const tab = await open(server.url('/maint'));
      await tab.waitFor(async () => /502|Service Unavailable/.test(await tab.title()), { message: 'the error page' });
      const tabId = await tab.browserTabId();
      // The check passes (the site answers 200), the tab is reloaded, and the reloaded page is
      // the maintenance page: a failed attempt, judged from the page's text.
      await tab.waitFor(async () => (await view(tabId)).attempt >= 1, { timeout: 30_000, message: 'the reloaded page judged' });
      assert.equal(await tab.title(), 'Service Unavailable');
      assert.notEqual((await view(tabId)).state, 'healthy');
      const incidents = () => extensionApi(browser).send({ type: 'getIncidents' });
      const mine = async () => (await incidents()).filter((i) => i.url === server.url('/maint'));
      assert.deepEqual(await mine(), [], 'not called recovered');
      // The site is well again: the next check reads the page, the tab comes back, and only then
      // is the incident recorded, once.
      server.route('/maint', {});
      await tab.waitFor(recovered(tab), { timeout: 60_000, message: 'the recovered page' });
      await tab.waitFor(async () => (await mine()).length === 1, { message: 'the incident' });
      assert.equal((await mine())[0].outcome, 'recovered');
    });

    it('an article about 502 errors loads once and is left alone', async () => {
      await settings({});
      const tab = await open(server.url('/article-502'));
      await tab.waitFor(async () => /502/.test(await tab.title()), { message: 'the article' });
      // As above: waits out the content script's report of the text.
      await sleep(4000);
      assert.equal(server.count('/article-502'), 1);
      assert.equal((await view(await tab.browserTabId())).state, 'healthy');
    });

    it('a dropped connection is recovered once the server answers again', async () => {
      await settings({});
      server.route('/drop', { failMode: 'drop', failForMs: 4000 });
      const tab = await open(server.url('/drop'));
      await tab.waitFor(recovered(tab), { timeout: 60_000, message: 'the recovered page' });
    });

    it('a 503 with Retry-After: 4 gets no request before 4 s have passed', async () => {
      await settings({});
      server.route('/retry-after', { failFirst: 1, failStatus: 503, failHeaders: { 'Retry-After': '4' } });
      const tab = await open(server.url('/retry-after'));
      await tab.waitFor(recovered(tab), { timeout: 60_000, message: 'the recovered page' });
      const [first, second] = server.requests('/retry-after');
      assert.ok(second.time - first.time >= 4000, `second request after ${second.time - first.time} ms`);
    });

    it('a failed POST is never resent on its own', async () => {
      await settings({});
      server.route('/submit', { failFirst: NO_END });
      const tab = await open(server.url('/form'));
      await tab.waitFor(async () => (await tab.evaluate('() => !!document.getElementById("go")')), { message: 'the form' });
      await tab.click('#go');
      await tab.waitFor(async () => server.count('/submit') >= 1, { message: 'the POST' });
      const tabId = await tab.browserTabId();
      await tab.waitFor(async () => (await view(tabId)).state === 'failedPost', { message: 'the failed POST parked' });
      await settled(tab);
      assert.deepEqual(methods(server, '/submit'), ['POST']);
      assert.equal((await view(tabId)).state, 'failedPost');
    });

    it('when a reload is not enough, the next one bypasses the cache', async () => {
      await settings({});
      // The background's checks (HEAD) pass, but the page itself fails once more on reload.
      server.route('/hard', { failFirst: 2, methods: ['GET'] });
      const tab = await open(server.url('/hard'));
      await tab.waitFor(recovered(tab), { timeout: 60_000, message: 'the recovered page' });
      const gets = server.requests('/hard').filter((r) => r.method === 'GET');
      assert.equal(gets.length, 3, `requests: ${methods(server, '/hard')}`);
      const last = gets.at(-1).headers;
      assert.ok(last['cache-control'] === 'no-cache' || last.pragma === 'no-cache',
        `cache-bypass headers on the last reload: ${JSON.stringify(last)}`);
    });

    /** Sets a failing page's cookies: a big one it fails with, and one of another site. */
    async function cookiesToClear(big) {
      server.route(`/set-local-${big}`, { setCookies: ['other=1; Path=/'] });
      server.route(`/set-${big}`, { setCookies: [`${big}=${'x'.repeat(3000)}; Path=/`, 'small=1; Path=/'] });
      for (const url of [server.url(`/set-local-${big}`, 'localhost'), server.url(`/set-${big}`)]) {
        const t = await open(url);
        await t.waitFor(recovered(t), { message: `cookies from ${url}` });
      }
      const names = await cookieNames(server.url('/'));
      assert.ok(names.includes(big) && names.includes('small'), `cookies set: ${names}`);
      assert.deepEqual(await cookieNames(server.url('/', 'localhost')), ['other']);
    }

    it('with clearing allowed, the failing site loses its cookies and another site keeps its own', async () => {
      await settings({});
      // As a user does: "Automatically" in the options, which asks the browser for the permission.
      const said = await chooseCookieClearing(browser, open, 'automatic');
      assert.equal(said.error, '');
      assert.equal(await extensionApi(browser).cookieAccess(), true, `granted: ${JSON.stringify(said)}`);
      await cookiesToClear('big');
      server.route('/cookie-page', { failWithCookie: 'big' });
      const tab = await open(server.url('/cookie-page'));
      await tab.waitFor(recovered(tab), { timeout: 60_000, message: 'the recovered page' });
      assert.deepEqual(await cookieNames(server.url('/')), []);
      assert.deepEqual(await cookieNames(server.url('/', 'localhost')), ['other']);
    });

    it('without the cookies permission, "automatically" clears nothing and gives up with advice', async () => {
      // Set as an import would (no click, so no permission): the engine treats it as "ask".
      await settings({ cookieClearing: 'automatic', maxAttempts: 3, capMs: 1000 });
      assert.equal(await extensionApi(browser).cookieAccess(), false);
      await cookiesToClear('big3');
      server.route('/cookie-page3', { failWithCookie: 'big3' });
      const tab = await open(server.url('/cookie-page3'));
      const tabId = await tab.waitFor(() => tab.browserTabId(), { message: 'the tab id' });
      const v = await tab.waitFor(async () => { const v = await view(tabId); return v.state === 'gaveUp' && v; },
        { timeout: 60_000, message: 'giving up' });
      const codes = v.advice.map((a) => a.code);
      assert.ok(codes.includes('cookiesSuspected') && codes.at(-1) === 'watchOffer', `advice: ${JSON.stringify(v.advice)}`);
      // The popup words it (in English here).
      const popup = await open(`${browser.extensionOrigin}/popup.html?tab=${tabId}`);
      const advice = await popup.waitFor(() => popup.evaluate(`() => document.getElementById('advice').textContent`), { message: 'the advice' });
      assert.match(advice, /its cookies are probably the cause: use "Clear cookies" for this site\. "Tell me when it's back" keeps checking/, advice);
      const names = await cookieNames(server.url('/'));
      assert.ok(names.includes('big3') && names.includes('small'), `nothing cleared: ${names}`);
      assert.notEqual(await tab.title(), 'Recovered', 'the page was left as it was');
    });

    it('with clearing not allowed, no cookie is touched, even with the permission granted', async () => {
      await chooseCookieClearing(browser, open, 'automatic');
      assert.equal(await extensionApi(browser).cookieAccess(), true);
      await settings({ cookieClearing: 'never', maxAttempts: 2, capMs: 1000 });
      server.route('/set-big2', { setCookies: [`big2=${'x'.repeat(3000)}; Path=/`] });
      const t = await open(server.url('/set-big2'));
      await t.waitFor(recovered(t), { message: 'the cookie' });
      server.route('/cookie-page2', { failWithCookie: 'big2' });
      const tab = await open(server.url('/cookie-page2'));
      const tabId = await tab.browserTabId().catch(() => null);
      await tab.waitFor(async () => (await view(tabId ?? (await tab.browserTabId()))).state === 'gaveUp',
        { timeout: 60_000, message: 'giving up' });
      assert.ok((await cookieNames(server.url('/'))).includes('big2'));
    });

    it('after giving up, no more requests reach the site', async () => {
      await settings({ maxAttempts: 2, capMs: 1000 });
      server.route('/down', { failFirst: NO_END });
      const tab = await open(server.url('/down'));
      await tab.waitFor(async () => (await view(await tab.browserTabId())).state === 'gaveUp',
        { timeout: 60_000, message: 'giving up' });
      const count = server.count('/down');
      await settled(tab);
      assert.equal(server.count('/down'), count);
    });

    it('navigating the tab elsewhere stops the retries', async () => {
      await settings({});
      server.route('/away', { failFirst: NO_END });
      server.route('/elsewhere', {});
      const tab = await open(server.url('/away'));
      await tab.waitFor(async () => server.count('/away') >= 2, { timeout: 30_000, message: 'a retry' });
      await tab.goto(server.url('/elsewhere'));
      await tab.waitFor(recovered(tab), { message: 'the other page' });
      const count = server.count('/away');
      const tabId = await tab.browserTabId();
      await tab.waitFor(async () => (await view(tabId)).lastStatus === 200, { message: 'the other page seen by the background' });
      // Retries still going would keep a wake-up set: settling is the proof they stopped.
      await settled(tab);
      assert.equal(server.count('/away'), count);
    });

    it('a background stopped in the middle of a backoff still brings the tab back', async () => {
      await settings({ baseMs: 4000, capMs: 4000, floorMs: 4000 });
      server.route('/killed', { failFirst: 1 });
      const tab = await open(server.url('/killed'));
      await tab.waitFor(async () => server.count('/killed') >= 1, { message: 'the failed load' });
      // The failure is in the core's saved state once the view shows it (a getView waits for the queue).
      // The tab may still show about:blank for a moment after the server saw the request.
      const tabId = await tab.waitFor(() => tab.browserTabId(), { message: 'the tab id' });
      await tab.waitFor(async () => (await view(tabId)).state === 'recovering', { message: 'the recovery under way' });
      await browser.stopBackground();
      // Only the page is watched from here on: asking the background would wake it up.
      await tab.waitFor(recovered(tab), { timeout: 90_000, interval: 500, message: 'the recovered page' });
    });
  });
}
