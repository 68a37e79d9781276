// The client against a real loopback HTTP server (test/server.mjs): real
// sockets, real dropped connections, real timeouts. Small delays keep the
// suite fast; timing assertions keep a 10x margin.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import axios, { isCancel } from 'axios';
import { createApiClient, createBudget, withRetry } from '../dist/index.js';
import { refusedURL, rng, serve } from './server.mjs';

// client returns a client with fast delays whose retry lines go to lines.
function client(opts = {}) {
  const lines = [];
  const api = createApiClient({ retryDelay: 2, maxRetryDelay: 50, log: (l, info) => lines.push({ l, info }), ...opts });
  return { api, lines };
}

// fails returns the error a promise rejects with.
async function fails(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('the request succeeded');
}

describe('the specification', () => {
  test("its frontend test: two network errors, then success, makes 3 calls", async () => {
    const s = await serve({ '/test': ['drop', 'drop', 200] });
    try {
      const { api } = client({ baseURL: s.url });
      const result = await api.get('/test');
      assert.equal(result.data.success, true);
      assert.equal(s.count('/test'), 3);
    } finally {
      await s.close();
    }
  });

  test('its defaults: 3 retries, base 1s, max 10s, so 4 attempts', async () => {
    const s = await serve({ '/down': [503] });
    try {
      const lines = [];
      const api = createApiClient({ baseURL: s.url, log: (l, info) => lines.push(info) });
      // Only the first delay is waited for: the signal ends the second wait.
      const ac = new AbortController();
      const p = api.get('/down', { signal: ac.signal });
      while (lines.length < 1) await new Promise((r) => setTimeout(r, 10));
      const d = lines[0].delay;
      assert.ok(d >= 1000 && d <= 1300, `first delay ${d}ms, want 1000-1300`);
      assert.equal(lines[0].retries, 3);
      ac.abort();
      assert.ok(isCancel(await fails(p)));
    } finally {
      await s.close();
    }
  });

  test('the console line, exactly, with the query left out', async () => {
    const s = await serve({ '/api/v1/assets/': ['drop', 503, 200] });
    const warn = console.warn;
    const got = [];
    console.warn = (...a) => got.push(a.join(' '));
    try {
      const api = createApiClient({ baseURL: `${s.url}/api/v1`, retryDelay: 2 });
      await api.get('/assets/', { params: { page: 1, size: 100, token: 'secret' } });
    } finally {
      console.warn = warn;
      await s.close();
    }
    assert.equal(got.length, 2, got.join('\n'));
    assert.match(got[0], /^\[Retry 1\/3\] GET \/api\/v1\/assets\/ \(delay: \d+ms, reason: Network Error\)$/);
    assert.match(got[1], /^\[Retry 2\/3\] GET \/api\/v1\/assets\/ \(delay: \d+ms, reason: 503 Service Unavailable\)$/);
  });

  test('a path cannot break the console line', async () => {
    const s = await serve({ '/a%0D%0A[Retry%209/9]%20x/': [503, 200], '/ab/': [503, 200] });
    try {
      const { api, lines } = client({ baseURL: s.url });
      await api.get('/a%0D%0A[Retry%209/9]%20x/');
      await api.get('/a\r\nb/');
      assert.equal(lines.length, 2);
      for (const { l } of lines) assert.doesNotMatch(l, /[\r\n]/);
      assert.match(lines[0].l, /GET \/a%0D%0A\[Retry%209\/9\]%20x\/ \(delay/);
      assert.match(lines[1].l, /GET \/ab\/ \(delay/);
    } finally {
      await s.close();
    }
  });

  test('delays grow exponentially with up to 30% jitter, capped', async () => {
    const s = await serve({ '/down': [503] });
    try {
      const { api, lines } = client({ baseURL: s.url, retries: 4, retryDelay: 10, maxRetryDelay: 60 });
      assert.equal((await fails(api.get('/down'))).response.status, 503);
      assert.equal(s.count('/down'), 5);
      const want = [[10, 13], [20, 26], [40, 52], [60, 60]];
      assert.deepEqual(lines.map((x) => x.info.retry), [1, 2, 3, 4]);
      lines.forEach(({ info }, i) => assert.ok(info.delay >= want[i][0] && info.delay <= want[i][1], `retry ${i + 1}: ${info.delay}ms`));
    } finally {
      await s.close();
    }
  });
});

describe('what is retried', () => {
  const cases = [
    ['500', 500, true], ['502', 502, true], ['503', 503, true], ['504', 504, true], ['599', 599, true],
    ['429', 429, true], ['408', 408, true],
    ['400', 400, false], ['403', 403, false], ['404', 404, false], ['409', 409, false], ['422', 422, false],
    ['dropped connection', 'drop', true], ['body cut off', 'cut', true],
  ];
  for (const [name, step, retried] of cases) {
    test(`${name}: ${retried ? 'retried' : 'not retried'}`, async () => {
      const s = await serve({ '/x': [step, 200] });
      try {
        const { api } = client({ baseURL: s.url });
        if (retried) assert.equal((await api.get('/x')).status, 200);
        else assert.equal((await fails(api.get('/x'))).response.status, step);
        assert.equal(s.count('/x'), retried ? 2 : 1);
      } finally {
        await s.close();
      }
    });
  }

  test('an attempt that times out is retried', async () => {
    const s = await serve({ '/slow': ['stall', 200] });
    try {
      const { api, lines } = client({ baseURL: s.url, timeout: 100 });
      assert.equal((await api.get('/slow')).status, 200);
      assert.equal(s.count('/slow'), 2);
      assert.equal(lines[0].info.reason, 'Network Error');
    } finally {
      await s.close();
    }
  });

  test('401: never retried, whatever the condition; onUnauthorized called once', async () => {
    const s = await serve({ '/me': [401, 200] });
    try {
      const seen = [];
      const { api } = client({ baseURL: s.url, retryCondition: () => true, onUnauthorized: (e) => seen.push(e.response.status) });
      assert.equal((await fails(api.get('/me'))).response.status, 401);
      assert.equal(s.count('/me'), 1);
      assert.deepEqual(seen, [401]);
    } finally {
      await s.close();
    }
  });

  test('retries run out: the last error, after retries + 1 attempts', async () => {
    const s = await serve({ '/down': [503], '/gone': ['drop'] });
    try {
      const { api } = client({ baseURL: s.url });
      assert.equal((await fails(api.get('/down'))).response.status, 503);
      assert.equal(s.count('/down'), 4);
      const e = await fails(api.get('/gone'));
      assert.equal(e.response, undefined);
      assert.equal(s.count('/gone'), 4);
      const { api: none } = client({ baseURL: s.url, retries: 0 });
      await fails(none.get('/down'));
      assert.equal(s.count('/down'), 5);
    } finally {
      await s.close();
    }
  });
});

describe('idempotency', () => {
  test('POST is not retried once it may have reached the server', async () => {
    const s = await serve({ '/a': [503], '/b': ['drop', 200] });
    try {
      const { api } = client({ baseURL: s.url });
      assert.equal((await fails(api.post('/a', { x: 1 }))).response.status, 503);
      assert.equal((await fails(api.post('/b', { x: 1 }))).response, undefined);
      assert.equal((await fails(api.patch('/a', { x: 1 }))).response.status, 503);
      assert.equal(s.count('/a'), 2);
      assert.equal(s.count('/b'), 1);
    } finally {
      await s.close();
    }
  });

  test('POST with an Idempotency-Key is retried, body and key intact', async () => {
    const s = await serve({ '/a': ['drop', 503, 200], '/b': [503, 200] });
    try {
      const { api } = client({ baseURL: s.url });
      const r = await api.post('/a', { x: 1 }, { headers: { 'Idempotency-Key': 'k-1' } });
      assert.equal(r.status, 200);
      assert.equal(s.count('/a'), 3);
      for (const h of s.hits.filter((h) => h.path === '/a')) {
        assert.equal(h.body, '{"x":1}');
        assert.equal(h.headers['idempotency-key'], 'k-1');
      }
      await api.post('/b', 'raw', { headers: { 'x-idempotency-key': 'k-2' } });
      assert.equal(s.count('/b'), 2);
    } finally {
      await s.close();
    }
  });

  for (const m of ['get', 'head', 'options', 'put', 'delete']) {
    test(`${m.toUpperCase()} is retried`, async () => {
      const s = await serve({ '/a': ['drop', 200] });
      try {
        const { api } = client({ baseURL: s.url });
        await api.request({ method: m, url: '/a', data: m === 'put' ? { y: 2 } : undefined });
        assert.equal(s.count('/a'), 2);
        if (m === 'put') assert.deepEqual(s.hits.map((h) => h.body), ['{"y":2}', '{"y":2}']);
      } finally {
        await s.close();
      }
    });
  }

  test('POST to a port that refuses connections is retried: it never left', async () => {
    const url = await refusedURL();
    const { api, lines } = client({ baseURL: url });
    const e = await fails(api.post('/a', { x: 1 }));
    assert.equal(e.code, 'ECONNREFUSED');
    assert.equal(lines.length, 3);
  });
});

describe('Retry-After', () => {
  test('seconds, on a 429, honoured above the backoff', async () => {
    const s = await serve({ '/rl': [{ status: 429, headers: { 'retry-after': '1' } }, 200] });
    try {
      const { api, lines } = client({ baseURL: s.url, maxRetryDelay: 5000 });
      assert.equal((await api.get('/rl')).status, 200);
      assert.equal(lines[0].info.delay, 1000);
      assert.match(lines[0].l, /\(delay: 1000ms, reason: 429 Too Many Requests\)$/);
      const gap = s.hits[1].at - s.hits[0].at;
      assert.ok(gap >= 950, `second attempt after ${gap}ms, want >= 1000`);
    } finally {
      await s.close();
    }
  });

  test('an HTTP date on a 503, capped by the max delay', async () => {
    const later = new Date(Date.now() + 3600e3).toUTCString();
    const s = await serve({ '/m': [{ status: 503, headers: { 'retry-after': later } }, 200], '/s': [{ status: 503, headers: { 'retry-after': '86400' } }, 200] });
    try {
      const { api, lines } = client({ baseURL: s.url, maxRetryDelay: 200 });
      const t0 = Date.now();
      await api.get('/m');
      await api.get('/s');
      assert.deepEqual(lines.map((x) => x.info.delay), [200, 200]);
      assert.ok(Date.now() - t0 < 4000, 'the cap was not honoured');
      assert.ok(s.hits[1].at - s.hits[0].at >= 190);
    } finally {
      await s.close();
    }
  });

  test('ignored on other statuses and when malformed', async () => {
    const s = await serve({ '/a': [{ status: 500, headers: { 'retry-after': '5' } }, { status: 503, headers: { 'retry-after': '-1' } }, 200] });
    try {
      const { api, lines } = client({ baseURL: s.url, maxRetryDelay: 5000 });
      await api.get('/a');
      assert.ok(lines.every((x) => x.info.delay < 20), lines.map((x) => x.l).join('\n'));
    } finally {
      await s.close();
    }
  });
});

describe('cancellation', () => {
  test('an AbortSignal ends a wait at once', async () => {
    const s = await serve({ '/down': [503, 200] });
    try {
      const budget = createBudget({ burst: 1, perSecond: 0 });
      const { api, lines } = client({ baseURL: s.url, retryDelay: 5000, maxRetryDelay: 5000, budget });
      const ac = new AbortController();
      const p = api.get('/down', { signal: ac.signal });
      while (lines.length < 1) await new Promise((r) => setTimeout(r, 5));
      const t0 = Date.now();
      ac.abort();
      const e = await fails(p);
      const took = Date.now() - t0;
      assert.ok(isCancel(e), `want a CanceledError, got ${e.code}`);
      assert.ok(took < 500, `the wait went on ${took}ms after the abort`);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(s.count('/down'), 1);
      // The retry the budget granted was given back: the only token is there.
      assert.equal(budget.allow(new URL(s.url).origin), true);
    } finally {
      await s.close();
    }
  });

  test('a cancelToken ends a wait at once too', async () => {
    const s = await serve({ '/down': [503, 200] });
    try {
      const { api, lines } = client({ baseURL: s.url, retryDelay: 5000, maxRetryDelay: 5000 });
      const src = axios.CancelToken.source();
      const p = api.get('/down', { cancelToken: src.token });
      while (lines.length < 1) await new Promise((r) => setTimeout(r, 5));
      const t0 = Date.now();
      src.cancel('user left');
      const e = await fails(p);
      assert.ok(isCancel(e), `want a CanceledError, got ${e.code}`);
      assert.ok(Date.now() - t0 < 500);
      assert.equal(s.count('/down'), 1);
    } finally {
      await s.close();
    }
  });

  test('an aborted request is not retried', async () => {
    const s = await serve({ '/slow': ['stall', 200] });
    try {
      const { api, lines } = client({ baseURL: s.url });
      const ac = new AbortController();
      const p = api.get('/slow', { signal: ac.signal });
      setTimeout(() => ac.abort(), 30);
      assert.ok(isCancel(await fails(p)));
      assert.equal(lines.length, 0);
      assert.equal(s.count('/slow'), 1);
    } finally {
      await s.close();
    }
  });
});

describe('withRetry', () => {
  test("the specification's example: retries, delays and condition per request", async () => {
    const s = await serve({ '/special-endpoint': [503, 503, 503, 503, 503, 200], '/other': [500] });
    try {
      const { api, lines } = client({ baseURL: s.url, retries: 0 });
      const cfg = withRetry({ params: { q: 1 } }, {
        retries: 5,
        retryDelay: 3,
        maxRetryDelay: 30,
        retryCondition: (error) => error.response?.status === 503,
      });
      assert.deepEqual(cfg.params, { q: 1 });
      const r = await api.get('/special-endpoint', cfg);
      assert.equal(r.status, 200);
      assert.equal(s.count('/special-endpoint'), 6);
      assert.equal(lines[0].l.slice(0, 11), '[Retry 1/5]');
      assert.ok(lines.every((x) => x.info.delay <= 30));
      // The condition says no to a 500.
      assert.equal((await fails(api.get('/other', cfg))).response.status, 500);
      assert.equal(s.count('/other'), 1);
      // Without withRetry the client's retries: 0 holds.
      await fails(api.get('/other'));
      assert.equal(s.count('/other'), 2);
    } finally {
      await s.close();
    }
  });

  test('a custom condition holds on every retry, not only the first', async () => {
    const s = await serve({ '/busy': [409, 409, 409, 200] });
    try {
      const { api } = client({ baseURL: s.url });
      const cfg = withRetry({}, { retryCondition: (e) => e.response?.status === 409 });
      assert.equal((await api.get('/busy', cfg)).status, 200);
      assert.equal(s.count('/busy'), 4);
    } finally {
      await s.close();
    }
  });

  test('bad values are refused with their name and value', () => {
    assert.throws(() => withRetry({}, { retries: -1 }), /withRetry: retries must be a non-negative integer, got -1/);
    assert.throws(() => withRetry({}, { retries: 1.5 }), /retries.*1\.5/);
    assert.throws(() => withRetry({}, { retryDelay: NaN }), /retryDelay.*NaN/);
    assert.throws(() => createApiClient({ maxRetryDelay: Infinity }), /createApiClient: maxRetryDelay.*Infinity/);
    assert.throws(() => createApiClient({ retryCondition: 3 }), /retryCondition must be a function/);
    assert.throws(() => createBudget({ burst: -2 }), /createBudget: burst.*-2/);
  });
});

describe('the retry budget', () => {
  test('a fresh client makes every configured retry: retries 5 is 6 attempts', async () => {
    const s = await serve({ '/down': [503] });
    try {
      const { api } = client({ baseURL: s.url, retries: 5 });
      await fails(api.get('/down'));
      assert.equal(s.count('/down'), 6);
    } finally {
      await s.close();
    }
  });

  test('three concurrent first requests that fail 3 times each get 12 attempts', async () => {
    const s = await serve({ '/a': [503, 503, 503, 200], '/b': ['drop', 'drop', 'drop', 200], '/c': [429, 502, 504, 200] });
    try {
      const { api } = client({ baseURL: s.url });
      const rs = await Promise.all(['/a', '/b', '/c'].map((p) => api.get(p)));
      assert.deepEqual(rs.map((r) => r.status), [200, 200, 200]);
      assert.equal(s.hits.length, 12);
    } finally {
      await s.close();
    }
  });

  test('an origin that is down converges to one attempt per request; an answer reopens it', async () => {
    let down = true;
    const s = await serve({ '/x': () => (down ? 'drop' : 200), '/y': () => (down ? 503 : 200) });
    try {
      const { api } = client({ baseURL: s.url });
      const per = [];
      for (let i = 0; i < 30; i++) {
        const n = s.hits.length;
        await fails(api.get(i % 2 ? '/x' : '/y'));
        per.push(s.hits.length - n);
      }
      // The burst of 10 retries, then nothing: 3 requests with 4 attempts,
      // one with 2, then 1 each.
      assert.equal(s.hits.length, 30 + 10, per.join(','));
      assert.deepEqual(per.slice(-20), Array(20).fill(1));
      // Another origin keeps its own budget.
      const other = await serve({ '/z': [503, 200] });
      try {
        await api.get(`${other.url}/z`);
        assert.equal(other.count('/z'), 2);
      } finally {
        await other.close();
      }
      // The origin comes back; its answers refill the budget.
      down = false;
      await api.get('/x');
      await api.get('/y');
      down = true;
      const n = s.hits.length;
      await fails(api.get('/y'));
      assert.equal(s.hits.length - n, 3, 'two answers should give two retries');
    } finally {
      await s.close();
    }
  });

  test('30% random failures are not cut by the budget', async () => {
    const r = rng(16);
    const s = await serve({ '/flaky': () => (r() < 0.3 ? (r() < 0.5 ? 'drop' : 503) : 200) });
    try {
      // The default budget, counting what it refuses.
      const b = createBudget();
      let refused = 0;
      const budget = { allow: (o, t) => b.allow(o, t) || (refused++, false), done: b.done, cancel: b.cancel };
      const { api } = client({ baseURL: s.url, retryDelay: 1, maxRetryDelay: 5, budget });
      let ok = 0;
      for (let i = 0; i < 400; i += 10) {
        const rs = await Promise.allSettled(Array.from({ length: 10 }, () => api.get('/flaky')));
        ok += rs.filter((x) => x.status === 'fulfilled').length;
      }
      assert.equal(refused, 0, 'the budget refused retries');
      // 1 - 0.3^4 = 99.19% succeed when every retry is made; 1.43 attempts a request.
      assert.ok(ok >= 385, `${ok}/400 succeeded`);
      assert.ok(s.hits.length > 500 && s.hits.length < 650, `${s.hits.length} attempts`);
    } finally {
      await s.close();
    }
  });
});
