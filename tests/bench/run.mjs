// `./build.sh bench`: every benchmark in one table, also written to target/bench/bench.json.
// Nothing here asserts a time: the figures are for people to read and compare with the budgets.
//
//   sizes        .wasm raw and gzipped, glue JS, each package
//   native       core cost per event (benches/engine.rs), detector cost (benches/detect.rs)
//   browser      wasm cost per event and detector cost, content-script cost, healthy-load
//                overhead, memory (tests/bench/browser.mjs, headless Chromium)
//   simulator    requests per outage and recovery delay for the default policy (and its ratio to
//                the optimal schedule) and baselines; peak load of a fleet of 10 000 users
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, ...opts });

function sizes() {
  const wasm = readFileSync(join(DIST, 'chromium', 'wasm', 'bounceback_bg.wasm'));
  const glue = readFileSync(join(DIST, 'chromium', 'wasm', 'bounceback.js'));
  return {
    wasmBytes: wasm.length,
    wasmGzipBytes: gzipSync(wasm, { level: 9 }).length,
    glueJsBytes: glue.length,
    chromiumZipBytes: statSync(join(DIST, 'bounceback-chromium.zip')).size,
    firefoxXpiBytes: statSync(join(DIST, 'bounceback-firefox.xpi')).size,
  };
}

function cargoBench(name) {
  const out = run('cargo', ['bench', '--locked', '--bench', name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const figures = {};
  for (const line of out.split('\n')) {
    const m = line.match(/^([\w/.-]+)\s+([\d.]+)\s*$/);
    if (m) figures[m[1]] = Number(m[2]);
  }
  return { figures, raw: out.trim() };
}

function simulate(args) {
  const out = run(join(ROOT, 'target', 'release', 'bounceback'), ['simulate', '--outage-dist', 'log-uniform:5:1800', '--runs', '10000', '--seed', '1', ...args]);
  const r = JSON.parse(out);
  return {
    requestsMean: r.requests_mean,
    recoveryDelayMeanS: r.recovery_delay_mean_s,
    gaveUp: r.gave_up ?? null,
    optimalDelayMeanS: r.frontier?.best_delay_mean_s ?? null,
    ratioToOptimal: r.frontier?.ratio ?? null,
  };
}

/** Peak requests per second against the site when 10 000 users meet one 5-minute outage. */
function fleet() {
  const out = run(join(ROOT, 'target', 'release', 'bounceback'), ['simulate', '--fleet', '10000', '--outage', '300', '--seed', '1']);
  return Object.fromEntries(JSON.parse(out).fleet.map((r) => [r.policy, { duringPeakRps: r.during_outage.peak_rps, afterPeakRps: r.first_minute_after.peak_rps }]));
}

function browser() {
  const out = run('node', ['tests/bench/browser.mjs', '--loads', '200'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out);
}

const result = { date: new Date().toISOString() };
result.sizes = sizes();
run('cargo', ['build', '--locked', '--release', '--bin', 'bounceback'], { stdio: 'inherit' });
result.native = { engine: cargoBench('engine').figures, detect: cargoBench('detect').raw };
result.simulator = {
  default: simulate(['--frontier']),
  defaultTabs10: simulate(['--tabs', '10']),
  fixed5: simulate(['--policy', 'fixed5']),
  chromium: simulate(['--policy', 'chromium']),
};
result.fleet = fleet();
result.browser = browser();

mkdirSync(join(ROOT, 'target', 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'target', 'bench', 'bench.json'), JSON.stringify(result, null, 2) + '\n');

const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const s = result.sizes;
const w = result.browser.wasm;
const rows = [
  ['wasm (raw / gzip)', `${kb(s.wasmBytes)} / ${kb(s.wasmGzipBytes)}`, '≤ 150 KB / ≤ 60 KB'],
  ['glue JS', kb(s.glueJsBytes), ''],
  ['Chromium .zip / Firefox .xpi', `${kb(s.chromiumZipBytes)} / ${kb(s.firefoxXpiBytes)}`, '≤ 200 KB each'],
  ['event, native: healthy nav / 502 / wake-up (20 tabs)', `${result.native.engine['engine/healthy_navigation_ns']} / ${result.native.engine['engine/502_navigation_ns']} / ${result.native.engine['engine/wake_up_20_tabs_ns']} ns`, '≤ 2 µs'],
  ['event, wasm in Chromium: healthy nav / 502 / wake-up', `${w.healthyNavigationUs.toFixed(2)} / ${w.failingNavigationUs.toFixed(2)} / ${w.wakeUp20TabsUs.toFixed(2)} µs`, '≤ 30 µs'],
  ['detector, wasm: small error page / 2 MB article', w.detectSmallErrorUs != null ? `${w.detectSmallErrorUs.toFixed(1)} / ${w.detect2MbArticleUs.toFixed(1)} µs` : 'n/a', ''],
  ['content script on a healthy page (median / p95)', `${result.browser.contentScript.medianMs} / ${result.browser.contentScript.p95Ms} ms`, '≤ 0.3 ms median'],
  ['healthy page load with / without (median, ratio)', `${result.browser.overhead.withMedianMs} / ${result.browser.overhead.withoutMedianMs} ms (×${result.browser.overhead.medianRatio})`, '≤ 1.02'],
  ['state / wasm memory after 1k navs + 100 incidents', `${kb(w.memoryAfter1000Navs100Incidents.snapshotBytes)} / ${kb(w.memoryAfter1000Navs100Incidents.wasmMemoryBytes)}`, ''],
  ['… after 11k navs + 1.1k incidents', `${kb(w.memoryAfter11000Navs1100Incidents.snapshotBytes)} / ${kb(w.memoryAfter11000Navs1100Incidents.wasmMemoryBytes)}`, 'no growth'],
  ['JS heap of the page running the core (1k / 11k navs)', `${kb(w.memoryAfter1000Navs100Incidents.jsHeapUsedBytes ?? 0)} / ${kb(w.memoryAfter11000Navs1100Incidents.jsHeapUsedBytes ?? 0)}`, ''],
  ['simulator default: requests / delay (× optimum)', `${result.simulator.default.requestsMean.toFixed(2)} / ${result.simulator.default.recoveryDelayMeanS.toFixed(1)} s (×${result.simulator.default.ratioToOptimal})`, '≤ 10 / ≤ 20 s (≤ ×1.25)'],
  ['simulator default, 10 tabs', `${result.simulator.defaultTabs10.requestsMean.toFixed(2)} / ${result.simulator.defaultTabs10.recoveryDelayMeanS.toFixed(1)} s`, ''],
  ['simulator fixed5', `${result.simulator.fixed5.requestsMean.toFixed(2)} / ${result.simulator.fixed5.recoveryDelayMeanS.toFixed(1)} s`, ''],
  ['simulator chromium', `${result.simulator.chromium.requestsMean.toFixed(2)} / ${result.simulator.chromium.recoveryDelayMeanS.toFixed(1)} s`, ''],
  ...['default', 'fixed5', 'chromium', 'people'].map((p) => [`fleet 10k users, 5 min outage, ${p}: peak rps during / after`, `${result.fleet[p].duringPeakRps} / ${result.fleet[p].afterPeakRps}`, '']),
];
const width = Math.max(...rows.map((r) => r[0].length));
console.log('\nBounceback benchmarks (figures, not pass/fail)\n');
for (const [name, value, budget] of rows) console.log(`${name.padEnd(width)}  ${value}${budget ? `   (budget ${budget})` : ''}`);
console.log(`\nNative detector:\n${result.native.detect}\n\nWritten to target/bench/bench.json`);
