/**
 * A retry budget: asked before every retry, told of every answer. One budget
 * serves many origins; each origin has its own allowance. All methods take
 * the origin ("https://api.example.com") and, where time matters, an
 * explicit time in ms since the epoch (default `Date.now()`), so that tests
 * need no clock. Browsers run one thread, so no locking is needed.
 */
export interface Budget {
  /** Asks for one retry to origin; a true answer spends it. */
  allow(origin: string, now?: number): boolean;
  /** Reports that origin answered (any response that is not retried). */
  done(origin: string, now?: number): void;
  /** Gives back a retry that allow granted but that was never made. */
  cancel(origin: string, now?: number): void;
}

/** Options of createBudget. */
export interface BudgetOptions {
  /** Retries an origin may make with nothing succeeding: the bucket's size. Default 10. */
  burst?: number;
  /** Retries each answer from the origin gives back, up to burst. Default 1. */
  refill?: number;
  /** Retries given back per second, up to burst, success or not: the probe rate of an origin that is down. Default 0.1. */
  perSecond?: number;
  /** Origins remembered; the oldest is forgotten past this. Default 100. */
  maxOrigins?: number;
}

/**
 * Creates the default retry budget: a token bucket per origin that starts
 * full with `burst` retries, spends one per retry, and is refilled by
 * answers (`refill` each) and by time (`perSecond`). A healthy origin thus
 * gets every configured retry: the first requests of a fresh client draw on
 * the burst, and every answer puts back more than a request at 30% random
 * failures spends (0.42 retries). An origin that is down spends the burst
 * and then gets one attempt per request, plus one probe retry per
 * 1/perSecond seconds, until it answers again. The same meaning as the Go
 * client's budget (package budget): every retry while the origin is
 * healthy, about one attempt per request while it is down.
 */
export function createBudget(options: BudgetOptions = {}): Budget {
  const { burst = 10, refill = 1, perSecond = 0.1, maxOrigins = 100 } = options;
  for (const [k, v] of Object.entries({ burst, refill, perSecond, maxOrigins })) {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
      throw new TypeError(`createBudget: ${k} must be a non-negative finite number, got ${String(v)}`);
    }
  }
  const buckets = new Map<string, { n: number; t: number }>();
  const get = (origin: string, now: number) => {
    let b = buckets.get(origin);
    if (!b) {
      if (buckets.size >= maxOrigins) buckets.delete(buckets.keys().next().value as string);
      buckets.set(origin, (b = { n: burst, t: now }));
    }
    b.n = Math.min(burst, b.n + (Math.max(0, now - b.t) / 1000) * perSecond);
    b.t = Math.max(b.t, now);
    return b;
  };
  const add = (k: number) => (origin: string, now = Date.now()) => {
    const b = get(origin, now);
    b.n = Math.min(burst, b.n + k);
  };
  return {
    allow(origin, now = Date.now()) {
      const b = get(origin, now);
      if (b.n < 1) return false;
      b.n -= 1;
      return true;
    },
    done: add(refill),
    cancel: add(1),
  };
}
