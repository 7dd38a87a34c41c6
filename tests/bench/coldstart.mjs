// Cold start of the background, in Chromium and Firefox (a benchmark: nothing here asserts a
// time). Each run stops the background (Chromium: CDP ServiceWorker.stopAllWorkers; Firefox:
// the event page terminated), then loads a page that fails with 502 in a tab, which wakes the
// background through webRequest. The background marks (performance.mark, extension/background.js)
// when the module is instantiated, when the state is restored (`ready`), when the core has
// handled the first browser event and when the first action after it has been carried out; the
// figures are those wall-clock moments minus the moment the test asked for the page. Prints one
// JSON object: per browser, the median, p10 and p90 of each, in ms.
//
// Usage: node tests/bench/coldstart.mjs [--runs 20] [--browsers chromium,firefox] [--dist DIR]
// (--dist: another build's dist/, e.g. an older commit's, to compare)
import { join } from 'node:path';
import { ALL_BROWSERS, DIST, requireDist } from '../e2e/lib/browsers.mjs';
import { startFlakyServer } from '../e2e/lib/server.mjs';
import { waitFor } from '../e2e/lib/wait.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(arg('--runs', '20'));
const WHICH = arg('--browsers', 'chromium,firefox').split(',');
const FROM = arg('--dist', DIST);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};
const stats = (xs) => ({ median: Math.round(pct(xs, 0.5)), p10: Math.round(pct(xs, 0.1)), p90: Math.round(pct(xs, 0.9)) });

// Runs in the background (a service worker in Chromium, the event page in Firefox): its marks
// as wall-clock times.
const MARKS = `() => Object.fromEntries(performance.getEntriesByType('mark')
  .filter((m) => m.name.startsWith('bounceback:'))
  .map((m) => [m.name.slice('bounceback:'.length), performance.timeOrigin + m.startTime])
  .concat([['started', performance.timeOrigin]]))`;

async function marks(browser) {
  if (browser.name === 'chromium') return browser.backgroundEval(MARKS);
  // Firefox: an extension page reaches its event page's window.
  return browser.extensionEval(`async () => {
    const bg = await browser.runtime.getBackgroundPage();
    return bg ? (${MARKS.replaceAll('performance', 'bg.performance')})() : null;
  }`);
}

async function measure(name, server) {
  const browser = await ALL_BROWSERS[name]({ extDir: join(FROM, name) });
  const runs = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const tab = await browser.openTab('about:blank');
      await new Promise((r) => setTimeout(r, 300)); // The new tab's own events first.
      const stopped = Date.now();
      await browser.stopBackground();
      const t0 = Date.now();
      await tab.goto(server.url(`/cold?run=${i}`));
      let m = null;
      await waitFor(async () => {
        m = await marks(browser).catch(() => null);
        return m?.['first-action'] != null && m.started >= stopped;
      }, { timeout: 30_000, interval: 100, message: `${name}: the woken background's first action` });
      runs.push({
        startedMs: m.started - t0,
        evaluatedMs: m.evaluated - t0,
        instantiatedMs: m.instantiated - t0,
        readyMs: m.ready - t0,
        firstEventMs: m['first-event'] - t0,
        firstActionMs: m['first-action'] - t0,
      });
      await tab.close(); // Ends this tab's recovery.
      // The close wakes the background (tabs.onRemoved): let that settle before the next stop.
      // A background started after the stop but before the page was asked for (a stray tab
      // event) shows as a negative startedMs.
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await browser.close();
  }
  const out = { runs: runs.length };
  for (const k of Object.keys(runs[0])) out[k] = stats(runs.map((r) => r[k]));
  return out;
}

async function main() {
  requireDist();
  const server = await startFlakyServer();
  server.route('/cold', { failFirst: 1e9 });
  const result = {};
  try {
    for (const name of WHICH) {
      result[name] = await measure(name, server).catch((e) => ({ error: String(e?.message ?? e).slice(0, 300) }));
    }
  } finally {
    await server.close();
  }
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

await main();
