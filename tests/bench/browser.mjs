// Browser-side benchmarks of the built extension in headless Chromium (not tests: nothing here
// asserts a time). Prints one JSON object on stdout:
//   wasm per-event cost, a page's report (extraction and detector) in wasm, content-script cost on a healthy page, and memory
//   after many navigations and incidents. (Page loads: pageload.mjs; cold start: coldstart.mjs.)
//
// Usage: node tests/bench/browser.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST } from '../e2e/lib/browsers.mjs';
import { launchChromium } from '../e2e/lib/chromium.mjs';
import { startFlakyServer } from '../e2e/lib/server.mjs';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]; };
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

const HEALTHY_PAGE = `<!doctype html><html><head><title>A healthy article</title></head><body>
<header><nav>${Array.from({ length: 40 }, (_, i) => `<a href="/p${i}">Link ${i}</a>`).join(' ')}</nav></header>
<main>${Array.from({ length: 120 }, (_, i) => `<p>Paragraph ${i}: ordinary text about gardening, recipes and the weather, long enough to look like a real page.</p>`).join('\n')}</main>
</body></html>`;

// A 256 KiB article (the most of a page the content script sends) built from the corpus'
// how-to page, repeated.
function bigArticle() {
  const para = '<p>When a reverse proxy such as nginx cannot reach its upstream it answers 502 Bad Gateway; this guide explains the causes and the fixes, step by step, for site owners.</p>\n';
  const page = `<!doctype html><title>Fixing 502 errors: a long guide</title><body>${para.repeat(Math.ceil(262_144 / para.length))}</body>`;
  return page.slice(0, 262_144);
}

const SMALL_ERROR = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n';

async function wasmFigures(browser) {
  // An extension page imports the same glue and module the background runs.
  return browser.extensionEval(`async ({ smallError, article }) => {
    const m = await import('/wasm/bounceback.js');
    const wasm = await m.default({ module_or_path: '/wasm/bounceback_bg.wasm' });
    const time = (n, f) => { const runs = []; for (let b = 0; b < 9; b++) { const t0 = performance.now(); for (let i = 0; i < n; i++) f(i); runs.push((performance.now() - t0) * 1000 / n); } runs.sort((a, b) => a - b); return runs[4]; };
    const nav = (tabId, status) => ({ type: 'navigationCompleted', tabId, url: 'https://site' + (tabId % 7) + '.example/page', method: 'GET', status, headers: [['server', 'nginx']] });
    const core = new m.Core({}, 1);
    const healthyUs = time(2000, (i) => core.handle(nav(i % 50, 200), i));
    const failingUs = time(500, (i) => { const c = new m.Core({}, 1); c.handle(nav(1, 502), 1000); c.free(); });
    const freshUs = time(500, () => { new m.Core({}, 1).free(); });
    const busy = new m.Core({}, 1);
    for (let t = 0; t < 20; t++) busy.handle(nav(t, 502), 0);
    let now = 0;
    const wakeUs = time(2000, () => busy.handle({ type: 'wokeUp' }, ++now));
    const out = { healthyNavigationUs: healthyUs, failingNavigationUs: Math.max(0, failingUs - freshUs), wakeUp20TabsUs: wakeUs };
    // A page's report (the content script's HTML prefix) as the extension sends it: extracted
    // and classified in the core, on a tab whose load came back 200; the load and the close
    // are timed alone and taken off.
    const report = (html) => {
      const c = new m.Core({}, 1);
      let tab = 0;
      const load = () => { tab++; c.handle(nav(tab, 200), tab); };
      const close = () => c.handle({ type: 'tabClosed', tabId: tab }, tab);
      const base = time(100, () => { load(); close(); });
      const us = time(100, () => { load(); c.handle({ type: 'pageHtmlSeen', tabId: tab, url: 'https://site' + (tab % 7) + '.example/page', html }, tab); close(); });
      c.free();
      return Math.max(0, us - base);
    };
    out.pageReportSmallErrorUs = report(smallError);
    out.pageReport256KiBArticleUs = report(article);
    // Memory after 1000 navigations and 100 incidents on one engine, then after ten times as
    // many: the engine's state (its snapshot) and the module's linear memory must not grow
    // with them. (Measured in an extension page running the same module as the background.)
    const mem = new m.Core({}, 1);
    let t = 0;
    const browse = (navs, incidents) => {
      for (let i = 0; i < navs; i++) mem.handle(nav(i % 30, 200), t += 10);
      for (let i = 0; i < incidents; i++) {
        const tab = 1000 + i;
        mem.handle(nav(tab, 502), t += 10);
        mem.handle({ type: 'navigationCompleted', tabId: tab, url: 'https://site' + (tab % 7) + '.example/page', method: 'GET', status: 200, headers: [] }, t += 10);
        mem.handle({ type: 'tabClosed', tabId: tab }, t += 10);
      }
      return { snapshotBytes: mem.snapshot().length, wasmMemoryBytes: wasm.memory.buffer.byteLength, jsHeapUsedBytes: performance.memory?.usedJSHeapSize ?? null };
    };
    out.memoryAfter1000Navs100Incidents = browse(1000, 100);
    out.memoryAfter11000Navs1100Incidents = browse(10_000, 1000);
    return out;
  }`, { smallError: SMALL_ERROR, article: bigArticle() });
}

async function contentScriptCost(browser, server) {
  const source = readFileSync(join(DIST, 'chromium', 'content.js'), 'utf8');
  const tab = await browser.openTab(server.url('/healthy-bench'));
  await tab.waitFor(async () => (await tab.title()) === 'A healthy article', { message: 'healthy page' });
  const samples = await tab.evaluate(`async (src) => {
    const runs = [];
    // Each run as in a fresh document: a second run in one document leaves the page to the first.
    const fn = new Function('delete globalThis.bouncebackListening; ' + src);
    // Timer resolution in pages is coarse (~0.1 ms), so each sample is a batch of 50 runs.
    for (let i = 0; i < 60; i++) { const t0 = performance.now(); for (let j = 0; j < 50; j++) fn(); runs.push((performance.now() - t0) / 50); }
    return runs;
  }`, source).catch((e) => ({ error: String(e) }));
  await tab.close();
  if (!Array.isArray(samples)) return samples;
  return { medianMs: round(median(samples), 4), p95Ms: round(p95(samples), 4) };
}

async function main() {
  const server = await startFlakyServer();
  server.route('/healthy-bench', { okBody: HEALTHY_PAGE });
  const browser = await launchChromium({ extDir: join(DIST, 'chromium') });
  try {
    const wasm = await wasmFigures(browser);
    const contentScript = await contentScriptCost(browser, server);
    process.stdout.write(JSON.stringify({ wasm, contentScript }, null, 2) + '\n');
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
