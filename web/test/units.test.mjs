// The pure parts: backoff, Retry-After, the budget (with explicit times),
// the log line.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelay, createBudget, isRetryable, parseRetryAfter, reason, retryLine } from '../dist/index.js';
import { rng } from './server.mjs';

describe('backoffDelay', () => {
  const tests = [
    // n, base, max, u, want
    [1, 1000, 10000, 0, 1000],
    [1, 1000, 10000, 0.999, 1300],
    [2, 1000, 10000, 0, 2000],
    [2, 1000, 10000, 0.5, 2300],
    [3, 1000, 10000, 0.999, 5199],
    [4, 1000, 10000, 0, 8000],
    [4, 1000, 10000, 0.999, 10000],
    [5, 1000, 10000, 0, 10000],
    [1100, 1000, 10000, 0.7, 10000],
    [10000, 1000, 10000, 0, 10000],
    [1, 0, 10000, 0.5, 0],
    [3, 1000, 0, 0.5, 0],
  ];
  for (const [n, base, max, u, want] of tests) {
    test(`n=${n} base=${base} max=${max} u=${u}: ${want}`, () => assert.equal(backoffDelay(n, base, max, u), want));
  }
  test('never NaN, negative or above max', () => {
    const r = rng(1);
    for (let i = 0; i < 10000; i++) {
      const n = 1 + Math.floor(r() * 2000);
      const base = r() * 1e6;
      const max = r() * 1e7;
      const d = backoffDelay(n, base, max, r());
      assert.ok(Number.isInteger(d) && d >= 0 && d <= Math.round(max), `n=${n} base=${base} max=${max}: ${d}`);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 11, 3, 9, 0, 0);
  const tests = [
    ['0', 0],
    ['1', 1000],
    [' 120 ', 120000],
    ['99999999999999999999', Number.MAX_SAFE_INTEGER],
    ['Thu, 03 Dec 2026 09:00:30 GMT', 30000],
    ['Thursday, 03-Dec-26 09:01:00 GMT', 60000],
    ['Wed, 02 Dec 2026 09:00:00 GMT', 0],
    ['', undefined],
    ['  ', undefined],
    ['-1', undefined],
    ['+5', undefined],
    ['1.5', undefined],
    ['5s', undefined],
    ['2026-12-03T09:00:30Z', undefined],
    ['soon', undefined],
    [undefined, undefined],
  ];
  for (const [give, want] of tests) {
    test(`${JSON.stringify(give)}: ${want}`, () => assert.equal(parseRetryAfter(give, now), want));
  }
  test('random input: never throws; undefined or a non-negative whole number', () => {
    const r = rng(2);
    const alphabet = '0123456789 ,:-+.GMTSunMonDecabcxyz\t\n';
    for (let i = 0; i < 20000; i++) {
      let s = '';
      const len = Math.floor(r() * 32);
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(r() * alphabet.length)];
      const d = parseRetryAfter(s, now);
      assert.ok(d === undefined || (Number.isFinite(d) && d >= 0), `${JSON.stringify(s)}: ${d}`);
    }
  });
});

describe('createBudget', () => {
  const o = 'http://127.0.0.1:1';
  test('a burst, then refused; time gives one back per 1/perSecond', () => {
    const b = createBudget({ burst: 3, perSecond: 0.1 });
    const t = 1e12;
    assert.deepEqual([b.allow(o, t), b.allow(o, t), b.allow(o, t), b.allow(o, t)], [true, true, true, false]);
    assert.equal(b.allow(o, t + 9000), false);
    assert.equal(b.allow(o, t + 10001), true);
    assert.equal(b.allow(o, t + 10002), false);
    // Time refills up to the burst, no further.
    assert.deepEqual([1, 2, 3, 4].map(() => b.allow(o, t + 1e9)), [true, true, true, false]);
  });
  test('answers refill; cancel gives a retry back; origins are apart', () => {
    const b = createBudget({ burst: 2, refill: 0.5, perSecond: 0 });
    const t = 1e12;
    b.allow(o, t);
    b.allow(o, t);
    assert.equal(b.allow(o, t), false);
    assert.equal(b.allow('http://other', t), true);
    b.done(o, t);
    assert.equal(b.allow(o, t), false, 'half a retry is not a retry');
    b.done(o, t);
    assert.equal(b.allow(o, t), true);
    b.cancel(o, t);
    assert.equal(b.allow(o, t), true);
    for (let i = 0; i < 10; i++) b.done(o, t);
    assert.deepEqual([b.allow(o, t), b.allow(o, t), b.allow(o, t)], [true, true, false], 'refill stops at the burst');
  });
  test('past maxOrigins the oldest origin is forgotten (and starts full again)', () => {
    const b = createBudget({ burst: 1, perSecond: 0, maxOrigins: 2 });
    const t = 1e12;
    assert.equal(b.allow('a', t), true);
    assert.equal(b.allow('a', t), false);
    b.allow('b', t);
    b.allow('c', t); // forgets a
    assert.equal(b.allow('a', t), true);
  });
  test('a clock going back never adds retries', () => {
    const b = createBudget({ burst: 1, perSecond: 1 });
    assert.equal(b.allow(o, 5000), true);
    assert.equal(b.allow(o, 1000), false);
    assert.equal(b.allow(o, 5500), false);
    assert.equal(b.allow(o, 6001), true);
  });
});

describe('log line and condition', () => {
  test('retryLine', () => {
    assert.equal(retryLine(1, 3, 'GET', '/api/v1/assets/', 1234, 'Network Error'), '[Retry 1/3] GET /api/v1/assets/ (delay: 1234ms, reason: Network Error)');
  });
  const err = (status, statusText = '') => ({ response: { status, statusText }, config: {} });
  test('reason', () => {
    assert.equal(reason({ config: {} }), 'Network Error');
    assert.equal(reason(err(503, 'whatever')), '503 Service Unavailable');
    assert.equal(reason(err(429)), '429 Too Many Requests');
    assert.equal(reason(err(409, 'Conflict')), '409 Conflict');
    assert.equal(reason(err(418, 'a\r\nb')), '418 ab');
    assert.equal(reason(err(599)), '599');
    assert.equal(reason(err(200, 'OK')), 'Network Error', 'a cut-off body is a network failure');
  });
  test('isRetryable', () => {
    assert.equal(isRetryable({ code: 'ERR_NETWORK' }), true);
    assert.equal(isRetryable({ code: 'ECONNRESET' }), true);
    assert.equal(isRetryable({ code: 'ECONNABORTED' }), true);
    assert.equal(isRetryable({ code: 'ERR_CANCELED' }), false);
    assert.equal(isRetryable({ code: 'ERR_BAD_OPTION_VALUE' }), false);
    assert.equal(isRetryable({ code: 'ERR_INVALID_URL' }), false);
    for (const s of [408, 429, 500, 503, 599]) assert.equal(isRetryable(err(s)), true, String(s));
    for (const s of [400, 401, 403, 404, 409, 600]) assert.equal(isRetryable(err(s)), false, String(s));
  });
});
