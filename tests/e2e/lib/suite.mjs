// The scaffolding every per-browser end-to-end suite repeats: a flaky server and the browser,
// started once and closed at the end, and after each test its tabs closed and the optional
// cookies permission taken back, so every test starts from a freshly installed extension.
import { after, afterEach, before } from 'node:test';
import { extensionApi } from './extension.mjs';
import { startFlakyServer } from './server.mjs';

/**
 * Registers the suite's hooks; `started(browser, server)` hands the two to the suite once they
 * run. Returns `open(url)`, which opens a tab that is closed after the test.
 */
export function browserSuite(launch, started) {
  let browser;
  let server;
  const tabs = [];
  before(async () => {
    server = await startFlakyServer();
    browser = await launch();
    started(browser, server);
  });
  afterEach(async () => {
    while (tabs.length) await tabs.pop().close();
    await extensionApi(browser).dropCookieAccess();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return async function open(url) {
    const tab = await browser.openTab(url);
    tabs.push(tab);
    return tab;
  };
}
