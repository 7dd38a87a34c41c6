// A local, deliberately flaky HTTP server for Bounceback's end-to-end tests.
//
//   const server = await startFlakyServer();
//   server.route('/p', { failFirst: 2 });          // 502, 502, then 200
//   tab.goto(server.url('/p'));
//
// It listens on 127.0.0.1 only, on an ephemeral port, prints nothing unless asked
// (`log: true` / `--verbose`), and closes itself after `lifetimeMs` (timer unref'd, so it
// never keeps a test process alive on its own).
//
// Route spec (all fields optional):
//   failFirst: N     the first N requests fail. Requests are counted per route, over every
//                    method the failure applies to (see `methods`; by default all of them,
//                    so HEAD probes and GETs share one counter).
//   failForMs: T     fail while less than T ms have passed since route() was called.
//                    With both failFirst and failForMs a request fails if EITHER applies.
//   failMode:        'status' (default): answer failStatus (default 502) with nginx's body,
//                    headers and reason phrase ('Service Temporarily Unavailable',
//                    'Gateway Time-out', ... as nginx sends them).
//                    'drop': destroy the socket without any response. Browsers silently
//                    retry such a connection (Chromium once, Firefox up to ~10 times within
//                    milliseconds), so a drop route must keep failing for a while: use
//                    failForMs, or a failFirst large enough to absorb the retries.
//                    'soft': answer 200 with a Cloudflare-style "502: Bad gateway" page.
//   failStatus:      status for 'status' mode (any; 500/502/503/504 get nginx bodies).
//   failHeaders: {}  extra headers on failures, e.g. { 'Retry-After': '4' }.
//   failBody:        body of 'status' failures instead of nginx's (e.g. cloudflareErrorBody(522)).
//   okBody:          body of successful answers (default: a small "Recovered" page).
//   okHeaders: {}    extra headers on successes. Successes carry `Cache-Control: no-store`
//                    unless okHeaders sets its own cache-control.
//   setCookies: []   Set-Cookie values sent on every response of the path (ok or failure,
//                    not on drops).
//   failWithCookie:  fail every request that carries a cookie of this name, whatever the
//                    counters say (an oversized-cookie outage, cured by clearing cookies).
//   methods: []      failures apply only to these methods (default: all). Requests with
//                    other methods always succeed and do not advance the failFirst counter.
//
// Fixed routes (a route() on the same path takes precedence):
//   /echo         200, JSON { method, path, headers } of the request (cookie, cache-control,
//                 pragma, ... included)
//   /article-502  200, a long genuine article about fixing 502 errors (a false-positive trap)
//   /form         a page with <form method=POST action="/submit"> and a button #go
//   /submit       behaves as route('/submit', spec) says; 200 if never defined
//   anything else 404
//
// CLI: node tests/e2e/lib/server.mjs [--fail-for-ms 20000] [--lifetime-ms N] [--verbose]
// prints `PORT <n>` as its first line, then serves a demo site whose `/` fails (502) for the
// given time and then recovers.

import http from 'node:http';
import { pathToFileURL } from 'node:url';

const MAX_BODY = 1024 * 1024;

// nginx's own reason phrases (ngx_http_status_lines) and error page bodies.
const NGINX_REASONS = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

export function nginxErrorBody(status) {
  const reason = NGINX_REASONS[status] ?? http.STATUS_CODES[status] ?? 'Error';
  return (
    `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n` +
    `<center><h1>${status} ${reason}</h1></center>\r\n` +
    `<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n`
  );
}

/** A Cloudflare-style error page for its own 52x statuses (the wording of its 522 page). */
export function cloudflareErrorBody(status, host = 'example.com') {
  const what = { 521: 'Web server is down', 522: 'Connection timed out', 523: 'Origin is unreachable', 524: 'A timeout occurred' }[status] ?? 'Error';
  return `<!DOCTYPE html><html lang="en-US"><head><title>${host} | ${status}: ${what}</title></head>
<body><h1>${what} <span>Error code ${status}</span></h1>
<p>Visit cloudflare.com for more information.</p>
<p>You: Browser Working. Cloudflare: Working. ${host}: Host Error.</p>
<p>Cloudflare Ray ID: 8a1b2c3d4e5f6789</p></body></html>`;
}

export function cloudflareSoftBody(host = 'example.com') {
  const ray = '8f3a2b1c4d5e6f70';
  return `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->
<head>
<title>${host} | 502: Bad gateway</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta http-equiv="X-UA-Compatible" content="IE=Edge" />
<meta name="robots" content="noindex, nofollow" />
<meta name="viewport" content="width=device-width,initial-scale=1" />
</head>
<body>
<div id="cf-wrapper">
  <div id="cf-error-details" class="p-0">
    <header class="mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8">
      <h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl text-black-dark leading-tight mr-2">
        <span class="inline-block">Bad gateway</span>
        <span class="code-label">Error code 502</span>
      </h1>
      <div>Visit <a href="https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_502&amp;utm_campaign=${host}" target="_blank" rel="noopener noreferrer">cloudflare.com</a> for more information.</div>
      <div class="mt-3">${new Date().toUTCString()}</div>
    </header>
    <div class="my-8 bg-gradient-gray">
      <div class="w-240 lg:w-full mx-auto">
        <div class="clearfix md:px-8">
          <div id="cf-browser-status" class="cf-column"><span class="md:block w-full truncate">You</span> <h3>Browser</h3> <span class="cf-status-label">Working</span></div>
          <div id="cf-cloudflare-status" class="cf-column"><span class="md:block w-full truncate">Frankfurt</span> <h3>Cloudflare</h3> <span class="cf-status-label">Working</span></div>
          <div id="cf-host-status" class="cf-error-source cf-column"><span class="md:block w-full truncate">${host}</span> <h3>Host</h3> <span class="cf-status-label">Error</span></div>
        </div>
      </div>
    </div>
    <div class="w-240 lg:w-full mx-auto mb-8 lg:px-8">
      <div class="clearfix">
        <div class="w-1/2 md:w-full float-left pr-6 md:pb-10 md:pr-0 leading-relaxed">
          <h2 class="text-3xl font-normal leading-1.3 mb-4">What happened?</h2>
          <p>The web server reported a bad gateway error.</p>
        </div>
        <div class="w-1/2 md:w-full float-left leading-relaxed">
          <h2 class="text-3xl font-normal leading-1.3 mb-4">What can I do?</h2>
          <p class="mb-6">Please try again in a few minutes.</p>
        </div>
      </div>
    </div>
    <div class="cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto text-center sm:text-left border-solid border-0 border-t border-gray-300">
      <p class="text-13">
        <span class="cf-footer-item sm:block sm:mb-1">Cloudflare Ray ID: <strong class="font-semibold">${ray}</strong></span>
        <span class="cf-footer-separator sm:hidden">&bull;</span>
        <span class="cf-footer-item sm:block sm:mb-1">Performance &amp; security by <a rel="noopener noreferrer" href="https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_502" target="_blank">Cloudflare</a></span>
      </p>
    </div>
  </div>
</div>
</body>
</html>
`;
}

function recoveredBody(path) {
  const p = escapeHtml(path);
  return `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Recovered</title></head>\n<body>\n<h1>Recovered</h1>\n<p id="path">${p}</p>\n</body>\n</html>\n`;
}

const ARTICLE_502 = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>How to fix 502 Bad Gateway errors</title></head>
<body>
<article>
<h1>How to fix 502 Bad Gateway errors</h1>
<p class="byline">A practical guide for people who run web servers &mdash; updated for nginx 1.24</p>

<h2>What a 502 Bad Gateway error means</h2>
<p>A 502 Bad Gateway error means that a server acting as a gateway or proxy received an
invalid response from the upstream server it was talking to. In a typical deployment,
nginx sits in front of an application server such as Gunicorn, PHP-FPM, Puma or a Node.js
process. When nginx cannot get a valid answer from that upstream, it gives up and shows
the familiar page with "502 Bad Gateway" and "nginx" in small print underneath.</p>

<p>The important thing to understand is that the 502 status is produced by the proxy, not by
your application. Your application may have crashed, may be restarting during a deploy, may
be listening on a different port or socket than nginx expects, or may simply be too slow.
Visitors only ever see the proxy's error page.</p>

<h2>Check whether the upstream is running</h2>
<p>Start with the obvious: is the application process alive? Use <code>systemctl status</code>
for your service, or <code>docker ps</code> if it runs in a container. If the process keeps
restarting, its own logs usually explain why &mdash; a missing environment variable, a
failed database migration, or an out-of-memory kill are the usual suspects.</p>

<h2>Read the nginx error log</h2>
<p>The nginx error log (often <code>/var/log/nginx/error.log</code>) records the reason for
every 502. Messages such as <code>connect() failed (111: Connection refused) while connecting
to upstream</code> mean nothing listens on the configured address.
<code>upstream prematurely closed connection while reading response header from upstream</code>
means the application accepted the connection and then died or closed it.
<code>no live upstreams while connecting to upstream</code> means every server in the
upstream block has been marked as failed.</p>

<h2>Compare the proxy_pass address with the real listener</h2>
<p>A surprisingly common cause is a mismatch between the <code>proxy_pass</code> or
<code>fastcgi_pass</code> directive and the address the application actually listens on:
127.0.0.1 versus localhost, a TCP port versus a Unix socket, or a socket file whose
permissions do not allow the nginx worker user to connect. Run <code>ss -ltnp</code> to see
what is listening and compare it with your configuration.</p>

<h2>Raise timeouts and buffers only when you understand why</h2>
<p>Slow upstreams more often produce a 504 Gateway Timeout, but very large response headers
can trigger a 502 with the message <code>upstream sent too big header</code>. Increasing
<code>proxy_buffer_size</code> and <code>proxy_buffers</code> fixes that case. Raising
<code>proxy_read_timeout</code> hides slowness instead of fixing it; measure first.</p>

<h2>Deploys without 502s</h2>
<p>If the errors appear only for a few seconds during each deployment, the fix is to stop
the old process only after the new one is ready: use a process manager that supports
graceful reloads, run at least two upstream servers behind nginx, and configure health
checks so that traffic moves away from an instance before it stops.</p>

<h2>If you are a visitor, not the site owner</h2>
<p>There is little you can do besides waiting a moment and reloading the page. A 502 Bad
Gateway error is almost always temporary. Clearing your cookies or cache rarely helps, but
trying again in a minute usually does.</p>
</article>
</body>
</html>
`;

const FORM_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Form</title></head>
<body>
<h1>Order form</h1>
<form method="POST" action="/submit">
  <input type="text" name="item" value="widget">
  <input type="number" name="qty" value="1">
  <button type="submit" id="go">Send</button>
</form>
</body>
</html>
`;

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function hasHeader(headers, name) {
  return Object.keys(headers ?? {}).some((k) => k.toLowerCase() === name);
}

export async function startFlakyServer({ lifetimeMs = 600_000, log = false } = {}) {
  /** @type {Map<string, {spec: object, definedAt: number, seen: number}>} */
  const routes = new Map();
  let requestLog = [];
  const say = log ? (...a) => console.error('[flaky]', ...a) : () => {};

  function send(req, res, status, headers, body, reason) {
    const buf = Buffer.from(body ?? '', 'utf8');
    res.statusCode = status;
    if (reason) res.statusMessage = reason;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.setHeader('Content-Length', buf.length);
    // Node's http server never writes a body for HEAD, but keeps Content-Length.
    res.end(req.method === 'HEAD' ? undefined : buf);
  }

  function handle(req, res, entry, path) {
    const now = Date.now();
    const { spec } = entry;
    const cookieHeaders = spec.setCookies?.length ? { 'Set-Cookie': spec.setCookies } : {};
    const applies = !spec.methods || spec.methods.map((m) => m.toUpperCase()).includes(req.method);
    let fail = false;
    if (applies) {
      const index = entry.seen++;
      if (spec.failFirst != null && index < spec.failFirst) fail = true;
      if (spec.failForMs != null && now - entry.definedAt < spec.failForMs) fail = true;
    }
    if (spec.failWithCookie && (req.headers.cookie ?? '').split(/;\s*/).some((c) => c.split('=')[0] === spec.failWithCookie)) {
      fail = true;
    }
    if (fail) {
      const mode = spec.failMode ?? 'status';
      say(req.method, path, 'FAIL', mode);
      if (mode === 'drop') {
        req.socket.destroy();
        return;
      }
      if (mode === 'soft') {
        send(req, res, 200, {
          'Content-Type': 'text/html; charset=UTF-8',
          Server: 'cloudflare',
          'CF-RAY': '8f3a2b1c4d5e6f70-FRA',
          'Cache-Control': 'private, max-age=0, no-store, no-cache, must-revalidate',
          ...cookieHeaders,
          ...spec.failHeaders,
        }, cloudflareSoftBody(String(req.headers.host ?? 'example.com').replace(/:\d+$/, '')));
        return;
      }
      const status = spec.failStatus ?? 502;
      send(req, res, status, {
        Server: 'nginx/1.24.0',
        Date: new Date(now).toUTCString(),
        'Content-Type': 'text/html',
        ...cookieHeaders,
        ...spec.failHeaders,
      }, spec.failBody ?? nginxErrorBody(status), NGINX_REASONS[status]);
      return;
    }
    say(req.method, path, 'OK');
    const okHeaders = spec.okHeaders ?? {};
    send(req, res, 200, {
      'Content-Type': 'text/html; charset=utf-8',
      ...(hasHeader(okHeaders, 'cache-control') ? {} : { 'Cache-Control': 'no-store' }),
      ...cookieHeaders,
      ...okHeaders,
    }, spec.okBody ?? recoveredBody(path));
  }

  const httpServer = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c) => {
      if (tooBig) return;
      size += c.length;
      if (size > MAX_BODY) {
        tooBig = true;
        send(req, res, 413, { 'Content-Type': 'text/plain', Connection: 'close' }, 'Payload Too Large\n');
        req.socket.destroySoon?.();
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (tooBig) return;
      const url = new URL(req.url, 'http://127.0.0.1');
      const path = url.pathname;
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
      requestLog.push({ method: req.method, path, query: url.search, time: Date.now(), headers, body });

      const entry = routes.get(path);
      if (entry) return handle(req, res, entry, path);
      say(req.method, path);
      const html = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' };
      switch (path) {
        case '/echo':
          return send(req, res, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
            JSON.stringify({ method: req.method, path, headers, body }));
        case '/article-502':
          return send(req, res, 200, html, ARTICLE_502);
        case '/form':
          return send(req, res, 200, html, FORM_PAGE);
        case '/submit':
          return send(req, res, 200, html, recoveredBody(path));
        default:
          return send(req, res, 404, { 'Content-Type': 'text/plain' }, 'Not Found\n');
      }
    });
  });
  httpServer.on('clientError', (_err, socket) => socket.destroy());

  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = httpServer.address().port;

  let closed = null;
  const close = () => {
    closed ??= new Promise((resolve) => {
      clearTimeout(lifetime);
      httpServer.close(() => resolve());
      httpServer.closeAllConnections();
    });
    return closed;
  };
  const lifetime = setTimeout(close, lifetimeMs);
  lifetime.unref();

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    url(path = '/', host = '127.0.0.1') {
      return `http://${host}:${port}${path.startsWith('/') ? '' : '/'}${path}`;
    },
    route(path, spec = {}) {
      routes.set(path, { spec: { ...spec }, definedAt: Date.now(), seen: 0 });
    },
    requests(path) {
      const all = path == null ? requestLog : requestLog.filter((r) => r.path === path);
      return all.map((r) => ({ ...r, headers: { ...r.headers } }));
    },
    count(path, method) {
      return requestLog.filter((r) => (path == null || r.path === path) && (method == null || r.method === method.toUpperCase())).length;
    },
    reset() {
      requestLog = [];
      for (const entry of routes.values()) entry.seen = 0;
    },
    close,
  };
}

// ---- CLI ----------------------------------------------------------------------------
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] != null ? Number(args[i + 1]) : dflt;
  };
  const failForMs = opt('--fail-for-ms', 20_000);
  const lifetimeMs = opt('--lifetime-ms', 600_000);
  const server = await startFlakyServer({ lifetimeMs, log: args.includes('--verbose') });
  server.route('/', {
    failForMs,
    okBody: `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Recovered</title></head>\n<body><h1>Recovered</h1><p>/ has recovered after ${failForMs} ms of 502s.</p>\n<ul><li><a href="/article-502">article about 502s (must not be reloaded)</a></li><li><a href="/form">POST form</a></li><li><a href="/echo">echo</a></li></ul></body></html>\n`,
  });
  server.route('/submit', { failFirst: 1, methods: ['POST'] });
  process.stdout.write(`PORT ${server.port}\n`);
  const stop = () => server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
