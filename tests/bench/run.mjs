// `./build.sh bench`: every benchmark in one table, also written to target/bench/bench.json.
// Nothing here asserts a time: the figures are for people to read and compare with the budgets.
//
//   sizes        .wasm raw and gzipped, glue JS, each package; where the bytes go (twiggy)
//   native       core cost per event (benches/engine.rs), detector cost (benches/detect.rs)
//   browser      wasm cost per event and of a page's report, content-script cost, memory
//                (tests/bench/browser.mjs, headless Chromium)
//   coldstart    a stopped background to its first event handled and first action, Chromium
//                and Firefox, median of 20 (tests/bench/coldstart.mjs)
//   pageload     page loads with no extension / a null one / Bounceback, interleaved, a trivial
//                and a realistic page, Chromium and Firefox (tests/bench/pageload.mjs)
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

// Where the module's bytes go, by twiggy (./build.sh bench installs the pinned version): a
// copy of the release module with its function names kept, before wasm-opt and after it (the
// same flags as the build, plus -g to keep the names), grouped by what the code is for.
const GROUPS = [
  ['function names (not shipped)', (n) => n.includes('"function names" subsection')],
  ['data (strings, tables)', (n) => n.startsWith('data segment') || /^data\[/.test(n)],
  ['serde-wasm-bindgen (JS value <-> Rust)', (n) => n.includes('serde_wasm_bindgen')],
  ['serde derive: Serialize impls', (n) => n.includes('serde') && n.includes('bounceback') && n.includes('Serialize for')],
  ['serde derive: Deserialize impls', (n) => n.includes('serde') && n.includes('bounceback')],
  ['serde (other)', (n) => n.includes('serde')],
  ['formatting (fmt, floats)', (n) => /flt2dec|::fmt|float/.test(n)],
  ['detector (src/detect)', (n) => n.includes('bounceback::detect')],
  ['engine (src/engine)', (n) => n.includes('bounceback::engine')],
  ['settings', (n) => n.includes('bounceback::settings')],
  // wasm-bindgen's wrapper of each export: after wasm-opt, the body of the export and the serde
  // code of what it reads and writes (events, actions, views, the snapshot) are inlined into it.
  ['exported functions (serde inlined after wasm-opt)', (n) => /^(core_[A-Za-z]+|validateSettings)\b/.test(n)],
  ['wasm-bindgen, js-sys, the boundary', (n) => /wasm_bindgen|js_sys|bounceback::wasm|externref|__wbg|__wbindgen|^export |^import /.test(n)],
  ['allocator (dlmalloc)', (n) => n.includes('dlmalloc')],
  ['panics', (n) => n.includes('panic')],
  ['core, alloc, std (other)', (n) => /core\[|alloc::|std\[|hashbrown/.test(n)],
  ['other', () => true],
];

function twiggyTop(wasmPath) {
  return JSON.parse(run('twiggy', ['top', '-n', '1000000', '-f', 'json', wasmPath]));
}

function sizeBreakdown() {
  const dir = join(ROOT, 'target', 'bench', 'named');
  mkdirSync(dir, { recursive: true });
  run('wasm-bindgen', ['--target', 'web', '--no-typescript', '--keep-debug', '--out-dir', dir,
    join(ROOT, 'target', 'wasm32-unknown-unknown', 'release', 'bounceback.wasm')]);
  const before = join(dir, 'bounceback_bg.wasm');
  const after = join(dir, 'bounceback_bg.opt.wasm');
  const flags = (process.env.WASM_OPT_FLAGS ?? '-Oz').split(/\s+/).filter(Boolean);
  run('wasm-opt', [...flags, '-g', before, '-o', after]);
  const summarise = (path) => {
    const items = twiggyTop(path);
    const groups = Object.fromEntries(GROUPS.map(([g]) => [g, 0]));
    for (const item of items) groups[GROUPS.find(([, test]) => test(item.name))[0]] += item.shallow_size;
    const total = items.reduce((a, i) => a + i.shallow_size, 0);
    const top = items.filter((i) => !i.name.includes('"function names"')).slice(0, 15)
      .map((i) => ({ name: i.name.replace(/::h[0-9a-f]{16}$/, '').replace(/\[[0-9a-f]{16}\]/g, ''), bytes: i.shallow_size }));
    return { totalBytes: total, groups: Object.fromEntries(Object.entries(groups).filter(([, b]) => b > 0).sort((a, b) => b[1] - a[1])), top };
  };
  return { beforeWasmOpt: summarise(before), afterWasmOpt: summarise(after) };
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
  const out = run('node', ['tests/bench/browser.mjs'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out);
}

// `--only sizes,browser` runs some parts (the table then shows those); default: all of them.
// `--loads N`: page loads per arm and page (default 100; fewer on a busy machine, at least 30).
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const ONLY = arg('--only', 'sizes,native,simulator,browser,coldstart,pageload').split(',');
const LOADS = arg('--loads', '100');
if (!(Number(LOADS) >= 30)) throw new Error(`--loads ${LOADS}: the page-load comparison needs at least 30 loads per arm`);
const want = (part) => ONLY.includes(part);

const result = { date: new Date().toISOString() };
result.sizes = sizes();
if (want('sizes')) result.sizes.breakdown = sizeBreakdown();
if (want('native')) {
  run('cargo', ['build', '--locked', '--release', '--bin', 'bounceback'], { stdio: 'inherit' });
  result.native = { engine: cargoBench('engine').figures, detect: cargoBench('detect').raw };
}
if (want('simulator')) {
  run('cargo', ['build', '--locked', '--release', '--bin', 'bounceback'], { stdio: 'inherit' });
  result.simulator = {
    default: simulate(['--frontier']),
    defaultTabs10: simulate(['--tabs', '10']),
    fixed5: simulate(['--policy', 'fixed5']),
    chromium: simulate(['--policy', 'chromium']),
  };
  result.fleet = fleet();
}
if (want('browser')) result.browser = browser();
if (want('coldstart')) result.coldStart = JSON.parse(run('node', ['tests/bench/coldstart.mjs', '--runs', '20'], { stdio: ['ignore', 'pipe', 'inherit'] }));
if (want('pageload')) result.pageLoad = JSON.parse(run('node', ['tests/bench/pageload.mjs', '--loads', LOADS], { stdio: ['ignore', 'pipe', 'inherit'] }));

mkdirSync(join(ROOT, 'target', 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'target', 'bench', 'bench.json'), JSON.stringify(result, null, 2) + '\n');

const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const s = result.sizes;
const rows = [
  ['wasm (raw / gzip)', `${kb(s.wasmBytes)} / ${kb(s.wasmGzipBytes)}`, '≤ 150 KB / ≤ 60 KB'],
  ['glue JS', kb(s.glueJsBytes), ''],
  ['Chromium .zip / Firefox .xpi', `${kb(s.chromiumZipBytes)} / ${kb(s.firefoxXpiBytes)}`, '≤ 200 KB each'],
];
if (result.native) {
  const e = result.native.engine;
  rows.push(['event, native: healthy nav / 502 / wake-up (20 tabs)', `${e['engine/healthy_navigation_ns']} / ${e['engine/502_navigation_ns']} / ${e['engine/wake_up_20_tabs_ns']} ns`, '≤ 2 µs']);
}
if (result.browser) {
  const w = result.browser.wasm;
  rows.push(
    ['event, wasm in Chromium: healthy nav / 502 / wake-up', `${w.healthyNavigationUs.toFixed(2)} / ${w.failingNavigationUs.toFixed(2)} / ${w.wakeUp20TabsUs.toFixed(2)} µs`, '≤ 30 µs'],
    ['page report (HTML → text → detector), wasm: nginx error page / 256 KiB article', `${w.pageReportSmallErrorUs.toFixed(1)} / ${w.pageReport256KiBArticleUs.toFixed(1)} µs`, ''],
    ['content script on a healthy page (median / p95)', `${result.browser.contentScript.medianMs} / ${result.browser.contentScript.p95Ms} ms`, '≤ 0.3 ms median'],
    ['state / wasm memory after 1k navs + 100 incidents', `${kb(w.memoryAfter1000Navs100Incidents.snapshotBytes)} / ${kb(w.memoryAfter1000Navs100Incidents.wasmMemoryBytes)}`, ''],
    ['… after 11k navs + 1.1k incidents', `${kb(w.memoryAfter11000Navs1100Incidents.snapshotBytes)} / ${kb(w.memoryAfter11000Navs1100Incidents.wasmMemoryBytes)}`, 'no growth'],
    ['JS heap of the page running the core (1k / 11k navs)', `${kb(w.memoryAfter1000Navs100Incidents.jsHeapUsedBytes ?? 0)} / ${kb(w.memoryAfter11000Navs1100Incidents.jsHeapUsedBytes ?? 0)}`, ''],
  );
}
for (const [name, c] of Object.entries(result.coldStart ?? {})) {
  if (c.error) { rows.push([`cold start, ${name}`, `failed: ${c.error}`, '']); continue; }
  const f = (k) => `${c[k].median} (${c[k].p10}–${c[k].p90})`;
  rows.push([`cold start, ${name}: started / script run / wasm ready / state ready / first event / first action, ms (median, p10–p90, n=${c.runs})`,
    ['startedMs', 'evaluatedMs', 'instantiatedMs', 'readyMs', 'firstEventMs', 'firstActionMs'].map(f).join(' / '), 'small']);
}
for (const [name, b] of Object.entries(result.pageLoad ?? {})) {
  if (b.error) { rows.push([`page load, ${name}`, `failed: ${b.error}`, '']); continue; }
  for (const [page, arms] of Object.entries(b.pages)) {
    const f = (a) => `${arms[a].median} (${arms[a].p10}–${arms[a].p90})`;
    rows.push([`page load, ${name}, ${page}: none / null ext / Bounceback, ms (median, p10–p90, n=${arms.none.n})`,
      `${f('none')} / ${f('null')} / ${f('bounceback')}; ×${arms.ratioToNull} null, ×${arms.ratioToNone} none`,
      page === 'realistic' ? '≤ ×1.02 null, ≤ ×1.05 none' : '']);
  }
}
if (result.simulator) {
  rows.push(
    ['simulator default: requests / delay (× optimum)', `${result.simulator.default.requestsMean.toFixed(2)} / ${result.simulator.default.recoveryDelayMeanS.toFixed(1)} s (×${result.simulator.default.ratioToOptimal})`, '≤ 10 / ≤ 20 s (≤ ×1.25)'],
    ['simulator default, 10 tabs', `${result.simulator.defaultTabs10.requestsMean.toFixed(2)} / ${result.simulator.defaultTabs10.recoveryDelayMeanS.toFixed(1)} s`, ''],
    ['simulator fixed5', `${result.simulator.fixed5.requestsMean.toFixed(2)} / ${result.simulator.fixed5.recoveryDelayMeanS.toFixed(1)} s`, ''],
    ['simulator chromium', `${result.simulator.chromium.requestsMean.toFixed(2)} / ${result.simulator.chromium.recoveryDelayMeanS.toFixed(1)} s`, ''],
    ...['default', 'fixed5', 'chromium', 'people'].map((p) => [`fleet 10k users, 5 min outage, ${p}: peak rps during / after`, `${result.fleet[p].duringPeakRps} / ${result.fleet[p].afterPeakRps}`, '']),
  );
}
const width = Math.max(...rows.map((r) => r[0].length));
console.log('\nBounceback benchmarks (figures, not pass/fail)\n');
for (const [name, value, budget] of rows) console.log(`${name.padEnd(width)}  ${value}${budget ? `   (budget ${budget})` : ''}`);
const bd = result.sizes.breakdown;
if (bd) {
  console.log(`\nWhere the wasm's bytes go (twiggy, grouped; before wasm-opt ${kb(bd.beforeWasmOpt.totalBytes)}, after ${kb(bd.afterWasmOpt.totalBytes)}, both with names kept):\n`);
  const gw = Math.max(...GROUPS.map(([g]) => g.length));
  console.log(`  ${'group'.padEnd(gw)}  ${'before'.padStart(9)}  ${'after'.padStart(9)}`);
  for (const [g] of GROUPS) {
    const b = bd.beforeWasmOpt.groups[g] ?? 0;
    const a = bd.afterWasmOpt.groups[g] ?? 0;
    if (a || b) console.log(`  ${g.padEnd(gw)}  ${kb(b).padStart(9)}  ${kb(a).padStart(9)}`);
  }
  console.log('\nLargest items after wasm-opt (bytes):');
  for (const i of bd.afterWasmOpt.top) console.log(`  ${String(i.bytes).padStart(6)}  ${i.name.slice(0, 110)}`);
}
if (result.native) console.log(`\nNative detector:\n${result.native.detect}`);
console.log('\nWritten to target/bench/bench.json');
