// End to end: a page that fails with a 502 comes back by itself, in each browser.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, requireDist } from './lib/browsers.mjs';
import { startFlakyServer } from './lib/server.mjs';

requireDist();

for (const [name, launch] of Object.entries(BROWSERS)) {
  describe(`${name}: recovery`, () => {
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

    test('a 502 that fails three times is reloaded until the page answers', async () => {
      server.route('/walk', { failFirst: 3 });
      const tab = await browser.openTab(server.url('/walk'));
      await tab.waitFor(async () => (await tab.title()) === 'Recovered', { timeout: 60_000, message: 'the recovered page' });
      assert.match(await tab.text(), /Recovered/);
      console.log(server.requests('/walk').map((r) => `${r.method} @${r.time}`));
    });
  });
}
