// Validates tests/e2e/lib/firefox.mjs against a tiny fixture extension written to a temp dir.
//   node --test tests/e2e/firefox.test.mjs
// Skipped (with a message) when firefox-esr or geckodriver is missing, unless CI=true.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startFlakyServer } from './lib/server.mjs';
import { launchFirefox, defaultGeckodriver, defaultFirefoxBin, isAlive } from './lib/firefox.mjs';

const GECKO_ID = 'fixture@bounceback.test';
const firefoxBin = defaultFirefoxBin();
const geckodriver = process.env.GECKODRIVER ?? defaultGeckodriver();
const missing = [
  !existsSync(firefoxBin) && `Firefox (${firefoxBin}; set FIREFOX_BIN)`,
  !(geckodriver && existsSync(geckodriver)) && 'geckodriver (~/.cargo/bin or PATH; set GECKODRIVER)',
].filter(Boolean);
const skip = missing.length && process.env.CI !== 'true' ? `missing ${missing.join(' and ')}` : false;

const BACKGROUND = `
const bootId = crypto.randomUUID();
let pings = 0;
browser.runtime.onMessage.addListener((msg) => {
  if (msg === 'ping') return Promise.resolve({ bootId, pings: ++pings });
});
browser.tabs.onUpdated.addListener(async (tabId, info, tab) => {
  if (info.status !== 'complete' || !/^https?:/.test(tab.url ?? '')) return;
  const { completes = [] } = await browser.storage.session.get('completes');
  completes.push({ tabId, url: tab.url, title: tab.title });
  await browser.storage.session.set({ completes });
});
`;

async function writeFixture() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bounceback-fixture-'));
  const manifest = {
    manifest_version: 3,
    name: 'Bounceback e2e fixture',
    version: '1.0',
    background: { scripts: ['background.js'], type: 'module' },
    action: { default_popup: 'popup.html' },
    permissions: ['tabs', 'storage'],
    host_permissions: ['<all_urls>'],
    browser_specific_settings: {
      gecko: { id: GECKO_ID, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } },
    },
  };
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  await writeFile(path.join(dir, 'background.js'), BACKGROUND);
  await writeFile(path.join(dir, 'popup.html'), '<!DOCTYPE html><meta charset="utf-8"><title>fixture popup</title><p>popup</p>\n');
  return dir;
}

let server, browser, extDir, artifacts;
before(async () => {
  if (skip) return;
  server = await startFlakyServer({ lifetimeMs: 300_000 });
  extDir = await writeFixture();
  artifacts = await mkdtemp(path.join(os.tmpdir(), 'bounceback-artifacts-'));
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (extDir) await rm(extDir, { recursive: true, force: true });
  if (artifacts) await rm(artifacts, { recursive: true, force: true });
});

test('firefox driver: extension, tabs, eval, background restart, screenshot, clean close', { skip, timeout: 180_000 }, async (t) => {
  const t0 = Date.now();
  browser = await launchFirefox({ extDir, geckoId: GECKO_ID });
  t.diagnostic(`launch took ${Date.now() - t0} ms`);
  assert.equal(browser.name, 'firefox');
  assert.match(browser.extensionOrigin, /^moz-extension:\/\/[0-9a-f-]{36}$/);
  const { firefox: ffPid, geckodriver: gdPid } = browser.pids;
  assert.ok(isAlive(ffPid) && isAlive(gdPid));

  // A 502 page first, then recovery.
  server.route('/p', { failFirst: 1 });
  const tab = await browser.openTab(server.url('/p'));
  assert.ok(tab.handle);
  await tab.waitFor(async () => (await tab.title()) === '502 Bad Gateway', { timeout: 15_000, message: '502 page' });
  assert.match(await tab.text(), /nginx\/1\.24\.0/);
  assert.equal(await tab.url(), server.url('/p'));
  await tab.goto(server.url('/p'));
  await tab.waitFor(async () => (await tab.title()) === 'Recovered', { message: 'recovered page' });
  assert.match(await tab.text(), /Recovered\s*\/p/);
  assert.equal(await tab.evaluate('(a, b) => a + b + document.querySelectorAll("h1").length', 2, 3), 6);
  assert.equal(server.count('/p', 'GET'), 2);

  // extensionEval sees the tabs; browserTabId matches.
  const tabs = await browser.extensionEval(`async (u) => (await browser.tabs.query({})).filter((t) => t.url === u).map((t) => ({ id: t.id, url: t.url, title: t.title }))`, server.url('/p'));
  assert.equal(tabs.length, 1, JSON.stringify(tabs));
  assert.equal(tabs[0].title, 'Recovered');
  const tabId = await tab.browserTabId();
  assert.equal(tabId, tabs[0].id);
  // extensionEval must not change the tab other calls act on.
  assert.equal(await tab.title(), 'Recovered');

  // The background saw the loads (tabs.onUpdated -> storage.session).
  await tab.waitFor(async () => {
    const { completes = [] } = await browser.extensionEval(`async () => browser.storage.session.get('completes')`);
    return completes.filter((c) => c.tabId === tabId && c.url === server.url('/p')).length >= 2;
  }, { message: 'background recorded two completed loads' });

  // stopBackground really unloads the event page: a new instance answers afterwards.
  const ping = () => browser.extensionEval(`async () => browser.runtime.sendMessage('ping')`);
  const a = await ping();
  const b = await ping();
  assert.equal(a.bootId, b.bootId);
  assert.equal(b.pings, a.pings + 1);
  assert.equal(await browser.backgroundState(), 'running');
  assert.equal(await browser.stopBackground(), 'stopped');
  assert.equal(await browser.backgroundState(), 'stopped');
  const c = await ping(); // wakes the event page
  assert.notEqual(c.bootId, a.bootId);
  assert.equal(c.pings, 1);
  assert.equal(await browser.backgroundState(), 'running');
  // storage.session survives the unload.
  const { completes } = await browser.extensionEval(`async () => browser.storage.session.get('completes')`);
  assert.ok(completes.length >= 2);

  // Clicks and POST forms.
  server.route('/submit', { failFirst: 1, methods: ['POST'] });
  await tab.goto(server.url('/form'));
  await tab.waitFor(async () => (await tab.title()) === 'Form', { message: 'form page' });
  await tab.click('#go');
  await tab.waitFor(async () => (await tab.title()) === '502 Bad Gateway', { message: 'POST answered 502' });
  const [post] = server.requests('/submit');
  assert.equal(post.method, 'POST');
  assert.match(post.body, /item=widget/);

  // Quirk worth knowing: reloading a POST result makes Firefox ask "resend?". WebDriver
  // reports it (and the next command dismisses it); browser.dialogs keeps a record.
  assert.equal(await tab.dialogText(), null);
  await browser.extensionEval(`async (id) => { await browser.tabs.reload(id); }`, tabId);
  await tab.waitFor(async () => /send information/.test((await tab.dialogText()) ?? ''), { message: 'resend-POST prompt' });
  await assert.rejects(tab.title(), /unexpected alert open/);
  assert.equal(browser.dialogs.length, 1);
  assert.match(browser.dialogs[0].text, /repeat any action/);
  assert.equal(browser.dialogs[0].handle, tab.handle);
  assert.equal(await tab.dialogText(), null);
  assert.equal(server.count('/submit', 'POST'), 1, 'POST not resent');

  // /echo is readable as raw JSON (JSON viewer off).
  const echoTab = await browser.openTab(server.url('/echo'));
  await echoTab.waitForLoad();
  const echo = JSON.parse(await echoTab.text());
  assert.equal(echo.method, 'GET');
  await echoTab.close();

  // A second tab, a dropped connection (Firefox's own error page), screenshot.
  server.route('/down', { failMode: 'drop', failForMs: 60_000 });
  const tab2 = await browser.openTab(server.url('/down'));
  await tab2.waitFor(async () => /about:neterror/.test(await tab2.evaluate('() => document.documentURI')), { message: 'net error page' });
  t.diagnostic(`drop: ${server.count('/down')} connection attempts; error page title ${JSON.stringify(await tab2.title())}`);
  assert.notEqual(await tab2.browserTabId(), tabId);
  // Concurrent calls are serialised internally and each acts on its own tab.
  const [t1a, t2a, n, t1b] = await Promise.all([tab.title(), tab2.title(),
    browser.extensionEval(`async () => (await browser.tabs.query({})).length`), tab.url()]);
  assert.deepEqual([t1a, t2a, t1b], ['502 Bad Gateway', 'Problem loading page', server.url('/submit')]);
  assert.ok(n >= 3);
  assert.equal(await tab.title(), '502 Bad Gateway'); // first tab untouched
  const shot = path.join(artifacts, 'tab.png');
  await tab.screenshot(shot);
  const png = await readFile(shot);
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.ok((await stat(shot)).size > 1000);
  await tab2.close();
  await assert.rejects(tab2.title(), /closed/);
  assert.equal(await tab.title(), '502 Bad Gateway');

  // waitFor times out with a useful message.
  await assert.rejects(tab.waitFor(async () => false, { timeout: 300, message: 'never' }), /never.*tab url=/);

  const t1 = Date.now();
  await browser.close();
  t.diagnostic(`close took ${Date.now() - t1} ms`);
  assert.ok(!isAlive(ffPid), 'firefox process gone');
  assert.ok(!isAlive(gdPid), 'geckodriver process gone');
  assert.ok(!existsSync(browser.profileDir), 'profile removed');
});
