// A real HTTP server on 127.0.0.1 for the tests: it plays a script per path
// and records every request it sees. No axios mock: the client under test
// talks to it over real sockets.
import http from 'node:http';

// serve starts a server. routes maps a path to a script: an array of steps
// (the n-th request to the path plays step n, the last one repeating), or a
// function (request record, n) returning a step. A step is
//   'drop'   the socket is destroyed once the request has been read;
//   'cut'    headers and part of the body are sent, then the socket is destroyed;
//   'stall'  nothing is ever sent (the client must time out);
//   a number a response with that status and a small JSON body;
//   { status, headers, body, type }.
// Options: close (send Connection: close on every response, so that a
// browser never reuses a connection), static (path -> { type, body }: files
// served as they are and not counted as hits), onStatic (called with each
// static path served).
export async function serve(routes, { close = false, static: files = {}, onStatic } = {}) {
  const hits = [];
  const stalled = new Set();
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    let body = '';
    for await (const c of req) body += c;
    if (files[u.pathname]) {
      const f = files[u.pathname];
      onStatic?.(u.pathname);
      res.writeHead(200, { 'content-type': f.type, 'cache-control': 'no-store', ...(close && { connection: 'close' }) });
      res.end(f.body);
      return;
    }
    const n = hits.filter((h) => h.path === u.pathname).length;
    const rec = { method: req.method, path: u.pathname, search: u.search, headers: req.headers, body, at: Date.now(), n };
    hits.push(rec);
    const route = routes[u.pathname];
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no route"}');
      return;
    }
    const step = typeof route === 'function' ? route(rec, n) : route[Math.min(n, route.length - 1)];
    play(step, req, res, close, stalled);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    hits,
    count: (path) => hits.filter((h) => h.path === path).length,
    close: () =>
      new Promise((resolve) => {
        for (const res of stalled) res.socket?.destroy();
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

function play(step, req, res, close, stalled) {
  if (step === 'drop') {
    req.socket.destroy();
    return;
  }
  if (step === 'stall') {
    stalled.add(res);
    return;
  }
  if (step === 'cut') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"partial":');
    setTimeout(() => req.socket.destroy(), 5);
    return;
  }
  const s = typeof step === 'number' ? { status: step } : step;
  const status = s.status ?? 200;
  const body = s.body ?? JSON.stringify({ success: status < 400, status });
  res.writeHead(status, {
    'content-type': s.type ?? 'application/json',
    ...(close && { connection: 'close' }),
    ...s.headers,
  });
  res.end(body);
}

// refusedURL returns the URL of a loopback port that refuses connections:
// one a server listened on and then closed.
export async function refusedURL() {
  const s = http.createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return `http://127.0.0.1:${port}`;
}

// rng returns a seeded pseudo-random generator (mulberry32) in [0, 1).
export function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
