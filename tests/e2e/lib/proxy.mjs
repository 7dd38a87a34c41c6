// A recording HTTP proxy on 127.0.0.1 for the privacy test: the browser sends ALL its traffic
// through it; requests to the allowed origins are forwarded, every other destination is
// recorded and refused. CONNECT (https) is recorded and refused too: the tests use only http.
import http from 'node:http';

export async function startRecordingProxy({ allowed }) {
  const seen = []; // { method, destination, url, time }
  const isAllowed = (host) => allowed.includes(host);
  const server = http.createServer((req, res) => {
    let target;
    try {
      target = new URL(req.url);
    } catch {
      res.writeHead(400).end();
      return;
    }
    seen.push({ method: req.method, destination: target.host, url: req.url, origin: req.headers.origin ?? null, time: Date.now() });
    if (!isAllowed(target.host)) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('refused by the test proxy');
      return;
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode, up.statusMessage, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req, socket) => {
    seen.push({ method: 'CONNECT', destination: req.url, url: req.url, origin: null, time: Date.now() });
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const timer = setTimeout(() => server.close(), 15 * 60_000);
  timer.unref();
  return {
    port: server.address().port,
    seen,
    close: () => { server.closeAllConnections?.(); return new Promise((r) => server.close(r)); },
  };
}
