// Real web servers and reverse proxies (Debian's nginx, Apache httpd, HAProxy, Varnish, Caddy
// and lighttpd), started by the tests in front of a backend the tests control, so that the
// error pages Bounceback meets are the servers' own defaults, not imitations.
//
//   const backend = await startBackend({ mode: 'down' });       // nothing listens on its port
//   const nginx = await startRealServer('nginx', [{ backend: backend.port }]);
//   tab.goto(nginx.url(0, '/page'));                               // nginx's own 502
//   await backend.set('up');                                       // the page answers 200
//   ...
//   await nginx.close(); await backend.close();
//
// Every server runs as the current user from a configuration written at run time into a
// temporary directory (pid file, logs, caches and temp files there too; nothing in /etc or
// /var is read or written), in the foreground, in its own process group, and listens on
// 127.0.0.1 only, on ports chosen free at start. A start waits at most `startTimeoutMs` for
// every listener to accept connections, and fails with the server's exit code, its output and
// its logs. `close()` stops the whole process group (TERM, then KILL); a test process that
// exits without closing kills what it started on its way out.
//
// Run as root (as in CI), the servers that switch users by design do so: nginx's workers run as
// `nobody`, Apache's children as `nobody`/`nogroup`, Varnish's worker as its package's `vcache`
// user. The rest, and everything when not root, run as the current user.
//
// Each site proxies every path to its backend, by default with 2 s connect and response
// timeouts (so a backend that accepts and never answers gets the server's timeout page
// quickly); nothing else is configured: no error pages, no health checks, no caching rules.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile, chmod } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './wait.mjs';

const TIMEOUT_S = 2;
const isRoot = process.getuid?.() === 0;

// ---- Ports ------------------------------------------------------------------------------
//
// A port written into a server's configuration before it binds it, or kept by a backend that
// is down (nothing listens), is free to anyone else meanwhile: a port from bind(0) could be
// handed out again at once, here or in the other browser's suite running side by side. So
// ports are drawn outside the kernel's ephemeral range (which bind(0) and outgoing
// connections use) and reserved across processes by a lock file per port, created
// exclusively, holding the owner's pid, removed on release or when its process is gone.

const LOCKS = join(tmpdir(), 'bounceback-ports');
const [PORT_LOW, PORT_HIGH] = (() => {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > 12_000) return [10_000, low - 1];
  } catch { /* not Linux: the usual range */ }
  return [10_000, 32_767];
})();
const reserved = new Set();

const alive = (pid) => {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
};

function lockPort(port) {
  const file = join(LOCKS, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
  }
  const owner = Number(readFileSync(file, 'utf8').trim());
  if (owner && alive(owner)) return false;
  // A lock left by a process that died: freed for a later pick (if this user may).
  try { rmSync(file, { force: true }); } catch { /* another user's */ }
  return false;
}

function listenable(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port of 127.0.0.1, free now and reserved for this process until releasePort(port). */
export async function reservePort() {
  mkdirSync(LOCKS, { recursive: true });
  // Shared by every user who runs the tests, like /tmp itself (only its owner may chmod it).
  try { chmodSync(LOCKS, 0o1777); } catch { /* someone else's: already made shared */ }
  for (let i = 0; i < 500; i++) {
    const port = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW + 1));
    if (reserved.has(port) || !lockPort(port)) continue;
    if (await listenable(port)) {
      reserved.add(port);
      return port;
    }
    rmSync(join(LOCKS, String(port)), { force: true });
  }
  throw new Error(`no free port found in ${PORT_LOW}-${PORT_HIGH} (locks in ${LOCKS})`);
}

export function releasePort(port) {
  if (reserved.delete(port)) rmSync(join(LOCKS, String(port)), { force: true });
}

// ---- The servers ------------------------------------------------------------------------
//
// Each: the Debian package and binary, how to ask its version, and how to write its
// configuration and command line for a list of sites { port, backend } in `dir`.

const APACHE_MODULES = '/usr/lib/apache2/modules';

/** Each server's binary and Debian package, from `tests/e2e/realservers.txt` (the one list that
 *  `.ci/run` and `build.sh` read too). */
export const LISTED = Object.fromEntries(
  readFileSync(new URL('../realservers.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [name, bin, pkg, service, processes] = l.split(/\s+/);
      if (!processes) throw new Error(`tests/e2e/realservers.txt: a line needs five fields: ${l}`);
      return [name, { bin, pkg, service, processes: processes.split(',') }];
    }),
);

export const SERVERS = {
  nginx: {
    ...LISTED.nginx,
    version: ['-v'],
    config: (dir, sites) => ({
      file: 'nginx.conf',
      text: `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 128; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${sites.map((s) => `  server {
    listen 127.0.0.1:${s.port};
${s.timeoutS ? `    proxy_connect_timeout ${s.timeoutS}s;
    proxy_read_timeout ${s.timeoutS}s;
    proxy_send_timeout ${s.timeoutS}s;
` : ''}    location / { proxy_pass http://127.0.0.1:${s.backend}; }
  }`).join('\n')}
}
`,
    }),
    // -e: the error log before the configuration is read (the default is /var/log/nginx).
    args: (dir, conf) => ['-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', conf],
  },

  apache: {
    ...LISTED.apache,
    version: ['-v'],
    config: (dir, sites) => ({
      file: 'httpd.conf',
      text: `ServerRoot ${dir}
ServerName 127.0.0.1
DefaultRuntimeDir ${dir}
PidFile ${dir}/httpd.pid
ErrorLog ${dir}/error.log
LogLevel warn
# As Debian's /etc/apache2/conf-available/security.conf (enabled by default) sets them: the
# error pages end with "Apache/2.4.x (Debian) Server at ... Port ...".
ServerTokens OS
ServerSignature On
${isRoot ? 'User nobody\nGroup nogroup\n' : ''}LoadModule mpm_event_module ${APACHE_MODULES}/mod_mpm_event.so
LoadModule authz_core_module ${APACHE_MODULES}/mod_authz_core.so
LoadModule proxy_module ${APACHE_MODULES}/mod_proxy.so
LoadModule proxy_http_module ${APACHE_MODULES}/mod_proxy_http.so
StartServers 1
ServerLimit 1
ThreadsPerChild 25
MaxRequestWorkers 25
${sites.map((s) => `Listen 127.0.0.1:${s.port}`).join('\n')}
${sites.map((s) => `<VirtualHost 127.0.0.1:${s.port}>
  # retry=1: a backend found down is not tried again for retry= seconds (default 60), so the
  # page would stay Apache's 503 for a minute after the backend is back.
  ProxyPass / http://127.0.0.1:${s.backend}/${s.timeoutS ? ` connectiontimeout=${s.timeoutS} timeout=${s.timeoutS}` : ''} retry=1
</VirtualHost>`).join('\n')}
`,
    }),
    args: (dir, conf) => ['-f', conf, '-DFOREGROUND'],
    // apache2 reads the APACHE_* variables Debian's apache2ctl sets; none is needed with -f.
  },

  haproxy: {
    ...LISTED.haproxy,
    version: ['-v'],
    config: (dir, sites) => ({
      file: 'haproxy.cfg',
      text: `global
  pidfile ${dir}/haproxy.pid
defaults
  mode http
  timeout client 30s
${sites.map((s, i) => `frontend site${i}
  bind 127.0.0.1:${s.port}
  default_backend app${i}
backend app${i}
${s.timeoutS ? `  timeout connect ${s.timeoutS}s
  timeout server ${s.timeoutS}s
` : ''}  server app 127.0.0.1:${s.backend}`).join('\n')}
`,
    }),
    args: (dir, conf) => ['-db', '-f', conf],
  },

  varnish: {
    ...LISTED.varnish,
    version: ['-V'],
    config: (dir, sites) => ({
      file: 'default.vcl',
      text: `vcl 4.1;
${sites.map((s, i) => `backend app${i} {
  .host = "127.0.0.1";
  .port = "${s.backend}";
${s.timeoutS ? `  .connect_timeout = ${s.timeoutS}s;
  .first_byte_timeout = ${s.timeoutS}s;
` : ''}}`).join('\n')}
sub vcl_recv {
${sites.map((s, i) => `  if (local.socket == "site${i}") { set req.backend_hint = app${i}; }`).join('\n')}
}
`,
    }),
    // -F foreground; -n its working directory (shared memory log, compiled VCL); -T none: no
    // management port; -j none when not root (the default jail switches to the vcache user,
    // which only root may do).
    args: (dir, conf, sites) => [
      '-F', '-n', `${dir}/varnish`, '-f', conf, '-T', 'none', '-s', 'malloc,16m', '-P', `${dir}/varnishd.pid`,
      ...(isRoot ? [] : ['-j', 'none']),
      ...sites.flatMap((s, i) => ['-a', `site${i}=127.0.0.1:${s.port},HTTP`]),
    ],
  },

  caddy: {
    ...LISTED.caddy,
    version: ['version'],
    config: (dir, sites) => ({
      file: 'Caddyfile',
      text: `{
  admin off
  auto_https off
  storage file_system ${dir}/data
}
${sites.map((s) => `http://:${s.port} {
  bind 127.0.0.1
  reverse_proxy 127.0.0.1:${s.backend}${s.timeoutS ? ` {
    transport http {
      dial_timeout ${s.timeoutS}s
      response_header_timeout ${s.timeoutS}s
    }
  }` : ''}
}`).join('\n')}
`,
    }),
    args: (dir, conf) => ['run', '--config', conf, '--adapter', 'caddyfile'],
    // Caddy keeps its state under $HOME / $XDG_*: here, in the temporary directory.
    env: (dir) => ({ HOME: dir, XDG_DATA_HOME: `${dir}/data`, XDG_CONFIG_HOME: `${dir}/config` }),
  },

  lighttpd: {
    ...LISTED.lighttpd,
    version: ['-v'],
    config: (dir, sites) => ({
      file: 'lighttpd.conf',
      text: `server.modules = ( "mod_proxy" )
server.document-root = "${dir}/www"
server.bind = "127.0.0.1"
server.port = ${sites[0].port}
server.pid-file = "${dir}/lighttpd.pid"
server.errorlog = "${dir}/error.log"
server.upload-dirs = ( "${dir}" )
${sites.map((s) => `$SERVER["socket"] == "127.0.0.1:${s.port}" {
  proxy.server = ( "" => (( "host" => "127.0.0.1", "port" => ${s.backend}${s.timeoutS ? `, "connect-timeout" => ${s.timeoutS}, "read-timeout" => ${s.timeoutS}` : ''} )) )
}`).join('\n')}
`,
    }),
    args: (dir, conf) => ['-D', '-f', conf],
  },
};

/**
 * What each server answers, by default, when its backend refuses connections ('down'),
 * accepts and never answers within the 2 s timeout ('hang'), or closes the connection on
 * each request ('reset'), as Debian 12 ships them. A change here is a change in the real
 * servers (a new Debian release), worth knowing about.
 */
export const EXPECTED = {
  nginx: { down: 502, hang: 504, reset: 502 },
  apache: { down: 503, hang: 502, reset: 502 },
  haproxy: { down: 503, hang: 504, reset: 502 },
  varnish: { down: 503, hang: 503, reset: 503 },
  caddy: { down: 502, hang: 504, reset: 502 },
  lighttpd: { down: 503, hang: 504, reset: 500 },
};
/** The backend failures, as startBackend's modes. */
export const FAILURES = ['down', 'hang', 'reset'];

/** The servers whose binary is not installed, each with its Debian package. */
for (const name of new Set([...Object.keys(LISTED), ...Object.keys(SERVERS)])) {
  if (!LISTED[name] || !SERVERS[name]) throw new Error(`${name}: in tests/e2e/realservers.txt and SERVERS, or in neither`);
}

export function missingServers(names = Object.keys(SERVERS)) {
  return names.filter((n) => !existsSync(SERVERS[n].bin)).map((n) => ({ name: n, pkg: SERVERS[n].pkg }));
}

/** The server's own version line (e.g. "nginx version: nginx/1.22.1"). */
export function serverVersion(name) {
  const s = SERVERS[name];
  const r = spawnSync(s.bin, s.version, { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim()) ?? '?';
}

// Process groups still running (pid -> temporary directory), killed, their directories
// removed and the ports released when the test process exits without closing them.
const running = new Map();
process.on('exit', () => {
  for (const [pid, dir] of running) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
    rmSync(dir, { recursive: true, force: true });
  }
  for (const port of [...reserved]) releasePort(port);
});

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => { s.destroy(); resolve(ok); };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

/**
 * Starts server `name` (a key of SERVERS) with one site per entry of `sites` ({ backend: port,
 * timeoutS }), each on a fresh port of 127.0.0.1. `timeoutS` (default 2) bounds connecting to
 * the backend and waiting for its answer; `null` leaves the server's own defaults (nginx,
 * Apache and Varnish: 60 s; HAProxy and Caddy: none). Resolves once every site accepts
 * connections; rejects after `startTimeoutMs` or when the server exits, with its exit code,
 * output and logs.
 * `extraArgs` are appended to the server's command line.
 */
export async function startRealServer(name, sites, { startTimeoutMs = 20_000, extraArgs = [] } = {}) {
  const spec = SERVERS[name];
  if (!spec) throw new Error(`unknown server '${name}' (known: ${Object.keys(SERVERS).join(', ')})`);
  if (!existsSync(spec.bin)) throw new Error(`${spec.bin} is missing: apt-get install ${spec.pkg}`);
  if (!sites.length) throw new Error('startRealServer needs at least one site');
  const dir = await mkdtemp(join(tmpdir(), `bounceback-${name}-`));
  // Servers that drop privileges (as root) must still reach their files in here.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'www'));
  const placed = [];
  for (const s of sites) placed.push({ timeoutS: TIMEOUT_S, ...s, port: await reservePort() });
  const { file, text } = spec.config(dir, placed);
  const conf = join(dir, file);
  await writeFile(conf, text);

  let output = '';
  const argv = [...spec.args(dir, conf, placed), ...extraArgs];
  const child = spawn(spec.bin, argv, {
    cwd: dir,
    env: { ...process.env, ...spec.env?.(dir) },
    detached: true, // its own process group, so close() reaches every worker it forks
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (c) => { output = (output + c).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => { exited = { code, signal }; resolve(exited); }));
  child.once('error', (e) => { exited = { code: null, signal: null, error: e.message }; });
  if (child.pid) running.set(child.pid, dir);
  // Nothing of the server keeps the test process alive: a test process that ends without
  // closing it kills it on its way out (above), instead of waiting for it for ever.
  child.unref();
  child.stdout.unref?.();
  child.stderr.unref?.();

  const logs = () => {
    const parts = [];
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.log'))) {
      parts.push(`--- ${f}\n${readFileSync(join(dir, f), 'utf8').slice(-5000)}`);
    }
    return `--- output\n${output}\n${parts.join('\n')}`;
  };

  async function close() {
    const pid = child.pid;
    if (pid && exited == null) {
      try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ }
      const deadline = Date.now() + 5000;
      while (exited == null && Date.now() < deadline) await sleep(50);
    }
    // Workers may outlive their parent for a moment: the group gets KILL whatever happened.
    if (pid) {
      try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
      running.delete(pid);
    }
    for (const s of placed) releasePort(s.port);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited) {
      const why = exited.error ?? `exit code ${exited.code}${exited.signal ? `, signal ${exited.signal}` : ''}`;
      const text = `${name} (${spec.bin} ${argv.join(' ')}) exited before listening (${why})\n${logs()}`;
      await close();
      throw new Error(text);
    }
    const up = await Promise.all(placed.map((s) => accepts(s.port)));
    if (up.every(Boolean)) break;
    if (Date.now() >= deadline) {
      const text = `${name} did not listen on ${placed.map((s) => s.port).join(', ')} within ${startTimeoutMs} ms\n${logs()}`;
      await close();
      throw new Error(text);
    }
    await Promise.race([sleep(100), exit]);
  }

  return {
    name,
    pid: child.pid,
    dir,
    sites: placed,
    /** The URL of `path` on site number `i`. */
    url: (i, path = '/') => `http://127.0.0.1:${placed[i].port}${path}`,
    logs,
    alive: () => exited == null && alive(child.pid),
    close,
  };
}

// ---- The backend ------------------------------------------------------------------------

const RECOVERED = (path) => `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Recovered</title></head>\n<body>\n<h1>Recovered</h1>\n<p id="path">${path.replace(/[^\w/.-]/g, '')}</p>\n</body>\n</html>\n`;
const FORM = `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Form</title></head>\n<body>\n<h1>Order form</h1>\n<form method="POST" action="/submit">\n  <input type="text" name="item" value="widget">\n  <button type="submit" id="go">Send</button>\n</form>\n</body>\n</html>\n`;

/**
 * The application behind a real server, on a port of 127.0.0.1 fixed at start, in one of three
 * modes, changed with `set(mode)`:
 *   'down'  nothing listens on the port (connections are refused)
 *   'hang'  it accepts connections and reads requests, and never answers
 *   'reset' it reads each request and closes the connection without a word
 *   'up'    it answers: /form is a page with a POST form to /submit, anything else a
 *           "Recovered" page, all with Cache-Control: no-store
 * Every request that reaches it is recorded ({ method, path, time, mode }).
 */
export async function startBackend({ mode = 'down' } = {}) {
  const port = await reservePort();
  const seen = [];
  const sockets = new Set();
  let current = 'down';
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    seen.push({ method: req.method, path, time: Date.now(), mode: current });
    req.resume();
    if (current === 'reset') {
      req.socket.destroy();
      return;
    }
    if (current !== 'up') return; // hang: the request stays unanswered
    req.on('end', () => {
      const body = Buffer.from(path === '/form' ? FORM : RECOVERED(path));
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  server.on('clientError', (_e, s) => s.destroy());
  const dropAll = () => { for (const s of sockets) s.destroy(); };

  async function set(next) {
    if (!['down', 'hang', 'reset', 'up'].includes(next)) throw new Error(`unknown backend mode '${next}'`);
    const wasListening = current !== 'down';
    // Leaving 'hang' (or going down) ends the requests left waiting; a proxy sees them fail.
    if (current === 'hang' || next === 'down') dropAll();
    current = next;
    if (next === 'down' && wasListening) await new Promise((r) => server.close(r));
    if (next !== 'down' && !wasListening) {
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
      });
    }
  }
  await set(mode);

  return {
    port,
    get mode() { return current; },
    set,
    requests: (path) => seen.filter((r) => path == null || r.path === path).map((r) => ({ ...r })),
    count: (path, method) => seen.filter((r) => (path == null || r.path === path) && (method == null || r.method === method)).length,
    close: async () => {
      dropAll();
      if (current !== 'down') await new Promise((r) => server.close(r));
      current = 'down';
      releasePort(port);
    },
  };
}

/**
 * Every server of `names`, started in parallel, each with one site per entry of `plan`
 * ({ key: { mode, timeoutS? } }): a backend of its own in that mode, behind a site with that
 * timeout. Resolves with { [name]: { server, backends: { key: backend }, url(key, path) } };
 * if anything fails to start, stops all that did and rejects with the first error.
 */
export async function startLab(names, plan) {
  const lab = {};
  const keys = Object.keys(plan);
  const started = await Promise.allSettled(names.map(async (name) => {
    const entry = { backends: {}, url: (key, path = '/') => entry.server.url(keys.indexOf(key), path) };
    lab[name] = entry;
    for (const k of keys) entry.backends[k] = await startBackend({ mode: plan[k].mode });
    entry.server = await startRealServer(name, keys.map((k) => ({
      backend: entry.backends[k].port,
      ...('timeoutS' in plan[k] ? { timeoutS: plan[k].timeoutS } : {}),
    })));
  }));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await stopLab(lab);
    throw failed.reason;
  }
  return lab;
}

/** Stops every server and backend of a lab (what of it started). */
export async function stopLab(lab) {
  await Promise.all(Object.values(lab ?? {}).map(async ({ server, backends }) => {
    await server?.close();
    await Promise.all(Object.values(backends).map((b) => b.close()));
  }));
}

/**
 * One plain HTTP exchange with Node (no browser): the status, the reason phrase, the headers
 * (lower-case names, as [name, value] pairs in the order received) and the body as text.
 */
export function fetchRaw(url, { method = 'GET', timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const headers = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode, reason: res.statusMessage, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

