// TEMPORARY minimal flaky server (replaced by the full one).
import http from 'node:http';
const NGINX_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n';
export async function startFlakyServer({ lifetimeMs = 600_000 } = {}) {
  const routes = new Map(); const log = [];
  const srv = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const spec = routes.get(path);
    log.push({ method: req.method, path, time: Date.now(), headers: req.headers });
    if (!spec) { res.writeHead(404); res.end('not found'); return; }
    spec.seen = (spec.seen ?? 0) + 1;
    if (spec.seen <= (spec.failFirst ?? 0)) { res.writeHead(502, { 'content-type': 'text/html', server: 'nginx/1.24.0' }); res.end(NGINX_502); return; }
    res.writeHead(200, { 'content-type': 'text/html' }); res.end(spec.okBody ?? `<!doctype html><title>Recovered</title><h1>Recovered</h1><p>${path}</p>`);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  const t = setTimeout(() => srv.close(), lifetimeMs); t.unref();
  return {
    port, origin: `http://127.0.0.1:${port}`,
    url: (p, host = '127.0.0.1') => `http://${host}:${port}${p}`,
    route: (p, spec) => routes.set(p, { ...spec }),
    requests: (p) => log.filter((r) => p === undefined || r.path === p),
    count: (p, m) => log.filter((r) => r.path === p && (m === undefined || r.method === m)).length,
    close: () => { srv.closeAllConnections?.(); return new Promise((r) => srv.close(r)); },
  };
}
