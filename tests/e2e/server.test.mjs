// Tests of the flaky test server itself: node --test tests/e2e/server.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startFlakyServer } from './lib/server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let server;
before(async () => { server = await startFlakyServer({ lifetimeMs: 60_000 }); });
after(async () => { await server?.close(); });

test('origin and url()', () => {
  assert.match(server.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(server.origin, `http://127.0.0.1:${server.port}`);
  assert.equal(server.url('/p'), `${server.origin}/p`);
  assert.equal(server.url('/p', 'localhost'), `http://localhost:${server.port}/p`);
});

test('failFirst counts every method, HEAD included, then recovers', async () => {
  server.route('/ff', { failFirst: 3 });
  const r1 = await fetch(server.url('/ff'));
  assert.equal(r1.status, 502);
  assert.equal(r1.statusText, 'Bad Gateway');
  assert.equal(r1.headers.get('server'), 'nginx/1.24.0');
  assert.equal(await r1.text(),
    '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n');
  const r2 = await fetch(server.url('/ff'), { method: 'HEAD' });
  assert.equal(r2.status, 502);
  assert.equal(await r2.text(), '');
  assert.ok(Number(r2.headers.get('content-length')) > 0);
  const r3 = await fetch(server.url('/ff'), { method: 'POST', body: 'x=1' });
  assert.equal(r3.status, 502);
  const r4 = await fetch(server.url('/ff'));
  assert.equal(r4.status, 200);
  const body = await r4.text();
  assert.match(body, /<title>Recovered<\/title>/);
  assert.match(body, /<h1>Recovered<\/h1>/);
  assert.match(body, /\/ff/);
  assert.equal(r4.headers.get('cache-control'), 'no-store');
  assert.equal(server.count('/ff'), 4);
  assert.equal(server.count('/ff', 'HEAD'), 1);
  assert.equal(server.count('/ff', 'post'), 1);
  const log = server.requests('/ff');
  assert.deepEqual(log.map((r) => r.method), ['GET', 'HEAD', 'POST', 'GET']);
  assert.equal(log[2].body, 'x=1');
  assert.equal(typeof log[0].time, 'number');
  assert.ok(Math.abs(log[0].time - Date.now()) < 10_000);
  assert.ok(log[0].headers.host.startsWith('127.0.0.1:'));
});

test('failStatus 500/503/504 bodies match nginx reason phrases; failHeaders', async () => {
  for (const [status, reason] of [[500, 'Internal Server Error'], [503, 'Service Temporarily Unavailable'], [504, 'Gateway Time-out']]) {
    server.route('/st', { failFirst: 1, failStatus: status, failHeaders: { 'Retry-After': '4' } });
    const r = await fetch(server.url('/st'));
    assert.equal(r.status, status);
    assert.equal(r.statusText, reason);
    assert.equal(r.headers.get('retry-after'), '4');
    const t = await r.text();
    assert.ok(t.includes(`<title>${status} ${reason}</title>`), t);
    assert.ok(t.includes(`<h1>${status} ${reason}</h1>`), t);
    assert.equal((await fetch(server.url('/st'))).status, 200);
  }
});

test('failForMs fails by time, then recovers', async () => {
  server.route('/t', { failForMs: 400 });
  assert.equal((await fetch(server.url('/t'))).status, 502);
  assert.equal((await fetch(server.url('/t'))).status, 502);
  await sleep(500);
  assert.equal((await fetch(server.url('/t'))).status, 200);
});

test("failMode 'drop' destroys the socket (fetch rejects)", async () => {
  server.route('/drop', { failForMs: 300, failMode: 'drop' });
  await assert.rejects(fetch(server.url('/drop')));
  await sleep(400);
  assert.equal((await fetch(server.url('/drop'))).status, 200);
  assert.ok(server.count('/drop') >= 2);
});

test("failMode 'soft' answers 200 with a Cloudflare-style 502 page", async () => {
  server.route('/soft', { failFirst: 1, failMode: 'soft' });
  const r = await fetch(server.url('/soft'));
  assert.equal(r.status, 200);
  const t = await r.text();
  assert.match(t, /<title>127\.0\.0\.1 \| 502: Bad gateway<\/title>/);
  assert.match(t, /Bad gateway/);
  assert.match(t, /Error code 502/);
  assert.match(t, /Cloudflare Ray ID/);
  assert.match(await (await fetch(server.url('/soft'))).text(), /Recovered/);
});

test('okBody, okHeaders, setCookies on failures and successes', async () => {
  server.route('/c', {
    failFirst: 1, okBody: 'hello', okHeaders: { 'Cache-Control': 'max-age=60', 'X-Ok': 'yes' },
    setCookies: ['a=1; Path=/', 'b=2; Path=/; HttpOnly'],
  });
  const r1 = await fetch(server.url('/c'));
  assert.equal(r1.status, 502);
  assert.deepEqual(r1.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
  const r2 = await fetch(server.url('/c'));
  assert.equal(await r2.text(), 'hello');
  assert.equal(r2.headers.get('x-ok'), 'yes');
  assert.equal(r2.headers.get('cache-control'), 'max-age=60');
  assert.deepEqual(r2.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
});

test('methods restricts failures (other methods succeed and do not advance failFirst)', async () => {
  server.route('/submit', { failFirst: 1, methods: ['POST'] });
  assert.equal((await fetch(server.url('/submit'))).status, 200);
  assert.equal((await fetch(server.url('/submit'), { method: 'HEAD' })).status, 200);
  assert.equal((await fetch(server.url('/submit'), { method: 'POST', body: 'item=w' })).status, 502);
  assert.equal((await fetch(server.url('/submit'), { method: 'POST', body: 'item=w' })).status, 200);
  assert.equal(server.count('/submit', 'POST'), 2);
});

test('fixed routes: /echo, /article-502, /form, 404', async () => {
  const e = await (await fetch(server.url('/echo'), { headers: { Cookie: 'a=1', 'Cache-Control': 'no-cache', Pragma: 'no-cache' } })).json();
  assert.equal(e.method, 'GET');
  assert.equal(e.headers.cookie, 'a=1');
  assert.equal(e.headers['cache-control'], 'no-cache');
  assert.equal(e.headers.pragma, 'no-cache');
  const a = await fetch(server.url('/article-502'));
  assert.equal(a.status, 200);
  const at = await a.text();
  assert.match(at, /<title>How to fix 502 Bad Gateway errors<\/title>/);
  assert.match(at, /nginx/);
  assert.match(at, /upstream/);
  assert.ok((at.match(/<p>/g) ?? []).length >= 5);
  const f = await (await fetch(server.url('/form'))).text();
  assert.match(f, /<form method="POST" action="\/submit">/);
  assert.match(f, /id="go"/);
  assert.equal((await fetch(server.url('/nope'))).status, 404);
});

test('reset() forgets the log and failure counters', async () => {
  server.route('/r', { failFirst: 1 });
  assert.equal((await fetch(server.url('/r'))).status, 502);
  assert.equal((await fetch(server.url('/r'))).status, 200);
  server.reset();
  assert.equal(server.count(), 0);
  assert.deepEqual(server.requests(), []);
  assert.equal((await fetch(server.url('/r'))).status, 502);
});

test('request bodies are capped', async () => {
  const r = await fetch(server.url('/echo'), { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) }).catch((e) => e);
  // Either a 413 or a reset connection, never a 2 MB log entry.
  if (!(r instanceof Error)) assert.equal(r.status, 413);
  assert.ok(server.requests('/echo').every((q) => q.body.length <= 1024 * 1024));
});

test('close() closes, and lifetimeMs closes by itself', async () => {
  const s = await startFlakyServer({ lifetimeMs: 300 });
  s.route('/x', {});
  assert.equal((await fetch(s.url('/x'))).status, 200);
  await sleep(600);
  await assert.rejects(fetch(s.url('/x')));
  await s.close(); // idempotent
});

test('CLI prints PORT first and serves / failing, then recovering', async () => {
  const file = fileURLToPath(new URL('./lib/server.mjs', import.meta.url));
  const child = spawn(process.execPath, [file, '--fail-for-ms', '500', '--lifetime-ms', '20000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    const port = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no PORT line: ${out}`)), 10_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/^PORT (\d+)\n/);
        if (m) { clearTimeout(t); resolve(Number(m[1])); }
      });
      child.once('exit', (c) => { clearTimeout(t); reject(new Error(`exited ${c}: ${out}`)); });
    });
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 502);
    await sleep(700);
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
  } finally {
    child.kill('SIGTERM');
  }
});
