// The real servers' error responses (lib/realservers.mjs), fetched with Node and judged by the
// `bounceback classify` CLI, the detector the extension runs: with the status and headers
// every one must be a server error; by its text alone (an error page served with 200, or a
// status the browser did not report) the verdict is printed, not asserted: Caddy's error
// responses have an empty body, which no text can name.
//
// No browser. Skipped (with a message) when a server is not installed, unless CI=true.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { EXPECTED, FAILURES, fetchRaw, missingServers, SERVERS, serverVersion, startLab, startRealServer, stopLab } from './lib/realservers.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const missing = missingServers();
const skip = missing.length && process.env.CI !== 'true'
  ? `not installed: ${missing.map((m) => m.pkg).join(' ')} (apt-get install ${missing.map((m) => m.pkg).join(' ')})` : false;

/** The CLI, built by cargo (debug: `cargo test` has built it already), or BOUNCEBACK_BIN. */
function buildCli() {
  if (process.env.BOUNCEBACK_BIN) return process.env.BOUNCEBACK_BIN;
  execFileSync('cargo', ['build', '--locked', '--quiet', '--bin', 'bounceback'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
  return join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'debug', 'bounceback');
}

function classify(bin, args, body) {
  const r = spawnSync(bin, ['classify', ...args, '-'], { input: body, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`bounceback classify ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const brief = (v) => `${v.verdict}${v.vendor ? ` (${v.vendor})` : ''}${v.summary ? ` "${v.summary}"` : ''}${v.retry_after_s != null ? `, retry after ${v.retry_after_s} s` : ''}`;

test('a server that cannot start is reported with its exit code and its own words', { skip: !existsSync(SERVERS.nginx.bin) && 'nginx is not installed', timeout: 30_000 }, async () => {
  await assert.rejects(startRealServer('nginx', [{ backend: 9 }], { extraArgs: ['-g', 'no_such_directive on;'] }),
    (e) => /exited before listening \(exit code 1\)/.test(e.message) && /unknown directive "no_such_directive"/.test(e.message));
});

describe('real servers\' error responses, judged by bounceback classify', { skip, concurrency: true }, () => {
  let bin;
  let lab;

  before(async () => {
    bin = buildCli();
    lab = await startLab(Object.keys(SERVERS), Object.fromEntries(FAILURES.map((f) => [f, { mode: f }])));
  });
  after(() => stopLab(lab));

  for (const name of Object.keys(SERVERS)) {
    for (const failure of FAILURES) {
      test(`${name}, backend ${failure}`, { timeout: 60_000 }, async () => {
        const r = await fetchRaw(lab[name].url(failure, '/page'));
        assert.equal(r.status, EXPECTED[name][failure], `${name} answered ${r.status} ${r.reason}\n${lab[name].server.logs()}`);
        const withStatus = classify(bin, ['--status', String(r.status), ...r.headers.flatMap(([k, v]) => ['--header', `${k}: ${v}`])], r.body);
        const textOnly = classify(bin, [], r.body);
        const headers = r.headers.filter(([k]) => !['date', 'content-length', 'connection'].includes(k)).map(([k, v]) => `${k}: ${v}`).join('; ');
        console.log(`${name} (${serverVersion(name)}), backend ${failure}: ${r.status} ${r.reason} [${headers}] ${r.body.length} bytes`
          + `\n    with status and headers: ${brief(withStatus)}\n    text only: ${brief(textOnly)}`
          + (textOnly.verdict === 'server_error' ? '' : `\n    body: ${JSON.stringify(r.body.slice(0, 300))}`));
        assert.equal(withStatus.verdict, 'server_error', JSON.stringify(withStatus));
        assert.equal(withStatus.retryable, true, JSON.stringify(withStatus));
        assert.ok(withStatus.reasons.includes(`status ${r.status}`), JSON.stringify(withStatus));
      });
    }
  }
});
