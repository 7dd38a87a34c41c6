// End to end: the built extension, in each real browser, against a local flaky server,
// judged by what a user sees (the tab's content) and what the server received.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { BROWSERS, requireDist } from './lib/browsers.mjs';
import { startFlakyServer } from './lib/server.mjs';
import { sleep } from './lib/wait.mjs';

requireDist();

// Quick but real policy for tests: the same engine, shorter waits.
const FAST = { baseMs: 1000, capMs: 2000, floorMs: 500, maxAttempts: 6, cookieClearing: 'ask' };

const recovered = (tab) => async () => (await tab.title()) === 'Recovered';

for (const [name, launch] of Object.entries(BROWSERS)) {
  describe(`${name}: recovery`, () => {
    let browser;
    let server;
    const tabs = [];

    async function open(url) {
      const tab = await browser.openTab(url);
      tabs.push(tab);
      return tab;
    }

    async function settings(overrides) {
      return browser.extensionEval(
        `async (s) => { const r = await (globalThis.browser ?? chrome).runtime.sendMessage({ type: 'saveSettings', settings: s }); if (!r.ok) throw new Error(r.error); return r.reply; }`,
        { ...FAST, ...overrides });
    }

    before(async () => {
      server = await startFlakyServer();
      browser = await launch();
    });
    afterEach(async () => {
      while (tabs.length) await tabs.pop().close();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('a healthy page is requested exactly once', async () => {
      await settings({});
      server.route('/healthy', {});
      const tab = await open(server.url('/healthy'));
      await tab.waitFor(recovered(tab), { message: 'the page' });
      await sleep(3000);
      assert.equal(server.count('/healthy'), 1);
    });

    test('a 502 that fails three times comes back with one clean reload', async () => {
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
  });
}
