// What healthy browsing costs with Bounceback installed (a benchmark: nothing here asserts a
// time). Page loads in three browsers of one kind side by side, each with one arm:
//   none        no extension at all
//   null        a null extension built here from dist/: the same manifest and permissions
//               (the content script declared for every page), an empty background and an empty
//               content script
//   bounceback  the built extension (dist/)
// The arms take turns load by load (the order rotates each round), so the machine's noise
// falls on all of them alike. Two pages, both served from 127.0.0.1 by this script: a trivial
// one, and a realistic one (~300 KB of HTML, 24 subresources: stylesheets, scripts, images,
// all fetched afresh each time). A load's time is the page's own navigation timing, from
// navigation start to the end of its load event. Prints one JSON object: per browser and page,
// each arm's median, p10 and p90 in ms, and the medians' ratios.
//
// Usage: node tests/bench/pageload.mjs [--loads 30] [--browsers chromium,firefox] [--dist DIR]
// (--dist: another build's dist/, e.g. an older commit's, for the Bounceback arm)
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { DIST, requireDist } from '../e2e/lib/browsers.mjs';
import { launchChromium } from '../e2e/lib/chromium.mjs';
import { launchFirefox } from '../e2e/lib/firefox.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const LOADS = Number(arg('--loads', '30'));
const WHICH = arg('--browsers', 'chromium,firefox').split(',');
const ARMS = ['none', 'null', 'bounceback'];
const FROM = arg('--dist', DIST);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

// ---- The pages

const TRIVIAL = '<!doctype html><html><head><meta charset="utf-8"><title>Hello</title></head><body><p>Hello.</p></body></html>';

function realistic() {
  const css = Array.from({ length: 8 }, (_, i) => `<link rel="stylesheet" href="/r/style${i}.css">`).join('\n');
  const js = Array.from({ length: 8 }, (_, i) => `<script src="/r/script${i}.js"></script>`).join('\n');
  const img = Array.from({ length: 8 }, (_, i) => `<img src="/r/img${i}.svg" width="64" height="64" alt="figure ${i}">`).join('\n');
  const nav = Array.from({ length: 60 }, (_, i) => `<li><a href="/section/${i}">Section ${i}</a></li>`).join('');
  const para = (i) => `<p>Paragraph ${i}. The village fair opens on Saturday with stalls of honey, bread and apples; the
brass band plays at noon, the children's race starts at two, and the evening ends with a dance in the old barn.
Visitors are asked to come by bus or bicycle, as parking near the green is limited. <a href="/more/${i}">Read more</a>.</p>`;
  let body = '';
  for (let i = 0; body.length < 290_000; i++) body += (i % 10 === 0 ? `<h2>Part ${i / 10}</h2>\n` : '') + para(i) + '\n';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The village fair: everything you need to know</title>
${css}
</head><body><header><nav><ul>${nav}</ul></nav></header>
<main><article><h1>The village fair</h1><time datetime="2026-06-01">1 June 2026</time>
${img}
${body}</article></main>
${js}
<footer><p>© The village newsletter</p></footer></body></html>`;
}

function startServer() {
  const pages = { '/trivial': TRIVIAL, '/realistic': realistic() };
  const server = http.createServer((req, res) => {
    const path = req.url.split('?')[0];
    const send = (type, body) => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (pages[path]) return send('text/html; charset=utf-8', pages[path]);
    if (path.endsWith('.css')) return send('text/css', `.c${path.length}{color:#333;margin:0 0 1em}\n`.repeat(100));
    if (path.endsWith('.js')) return send('text/javascript', `window.__n=(window.__n||0)+1;\n${'// filler\n'.repeat(300)}`);
    if (path.endsWith('.svg')) return send('image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30" fill="#8a8"/></svg>');
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: (p) => `http://127.0.0.1:${server.address().port}${p}`,
    bytes: pages['/realistic'].length,
    close: () => new Promise((r) => server.close(r)),
  })));
}

// ---- The arms

/**
 * dist/<browser> with an empty background and an empty content script: the null extension. Its
 * manifest is Bounceback's, so the content script stays declared for every page, as Bounceback's.
 */
function nullExtension(browser) {
  const dir = mkdtempSync(join(tmpdir(), `bounceback-null-${browser}-`));
  cpSync(join(DIST, browser), dir, { recursive: true });
  writeFileSync(join(dir, 'content.js'), '');
  writeFileSync(join(dir, 'background.js'), '');
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  if (!manifest.content_scripts?.some((c) => c.js.includes('content.js'))) {
    throw new Error(`dist/${browser}/manifest.json declares no content.js: the null extension would not match Bounceback`);
  }
  return dir;
}

async function plainChromium() {
  const profile = await mkdtemp(join(tmpdir(), 'bounceback-plain-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: true,
    args: ['--disable-gpu', '--disable-quic', '--disable-sync', '--no-first-run', '--disable-component-update', '--disable-background-networking'],
  });
  return { context, close: async () => { await context.close(); await rm(profile, { recursive: true, force: true }); } };
}

const geckoId = () => JSON.parse(readFileSync(join(DIST, 'firefox', 'manifest.json'), 'utf8')).browser_specific_settings.gecko.id;

/** A loader per arm: load(url) navigates its one tab and returns the load's time in ms. */
async function launchArm(browser, arm, nullDir) {
  if (browser === 'chromium') {
    const b = arm === 'none' ? await plainChromium() : await launchChromium({ extDir: arm === 'null' ? nullDir : join(FROM, 'chromium') });
    const page = await b.context.newPage();
    return {
      load: async (url) => {
        await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
        return loadTime((f) => page.evaluate(f));
      },
      close: () => b.close(),
    };
  }
  const b = arm === 'none'
    ? await launchFirefox({ withoutExtension: true })
    : await launchFirefox({ extDir: arm === 'null' ? nullDir : join(FROM, 'firefox'), geckoId: geckoId() });
  const tab = await b.openTab('about:blank');
  return {
    load: async (url) => {
      await tab.goto(url);
      return loadTime((f) => tab.evaluate(String(f)));
    },
    close: () => b.close(),
  };
}

/** The navigation timing of the page just loaded (loadEventEnd can lag the load event a moment). */
async function loadTime(evaluate) {
  for (let i = 0; i < 50; i++) {
    // Firefox's WebDriver sometimes answers the first script after a load with nothing: ask again.
    const t = await evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return nav && nav.loadEventEnd > 0 ? nav.loadEventEnd - nav.startTime : null;
    }).catch(() => null);
    if (t != null) return t;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the page never finished its load event');
}

async function measure(browser, server) {
  const nullDir = nullExtension(browser);
  const arms = {};
  try {
    for (const arm of ARMS) arms[arm] = await launchArm(browser, arm, nullDir);
    const times = {};
    for (const page of ['trivial', 'realistic']) {
      times[page] = Object.fromEntries(ARMS.map((a) => [a, []]));
      // Two loads per arm to warm up, not counted.
      for (const arm of ARMS) for (let i = 0; i < 2; i++) await arms[arm].load(server.url(`/${page}?warm=${i}`));
      for (let i = 0; i < LOADS; i++) {
        for (let k = 0; k < ARMS.length; k++) {
          const arm = ARMS[(i + k) % ARMS.length];
          times[page][arm].push(await arms[arm].load(server.url(`/${page}?i=${i}`)));
        }
      }
    }
    const pages = {};
    for (const [page, byArm] of Object.entries(times)) {
      const s = Object.fromEntries(ARMS.map((a) => [a, { n: byArm[a].length, median: round(pct(byArm[a], 0.5)), p10: round(pct(byArm[a], 0.1)), p90: round(pct(byArm[a], 0.9)) }]));
      s.ratioToNull = round(pct(byArm.bounceback, 0.5) / pct(byArm.null, 0.5), 3);
      s.ratioToNone = round(pct(byArm.bounceback, 0.5) / pct(byArm.none, 0.5), 3);
      s.nullToNone = round(pct(byArm.null, 0.5) / pct(byArm.none, 0.5), 3);
      pages[page] = s;
    }
    return { pages, realisticHtmlBytes: server.bytes, subresources: 24 };
  } finally {
    for (const a of Object.values(arms)) await a.close().catch(() => {});
    rmSync(nullDir, { recursive: true, force: true });
  }
}

async function main() {
  requireDist();
  const server = await startServer();
  const result = {};
  try {
    for (const b of WHICH) result[b] = await measure(b, server).catch((e) => {
      console.error(`pageload: ${b}:`, e);
      return { error: String(e?.message ?? e).slice(0, 300) };
    });
  } finally {
    await server.close();
  }
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

await main();
