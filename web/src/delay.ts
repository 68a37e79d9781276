/**
 * The wait before retry `n` (n = 1 after the first failure), in whole
 * milliseconds: `min(base * 2^(n-1) + U(0, 0.3 * base * 2^(n-1)), max)`,
 * as the specification's backoff formula reads. `u` is a uniform random
 * number in [0, 1), `Math.random()` by default. Never NaN, negative or above
 * `max`, at any `n`.
 */
export function backoffDelay(n: number, base: number, max: number, u = Math.random()): number {
  // Capping the exponential term first keeps Infinity (and so NaN) out.
  const e = Math.min(base * 2 ** (n - 1), max);
  return Math.round(Math.min(e + u * 0.3 * e, max));
}

/**
 * Parses a Retry-After header value (RFC 9110, 10.2.3): a whole number of
 * seconds ("120") or an HTTP date ("Fri, 31 Dec 1999 23:59:59 GMT") read
 * relative to `now` (ms since the epoch, `Date.now()` by default). Returns
 * the wait in milliseconds (0 for a date in the past), or undefined for an
 * empty, signed, fractional or otherwise malformed value.
 */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || !(value = value.trim())) return undefined;
  const v = value as string;
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, Number.MAX_SAFE_INTEGER);
  // An HTTP date starts with a day name; this keeps Date.parse's other
  // formats ("12", "2026-01-01") out.
  const t = /^[a-z]{3,9},? /i.test(v) ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
