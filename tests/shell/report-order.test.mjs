// A page's report can reach the background before the webRequest events of the load that
// made it: Firefox was seen delivering the report of a form's failed POST before even that
// POST's onBeforeRequest. Taken alone, such a report looks like a page loaded before the
// background listened (method unknown, so a GET probe of its URL). The background must hold
// it until the load shows up, so that the core judges the page as the POST result it is.
// Built background.js and wasm core in the fake browser (lib/fake-browser.mjs), which lets the
// test deliver the events in exactly this order, every time.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFlakyServer } from '../e2e/lib/server.mjs';
import { FakeBrowser } from './lib/fake-browser.mjs';

const EXT = fileURLToPath(new URL('../../dist/chromium', import.meta.url));
const built = existsSync(`${EXT}/background.js`);
const FAST = { quickCheckMs: 500, baseMs: 1000, stepMs: 500, capMs: 2000, floorMs: 500, maxAttempts: 6, probeTimeoutMs: 1000, cookieClearing: 'ask' };

let server;
before(async () => { server = await startFlakyServer(); });
after(async () => { await server?.close(); });

test('a failed POST whose page reports before its load is seen is parked, and its URL never requested again', { timeout: 60_000, skip: !built && 'run ./build.sh first' }, async () => {
  const b = new FakeBrowser({ extDir: EXT, settings: FAST });
  try {
    server.route('/r-submit', { failFirst: 1, methods: ['POST'] });
    const tab = await b.openTab(server.url('/form'));
    // The background has started and looked at the open tabs (its start-up) before the POST.
    await b.waitFor(() => b.coreEvents.some((e) => e.type === 'tabsFound'), { message: 'the start-up' });
    assert.equal((await b.message({ type: 'getView', tabId: tab })).reply.state, 'healthy');
    const url = server.url('/r-submit');
    // The POST happens, its events held back; the page it brought reports first.
    b.tabs.get(tab).url = url;
    await b.load(tab, url, { method: 'POST', body: 'item=widget&qty=1', watched: false });
    const details = { tabId: tab, url, method: 'POST', type: 'main_frame', frameId: 0, timeStamp: b.now() };
    const answered = b.message(b.pageReport(tab), { from: 'page', tabId: tab });
    await sleep(200); // The events come late, but they come (well within the background's wait).
    await b.deliver('webRequest.onBeforeRequest', details);
    await b.deliver('webRequest.onCompleted', { ...details, statusCode: 502, responseHeaders: [{ name: 'server', value: 'nginx' }] });
    const answer = await answered;
    assert.equal(answer?.ok, true, JSON.stringify(answer));

    const kinds = b.coreEvents.filter((e) => e.tabId === tab).map((e) => `${e.type}${e.method ? ` ${e.method}` : ''}`);
    assert.deepEqual(kinds.slice(-3), ['navigationStarted POST', 'navigationCompleted POST', 'pageHtmlSeen'], 'the report judged after its load');
    const view = (await b.message({ type: 'getView', tabId: tab })).reply;
    assert.equal(view.state, 'failedPost');
    // Whatever the core would do with a page it took for a GET (a probe of the URL at once),
    // it would have done by now: the probe is the first thing it asks for.
    await sleep(1000);
    assert.deepEqual(server.requests('/r-submit').map((r) => r.method), ['POST'], 'only the user\'s own POST');
    assert.deepEqual(b.navigations, []);
    assert.deepEqual(b.reloads, []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
